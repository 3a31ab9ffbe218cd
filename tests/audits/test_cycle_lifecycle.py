"""A cycle moves draft → running → in review → published → closed, each move by someone allowed to."""

import datetime
import logging

import pytest
from django.urls import reverse

from audits import services
from audits.models import AuditCycle, SiteCheck
from tests.factories import AuditCycleFactory, DutyFactory, OrganisationFactory, TrustUserFactory, UserFactory
from trusts import activity

pytestmark = pytest.mark.django_db

AUDIT_DATE = datetime.date(2007, 4, 1)


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("audits.services._enqueue", lambda ids, duty_codes=None: calls.append(ids))
    return calls


@pytest.fixture
def register():
    DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    DutyFactory(code="disability-equality-scheme", title="Disability equality scheme")
    return [
        OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust"),
        OrganisationFactory(ods_code="RBB", name="Beechwood NHS Trust"),
        OrganisationFactory(ods_code="RCC", closed_on=datetime.date(2006, 1, 1)),
    ]


@pytest.fixture
def auditor():
    return UserFactory(role="auditor")


def _cycle(status):
    return AuditCycleFactory(status=status)


# Services


def test_create_cycle_is_a_draft_with_every_active_trust_queued_but_not_sent(register, auditor, enqueued):
    cycle = services.create_cycle("Web audit 2007", AUDIT_DATE, ["race-equality-scheme"], user=auditor)

    assert cycle.status == AuditCycle.Status.DRAFT
    assert cycle.created_by == auditor
    assert sorted(cycle.site_checks.values_list("organisation__ods_code", flat=True)) == ["RAA", "RBB"]
    assert enqueued == []
    assert [(e.action, e.user) for e in activity.history_of(cycle)] == [("audits.cycle.created", auditor)]


def test_create_cycle_for_chosen_trusts_only(register, auditor):
    cycle = services.create_cycle("Two", AUDIT_DATE, ["race-equality-scheme"], ["RBB"], auditor)
    assert list(cycle.site_checks.values_list("organisation__ods_code", flat=True)) == ["RBB"]


@pytest.mark.parametrize(
    ("duties", "trusts", "message"),
    [
        (["no-such-duty"], None, "Unknown duty code: no-such-duty"),
        ([], None, "Unknown duty code"),
        (["race-equality-scheme"], ["NOPE"], "No trust on the register with ODS code: NOPE"),
    ],
)
def test_create_cycle_refuses_unknown_duties_and_trusts(register, auditor, duties, trusts, message):
    with pytest.raises(services.AuditError, match=message):
        services.create_cycle("Bad", AUDIT_DATE, duties, trusts, auditor)
    assert not AuditCycle.objects.exists()


def test_create_cycle_refuses_a_name_in_use(register, auditor):
    AuditCycleFactory(name="Taken")
    with pytest.raises(services.AuditError, match="already exists"):
        services.create_cycle("Taken", AUDIT_DATE, ["race-equality-scheme"], user=auditor)


def test_starting_a_draft_queues_its_own_trusts_and_logs_who(register, auditor, enqueued, caplog):
    cycle = services.create_cycle("Web audit 2007", AUDIT_DATE, ["race-equality-scheme"], ["RAA"], auditor)
    caplog.set_level(logging.INFO, logger="activity")

    services.start_draft_cycle(cycle, auditor)

    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.RUNNING
    assert cycle.started_at is not None
    assert cycle.site_checks.count() == 1
    assert "audits.cycle.started" in caplog.text
    assert auditor.username in caplog.text


@pytest.mark.parametrize(
    ("action", "allowed_from"),
    [
        (services.start_draft_cycle, AuditCycle.Status.DRAFT),
        (services.publish_cycle, AuditCycle.Status.IN_REVIEW),
        (services.close_cycle, AuditCycle.Status.PUBLISHED),
    ],
)
def test_each_transition_is_refused_from_every_other_state(register, auditor, action, allowed_from, enqueued):
    for status in AuditCycle.Status.values:
        if status == allowed_from:
            continue
        cycle = _cycle(status)
        with pytest.raises(services.AuditError, match="only a"):
            action(cycle, auditor)
        cycle.refresh_from_db()
        assert cycle.status == status


