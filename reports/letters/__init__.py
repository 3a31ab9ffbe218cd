"""Compliance letters: draft from the effective findings, approve, issue once as a PDF, withdraw.

Each transition checks the letter's current state and raises LetterError when the move is not allowed.
Rendering takes a quarter of a second, so it runs outside any transaction; the issue is then claimed
with a locked re-read, so two workers issuing one letter cannot both succeed.

The feature's functions live here; its pages beside them (views, urls, tables), their templates in
reports/templates/reports/letters/; the letter templates themselves in reports/templates/letters/
(versioned: each letter stores its template's name); the Celery tasks in reports/tasks.py.
"""

import datetime
import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audits import lifecycle
from audits.models import AuditCycle, Finding, FindingStatus, SiteCheck
from trusts import activity
from trusts.models import Organisation

from .. import pdf
from ..models import Letter, LetterError

logger = logging.getLogger(__name__)

TEMPLATE_VERSION = "v2"
# The stylesheet each template version is laid out with; v1 templates carry theirs inline.
STYLESHEETS = {"v2": str(Path(__file__).resolve().parent.parent / "templates" / "letters" / "letter_v2.css")}
DEADLINE_DAYS = 28
DEFAULT_ADDRESSEE = "The Chief Executive"
ADDRESSEE_ROLE = "Chief Executive"
# Titles after which "Dear" takes the surname (Dr Jane Smith: Dear Dr Smith); after Sir and Dame the
# first name (Sir Jim Mackey: Dear Sir Jim).
_SURNAME_TITLES = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor"}
_FIRST_NAME_TITLES = {"sir", "dame"}

__all__ = ["LetterError"]

# Sent once a letter is issued (with `letter` and `user`), so that what follows a letter (casework) listens
# here instead of reports importing it.
letter_issued = Signal()


def template_for(kind: str) -> str:
    return f"letters/{kind}/{TEMPLATE_VERSION}.html"


def reference_for(cycle: AuditCycle, organisation: Organisation, sequence: int, taken: set[str] | None = None) -> str:
    """A reference a person can read down the phone: EDA/<cycle>/<ODS code>/<sequence>. `taken`: the references
    other cycles hold among those asked for, when a bulk draft has read them at once."""
    slug = re.sub(r"[^A-Z0-9]", "", cycle.name.upper())[:16] or f"C{cycle.pk}"
    reference = f"EDA/{slug}/{organisation.ods_code}/{sequence:03d}"
    if taken is None:
        taken = set(Letter.objects.filter(reference=reference).exclude(cycle=cycle).values_list("reference", flat=True))
    if reference in taken:
        # Two cycle names that differ only in punctuation or after 16 characters.
        reference = f"EDA/{slug}-{cycle.pk}/{organisation.ods_code}/{sequence:03d}"
    return reference


def snapshot_findings(cycle: AuditCycle, organisation: Organisation) -> list[dict]:
    """The trust's findings in the cycle as a letter states them: effective status, duty text, evidence."""
    return [_as_stated(f) for f in _stated_findings().filter(cycle=cycle, organisation=organisation)]


def _snapshots(cycle_ids: set[int], organisation_ids: set[int]) -> dict[tuple[int, int], list[dict]]:
    """snapshot_findings for each of the trusts in each of the cycles, by (cycle id, trust id), in one query."""
    findings = _stated_findings().filter(cycle__in=cycle_ids, organisation__in=organisation_ids)
    snapshots = defaultdict(list)
    for f in findings:
        snapshots[f.cycle_id, f.organisation_id].append(_as_stated(f))
    return snapshots


def _stated_findings():
    return (
        Finding.objects.select_related("duty", "evidence")
        # A letter states neither a document's text nor the duty's matching rules: a bulk issue reads thousands.
        .defer("duty__evidence_rules", "evidence__text", "evidence__snippet")
        .order_by("duty__sort_order", "duty__code")
    )


def _as_stated(f: Finding) -> dict:
    return {
        "duty": f.duty.code,
        "title": f.duty.title,
        "status": f.effective_status,
        "legal_basis": f.duty.legal_basis,
        "citation": f.duty.citation,
        "requirement": f.duty.requirement,
        "guidance": f.duty.guidance,
        "rationale": f.review_reason if f.reviewed_status else f.rationale,
        "evidence_url": (f.evidence.final_url or f.evidence.url) if f.evidence else "",
    }


