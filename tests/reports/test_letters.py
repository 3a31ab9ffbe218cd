"""Shared set-up for the letter tests: a cycle in review, a trust with one met and one unmet duty."""

import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audits.models import AuditCycle, Finding
from reports import letters, pdf, tasks
from reports.models import Letter, LetterError
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from trusts.models import ActivityRecord


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def cycle(db):
    return AuditCycleFactory(name="2007 web audit", status=AuditCycle.Status.PUBLISHED)


@pytest.fixture
def trust(db):
    return OrganisationFactory(
        ods_code="RZA",
        name="Riverside Acute NHS Trust",
        chief_executive="Dr Jane Smith",
        address="Riverside House\nRiver Road\nLeeds",
        postcode="LS1 4AB",
    )


@pytest.fixture
def other_trust(db):
    return OrganisationFactory(ods_code="RYY", name="Hillside NHS Trust")


def add_findings(cycle, organisation, statuses: dict[str, str]):
    check = SiteCheckFactory(cycle=cycle, organisation=organisation)
    duties = {
        "race-equality-scheme": DutyFactory(
            code="race-equality-scheme",
            title="Race equality scheme",
            legal_basis="Race Relations Act 1976, s. 71(1)",
            citation="SI 2001/3458, art. 2",
            requirement="A race equality scheme with an action plan, reviewed every three years.",
            sort_order=1,
        ),
        "race-employment-monitoring": DutyFactory(
            code="race-employment-monitoring",
            title="Ethnic monitoring of the workforce",
            legal_basis="Race Relations Act 1976 (Statutory Duties) Order 2001",
            citation="SI 2001/3458, art. 5",
            requirement="The annual results of ethnic monitoring of staff in post and applicants.",
            sort_order=2,
        ),
    }
    for code, status in statuses.items():
        FindingFactory(site_check=check, duty=duties[code], status=status, rationale=f"Checked {code}.")


@pytest.fixture
def findings(cycle, trust):
    add_findings(cycle, trust, {"race-equality-scheme": "met", "race-employment-monitoring": "not_met"})


@pytest.fixture
def signatory(db):
    return UserFactory(role="signatory", first_name="Anna", last_name="Lyons", job_title="Head of Equality Audit")


@pytest.fixture
def trust_user(trust):
    return TrustUserFactory(organisation=trust, email="ceo-office@riverside.example")


@pytest.fixture
def issued(cycle, trust, findings, signatory, trust_user):
    letter = letters.draft_letter(cycle, trust)
    letter = letters.approve_letter(letter, signatory)
    return letters.issue_letter(letter, signatory)


# Drafting


def test_draft_states_the_effective_findings_and_addresses_the_chief_executive(cycle, trust, findings):
    letter = letters.draft_letter(cycle, trust)

    assert letter.status == Letter.Status.DRAFT
    assert letter.kind == Letter.Kind.ACTION_REQUIRED
    assert letter.reference == "EDA/2007WEBAUDIT/RZA/001"
    assert letter.template_name == "letters/action_required/v2.html"
    assert letter.template_version == "v2"
    assert letter.addressee == "Dr Jane Smith"
    assert letter.address == "Riverside Acute NHS Trust\nRiverside House\nRiver Road\nLeeds\nLS1 4AB"
    assert [(f["duty"], f["status"]) for f in letter.findings] == [
        ("race-equality-scheme", "met"),
        ("race-employment-monitoring", "not_met"),
    ]


def test_reviewed_status_wins_over_the_automated_one(cycle, trust, findings):
    Finding.objects.filter(duty__code="race-employment-monitoring").update(
        reviewed_status="met", review_reason="Found on the intranet mirror."
    )

    letter = letters.draft_letter(cycle, trust)

    assert letter.kind == Letter.Kind.COMPLIANT
    assert letter.findings[1]["rationale"] == "Found on the intranet mirror."


def test_trust_without_a_chief_executive_is_addressed_to_the_office(cycle, other_trust):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})

    assert letters.draft_letter(cycle, other_trust).addressee == "The Chief Executive"


def test_unreviewed_findings_block_a_draft(cycle, trust):
    add_findings(cycle, trust, {"race-equality-scheme": "review"})

    with pytest.raises(LetterError, match="need review"):
        letters.draft_letter(cycle, trust)


