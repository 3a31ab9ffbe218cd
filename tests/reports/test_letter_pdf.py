"""What a trust reads in the PDF it is sent, and what a signatory reads in the draft before signing.

The text is read from the PDF itself (pypdfium2, as a PDF reader or pdftotext would), not from the HTML."""

# ruff: noqa: F811  (pytest fixtures shared with test_letters are imported by name)
import datetime
import re

import pypdfium2
import pytest
from django.utils import timezone

from audits.models import Evidence, Finding
from reports import letters
from tests.factories import DutyFactory
from tests.reports.test_letters import (  # noqa: F401  (fixtures)
    _site_url,
    add_findings,
    cycle,
    findings,
    other_trust,
    signatory,
    trust,
    trust_user,
)

ISSUED_AT = datetime.datetime(2026, 12, 3, 10, 30, tzinfo=datetime.UTC)


def pdf_text(content: bytes) -> str:
    """The words of every page, in reading order, with runs of white space made one space."""
    document = pypdfium2.PdfDocument(content)
    try:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return re.sub(r"\s+", " ", " ".join(pages))


def stored_text(letter) -> str:
    with letter.pdf.open("rb") as handle:
        return pdf_text(handle.read())


@pytest.fixture
def regulator(settings):
    settings.REGULATOR_NAME = "Care Standards Regulator"
    settings.REGULATOR_ADDRESS = ["Finsbury Tower", "103-105 Bunhill Row", "London", "EC1Y 8TG"]
    settings.LETTER_SIGN_OFF = "Yours faithfully"


@pytest.fixture
def on_3_december_2026(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: ISSUED_AT)


def _issue(cycle, organisation, signatory):
    return letters.issue_letter(letters.approve_letter(letters.draft_letter(cycle, organisation), signatory), signatory)


def test_the_issued_pdf_reads_as_an_issued_letter(cycle, trust, findings, signatory, regulator, on_3_december_2026):
    text = stored_text(_issue(cycle, trust, signatory))

    for draft_wording in ("not issued", "draft", "would have if", "approved"):
        assert draft_wording not in text.lower()
    assert "Date: 3 December 2026" in text
    assert "publish it on your website by 31 December 2026" in text
    assert "Our reference: EDA/2007WEBAUDIT/RZA/001" in text
    addressee = "Dr Jane Smith Chief Executive Riverside Acute NHS Trust Riverside House River Road Leeds LS1 4AB"
    assert addressee in text
    assert "Dear Dr Smith" in text
    assert "Care Standards Regulator Finsbury Tower 103-105 Bunhill Row London EC1Y 8TG" in text
    assert "Yours faithfully Anna Lyons Head of Equality Audit Care Standards Regulator" in text


def test_what_we_found_names_the_document_once_and_met_duties_read_without_nested_brackets(
    cycle, trust, findings, signatory
):
    address = "https://www.riverside.nhs.example/equality/have-your-say.html"
    unmet = Finding.objects.get(cycle=cycle, organisation=trust, status="not_met")
    unmet.evidence = Evidence.objects.create(
        site_check=unmet.site_check, url=address, final_url=address, sha256="ab" * 32, fetched_at=timezone.now()
    )
    unmet.rationale = f"No published ethnic monitoring was found. “Have your say” (web page, {address}) mentions it."
    unmet.save()
    Finding.objects.filter(cycle=cycle, organisation=trust, status="met").update(
        duty=DutyFactory(title="Workforce ethnic monitoring (race employment duty)", citation="SI 2001/3458, art. 5")
    )

    text = stored_text(_issue(cycle, trust, signatory))
    assert text.count("your-say.html") == 1  # a long address may break across lines
    assert "Workforce ethnic monitoring (race employment duty): SI 2001/3458, art. 5" in text
    assert "Equality duties, 2007 web audit: action required" in text


def test_a_trust_with_no_named_chief_executive_is_written_to_as_the_chief_executive(
    cycle, other_trust, signatory, on_3_december_2026
):
    other_trust.address, other_trust.postcode = "Hill Lane\nSheffield", "S1 2AA"
    other_trust.save()
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})

    text = stored_text(_issue(cycle, other_trust, signatory))

    assert "The Chief Executive Hillside NHS Trust Hill Lane Sheffield S1 2AA" in text
    assert "Dear Chief Executive" in text
    assert "Date: 3 December 2026" in text
    assert "not issued" not in text


def test_the_draft_pdf_is_the_same_letter_marked_as_a_draft(cycle, trust, findings, signatory, regulator):
    letter = letters.draft_letter(cycle, trust)
    today = timezone.localdate()

    text = pdf_text(letters.render_draft_pdf(letter))

    assert "DRAFT: not issued" in text
    assert f"Date: {today:%-d %B %Y}" in text
    assert f"by {today + datetime.timedelta(days=28):%-d %B %Y}" in text
    assert "Dr Jane Smith Chief Executive Riverside Acute NHS Trust" in text
    assert "Ethnic monitoring of the workforce" in text


def test_an_approved_letter_still_previews_as_a_draft_with_its_signatory(cycle, trust, findings, signatory):
    letter = letters.approve_letter(letters.draft_letter(cycle, trust), signatory)

    text = pdf_text(letters.render_draft_pdf(letter))

    assert "DRAFT: not issued" in text
    assert "Anna Lyons Head of Equality Audit" in text


@pytest.mark.parametrize(
    "statuses, heading",
    [
        ({"race-equality-scheme": "met", "race-employment-monitoring": "met"}, "your trust met every duty"),
        ({"race-equality-scheme": "met", "race-employment-monitoring": "not_met"}, "action required"),
    ],
)
def test_every_kind_of_letter_fills_its_first_page(cycle, trust, signatory, statuses, heading):
    add_findings(cycle, trust, statuses)
    letter = _issue(cycle, trust, signatory)

    with letter.pdf.open("rb") as handle:
        document = pypdfium2.PdfDocument(handle.read())
    first_page = document[0].get_textpage().get_text_range()

    # The letter's heading and body begin on page 1, under the addressee, not after a blank page.
    assert heading in first_page
    assert "We checked the website of Riverside Acute NHS Trust" in " ".join(first_page.split())