def _kind_for(findings: list[dict], warned_before: bool, follows: Letter | None = None) -> str:
    """`warned_before`: the trust was sent a warning in an earlier cycle whose deadline has passed (_warned)."""
    if all(f["status"] == FindingStatus.MET for f in findings):
        return Letter.Kind.COMPLIANT
    if follows is not None and follows.deadline and follows.deadline < timezone.localdate():
        return Letter.Kind.FINAL_NOTICE
    # A final notice follows a warning whose deadline has passed, never one the trust still has time to meet.
    return Letter.Kind.FINAL_NOTICE if warned_before else Letter.Kind.ACTION_REQUIRED


def _warned(cycle: AuditCycle, organisations) -> set[int]:
    """Those of the trusts (ids or a queryset) issued a warning before `cycle` whose deadline has passed."""
    return set(
        Letter.objects.filter(
            organisation__in=organisations,
            cycle__audit_date__lt=cycle.audit_date,
            status=Letter.Status.ISSUED,
            kind__in=(Letter.Kind.ACTION_REQUIRED, Letter.Kind.FINAL_NOTICE),
            deadline__lt=timezone.localdate(),
        ).values_list("organisation_id", flat=True)
    )


def _recheck_date(cycle: AuditCycle, organisation: Organisation, follows: Letter) -> datetime.date | None:
    """The day the trust's website was last checked, if that was after the followed letter was issued."""
    finished = (
        SiteCheck.objects.filter(cycle=cycle, organisation=organisation, finished_at__gt=follows.issued_at)
        .values_list("finished_at", flat=True)
        .first()
    )
    return timezone.localdate(finished) if finished else None


def _check_findings_settled(organisation: Organisation, findings: list[dict]) -> None:
    if not findings:
        raise LetterError(f"{organisation.name} has no findings in this cycle.")
    unsettled = [f["duty"] for f in findings if f["status"] not in (FindingStatus.MET, FindingStatus.NOT_MET)]
    if unsettled:
        raise LetterError(
            f"{organisation.name} has findings that still need review ({', '.join(unsettled)}); "
            "review them before drafting a letter."
        )


def _not_published(cycle: AuditCycle) -> str:
    return (
        f"{cycle} is {cycle.get_status_display().lower()}; letters are drafted once its results are published, "
        "so that the trust can see every finding its letter states."
    )


def draft_letter(
    cycle: AuditCycle, organisation: Organisation, replaces: Letter | None = None, follows: Letter | None = None
) -> Letter:
    """A draft letter stating the trust's current effective findings in the cycle; `follows` is the issued
    letter of this cycle whose deadline it follows up (after a recheck: a confirmation or a final notice)."""
    if not lifecycle.can(cycle, "letters"):
        raise LetterError(_not_published(cycle))
    if replaces is not None and (replaces.status != Letter.Status.WITHDRAWN or not replaces.is_issued):
        raise LetterError(f"Only an issued letter that has been withdrawn can be replaced; {replaces} is not.")
    if follows is not None and (follows.status != Letter.Status.ISSUED or follows.cycle_id != cycle.pk):
        raise LetterError(f"Only an issued letter of this cycle can be followed up; {follows} is not.")
    findings = snapshot_findings(cycle, organisation)
    _check_findings_settled(organisation, findings)
    with transaction.atomic():
        # Lock the trust row so that two drafts for one trust take their sequence numbers in turn.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        current = Letter.objects.filter(cycle=cycle, organisation=organisation).exclude(status=Letter.Status.WITHDRAWN)
        if follows is not None:
            current = current.filter(follows=follows)
        if current.exists():
            raise LetterError(f"{organisation.name} already has letter {current.first()} for {cycle}.")
        sequence = (
            Letter.objects.filter(cycle=cycle, organisation=organisation).aggregate(n=Max("sequence"))["n"] or 0
        ) + 1
        kind = _kind_for(findings, organisation.pk in _warned(cycle, [organisation.pk]), follows)
        letter = _new_letter(cycle, organisation, findings, sequence, kind, replaces=replaces, follows=follows)
        letter.save()
    logger.info("reports.letter.drafted %s (%s)", letter.reference, letter.kind)
    return letter