@pytest.mark.parametrize("status", [AuditCycle.Status.RUNNING, AuditCycle.Status.IN_REVIEW])
def test_letters_wait_for_the_cycle_to_be_published(cycle, trust, findings, status):
    # A letter states findings the trust must be able to read and answer on its own page.
    cycle.status = status
    cycle.save()

    with pytest.raises(LetterError, match="once its results are published"):
        letters.draft_letter(cycle, trust)
    assert "once its results are published" in letters.trusts_without_letter(cycle)[0].reason


def test_a_letter_drafted_before_its_cycle_was_unpublished_is_not_issued(cycle, trust, findings, signatory):
    letter = letters.approve_letter(letters.draft_letter(cycle, trust), signatory)
    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.IN_REVIEW)
    letter.refresh_from_db()

    with pytest.raises(LetterError, match="once its results are published"):
        letters.issue_letter(letter, signatory)


def test_still_unmet_after_an_earlier_warning_whose_deadline_passed_is_a_final_notice(issued, trust):
    # The earlier letter's deadline has passed (set directly: an issued letter cannot be saved).
    Letter.objects.filter(pk=issued.pk).update(deadline=datetime.date(2008, 1, 31))
    later = AuditCycleFactory(name="2008 web audit", audit_date=datetime.date(2008, 4, 1), status="published")
    add_findings(later, trust, {"race-equality-scheme": "met", "race-employment-monitoring": "not_met"})

    letter = letters.draft_letter(later, trust)

    assert letter.kind == Letter.Kind.FINAL_NOTICE
    assert letter.reference == "EDA/2008WEBAUDIT/RZA/001"


def test_no_final_notice_while_the_earlier_warning_still_runs(issued, trust):
    later = AuditCycleFactory(name="2008 web audit", audit_date=datetime.date(2008, 4, 1), status="published")
    add_findings(later, trust, {"race-employment-monitoring": "not_met"})

    assert issued.deadline >= datetime.date.today()
    assert letters.draft_letter(later, trust).kind == Letter.Kind.ACTION_REQUIRED


def test_drafting_every_letter_of_a_cycle_twice_makes_no_duplicates(cycle, trust, other_trust, findings):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})

    first = letters.draft_letters_for_cycle(cycle)
    second = letters.draft_letters_for_cycle(cycle)

    assert (first.done, second.done) == (2, 0)
    assert Letter.objects.filter(cycle=cycle).count() == 2
    assert letters.cycle_progress(cycle)["draft"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_run_that_races_another_drafts_only_the_trusts_still_without_a_letter(
    cycle, trust, other_trust, findings, monkeypatch
):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})
    warned = letters._warned

    def another_run_drafts_first(*args):
        # Another run drafts the first trust's letter after this one listed the trusts without one.
        monkeypatch.setattr(letters, "_warned", warned)
        letters.draft_letter(cycle, trust)
        return warned(*args)

    monkeypatch.setattr(letters, "_warned", another_run_drafts_first)

    result = letters.draft_letters_for_cycle(cycle)

    assert result.done == 1
    assert "already has letter" in result.skipped[trust.ods_code]
    current = Letter.objects.filter(cycle=cycle).exclude(status=Letter.Status.WITHDRAWN)
    assert sorted(current.values_list("organisation__ods_code", flat=True)) == sorted(
        [trust.ods_code, other_trust.ods_code]
    )


def test_a_second_current_letter_for_one_trust_is_refused(cycle, trust, findings):
    letters.draft_letter(cycle, trust)

    with pytest.raises(LetterError, match="already has letter"):
        letters.draft_letter(cycle, trust)


