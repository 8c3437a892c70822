"""Command-line interface: parse -> call a service -> print."""
