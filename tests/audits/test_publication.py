"""Publishing a cycle: what trusts will see, what blocks it, and what each trust sees afterwards."""

import re

import pytest
from django.urls import reverse

from audits import publication, services
from audits.models import AuditCycle, Finding, FindingStatus, SiteCheck
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from trusts.models import OrgType

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The words a person reads: tags removed, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def duties():
    return [
        DutyFactory(code="race-equality-scheme", title="Race equality scheme", sort_order=1),
        DutyFactory(code="disability-equality-scheme", title="Disability equality scheme", sort_order=2),
        # Applies to acute trusts only: the mental health trust owes two duties, not three.
        DutyFactory(code="gender-pay-gap", title="Gender pay gap report", org_types=[OrgType.ACUTE], sort_order=3),
    ]


@pytest.fixture
def trusts():
    return [
        OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust"),
        OrganisationFactory(ods_code="RBB", name="Beechwood NHS Trust"),
        OrganisationFactory(ods_code="RCC", name="Cedar Mental Health NHS Trust", org_type=OrgType.MENTAL_HEALTH),
    ]


# Automated statuses, none reviewed: (trust, duty) -> status.
STATUSES = {
    ("RAA", "race-equality-scheme"): "met",
    ("RAA", "disability-equality-scheme"): "not_met",
    ("RAA", "gender-pay-gap"): "met",
    ("RBB", "race-equality-scheme"): "not_met",
    ("RBB", "disability-equality-scheme"): "not_met",
    ("RBB", "gender-pay-gap"): "met",
    ("RCC", "race-equality-scheme"): "met",
    ("RCC", "disability-equality-scheme"): "met",
}


@pytest.fixture
def cycle(duties, trusts):
    """A cycle in review whose findings no reviewer ever touched."""
    cycle = AuditCycleFactory(name="2007 web audit", status=AuditCycle.Status.IN_REVIEW)
    cycle.duties.set(duties)
    by_code = {d.code: d for d in duties}
    for trust in trusts:
        check = SiteCheckFactory(cycle=cycle, organisation=trust, state=SiteCheck.State.DONE)
        for (ods, code), status in STATUSES.items():
            if ods == trust.ods_code:
                FindingFactory(site_check=check, duty=by_code[code], status=status, rationale=f"{ods} {code} said.")
    return cycle


@pytest.fixture
def auditor_client(client):
    client.force_login(UserFactory(role="auditor"))
    return client


def publish_url(cycle):
    return reverse("audits:cycle_publish", kwargs={"pk": cycle.pk})


def test_publish_page_shows_what_trusts_will_see_and_changes_nothing(auditor_client, cycle):
    response = auditor_client.get(publish_url(cycle))
    words = text(response)

    assert response.status_code == 200
    assert "Publish: 3 trusts will see their results" in words
    row = response.content.decode().split('data-duty="race-equality-scheme"')[1].split("</tr>")[0]
    assert 'data-count="met">2<' in row and 'data-count="not_met">1<' in row and 'data-count="applicable">3<' in row
    row = response.content.decode().split('data-duty="gender-pay-gap"')[1].split("</tr>")[0]
    assert 'data-count="met">2<' in row and 'data-count="applicable">2<' in row
    assert "Publishing cannot be undone" in words
    assert "Publish results to trusts" in words
    assert "Cancel" in words
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.IN_REVIEW
    assert cycle.published_at is None


def test_publishing_unreviewed_findings_shows_every_trust_every_applicable_duty(client, cycle, trusts, duties):
    """The bug: trusts saw only reviewed findings, so this cycle left them on 'not yet published' for good."""
    auditor = UserFactory(role="auditor")
    client.force_login(auditor)
    response = client.post(publish_url(cycle), follow=True)

    assert "2007 web audit published: 3 trusts can now see their results." in text(response)
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.PUBLISHED
    assert cycle.published_at is not None

    expected = {"RAA": "2 of 3 duties met", "RBB": "1 of 3 duties met", "RCC": "2 of 2 duties met"}
    for trust in trusts:
        client.force_login(TrustUserFactory(organisation=trust))
        page = client.get(reverse("trust:status"))
        words = text(page)
        assert "not yet published" not in words
        assert f"{expected[trust.ods_code]} in the 2007 web audit" in words
        for (ods, code), status in STATUSES.items():
            if ods != trust.ods_code:
                continue
            card = page.content.decode().split(f'data-duty="{code}"')[1].split("govuk-summary-card__content")[0]
            assert (">Met<" if status == "met" else ">Not met<") in card, (ods, code)
            assert f"{ods} {code} said." in words
        if trust.ods_code == "RCC":
            assert "Gender pay gap report" not in words  # does not apply to a mental health trust


def test_publish_is_refused_while_a_finding_is_in_review_and_the_page_lists_it(auditor_client, cycle):
    waiting = cycle.findings.get(organisation__ods_code="RBB", duty__code="race-equality-scheme")
    waiting.status = FindingStatus.REVIEW
    waiting.save()
    broken = cycle.findings.get(organisation__ods_code="RCC", duty__code="race-equality-scheme")
    broken.status = FindingStatus.ERROR
    broken.save()

    page = auditor_client.get(publish_url(cycle))
    words = text(page)
    assert "Publication is blocked: 2 things to settle first" in words
    assert "Not ready to publish: 2 things to settle first" in words and "will see their results" not in words
    assert "2 findings are still in review or error" in words
    assert "Beechwood NHS Trust, Race equality scheme (needs review)" in words
    assert "Cedar Mental Health NHS Trust, Race equality scheme (error)" in words
    detail = reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": waiting.pk})
    assert f'href="{detail}"' in page.content.decode()
    assert "Publish results to trusts</button>" not in page.content.decode()

    response = auditor_client.post(publish_url(cycle), follow=True)

    assert response.redirect_chain == [(publish_url(cycle), 302)]
    assert "2007 web audit cannot be published yet: 2 findings are still in review or error" in text(response)
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.IN_REVIEW
    assert cycle.published_at is None


