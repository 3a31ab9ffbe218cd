"""Figures kept in the cache follow the results: every change a person can make shows on the next view."""

import re

import pytest
from django.urls import reverse

from audits import review
from audits.models import AuditCycle, SiteCheck
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def world():
    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme", strand="race")
    cycle = AuditCycleFactory(name="2007 web audit", status=AuditCycle.Status.IN_REVIEW)
    cycle.duties.set([duty])
    trusts = [OrganisationFactory(ods_code=code, region="London") for code in ("RAA", "RBB", "RCC")]
    findings = [
        FindingFactory(site_check__cycle=cycle, site_check__organisation=trust, site_check__state="done", duty=duty,
                       status=status)
        for trust, status in zip(trusts, ["met", "not_met", "review"], strict=True)
    ]  # fmt: skip
    return {"cycle": cycle, "duty": duty, "trusts": trusts, "findings": findings}


def test_the_dashboard_and_national_report_follow_a_review_a_check_and_the_register(client, world):
    person = UserFactory(role="auditor")
    person.groups.add(person.groups.model.objects.get(name="reviewer"))
    client.force_login(person)
    cycle = world["cycle"]
    national = reverse("national:report", args=[cycle.pk])

    assert "(1 out of 3: " in text(client.get(national))
    assert "2007 web audit , 1 to settle" in text(client.get(reverse("home")))

    review.review_finding(world["findings"][2], person, "met", "The scheme is on the equality page.", 1)
    assert "(2 out of 3: " in text(client.get(national))
    assert "2007 web audit , 1 to settle" not in text(client.get(reverse("home")))

    SiteCheck.objects.filter(cycle=cycle, organisation=world["trusts"][1]).update(state=SiteCheck.State.RUNNING)
    assert "2007 web audit , 1 to settle" in text(client.get(reverse("home")))

    assert "North West" not in text(client.get(national))
    world["trusts"][0].region = "North West"
    world["trusts"][0].save()
    assert "North West" in text(client.get(national))
