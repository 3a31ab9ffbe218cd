"""The dates the matcher read in a document are kept on its evidence: the calendar counts from them."""

import datetime

import pytest

from audits.calendar import next_due
from tests.audits.test_recheck_evidence import DES, _findings, check, pages, server, trust  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_a_recorded_finding_keeps_when_its_document_was_published_and_the_period_it_covers(check):  # noqa: F811
    evidence = _findings(check)[DES].evidence  # "Disability Equality Scheme 2006-2009 ... Published 4 December 2006"

    assert evidence.published_on == datetime.date(2006, 12, 4)
    assert (evidence.covers_from, evidence.covers_until) == (datetime.date(2006, 1, 1), datetime.date(2009, 12, 31))
    # Revised at least every three years from its publication.
    assert next_due(_findings(check)[DES].duty, evidence) == datetime.date(2009, 12, 4)
