"""Staff pages ask the database a fixed number of questions, whatever the number of trusts (issue 17, item 5).

Each page is read with N trusts, then with 3N: the same number of queries both times. Timings are in
bench/pages.py, never here.
"""

import datetime
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCycle, Evidence
from reports.models import Letter
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, SiteCheckFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUSES = itertools.cycle(["met", "not_met", "review", "error", "met"])
CADENCE = {"every_months": 12}


@pytest.fixture
def world():
    """A published cycle and a later one in review, over two duties; a person with every staff role."""
    duties = [
        DutyFactory(code=code, title=title, cadence=CADENCE)
        for code, title in [("race-equality-scheme", "Race equality scheme"), ("gender-pay-gap", "Gender pay gap")]
    ]
    published = AuditCycleFactory(name="2006", audit_date=datetime.date(2006, 4, 1), status=AuditCycle.Status.PUBLISHED)
    latest = AuditCycleFactory(name="2007", audit_date=datetime.date(2007, 4, 1), status=AuditCycle.Status.IN_REVIEW)
    for cycle in (published, latest):
        cycle.duties.set(duties)
    person = UserFactory(role="auditor")
    for role in ("reviewer", "signatory", "admin"):
        UserFactory._meta.model.groups.through.objects.create(
            user=person, group=person.groups.model.objects.get(name=role)
        )
    client = Client()
    client.force_login(person)
    world = {"duties": duties, "published": published, "latest": latest, "client": client, "trusts": 0}
    return world


def add_trusts(world, count: int) -> None:
    """`count` more trusts, each checked in both cycles with a finding per duty, a letter for the
    published cycle, and some website checks that need a look."""
    for _ in range(count):
        n = world["trusts"] = world["trusts"] + 1
        first = SiteCheckFactory(cycle=world["published"], state="done")
        organisation = first.organisation
        check = SiteCheckFactory(
            cycle=world["latest"],
            organisation=organisation,
            state="failed" if n % 3 == 0 else "done",
            budget_exhausted=n % 2 == 0,
            errors=["timed out"] if n % 4 == 0 else [],
        )
        for duty in world["duties"]:
            evidence = Evidence.objects.create(
                site_check=first,
                url=f"{organisation.website}{duty.code}.pdf",
                final_url=f"{organisation.website}{duty.code}.pdf",
                fetched_at=timezone.now(),
                published_on=datetime.date(2005, 6, 1),
            )
            FindingFactory(site_check=first, duty=duty, status="met", evidence=evidence)
            FindingFactory(site_check=check, duty=duty, status=next(STATUSES))
        Letter.objects.create(
            cycle=world["published"],
            organisation=organisation,
            kind=Letter.Kind.COMPLIANT,
            sequence=1,
            reference=f"EDA/{world['published'].pk}/{organisation.ods_code}/001",
            template_name="letters/compliant/v1.html",
            template_version="v1",
            addressee="The Chief Executive",
            status=Letter.Status.APPROVED if n % 2 else Letter.Status.DRAFT,
        )


PAGES = {
    "cycle page": lambda w: reverse("audits:cycle_detail", args=[w["latest"].pk]),
    "results matrix": lambda w: reverse("audits:cycle_results", args=[w["latest"].pk]),
    "results matrix filtered": lambda w: (
        reverse("audits:cycle_results", args=[w["latest"].pk]) + "?status=not_applicable&region=London"
    ),
    "review queue": lambda w: reverse("audits:cycle_review", args=[w["latest"].pk]),
    "review queues": lambda w: reverse("audits:review_queues"),
    "cycle list": lambda w: reverse("audits:cycle_list"),
    "dashboard": lambda w: reverse("home"),
    "national report": lambda w: reverse("national:report", args=[w["latest"].pk]),
    "letters list": lambda w: reverse("letters:list"),
    "trust list": lambda w: reverse("trusts:list"),
    "calendar": lambda w: reverse("casework:calendar"),
}


def queries_for(client: Client, url: str) -> list[str]:
    cache.clear()  # figures kept until the results change (audits.results_cache) are counted as computed
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("page", PAGES)
def test_page_asks_as_many_queries_for_three_times_the_trusts(world, page):
    url = PAGES[page](world)
    add_trusts(world, 4)
    queries_for(world["client"], url)  # the first request fills per-process caches (content types, ...)
    few = queries_for(world["client"], url)

    add_trusts(world, 8)
    many = queries_for(world["client"], url)

    assert len(many) == len(few), "\n".join(sorted(set(many) - set(few)) or many)
