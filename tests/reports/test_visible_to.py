"""One access rule (trusts/access.py) behind every `visible_to`: staff see every trust's data; a trust
user only their own organisation's, of published or closed cycles, and only issued letters."""

import datetime

import pytest

from audits.models import AuditCycle, Evidence, Finding, TrustResponse
from reports.models import Letter
from tests.factories import AuditCycleFactory, FindingFactory, OrganisationFactory, TrustUserFactory, UserFactory
from trusts.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two trusts, each with a finding (with evidence and an answer) in a published and in a running cycle."""
    ours, theirs = OrganisationFactory(ods_code="RAA"), OrganisationFactory(ods_code="RBB")
    published = AuditCycleFactory(status=AuditCycle.Status.PUBLISHED)
    running = AuditCycleFactory(status=AuditCycle.Status.RUNNING)
    rows = {}
    for organisation in (ours, theirs):
        author = TrustUserFactory(organisation=organisation)
        for cycle in (published, running):
            finding = FindingFactory(site_check__cycle=cycle, site_check__organisation=organisation)
            finding.evidence = Evidence.objects.create(
                site_check=finding.site_check, url="https://example.org/res.pdf", final_url="", fetched_at=_NOW
            )
            finding.save()
            answer = TrustResponse.objects.create(
                finding=finding, organisation=organisation, author=author, comment="Published", urls=[]
            )
            rows[organisation.ods_code, cycle.status] = finding, answer
    return ours, rows


_NOW = datetime.datetime(2007, 4, 1, tzinfo=datetime.UTC)


def _letter(organisation, cycle, n, issued):
    return Letter.objects.create(
        cycle=cycle,
        organisation=organisation,
        kind=Letter.Kind.COMPLIANT,
        sequence=n,
        reference=f"EDA/T{cycle.pk}/{organisation.ods_code}/{n:03d}",
        template_name="letters/compliant/v1.html",
        template_version="v1",
        addressee="The Chief Executive",
        issued_at=_NOW if issued else None,
        status=Letter.Status.ISSUED if issued else Letter.Status.DRAFT,
    )


def test_organisations_visible_to_staff_all_and_to_a_trust_user_their_own(world):
    ours, _ = world
    assert Organisation.objects.visible_to(UserFactory(role="auditor")).count() == 2
    assert list(Organisation.objects.visible_to(TrustUserFactory(organisation=ours))) == [ours]


def test_findings_visible_to_a_trust_user_are_their_own_in_published_cycles_only(world):
    ours, rows = world
    assert Finding.objects.visible_to(UserFactory(role="reviewer")).count() == 4
    assert list(Finding.objects.visible_to(TrustUserFactory(organisation=ours))) == [rows["RAA", "published"][0]]


def test_evidence_visible_to_a_trust_user_is_their_own_in_published_cycles_only(world):
    ours, rows = world
    assert Evidence.objects.visible_to(UserFactory(role="reviewer")).count() == 4
    mine = Evidence.objects.visible_to(TrustUserFactory(organisation=ours))
    assert list(mine) == [rows["RAA", "published"][0].evidence]


def test_answers_visible_to_a_trust_user_are_their_own_on_published_findings_only(world):
    ours, rows = world
    assert TrustResponse.objects.visible_to(UserFactory(role="reviewer")).count() == 4
    assert list(TrustResponse.objects.visible_to(TrustUserFactory(organisation=ours))) == [rows["RAA", "published"][1]]


def test_letters_visible_to_a_trust_user_are_their_own_issued_ones_only(world):
    ours, _ = world
    cycle = AuditCycle.objects.get(status=AuditCycle.Status.PUBLISHED)
    issued = _letter(ours, cycle, 1, True)
    _letter(ours, AuditCycleFactory(status=AuditCycle.Status.PUBLISHED), 1, False)  # a draft
    _letter(OrganisationFactory(ods_code="RCC"), cycle, 1, True)
    assert Letter.objects.visible_to(UserFactory(role="signatory")).count() == 3
    assert list(Letter.objects.visible_to(TrustUserFactory(organisation=ours))) == [issued]


def test_a_user_with_no_organisation_and_no_role_sees_nothing(world):
    nobody = UserFactory()
    for model in (Organisation, Finding, Evidence, TrustResponse, Letter):
        assert not model.objects.visible_to(nobody).exists()
