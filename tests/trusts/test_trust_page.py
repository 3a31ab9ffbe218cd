"""A trust's page as staff read it: its results cycle by cycle, newest first, each finding in words with a link."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def tables_as_read(html: str) -> list[list[str]]:
    """Each results table: its caption, then its rows, the tags stripped (hidden words for screen readers kept)
    and the cells joined with |."""

    def words(fragment: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()

    return [
        [words(caption)]
        + [" | ".join(words(cell) for cell in re.findall(r"<t[hd].*?</t[hd]>", row, re.S))
           for row in re.findall(r"<tr.*?</tr>", body, re.S)]
        for caption, body in re.findall(r"<caption[^>]*>(.*?)</caption>.*?<tbody[^>]*>(.*?)</tbody>", html, re.S)
    ]  # fmt: skip


def test_results_are_listed_cycle_by_cycle_newest_first_in_words():
    trust = OrganisationFactory(ods_code="RAL", name="Alder NHS Trust")
    scheme = DutyFactory(code="race-equality-scheme", title="Race equality scheme", sort_order=1)
    monitoring = DutyFactory(code="race-employment-monitoring", title="Ethnic monitoring <staff>", sort_order=2)
    spring = AuditCycleFactory(name="Spring & summer audit", audit_date=datetime.date(2007, 4, 1), status="published")
    autumn = AuditCycleFactory(name="Autumn audit", audit_date=datetime.date(2007, 10, 1), status="in_review")
    spring_check = SiteCheckFactory(cycle=spring, organisation=trust)
    autumn_check = SiteCheckFactory(cycle=autumn, organisation=trust)
    FindingFactory(site_check=spring_check, duty=monitoring, status="not_met")
    overridden = FindingFactory(site_check=spring_check, duty=scheme, status="not_met", reviewed_status="met")
    FindingFactory(site_check=autumn_check, duty=scheme, status="review")
    # Another trust's results are not on this page.
    FindingFactory(site_check__cycle=autumn, duty=monitoring, status="error")
    client = Client()
    client.force_login(UserFactory(role="auditor"))

    html = client.get(reverse("trusts:detail", args=["RAL"])).content.decode()

    assert tables_as_read(html) == [
        [
            "Autumn audit Audit date 1 October 2007 · In review",
            "Race equality scheme | Needs review | View finding : Race equality scheme, Autumn audit",
        ],
        [
            "Spring &amp; summer audit Audit date 1 April 2007 · Published",
            "Race equality scheme | Met Reviewed | View finding : Race equality scheme, Spring &amp; summer audit",
            "Ethnic monitoring &lt;staff&gt; | Not met | View finding : "
            "Ethnic monitoring &lt;staff&gt;, Spring &amp; summer audit",
        ],
    ]
    finding_page = reverse("audits:finding_detail", args=[spring.pk, overridden.pk])
    assert (
        f'<a class="govuk-link" href="{finding_page}">View finding<span class="govuk-visually-hidden">: '
        "Race equality scheme, Spring &amp; summer audit</span></a>"
    ) in html
    assert 'class="govuk-tag app-status--met"' in html


def test_a_trust_no_audit_has_checked_says_so():
    OrganisationFactory(ods_code="RBI")
    client = Client()
    client.force_login(UserFactory(role="auditor"))

    html = client.get(reverse("trusts:detail", args=["RBI"])).content.decode()

    assert "No audit cycle has checked this trust yet." in html
    assert "<table" not in html.split("Results across audit cycles")[1]