def _new_letter(
    cycle: AuditCycle,
    organisation: Organisation,
    findings: list[dict],
    sequence: int,
    kind: str,
    *,
    replaces: Letter | None = None,
    follows: Letter | None = None,
    taken: set[str] | None = None,
) -> Letter:
    """The draft, not yet saved (reference_for says what `taken` is)."""
    return Letter(
        cycle=cycle,
        organisation=organisation,
        kind=kind,
        sequence=sequence,
        reference=reference_for(cycle, organisation, sequence, taken),
        template_name=template_for(kind),
        template_version=TEMPLATE_VERSION,
        findings=findings,
        addressee=organisation.chief_executive.strip() or DEFAULT_ADDRESSEE,
        # Frozen as drafted: a later change to the register does not readdress this letter.
        address="\n".join(organisation.postal_lines),
        replaces=replaces,
        follows=follows,
        rechecked_on=_recheck_date(cycle, organisation, follows) if follows else None,
    )


def check_can_sign(user) -> None:
    """A letter is signed with a person's full name and job title; LetterError names what is missing."""
    missing = [
        what
        for what, value in (("full name", user.get_full_name().strip()), ("job title", user.job_title.strip()))
        if not value
    ]
    if missing:
        raise LetterError(
            f"Add your full name and job title before you sign: your account has no {' and no '.join(missing)}. "
            "An admin can add them on your user in the admin pages."
        )


def approve_letter(letter: Letter, user, address: str | None = None) -> Letter:
    """A signatory approves the draft; they sign it with their full name and job title."""
    check_can_sign(user)
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status != Letter.Status.DRAFT:
            raise LetterError(
                f"Letter {letter} is {letter.get_status_display().lower()}; only a draft can be approved."
            )
        letter.status = Letter.Status.APPROVED
        letter.approved_by, letter.approved_at = user, timezone.now()
        letter.signatory_name = user.get_full_name().strip()
        letter.signatory_title = user.job_title.strip()
        letter.save()
    activity.record("reports.letter.approved", user, letter, address=address)
    return letter


def salutation(addressee: str) -> str:
    """ "Dear ...": Dr Jane Smith is Dear Dr Smith; no name known, Dear Chief Executive."""
    words = addressee.split()
    if not words or addressee == DEFAULT_ADDRESSEE:
        return f"Dear {ADDRESSEE_ROLE}"
    title = words[0].rstrip(".").lower()
    if len(words) >= 3 and title in _SURNAME_TITLES:
        return f"Dear {words[0]} {words[-1]}"
    if len(words) >= 3 and title in _FIRST_NAME_TITLES:
        return f"Dear {words[0]} {words[1]}"
    return f"Dear {addressee}"


def letter_context(letter: Letter, issued_on: datetime.date | None = None, *, draft: bool | None = None) -> dict:
    """What the letter template needs. A letter not yet issued is a draft, dated as if issued today;
    issue_letter renders it with draft=False and its real date, so the trust never reads a draft mark."""
    if draft is None:
        draft = not letter.is_issued
    issued_on = issued_on or (timezone.localdate(letter.issued_at) if letter.issued_at else timezone.localdate())
    addressee_lines = [letter.addressee]
    if letter.addressee != DEFAULT_ADDRESSEE:
        addressee_lines.append(ADDRESSEE_ROLE)
    # Letters drafted before the address was kept name the trust only.
    addressee_lines += letter.address.splitlines() if letter.address else [letter.organisation.name]
    follows = letter.follows
    # What the followed letter asked for, as the recheck found it.
    asked = {f["duty"] for f in follows.unmet_findings} if follows else set()
    return {
        "letter": letter,
        "organisation": letter.organisation,
        "cycle": letter.cycle,
        "issued_on": issued_on,
        "deadline": letter.deadline or issued_on + datetime.timedelta(days=DEADLINE_DAYS),
        "unmet": letter.unmet_findings,
        "met": [f for f in letter.findings if f["status"] == FindingStatus.MET],
        "regulator": settings.REGULATOR_NAME,
        "regulator_address": settings.REGULATOR_ADDRESS,
        "sign_off": settings.LETTER_SIGN_OFF,
        "addressee_lines": addressee_lines,
        "salutation": salutation(letter.addressee),
        "draft": draft,
        "follows": follows,
        "rechecked": [f for f in letter.findings if f["duty"] in asked],
        "follows_deadline_passed": bool(follows and follows.deadline and follows.deadline < issued_on),
    }


def render_letter_html(letter: Letter, issued_on: datetime.date | None = None, *, draft: bool | None = None) -> str:
    return render_to_string(letter.template_name, letter_context(letter, issued_on, draft=draft))


def _pdf_job(letter: Letter, html: str) -> tuple[str, str | None]:
    """What reports.pdf renders: the letter's HTML and its template version's stylesheet."""
    return html, STYLESHEETS.get(letter.template_version)