def test_draft_task_drafts_the_cycle(cycle, trust, findings, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("reports.tasks.draft_letters.delay", lambda cycle_id: tasks.draft_letters(cycle_id))

    with django_capture_on_commit_callbacks(execute=True):
        letters.queue_draft_letters(cycle)

    assert Letter.objects.get(cycle=cycle).organisation == trust


def test_draft_keeps_the_address_it_was_drafted_with(cycle, trust, findings):
    letter = letters.draft_letter(cycle, trust)
    trust.address, trust.postcode = "New House\nYork", "YO1 1AA"
    trust.save()

    html = letters.render_letter_html(Letter.objects.get(pk=letter.pk))

    assert "River Road" in html and "LS1 4AB" in html
    assert "New House" not in html


def test_bulk_draft_lets_a_new_letter_replace_a_withdrawn_issued_one(issued, cycle, signatory):
    letters.withdraw_letter(issued, signatory, "Wrong address.")

    result = letters.draft_letters_for_cycle(cycle)

    correction = Letter.objects.get(cycle=cycle, status=Letter.Status.DRAFT)
    assert result.done == 1
    assert correction.replaces == issued


def test_trusts_without_a_letter_are_listed_with_the_reason(cycle, trust, other_trust, findings):
    add_findings(cycle, other_trust, {"race-equality-scheme": "review", "race-employment-monitoring": "error"})
    third = OrganisationFactory(ods_code="RXX", name="Another NHS Trust")
    add_findings(cycle, third, {"race-equality-scheme": "met"})
    letters.draft_letter(cycle, third)

    rows = {row.ods_code: row.reason for row in letters.trusts_without_letter(cycle)}
    skipped = letters.draft_letters_for_cycle(cycle).skipped

    assert set(rows) == {"RZA", "RYY"}
    assert rows["RYY"] == (
        "Findings still wait for a reviewer's decision: "
        "Race equality scheme (needs review); Ethnic monitoring of the workforce (error)."
    )
    assert rows["RZA"].startswith("Not yet drafted")
    assert list(skipped) == ["RYY"] and "need review" in skipped["RYY"]
    assert letters.cycle_progress(cycle)["without_letter"] == 1


# Approving and issuing


@pytest.mark.parametrize(
    "name, job_title, missing",
    [("Anna Lyons", "", "no job title"), ("", "Head of Equality Audit", "no full name"), ("", "", "no full name")],
)
def test_a_signatory_without_a_full_name_or_job_title_cannot_sign(cycle, trust, findings, name, job_title, missing):
    first, _, last = name.partition(" ")
    person = UserFactory(role="signatory", first_name=first, last_name=last, job_title=job_title)
    letter = letters.draft_letter(cycle, trust)

    with pytest.raises(LetterError, match="Add your full name and job title") as refused:
        letters.approve_letter(letter, person)

    assert missing in str(refused.value)
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.DRAFT


def test_only_a_draft_is_approved_and_only_an_approved_letter_is_issued(cycle, trust, findings, signatory):
    letter = letters.draft_letter(cycle, trust)
    with pytest.raises(LetterError, match="only an approved"):
        letters.issue_letter(letter, signatory)

    letter = letters.approve_letter(letter, signatory)

    assert (letter.signatory_name, letter.signatory_title) == ("Anna Lyons", "Head of Equality Audit")
    with pytest.raises(LetterError, match="only a draft"):
        letters.approve_letter(letter, signatory)


def _pdf(letter) -> PdfReader:
    with letter.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def test_issued_pdf_names_the_trust_the_unmet_duty_its_law_and_the_deadline(issued):
    text = " ".join(" ".join(page.extract_text().split()) for page in _pdf(issued).pages)

    assert issued.status == Letter.Status.ISSUED
    assert issued.deadline == timezone.localdate(issued.issued_at) + datetime.timedelta(days=28)
    assert "Riverside Acute NHS Trust" in text
    assert "Dr Jane Smith" in text
    assert "EDA/2007WEBAUDIT/RZA/001" in text
    assert "Ethnic monitoring of the workforce" in text
    assert "Race Relations Act 1976 (Statutory Duties) Order 2001" in text
    assert "SI 2001/3458, art. 5" in text
    assert "annual results of ethnic monitoring" in text
    assert issued.deadline.strftime("%-d %B %Y") in text
    assert "Anna Lyons" in text
    assert "Page 1 of 1" in text or "Page 1 of 2" in text


def test_issued_pdf_is_tagged_with_title_author_and_language(settings, cycle, trust, findings, signatory):
    settings.REGULATOR_NAME = "Care Standards Regulator"
    issued = letters.issue_letter(letters.approve_letter(letters.draft_letter(cycle, trust), signatory), signatory)
    reader = _pdf(issued)

    assert reader.metadata.title == "Letter EDA/2007WEBAUDIT/RZA/001 to Riverside Acute NHS Trust"
    assert reader.metadata.author == "Care Standards Regulator"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_a_letter_that_asks_for_nothing_has_no_deadline_anywhere(client, cycle, trust, signatory):
    add_findings(cycle, trust, {"race-equality-scheme": "met", "race-employment-monitoring": "met"})
    letter = letters.issue_letter(letters.approve_letter(letters.draft_letter(cycle, trust), signatory), signatory)

    assert letter.kind == Letter.Kind.COMPLIANT and letter.deadline is None
    text = " ".join(" ".join(page.extract_text().split()) for page in _pdf(letter).pages)
    assert "You need do nothing in answer to this letter" in text
    client.force_login(signatory)
    assert "deadline" not in client.get(reverse("letters:detail", args=[letter.pk])).content.decode().lower()


def test_issue_records_the_files_sha256_and_stores_it_privately(issued):
    with issued.pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == issued.sha256
    assert issued.pdf.name.startswith("letters/")
    assert letters.verify_letter_file(issued)[:5] == b"%PDF-"


def test_issue_emails_the_trusts_active_users_a_portal_link_not_the_file(
    cycle, trust, findings, signatory, django_capture_on_commit_callbacks
):
    TrustUserFactory(organisation=trust, email="a@riverside.example")
    TrustUserFactory(organisation=trust, email="gone@riverside.example", is_active=False)
    TrustUserFactory(email="someone@elsewhere.example")
    letter = letters.approve_letter(letters.draft_letter(cycle, trust), signatory)

    with django_capture_on_commit_callbacks(execute=True):
        letters.issue_letter(letter, signatory)

    assert [m.to for m in mail.outbox] == [["a@riverside.example"]]
    message = mail.outbox[0]
    assert "http://testserver.example/letters/mine/" in message.body
    assert message.attachments == []


def test_an_issued_letter_cannot_be_issued_again(issued, signatory):
    with pytest.raises(LetterError, match="only an approved"):
        letters.issue_letter(issued, signatory)


def test_a_letter_withdrawn_while_its_pdf_was_rendered_is_not_issued(settings, cycle, trust, findings, signatory):
    approved = letters.approve_letter(letters.draft_letter(cycle, trust), signatory)
    # Someone else withdraws it while this worker, holding it as approved, renders its PDF.
    letters.withdraw_letter(Letter.objects.get(pk=approved.pk), signatory, "Sent to the wrong trust.")

    with pytest.raises(LetterError, match="was withdrawn meanwhile"):
        letters.issue_letter(approved, signatory)

    stored = Letter.objects.get(pk=approved.pk)
    assert (stored.status, stored.issued_at, stored.sha256, stored.pdf.name) == (Letter.Status.WITHDRAWN, None, "", "")
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))  # the rendered file is not left behind
    assert not mail.outbox


