"""Beside the national report: the trusts that fall short of each duty, with their cases, and the trend of
every duty across published audits, as staff only."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import AuditCycle
from casework.models import Case
from reports.models import Letter
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


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    scheme = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    alder, birch, cedar = (
        OrganisationFactory(ods_code=code, name=f"{name} NHS Trust")
        for code, name in [("RAL", "Alder"), ("RBI", "Birch"), ("RCE", "Cedar")]
    )
    earlier = AuditCycleFactory(name="2006 audit", audit_date=datetime.date(2006, 4, 1), status="closed")
    later = AuditCycleFactory(name="2007 audit", audit_date=datetime.date(2007, 4, 1), status="published")
    draft = AuditCycleFactory(name="2008 audit", audit_date=datetime.date(2008, 4, 1), status="in_review")
    for cycle, statuses in [
        (earlier, {alder: "not_met", birch: "not_met", cedar: "not_met"}),
        (later, {alder: "not_met", birch: "not_met", cedar: "met"}),
        (draft, {alder: "met", birch: "met", cedar: "met"}),
    ]:
        cycle.duties.add(scheme)
        for trust, status in statuses.items():
            FindingFactory(site_check=SiteCheckFactory(cycle=cycle, organisation=trust), duty=scheme, status=status)
    letter = Letter.objects.create(
        cycle=later,
        organisation=alder,
        kind=Letter.Kind.ACTION_REQUIRED,
        sequence=1,
        reference="EDA/1/RAL/001",
        template_name="letters/action_required/v1.html",
        template_version="v1",
        addressee="The Chief Executive",
        status=Letter.Status.ISSUED,
    )
    case = Case.objects.create(organisation=alder, cycle=later, letter=letter, deadline=datetime.date(2007, 6, 1))
    return later, case


def test_staff_see_who_falls_short_with_their_case_or_history(world):
    later, case = world
    national = client_for(UserFactory(role="auditor")).get(reverse("national:report", args=[later.pk]))
    url = reverse("casework:shortfall", args=[later.pk])
    assert url in national.content.decode()

    html = client_for(UserFactory(role="auditor")).get(url).content.decode()
    short = html.split("Trend across published audits")[0]
    assert "Alder NHS Trust" in short and reverse("casework:detail", args=[case.pk]) in short
    assert "Birch NHS Trust" in short and reverse("casework:trust_history", args=["RBI"]) in short
    assert "Cedar NHS Trust" not in short  # met
    # As a person reads the list: each trust, its code, and its case's state and deadline or that it has none.
    words = " ".join(re.sub(r"<[^>]+>", " ", short).split())
    assert "Alder NHS Trust : case, Race equality scheme (RAL): case open, deadline 1 June 2007" in words
    assert "Birch NHS Trust : history, Race equality scheme (RBI): no case yet" in words


def test_the_trend_covers_published_audits_as_a_chart_and_its_table(world):
    later, _ = world
    html = client_for(UserFactory(role="reviewer")).get(reverse("casework:shortfall", args=[later.pk])).content.decode()
    trend = html.split("Trend across published audits", 1)[1]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"' in trend
    assert "Race equality scheme, 2006 audit" in trend and "Race equality scheme, 2007 audit" in trend
    assert "2008 audit" not in trend  # not published
    table = trend.split("<table")[1]
    assert "<caption" in table
    assert "0.0%" in table and "0 of 3" in table and "33.3%" in table and "1 of 3" in table


def test_the_shortfall_is_for_staff_only(world):
    later, case = world
    url = reverse("casework:shortfall", args=[later.pk])
    assert client_for(TrustUserFactory(organisation=case.organisation)).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert client_for(UserFactory(role="auditor")).get(reverse("casework:shortfall", args=[999999])).status_code == 404
    assert AuditCycle.objects.count() == 3
