"""What changed on a trust's website between two cycles, from the evidence each stored."""

import datetime
import hashlib

import pytest

from audits.models import AuditCycle, Evidence
from audits.site_changes import Change, site_changes
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, OrganisationFactory, SiteCheckFactory

pytestmark = pytest.mark.django_db
SITE = "https://trust.example/"


def document(check, path: str, body: bytes | None = b"", status: int = 200, error: str = "") -> Evidence:
    return Evidence.objects.create(
        site_check=check,
        url=SITE + path,
        final_url=SITE + path,
        status_code=status,
        sha256=hashlib.sha256(body).hexdigest() if body is not None else "",
        size=len(body or b""),
        error=error,
        title=path,
        fetched_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
    )


@pytest.fixture
def two_cycles():
    trust = OrganisationFactory()
    duties = [
        DutyFactory(code=code, sort_order=i) for i, code in enumerate(("scheme", "information", "objectives", "gap"))
    ]
    earlier = AuditCycleFactory(audit_date=datetime.date(2024, 6, 1), status=AuditCycle.Status.CLOSED)
    later = AuditCycleFactory(audit_date=datetime.date(2025, 6, 1), status=AuditCycle.Status.IN_REVIEW)
    old, new = SiteCheckFactory(cycle=earlier, organisation=trust), SiteCheckFactory(cycle=later, organisation=trust)
    scheme, information, objectives, gap = duties
    # The scheme is the same bytes in both; the information was republished; the objectives' link died;
    # the gender pay gap report is new.
    for check, duty, evidence in [
        (old, scheme, document(old, "scheme.pdf", b"scheme")),
        (new, scheme, document(new, "scheme.pdf", b"scheme")),
        (old, information, document(old, "information.pdf", b"2024 figures")),
        (new, information, document(new, "information.pdf", b"2025 figures")),
        (old, objectives, document(old, "objectives.pdf", b"objectives")),
        (new, objectives, document(new, "objectives.pdf", None, status=404, error="")),
        (old, gap, None),
        (new, gap, document(new, "gpg-2025.pdf", b"gap")),
    ]:
        FindingFactory(site_check=check, duty=duty, evidence=evidence)
    return trust, earlier, later


def test_documents_that_appeared_disappeared_or_changed_are_listed_and_unchanged_ones_not(two_cycles):
    trust, earlier, later = two_cycles

    changes = site_changes(earlier, later)[trust.pk]

    assert [(c.kind, c.url.removeprefix(SITE)) for c in changes] == [
        (Change.APPEARED, "gpg-2025.pdf"),
        (Change.CHANGED, "information.pdf"),
        (Change.DISAPPEARED, "objectives.pdf"),
    ]
    appeared, changed, gone = changes
    assert appeared.before is None and appeared.after.cycle == later
    assert changed.before.evidence.sha256 != changed.after.evidence.sha256
    assert changed.before.cycle == earlier and changed.after.cycle == later
    assert gone.why_gone == "the link answered 404"
    assert [d.code for d in gone.duties] == ["objectives"]


def test_a_document_no_longer_found_is_gone_without_a_dead_link(two_cycles):
    trust, earlier, later = two_cycles
    old, new = earlier.site_checks.get(), later.site_checks.get()
    wres = DutyFactory(code="wres")
    FindingFactory(site_check=old, duty=wres, evidence=document(old, "wres.pdf", b"wres"))
    FindingFactory(site_check=new, duty=wres, evidence=None)  # looked for again, and not found

    gone = [c for c in site_changes(earlier, later)[trust.pk] if c.url.endswith("wres.pdf")]

    assert gone[0].kind == Change.DISAPPEARED
    assert gone[0].why_gone.startswith("the crawl no longer found it")


def test_a_document_of_a_duty_the_later_cycle_did_not_look_for_is_not_gone(two_cycles):
    trust, earlier, later = two_cycles
    old = earlier.site_checks.get()
    FindingFactory(site_check=old, duty=DutyFactory(code="wdes"), evidence=document(old, "wdes.pdf", b"wdes"))

    assert not [c for c in site_changes(earlier, later)[trust.pk] if c.url.endswith("wdes.pdf")]


def test_a_trust_checked_in_only_one_cycle_has_no_changes(two_cycles):
    trust, earlier, later = two_cycles
    newcomer = OrganisationFactory()
    check = SiteCheckFactory(cycle=later, organisation=newcomer)
    FindingFactory(site_check=check, evidence=document(check, "scheme.pdf", b"x"))

    changes = site_changes(earlier, later)

    assert set(changes) == {trust.pk}
    assert site_changes(earlier, later, organisation_id=newcomer.pk) == {}