def test_an_issued_letter_cannot_be_edited(issued):
    issued.findings = []
    with pytest.raises(LetterError, match="cannot change"):
        issued.save()

    issued.refresh_from_db()
    issued.pdf.name = "letters/other.pdf"
    with pytest.raises(LetterError, match="cannot change"):
        issued.save()

    issued.refresh_from_db()
    issued.status = Letter.Status.DRAFT
    with pytest.raises(LetterError):
        issued.save()


def test_an_issued_letter_cannot_be_deleted(issued):
    with pytest.raises(LetterError, match="never deleted"):
        issued.delete()


def test_findings_changed_after_the_draft_stop_the_issue(cycle, trust, findings, signatory):
    letter = letters.approve_letter(letters.draft_letter(cycle, trust), signatory)
    Finding.objects.filter(duty__code="race-employment-monitoring").update(reviewed_status="met", review_reason="x")

    with pytest.raises(LetterError, match="changed"):
        letters.issue_letter(letter, signatory)
    assert not Letter.objects.get(pk=letter.pk).pdf


# Withdrawing and replacing


def test_withdrawal_keeps_the_file_and_a_correction_replaces_the_letter(issued, cycle, trust, signatory):
    with pytest.raises(LetterError, match="why"):
        letters.withdraw_letter(issued, signatory, "  ")

    withdrawn = letters.withdraw_letter(issued, signatory, "Wrong addressee.")
    correction = letters.draft_letter(cycle, trust, replaces=withdrawn)

    assert withdrawn.status == Letter.Status.WITHDRAWN
    assert withdrawn.withdrawal_reason == "Wrong addressee."
    assert letters.verify_letter_file(withdrawn)
    assert correction.replaces == withdrawn
    assert correction.reference == "EDA/2007WEBAUDIT/RZA/002"
    assert "replaces our letter EDA/2007WEBAUDIT/RZA/001" in letters.render_letter_html(correction)
    with pytest.raises(LetterError, match="already withdrawn"):
        letters.withdraw_letter(withdrawn, signatory, "Again.")


