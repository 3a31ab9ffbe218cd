"""A case walked on a controllable clock: an action-required letter is issued, the trust's users are
reminded before its deadline (once), the deadline passes, beat rechecks the duties it named against a
real website on loopback, and the outcome drafts the next letter: a confirmation (resolved) or a final
notice (escalated). Site checks run in-process (Celery publishing patched out); e-mail tasks run eagerly.
"""

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse

from audits import review, services
from audits.models import AuditCycle, Finding, SiteCheck
from casework import tasks
from casework.models import Case
from config.celery import app as celery_app
from demo.serve import Page, SiteServer
from reports import letters
from reports.models import Letter
from tests.audits.test_run_audit import DISABILITY, SCHEME
from tests.factories import OrganisationFactory, TrustUserFactory, UserFactory
from trusts import activity

pytestmark = pytest.mark.django_db

RES, DES = "race-equality-scheme", "disability-equality-scheme"
ISSUED = datetime.datetime(2007, 5, 1, 10, tzinfo=datetime.UTC)  # the deadline is 28 days later: 29 May
TWO_WEEKS_BEFORE = datetime.datetime(2007, 5, 15, 7, tzinfo=datetime.UTC)
DAY_AFTER_DEADLINE = datetime.datetime(2007, 5, 30, 7, tzinfo=datetime.UTC)
NEXT_MORNING = datetime.datetime(2007, 5, 31, 7, tzinfo=datetime.UTC)


def _home(*links: tuple[str, str]) -> Page:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return Page(f"<html><head><title>Home</title></head><body><h1>Welcome</h1><ul>{items}</ul></body></html>".encode())


@pytest.fixture
def pages():
    """The trust publishes its race equality scheme but no disability equality scheme."""
    return {"/": _home(("/docs/res.html", "Our race equality scheme")), "/docs/res.html": Page(SCHEME.encode())}


@pytest.fixture
def server(pages):
    with SiteServer({"t": pages}, first_address="127.0.84.1") as server:
        yield server


@pytest.fixture
def eager_tasks():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def trust(server, settings, monkeypatch, eager_tasks):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    settings.SITE_URL = "https://audit.regulator.example"
    settings.CASE_REMINDER_DAYS = [14, 3]
    call_command("load_duties", verbosity=0)
    monkeypatch.setattr(services, "_enqueue", lambda ids, duty_codes=None: None)
    return OrganisationFactory(ods_code="RKE", name="Kestrel NHS Trust", website=server.url("t"))


@pytest.fixture
def trust_user(trust):
    return TrustUserFactory(organisation=trust, email="equality@kestrel.nhs.example")


@pytest.fixture
def signatory():
    return UserFactory(role="signatory", first_name="Anna", last_name="Lyons", job_title="Head of Equality Audit")


@pytest.fixture
def check(trust):
    """The 2007 audit of the trust, checked, reviewed and published: scheme met, disability scheme not."""
    cycle = services.start_cycle("2007 web audit", datetime.date(2007, 4, 1), [RES, DES], [trust.ods_code])
    check = SiteCheck.objects.get(cycle=cycle)
    services.run_site_check(check.pk)
    reviewer = UserFactory(role="reviewer")
    for finding in Finding.objects.filter(cycle=cycle):
        review.review_finding(finding, reviewer, finding.status, "Confirmed.", finding.version)
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.PUBLISHED)
    return check


@pytest.fixture
def case(check, trust, trust_user, signatory, django_capture_on_commit_callbacks):
    with time_machine.travel(ISSUED), django_capture_on_commit_callbacks(execute=True):
        letter = letters.draft_letter(check.cycle, trust)
        letter = letters.issue_letter(letters.approve_letter(letter, signatory), signatory)
    assert letter.kind == Letter.Kind.ACTION_REQUIRED
    return Case.objects.get(letter=letter)


def _follow_cases(when, capture) -> None:
    with time_machine.travel(when), capture(execute=True):
        tasks.follow_cases.delay()


def _reminders() -> list:
    return [message for message in mail.outbox if "days left to publish" in message.subject]


def _recheck_runs(check) -> None:
    """The site check the deadline's recheck queued, run here as a worker would."""
    assert SiteCheck.objects.get(pk=check.pk).state == SiteCheck.State.QUEUED
    services.run_site_check(check.pk, [DES])


