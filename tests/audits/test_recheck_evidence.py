"""A recheck replaces only what it re-decided: every other finding keeps its evidence, the evidence
behind every earlier status stays reachable from the history, and a trust's answer is closed by its
outcome with an e-mail to the trust.

Each site check runs in-process against a real HTTP server on loopback (Celery publishing patched out).
"""

import datetime
import hashlib

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from audits import responses, review, services
from audits.models import AuditCycle, Evidence, Finding, FindingChange, SiteCheck, TrustResponse
from demo.serve import Page, SiteServer
from tests.audits.test_run_audit import DISABILITY, SCHEME
from tests.factories import OrganisationFactory, TrustUserFactory, UserFactory

pytestmark = pytest.mark.django_db

RES, DES = "race-equality-scheme", "disability-equality-scheme"


def _home(*links: tuple[str, str]) -> Page:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return Page(f"<html><head><title>Home</title></head><body><h1>Welcome</h1><ul>{items}</ul></body></html>".encode())


def _both_published() -> dict:
    return {
        "/": _home(("/docs/res.html", "Our race equality scheme"), ("/docs/des.html", "Disability equality scheme")),
        "/docs/res.html": Page(SCHEME.encode()),
        "/docs/des.html": Page(DISABILITY.encode()),
    }


@pytest.fixture
def pages():
    return _both_published()


@pytest.fixture
def server(pages):
    with SiteServer({"t": pages}, first_address="127.0.83.1") as server:
        yield server


@pytest.fixture
def trust(server, settings, monkeypatch):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    settings.SITE_URL = "https://audit.regulator.example"
    call_command("load_duties", verbosity=0)
    monkeypatch.setattr(services, "_enqueue", lambda ids, duty_codes=None: None)
    return OrganisationFactory(ods_code="RKE", name="Kestrel NHS Trust", website=server.url("t"))


@pytest.fixture
def check(trust):
    cycle = services.start_cycle("2007 web audit", datetime.date(2007, 4, 1), [RES, DES], [trust.ods_code])
    check = SiteCheck.objects.get(cycle=cycle)
    services.run_site_check(check.pk)
    return check


def _findings(check) -> dict[str, Finding]:
    return {f.duty.code: f for f in Finding.objects.filter(site_check__cycle=check.cycle).select_related("evidence")}


def _publish_reviewed(check) -> None:
    """The cycle as a trust sees it: every finding confirmed by a reviewer, then published."""
    reviewer = UserFactory(role="reviewer")
    for finding in _findings(check).values():
        review.review_finding(finding, reviewer, finding.status, "Confirmed.", finding.version)
    AuditCycle.objects.filter(pk=check.cycle_id).update(status=AuditCycle.Status.PUBLISHED)


def _withdraw(pages: dict, path: str) -> None:
    """The trust takes a document off its site, and the link to it."""
    del pages[path]
    links = [
        (p, t)
        for p, t in [("/docs/res.html", "Our race equality scheme"), ("/docs/des.html", "Disability equality scheme")]
        if p in pages
    ]
    pages["/"] = _home(*links)


def _recheck(check, *codes: str) -> None:
    services.recheck(SiteCheck.objects.get(pk=check.pk), list(codes) or None)
    services.run_site_check(check.pk, list(codes) or None)


def _sha(response) -> str:
    assert response.status_code == 200, response.status_code
    return hashlib.sha256(b"".join(response.streaming_content)).hexdigest()


def test_a_recheck_of_one_duty_keeps_the_other_duties_evidence_for_staff_and_the_trust(client, trust, check):
    before = _findings(check)
    assert {code: f.status for code, f in before.items()} == {RES: "met", DES: "met"}
    kept_sha = before[DES].evidence.sha256
    assert kept_sha == hashlib.sha256(DISABILITY.encode()).hexdigest()
    _publish_reviewed(check)

    _recheck(check, RES)

    after = _findings(check)
    assert after[DES].evidence_id == before[DES].evidence_id
    assert after[DES].reviewed_status == "met"
    client.force_login(UserFactory(role="reviewer"))
    staff_copy = reverse("audits:finding_stored_copy", args=[check.cycle_id, after[DES].pk])
    assert _sha(client.get(staff_copy)) == kept_sha
    page = client.get(reverse("audits:finding_detail", args=[check.cycle_id, after[DES].pk])).content.decode()
    assert kept_sha in page and "No evidence was kept" not in page
    client.force_login(TrustUserFactory(organisation=trust))
    assert _sha(client.get(reverse("trust:evidence", kwargs={"pk": after[DES].pk}))) == kept_sha