def test_a_letter_whose_findings_changed_after_drafting_is_not_issued(cycle, trust, other_trust, findings, signatory):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})
    letters.draft_letters_for_cycle(cycle)
    letters.approve_letters(Letter.objects.filter(cycle=cycle), signatory)
    Finding.objects.filter(organisation=trust, duty__code="race-employment-monitoring").update(
        reviewed_status="met", review_reason="Published on the careers page."
    )

    result = letters.issue_letters(Letter.objects.filter(cycle=cycle), signatory)

    assert result.done == 1
    assert list(result.skipped) == ["EDA/2007WEBAUDIT/RZA/001"]
    assert "changed after letter EDA/2007WEBAUDIT/RZA/001 was drafted" in result.skipped["EDA/2007WEBAUDIT/RZA/001"]
    with pytest.raises(LetterError, match="changed after"):
        letters.issue_letter(Letter.objects.get(organisation=trust), signatory)
    assert Letter.objects.get(organisation=trust).status == Letter.Status.APPROVED
    assert Letter.objects.get(organisation=other_trust).status == Letter.Status.ISSUED


def test_a_bulk_issue_over_a_pool_of_processes_gives_each_trust_its_own_letter(cycle, signatory):
    trusts = [OrganisationFactory(ods_code=f"RT{n}", name=f"Pooled Trust {n} NHS Trust") for n in range(pdf.POOL_FROM)]
    for n, organisation in enumerate(trusts):
        add_findings(cycle, organisation, {"race-equality-scheme": "met", "race-employment-monitoring": "not_met"})
        if n % 2:
            Finding.objects.filter(organisation=organisation).update(status="met")
    letters.draft_letters_for_cycle(cycle)
    letters.approve_letters(Letter.objects.filter(cycle=cycle), signatory)

    result = letters.issue_letters(Letter.objects.filter(cycle=cycle), signatory, processes=2)

    assert result.done == len(trusts)
    for n, organisation in enumerate(trusts):
        text = " ".join(" ".join(page.extract_text().split()) for page in _pdf(organisation.letters.get()).pages)
        assert f"We checked the website of Pooled Trust {n} NHS Trust" in text
        assert ("met every duty" if n % 2 else "action required") in text


def test_bulk_approval_signs_every_draft_once_and_records_each(cycle, trust, other_trust, findings, signatory):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})
    letters.draft_letters_for_cycle(cycle)
    already = letters.approve_letter(Letter.objects.get(organisation=trust), signatory)
    unsigned = UserFactory(role="signatory", first_name="Sam", last_name="Nobody", job_title="")

    with pytest.raises(LetterError, match="no job title"):
        letters.approve_letters(Letter.objects.filter(cycle=cycle), unsigned)
    assert Letter.objects.get(organisation=other_trust).status == Letter.Status.DRAFT

    result = letters.approve_letters(Letter.objects.filter(cycle=cycle), signatory, address="192.0.2.7")

    assert result.done == 1  # the other letter was approved already
    approved = Letter.objects.get(organisation=other_trust)
    assert approved.status == Letter.Status.APPROVED and approved.approved_by == signatory
    assert (approved.signatory_name, approved.signatory_title) == ("Anna Lyons", "Head of Equality Audit")
    assert Letter.objects.get(pk=already.pk).approved_at == already.approved_at
    entries = ActivityRecord.objects.filter(action="reports.letter.approved").order_by("pk")
    assert [(e.target_repr, e.user, e.ip_address) for e in entries] == [
        (already.reference, signatory, None),
        (approved.reference, signatory, "192.0.2.7"),
    ]


def test_bulk_approve_and_issue_report_their_counts(cycle, trust, other_trust, findings, signatory):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})
    letters.draft_letters_for_cycle(cycle)

    approved = letters.approve_letters(Letter.objects.filter(cycle=cycle), signatory)
    issued = tasks.issue_letters(cycle.pk, signatory.pk)

    assert approved.done == 2
    assert issued == "2 done"
    assert letters.cycle_progress(cycle)["issued"] == 2
    compliant = Letter.objects.get(organisation=other_trust)
    assert compliant.kind == Letter.Kind.COMPLIANT
    assert "met every duty" in " ".join(_pdf(compliant).pages[0].extract_text().split())