def _publish_disability_scheme(pages) -> None:
    pages["/docs/des.html"] = Page(DISABILITY.encode())
    pages["/"] = _home(("/docs/res.html", "Our race equality scheme"), ("/docs/des.html", "Disability equality scheme"))


def test_an_issued_action_required_letter_opens_a_case_with_the_deadline_it_states(case):
    assert case.state == Case.State.OPEN
    assert case.deadline == case.letter.deadline == datetime.date(2007, 5, 29)
    assert case.unmet_duties == [DES]
    assert [e.action for e in activity.history_of(case)] == ["casework.case.opened"]


def test_the_trusts_users_are_reminded_once_each_in_plain_text_and_html(case, django_capture_on_commit_callbacks):
    _follow_cases(TWO_WEEKS_BEFORE, django_capture_on_commit_callbacks)
    _follow_cases(TWO_WEEKS_BEFORE + datetime.timedelta(hours=3), django_capture_on_commit_callbacks)

    (reminder,) = _reminders()
    assert reminder.to == ["equality@kestrel.nhs.example"]
    assert "29 May 2007: 14 days from today" in reminder.body
    assert "Disability equality scheme" in reminder.body
    ((html, kind),) = reminder.alternatives
    assert kind == "text/html" and "<strong>29 May 2007</strong>" in html
    case.refresh_from_db()
    assert case.state == Case.State.AWAITING
    assert list(case.reminders.values_list("days_before", flat=True)) == [14]


def test_a_missed_reminder_is_not_sent_after_a_nearer_one(case, django_capture_on_commit_callbacks):
    _follow_cases(datetime.datetime(2007, 5, 27, 7, tzinfo=datetime.UTC), django_capture_on_commit_callbacks)
    _follow_cases(datetime.datetime(2007, 5, 28, 7, tzinfo=datetime.UTC), django_capture_on_commit_callbacks)

    (reminder,) = _reminders()
    assert "2 days from today" in reminder.body
    assert sorted(case.reminders.values_list("days_before", flat=True)) == [3, 14]


