import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCycle, Evidence, SiteCheck, TrustResponse
from audits.responses import MAX_RESPONSES_PER_DAY
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    TrustUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 race equality scheme 2005-2008"


def make_finding(cycle, organisation, duty, reviewed="met", stored=True):
    check, _ = SiteCheck.objects.get_or_create(
        cycle=cycle, organisation=organisation, defaults={"website": organisation.website, "state": "done"}
    )
    evidence = Evidence(
        site_check=check,
        url=f"{organisation.website}equality/{duty.code}.pdf",
        final_url=f"{organisation.website}equality/{duty.code}.pdf",
        status_code=200,
        content_type="application/pdf",
        sha256=f"{duty.pk:064d}",
        fetched_at=timezone.now(),
        snippet=f"Our {duty.title.lower()} 2005 to 2008",
    )
    if stored:
        evidence.file.save(evidence.sha256, ContentFile(PDF), save=False)
    evidence.save()
    return FindingFactory(
        site_check=check,
        duty=duty,
        evidence=evidence,
        status="met",
        reviewed_status=reviewed,
        rationale=f"Rationale for {duty.title}.",
    )


@pytest.fixture
def trust():
    return OrganisationFactory(
        ods_code="RAA", name="Alderbrook Hospitals NHS Trust", website="https://www.raa.nhs.example/"
    )


@pytest.fixture
def other_trust():
    return OrganisationFactory(ods_code="RBB", name="Birchfield NHS Trust", website="https://rbb.nhs.example/")


@pytest.fixture
def duties():
    return [
        DutyFactory(
            code=code,
            title=title,
            requirement=f"Publish a {title.lower()}.",
            guidance=f"Put your {title.lower()} on your website.",
            citation="SI 2001/3458 art 2(1)",
            sort_order=n,
        )
        for n, (code, title) in enumerate(
            [
                ("race-equality-scheme", "Race equality scheme"),
                ("race-employment-monitoring", "Race employment monitoring"),
                ("race-impact-assessment", "Race impact assessment"),
                ("disability-equality-scheme", "Disability equality scheme"),
                ("gender-equality-scheme", "Gender equality scheme"),
            ]
        )
    ]


@pytest.fixture
def published(duties):
    cycle = AuditCycleFactory(name="2007 web audit", status=AuditCycle.Status.PUBLISHED)
    cycle.duties.add(*duties)
    return cycle


@pytest.fixture
def findings(trust, other_trust, published, duties):
    """Three of four reviewed duties met for the trust, one unreviewed; the other trust all met."""
    ours = [
        make_finding(published, trust, duties[0]),
        make_finding(published, trust, duties[1]),
        make_finding(published, trust, duties[2]),
        make_finding(published, trust, duties[3], reviewed="not_met"),
        make_finding(published, trust, duties[4], reviewed=""),
    ]
    theirs = [make_finding(published, other_trust, duty) for duty in duties]
    return ours, theirs


@pytest.fixture
def user(trust):
    return TrustUserFactory(organisation=trust)


@pytest.fixture
def outsider(other_trust):
    return TrustUserFactory(organisation=other_trust)


def test_status_page_summarises_every_applicable_duty_of_published_cycle(client, user, findings):
    client.force_login(user)

    response = client.get(reverse("trust:status"))

    assert response.status_code == 200
    page = response.content.decode()
    # Four met (one of them never reviewed: its automated status counts), one not met.
    assert "4 of 5 duties met in the 2007 web audit" in page
    assert "Rationale for Race equality scheme." in page
    assert "Publish a race equality scheme." in page
    assert "SI 2001/3458 art 2(1)" in page
    assert "Put your disability equality scheme on your website." in page  # not met: what to do
    assert "Nothing: keep the document published and up to date." in page  # met
    assert "Our race equality scheme 2005 to 2008" in page
    assert "https://www.raa.nhs.example/equality/race-equality-scheme.pdf" in page
    assert reverse("trust:evidence", kwargs={"pk": findings[0][0].pk}) in page