def test_a_reviewed_decision_settles_a_finding_in_review(auditor_client, cycle):
    finding = cycle.findings.get(organisation__ods_code="RBB", duty__code="race-equality-scheme")
    finding.status, finding.reviewed_status = FindingStatus.REVIEW, FindingStatus.MET
    finding.save()
    assert not publication.publication_blockers(cycle)
    auditor_client.post(publish_url(cycle))
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.PUBLISHED


def test_a_reviewer_who_sets_review_blocks_too(cycle):
    finding = cycle.findings.get(organisation__ods_code="RAA", duty__code="race-equality-scheme")
    finding.reviewed_status = FindingStatus.REVIEW
    finding.save()
    assert [f.pk for f in publication.publication_blockers(cycle).findings] == [finding.pk]


def test_an_open_site_check_and_an_undecided_duty_block(cycle, trusts):
    SiteCheck.objects.filter(cycle=cycle, organisation=trusts[0]).update(state=SiteCheck.State.RUNNING)
    cycle.findings.filter(organisation=trusts[1], duty__code="gender-pay-gap").delete()

    blockers = publication.publication_blockers(cycle)

    assert [c.organisation.ods_code for c in blockers.open_checks] == ["RAA"]
    assert [(c.organisation.ods_code, d.code) for c, d in blockers.undecided] == [("RBB", "gender-pay-gap")]
    with pytest.raises(services.AuditError, match="1 site check has not ended; 1 duty has no decided status"):
        services.publish_cycle(cycle, UserFactory(role="auditor"))
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.IN_REVIEW


def test_the_blocker_count_counts_what_the_blockers_list(cycle, trusts):
    assert publication.blocker_counts([cycle])[cycle.pk] == 0
    SiteCheck.objects.filter(cycle=cycle, organisation=trusts[0]).update(state=SiteCheck.State.RUNNING)
    cycle.findings.filter(organisation=trusts[1], duty__code="gender-pay-gap").delete()
    cycle.findings.filter(organisation=trusts[1], duty__code="race-equality-scheme").update(status="error")

    assert publication.blocker_counts([cycle])[cycle.pk] == publication.publication_blockers(cycle).count == 3


def test_the_blocker_count_groups_trusts_as_the_blockers_list_names_them(cycle, trusts):
    """The count groups trusts by what decides the duties they owe (type, headcount): trusts that share them,
    a cancelled check and a failed one are counted as the list counts them."""
    for ods in ("RDD", "REE", "RFF"):
        twin = OrganisationFactory(ods_code=ods, org_type=trusts[1].org_type, headcount=trusts[1].headcount)
        SiteCheckFactory(cycle=cycle, organisation=twin, state=SiteCheck.State.DONE)  # no finding at all
    cycle.site_checks.filter(organisation__ods_code="REE").update(state=SiteCheck.State.CANCELLED)
    cycle.site_checks.filter(organisation__ods_code="RFF").update(state=SiteCheck.State.FAILED)
    cycle.findings.filter(organisation=trusts[1], duty__code="gender-pay-gap").delete()

    blockers = publication.publication_blockers(cycle)
    assert len(blockers.undecided) > 2
    assert publication.blocker_counts([cycle])[cycle.pk] == blockers.count


def test_before_publication_a_trust_sees_only_that_an_audit_is_under_way(client, cycle, trusts):
    finding = cycle.findings.filter(organisation=trusts[0]).first()
    client.force_login(TrustUserFactory(organisation=trusts[0]))
    for status in (AuditCycle.Status.RUNNING, AuditCycle.Status.IN_REVIEW):
        AuditCycle.objects.filter(pk=cycle.pk).update(status=status)
        words = text(client.get(reverse("trust:status")))
        assert "2007 web audit: audit under way, results not yet published" in words
        assert "Race equality scheme" not in words
        assert "RAA race-equality-scheme said." not in words
        assert client.get(reverse("trust:finding", kwargs={"pk": finding.pk})).status_code == 404
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.DRAFT)
    words = text(client.get(reverse("trust:status")))
    assert "2007 web audit" not in words
    assert "The regulator has not yet published audit results for your organisation." in words


def test_after_publication_another_trusts_ids_answer_404(client, cycle, trusts):
    services.publish_cycle(cycle, UserFactory(role="auditor"))
    theirs = cycle.findings.filter(organisation=trusts[1])
    client.force_login(TrustUserFactory(organisation=trusts[0]))
    for finding in theirs:
        assert client.get(reverse("trust:finding", kwargs={"pk": finding.pk})).status_code == 404
        assert client.get(reverse("trust:evidence", kwargs={"pk": finding.pk})).status_code == 404
    assert "Beechwood" not in text(client.get(reverse("trust:status")))


def test_staff_see_every_finding_but_not_the_trust_portal(client, cycle):
    services.publish_cycle(cycle, UserFactory(role="auditor"))
    auditor = UserFactory(role="auditor")
    assert Finding.objects.visible_to(auditor).count() == cycle.findings.count() > 0
    client.force_login(auditor)
    assert client.get(reverse("trust:status")).status_code == 403
