"""Every page pattern, as each role sees it, at 1280 and 390 px wide: the page never scrolls sideways,
no raw status code or activity key shows, and axe finds nothing serious.

With SCREENSHOTS_DIR set (`make screenshots`), each page is also saved there as a PNG at both widths.
"""

import os
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCycle, Evidence, Finding, TrustResponse
from reports.letters import approve_letter, draft_letter, issue_letter
from tests.browser.conftest import axe_check, sign_in
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from trusts import activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 390)
# Codes a person should never read: finding, cycle and letter statuses, and activity keys.
RAW_CODES = re.compile(
    r"\b(not_met|in_review|action_required|final_notice|rechecking)\b|\b(trusts|audits|reports)\.[a-z_]+\.[a-z_]+\b"
)
# The page's text without <code> and <pre>, where the open-data schemas rightly name the codes.
WORDS_A_PERSON_READS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("code, pre, script").forEach((element) => element.remove());
  return body.textContent;
}"""
DUTIES = [
    ("race-equality-scheme", "Race equality scheme", "met"),
    ("race-employment-monitoring", "Workforce ethnic monitoring (race employment duty)", "not_met"),
    ("disability-equality-scheme", "Disability equality scheme", "met"),
]


@pytest.fixture
def world():
    """A published cycle with evidence, an issued letter and an answer; a cycle in review beside it."""
    trust = OrganisationFactory(
        ods_code="RAA",
        name="Alderbrook Hospitals NHS Trust",
        website="https://www.alderbrook.nhs.example/",
        chief_executive="Dr Jane Smith",
        address="Alderbrook House\n1 River Road\nAlderbrook",
        postcode="AB1 2CD",
    )
    other = OrganisationFactory(ods_code="RBB", name="Beechwood NHS Trust")
    published = AuditCycleFactory(name="2007 web audit", status=AuditCycle.Status.PUBLISHED)
    in_review = AuditCycleFactory(name="2008 web audit", status=AuditCycle.Status.IN_REVIEW)
    for cycle in (published, in_review):
        for organisation in (trust, other):
            check = SiteCheckFactory(cycle=cycle, organisation=organisation, state="done", pages_fetched=40)
            for n, (code, title, status) in enumerate(DUTIES):
                duty = DutyFactory(code=code, title=title, guidance=f"Publish your {title.lower()}.", sort_order=n)
                cycle.duties.add(duty)
                evidence = None
                if status == "met":
                    evidence = Evidence(
                        site_check=check,
                        url=f"{organisation.website}equality/{code}-2005-2008.html",
                        final_url=f"{organisation.website}equality/{code}-2005-2008.html",
                        content_type="text/html",
                        sha256=f"{check.pk:032d}{n:032d}",
                        fetched_at=timezone.now(),
                        snippet=f"Our {title.lower()} 2005 to 2008",
                        text=f"Our {title.lower()} 2005 to 2008. It sets out what we will do.",
                    )
                    evidence.file.save(evidence.sha256, ContentFile(b"<html><body>Scheme</body></html>"), save=False)
                    evidence.save()
                unsure = cycle is in_review and organisation == other and code == "race-equality-scheme"
                FindingFactory(site_check=check, duty=duty, evidence=evidence, status="review" if unsure else status)
    signatory = UserFactory(
        role="signatory", first_name="Helen", last_name="Carter", job_title="Director of Equality Audit"
    )
    issue_letter(approve_letter(draft_letter(published, trust), signatory), signatory)
    draft_letter(published, other)
    trust_user = TrustUserFactory(organisation=trust, first_name="Sam", last_name="Okoro")
    unmet = Finding.objects.get(cycle=published, organisation=trust, duty__code="race-employment-monitoring")
    TrustResponse.objects.create(
        finding=unmet,
        organisation=trust,
        author=trust_user,
        comment="Our workforce report is on our website.",
        urls=[f"{trust.website}workforce.html"],
    )
    activity.record("audits.cycle.published", UserFactory(role="auditor"), published, "Published.")
    return {
        "trust": trust,
        "published": published,
        "in_review": in_review,
        "finding": unmet,
        "trust_user": trust_user,
        "signatory": signatory,
    }


def pages_for(role: str, world) -> list[str]:
    published, in_review, finding = world["published"], world["in_review"], world["finding"]
    if role == "trust":
        answer = TrustResponse.objects.get(finding=finding)
        return [
            reverse("trust:status"),
            reverse("trust:finding", args=[finding.pk]),
            reverse("trust:response", args=[answer.pk]),
            reverse("letters:mine"),
            reverse("two_factor_account"),
            reverse("casework:trust_calendar", args=[world["trust"].ods_code]),
            reverse("casework:trust_history", args=[world["trust"].ods_code]),
            reverse("casework:detail", args=[world["trust"].cases.get().pk]),
            reverse("casework:published_changes", args=[world["trust"].ods_code]),
            reverse("casework:crawl_log", args=[world["trust"].ods_code, published.pk]),
            reverse("about_crawler"),  # public: the page the crawler's User-Agent names
        ]
    letter = published.letters.first()
    return [
        reverse("home"),
        reverse("audits:cycle_list"),
        reverse("audits:cycle_create"),
        reverse("audits:cycle_detail", args=[published.pk]),
        reverse("audits:cycle_results", args=[published.pk]),
        reverse("audits:finding_detail", args=[published.pk, finding.pk]),
        reverse("audits:cycle_review", args=[in_review.pk]),
        reverse("audits:review_queues"),
        reverse("audits:cycle_publish", args=[in_review.pk]),
        reverse("audits:cycle_close", args=[published.pk]),
        reverse("audits:duty_list"),
        reverse("audits:duty_detail", args=["race-equality-scheme"]),
        reverse("national:list"),
        reverse("national:report", args=[published.pk]),
        reverse("national:compare_choose", args=[published.pk]),
        reverse("national:compare", args=[published.pk, in_review.pk]),
        reverse("national:open_data"),
        reverse("letters:list"),
        reverse("letters:cycle", args=[published.pk]),
        reverse("letters:detail", args=[letter.pk]),
        reverse("letters:cycle_approve", args=[published.pk]),
        reverse("letters:withdraw", args=[letter.pk]),
        reverse("responses:inbox"),
        reverse("responses:resolved"),
        reverse("trusts:list"),
        reverse("trusts:detail", args=[world["trust"].ods_code]),
        reverse("trusts:users", args=[world["trust"].ods_code]),
        reverse("trusts:import"),
        reverse("trusts:activity"),
        reverse("trusts:staff"),
        reverse("casework:calendar"),
        reverse("casework:trust_calendar", args=[world["trust"].ods_code]),
        reverse("casework:changes"),
        reverse("casework:trust_changes", args=[world["trust"].ods_code]),
        reverse("casework:list"),
        reverse("casework:detail", args=[world["trust"].cases.get().pk]),
        reverse("casework:trust_history", args=[world["trust"].ods_code]),
        reverse("casework:shortfall", args=[published.pk]),
        reverse("casework:published_changes", args=[world["trust"].ods_code]),
        reverse("casework:crawl_log", args=[world["trust"].ods_code, published.pk]),
    ]


def user_for(role: str, world):
    if role == "trust":
        return world["trust_user"]
    if role == "signatory":
        return world["signatory"]
    return UserFactory(role=role, first_name=role.capitalize(), last_name="Person", job_title=role)


@pytest.mark.parametrize("role", ["auditor", "reviewer", "signatory", "admin", "trust"])
def test_every_page_fits_both_widths_speaks_words_and_passes_axe(live_server, page, world, role):
    sign_in(page, live_server, user_for(role, world).get_username())
    screenshots = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None
    seen, problems = 0, []
    for path in pages_for(role, world):
        response = page.goto(f"{live_server.url}{path}")
        if response.status in (403, 404):
            continue  # not this role's page; tests/trusts/test_access.py says who may see what
        assert response.status == 200, f"{path} answered {response.status} to {role}"
        seen += 1
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                problems.append(f"{path} at {width} px is {overflow} px wider than the window")
            if codes := sorted({m.group(0) for m in RAW_CODES.finditer(page.evaluate(WORDS_A_PERSON_READS))}):
                problems.append(f"{path} shows codes a person should not read: {', '.join(codes)}")
            if screenshots:
                name = re.sub(r"[^a-z0-9]+", "-", f"{role}{path}".lower()).strip("-")
                screenshots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
        try:
            axe_check(page)
        except AssertionError as error:
            problems.append(str(error).split("\n")[1].strip())  # its first violation; the log has all
    assert seen >= 5, f"{role} could open only {seen} pages"
    assert not problems, "\n".join(sorted(set(problems)))
