"""A trust's answers to its findings: submitting one (which can queue a recheck), and staff triage.

Each transition checks the current status and raises ResponseError, in words for the person who
asked, when the move is not allowed.

The whole feature is this package: its rules here, the form a trust fills in (forms), the staff inbox
(views, urls; templates in audits/templates/audits/response/). The trust portal (reports/portal/)
shows the form on a finding's page and calls submit_response.
"""

import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone

from trusts import activity, validators
from trusts.models import Organisation

from .. import services
from ..models import MAX_COMMENT_CHARS, Evidence, Finding, FindingStatus, TrustResponse
from ..publication import TRUST_LABELS

log = logging.getLogger(__name__)

MAX_URLS = 5
# Who reads and closes trusts' answers: reviewers and auditors.
TRIAGE_PERMISSIONS = ("audits.review_finding", "audits.run_audit")
# Enough for a trust answering every duty of a cycle in a day; a runaway script is stopped early.
MAX_RESPONSES_PER_DAY = 10
RATE_WINDOW = datetime.timedelta(days=1)


class ResponseError(Exception):
    """A response that cannot be recorded or moved on, in words for the person who asked."""


def site_host(organisation: Organisation) -> str:
    """The host a trust's own addresses must be on: its website's, as a browser reads it, without "www."."""
    try:
        url = validators.parse_web_address(organisation.website)
    except validators.ValidationError:
        return ""
    host, _port = validators.site_of(url)
    # www.trust.nhs.uk and trust.nhs.uk are the same organisation's site; documents often sit on either.
    return host


def is_on_own_site(url: str, organisation: Organisation) -> bool:
    """Whether the address is on the trust's website host (or a subdomain) and port, read as a browser reads
    it (WHATWG): a backslash, a user name or password, or another port than the website's is refused."""
    return validators.is_on_site(url, organisation.website)


def foreign_urls(urls: list[str], organisation: Organisation) -> list[str]:
    """The addresses that are not on the trust's own website."""
    return [url for url in urls if not is_on_own_site(url, organisation)]


def _check_text(text: str, what: str) -> None:
    try:
        validators.validate_text(text)
    except validators.ValidationError as error:
        raise ResponseError(f"The {what} cannot be recorded. {' '.join(error.messages)}") from None


def responses_today(organisation: Organisation) -> int:
    return TrustResponse.objects.filter(organisation=organisation, created_at__gte=timezone.now() - RATE_WINDOW).count()


def submit_response(
    finding: Finding, author, comment: str, urls: list[str], address: str | None = None
) -> TrustResponse:
    """Record a trust's answer and, if the cycle still allows it, queue a recheck of that duty."""
    organisation = finding.organisation
    if author.organisation_id != organisation.pk:
        raise ResponseError("Only a user of the trust can answer its findings.")
    if not 1 <= len(urls) <= MAX_URLS:
        raise ResponseError(f"Give between 1 and {MAX_URLS} web addresses.")
    if len(comment) > MAX_COMMENT_CHARS:
        raise ResponseError(f"The comment must be {MAX_COMMENT_CHARS:,} characters or fewer.")
    _check_text(comment, "comment")
    if foreign := foreign_urls(urls, organisation):
        raise ResponseError(f"These addresses are not on your organisation's website: {', '.join(foreign)}.")
    with transaction.atomic():
        # Lock the trust's row so that two submissions at once cannot both pass the rate limit.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if responses_today(organisation) >= MAX_RESPONSES_PER_DAY:
            raise ResponseError(
                f"Your organisation has sent {MAX_RESPONSES_PER_DAY} responses in the last 24 hours, "
                "the most we accept in a day. Try again tomorrow."
            )
        response = TrustResponse.objects.create(
            finding=finding, organisation=organisation, author=author, comment=comment, urls=urls
        )
        site_check = finding.site_check
        refusal = services.recheck_refusal(site_check)
        if not refusal:
            try:
                services.recheck(site_check, [finding.duty.code], author, address)
            except services.AuditError as error:
                refusal = str(error)
        if refusal:
            response.recheck_note = refusal
        else:
            response.status = TrustResponse.Status.RECHECKING
        response.save(update_fields=["status", "recheck_note"])
    message = "Recheck queued" if not refusal else refusal
    activity.record("audits.response.submitted", author, response, message, address=address)
    return response


def recheck_response(response: TrustResponse, user, address: str | None = None) -> TrustResponse:
    """Staff ask for the duty the response is about to be checked again."""
    if response.is_resolved:
        raise ResponseError("This response is resolved; it needs no recheck.")
    finding = response.finding
    try:
        services.recheck(finding.site_check, [finding.duty.code], user, address)
    except services.AuditError as error:
        raise ResponseError(str(error)) from error
    TrustResponse.objects.filter(pk=response.pk).update(status=TrustResponse.Status.RECHECKING, recheck_note="")
    response.refresh_from_db()
    activity.record("audits.response.rechecked", user, response, address=address)
    return response


