"""The firegrid exception tree (framework-free; ``api/errors.py`` maps it to HTTP once).

::

    FiregridError
    ├── InvalidInputError (ValueError)        bad arguments or values; message names them
    │   └── ImportValidationError             a file failed validation; carries every row error
    ├── NotFoundError (LookupError)           a named record does not exist
    ├── ConflictError                         the write conflicts with the current state
    ├── AuthenticationError                   no or bad credentials
    ├── PermissionDeniedError (PermissionError)  authenticated, but the role may not do this
    └── ConfigurationError                    versioned configuration data is inconsistent

Messages carry the offending values, so a user can act on them without a debugger.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "FiregridError",
    "ImportValidationError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "RowError",
]


class FiregridError(Exception):
    """Base class of every error firegrid raises on purpose."""


class InvalidInputError(FiregridError, ValueError):
    """An argument or value is not acceptable."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One rejected input row: 1-based data row number (header excluded), field and reason."""

    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


class ImportValidationError(InvalidInputError):
    """An import was refused; ``errors`` lists every bad row, nothing was written."""

    def __init__(self, errors: list[RowError], *, source: str = "") -> None:
        self.errors = errors
        self.source = source
        first = "; ".join(f"row {e.row} {e.field}: {e.reason}" for e in errors[:3])
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{source or 'input'}: {len(errors)} invalid row(s): {first}{more}")


class NotFoundError(FiregridError, LookupError):
    """A record named by the caller does not exist."""


class ConflictError(FiregridError):
    """The requested change conflicts with the current state (e.g. a duplicate key)."""


class AuthenticationError(FiregridError):
    """Credentials are missing, wrong or expired."""


class PermissionDeniedError(FiregridError, PermissionError):
    """The authenticated user's role does not allow the action."""


class ConfigurationError(FiregridError):
    """Versioned configuration data is malformed or inconsistent."""
