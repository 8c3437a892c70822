"""Read one sheet of an Excel workbook (.xlsx) as a table of text cells, like a CSV.

Districts keep their registers in Excel, so an .xlsx file is accepted wherever a CSV is. The
sheet becomes the same thing :func:`firegrid.geo.io.read_csv_table` gives — a header and text
cells per row — so every import rule applies unchanged. What differs from a CSV, and why:

* **Row numbers are the sheet's own** (the header is usually row 1, the first record row 2), so
  an error message points at the row the user sees in Excel.
* **The header is the first non-empty row**, skipping title rows above it: a row whose only
  filled cell is merged across several columns (a banner such as 门头沟区消防站登记表), or a
  single filled cell above a row with more.
* **Banner rows anywhere** (section headings, a merged 制表人 footer) are not records and are
  skipped, as are empty rows (their numbers are kept, so later rows keep theirs).
* **Vertically merged cells** (one 乡镇 cell spanning the rows of its stations) count for every
  row they cover: the value the user sees on each row.
* **Typed cells** become the text a user would type: dates ISO ``YYYY-MM-DD`` (date-times
  ``YYYY-MM-DD HH:MM:SS``), whole numbers without a spurious ``.0`` (Excel stores every number
  as a float), booleans ``true``/``false``. Formulas give their cached value (what Excel last
  showed).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from firegrid.errors import InvalidInputError

__all__ = ["Sheet", "read_xlsx_table"]

#: An OLE compound file: what an encrypted (password-protected) .xlsx or an old .xls is.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True, slots=True)
class Sheet:
    """A worksheet as text: its name, the header row number, the column names and
    ``(sheet row number, {column: cell})`` pairs for the record rows."""

    name: str
    header_row: int
    fields: list[str]
    rows: list[tuple[int, dict[str, str]]]


def cell_text(value: Any) -> str:
    """The text of a typed cell value as a user would have typed it (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # Excel keeps times as fractions of a day; a stored 14:30 can read back as
        # 14:29:59.999999, so round to the second.
        moment: datetime = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
        if moment.time() == time(0) and moment.tzinfo is None:
            return moment.date().isoformat()
        return moment.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(int(value)) if value == int(value) else repr(float(value))
    return str(value)


def _load(data: bytes, source: str) -> Any:
    if data.startswith(_OLE_MAGIC):
        raise InvalidInputError(
            f"{source}: not a readable .xlsx workbook: it is password-protected (encrypted) or an "
            "old .xls file; remove the password or save it as .xlsx in Excel/WPS"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidInputError(f"{source}: not an .xlsx workbook (the file is not a zip archive)")
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # Workbooks from Excel/WPS carry extensions openpyxl does not read (data validation,
            # slicers); it says so with warnings that say nothing about the data.
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, BadZipFile, ...)
        raise InvalidInputError(
            f"{source}: not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})"
        ) from None


def _merged_ranges(wb: Any, ws: Any) -> list[tuple[int, int, int, int]]:
    """``(min_col, min_row, max_col, max_row)`` of every merged range of ``ws``.

    Read-only worksheets do not expose them, so the sheet's XML part is scanned for its
    ``mergeCell`` elements (they follow the cell data); without access, no ranges.
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.functions import iterparse

    archive, part = getattr(wb, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or part is None:
        return []
    out: list[tuple[int, int, int, int]] = []
    with archive.open(part) as src:
        for _event, el in iterparse(src):
            if el.tag.endswith("}mergeCell") and el.get("ref"):
                c1, r1, c2, r2 = range_boundaries(el.get("ref"))
                out.append((int(c1), int(r1), int(c2), int(r2)))
            el.clear()
    return out


def _column_letter(i: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return str(get_column_letter(i + 1))


def read_xlsx_table(data: bytes, *, source: str = "workbook", sheet: str | None = None) -> Sheet:
    """Read the first worksheet (or ``sheet``) of an .xlsx file as text cells.

    Raises
    ------
    InvalidInputError
        The file is not an .xlsx workbook (not a zip, encrypted, damaged), has no sheet of that
        name, or the sheet has no header or no record rows; the message names ``source``.
    """
    wb = _load(data, source)
    try:
        names = [ws.title for ws in wb.worksheets]
        if sheet is None:
            if not names:
                raise InvalidInputError(f"{source}: the workbook has no worksheet")
            ws = wb.worksheets[0]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise InvalidInputError(
                f"{source}: no sheet named {sheet!r}; sheets: {', '.join(names) or '(none)'}"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ws.reset_dimensions()  # some writers store a wrong size; read what is there
            raw = [list(r) for r in ws.iter_rows(values_only=True)]
            merged = _merged_ranges(wb, ws)
        title = str(ws.title)
    finally:
        wb.close()
    return _table(raw, merged, source=f"{source} (sheet {title!r})", name=title)


def _table(
    raw: list[list[Any]], merged: list[tuple[int, int, int, int]], *, source: str, name: str
) -> Sheet:
    cells = [[cell_text(v) for v in row] for row in raw]

    def filled(r: int) -> list[int]:
        return [c for c, s in enumerate(cells[r]) if s.strip()]

    wide_anchors = {(r1 - 1, c1 - 1) for c1, r1, c2, _r2 in merged if c2 > c1}

    def banner(r: int) -> bool:
        f = filled(r)
        return len(f) == 1 and (r, f[0]) in wide_anchors

    candidates = [r for r in range(len(cells)) if filled(r) and not banner(r)]
    if not candidates:
        raise InvalidInputError(f"{source}: the sheet is empty (no header row)")
    header = candidates[0]
    # A lone title typed above the table (not merged) is not the header either.
    while len(filled(header)) == 1 and len(candidates) > 1 and len(filled(candidates[1])) > 1:
        candidates.pop(0)
        header = candidates[0]

    # Vertically merged cells below the header hold their value on every row they span.
    for c1, r1, _c2, r2 in merged:
        if r2 > r1 and r1 - 1 > header:
            value = cells[r1 - 1][c1 - 1] if c1 - 1 < len(cells[r1 - 1]) else ""
            for r in range(r1, min(r2, len(cells))):
                row = cells[r]
                row.extend([""] * (c1 - len(row)))
                if not row[c1 - 1].strip():
                    row[c1 - 1] = value

    head = [s.strip() for s in cells[header]]
    while head and not head[-1]:
        head.pop()
    body = [r for r in range(header + 1, len(cells)) if filled(r) and not banner(r)]
    columns: list[tuple[int, str]] = []
    for c, h in enumerate(head):
        if h:
            columns.append((c, h))
        elif any(c < len(cells[r]) and cells[r][c].strip() for r in body):
            columns.append((c, f"column {_column_letter(c)}"))
    fields = [h for _c, h in columns]
    duplicates = sorted({f for f in fields if fields.count(f) > 1})
    if duplicates:
        raise InvalidInputError(f"{source}: duplicate column name(s): {', '.join(duplicates)}")
    rows: list[tuple[int, dict[str, str]]] = []
    for r in body:
        row = cells[r]
        record = {h: (row[c] if c < len(row) else "") for c, h in columns}
        extra = [s for s in row[len(head) :] if s.strip()]
        if extra:
            record["*"] = ",".join(extra)
        rows.append((r + 1, record))
    if not rows:
        raise InvalidInputError(f"{source}: no data rows below the header (row {header + 1})")
    return Sheet(name=name, header_row=header + 1, fields=fields, rows=rows)