class FailsOnceBackend(EmailBackend):
    """A mail server that refuses the first message it is given, then accepts."""

    failed = False

    def send_messages(self, messages):
        if not FailsOnceBackend.failed:
            FailsOnceBackend.failed = True
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_a_failed_send_is_retried_and_the_reminder_arrives(case, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.casework.test_cases.FailsOnceBackend"
    FailsOnceBackend.failed = False

    _follow_cases(TWO_WEEKS_BEFORE, django_capture_on_commit_callbacks)

    assert FailsOnceBackend.failed
    assert len(_reminders()) == 1


def test_a_trust_that_publishes_by_the_deadline_is_confirmed_and_its_case_resolved(
    case, check, pages, django_capture_on_commit_callbacks
):
    _follow_cases(TWO_WEEKS_BEFORE, django_capture_on_commit_callbacks)
    _publish_disability_scheme(pages)

    _follow_cases(case.deadline, django_capture_on_commit_callbacks)  # the deadline day: not yet
    assert SiteCheck.objects.get(pk=check.pk).state == SiteCheck.State.DONE
    _follow_cases(DAY_AFTER_DEADLINE, django_capture_on_commit_callbacks)
    _recheck_runs(check)
    _follow_cases(NEXT_MORNING, django_capture_on_commit_callbacks)

    case.refresh_from_db()
    assert case.state == Case.State.RESOLVED
    assert case.outcome == {DES: "met"}
    confirmation = case.follow_up
    assert (confirmation.kind, confirmation.status, confirmation.follows) == ("compliant", "draft", case.letter)
    assert [e.action for e in activity.history_of(case)] == [
        "casework.case.opened",
        "casework.case.reminder_sent",
        "casework.case.awaiting_trust",
        "casework.case.recheck_requested",
        "casework.case.rechecked",
        "casework.case.resolved",
    ]


def test_a_trust_that_still_has_not_published_gets_a_final_notice_and_its_case_is_escalated(
    case, check, signatory, django_capture_on_commit_callbacks
):
    _follow_cases(DAY_AFTER_DEADLINE, django_capture_on_commit_callbacks)
    _recheck_runs(check)
    _follow_cases(NEXT_MORNING, django_capture_on_commit_callbacks)

    case.refresh_from_db()
    assert case.state == Case.State.ESCALATED
    assert case.outcome == {DES: "not_met"}
    notice = case.follow_up
    assert (notice.kind, notice.follows) == (Letter.Kind.FINAL_NOTICE, case.letter)
    assert [f["duty"] for f in notice.unmet_findings] == [DES]
    # Issuing it is written into the case's events, and a second round changes nothing.
    with time_machine.travel(NEXT_MORNING), django_capture_on_commit_callbacks(execute=True):
        letters.issue_letter(letters.approve_letter(notice, signatory), signatory)
    _follow_cases(NEXT_MORNING + datetime.timedelta(days=1), django_capture_on_commit_callbacks)
    assert Case.objects.count() == 1
    assert activity.history_of(case).last().action == "casework.case.follow_up_issued"


def test_a_closed_cycle_holds_the_case_and_says_why(case, check, django_capture_on_commit_callbacks):
    AuditCycle.objects.filter(pk=check.cycle_id).update(status=AuditCycle.Status.CLOSED)

    _follow_cases(DAY_AFTER_DEADLINE, django_capture_on_commit_callbacks)
    _follow_cases(NEXT_MORNING, django_capture_on_commit_callbacks)

    case.refresh_from_db()
    assert case.state == Case.State.OPEN and case.recheck_requested_at is None
    assert "could not start" in case.note and "closed" in case.note
    assert [e.action for e in activity.history_of(case)][-1] == "casework.case.held"
    assert len([e for e in activity.history_of(case) if e.action == "casework.case.held"]) == 1


WITHDRAWN_ON = datetime.datetime(2007, 5, 10, 10, tzinfo=datetime.UTC)
REISSUED = datetime.datetime(2007, 5, 16, 10, tzinfo=datetime.UTC)  # the replacement's deadline: 13 June


def _withdraw_and_reissue(case, signatory, capture, withdrawn_on=WITHDRAWN_ON, reissued=REISSUED):
    """The case's letter is withdrawn; days later the letter that replaces it is drafted, approved and issued.
    Beat goes round in between."""
    with time_machine.travel(withdrawn_on):
        letters.withdraw_letter(case.letter, signatory, "Sent with the wrong address.")
    _follow_cases(withdrawn_on + datetime.timedelta(days=1), capture)
    with time_machine.travel(reissued), capture(execute=True):
        letters.draft_letters_for_cycle(case.cycle)
        replacement = Letter.objects.get(replaces=case.letter)
        return letters.issue_letter(letters.approve_letter(replacement, signatory), signatory)


def test_a_withdrawn_letters_case_waits_and_the_letter_replacing_it_takes_it_over(
    case, signatory, django_capture_on_commit_callbacks
):
    withdrawn = case.letter

    replacement = _withdraw_and_reissue(case, signatory, django_capture_on_commit_callbacks)

    # No reminder of a withdrawn letter's deadline went out while the case waited.
    assert _reminders() == []
    waited = [e.message for e in activity.history_of(case) if e.action == "casework.case.held"]
    assert waited == [
        f"Its letter {withdrawn.reference} was withdrawn; the case waits for the letter that replaces it."
    ]
    case.refresh_from_db()
    assert case.letter == replacement and replacement.kind == Letter.Kind.ACTION_REQUIRED
    assert case.deadline == replacement.deadline == datetime.date(2007, 6, 13)
    assert (case.state, case.note) == (Case.State.OPEN, "")
    assert activity.history_of(case).last().message == (
        f"Letter {replacement.reference} replaces {withdrawn.reference}: deadline 13 June 2007."
    )

    # Two weeks before the new deadline the trust is reminded of the letter that stands.
    _follow_cases(datetime.datetime(2007, 5, 30, 7, tzinfo=datetime.UTC), django_capture_on_commit_callbacks)
    (reminder,) = _reminders()
    assert replacement.reference in reminder.subject and withdrawn.reference not in reminder.subject
    assert "13 June 2007: 14 days from today" in reminder.body


def test_a_replacement_letter_gets_its_own_reminders_and_the_history_keeps_each_letters(
    client, case, signatory, trust, django_capture_on_commit_callbacks
):
    _follow_cases(TWO_WEEKS_BEFORE, django_capture_on_commit_callbacks)  # reminded of the first letter
    withdrawn = case.letter
    replacement = _withdraw_and_reissue(
        case,
        signatory,
        django_capture_on_commit_callbacks,
        withdrawn_on=datetime.datetime(2007, 5, 16, 10, tzinfo=datetime.UTC),
        reissued=datetime.datetime(2007, 5, 20, 10, tzinfo=datetime.UTC),  # its deadline: 17 June
    )

    _follow_cases(datetime.datetime(2007, 6, 3, 7, tzinfo=datetime.UTC), django_capture_on_commit_callbacks)

    first, second = _reminders()
    assert withdrawn.reference in first.subject and "29 May 2007: 14 days from today" in first.body
    assert replacement.reference in second.subject and "17 June 2007: 14 days from today" in second.body
    client.force_login(UserFactory(role="auditor"))
    page = " ".join(client.get(reverse("casework:trust_history", args=[trust.ods_code])).content.decode().split())
    assert f"The deadline of letter {withdrawn.reference} is 29 May 2007." in page
    assert f"The deadline of letter {replacement.reference} is 17 June 2007." in page


def test_a_replacement_that_finds_every_duty_met_resolves_the_withdrawn_letters_case(
    case, check, signatory, django_capture_on_commit_callbacks
):
    # The withdrawn letter was wrong: a reviewer corrects the finding it was issued on.
    finding = Finding.objects.get(cycle=check.cycle, duty__code=DES)
    reviewer = UserFactory(role="reviewer")
    review.review_finding(finding, reviewer, "met", "The scheme was on the website.", finding.version)

    replacement = _withdraw_and_reissue(case, signatory, django_capture_on_commit_callbacks)

    assert replacement.kind == Letter.Kind.COMPLIANT
    case.refresh_from_db()
    assert case.state == Case.State.RESOLVED and case.closed_at is not None
    assert activity.history_of(case).last().message == (
        f"Letter {replacement.reference} replaces {case.letter.reference} and finds every duty met."
    )
    _follow_cases(DAY_AFTER_DEADLINE, django_capture_on_commit_callbacks)
    assert SiteCheck.objects.get(pk=check.pk).state != SiteCheck.State.QUEUED  # no recheck of a resolved case


def test_staff_and_the_trust_read_its_history_and_case_another_trust_gets_404(
    client, case, check, trust, trust_user, django_capture_on_commit_callbacks
):
    _follow_cases(TWO_WEEKS_BEFORE, django_capture_on_commit_callbacks)
    AuditCycle.objects.create(name="2008 web audit", audit_date=datetime.date(2008, 4, 1))
    history = reverse("casework:trust_history", args=[trust.ods_code])
    case_page = reverse("casework:detail", args=[case.pk])

    client.force_login(UserFactory(role="auditor"))
    page = client.get(history).content.decode()
    assert "Disability equality scheme" in page and "2007 web audit" in page
    assert f"Letter {case.letter.reference} issued" in page and "Reminder sent" in page
    staff_case = client.get(case_page).content.decode()
    assert "29 May 2007" in staff_case and "Opened a case" in staff_case
    assert client.get(reverse("casework:list"), {"state": "awaiting", "sort": "-deadline"}).status_code == 200
    assert "Kestrel NHS Trust" in client.get(reverse("casework:list"), {"state": "awaiting"}).content.decode()
    assert "Kestrel NHS Trust" not in client.get(reverse("casework:list"), {"state": "escalated"}).content.decode()

    client.force_login(trust_user)
    own = client.get(history)
    assert own.status_code == 200
    assert "Not met" in own.content.decode() and "2008 web audit" not in own.content.decode()
    own_case = client.get(case_page).content.decode()
    assert "29 May 2007" in own_case and "Opened a case" not in own_case
    assert client.get(reverse("casework:list")).status_code == 403

    client.force_login(TrustUserFactory(organisation=OrganisationFactory(ods_code="RXX")))
    assert client.get(history).status_code == 404
    assert client.get(case_page).status_code == 404

    client.logout()
    assert client.get(history).status_code == 302
