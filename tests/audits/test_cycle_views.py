import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCycle, Evidence, FindingChange, SiteCheck
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    cycle = AuditCycleFactory(name="Web audit 2007", status=AuditCycle.Status.RUNNING, started_at=timezone.now())
    cycle.duties.add(DutyFactory(code="race-equality-scheme", title="Race equality scheme"))
    return cycle


@pytest.fixture
def finished_check(cycle):
    return SiteCheckFactory(
        cycle=cycle,
        organisation=OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust"),
        state=SiteCheck.State.DONE,
        pages_fetched=12,
        errors=["http://raa.nhs.example/broken.pdf: not a PDF"],
    )


@pytest.fixture
def queued_check(cycle):
    return SiteCheckFactory(cycle=cycle, organisation=OrganisationFactory(ods_code="RBB"))


@pytest.fixture
def finding(finished_check):
    evidence = Evidence.objects.create(
        site_check=finished_check,
        url="http://raa.nhs.example/res",
        final_url="https://raa.nhs.example/race-equality-scheme.pdf",
        linked_from="http://raa.nhs.example/equality",
        status_code=200,
        content_type="application/pdf",
        sha256="ab" * 32,
        fetched_at=timezone.now(),
        snippet="Our race equality scheme 2005 to 2008",
    )
    finding = FindingFactory(
        site_check=finished_check,
        duty=finished_check.cycle.duties.get(),
        evidence=evidence,
        rationale="A race equality scheme covering the audit date was found.",
    )
    FindingChange.objects.create(finding=finding, kind="automated", to_status="met", reason=finding.rationale)
    return finding


@pytest.fixture
def enqueued(monkeypatch):
    """Record what would be published to Celery."""
    calls = []
    monkeypatch.setattr("audits.services._enqueue", lambda ids, duty_codes=None: calls.append((ids, duty_codes)))
    return calls


def _pages(cycle, finding):
    return [
        reverse("audits:cycle_list"),
        reverse("audits:cycle_detail", kwargs={"pk": cycle.pk}),
        reverse("audits:cycle_progress", kwargs={"pk": cycle.pk}),
        reverse("audits:cycle_results", kwargs={"pk": cycle.pk}),
        reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": "csv"}),
        reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": "xlsx"}),
        reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": finding.pk}),
    ]


def _actions(cycle, check):
    return [
        reverse("audits:cycle_cancel", kwargs={"pk": cycle.pk}),
        reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": check.pk}),
    ]


# Access


@pytest.mark.parametrize("role", ["auditor", "reviewer", "signatory", "admin"])
def test_every_staff_role_opens_every_cycle_page(client, cycle, finding, role):
    client.force_login(UserFactory(role=role))
    for url in _pages(cycle, finding):
        assert client.get(url).status_code == 200, url


def test_trust_user_is_refused_every_cycle_page_even_for_own_trust(client, cycle, finding):
    client.force_login(TrustUserFactory(organisation=finding.organisation))
    for url in _pages(cycle, finding):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitor_is_sent_to_sign_in_from_every_cycle_page_and_action(client, cycle, finding):
    for url in _pages(cycle, finding):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    for url in _actions(cycle, finding.site_check):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_cycle_page_links_to_results_for_all_staff_and_to_review_for_reviewers(client, cycle, finding):
    url = reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})
    client.force_login(UserFactory(role="signatory"))
    content = client.get(url).content.decode()
    assert reverse("audits:cycle_results", kwargs={"pk": cycle.pk}) in content
    assert reverse("audits:cycle_review", kwargs={"pk": cycle.pk}) not in content
    client.force_login(UserFactory(role="reviewer"))
    assert reverse("audits:cycle_review", kwargs={"pk": cycle.pk}) in client.get(url).content.decode()


def test_reviewer_sees_no_cancel_or_recheck_buttons(client, cycle, finding):
    cycle.status = AuditCycle.Status.IN_REVIEW
    cycle.save()
    client.force_login(UserFactory(role="reviewer"))
    detail = client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()
    page = client.get(reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": finding.pk}))
    assert "Cancel this cycle" not in detail
    assert "Recheck" not in detail
    assert "Recheck this duty" not in page.content.decode()


def test_auditor_sees_cancel_on_running_cycle_and_recheck_on_ended_checks(client, cycle, finding, queued_check):
    client.force_login(UserFactory(role="auditor"))
    detail = client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()
    assert "Cancel this cycle" in detail
    assert reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finding.site_check.pk}) in detail
    assert reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": queued_check.pk}) not in detail
    assert "csrfmiddlewaretoken" in detail


