"""HTTP routes of the data-quality findings (public, like the published tables they check)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from firegrid.api.deps import PublicSession
from firegrid.quality.service import district_findings

router = APIRouter(prefix="/api", tags=["quality"])


@router.get("/districts/{code}/quality", operation_id="district_quality")
def district_quality(code: str, session: PublicSession) -> list[dict[str, Any]]:
    """List data-quality findings on the district's published statistics and records."""
    return [f.as_dict() for f in district_findings(session, code)]
