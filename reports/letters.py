"""Compliance letters: draft from the effective findings, approve, issue once as a PDF, withdraw.

Each transition checks the letter's current state and raises LetterError when the move is not allowed.
Rendering takes a quarter of a second, so it runs outside any transaction; the issue is then claimed
with a locked re-read, so two workers issuing one letter cannot both succeed.
"""

import datetime
import hashlib
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCycle, Finding, FindingStatus
from trusts import activity
from trusts.models import Organisation

from .models import Letter, LetterError

logger = logging.getLogger(__name__)

TEMPLATE_VERSION = "v1"
DEADLINE_DAYS = 28
DEFAULT_ADDRESSEE = "The Chief Executive"
DEFAULT_SIGNATORY_TITLE = "Head of Equality Audit"
REGULATOR_NAME = "Equality Duties Audit, NHS regulator"
# Letters state reviewed results, so they are drafted once a cycle's findings are in review or published.
LETTER_CYCLE_STATUSES = (AuditCycle.Status.IN_REVIEW, AuditCycle.Status.PUBLISHED)

__all__ = ["LetterError"]


def template_for(kind: str) -> str:
    return f"letters/{kind}/{TEMPLATE_VERSION}.html"


def reference_for(cycle: AuditCycle, organisation: Organisation, sequence: int) -> str:
    """A reference a person can read down the phone: EDA/<cycle>/<ODS code>/<sequence>."""
    slug = re.sub(r"[^A-Z0-9]", "", cycle.name.upper())[:16] or f"C{cycle.pk}"
    reference = f"EDA/{slug}/{organisation.ods_code}/{sequence:03d}"
    if Letter.objects.filter(reference=reference).exclude(cycle=cycle).exists():
        # Two cycle names that differ only in punctuation or after 16 characters.
        reference = f"EDA/{slug}-{cycle.pk}/{organisation.ods_code}/{sequence:03d}"
    return reference


def snapshot_findings(cycle: AuditCycle, organisation: Organisation) -> list[dict]:
    """The trust's findings in the cycle as a letter states them: effective status, duty text, evidence."""
    findings = (
        Finding.objects.with_effective_status()
        .filter(cycle=cycle, organisation=organisation)
        .select_related("duty", "evidence")
        .order_by("duty__sort_order", "duty__code")
    )
    return [
        {
            "duty": f.duty.code,
            "title": f.duty.title,
            "status": f.effective,
            "legal_basis": f.duty.legal_basis,
            "citation": f.duty.citation,
            "requirement": f.duty.requirement,
            "guidance": f.duty.guidance,
            "rationale": f.review_reason if f.reviewed_status else f.rationale,
            "evidence_url": (f.evidence.final_url or f.evidence.url) if f.evidence else "",
        }
        for f in findings
    ]


def _kind_for(cycle: AuditCycle, organisation: Organisation, findings: list[dict]) -> str:
    if all(f["status"] == FindingStatus.MET for f in findings):
        return Letter.Kind.COMPLIANT
    warned_before = Letter.objects.filter(
        organisation=organisation,
        cycle__audit_date__lt=cycle.audit_date,
        status=Letter.Status.ISSUED,
        kind__in=(Letter.Kind.ACTION_REQUIRED, Letter.Kind.FINAL_NOTICE),
    ).exists()
    return Letter.Kind.FINAL_NOTICE if warned_before else Letter.Kind.ACTION_REQUIRED


def _check_findings_settled(organisation: Organisation, findings: list[dict]) -> None:
    if not findings:
        raise LetterError(f"{organisation.name} has no findings in this cycle.")
    unsettled = [f["duty"] for f in findings if f["status"] not in (FindingStatus.MET, FindingStatus.NOT_MET)]
    if unsettled:
        raise LetterError(
            f"{organisation.name} has findings that still need review ({', '.join(unsettled)}); "
            "review them before drafting a letter."
        )