@pytest.mark.parametrize("role", ["reviewer", "signatory", "admin"])
def test_staff_without_run_audit_cannot_cancel_or_recheck(client, cycle, finished_check, queued_check, role, enqueued):
    client.force_login(UserFactory(role=role))
    for url in _actions(cycle, finished_check):
        assert client.post(url).status_code == 403, url
    cycle.refresh_from_db()
    finished_check.refresh_from_db()
    assert cycle.status == AuditCycle.Status.RUNNING
    assert finished_check.state == SiteCheck.State.DONE
    assert enqueued == []


def test_trust_user_cannot_cancel_or_recheck(client, cycle, finished_check):
    client.force_login(TrustUserFactory(organisation=finished_check.organisation))
    for url in _actions(cycle, finished_check):
        assert client.post(url).status_code == 403, url


def test_recheck_refuses_get_and_cancel_asks_first(client, cycle, finished_check, queued_check):
    client.force_login(UserFactory(role="auditor"))
    recheck = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finished_check.pk})
    assert client.get(recheck).status_code == 405
    page = client.get(reverse("audits:cycle_cancel", kwargs={"pk": cycle.pk})).content.decode()
    assert "Cancel: 1 trust website will not be checked" in page
    assert "1 of 2 site checks have ended" in page
    assert "cannot be restarted or published" in page
    cycle.refresh_from_db()
    queued_check.refresh_from_db()
    assert cycle.status == AuditCycle.Status.RUNNING
    assert queued_check.state == SiteCheck.State.QUEUED


# Cycle list


def test_cycle_list_shows_progress_and_newest_cycle_first(client, cycle, finished_check, queued_check):
    AuditCycleFactory(name="Older audit")
    AuditCycle.objects.filter(name="Older audit").update(created_at=timezone.now() - datetime.timedelta(days=30))
    client.force_login(UserFactory(role="reviewer"))
    content = client.get(reverse("audits:cycle_list")).content.decode()
    assert "1 of 2 checked" in content
    assert content.index("Web audit 2007") < content.index("Older audit")
    assert reverse("audits:cycle_detail", kwargs={"pk": cycle.pk}) in content


def test_cycle_list_is_paginated_by_25(client):
    AuditCycleFactory.create_batch(26)
    client.force_login(UserFactory(role="auditor"))
    first, second = (client.get(reverse("audits:cycle_list"), {"page": n}) for n in (1, 2))
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 1


def test_navigation_links_to_cycles_for_staff_only(client, finished_check):
    client.force_login(UserFactory(role="reviewer"))
    assert reverse("audits:cycle_list") in client.get(reverse("home")).content.decode()
    client.force_login(TrustUserFactory(organisation=finished_check.organisation))
    assert reverse("audits:cycle_list") not in client.get(reverse("home")).content.decode()


# Cycle detail


def test_cycle_detail_shows_progress_counts_by_duty_and_websites_to_look_at(client, cycle, finding, queued_check):
    client.force_login(UserFactory(role="reviewer"))
    content = client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()
    assert '<progress id="cycle-progress-bar" class="app-progress" max="2" value="1">' in content
    assert 'aria-live="polite"' in content
    assert "1 of 2 checked" in content
    assert "Waiting to be checked" in content and 'data-state="queued">1<' in content
    assert 'data-state="done">1<' in content
    # Trusts by status for each duty, each count a link to those trusts in the results.
    results = reverse("audits:cycle_results", kwargs={"pk": cycle.pk})
    assert "Trusts by status for each duty" in content
    assert f'href="{results}?duty=race-equality-scheme&amp;status=met">1<' in content
    # The website that could not be read in full, with what went wrong.
    assert reverse("trusts:detail", kwargs={"ods_code": "RAA"}) in content
    assert "12 pages read" in content
    assert "not a PDF" in content
    # The matrix itself is on the results page, no longer repeated here.
    finding_url = reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": finding.pk})
    assert finding_url not in content
    matrix = client.get(results).content.decode()
    assert finding_url in matrix and "app-status--met" in matrix


def test_cycle_detail_names_no_worker_host(client, cycle, finished_check):
    SiteCheck.objects.filter(pk=finished_check.pk).update(worker="celery@build-host-7.internal")
    client.force_login(UserFactory(role="auditor"))
    content = client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()
    assert "build-host-7" not in content and "celery@" not in content


def test_a_draft_cycle_says_how_many_trusts_it_will_check(client):
    draft = AuditCycleFactory(name="Web audit 2008", status=AuditCycle.Status.DRAFT)
    for _ in range(3):
        SiteCheckFactory(cycle=draft)
    client.force_login(UserFactory(role="auditor"))
    content = client.get(reverse("audits:cycle_detail", kwargs={"pk": draft.pk})).content.decode()
    assert "3 trusts to check" in content
    assert "Queued" not in content


