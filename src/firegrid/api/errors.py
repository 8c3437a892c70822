"""Map the firegrid exception tree to problem+json responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from firegrid.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    FiregridError,
    ImportValidationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

__all__ = ["install_error_handlers", "status_for"]

_STATUS: list[tuple[type[FiregridError], int, str]] = [
    (ImportValidationError, 422, "import-validation"),
    (InvalidInputError, 422, "invalid-input"),
    (NotFoundError, 404, "not-found"),
    (ConflictError, 409, "conflict"),
    (AuthenticationError, 401, "authentication"),
    (PermissionDeniedError, 403, "permission-denied"),
    (ConfigurationError, 500, "configuration"),
]


def status_for(exc: FiregridError) -> tuple[int, str]:
    for cls, status, slug in _STATUS:
        if isinstance(exc, cls):
            return status, slug
    return 500, "error"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FiregridError)
    async def _handle(_request: Request, exc: FiregridError) -> JSONResponse:
        status, slug = status_for(exc)
        body: dict[str, object] = {
            "type": f"https://firegrid.dev/problems/{slug}",
            "title": slug.replace("-", " "),
            "status": status,
            "detail": str(exc),
        }
        if isinstance(exc, ImportValidationError):
            body["errors"] = [e.as_dict() for e in exc.errors]
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            body, status_code=status, media_type="application/problem+json", headers=headers
        )