def render_letter_pdf(letter: Letter, issued_on: datetime.date | None = None, *, draft: bool | None = None) -> bytes:
    """The letter as a tagged PDF. Left to itself, a letter not yet issued is rendered as a draft."""
    return pdf.html_to_pdf(*_pdf_job(letter, render_letter_html(letter, issued_on, draft=draft)))


def render_draft_pdf(letter: Letter) -> bytes:
    """What the signatory reads before signing: the PDF the trust would get if issued today, marked draft."""
    return render_letter_pdf(letter, draft=True)


def issue_letter(letter: Letter, user, address: str | None = None) -> Letter:
    """Render the approved letter once, store it with its SHA-256 and findings, and tell the trust."""
    issued_at, html = _prepare_issue(letter, snapshot_findings(letter.cycle, letter.organisation))
    return _record_issue(letter, user, issued_at, pdf.html_to_pdf(*_pdf_job(letter, html)), address)


def _prepare_issue(letter: Letter, findings_now: list[dict]) -> tuple[datetime.datetime, str]:
    """Check that the letter may be issued now, its trust's findings (snapshot_findings) as they were drafted;
    its issue time and its HTML as issued."""
    if letter.status != Letter.Status.APPROVED:
        raise LetterError(f"Letter {letter} is {letter.get_status_display().lower()}; only an approved one is issued.")
    if not lifecycle.can(letter.cycle, "letters"):
        raise LetterError(_not_published(letter.cycle))
    if findings_now != letter.findings:
        raise LetterError(
            f"The findings of {letter.organisation.name} changed after letter {letter} was drafted; "
            "withdraw it and draft it again."
        )
    issued_at = timezone.now()
    issued_on = timezone.localdate(issued_at)
    if letter.kind != Letter.Kind.COMPLIANT:  # a letter that asks for nothing sets no deadline
        letter.deadline = letter.deadline or issued_on + datetime.timedelta(days=DEADLINE_DAYS)
    # Rendered as issued: the real date and deadline, no draft mark, though the row is still approved.
    return issued_at, render_letter_html(letter, issued_on, draft=False)


def _record_issue(
    letter: Letter, user, issued_at: datetime.datetime, content: bytes, address: str | None = None
) -> Letter:
    """Store the rendered PDF and mark the letter issued, unless it changed state meanwhile."""
    # The storage never overwrites: a second worker racing us saves under another name.
    stored_name = letter.pdf.storage.save(letter.pdf.field.generate_filename(letter, ""), ContentFile(content))
    issued = {
        "status": Letter.Status.ISSUED,
        "pdf": stored_name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "deadline": letter.deadline,
        "issued_by": user,
        "issued_at": issued_at,
    }
    try:
        with transaction.atomic():
            # The claim: only a letter still approved is issued, so of two workers issuing one, one does.
            if not Letter.objects.filter(pk=letter.pk, status=Letter.Status.APPROVED).update(**issued):
                now = Letter.objects.get(pk=letter.pk).get_status_display().lower()
                raise LetterError(f"Letter {letter} was {now} meanwhile.")
            for name, value in issued.items():
                setattr(letter, name, value)
            transaction.on_commit(lambda: notify_trust(letter))
    except BaseException:
        letter.pdf.storage.delete(stored_name)
        raise
    activity.record("reports.letter.issued", user, letter, f"sha256 {letter.sha256}", address=address)
    letter_issued.send(sender=Letter, letter=letter, user=user)
    return letter


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