def test_status_page_shows_unreviewed_findings_and_only_that_unpublished_audits_are_under_way(
    client, user, trust, findings, duties
):
    in_review = AuditCycleFactory(name="2008 web audit", status=AuditCycle.Status.IN_REVIEW)
    make_finding(in_review, trust, duties[0], reviewed="not_met")
    in_review.findings.update(rationale="Secret 2008 rationale.")
    draft = AuditCycleFactory(name="2009 web audit", status=AuditCycle.Status.DRAFT)
    SiteCheck.objects.create(cycle=draft, organisation=trust)
    client.force_login(user)

    page = client.get(reverse("trust:status")).content.decode()

    assert "Gender equality scheme" in page  # never reviewed: shown with its automated status
    assert "2008 web audit: audit under way, results not yet published" in page
    assert "Secret 2008 rationale." not in page
    assert "2009 web audit" not in page  # a draft has not started
    assert "Birchfield" not in page


def test_status_page_lists_not_met_duties_first(client, user, findings):
    client.force_login(user)

    page = client.get(reverse("trust:status")).content.decode()

    cards = [page.index(f'data-duty="{f.duty.code}"') for f in findings[0]]
    not_met = cards[3]
    assert all(not_met < card for n, card in enumerate(cards) if n != 3)
    assert '<strong class="govuk-tag app-status--not_met">Not met</strong>' in page


def test_published_finding_back_in_review_is_being_checked_not_a_code(client, user, findings):
    # After a recheck of a published cycle the automated status may need a person again.
    finding = findings[0][4]
    finding.status = "review"
    finding.save()
    findings[0][1].status, findings[0][1].reviewed_status = "error", ""
    findings[0][1].save()
    client.force_login(user)

    page = client.get(reverse("trust:status")).content.decode()
    detail = client.get(reverse("trust:finding", kwargs={"pk": finding.pk})).content.decode()

    assert "2 of 5 duties met in the 2007 web audit; 2 being checked by the regulator" in page
    # Each in the summary table and again in its duty's section.
    assert page.count(">Being checked by the regulator</strong>") == 4
    assert "Being checked by the regulator" in detail
    for code in (">review<", ">error<", "Needs review", ">Error<"):
        assert code not in page
        assert code not in detail


def test_status_page_without_published_results_says_so(client, user):
    client.force_login(user)
    assert b"has not yet published" in client.get(reverse("trust:status")).content


def test_status_page_lists_newest_cycle_first(client, user, trust, findings, duties):
    newer = AuditCycleFactory(name="2008 web audit", status=AuditCycle.Status.PUBLISHED, audit_date="2008-04-01")
    make_finding(newer, trust, duties[0], reviewed="not_met")
    client.force_login(user)

    page = client.get(reverse("trust:status")).content.decode()

    assert page.index("0 of 1 duty met in the 2008 web audit") < page.index("4 of 5 duties met in the 2007 web audit")


