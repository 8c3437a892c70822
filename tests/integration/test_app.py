"""The API documentation works offline and names every operation cleanly."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from firegrid.api.app import create_app
from firegrid.db.session import Database


def test_docs_are_served_without_any_cdn(database: Database) -> None:
    client = TestClient(create_app(database))
    page = client.get("/docs")
    assert page.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(r.startswith("/") for r in refs), refs
    for ref in refs:
        assert client.get(ref).status_code == 200, ref


def test_openapi_operation_ids_are_clean(database: Database) -> None:
    spec = TestClient(create_app(database)).get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert {"district_indicators", "district_quality", "import_file", "health"} <= set(ids)
