"""accounts domain: users, roles and permissions, login tokens, the audit log.

Modules: ``models`` (ORM), ``passwords`` (argon2id, policy), ``service`` (use cases and the
``ROLE_PERMISSIONS`` table), ``schemas`` (API I/O), ``router`` (HTTP), ``audit`` (the listener).
The package itself exports nothing, so importing a submodule stays cheap.
"""

__all__: list[str] = []