def resolve_response(response: TrustResponse, user, note: str, address: str | None = None) -> TrustResponse:
    """Staff close a response, saying what they decided; the trust sees the note."""
    note = note.strip()
    if not note:
        raise ResponseError("Say how the response was resolved.")
    if len(note) > MAX_COMMENT_CHARS:
        raise ResponseError(f"The note must be {MAX_COMMENT_CHARS:,} characters or fewer.")
    _check_text(note, "note")
    updated = TrustResponse.objects.exclude(status=TrustResponse.Status.RESOLVED).filter(pk=response.pk)
    if not updated.update(
        status=TrustResponse.Status.RESOLVED, resolved_by=user, resolved_at=timezone.now(), resolution_note=note
    ):
        raise ResponseError("This response is already resolved.")
    response.refresh_from_db()
    activity.record("audits.response.resolved", user, response, note, address=address)
    return response


# What the recheck an answer asked for found, in words the trust reads (after "Rechecked on <date>: ").
OUTCOME_WORDS: dict[str, str] = {
    FindingStatus.MET: "the document was found and the duty is met.",
    FindingStatus.NOT_MET: (
        "no document that meets the duty was found on your website, so the duty is not met. If it is "
        "published, answer again with the address where it is."
    ),
    FindingStatus.REVIEW: (
        "the automated check could not decide (a document it found could not be read, or the site could "
        "not be read in full). The regulator will review it."
    ),
    FindingStatus.ERROR: "your website could not be checked. The regulator will review it.",
}
# Met or not met closes the answer; anything else goes back to the regulator's inbox.
DECIDED = (FindingStatus.MET, FindingStatus.NOT_MET)


def outcome_note(status: str, when: datetime.datetime) -> str:
    day = dateformat.format(timezone.localtime(when), "j F Y")
    return f"Rechecked on {day}: {OUTCOME_WORDS[status]}"


def close_rechecked_answers(outcomes: Sequence[tuple[Finding, str, Evidence | None]], when: datetime.datetime) -> int:
    """Close the answers waiting on a recheck of these findings with what the recheck found.

    Called inside the recheck's transaction (services.record_results) with, per rechecked finding,
    the automated status it found and the evidence behind it. Each answer in RECHECKING gets
    rechecked_at, outcome_status and outcome_evidence; met or not met resolves it (resolved_by empty:
    the automated check decided), review or error sends it back to OPEN for the regulator. The
    trust's users are e-mailed once the transaction commits.
    """
    found = {finding.pk: (status, evidence) for finding, status, evidence in outcomes}
    if not found:
        return 0
    answers = list(
        TrustResponse.objects.select_for_update().filter(finding_id__in=found, status=TrustResponse.Status.RECHECKING)
    )
    for answer in answers:
        status, evidence = found[answer.finding_id]
        answer.rechecked_at, answer.outcome_status, answer.outcome_evidence = when, status, evidence
        answer.resolution_note = outcome_note(status, when)
        answer.resolved_by = None
        if status in DECIDED:
            answer.status, answer.resolved_at = TrustResponse.Status.RESOLVED, when
        else:
            answer.status, answer.resolved_at = TrustResponse.Status.OPEN, None
    fields = ["rechecked_at", "outcome_status", "outcome_evidence", "resolution_note", "resolved_by", "resolved_at"]
    TrustResponse.objects.bulk_update(answers, [*fields, "status"])
    for answer in answers:
        activity.record("audits.response.recheck_ended", None, answer, answer.resolution_note)
    if answers:
        ids = [answer.pk for answer in answers]
        transaction.on_commit(lambda: notify_outcomes(ids))
    return len(answers)


def notify_outcomes(answer_ids: list[int]) -> int:
    """E-mail each active user of each trust the outcome of its answer's recheck, with a link to it.

    Plain text, one message per recipient (no one sees another's address), never the evidence
    itself. A mail server that fails is logged; the recheck's results are already committed."""
    sent = 0
    answers = TrustResponse.objects.filter(pk__in=answer_ids).select_related(
        "organisation", "finding__duty", "finding__cycle"
    )
    try:
        connection = get_connection()
        for answer in answers:
            sent += _notify_outcome(answer, connection)
    except Exception:  # noqa: BLE001 - the mail is a courtesy; the outcome is in the portal
        log.exception("could not e-mail the outcome of answers %s", answer_ids)
    return sent


def _notify_outcome(answer: TrustResponse, connection) -> int:
    organisation, finding = answer.organisation, answer.finding
    recipients = list(organisation.users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    link = settings.SITE_URL.rstrip("/") + reverse("trust:response", kwargs={"pk": answer.pk})
    asked = dateformat.format(timezone.localtime(answer.created_at), "j F Y")
    subject = f"Equality duties audit: recheck of the {finding.duty.title.lower()} for {organisation.name}"
    body = (
        f"You answered the regulator's finding on the {finding.duty.title.lower()} of {organisation.name} "
        f"({finding.cycle.name}) on {asked}, and the regulator's automated check has looked at your website again.\n\n"
        f"Outcome: {TRUST_LABELS.get(answer.outcome_status, answer.get_outcome_status_display())}.\n"
        f"{answer.resolution_note}\n\n"
        f"Sign in to read the outcome and the evidence:\n{link}\n\n"
        "This message does not contain the evidence itself.\n"
    )
    for address in recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
    log.info("audits.response.notified %s to %d users", answer.pk, len(recipients))
    return len(recipients)