def test_a_recheck_of_the_whole_trust_deletes_no_evidence_and_keeps_every_earlier_copy(client, pages, check):
    old = _findings(check)[RES].evidence
    pages["/docs/res.html"] = Page(SCHEME.replace("Our action plan is below.", "Our action plan, revised.").encode())

    _recheck(check)

    finding = _findings(check)[RES]
    assert finding.evidence_id != old.pk
    assert Evidence.objects.filter(pk=old.pk).exists()
    entries = list(finding.history.order_by("id"))
    assert [(e.from_status, e.to_status, e.evidence_id) for e in entries] == [
        ("", "met", old.pk),
        ("met", "met", finding.evidence_id),
    ]
    assert entries[1].reason.startswith("Rechecked: still met.")
    # The copy behind the first entry is still served, byte for byte, from the finding's history.
    client.force_login(UserFactory(role="auditor"))
    first_copy = reverse("audits:finding_change_stored_copy", args=[check.cycle_id, finding.pk, entries[0].pk])
    assert _sha(client.get(first_copy)) == old.sha256 == hashlib.sha256(SCHEME.encode()).hexdigest()
    page = client.get(reverse("audits:finding_detail", args=[check.cycle_id, finding.pk])).content.decode()
    assert first_copy in page and old.sha256 in page and finding.evidence.sha256 in page


def test_a_history_entrys_copy_is_looked_up_through_its_finding_and_for_staff_only(client, trust, check):
    findings = _findings(check)
    res_entry = findings[RES].history.get()
    client.force_login(UserFactory(role="auditor"))
    # The entry of one finding asked for through another answers 404.
    wrong = reverse("audits:finding_change_stored_copy", args=[check.cycle_id, findings[DES].pk, res_entry.pk])
    assert client.get(wrong).status_code == 404
    right = reverse("audits:finding_change_stored_copy", args=[check.cycle_id, findings[RES].pk, res_entry.pk])
    assert client.get(right).status_code == 200
    client.force_login(TrustUserFactory(organisation=trust))
    assert client.get(right).status_code == 403


def test_running_the_same_check_twice_changes_nothing(check):
    before = _findings(check)
    SiteCheck.objects.filter(pk=check.pk).update(state=SiteCheck.State.QUEUED)  # delivered a second time

    services.run_site_check(check.pk)

    after = _findings(check)
    assert {c: (f.evidence_id, f.version) for c, f in after.items()} == {
        c: (f.evidence_id, f.version) for c, f in before.items()
    }
    assert Evidence.objects.filter(site_check=check).count() == 2
    assert FindingChange.objects.filter(finding__cycle=check.cycle).count() == 2


def test_a_recheck_that_differs_from_the_review_sends_the_finding_back_to_a_reviewer(pages, check):
    _publish_reviewed(check)
    _withdraw(pages, "/docs/des.html")

    _recheck(check, DES)

    finding = _findings(check)[DES]
    assert (finding.status, finding.reviewed_status, finding.reviewed_by) == ("not_met", "", None)
    assert finding in review.review_queue(check.cycle)
    kinds = [(e.kind, e.from_status, e.to_status) for e in finding.history.order_by("id")]
    assert kinds == [("automated", "", "met"), ("review", "met", "met"), ("automated", "met", "not_met")]
    assert "needs a reviewer again" in finding.history.order_by("id").last().reason


def test_a_recheck_that_agrees_with_the_review_keeps_it(pages, check):
    reviewer = UserFactory(role="reviewer")
    finding = _findings(check)[DES]
    review.review_finding(finding, reviewer, "not_met", "The scheme is not what the duty asks.", finding.version)
    _withdraw(pages, "/docs/des.html")

    _recheck(check, DES)

    finding = _findings(check)[DES]
    assert (finding.status, finding.reviewed_status, finding.reviewed_by) == ("not_met", "not_met", reviewer)


@pytest.fixture
def answered(trust, pages, check, django_capture_on_commit_callbacks):
    """The race equality scheme was missing; the trust publishes it and answers its not met finding."""
    _withdraw(pages, "/docs/res.html")
    _recheck(check, RES)
    _publish_reviewed(check)
    finding = _findings(check)[RES]
    assert finding.reviewed_status == "not_met"
    pages.update(_both_published())
    author = TrustUserFactory(organisation=trust, email="ana@kestrel.example")
    TrustUserFactory(organisation=trust, email="ben@kestrel.example")
    TrustUserFactory(organisation=trust, email="gone@kestrel.example", is_active=False)
    TrustUserFactory(email="someone@other.example")  # another trust's user
    with django_capture_on_commit_callbacks(execute=True):
        answer = responses.submit_response(finding, author, "Published today.", [trust.website + "docs/res.html"])
    assert answer.status == TrustResponse.Status.RECHECKING
    return answer