def test_running_cycle_page_loads_progress_script_and_ended_one_does_not(client, cycle, finished_check):
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})
    content = client.get(url).content.decode()
    assert "js/cycle-progress.mjs" in content
    assert reverse("audits:cycle_progress", kwargs={"pk": cycle.pk}) in content
    assert "<script>" not in content
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.IN_REVIEW)
    assert "js/cycle-progress.mjs" not in client.get(url).content.decode()


def _cycle_with_trusts(count: int) -> AuditCycle:
    cycle = AuditCycleFactory(status=AuditCycle.Status.IN_REVIEW)
    duties = [DutyFactory(), DutyFactory()]
    cycle.duties.add(*duties)
    for _ in range(count):
        check = SiteCheckFactory(cycle=cycle, state=SiteCheck.State.DONE, errors=["timeout"])
        for duty in duties:
            FindingFactory(site_check=check, duty=duty, status="not_met")
    return cycle


def _queries_for_detail(client, cycle) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk}))
    assert response.status_code == 200
    return len(queries)


def test_findings_matrix_query_count_does_not_grow_with_trusts(client):
    client.force_login(UserFactory(role="auditor"))
    few, many = _cycle_with_trusts(5), _cycle_with_trusts(40)
    assert _queries_for_detail(client, few) == _queries_for_detail(client, many)
    assert b"40 of 40 checked" in client.get(reverse("audits:cycle_detail", kwargs={"pk": many.pk})).content


def test_findings_matrix_is_paginated_by_50_trusts(client):
    cycle = _cycle_with_trusts(51)
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})
    assert len(client.get(url).context["rows"]) == 50
    assert len(client.get(url, {"page": 2}).context["rows"]) == 1


def test_unknown_cycle_is_404(client):
    client.force_login(UserFactory(role="auditor"))
    assert client.get(reverse("audits:cycle_detail", kwargs={"pk": 999})).status_code == 404
    assert client.get(reverse("audits:cycle_progress", kwargs={"pk": 999})).status_code == 404


# Progress JSON


def test_progress_json_counts_site_checks_by_state_with_cycle_status(client, cycle, finished_check, queued_check):
    SiteCheckFactory(cycle=cycle, state=SiteCheck.State.RUNNING)
    client.force_login(UserFactory(role="reviewer"))
    response = client.get(reverse("audits:cycle_progress", kwargs={"pk": cycle.pk}))
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "queued": 1,
        "running": 1,
        "done": 1,
        "failed": 0,
        "cancelled": 0,
        "total": 3,
        "ended": 1,
        "status": "running",
    }


# Cancel


def test_auditor_cancels_running_cycle_and_its_queued_checks(client, cycle, finished_check, queued_check):
    client.force_login(UserFactory(role="auditor"))
    response = client.post(reverse("audits:cycle_cancel", kwargs={"pk": cycle.pk}), follow=True)
    assert response.redirect_chain == [(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk}), 302)]
    assert "Web audit 2007 cancelled" in response.content.decode()
    cycle.refresh_from_db()
    queued_check.refresh_from_db()
    finished_check.refresh_from_db()
    assert cycle.status == AuditCycle.Status.CANCELLED
    assert queued_check.state == SiteCheck.State.CANCELLED
    assert finished_check.state == SiteCheck.State.DONE


def test_cancelling_a_published_cycle_changes_nothing(client, cycle, queued_check):
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.PUBLISHED)
    client.force_login(UserFactory(role="auditor"))
    response = client.post(reverse("audits:cycle_cancel", kwargs={"pk": cycle.pk}), follow=True)
    assert "only a draft, running or in-review cycle can be cancelled" in response.content.decode()
    cycle.refresh_from_db()
    queued_check.refresh_from_db()
    assert cycle.status == AuditCycle.Status.PUBLISHED
    assert queued_check.state == SiteCheck.State.QUEUED


# Recheck


def test_auditor_rechecks_a_trust_which_is_queued_again(
    client, cycle, finished_check, enqueued, django_capture_on_commit_callbacks
):
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.IN_REVIEW)
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finished_check.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})
    finished_check.refresh_from_db()
    cycle.refresh_from_db()
    assert finished_check.state == SiteCheck.State.QUEUED
    assert cycle.status == AuditCycle.Status.RUNNING
    assert enqueued == [([finished_check.pk], None)]


def test_auditor_rechecks_one_duty_and_returns_to_the_finding(
    client, cycle, finding, enqueued, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(role="auditor"))
    finding_url = reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": finding.pk})
    url = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finding.site_check.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"duty": "race-equality-scheme", "next": finding_url})
    assert response["Location"] == finding_url
    assert enqueued == [([finding.site_check.pk], ["race-equality-scheme"])]


def test_recheck_ignores_a_next_address_on_another_site(client, cycle, finished_check, enqueued):
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finished_check.pk})
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})


