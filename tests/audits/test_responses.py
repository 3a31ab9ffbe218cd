import pytest
from django.urls import reverse
from django.utils import timezone

from audits import responses
from audits.models import AuditCycle, SiteCheck, TrustResponse
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from trusts.roles import permissions_by_role

ROLES = permissions_by_role()  # each role's permissions, as every app declares them

pytestmark = pytest.mark.django_db

TRIAGE_ROLES = {role for role, names in ROLES.items() if {"audits.review_finding", "audits.run_audit"} & set(names)}


@pytest.fixture
def trust():
    return OrganisationFactory(
        ods_code="RAA", name="Alderbrook Hospitals NHS Trust", website="https://raa.nhs.example/"
    )


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("audits.services._enqueue", lambda ids, duty_codes=None: calls.append((ids, duty_codes)))
    return calls


def _finding(trust, status=AuditCycle.Status.CLOSED, name="2007 web audit"):
    cycle = AuditCycleFactory(name=name, status=status, started_at=timezone.now())
    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    cycle.duties.add(duty)
    check = SiteCheckFactory(cycle=cycle, organisation=trust, state=SiteCheck.State.DONE)
    return FindingFactory(site_check=check, duty=duty, status="not_met", reviewed_status="not_met")


@pytest.fixture
def finding(trust):
    return _finding(trust)


@pytest.fixture
def author(trust):
    return TrustUserFactory(organisation=trust)


@pytest.fixture
def answer(finding, author):
    return responses.submit_response(
        finding, author, "Published in March.", ["https://raa.nhs.example/res.pdf?a=1&b=<2>"]
    )


def test_submitting_on_a_cycle_that_can_be_rerun_queues_a_recheck_of_that_duty(
    trust, author, enqueued, django_capture_on_commit_callbacks
):
    finding = _finding(trust, status=AuditCycle.Status.IN_REVIEW)

    with django_capture_on_commit_callbacks(execute=True):
        answer = responses.submit_response(finding, author, "See here", ["https://raa.nhs.example/res.pdf"])

    assert answer.status == TrustResponse.Status.RECHECKING
    assert enqueued == [([finding.site_check_id], ["race-equality-scheme"])]
    assert SiteCheck.objects.get(pk=finding.site_check_id).state == SiteCheck.State.QUEUED


def test_submitting_on_a_published_cycle_queues_a_recheck_and_the_cycle_stays_published(
    trust, author, enqueued, django_capture_on_commit_callbacks
):
    finding = _finding(trust, status=AuditCycle.Status.PUBLISHED)

    with django_capture_on_commit_callbacks(execute=True):
        answer = responses.submit_response(finding, author, "See here", ["https://raa.nhs.example/res.pdf"])

    assert answer.status == TrustResponse.Status.RECHECKING
    assert enqueued == [([finding.site_check_id], ["race-equality-scheme"])]
    finding.cycle.refresh_from_db()
    assert finding.cycle.status == AuditCycle.Status.PUBLISHED


def test_submitting_on_a_closed_cycle_records_the_response_without_a_recheck(finding, author, enqueued):
    answer = responses.submit_response(finding, author, "See here", ["https://raa.nhs.example/res.pdf"])

    assert answer.status == TrustResponse.Status.OPEN
    assert "closed" in answer.recheck_note
    assert enqueued == []


def test_submitting_is_refused_for_a_user_of_another_trust(finding):
    stranger = TrustUserFactory(organisation=OrganisationFactory(ods_code="RBB"))
    with pytest.raises(responses.ResponseError):
        responses.submit_response(finding, stranger, "x", ["https://raa.nhs.example/a"])


@pytest.mark.parametrize(
    ("url", "own"),
    [
        ("https://raa.nhs.example/a.pdf", True),
        ("http://RAA.nhs.example./a.pdf", True),
        ("https://www.raa.nhs.example/a.pdf", True),
        ("https://docs.raa.nhs.example/a.pdf", True),
        ("https://xraa.nhs.example/a.pdf", False),
        ("https://raa.nhs.example.evil.test/a.pdf", False),
        ("https://evil.test/raa.nhs.example/a.pdf", False),
        ("javascript://raa.nhs.example/a", False),
        # As a browser reads them (WHATWG), not as urllib does (issue 15, found 3).
        ("http://evil.example\\@raa.nhs.example/", False),
        ("https://user:pw@raa.nhs.example/a.pdf", False),
        ("https://raa.nhs.example:8443/a.pdf", False),
        ("https://raa.nhs.example:443/a.pdf", True),
    ],
)
def test_only_addresses_on_the_trusts_own_site_count_as_its_own(trust, url, own):
    assert responses.is_on_own_site(url, trust) is own


