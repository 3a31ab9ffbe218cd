"""A trust's answers to its findings: submitting one (which can queue a recheck), and staff triage.

Each transition checks the current status and raises ResponseError, in words for the person who
asked, when the move is not allowed.
"""

import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from trusts import activity
from trusts.models import Organisation

from . import services
from .models import Finding, TrustResponse

MAX_COMMENT_CHARS = 2000
MAX_URLS = 5
# Enough for a trust answering every duty of a cycle in a day; a runaway script is stopped early.
MAX_RESPONSES_PER_DAY = 10
RATE_WINDOW = datetime.timedelta(days=1)


class ResponseError(Exception):
    """A response that cannot be recorded or moved on, in words for the person who asked."""


def site_host(organisation: Organisation) -> str:
    """The host a trust's own addresses must be on: its website's, without a leading "www."."""
    host = (urlsplit(organisation.website).hostname or "").lower().rstrip(".")
    # www.trust.nhs.uk and trust.nhs.uk are the same organisation's site; documents often sit on either.
    return host.removeprefix("www.")


def is_on_own_site(url: str, organisation: Organisation) -> bool:
    """Whether the address is on the trust's website host or one of its subdomains."""
    base = site_host(organisation)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if not base or parts.scheme not in ("http", "https"):
        return False
    return host == base or host.endswith("." + base)


def foreign_urls(urls: list[str], organisation: Organisation) -> list[str]:
    """The addresses that are not on the trust's own website."""
    return [url for url in urls if not is_on_own_site(url, organisation)]


def responses_today(organisation: Organisation) -> int:
    return TrustResponse.objects.filter(organisation=organisation, created_at__gte=timezone.now() - RATE_WINDOW).count()


def submit_response(finding: Finding, author, comment: str, urls: list[str]) -> TrustResponse:
    """Record a trust's answer and, if the cycle still allows it, queue a recheck of that duty."""
    organisation = finding.organisation
    if author.organisation_id != organisation.pk:
        raise ResponseError("Only a user of the trust can answer its findings.")
    if not 1 <= len(urls) <= MAX_URLS:
        raise ResponseError(f"Give between 1 and {MAX_URLS} web addresses.")
    if len(comment) > MAX_COMMENT_CHARS:
        raise ResponseError(f"The comment must be {MAX_COMMENT_CHARS:,} characters or fewer.")
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
                services.recheck(site_check, [finding.duty.code])
            except services.AuditError as error:
                refusal = str(error)
        if refusal:
            response.recheck_note = refusal
        else:
            response.status = TrustResponse.Status.RECHECKING
        response.save(update_fields=["status", "recheck_note"])
    activity.record("audits.response.submitted", author, response, "Recheck queued" if not refusal else refusal)
    return response


def recheck_response(response: TrustResponse, user) -> TrustResponse:
    """Staff ask for the duty the response is about to be checked again."""
    if response.is_resolved:
        raise ResponseError("This response is resolved; it needs no recheck.")
    finding = response.finding
    try:
        services.recheck(finding.site_check, [finding.duty.code])
    except services.AuditError as error:
        raise ResponseError(str(error)) from error
    TrustResponse.objects.filter(pk=response.pk).update(status=TrustResponse.Status.RECHECKING, recheck_note="")
    response.refresh_from_db()
    activity.record("audits.response.rechecked", user, response)
    return response


def resolve_response(response: TrustResponse, user, note: str) -> TrustResponse:
    """Staff close a response, saying what they decided; the trust sees the note."""
    note = note.strip()
    if not note:
        raise ResponseError("Say how the response was resolved.")
    updated = TrustResponse.objects.exclude(status=TrustResponse.Status.RESOLVED).filter(pk=response.pk)
    if not updated.update(
        status=TrustResponse.Status.RESOLVED, resolved_by=user, resolved_at=timezone.now(), resolution_note=note
    ):
        raise ResponseError("This response is already resolved.")
    response.refresh_from_db()
    activity.record("audits.response.resolved", user, response, note)
    return response
