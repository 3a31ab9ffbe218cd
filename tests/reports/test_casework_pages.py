"""The publication calendar and "what changed" pages, as staff, the trust itself, another trust and nobody."""

import datetime
import hashlib

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from audits.models import AuditCycle, Duty, Evidence
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
TODAY = datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC)


def stored(check, path: str, body: bytes, **dates) -> Evidence:
    evidence = Evidence(
        site_check=check,
        url=f"https://trust.example/{path}",
        final_url=f"https://trust.example/{path}",
        status_code=200,
        content_type="application/pdf",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        title=path,
        fetched_at=TODAY,
        **dates,
    )
    evidence.file.save(path, ContentFile(body), save=False)
    evidence.save()
    return evidence


@pytest.fixture
def world():
    """Two trusts, two published cycles; Alder's equality information was republished with other bytes."""
    alder = OrganisationFactory(ods_code="RAL", name="Alder NHS Trust")
    birch = OrganisationFactory(ods_code="RBI", name="Birch NHS Trust")
    information = DutyFactory(
        code="psed-equality-information", title="Equality information", cadence={"every_months": 12},
        recency_rule="published_within",
    )  # fmt: skip
    objectives = DutyFactory(code="psed-equality-objectives", title="Equality objectives", cadence={"every_months": 48})
    earlier = AuditCycleFactory(
        name="2024 audit", audit_date=datetime.date(2024, 1, 15), status=AuditCycle.Status.CLOSED
    )
    later = AuditCycleFactory(
        name="2025 audit", audit_date=datetime.date(2025, 1, 15), status=AuditCycle.Status.PUBLISHED
    )
    for cycle, body, published in [(earlier, b"2023 figures", datetime.date(2023, 1, 20)),
                                   (later, b"2024 figures", datetime.date(2024, 1, 20))]:  # fmt: skip
        check = SiteCheckFactory(cycle=cycle, organisation=alder)
        FindingFactory(
            site_check=check, duty=information, evidence=stored(check, "info.pdf", body, published_on=published)
        )
        FindingFactory(site_check=check, duty=objectives, status="not_met")
    check = SiteCheckFactory(cycle=later, organisation=birch)
    FindingFactory(
        site_check=check,
        duty=information,
        evidence=stored(check, "b.pdf", b"b", published_on=datetime.date(2024, 9, 1)),
    )
    return alder, birch, earlier, later


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@time_machine.travel(TODAY, tick=False)
def test_staff_calendar_lists_what_is_overdue_and_filters_by_duty(world):
    alder, birch, *_ = world
    staff = client_for(UserFactory(role="auditor"))

    html = staff.get(reverse("casework:calendar")).content.decode()

    assert '<h1 class="govuk-heading-l">Publication calendar</h1>' in html
    assert "Alder NHS Trust" in html and "20 Jan 2025" in html and "Overdue" in html
    assert "Birch NHS Trust" not in html  # due 1 September 2025: not yet due
    assert "psed-equality-information" not in html.split("<table")[1]  # words, not codes
    filtered = staff.get(reverse("casework:calendar"), {"duty": "psed-equality-objectives"}).content.decode()
    assert "Nothing is overdue or due soon." in filtered
    assert "Alder NHS Trust" in staff.get(reverse("casework:calendar"), {"state": "overdue"}).content.decode()
    due_soon = staff.get(reverse("casework:calendar"), {"state": "due_soon"}).content.decode()
    assert "Alder NHS Trust" not in due_soon and "Nothing is overdue or due soon." in due_soon


@time_machine.travel(TODAY, tick=False)
def test_the_staff_calendar_follows_a_newly_published_audit(world):
    alder = world[0]
    staff = client_for(UserFactory(role="auditor"))
    assert "Alder NHS Trust" in staff.get(reverse("casework:calendar")).content.decode()

    # A newer audit finds Alder's information republished in January 2025: due January 2026, not soon.
    newest = AuditCycleFactory(name="2025 recheck", audit_date=datetime.date(2025, 2, 1), status="in_review")
    check = SiteCheckFactory(cycle=newest, organisation=alder)
    FindingFactory(
        site_check=check,
        duty=Duty.objects.get(code="psed-equality-information"),
        evidence=stored(check, "info-2025.pdf", b"2025 figures", published_on=datetime.date(2025, 1, 10)),
    )
    assert "Alder NHS Trust" in staff.get(reverse("casework:calendar")).content.decode()  # not yet published
    newest.status = AuditCycle.Status.PUBLISHED
    newest.save()

    html = staff.get(reverse("casework:calendar")).content.decode()
    assert "Alder NHS Trust" not in html
    assert "Nothing is overdue or due soon." in html


@time_machine.travel(TODAY, tick=False)
def test_a_trust_sees_its_own_calendar_and_not_another_trusts(world):
    alder, birch, *_ = world
    trust_user = client_for(TrustUserFactory(organisation=alder))

    own = trust_user.get(reverse("casework:trust_calendar", args=["RAL"]))
    assert own.status_code == 200
    html = own.content.decode()
    assert "20 January 2025" in html and "Overdue" in html
    assert "Not known" in html  # the objectives: no dated publication
    assert trust_user.get(reverse("casework:trust_calendar", args=["RBI"])).status_code == 404
    assert (
        trust_user.get(reverse("trust:status")).content.decode().count(reverse("casework:trust_calendar", args=["RAL"]))
        == 1
    )


def test_staff_pages_refuse_trust_users_and_need_sign_in(world):
    alder, *_ = world
    trust_user = client_for(TrustUserFactory(organisation=alder))
    for url in [
        reverse("casework:calendar"),
        reverse("casework:changes"),
        reverse("casework:trust_changes", args=["RAL"]),
    ]:
        assert trust_user.get(url).status_code == 403
        assert Client().get(url).status_code == 302
    assert Client().get(reverse("casework:trust_calendar", args=["RAL"])).status_code == 302


def test_what_changed_lists_each_trust_and_serves_both_stored_copies(world):
    alder, birch, earlier, later = world
    staff = client_for(UserFactory(role="reviewer"))

    national = staff.get(reverse("casework:changes")).content.decode()
    assert "What changed since 2024 audit" in national
    assert "Alder NHS Trust" in national and "Birch NHS Trust" not in national  # Birch: checked once

    page = staff.get(reverse("casework:trust_changes", args=["RAL"]), {"later": later.pk, "earlier": earlier.pk})
    html = page.content.decode()
    assert "Changed" in html and "https://trust.example/info.pdf" in html
    downloads = [
        reverse(
            "audits:finding_stored_copy",
            args=[cycle.pk, cycle.findings.get(organisation=alder, duty__code="psed-equality-information").pk],
        )
        for cycle in (earlier, later)
    ]
    for url, body in zip(downloads, [b"2023 figures", b"2024 figures"], strict=True):
        assert f"{url}?download=1" in html
        response = staff.get(url, {"download": "1"})
        assert b"".join(response.streaming_content) == body


def test_what_changed_answers_404_for_a_cycle_that_is_not_there(world):
    staff = client_for(UserFactory(role="auditor"))
    assert staff.get(reverse("casework:changes"), {"later": "999999", "earlier": "1"}).status_code == 404
    assert staff.get(reverse("casework:changes"), {"later": "x"}).status_code == 404