def draft_letter(cycle: AuditCycle, organisation: Organisation, replaces: Letter | None = None) -> Letter:
    """A draft letter stating the trust's current effective findings in the cycle."""
    if cycle.status not in LETTER_CYCLE_STATUSES:
        raise LetterError(f"{cycle} is {cycle.get_status_display().lower()}; letters follow review.")
    if replaces is not None and (replaces.status != Letter.Status.WITHDRAWN or not replaces.is_issued):
        raise LetterError(f"Only an issued letter that has been withdrawn can be replaced; {replaces} is not.")
    findings = snapshot_findings(cycle, organisation)
    _check_findings_settled(organisation, findings)
    with transaction.atomic():
        # Lock the trust row so that two drafts for one trust take their sequence numbers in turn.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        current = Letter.objects.filter(cycle=cycle, organisation=organisation).exclude(status=Letter.Status.WITHDRAWN)
        if current.exists():
            raise LetterError(f"{organisation.name} already has letter {current.first()} for {cycle}.")
        sequence = (
            Letter.objects.filter(cycle=cycle, organisation=organisation).aggregate(n=Max("sequence"))["n"] or 0
        ) + 1
        kind = _kind_for(cycle, organisation, findings)
        letter = Letter.objects.create(
            cycle=cycle,
            organisation=organisation,
            kind=kind,
            sequence=sequence,
            reference=reference_for(cycle, organisation, sequence),
            template_name=template_for(kind),
            template_version=TEMPLATE_VERSION,
            findings=findings,
            addressee=organisation.chief_executive or DEFAULT_ADDRESSEE,
            signatory_title=DEFAULT_SIGNATORY_TITLE,
            replaces=replaces,
        )
    logger.info("reports.letter.drafted %s (%s)", letter.reference, letter.kind)
    return letter


def approve_letter(letter: Letter, user) -> Letter:
    """A signatory approves the draft; they sign it."""
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status != Letter.Status.DRAFT:
            raise LetterError(
                f"Letter {letter} is {letter.get_status_display().lower()}; only a draft can be approved."
            )
        letter.status = Letter.Status.APPROVED
        letter.approved_by, letter.approved_at = user, timezone.now()
        letter.signatory_name = user.get_full_name() or user.get_username()
        letter.save()
    activity.record("reports.letter.approved", user, letter)
    return letter


def letter_context(letter: Letter, issued_on: datetime.date | None = None) -> dict:
    """What the letter template needs; a draft shows the date and deadline it would have if issued today."""
    issued_on = issued_on or (timezone.localdate(letter.issued_at) if letter.issued_at else timezone.localdate())
    return {
        "letter": letter,
        "organisation": letter.organisation,
        "cycle": letter.cycle,
        "issued_on": issued_on,
        "deadline": letter.deadline or issued_on + datetime.timedelta(days=DEADLINE_DAYS),
        "unmet": letter.unmet_findings,
        "met": [f for f in letter.findings if f["status"] == FindingStatus.MET],
        "regulator": REGULATOR_NAME,
        "draft": letter.status in (Letter.Status.DRAFT, Letter.Status.APPROVED),
    }


def render_letter_html(letter: Letter, issued_on: datetime.date | None = None) -> str:
    return render_to_string(letter.template_name, letter_context(letter, issued_on))


def render_letter_pdf(letter: Letter, issued_on: datetime.date) -> bytes:
    from weasyprint import HTML  # a 0.6 s import that only the documents worker needs

    html = render_letter_html(letter, issued_on)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1")


def issue_letter(letter: Letter, user) -> Letter:
    """Render the approved letter once, store it with its SHA-256 and findings, and tell the trust."""
    if letter.status != Letter.Status.APPROVED:
        raise LetterError(f"Letter {letter} is {letter.get_status_display().lower()}; only an approved one is issued.")
    if snapshot_findings(letter.cycle, letter.organisation) != letter.findings:
        raise LetterError(
            f"The findings of {letter.organisation.name} changed after letter {letter} was drafted; "
            "withdraw it and draft it again."
        )
    issued_at = timezone.now()
    issued_on = timezone.localdate(issued_at)
    letter.deadline = letter.deadline or issued_on + datetime.timedelta(days=DEADLINE_DAYS)
    content = render_letter_pdf(letter, issued_on)
    # The storage never overwrites: a second worker racing us saves under another name.
    stored_name = letter.pdf.storage.save(letter.pdf.field.generate_filename(letter, ""), ContentFile(content))
    try:
        with transaction.atomic():
            current = Letter.objects.select_for_update().get(pk=letter.pk)
            if current.status != Letter.Status.APPROVED:
                raise LetterError(f"Letter {letter} was {current.get_status_display().lower()} meanwhile.")
            current.pdf.name = stored_name
            current.sha256 = hashlib.sha256(content).hexdigest()
            current.deadline = letter.deadline
            current.status, current.issued_by, current.issued_at = Letter.Status.ISSUED, user, issued_at
            current.save()
            transaction.on_commit(lambda: notify_trust(current))
    except BaseException:
        letter.pdf.storage.delete(stored_name)
        raise
    activity.record("reports.letter.issued", user, current, f"sha256 {current.sha256}")
    return current


