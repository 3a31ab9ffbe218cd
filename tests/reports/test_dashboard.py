"""Each role's dashboard shows what waits for that role now, with counts that are true."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import AuditCycle, TrustResponse
from reports.models import Letter
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The words a person reads: tags removed, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def finding(cycle, organisation, duty, status="met", reviewed=""):
    return FindingFactory(
        site_check__cycle=cycle,
        site_check__organisation=organisation,
        site_check__state="done",
        duty=duty,
        status=status,
        reviewed_status=reviewed,
    )


def letter(cycle, organisation, status, sequence=1):
    return Letter.objects.create(
        cycle=cycle,
        organisation=organisation,
        kind=Letter.Kind.COMPLIANT,
        sequence=sequence,
        reference=f"EDA/{cycle.pk}/{organisation.ods_code}/{sequence:03d}",
        template_name="letters/compliant/v1.html",
        template_version="v1",
        addressee="The Chief Executive",
        status=status,
    )


@pytest.fixture
def world():
    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    a, b, c = (OrganisationFactory(ods_code=code) for code in ("RAA", "RBB", "RCC"))
    running = AuditCycleFactory(name="Running audit", status=AuditCycle.Status.RUNNING)
    finding(running, a, duty, "review")
    finding(running, b, duty, "review")
    finding(running, c, duty, "review", reviewed="met")  # decided: not waiting
    blocked = AuditCycleFactory(name="Blocked audit", status=AuditCycle.Status.IN_REVIEW)
    # A reviewer said the site could not be judged: it blocks publication but waits in no queue.
    waiting = finding(blocked, a, duty, "error", reviewed="error")
    finding(blocked, b, duty, "review", reviewed="not_met")
    ready = AuditCycleFactory(name="Ready audit", status=AuditCycle.Status.IN_REVIEW)
    finding(ready, a, duty, "review", reviewed="met")
    finding(ready, b, duty, "review", reviewed="not_met")
    letter(ready, a, Letter.Status.DRAFT)
    closed = AuditCycleFactory(name="Closed audit", status=AuditCycle.Status.CLOSED)
    finding(closed, a, duty, "review")  # nobody can review it: never counted
    finding(closed, b, duty, "review")
    cancelled = AuditCycleFactory(name="Cancelled audit", status=AuditCycle.Status.CANCELLED)
    finding(cancelled, a, duty, "review")
    for n, status in enumerate(
        [TrustResponse.Status.OPEN, TrustResponse.Status.OPEN, TrustResponse.Status.RECHECKING, "resolved"]
    ):
        TrustResponse.objects.create(
            finding=waiting, organisation=a, author=UserFactory(), comment=f"{n}", urls=[], status=status
        )
    return {"running": running, "blocked": blocked, "ready": ready, "closed": closed, "trusts": (a, b, c)}


def test_reviewer_sees_the_findings_waiting_in_cycles_that_can_be_reviewed(client, world):
    client.force_login(UserFactory(role="reviewer"))
    response = client.get(reverse("home"))
    words = text(response)

    assert "2 findings need a reviewer's decision" in words.replace("\u2019", "'")
    page = response.content.decode()
    assert f'href="{reverse("audits:cycle_review", args=[world["running"].pk])}">Running audit</a>: 2 to review' in page
    assert f'href="{reverse("audits:cycle_review", args=[world["blocked"].pk])}">Blocked audit</a>' not in page
    assert "Closed audit</a>: " not in page
    assert "Ready to publish" not in words  # an auditor's work
    assert "Drafts to approve" not in words  # a signatory's


def test_reviewer_finds_the_review_queues_in_the_navigation(client, world):
    client.force_login(UserFactory(role="reviewer"))
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("audits:review_queues")}">Review</a>' in home

    page = client.get(reverse("audits:review_queues"))

    assert page.status_code == 200
    words = text(page)
    assert "Running audit" in words and "Blocked audit" in words and "Ready audit" in words
    assert "Closed audit" not in words
    assert f'data-queue="{world["running"].pk}">2<' in page.content.decode()
    assert "2 findings wait for a reviewer’s decision" in words


def test_staff_without_review_see_no_review_link_and_cannot_open_the_queues(client, world):
    for role in ("auditor", "signatory", "admin"):
        client.force_login(UserFactory(role=role))
        assert f'href="{reverse("audits:review_queues")}"' not in client.get(reverse("home")).content.decode()
        assert client.get(reverse("audits:review_queues")).status_code == 403


def test_auditor_sees_cycles_running_ready_and_blocked(client, world):
    client.force_login(UserFactory(role="auditor"))
    response = client.get(reverse("home"))
    words = text(response)

    assert "Running: 1" in words
    assert "Ready to publish: 1 ( Ready audit )" in words
    assert "Blocked from publishing: 1 ( Blocked audit , 1 to settle)" in words
    assert f'href="{reverse("audits:cycle_publish", args=[world["ready"].pk])}"' in response.content.decode()
    assert "need a reviewer's decision" not in words.replace("\u2019", "'")


def test_signatory_sees_letters_to_draft_approve_and_issue(client, world):
    a, b, c = world["trusts"]
    published = AuditCycleFactory(name="Published audit", status=AuditCycle.Status.PUBLISHED)
    duty = DutyFactory(code="race-equality-scheme")
    for organisation in (a, b, c):
        finding(published, organisation, duty, "met")
    letter(published, a, Letter.Status.APPROVED)
    letter(published, b, Letter.Status.WITHDRAWN)  # withdrawn: b needs a letter again
    client.force_login(UserFactory(role="signatory"))

    response = client.get(reverse("home"))
    words = text(response)

    # Letters follow publication: only the published audit's b and c wait for one.
    assert "Trusts without a letter: 2" in words
    assert "Published audit : 2" in words
    assert "Blocked audit : 2" not in words.split("Trusts without a letter")[1].split("Drafts")[0]
    assert "Drafts to approve: 1 ( Ready audit : 1)" in words
    assert "Approved letters to issue: 1 ( Published audit : 1)" in words
    assert "Closed audit" not in words.split("Trusts without a letter")[1].split("Drafts")[0]
    assert f'href="{reverse("letters:cycle", args=[published.pk])}"' in response.content.decode()


def test_trusts_without_a_letter_follow_the_letters_though_the_results_are_unchanged(client, world):
    a, b, _ = world["trusts"]
    published = AuditCycleFactory(name="Published audit", status=AuditCycle.Status.PUBLISHED)
    duty = DutyFactory(code="race-equality-scheme")
    finding(published, a, duty, "met")
    finding(published, b, duty, "met")
    client.force_login(UserFactory(role="signatory"))
    assert "Published audit : 2" in text(client.get(reverse("home")))

    letter(published, a, Letter.Status.DRAFT)
    words = text(client.get(reverse("home")))

    # The trusts with findings are kept until the results change; the letters are counted afresh.
    assert "Published audit : 1" in words
    letter(published, b, Letter.Status.DRAFT)
    assert (
        "Published audit"
        not in text(client.get(reverse("home"))).split("Trusts without a letter")[1].split("Drafts")[0]
    )


@pytest.mark.parametrize(("role", "linked"), [("reviewer", True), ("auditor", True), ("signatory", False)])
def test_everyone_on_staff_sees_the_open_answers_to_triage(client, world, role, linked):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("home"))
    assert "2 answers from trusts to triage" in text(response)
    assert (f'href="{reverse("responses:inbox")}">2 answers' in response.content.decode()) is linked


def test_dashboard_queries_do_not_grow_with_trusts(client):
    user = UserFactory(role="auditor")
    for role in ("reviewer", "signatory"):
        user.groups.add(*UserFactory(role=role).groups.all())
    client.force_login(user)
    duty = DutyFactory(code="race-equality-scheme")

    def queries(size: int, prefix: str) -> int:
        for status in (AuditCycle.Status.RUNNING, AuditCycle.Status.IN_REVIEW, AuditCycle.Status.PUBLISHED):
            cycle = AuditCycleFactory(name=f"{prefix} {status}", status=status)
            cycle.duties.add(duty)
            for n in range(size):
                organisation = OrganisationFactory(ods_code=f"{prefix}{n:03d}")
                finding(cycle, organisation, duty, "review" if n % 2 else "met")
                if n % 3 == 0:
                    letter(cycle, organisation, Letter.Status.DRAFT)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    small = queries(5, "A")
    Letter.objects.all().delete()
    AuditCycle.objects.all().delete()
    assert queries(50, "B") == small