def test_inbox_lists_open_responses_with_safe_links(client, answer):
    client.force_login(UserFactory(role="reviewer"))

    page = client.get(reverse("responses:inbox")).content.decode()

    assert "Alderbrook Hospitals NHS Trust" in page
    assert "Race equality scheme" in page
    assert "2007 web audit" in page
    assert "Published in March." in page
    assert 'href="https://raa.nhs.example/res.pdf?a=1&amp;b=&lt;2&gt;" rel="noopener noreferrer"' in page


def test_inbox_leaves_out_resolved_responses(client, answer):
    responses.resolve_response(answer, UserFactory(role="reviewer"), "Done")
    client.force_login(UserFactory(role="reviewer"))
    assert "Published in March." not in client.get(reverse("responses:inbox")).content.decode()


def test_inbox_is_paginated(client, finding, author):
    for n in range(30):
        TrustResponse.objects.create(
            finding=finding, organisation=finding.organisation, author=author, comment=f"Comment number {n:02d}"
        )
    client.force_login(UserFactory(role="auditor"))

    first = client.get(reverse("responses:inbox")).content.decode()
    second = client.get(reverse("responses:inbox") + "?page=2").content.decode()

    assert "Comment number 00" in first and "Comment number 29" not in first
    assert "Comment number 29" in second


@pytest.mark.parametrize("role", sorted(ROLES))
def test_inbox_opens_exactly_for_roles_that_review_or_run_audits(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("responses:inbox")).status_code == (200 if role in TRIAGE_ROLES else 403)


def test_trust_user_is_refused_the_inbox_and_its_actions(client, answer, author):
    client.force_login(author)

    assert client.get(reverse("responses:inbox")).status_code == 403
    assert client.post(reverse("responses:recheck", kwargs={"pk": answer.pk})).status_code == 403
    assert client.post(reverse("responses:resolve", kwargs={"pk": answer.pk}), {"note": "x"}).status_code == 403
    answer.refresh_from_db()
    assert answer.status == TrustResponse.Status.OPEN


def test_anonymous_visitor_is_sent_to_sign_in_from_the_inbox(client, answer):
    for method, url in [
        ("get", reverse("responses:inbox")),
        ("post", reverse("responses:recheck", kwargs={"pk": answer.pk})),
        ("post", reverse("responses:resolve", kwargs={"pk": answer.pk})),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_reviewer_resolves_a_response_and_the_trust_reads_the_note(client, answer, author):
    reviewer = UserFactory(role="reviewer")
    client.force_login(reviewer)

    response = client.post(reverse("responses:resolve", kwargs={"pk": answer.pk}), {"note": "Found it, thank you."})

    assert response.status_code == 302
    answer.refresh_from_db()
    assert (answer.status, answer.resolved_by, answer.resolution_note) == ("resolved", reviewer, "Found it, thank you.")
    assert answer.resolved_at is not None
    client.force_login(author)
    page = client.get(reverse("trust:response", kwargs={"pk": answer.pk})).content.decode()
    assert "Found it, thank you." in page


def test_resolving_needs_a_note(client, answer):
    client.force_login(UserFactory(role="reviewer"))

    client.post(reverse("responses:resolve", kwargs={"pk": answer.pk}), {"note": "  "})

    answer.refresh_from_db()
    assert answer.status == TrustResponse.Status.OPEN


def test_resolved_response_cannot_be_resolved_again(answer):
    reviewer = UserFactory(role="reviewer")
    responses.resolve_response(answer, reviewer, "Done")
    with pytest.raises(responses.ResponseError):
        responses.resolve_response(answer, reviewer, "Again")


def test_auditor_queues_a_recheck_from_the_inbox(client, trust, author, enqueued, django_capture_on_commit_callbacks):
    finding = _finding(trust, status=AuditCycle.Status.IN_REVIEW)
    answer = TrustResponse.objects.create(finding=finding, organisation=trust, author=author, comment="See")
    client.force_login(UserFactory(role="auditor"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("responses:recheck", kwargs={"pk": answer.pk}))

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.status == TrustResponse.Status.RECHECKING
    assert enqueued == [([finding.site_check_id], ["race-equality-scheme"])]


def test_recheck_of_a_closed_cycle_is_refused_with_the_reason(client, answer, enqueued):
    client.force_login(UserFactory(role="auditor"))

    response = client.post(reverse("responses:recheck", kwargs={"pk": answer.pk}), follow=True)

    assert "can no longer be rerun" in response.content.decode()
    answer.refresh_from_db()
    assert answer.status == TrustResponse.Status.OPEN
    assert enqueued == []


def test_reviewer_without_run_audit_cannot_queue_a_recheck(client, answer):
    client.force_login(UserFactory(role="reviewer"))
    assert client.post(reverse("responses:recheck", kwargs={"pk": answer.pk})).status_code == 403


def test_inbox_actions_on_unknown_response_are_404(client):
    client.force_login(UserFactory(role="auditor"))
    assert client.post(reverse("responses:recheck", kwargs={"pk": 999})).status_code == 404
    assert client.post(reverse("responses:resolve", kwargs={"pk": 999}), {"note": "x"}).status_code == 404