def withdraw_letter(letter: Letter, user, reason: str, address: str | None = None) -> Letter:
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
    activity.record("reports.letter.withdrawn", user, letter, reason, address=address)
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
    """Draft a letter for every trust with findings in the cycle that has no current letter. Safe to rerun.

    A trust whose issued letter was withdrawn gets a letter that says it replaces the withdrawn one. What each
    draft needs is read for all the trusts at once and the drafts are inserted together; if another run drafted
    some of them meanwhile, the trusts are drafted one at a time instead (draft_letter), each skipped if it has
    its letter by then."""
    lettered = Letter.objects.filter(cycle=cycle).exclude(status=Letter.Status.WITHDRAWN).values("organisation")
    organisations = list(
        Organisation.objects.filter(findings__cycle=cycle).exclude(pk__in=lettered).distinct().order_by("ods_code")
    )
    withdrawn = {
        letter.organisation_id: letter  # the latest, by sequence
        for letter in Letter.objects.filter(
            cycle=cycle, status=Letter.Status.WITHDRAWN, issued_at__isnull=False
        ).order_by("sequence")
    }
    result = BulkResult()
    if not lifecycle.can(cycle, "letters"):
        result.skipped = dict.fromkeys((o.ods_code for o in organisations), _not_published(cycle))
        return _logged(cycle, result)
    ids = {organisation.pk for organisation in organisations}
    snapshots = _snapshots({cycle.pk}, ids)
    sequences = dict(
        Letter.objects.filter(cycle=cycle, organisation__in=ids)
        .values_list("organisation")
        .annotate(n=Max("sequence"))
        .order_by()
    )
    warned = _warned(cycle, ids)
    drafts = []
    for organisation in organisations:
        findings = snapshots[cycle.pk, organisation.pk]
        try:
            _check_findings_settled(organisation, findings)
        except LetterError as error:
            result.skipped[organisation.ods_code] = str(error)
            continue
        kind = _kind_for(findings, organisation.pk in warned)
        drafts.append((organisation, findings, sequences.get(organisation.pk, 0) + 1, kind))
    # Each reference as it would be if no other cycle held it (nothing taken), then those other cycles hold.
    wanted = {reference_for(cycle, organisation, sequence, set()) for organisation, _, sequence, _ in drafts}
    taken = set(Letter.objects.filter(reference__in=wanted).exclude(cycle=cycle).values_list("reference", flat=True))
    letters = [
        _new_letter(cycle, organisation, findings, sequence, kind, replaces=withdrawn.get(organisation.pk), taken=taken)
        for organisation, findings, sequence, kind in drafts
    ]
    try:
        with transaction.atomic():
            Letter.objects.bulk_create(letters)
    except IntegrityError:
        return _logged(cycle, _draft_one_by_one(cycle, [letter.organisation for letter in letters], withdrawn, result))
    for letter in letters:
        logger.info("reports.letter.drafted %s (%s)", letter.reference, letter.kind)
    result.done = len(letters)
    return _logged(cycle, result)


def _draft_one_by_one(
    cycle: AuditCycle, organisations: list[Organisation], withdrawn: dict[int, Letter], result: BulkResult
) -> BulkResult:
    for organisation in organisations:
        try:
            draft_letter(cycle, organisation, replaces=withdrawn.get(organisation.pk))
            result.done += 1
        except (LetterError, IntegrityError) as error:
            # IntegrityError: another run drafted this trust's letter between our check and insert.
            result.skipped[organisation.ods_code] = str(error)
    return result


def _logged(cycle: AuditCycle, result: BulkResult) -> BulkResult:
    for ods_code, reason in result.skipped.items():
        logger.info("reports.letters.skipped cycle=%s %s: %s", cycle.pk, ods_code, reason)
    logger.info("reports.letters.drafted cycle=%s %s", cycle.pk, result.summary)
    return result


READY_TO_DRAFT = "Not yet drafted: its findings are settled."


@dataclass(frozen=True)
class WithoutLetter:
    name: str
    ods_code: str
    reason: str


def trusts_without_letter(cycle: AuditCycle) -> list[WithoutLetter]:
    """Every trust with findings in the cycle and no current letter, with the reason, in name order:
    the findings that still wait for a reviewer (named by duty), or simply that none was drafted yet."""
    lettered = Letter.objects.filter(cycle=cycle).exclude(status=Letter.Status.WITHDRAWN).values("organisation")
    # Only what the page shows of a trust, and only the unsettled findings: the list is as long as the register.
    trusts = (
        Organisation.objects.filter(findings__cycle=cycle)
        .exclude(pk__in=lettered)
        .distinct()
        .order_by("name", "ods_code")
        .values_list("pk", "name", "ods_code")
    )
    if not lifecycle.can(cycle, "letters"):
        # None can be drafted yet, whatever its findings say.
        return [WithoutLetter(name, ods_code, _not_published(cycle)) for _, name, ods_code in trusts]
    rows = (
        Finding.objects.with_effective_status()
        .filter(cycle=cycle)
        .exclude(organisation__in=lettered)
        .exclude(effective__in=(FindingStatus.MET, FindingStatus.NOT_MET))
        .order_by("duty__sort_order", "duty__code")
        .values_list("organisation_id", "duty__title", "effective")
    )
    words = {status.value: status.label.lower() for status in FindingStatus}
    waiting_by_trust = defaultdict(list)
    for organisation_id, duty_title, effective in rows:
        waiting_by_trust[organisation_id].append(f"{duty_title} ({words[effective]})")
    # The cycle's few withdrawn letters, not looked up by the hundreds of trusts listed.
    withdrawn = dict(
        Letter.objects.filter(cycle=cycle, status=Letter.Status.WITHDRAWN)
        .order_by("sequence")
        .values_list("organisation_id", "reference")
    )
    result = []
    for pk, name, ods_code in trusts:
        if waiting := waiting_by_trust[pk]:
            reason = f"Findings still wait for a reviewer's decision: {'; '.join(waiting)}."
        elif pk in withdrawn:
            reason = f"Its letter {withdrawn[pk]} was withdrawn; a new one is not yet drafted."
        else:
            reason = READY_TO_DRAFT
        result.append(WithoutLetter(name, ods_code, reason))
    return result