def test_the_recheck_an_answer_asked_for_resolves_it_and_tells_the_trust(
    client, check, answered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.run_site_check(check.pk, [RES])

    answered.refresh_from_db()
    finding = _findings(check)[RES]
    assert finding.status == "met"
    assert answered.status == TrustResponse.Status.RESOLVED
    assert (answered.outcome_status, answered.outcome_evidence) == ("met", finding.evidence)
    assert answered.rechecked_at is not None and answered.resolved_by is None
    assert answered.resolution_note.startswith("Rechecked on ")
    assert answered.resolution_note.endswith(": the document was found and the duty is met.")

    link = "https://audit.regulator.example" + reverse("trust:response", kwargs={"pk": answered.pk})
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@kestrel.example", "ben@kestrel.example"]
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.attachments
        assert link in message.body and "Outcome: Met." in message.body
        assert answered.resolution_note in message.body

    # Staff see the outcome and the new evidence on the answer.
    client.force_login(UserFactory(role="reviewer"))
    page = client.get(reverse("responses:resolved")).content.decode()
    assert "Kestrel NHS Trust" in page and "Met" in page and finding.evidence.sha256 in page


def test_a_recheck_that_cannot_decide_sends_the_answer_back_to_the_regulator(
    pages, check, answered, django_capture_on_commit_callbacks
):
    pages["/docs/res.html"] = Page(b"%PDF-1.4 broken", "application/pdf")
    pages["/"] = _home(("/docs/res.pdf", "Our race equality scheme"), ("/docs/des.html", "Disability equality scheme"))
    pages["/docs/res.pdf"] = Page(b"%PDF-1.4 broken", "application/pdf")

    with django_capture_on_commit_callbacks(execute=True):
        services.run_site_check(check.pk, [RES])

    answered.refresh_from_db()
    assert answered.status == TrustResponse.Status.OPEN
    assert answered.outcome_status == "review"
    assert "The regulator will review it." in answered.resolution_note
    assert answered.resolved_at is None and answered.rechecked_at is not None
    assert len(mail.outbox) == 2
    assert "Outcome: Being checked by the regulator." in mail.outbox[0].body


def test_a_scanned_pdf_behind_a_review_finding_is_stored_with_its_sha256(client, pages, check):
    from tests.audits.test_extraction import make_image_only_pdf

    scanned = make_image_only_pdf()
    pages["/"] = _home(("/docs/res.pdf", "Our race equality scheme"), ("/docs/des.html", "Disability equality scheme"))
    pages["/docs/res.pdf"] = Page(scanned, "application/pdf")

    _recheck(check, RES)

    finding = _findings(check)[RES]
    assert finding.status == "review"
    evidence = finding.evidence
    assert evidence.sha256 == hashlib.sha256(scanned).hexdigest()
    assert (evidence.size, evidence.status_code, evidence.content_type) == (len(scanned), 200, "application/pdf")
    assert "scanned" in evidence.error
    client.force_login(UserFactory(role="reviewer"))
    assert _sha(client.get(reverse("audits:finding_stored_copy", args=[check.cycle_id, finding.pk]))) == (
        evidence.sha256
    )
    page = client.get(reverse("audits:finding_detail", args=[check.cycle_id, finding.pk])).content.decode()
    assert "No text could be read from this document (it may be a scanned image)." in page
    assert "?download=1" in page


def test_readable_evidence_keeps_the_text_read_from_it(check):
    evidence = _findings(check)[DES].evidence
    assert "Disability Equality Scheme 2006-2009" in evidence.text
    assert "promote positive attitudes" in evidence.text


def test_the_recheck_reads_the_addresses_the_trust_gave_even_when_no_page_links_them(
    trust, pages, check, django_capture_on_commit_callbacks
):
    _withdraw(pages, "/docs/res.html")
    _recheck(check, RES)
    _publish_reviewed(check)
    pages["/equality/unlinked-res.html"] = Page(SCHEME.encode())  # published, but no page links to it yet
    author = TrustUserFactory(organisation=trust)
    finding = _findings(check)[RES]
    with django_capture_on_commit_callbacks(execute=True):
        answer = responses.submit_response(
            finding, author, "It is here.", [trust.website + "equality/unlinked-res.html"]
        )

    services.run_site_check(check.pk, [RES])

    finding = _findings(check)[RES]
    assert finding.status == "met"
    assert finding.evidence.final_url.endswith("/equality/unlinked-res.html")
    answer.refresh_from_db()
    assert (answer.status, answer.outcome_status) == (TrustResponse.Status.RESOLVED, "met")
