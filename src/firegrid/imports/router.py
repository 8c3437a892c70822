"""Upload a district's data file for import (requires ``data:write``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, UploadFile

from firegrid.accounts.models import User
from firegrid.api.deps import DbDep, requires
from firegrid.errors import ImportValidationError, InvalidInputError
from firegrid.imports.service import run_import

router = APIRouter(prefix="/api", tags=["imports"])

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


@router.post("/districts/{code}/imports/{kind}", operation_id="import_file")
def import_file(
    code: str,
    kind: str,
    file: UploadFile,
    db: DbDep,
    user: Annotated[User, Depends(requires("data:write"))],
    crs: Annotated[str | None, Query(description="wgs84, gcj02, bd09, cgcs2000 or EPSG:n")] = None,
    keep_valid: Annotated[bool, Query(description="Write valid rows, keep the rest.")] = False,
    sheet: Annotated[
        str | None, Form(description="Worksheet of an .xlsx upload (default: the first).")
    ] = None,
) -> dict[str, Any]:
    """Import a CSV, Excel (.xlsx), GeoJSON or GeoPackage file; every bad row is reported."""
    name = Path(file.filename or "upload.csv").name
    if Path(name).suffix.lower() not in (".csv", ".xlsx", ".geojson", ".json", ".gpkg"):
        raise InvalidInputError(f"{name}: upload a .csv, .xlsx, .geojson or .gpkg file")
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInputError(f"{name}: larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    with tempfile.TemporaryDirectory(prefix="firegrid-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        report = run_import(
            db,
            kind,
            path,
            district_code=code,
            actor=user.username,
            crs=crs,
            sheet=sheet or None,
            keep_valid=keep_valid,
        )
    report.source = name
    if report.errors and not report.written:
        raise ImportValidationError(
            report.errors,
            source=f"{name} ({report.rejected} of {report.rows} rows rejected, nothing written)",
        )
    return report.as_dict()