def test_recheck_of_a_duty_outside_the_cycle_is_refused(client, cycle, finished_check, enqueued):
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finished_check.pk})
    response = client.post(url, {"duty": "gender-pay-gap"}, follow=True)
    assert "Not a duty of this cycle: gender-pay-gap" in response.content.decode()
    finished_check.refresh_from_db()
    assert finished_check.state == SiteCheck.State.DONE


def test_recheck_of_a_check_still_queued_is_refused(client, cycle, queued_check, enqueued):
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": queued_check.pk})
    response = client.post(url, follow=True)
    assert "still queued" in response.content.decode()
    assert enqueued == []


def test_recheck_in_a_closed_cycle_is_refused(client, cycle, finished_check, enqueued):
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.CLOSED)
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finished_check.pk})
    client.post(url)
    finished_check.refresh_from_db()
    cycle.refresh_from_db()
    assert finished_check.state == SiteCheck.State.DONE
    assert cycle.status == AuditCycle.Status.CLOSED


def test_recheck_in_a_published_cycle_runs_and_keeps_the_results_published(client, cycle, finished_check, enqueued):
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.PUBLISHED)
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:site_check_recheck", kwargs={"pk": cycle.pk, "check_pk": finished_check.pk})
    client.post(url)
    finished_check.refresh_from_db()
    cycle.refresh_from_db()
    assert finished_check.state == SiteCheck.State.QUEUED
    assert cycle.status == AuditCycle.Status.PUBLISHED


def test_recheck_of_a_site_check_from_another_cycle_is_404(client, cycle, finished_check, enqueued):
    other = AuditCycleFactory(status=AuditCycle.Status.IN_REVIEW)
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:site_check_recheck", kwargs={"pk": other.pk, "check_pk": finished_check.pk})
    assert client.post(url).status_code == 404
    finished_check.refresh_from_db()
    assert finished_check.state == SiteCheck.State.DONE


# Finding detail


def test_finding_page_shows_finding_evidence_and_history(client, cycle, finding):
    client.force_login(UserFactory(role="reviewer"))
    response = client.get(reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": finding.pk}))
    content = response.content.decode()
    assert "A race equality scheme covering the audit date was found." in content
    assert "90%" in content
    assert "Not reviewed" in content
    assert (
        '<a class="govuk-link" href="https://raa.nhs.example/race-equality-scheme.pdf" rel="noopener noreferrer"'
        in content
    )
    assert "http://raa.nhs.example/equality" in content
    assert "application/pdf" in content
    assert "ab" * 32 in content
    assert "<blockquote" in content and "Our race equality scheme 2005 to 2008" in content
    assert "Automated check" in content


def test_finding_page_shows_review_and_reviewer_in_history(client, cycle, finding):
    reviewer = UserFactory(role="reviewer", first_name="Rita", last_name="Reviewer")
    finding.reviewed_status, finding.reviewed_by, finding.review_reason = "not_met", reviewer, "Scheme is a draft."
    finding.save()
    FindingChange.objects.create(
        finding=finding, changed_by=reviewer, kind="review", from_status="met", to_status="not_met", reason="Draft."
    )
    client.force_login(UserFactory(role="auditor"))
    content = client.get(
        reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": finding.pk})
    ).content.decode()
    assert "app-status--not_met" in content
    assert "Scheme is a draft." in content
    assert "Rita Reviewer" in content
    assert "Not met" in content


def test_evidence_address_with_a_script_scheme_is_not_linked(client, cycle, finding):
    Evidence.objects.filter(pk=finding.evidence_id).update(final_url="javascript:alert(1)")
    client.force_login(UserFactory(role="auditor"))
    content = client.get(
        reverse("audits:finding_detail", kwargs={"pk": cycle.pk, "finding_pk": finding.pk})
    ).content.decode()
    assert 'href="javascript:' not in content


def test_finding_of_another_cycle_is_404(client, cycle, finding):
    other = AuditCycleFactory()
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:finding_detail", kwargs={"pk": other.pk, "finding_pk": finding.pk})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "status, heading",
    [
        (AuditCycle.Status.DRAFT, "Cancel this draft: it will never be started"),
        (AuditCycle.Status.IN_REVIEW, "Cancel: its results will never be published"),
    ],
)
def test_a_cycle_made_by_mistake_is_cancelled_before_it_is_published(client, cycle, status, heading):
    AuditCycle.objects.filter(pk=cycle.pk).update(status=status)
    client.force_login(UserFactory(role="auditor"))
    url = reverse("audits:cycle_cancel", kwargs={"pk": cycle.pk})
    assert f'href="{url}"' in client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()
    assert heading in client.get(url).content.decode()

    response = client.post(url, follow=True)
    assert "Web audit 2007 cancelled. It will never be published." in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.CANCELLED