def notify_trust(letter: Letter) -> int:
    """E-mail each active user of the trust a link to their letters in the portal; never the file."""
    recipients = list(
        letter.organisation.users.filter(is_active=True).exclude(email="").values_list("email", flat=True)
    )
    link = settings.SITE_URL.rstrip("/") + reverse("letters:mine")
    subject = f"Equality duties audit: letter {letter.reference} for {letter.organisation.name}"
    body = (
        f"The regulator has issued letter {letter.reference} ({letter.get_kind_display().lower()}) to "
        f"{letter.organisation.name} for the audit {letter.cycle.name}.\n\n"
        f"Sign in to read and download it:\n{link}\n\n"
        "This message does not contain the letter itself.\n"
    )
    connection = get_connection()
    # One message each, so that no user sees another's address.
    for address in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
    logger.info("reports.letter.notified %s to %d users", letter.reference, len(recipients))
    return len(recipients)


def withdraw_letter(letter: Letter, user, reason: str) -> Letter:
    """Withdraw a letter with a reason. An issued letter's file is kept: it was sent."""
    if not reason.strip():
        raise LetterError("Say why the letter is withdrawn.")
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status == Letter.Status.WITHDRAWN:
            raise LetterError(f"Letter {letter} is already withdrawn.")
        letter.status = Letter.Status.WITHDRAWN
        letter.withdrawn_by, letter.withdrawn_at, letter.withdrawal_reason = user, timezone.now(), reason.strip()
        letter.save()
    activity.record("reports.letter.withdrawn", user, letter, reason)
    return letter


def verify_letter_file(letter: Letter) -> bytes:
    """The stored PDF's bytes, if they still hash to the recorded SHA-256; LetterError otherwise."""
    if not letter.pdf or not letter.sha256:
        raise LetterError(f"Letter {letter} has no issued file.")
    try:
        with letter.pdf.open("rb") as handle:
            content = handle.read()
    except OSError as error:
        raise LetterError(f"The file of letter {letter} cannot be read: {error}") from error
    if hashlib.sha256(content).hexdigest() != letter.sha256:
        raise LetterError(f"The file of letter {letter} does not match its recorded SHA-256.")
    return content


# Bulk work. Each returns counts; progress is read from the Letter rows (see cycle_progress).


@dataclass
class BulkResult:
    done: int = 0
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        text = f"{self.done} done"
        return f"{text}, {len(self.skipped)} skipped" if self.skipped else text


def draft_letters_for_cycle(cycle: AuditCycle) -> BulkResult:
    """Draft a letter for every trust with findings in the cycle that has no current letter. Safe to rerun."""
    result = BulkResult()
    lettered = Letter.objects.filter(cycle=cycle).exclude(status=Letter.Status.WITHDRAWN).values("organisation")
    organisations = Organisation.objects.filter(findings__cycle=cycle).exclude(pk__in=lettered).distinct()
    for organisation in organisations.order_by("ods_code"):
        try:
            draft_letter(cycle, organisation)
            result.done += 1
        except (LetterError, IntegrityError) as error:
            # IntegrityError: another run drafted this trust's letter between our check and insert.
            result.skipped[organisation.ods_code] = str(error)
    logger.info("reports.letters.drafted cycle=%s %s", cycle.pk, result.summary)
    return result


def approve_letters(letters, user) -> BulkResult:
    result = BulkResult()
    for letter in letters.filter(status=Letter.Status.DRAFT):
        try:
            approve_letter(letter, user)
            result.done += 1
        except LetterError as error:
            result.skipped[letter.reference] = str(error)
    return result


def issue_letters(letters, user) -> BulkResult:
    result = BulkResult()
    for letter in letters.filter(status=Letter.Status.APPROVED).select_related("cycle", "organisation"):
        try:
            issue_letter(letter, user)
            result.done += 1
        except LetterError as error:
            result.skipped[letter.reference] = str(error)
    return result


def cycle_progress(cycle: AuditCycle) -> dict[str, int]:
    """How many of the cycle's letters are in each state, with the trusts that have findings but no letter."""
    counts = {status: 0 for status in Letter.Status.values}
    for row in Letter.objects.filter(cycle=cycle).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    with_findings = Organisation.objects.filter(findings__cycle=cycle).distinct().count()
    counts["trusts"] = with_findings
    counts["without_letter"] = with_findings - sum(counts[s] for s in Letter.Status.values if s != "withdrawn")
    return counts


def queue_draft_letters(cycle: AuditCycle) -> None:
    if cycle.status not in LETTER_CYCLE_STATUSES:
        raise LetterError(f"{cycle} is {cycle.get_status_display().lower()}; letters follow review.")
    transaction.on_commit(lambda: _enqueue("draft_letters", cycle.pk))


def queue_issue_letters(cycle: AuditCycle, user) -> None:
    transaction.on_commit(lambda: _enqueue("issue_letters", cycle.pk, user.pk))


def _enqueue(task_name: str, *args) -> None:
    from . import tasks

    getattr(tasks, task_name).delay(*args)
