"""Every move of a cycle goes through audits/lifecycle.py: race-safe, and written to the activity log
by the service that makes it, whether from a page, the command line or the system."""

import datetime
import getpass
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audits import lifecycle, services
from audits.exports import FORMAT_NAMES
from audits.models import AuditCycle, SiteCheck
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    UserFactory,
)
from tests.test_staff_pages import visible_text
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
    return [OrganisationFactory(ods_code="RAA"), OrganisationFactory(ods_code="RBB")]


@pytest.fixture
def auditor():
    return UserFactory(role="auditor")


def _actions(cycle):
    return [(entry.action, entry.user) for entry in activity.history_of(cycle)]


def test_every_move_from_draft_to_closed_is_recorded_with_who_made_it(register, auditor, enqueued):
    cycle = services.create_cycle("Web audit 2007", AUDIT_DATE, ["race-equality-scheme"], user=auditor)
    services.start_draft_cycle(cycle, auditor, "192.0.2.7")
    cycle.site_checks.update(state=SiteCheck.State.DONE)
    for check in cycle.site_checks.all():
        FindingFactory(site_check=check, duty=cycle.duties.get())
    services.recover_stale_checks()  # the system sees every check ended
    services.publish_cycle(cycle, auditor)
    services.close_cycle(cycle, auditor)

    assert _actions(cycle) == [
        ("audits.cycle.created", auditor),
        ("audits.cycle.started", auditor),
        ("audits.cycle.checked", None),
        ("audits.cycle.published", auditor),
        ("audits.cycle.closed", auditor),
    ]
    assert activity.history_of(cycle)[1].ip_address == "192.0.2.7"


def test_a_recheck_in_review_reopens_the_cycle_and_both_are_recorded(register, auditor, enqueued):
    cycle = AuditCycleFactory(status=AuditCycle.Status.IN_REVIEW)
    check = SiteCheckFactory(cycle=cycle, organisation=register[0], state=SiteCheck.State.DONE)

    services.recheck(check, None, auditor, "192.0.2.8")

    cycle.refresh_from_db()
    assert cycle.status == AuditCycle.Status.RUNNING
    assert _actions(cycle) == [("audits.cycle.reopened", None)]
    assert [(e.action, e.user, e.ip_address, e.message) for e in activity.history_of(check)] == [
        ("audits.site_check.rechecked", auditor, "192.0.2.8", "Rechecked for every duty of the cycle")
    ]


def test_a_recheck_of_one_duty_is_recorded_with_the_duty_in_words(register, auditor, enqueued):
    cycle = AuditCycleFactory(status=AuditCycle.Status.IN_REVIEW)
    cycle.duties.add(DutyFactory(code="disability-equality-scheme", title="Disability equality scheme"))
    check = SiteCheckFactory(cycle=cycle, organisation=register[0], state=SiteCheck.State.DONE)

    services.recheck(check, ["disability-equality-scheme"], auditor)

    assert activity.history_of(check)[0].message == "Rechecked for Disability equality scheme"


def test_run_audit_on_the_command_line_starts_through_the_same_service_and_is_recorded(
    register, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_audit", cycle="From the shell", audit_date="2007-04-01", duties="race-equality-scheme")

    cycle = AuditCycle.objects.get(name="From the shell")
    assert cycle.status == AuditCycle.Status.RUNNING
    assert _actions(cycle) == [("audits.cycle.created", None), ("audits.cycle.started", None)]
    assert activity.history_of(cycle)[1].message == "Started 2 site checks from the command line."
    assert enqueued == [list(cycle.site_checks.values_list("id", flat=True))]


def test_run_audit_will_not_restart_a_cancelled_cycle(register, enqueued):
    cycle = AuditCycleFactory(name="Stopped", status=AuditCycle.Status.CANCELLED)
    with pytest.raises(services.AuditError, match="is cancelled; only a draft, running or in-review cycle"):
        services.start_cycle("Stopped", cycle.audit_date, ["race-equality-scheme"])


def test_cancel_is_race_safe_the_second_request_is_refused_and_changes_nothing(register, auditor):
    cycle = AuditCycleFactory(status=AuditCycle.Status.RUNNING)
    SiteCheckFactory(cycle=cycle, organisation=register[0])
    stale = AuditCycle.objects.get(pk=cycle.pk)

    assert services.cancel_cycle(cycle, auditor) == 1
    with pytest.raises(services.AuditError, match="is cancelled; only a draft, running or in-review cycle can be"):
        services.cancel_cycle(stale, auditor)

    assert [action for action, _ in _actions(cycle)] == ["audits.cycle.cancelled"]


def test_cancel_of_a_cycle_published_meanwhile_leaves_its_checks_queued(register, auditor):
    cycle = AuditCycleFactory(status=AuditCycle.Status.RUNNING)
    check = SiteCheckFactory(cycle=cycle, organisation=register[0])
    stale = AuditCycle.objects.get(pk=cycle.pk)
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.PUBLISHED)  # another request

    with pytest.raises(services.AuditError, match="is published; only a draft, running or in-review cycle can be"):
        services.cancel_cycle(stale, auditor)

    check.refresh_from_db()
    assert check.state == SiteCheck.State.QUEUED
    assert _actions(cycle) == []


