"""A trust user from invitation to answer, in Chromium: every page passes axe and fits a phone."""

import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone

from audits.models import AuditCycle, Evidence, TrustResponse
from reports.letters import approve_letter, draft_letter, issue_letter
from tests.browser.conftest import axe_check, follow, sign_in
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from trusts.invitations import invite_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and unusual passphrase 42"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def published_finding():
    trust = OrganisationFactory(
        ods_code="RAA", name="Alderbrook Hospitals NHS Trust", website="https://raa.nhs.example/"
    )
    cycle = AuditCycleFactory(name="2007 web audit", status=AuditCycle.Status.PUBLISHED)
    check = SiteCheckFactory(cycle=cycle, organisation=trust, state="done")
    findings = []
    for n, (code, title, status) in enumerate(
        [
            ("race-equality-scheme", "Race equality scheme", "met"),
            ("disability-equality-scheme", "Disability equality scheme", "not_met"),
        ]
    ):
        duty = DutyFactory(code=code, title=title, guidance=f"Publish your {title.lower()}.", sort_order=n)
        cycle.duties.add(duty)
        evidence = Evidence(
            site_check=check,
            url=f"https://raa.nhs.example/equality/a-very-long-document-name-for-the-{code}-2005-2008.pdf",
            final_url=f"https://raa.nhs.example/equality/a-very-long-document-name-for-the-{code}-2005-2008.pdf",
            content_type="application/pdf",
            sha256=f"{n:064d}",
            fetched_at=timezone.now(),
            snippet=f"Our {title.lower()}",
        )
        evidence.file.save(evidence.sha256, ContentFile(b"%PDF-1.4 scheme"), save=False)
        evidence.save()
        findings.append(
            FindingFactory(site_check=check, duty=duty, evidence=evidence, status=status, reviewed_status=status)
        )
    return findings


def test_invited_trust_user_sets_password_reads_status_and_answers(live_server, context, published_finding):
    trust = published_finding[0].organisation
    invite_user(trust, "Jo Bloggs", "jo.bloggs@raa.nhs.example", UserFactory(role="admin"))
    path = re.search(r"https?://[^/\s]+(/trusts/invitation/\S+/)", mail.outbox[-1].body)[1]
    page = context.new_page()
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}{path}")
    assert page.get_by_role("heading", level=1).inner_text() == "Choose your password"
    axe_check(page)
    assert_fits(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    follow(page.get_by_role("button", name="Set password and sign in"))

    assert page.url == f"{live_server.url}/my/"
    assert "1 of 2 duties met in the 2007 web audit" in page.locator("main").inner_text()
    axe_check(page)
    assert_fits(page)

    follow(page.get_by_role("link", name=re.compile(r"^Answer this finding\W+Disability equality scheme")))
    assert page.get_by_role("heading", level=1).inner_text() == "Disability equality scheme"
    axe_check(page)
    assert_fits(page)

    page.get_by_label("Your comment").fill("Our scheme was published in March 2007.")
    page.get_by_label("Where it is published").fill("https://elsewhere.example/scheme.pdf")
    follow(page.get_by_role("button", name="Send response"))
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error: ")
    axe_check(page)

    page.get_by_label("Where it is published").fill("https://raa.nhs.example/equality/des-2006.pdf")
    follow(page.get_by_role("button", name="Send response"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your response"
    axe_check(page)
    assert_fits(page)
    answer = TrustResponse.objects.get()
    assert answer.urls == ["https://raa.nhs.example/equality/des-2006.pdf"]

    # The regulator issues a letter; the trust finds it under "Your letters" and downloads the PDF.
    signatory = UserFactory(role="signatory", first_name="Helen", last_name="Carter", job_title="Director of Audit")
    letter = issue_letter(approve_letter(draft_letter(trust.site_checks.get().cycle, trust), signatory), signatory)
    page.goto(f"{live_server.url}/")
    follow(page.get_by_role("link", name="Your letters"))
    axe_check(page)
    assert_fits(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download letter {letter.reference}").click()
    assert open(download.value.path(), "rb").read().startswith(b"%PDF")


def test_second_trusts_user_gets_404_on_the_first_trusts_finding(live_server, signed_in_page, published_finding):
    outsider = TrustUserFactory(organisation=OrganisationFactory(ods_code="RBB"))
    page = signed_in_page(live_server, outsider)

    response = page.goto(f"{live_server.url}/my/findings/{published_finding[1].pk}/")

    assert response.status == 404
    axe_check(page)
    assert page.goto(f"{live_server.url}/my/findings/{published_finding[1].pk}/evidence/").status == 404


def test_staff_invite_and_inbox_pages_pass_axe(live_server, context, published_finding):
    trust = published_finding[0].organisation
    page = context.new_page()
    page.set_viewport_size(PHONE)
    admin = UserFactory(role="admin")
    sign_in(page, live_server, admin.username)
    page.goto(f"{live_server.url}/trusts/RAA/users/")
    page.get_by_label("Full name").fill("Jo Bloggs")
    page.get_by_label("Email address").fill("jo.bloggs@raa.nhs.example")
    follow(page.get_by_role("button", name="Send invitation"))
    assert "jo.bloggs@raa.nhs.example" in page.locator("main").inner_text()
    assert len(mail.outbox) == 1
    axe_check(page)
    assert_fits(page)

    TrustResponse.objects.create(
        finding=published_finding[1],
        organisation=trust,
        author=TrustUserFactory(organisation=trust),
        comment="Published.",
        urls=["https://raa.nhs.example/equality/a-very-long-document-name-for-the-disability-scheme-2006.pdf"],
    )
    page.context.clear_cookies()
    sign_in(page, live_server, UserFactory(role="reviewer").username)
    page.goto(f"{live_server.url}/audits/responses/")
    assert page.get_by_role("heading", level=1).inner_text() == "Responses from trusts"
    axe_check(page)
    assert_fits(page)


def assert_fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} scrolls sideways at 375 px ({width} px wide)"