def approve_letters(letters, user, address: str | None = None) -> BulkResult:
    """Approve every draft among `letters` at once (as approve_letter each), signed by `user`; LetterError if
    they cannot sign."""
    check_can_sign(user)
    with transaction.atomic():
        drafts = list(letters.filter(status=Letter.Status.DRAFT).select_for_update().only("reference"))
        Letter.objects.filter(pk__in=[letter.pk for letter in drafts]).update(
            status=Letter.Status.APPROVED,
            approved_by=user,
            approved_at=timezone.now(),
            signatory_name=user.get_full_name().strip(),
            signatory_title=user.job_title.strip(),
        )
    activity.record_each("reports.letter.approved", user, drafts, address=address)
    return BulkResult(done=len(drafts))


def issue_letters(letters, user, processes: int | None = None) -> BulkResult:
    """Issue every approved letter among `letters`, their PDFs rendered on `processes` cores (default: all)."""
    result = BulkResult()
    prepared = []
    approved = list(
        letters.filter(status=Letter.Status.APPROVED).select_related("cycle", "organisation", "replaces", "follows")
    )
    findings_now = _snapshots({letter.cycle_id for letter in approved}, {letter.organisation_id for letter in approved})
    for letter in approved:
        try:
            prepared.append((letter, *_prepare_issue(letter, findings_now[letter.cycle_id, letter.organisation_id])))
        except LetterError as error:
            result.skipped[letter.reference] = str(error)
    rendered = pdf.render_many([_pdf_job(letter, html) for letter, _, html in prepared], processes)
    for (letter, issued_at, _), content in zip(prepared, rendered, strict=True):
        try:
            _record_issue(letter, user, issued_at, content)
            result.done += 1
        except LetterError as error:
            result.skipped[letter.reference] = str(error)
    return result


def cycle_progress(cycle: AuditCycle) -> dict[str, int]:
    """How many of the cycle's letters are in each state, with the trusts that have findings but no letter."""
    counts = {status: 0 for status in Letter.Status.values}
    for row in Letter.objects.filter(cycle=cycle).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    with_findings = Finding.objects.filter(cycle=cycle).values("organisation").distinct().count()
    counts["trusts"] = with_findings
    lettered = Letter.objects.filter(cycle=cycle).exclude(status=Letter.Status.WITHDRAWN).values("organisation")
    counts["without_letter"] = with_findings - lettered.distinct().count()
    return counts


def queue_draft_letters(cycle: AuditCycle, user=None, address: str | None = None) -> None:
    if not lifecycle.can(cycle, "letters"):
        raise LetterError(_not_published(cycle))
    # The letters page follows the work from this entry (letters.views._letters_progress).
    activity.record("reports.letters.draft_queued", user, cycle, address=address)
    transaction.on_commit(lambda: _enqueue("draft_letters", cycle.pk))


def queue_issue_letters(cycle: AuditCycle, user, address: str | None = None) -> None:
    activity.record("reports.letters.issue_queued", user, cycle, address=address)
    transaction.on_commit(lambda: _enqueue("issue_letters", cycle.pk, user.pk))


def download_letter(letter: Letter, user, address: str | None = None) -> bytes:
    """The issued letter's PDF for someone to download, recorded; a stored file changed since it was
    issued is recorded too, and refused with LetterError."""
    try:
        content = verify_letter_file(letter)
    except LetterError as error:
        logger.error("reports.letter.tampered %s: %s", letter.reference, error)
        activity.record("reports.letter.tampered", user, letter, str(error), address=address)
        raise
    activity.record("reports.letter.downloaded", user, letter, address=address)
    return content


def _enqueue(task_name: str, *args) -> None:
    from .. import tasks

    getattr(tasks, task_name).delay(*args)
