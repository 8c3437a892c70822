"""Assess a district's fire risk per H3 cell and per township with the AHP index.

Adapter between the records and the pure index (:mod:`firegrid.risk.index`): it grids the
district boundary into H3 cells, computes every indicator of the configuration per cell from
key units, buildings, fires, stations, hydrants, settlements and townships, and lets the kernel
score them. Townships get the mean of their cells (score and contributions alike, so the
township's contributions still sum to its deficit).

Travel time comes from the district's road network (``district.road_network``) when it has one,
else from the straight-line approximation of the response standards — ``approximate`` says which.

Synthetic inputs
----------------
Like the plan indicators (:mod:`firegrid.indicators.service`), a factor computed from generated
demo records is flagged: ``synthetic_inputs`` lists per indicator how many of which records are
synthetic, ``synthetic`` is true when any indicator with data rests on them, and
``synthetic_note_zh`` / ``synthetic_note_en`` say so in words. The demo's key units (real OSM
names and places, synthetic attributes), micro stations, hydrants and fires are all synthetic,
so its risk map is a demonstration, not an assessment.

Results are cached per database, district, resolution and configuration, and rebuilt when a
tracked table changes (:func:`firegrid.db.revisions.revision`). Township boundaries and
populations are not tracked: a change there shows after a restart.
"""

from firegrid.risk.service._assess import DEFAULT_RESOLUTION, MAX_CELLS, assess_district
from firegrid.risk.service._config import load_index_config
from firegrid.risk.service._records import DistrictRecords, Points, district_records
from firegrid.risk.service._texts import SYNTHETIC_LABELS, reason_text, synthetic_note

__all__ = [
    "DEFAULT_RESOLUTION",
    "MAX_CELLS",
    "SYNTHETIC_LABELS",
    "DistrictRecords",
    "Points",
    "assess_district",
    "district_records",
    "load_index_config",
    "reason_text",
    "synthetic_note",
]