def test_publish_then_close_record_who_and_when(auditor, caplog):
    caplog.set_level(logging.INFO, logger="activity")
    cycle = _cycle(AuditCycle.Status.IN_REVIEW)

    services.publish_cycle(cycle, auditor)
    assert cycle.status == AuditCycle.Status.PUBLISHED
    services.close_cycle(cycle, auditor)

    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.CLOSED
    assert "audits.cycle.published" in caplog.text
    assert "audits.cycle.closed" in caplog.text
    entries = activity.history_of(cycle)
    assert [(e.message, e.user) for e in entries] == [
        ("Published: 0 trusts see their results.", auditor),
        ("Closed.", auditor),
    ]
    assert cycle.published_at is not None


def test_publishing_twice_is_refused_the_second_time(auditor):
    cycle = _cycle(AuditCycle.Status.IN_REVIEW)
    stale_copy = AuditCycle.objects.get(pk=cycle.pk)
    services.publish_cycle(cycle, auditor)
    with pytest.raises(services.AuditError, match="is published; only a cycle that is in review"):
        services.publish_cycle(stale_copy, auditor)


def test_cycle_goes_to_review_when_its_last_check_ends(register, auditor, enqueued):
    cycle = services.create_cycle("Web audit 2007", AUDIT_DATE, ["race-equality-scheme"], ["RAA"], auditor)
    services.start_draft_cycle(cycle, auditor)
    SiteCheck.objects.filter(cycle=cycle).update(state=SiteCheck.State.DONE)
    services._finish_cycle_if_done(cycle.pk)
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.IN_REVIEW


# Views


def test_auditor_creates_a_draft_in_the_browser_form(client, register, auditor, enqueued):
    client.force_login(auditor)
    form = client.get(reverse("audits:cycle_create")).content.decode()
    assert "csrfmiddlewaretoken" in form
    assert 'value="race-equality-scheme"' in form

    response = client.post(
        reverse("audits:cycle_create"),
        {
            "name": "Web audit 2007",
            "audit_date": "2007-04-01",
            "duties": ["race-equality-scheme", "disability-equality-scheme"],
            "scope": "chosen",
            "ods_codes": "raa, RBB",
        },
    )

    cycle = AuditCycle.objects.get(name="Web audit 2007")
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})
    assert cycle.status == AuditCycle.Status.DRAFT
    assert set(cycle.duties.values_list("code", flat=True)) == {"race-equality-scheme", "disability-equality-scheme"}
    assert cycle.site_checks.count() == 2
    assert enqueued == []


def test_create_form_shows_errors_for_missing_and_unknown_input(client, register, auditor):
    client.force_login(auditor)
    response = client.post(reverse("audits:cycle_create"), {"name": "", "scope": "chosen", "ods_codes": "ZZZ"})
    content = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in content
    assert "No trust on the register with ODS code: ZZZ" in content
    assert "<title>Error: " in content
    assert not AuditCycle.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "status", "button", "after"),
    [
        ("audits:cycle_start", AuditCycle.Status.DRAFT, "Start this cycle", AuditCycle.Status.RUNNING),
        ("audits:cycle_publish", AuditCycle.Status.IN_REVIEW, "Publish results to trusts", AuditCycle.Status.PUBLISHED),
        ("audits:cycle_close", AuditCycle.Status.PUBLISHED, "Close this cycle", AuditCycle.Status.CLOSED),
    ],
)
def test_auditor_moves_the_cycle_with_its_button(client, auditor, url_name, status, button, after, enqueued):
    cycle = _cycle(status)
    cycle.duties.add(DutyFactory())
    client.force_login(auditor)
    assert button in client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()

    response = client.post(reverse(url_name, kwargs={"pk": cycle.pk}), follow=True)

    cycle.refresh_from_db()
    assert cycle.status == after
    assert response.redirect_chain == [(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk}), 302)]
    history = response.content.decode().split("History of this cycle")[1]
    assert auditor.get_username() in history


def test_refused_transition_says_why_and_changes_nothing(client, auditor):
    cycle = _cycle(AuditCycle.Status.RUNNING)
    client.force_login(auditor)
    response = client.post(reverse("audits:cycle_publish", kwargs={"pk": cycle.pk}), follow=True)
    assert "only a cycle that is in review can be published" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.RUNNING


@pytest.mark.parametrize("role", ["reviewer", "signatory", "admin"])
def test_staff_without_run_audit_cannot_create_or_move_cycles(client, register, role, enqueued):
    cycle = _cycle(AuditCycle.Status.IN_REVIEW)
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("audits:cycle_create")).status_code == 403
    assert client.post(reverse("audits:cycle_create"), {"name": "x"}).status_code == 403
    for name in ("audits:cycle_start", "audits:cycle_publish", "audits:cycle_close"):
        assert client.post(reverse(name, kwargs={"pk": cycle.pk})).status_code == 403
    detail = client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()
    assert "Publish results to trusts" not in detail
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.IN_REVIEW