def test_status_page_runs_a_fixed_number_of_queries(client, user, trust, findings, duties):
    client.force_login(user)
    client.get(reverse("trust:status"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("trust:status"))
    newer = AuditCycleFactory(name="2008 web audit", status=AuditCycle.Status.PUBLISHED, audit_date="2008-04-01")
    for duty in duties:
        finding = make_finding(newer, trust, duty)
        TrustResponse.objects.create(
            finding=finding, organisation=trust, author=user, comment="See", urls=["https://raa.nhs.example/a"]
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("trust:status"))

    assert response.status_code == 200
    assert len(many) == len(few)


def test_status_page_shows_the_trusts_responses_and_their_status(client, user, trust, findings):
    finding = findings[0][3]
    TrustResponse.objects.create(
        finding=finding,
        organisation=trust,
        author=user,
        comment="Published last week",
        urls=["https://www.raa.nhs.example/des.pdf"],
        status=TrustResponse.Status.RESOLVED,
        resolution_note="Confirmed, thank you.",
    )
    client.force_login(user)

    page = client.get(reverse("trust:status")).content.decode()

    assert ">Closed</strong>" in page  # closed by staff: their note says how


def test_evidence_download_serves_stored_copy_with_its_content_type(client, user, findings):
    client.force_login(user)

    response = client.get(reverse("trust:evidence", kwargs={"pk": findings[0][0].pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "race-equality-scheme.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_evidence_without_stored_copy_is_404(client, user, trust, published, duties):
    finding = make_finding(published, trust, duties[0], stored=False)
    client.force_login(user)
    assert client.get(reverse("trust:evidence", kwargs={"pk": finding.pk})).status_code == 404


def test_evidence_of_unpublished_cycle_is_404_to_the_trust(client, user, trust, duties):
    draft = AuditCycleFactory(name="2008 web audit", status=AuditCycle.Status.IN_REVIEW)
    finding = make_finding(draft, trust, duties[0])
    client.force_login(user)

    assert client.get(reverse("trust:evidence", kwargs={"pk": finding.pk})).status_code == 404
    assert client.get(reverse("trust:finding", kwargs={"pk": finding.pk})).status_code == 404


def test_unreviewed_finding_of_a_published_cycle_shows_its_automated_status(client, user, findings):
    client.force_login(user)
    unreviewed = findings[0][4]
    response = client.get(reverse("trust:finding", kwargs={"pk": unreviewed.pk}))
    assert response.status_code == 200
    assert '<strong class="govuk-tag app-status--met">Met</strong>' in response.content.decode()
    assert client.get(reverse("trust:evidence", kwargs={"pk": unreviewed.pk})).status_code == 200


def test_closed_cycle_stays_on_the_trusts_page(client, user, findings, published):
    AuditCycle.objects.filter(pk=published.pk).update(status=AuditCycle.Status.CLOSED)
    client.force_login(user)
    page = client.get(reverse("trust:status")).content.decode()
    assert "4 of 5 duties met in the 2007 web audit" in page
    assert "This audit is closed: its results are final." in page


def test_cancelled_cycle_shows_nothing_to_the_trust(client, user, trust, duties):
    cancelled = AuditCycleFactory(name="2010 web audit", status=AuditCycle.Status.CANCELLED)
    finding = make_finding(cancelled, trust, duties[0])
    client.force_login(user)
    page = client.get(reverse("trust:status")).content.decode()
    assert "2010 web audit" not in page
    assert "has not yet published" in page
    assert client.get(reverse("trust:finding", kwargs={"pk": finding.pk})).status_code == 404


def _portal_urls(findings, trust, author):
    finding = findings[0][0]
    answer = TrustResponse.objects.create(
        finding=finding, organisation=trust, author=author, comment="See", urls=["https://raa.nhs.example/a"]
    )
    return [
        reverse("trust:finding", kwargs={"pk": finding.pk}),
        reverse("trust:evidence", kwargs={"pk": finding.pk}),
        reverse("trust:response", kwargs={"pk": answer.pk}),
    ]


def test_owning_trust_opens_every_portal_page(client, user, trust, findings):
    client.force_login(user)
    for url in [reverse("trust:status"), *_portal_urls(findings, trust, user)]:
        assert client.get(url).status_code == 200, url


def test_another_trusts_user_gets_404_at_every_portal_page_with_our_ids(client, user, outsider, trust, findings):
    client.force_login(outsider)
    for url in _portal_urls(findings, trust, user):
        assert client.get(url).status_code == 404, url
    finding_url = reverse("trust:finding", kwargs={"pk": findings[0][0].pk})
    response = client.post(finding_url, {"comment": "x", "urls": "https://rbb.nhs.example/a"})
    assert response.status_code == 404
    assert not TrustResponse.objects.filter(organisation=outsider.organisation).exists()


def test_anonymous_visitor_is_sent_to_sign_in_from_every_portal_page(client, user, trust, findings):
    for url in [reverse("trust:status"), *_portal_urls(findings, trust, user)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["auditor", "reviewer", "signatory", "admin"])
def test_staff_are_refused_portal_pages(client, user, trust, findings, role):
    client.force_login(UserFactory(role=role))
    for url in [reverse("trust:status"), *_portal_urls(findings, trust, user)]:
        assert client.get(url).status_code == 403, url


def _answer(client, finding, comment="Our scheme is published here.", urls="https://www.raa.nhs.example/res.pdf"):
    return client.post(reverse("trust:finding", kwargs={"pk": finding.pk}), {"comment": comment, "urls": urls})


def test_trust_answers_a_finding_and_sees_the_response(client, user, trust, findings):
    client.force_login(user)
    finding = findings[0][3]

    response = _answer(client, finding, urls="https://www.raa.nhs.example/des.pdf\nhttps://docs.raa.nhs.example/d")

    answer = TrustResponse.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("trust:response", kwargs={"pk": answer.pk})
    assert (answer.finding, answer.organisation, answer.author) == (finding, trust, user)
    assert answer.urls == ["https://www.raa.nhs.example/des.pdf", "https://docs.raa.nhs.example/d"]
    # A published cycle can be rerun for that duty: the recheck is queued and the trust sees it.
    assert answer.status == TrustResponse.Status.RECHECKING
    page = client.get(response["Location"]).content.decode()
    assert "Our scheme is published here." in page


@pytest.mark.parametrize(
    "urls",
    [
        "https://rbb.nhs.example/des.pdf",
        "https://raa.nhs.example.evil.test/des.pdf",
        "https://evilraa.nhs.example/des.pdf",
        "ftp://www.raa.nhs.example/des.pdf",
    ],
)
def test_answer_with_an_address_off_the_trusts_site_rerenders_with_the_error(client, user, findings, urls):
    client.force_login(user)

    response = _answer(client, findings[0][3], urls=urls)

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert 'id="id_urls-error"' in response.content.decode()
    assert not TrustResponse.objects.exists()


def test_answer_on_the_bare_domain_of_a_www_website_is_accepted(client, user, findings):
    client.force_login(user)
    assert _answer(client, findings[0][3], urls="https://raa.nhs.example/des.pdf").status_code == 302


def test_answer_needs_one_to_five_addresses(client, user, findings):
    client.force_login(user)
    six = "\n".join(f"https://www.raa.nhs.example/{n}.pdf" for n in range(6))

    assert _answer(client, findings[0][3], urls="").status_code == 200
    assert _answer(client, findings[0][3], urls=six).status_code == 200
    assert not TrustResponse.objects.exists()


def test_answer_comment_is_limited_to_2000_characters(client, user, findings):
    client.force_login(user)

    response = _answer(client, findings[0][3], comment="x" * 2001)

    assert response.status_code == 200
    assert "2,000 characters or fewer" in response.content.decode()
    assert _answer(client, findings[0][3], comment="x" * 2000).status_code == 302


def test_answers_are_rate_limited_per_trust_per_day(client, user, trust, findings):
    client.force_login(user)
    for _ in range(MAX_RESPONSES_PER_DAY):
        assert _answer(client, findings[0][3]).status_code == 302

    response = _answer(client, findings[0][3])

    assert response.status_code == 200
    assert "Try again tomorrow" in response.content.decode()
    assert TrustResponse.objects.count() == MAX_RESPONSES_PER_DAY


def test_trust_without_a_website_on_the_register_cannot_give_addresses(client, published, duties):
    trust = OrganisationFactory(ods_code="RCC", website="")
    finding = make_finding(published, trust, duties[0])
    client.force_login(TrustUserFactory(organisation=trust))

    response = _answer(client, finding, urls="https://rcc.nhs.example/a")

    assert response.status_code == 200
    assert not TrustResponse.objects.exists()


# An answer's outcome


def test_answer_being_rechecked_says_recheck_queued(client, user, trust, findings):
    answer = TrustResponse.objects.create(
        finding=findings[0][3],
        organisation=trust,
        author=user,
        comment="Published last week",
        urls=["https://www.raa.nhs.example/des.pdf"],
        status=TrustResponse.Status.RECHECKING,
    )
    client.force_login(user)

    page = client.get(reverse("trust:response", kwargs={"pk": answer.pk})).content.decode()
    status = client.get(reverse("trust:status")).content.decode()

    assert ">Recheck queued</strong>" in page
    assert "The outcome will show here when the recheck ends." in page
    assert ">Recheck queued</strong>" in status


def _rechecked_answer(finding, author, outcome: str, evidence=None, note: str = "") -> TrustResponse:
    """A trust's answer, settled by the recheck it asked for."""
    return TrustResponse.objects.create(
        finding=finding,
        organisation=finding.organisation,
        author=author,
        comment="It is on our website",
        urls=["https://www.raa.nhs.example/des.html"],
        status=TrustResponse.Status.RESOLVED,
        resolution_note=note,
        rechecked_at=timezone.now(),
        outcome_status=outcome,
        outcome_evidence=evidence,
    )


def test_resolved_answer_shows_the_note_the_outcome_and_its_evidence(client, user, outsider, trust, findings):
    finding = findings[0][3]
    outcome = Evidence(
        site_check=finding.site_check,
        url="https://www.raa.nhs.example/des-2007.pdf",
        final_url="https://www.raa.nhs.example/des-2007.pdf",
        content_type="application/pdf",
        sha256="cd" * 32,
        fetched_at=timezone.now(),
        snippet="Our disability equality scheme 2006 to 2009",
    )
    outcome.file.save(outcome.sha256, ContentFile(PDF), save=False)
    outcome.save()
    answer = _rechecked_answer(finding, user, "met", outcome, "The recheck found your scheme.")
    client.force_login(user)

    page = client.get(reverse("trust:response", kwargs={"pk": answer.pk})).content.decode()

    assert ">Rechecked: met</strong>" in page
    assert "The recheck found your scheme." in page
    assert "What the recheck found" in page and '<strong class="govuk-tag app-status--met">Met</strong>' in page
    assert "Our disability equality scheme 2006 to 2009" in page
    download = reverse("trust:response_evidence", kwargs={"pk": answer.pk})
    assert download in page
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    client.force_login(outsider)
    assert client.get(download).status_code == 404
    assert client.get(reverse("trust:response", kwargs={"pk": answer.pk})).status_code == 404


def test_a_recheck_that_did_not_count_the_page_given_says_why_and_quotes_it_whole_words(client, user, trust, findings):
    finding = findings[0][3]  # reviewed not_met; the recheck agrees, and says why the page does not count
    finding.rationale = (
        "No published disability equality scheme was found. “Have your say” (web page, https://www.raa.nhs.example/"
        "des.html) mentions it, but does not count: it is a consultation or draft version, not the adopted document."
    )
    finding.save()
    snippet = "dom of information requests about the scheme are welcome. " + "Our services are involved " * 8
    outcome = Evidence.objects.create(
        site_check=finding.site_check,
        url="https://www.raa.nhs.example/des.html",
        final_url="https://www.raa.nhs.example/des.html",
        sha256="ef" * 32,
        fetched_at=timezone.now(),
        snippet=snippet[:220],
    )
    answer = _rechecked_answer(finding, user, "not_met", outcome, "Rechecked on 3 December 2026: no document found.")
    client.force_login(user)

    page = " ".join(client.get(reverse("trust:response", kwargs={"pk": answer.pk})).content.decode().split())

    assert "but it does not count: it is a consultation or draft version, not the adopted document." in page
    # The excerpt drops the word cut at its start and ends with an ellipsis where the text went on.
    assert ">…of information requests about the scheme are welcome." in page and "dom of" not in page
    assert page.split("app-snippet")[1].split("</blockquote>")[0].endswith("…")


def test_the_status_page_says_a_rechecks_outcome_once(client, user, trust, findings):
    _rechecked_answer(findings[0][3], user, "not_met")
    client.force_login(user)
    page = client.get(reverse("trust:status")).content.decode()
    assert page.count("still not met") == 1 and "not met</span>" not in page


def test_recheck_that_still_needs_a_person_reads_as_being_checked(client, user, trust, findings):
    answer = TrustResponse.objects.create(
        finding=findings[0][3],
        organisation=trust,
        author=user,
        comment="See",
        urls=["https://www.raa.nhs.example/des.pdf"],
        status=TrustResponse.Status.OPEN,
        rechecked_at=timezone.now(),
        outcome_status="review",
    )
    client.force_login(user)
    page = client.get(reverse("trust:response", kwargs={"pk": answer.pk})).content.decode()
    assert "Being checked by the regulator" in page
    assert "The recheck found no document for this duty." in page
    assert ">review<" not in page and "Needs review" not in page


def test_an_answer_whose_recheck_found_nothing_never_reads_as_sorted(client, user, trust, findings):
    finding = findings[0][3]
    answer = TrustResponse.objects.create(
        finding=finding,
        organisation=trust,
        author=user,
        comment="It is on our site.",
        urls=["https://www.raa.nhs.example/des.pdf"],
        status=TrustResponse.Status.RESOLVED,
        resolution_note="Rechecked on 3 December 2026: no document that meets the duty was found.",
        rechecked_at=timezone.now(),
        outcome_status="not_met",
    )
    client.force_login(user)

    for page in (client.get(reverse("trust:response", kwargs={"pk": answer.pk})), client.get(reverse("trust:status"))):
        words = page.content.decode()
        assert ">Rechecked: still not met</strong>" in words
        assert "Resolved" not in words