def test_the_lifecycle_says_what_each_state_allows():
    draft, published = AuditCycleFactory(), AuditCycleFactory(status=AuditCycle.Status.PUBLISHED)
    assert lifecycle.allowed(draft)["start"] and not lifecycle.allowed(draft)["show_to_trusts"]
    assert lifecycle.can(published, "letters") and lifecycle.can(published, "recheck")
    assert (
        lifecycle.refusal(published, "publish")
        == f"{published} is published; only a cycle that is in review can be published."
    )


@pytest.mark.parametrize(
    ("url_name", "what"),
    [
        ("national:findings_csv", "Findings as CSV"),
        ("national:findings_xlsx", "Findings as Excel (XLSX)"),
        ("national:findings_json", "Findings as JSON"),
        ("national:report_json", "National report as JSON"),
        ("national:report_pdf", "National report as PDF"),
    ],
)
def test_national_exports_are_recorded(client, auditor, url_name, what):
    cycle = AuditCycleFactory(status=AuditCycle.Status.PUBLISHED)
    client.force_login(auditor)

    assert client.get(reverse(url_name, kwargs={"pk": cycle.pk}), REMOTE_ADDR="192.0.2.9").status_code == 200

    [entry] = activity.history_of(cycle)
    assert (entry.user, entry.message, entry.ip_address) == (auditor, what, "192.0.2.9")


def test_results_export_is_recorded(client, auditor):
    cycle = AuditCycleFactory(status=AuditCycle.Status.IN_REVIEW)
    client.force_login(auditor)
    assert client.get(reverse("audits:cycle_results_export", kwargs={"pk": cycle.pk, "fmt": "csv"})).status_code == 200
    assert [(e.action, e.message) for e in activity.history_of(cycle)] == [("audits.cycle.exported", "Results as CSV")]


def test_export_findings_command_is_recorded(tmp_path):
    cycle = AuditCycleFactory(name="Exported")
    call_command("export_findings", cycle="Exported", output=str(tmp_path / "f.csv"), stderr=open("/dev/null", "w"))
    assert _actions(cycle) == [("audits.cycle.exported", None)]


@pytest.mark.parametrize("fmt", ["text", "csv", "json"])
def test_national_report_command_is_recorded(fmt, capsys):
    cycle = AuditCycleFactory(name="Reported")
    call_command("national_report", cycle="Reported", format=fmt)
    assert [(e.action, e.user, e.message) for e in activity.history_of(cycle)] == [
        ("reports.national.exported", None, f"National report as {FORMAT_NAMES[fmt]}")
    ]


def test_what_a_command_does_is_signed_with_the_account_that_ran_it_and_the_rest_by_the_system(
    register, enqueued, tmp_path
):
    ran_by = f"{getpass.getuser()} (command line)"
    call_command("run_audit", cycle="From the shell", audit_date="2007-04-01", duties="race-equality-scheme")
    cycle = AuditCycle.objects.get(name="From the shell")
    call_command("export_findings", cycle="From the shell", output=str(tmp_path / "f.csv"), stderr=io.StringIO())
    activity.record("audits.cycle.checked", None, cycle)  # as a worker writes it, outside any command

    assert [(e.action, e.username) for e in activity.history_of(cycle)] == [
        ("audits.cycle.created", ran_by),
        ("audits.cycle.started", ran_by),
        ("audits.cycle.exported", ran_by),
        ("audits.cycle.checked", ""),
    ]
    admin = UserFactory(role="admin")
    client = Client()
    client.force_login(admin)
    text = visible_text(client.get(reverse("trusts:activity")).content.decode())
    assert text.count(ran_by) == 3 and "The system" in text
