"""What a trust reads in a follow-up letter of the same cycle (a confirmation or a final notice after the
recheck at the deadline), read from the issued PDF's text with pypdf, as the trust's PDF reader shows it."""

# ruff: noqa: F811  (pytest fixtures shared with test_letters are imported by name)
import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audits.models import Finding, SiteCheck
from reports import letters
from reports.models import Letter
from tests.reports.test_letters import (  # noqa: F401  (fixtures)
    _site_url,
    add_findings,
    cycle,
    findings,
    signatory,
    trust,
)

FIRST_ISSUED = datetime.datetime(2026, 12, 3, 10, 30, tzinfo=datetime.UTC)
RECHECKED = datetime.datetime(2027, 1, 2, 9, 0, tzinfo=datetime.UTC)
FOLLOW_UP_ISSUED = datetime.datetime(2027, 1, 4, 11, 0, tzinfo=datetime.UTC)


def pdf_text(letter) -> str:
    with letter.pdf.open("rb") as handle:
        pages = PdfReader(io.BytesIO(handle.read())).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _issue(cycle, trust, signatory, follows=None):
    letter = letters.draft_letter(cycle, trust, follows=follows)
    return letters.issue_letter(letters.approve_letter(letter, signatory), signatory)


@pytest.fixture
def follow_up_after_recheck(cycle, trust, findings, signatory, monkeypatch):
    """The action-required letter issued on 3 December 2026 (deadline 31 December), the site checked again
    on 2 January 2027 with the unmet duty's finding as `status_after`, the follow-up issued on 4 January."""

    def issue(status_after: str) -> tuple[Letter, Letter]:
        monkeypatch.setattr(timezone, "now", lambda: FIRST_ISSUED)
        first = _issue(cycle, trust, signatory)
        Finding.objects.filter(cycle=cycle, organisation=trust, duty__code="race-employment-monitoring").update(
            status=status_after, rationale="Checked again after the deadline."
        )
        SiteCheck.objects.filter(cycle=cycle, organisation=trust).update(finished_at=RECHECKED)
        monkeypatch.setattr(timezone, "now", lambda: FOLLOW_UP_ISSUED)
        return first, _issue(cycle, trust, signatory, follows=first)

    return issue


def test_a_confirmation_names_the_letter_it_follows_and_what_the_recheck_found(follow_up_after_recheck):
    first, confirmation = follow_up_after_recheck("met")
    text = pdf_text(confirmation)

    assert confirmation.kind == Letter.Kind.COMPLIANT
    assert "Date: 4 January 2027" in text
    assert "Follows: EDA/2007WEBAUDIT/RZA/001" in text
    assert "Checked again: 2 January 2027" in text
    assert "your trust now meets every duty" in text
    assert (
        "Our letter EDA/2007WEBAUDIT/RZA/001 of 3 December 2026 asked Riverside Acute NHS Trust to publish 1 "
        "document that the equality duties require by 31 December 2026. That deadline has passed. "
        "On 2 January 2027 we checked the trust's website again for it. This is what we found: "
        "Ethnic monitoring of the workforce: published."
    ) in text
    assert "now publishes every document that the equality duties require of it" in text
    # Dated by the recheck, not by the audit date the first letter was about.
    assert "as at 1 April 2007 for the documents" not in text
    assert "draft" not in text.lower()


def test_a_final_notice_after_the_deadline_names_the_letter_the_deadline_and_the_recheck(follow_up_after_recheck):
    first, notice = follow_up_after_recheck("not_met")
    text = pdf_text(notice)

    assert notice.kind == Letter.Kind.FINAL_NOTICE
    assert (
        "Our letter EDA/2007WEBAUDIT/RZA/001 of 3 December 2026 asked Riverside Acute NHS Trust to publish 1 "
        "document that the equality duties require by 31 December 2026. That deadline has passed. "
        "On 2 January 2027 we checked the trust's website again for it. This is what we found: "
        "Ethnic monitoring of the workforce: still not published."
    ) in text
    assert "Riverside Acute NHS Trust has still not published 1 of them" in text
    assert "This is a final notice. Publish it by 1 February 2027." in text
    assert "Checked again: 2 January 2027" in text
    assert "earlier audit" not in text
    assert "Checked again after the deadline." in text  # the duty's row in the table states the recheck
    assert "draft" not in text.lower()


def test_a_letter_that_follows_none_reads_as_before(cycle, trust, findings, signatory, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: FIRST_ISSUED)
    text = pdf_text(_issue(cycle, trust, signatory))

    assert "We checked the website of Riverside Acute NHS Trust as at" in text
    assert "Follows:" not in text and "Checked again" not in text and "Our letter" not in text