def test_trust_user_and_anonymous_cannot_create_or_move_cycles(client, register):
    cycle = _cycle(AuditCycle.Status.IN_REVIEW)
    urls = [reverse("audits:cycle_create")] + [
        reverse(name, kwargs={"pk": cycle.pk}) for name in ("audits:cycle_start", "audits:cycle_publish")
    ]
    for url in urls:
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")
    client.force_login(TrustUserFactory(organisation=register[0]))
    for url in urls:
        assert client.post(url).status_code == 403, url


def test_transition_pages_change_nothing_on_get(client, auditor, enqueued):
    client.force_login(auditor)
    for status, name in [
        (AuditCycle.Status.DRAFT, "audits:cycle_start"),
        (AuditCycle.Status.IN_REVIEW, "audits:cycle_publish"),
        (AuditCycle.Status.PUBLISHED, "audits:cycle_close"),
        (AuditCycle.Status.RUNNING, "audits:cycle_cancel"),
    ]:
        cycle = _cycle(status)
        response = client.get(reverse(name, kwargs={"pk": cycle.pk}))
        assert response.status_code == 200, name
        assert "csrfmiddlewaretoken" in response.content.decode()
        cycle.refresh_from_db()
        assert cycle.status == status
    assert enqueued == []


def test_transition_of_unknown_cycle_is_404(client, auditor):
    client.force_login(auditor)
    assert client.post(reverse("audits:cycle_publish", kwargs={"pk": 999})).status_code == 404


def test_cycle_list_offers_create_to_auditors_only(client):
    client.force_login(UserFactory(role="auditor"))
    assert reverse("audits:cycle_create") in client.get(reverse("audits:cycle_list")).content.decode()
    client.force_login(UserFactory(role="reviewer"))
    assert reverse("audits:cycle_create") not in client.get(reverse("audits:cycle_list")).content.decode()


# Confirmations: each page states what will happen and to how many; only the POST acts.


def test_start_confirmation_says_how_many_websites_and_duties(client, register, auditor, enqueued):
    cycle = services.create_cycle(
        "Web audit 2007", AUDIT_DATE, ["race-equality-scheme", "disability-equality-scheme"], user=auditor
    )
    client.force_login(auditor)
    url = reverse("audits:cycle_start", kwargs={"pk": cycle.pk})
    detail = client.get(reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})).content.decode()
    assert f'href="{url}"' in detail

    page = client.get(url).content.decode()

    assert "Start checking 2 trust websites for 2 duties" in page
    assert "A started cycle cannot go back to draft" in page
    assert ">Start checking</button>" in page
    assert f'href="{reverse("audits:cycle_detail", kwargs={"pk": cycle.pk})}">Cancel</a>' in page
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.DRAFT
    assert enqueued == []

    response = client.post(url, follow=True)

    assert "Web audit 2007 started: 2 site checks queued." in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.RUNNING


def test_close_confirmation_says_results_can_no_longer_change(client, auditor):
    cycle = _cycle(AuditCycle.Status.PUBLISHED)
    client.force_login(auditor)
    url = reverse("audits:cycle_close", kwargs={"pk": cycle.pk})

    page = client.get(url).content.decode()

    assert "Close: results can no longer change" in page
    assert "Closing cannot be undone" in page
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.PUBLISHED
    response = client.post(url, follow=True)
    assert f"{cycle.name} closed: its results can no longer change." in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.CLOSED


def test_confirmation_of_a_move_the_cycle_cannot_make_says_why_without_a_button(client, auditor):
    cycle = _cycle(AuditCycle.Status.RUNNING)
    client.force_login(auditor)
    page = client.get(reverse("audits:cycle_close", kwargs={"pk": cycle.pk})).content.decode()
    assert "is running; only a cycle that is published can be closed." in page
    assert "<button" not in page.split("<main")[1]


def test_publish_posted_without_csrf_token_is_refused(auditor):
    from django.test import Client

    cycle = _cycle(AuditCycle.Status.IN_REVIEW)
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    assert client.post(reverse("audits:cycle_publish", kwargs={"pk": cycle.pk})).status_code == 403
    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.IN_REVIEW
