"""What changes audit state: starting and cancelling cycles, running a site check, recording findings.

A site check can run twice (at-least-once delivery, a lapsed lease): it is claimed with a
conditional update, and its results replace the previous ones in one transaction.
"""

import concurrent.futures
import datetime
import hashlib
import logging
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from trusts import activity
from trusts.models import Organisation

from . import lifecycle
from .crawl_log import record_crawl_log
from .crawler.crawling import CrawlResult, Read, crawl
from .crawler.fetching import Fetcher
from .crawler.loop import shared_loop
from .crawler.matching import TrustIdentity, Verdict, decide
from .crawler.rules import DutyRules
from .crawler.statuses import VerdictStatus
from .lifecycle import AuditError
from .models import (
    AuditCycle,
    Duty,
    Evidence,
    Finding,
    FindingChange,
    FindingStatus,
    SiteCheck,
    TrustResponse,
    evidence_path,
)

log = logging.getLogger(__name__)


def start_cycle(
    name: str,
    audit_date: datetime.date,
    duty_codes: Iterable[str],
    ods_codes: Iterable[str] | None = None,
    user=None,
    address: str | None = None,
) -> AuditCycle:
    """Create the cycle if needed and check every active trust (or those named): `run_audit`'s one call.

    A new cycle is created as a draft and started, as in the browser. A cycle that exists (draft,
    running or in review) gains the duties and trusts given and is run again: its queued checks are
    sent. `user` None is the command line."""
    cycle = AuditCycle.objects.filter(name=name).first()
    if cycle is None:
        return start_draft_cycle(create_cycle(name, audit_date, duty_codes, ods_codes, user, address), user, address)
    if cycle.audit_date != audit_date:
        raise AuditError(f"Cycle {name!r} already exists with audit date {cycle.audit_date}.")
    if refusal := lifecycle.refusal(cycle, "rerun"):
        raise AuditError(f"{refusal} Start a new cycle instead.")
    duties = _duties(duty_codes)
    organisations = _organisations(audit_date, ods_codes)
    with transaction.atomic():
        cycle.duties.add(*duties)
        SiteCheck.objects.bulk_create(
            [SiteCheck(cycle=cycle, organisation=o, website=o.website) for o in organisations],
            ignore_conflicts=True,
        )
        return _run(cycle, "rerun", user, address)


def _run(cycle: AuditCycle, move: str, user, address: str | None) -> AuditCycle:
    """Move the cycle to running and send its queued checks once that commits."""
    with transaction.atomic():
        queued = list(cycle.site_checks.filter(state=SiteCheck.State.QUEUED).values_list("id", flat=True))
        who = "" if user is not None else " from the command line"
        lifecycle.move(
            cycle,
            move,
            user,
            address=address,
            message=f"Started {len(queued)} site checks{who}.",
            started_at=Coalesce("started_at", Value(timezone.now())),
            finished_at=None,
        )
        transaction.on_commit(lambda: _enqueue(queued))
    return cycle


def _duties(codes: Iterable[str]) -> list[Duty]:
    codes = list(codes)
    duties = list(Duty.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {d.code for d in duties})
    if unknown or not duties:
        raise AuditError(
            f"Unknown duty code: {', '.join(unknown) or 'none given'}. "
            "The catalogue is loaded with `manage.py load_duties`."
        )
    return duties


def _organisations(audit_date: datetime.date, ods_codes: Iterable[str] | None) -> list[Organisation]:
    """The trusts named, or else every trust active on the audit date."""
    ods_codes = list(ods_codes or [])
    if not ods_codes:
        return list(Organisation.objects.active(audit_date))
    organisations = list(Organisation.objects.filter(ods_code__in=ods_codes))
    missing = sorted(set(ods_codes) - {o.ods_code for o in organisations})
    if missing:
        raise AuditError(f"No trust on the register with ODS code: {', '.join(missing)}.")
    return organisations


def _enqueue(site_check_ids: list[int], duty_codes: list[str] | None = None) -> None:
    from .tasks import check_site

    for site_check_id in _longest_first(site_check_ids):
        check_site.delay(site_check_id, duty_codes)


def _longest_first(site_check_ids: list[int]) -> list[int]:
    """The checks in the order to send them: the trusts whose last check took longest first (a large
    Crawl-delay, a slow site), so that a cycle's tail is short; a trust never checked counts as the median."""
    if len(site_check_ids) < 2:
        return site_check_ids
    organisations = dict(SiteCheck.objects.filter(id__in=site_check_ids).values_list("id", "organisation_id"))
    last_took: dict[int, float] = {}
    earlier = (
        SiteCheck.objects.filter(
            organisation_id__in=set(organisations.values()), started_at__isnull=False, finished_at__isnull=False
        )
        .order_by("organisation_id", "-finished_at")
        .values_list("organisation_id", "started_at", "finished_at")
    )
    for organisation_id, started_at, finished_at in earlier:
        assert started_at and finished_at  # the query keeps only checks that ran
        last_took.setdefault(organisation_id, (finished_at - started_at).total_seconds())
    usual = statistics.median(last_took.values()) if last_took else 0.0
    return sorted(site_check_ids, key=lambda pk: -last_took.get(organisations.get(pk, 0), usual))


def cancel_cycle(cycle: AuditCycle, user=None, address: str | None = None) -> int:
    """Cancel a cycle before it is published: a draft never starts; a running cycle's queued checks are
    cancelled and running ones stop at their next page; a cycle in review keeps its findings unpublished.

    The move is conditional and in the same transaction, so a cycle that finished (or was cancelled)
    meanwhile is not touched and its checks are left as they were."""
    with transaction.atomic():
        cancelled = cycle.site_checks.filter(state=SiteCheck.State.QUEUED).update(
            state=SiteCheck.State.CANCELLED, finished_at=timezone.now()
        )
        lifecycle.move(
            cycle, "cancel", user, address=address, message=f"{cancelled} checks stopped", finished_at=timezone.now()
        )
    return cancelled


def recheck_refusal(site_check: SiteCheck) -> str:
    """Why this check cannot be run again now ("" when it can).

    A published cycle can still be rechecked (a trust says it has published the document); it stays
    published, and the new automated result waits for a reviewer. A closed cycle is on the record."""
    cycle = site_check.cycle
    if not lifecycle.can(cycle, "recheck"):
        return f"{cycle} is {cycle.get_status_display().lower()}; its checks can no longer be rerun."
    if not site_check.is_ended:
        return (
            f"The check of {site_check.organisation.name} is still {site_check.get_state_display().lower()}; "
            "wait for it to end."
        )
    return ""


def recheck(site_check: SiteCheck, duty_codes: list[str] | None = None, user=None, address: str | None = None) -> None:
    """Run one trust's check again (all duties, or only those given) once its last run has ended;
    `user` asked for it (staff, or a trust user through their answer)."""
    cycle = site_check.cycle
    if refusal := recheck_refusal(site_check):
        raise AuditError(refusal)
    unknown = set(duty_codes or []) - set(cycle.duties.values_list("code", flat=True))
    if unknown:
        raise AuditError(f"Not a duty of this cycle: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        SiteCheck.objects.filter(pk=site_check.pk).update(
            state=SiteCheck.State.QUEUED, finished_at=None, lease_expires_at=None
        )
        lifecycle.move_if_still(cycle.pk, "reopen", f"Recheck of {site_check.organisation.name}.", finished_at=None)
        if duty_codes:
            titles = cycle.duties.filter(code__in=duty_codes).order_by("sort_order").values_list("title", flat=True)
            what = "Rechecked for " + ", ".join(titles)
        else:
            what = "Rechecked for every duty of the cycle"
        activity.record("audits.site_check.rechecked", user, site_check, what, address=address)
        transaction.on_commit(lambda: _enqueue([site_check.pk], duty_codes))


def recover_stale_checks() -> int:
    """Requeue lost work: running checks whose worker stopped renewing the lease (killed), and the
    queued checks of a cycle that has made no progress for a while (a broker that lost its queue)."""
    now = timezone.now()
    stale = list(
        SiteCheck.objects.filter(state=SiteCheck.State.RUNNING, lease_expires_at__lt=now).values_list("id", flat=True)
    )
    SiteCheck.objects.filter(id__in=stale, state=SiteCheck.State.RUNNING).update(state=SiteCheck.State.QUEUED)
    quiet_since = now - datetime.timedelta(seconds=settings.AUDIT_STALL_SECONDS)
    stalled = (
        AuditCycle.objects.filter(status__in=lifecycle.states("checking"), started_at__lt=quiet_since)
        .exclude(site_checks__state=SiteCheck.State.RUNNING)
        .exclude(site_checks__finished_at__gte=quiet_since)
    )
    forgotten = list(
        SiteCheck.objects.filter(cycle__in=stalled, state=SiteCheck.State.QUEUED).values_list("id", flat=True)
    )
    # A duplicate message is harmless: a check that has already been claimed is not claimed again.
    _enqueue(stale + forgotten)
    for cycle_id in AuditCycle.objects.filter(status__in=lifecycle.states("finish")).values_list("id", flat=True):
        _finish_cycle_if_done(cycle_id)
    return len(stale) + len(forgotten)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.AUDIT_LEASE_SECONDS)


def _claim(site_check_id: int, worker: str) -> SiteCheck | None:
    """Take the check for this worker, or None if it has ended or another worker holds a live lease."""
    now = timezone.now()
    claimed = (
        SiteCheck.objects.filter(
            Q(state=SiteCheck.State.QUEUED) | Q(state=SiteCheck.State.RUNNING, lease_expires_at__lt=now),
            pk=site_check_id,
        )
        .exclude(cycle__status__in=lifecycle.states("stopped"))
        .update(
            state=SiteCheck.State.RUNNING,
            started_at=now,
            lease_expires_at=now + _lease(),
            attempts=F("attempts") + 1,
            worker=worker,
        )
    )
    if not claimed:
        return None
    return SiteCheck.objects.select_related("cycle", "organisation").get(pk=site_check_id)


def run_site_check(site_check_id: int, duty_codes: list[str] | None = None, worker: str = "") -> None:
    """Crawl one trust's website and record a finding for every duty that applies to it.

    `worker` names who runs it (Celery's hostname, e.g. celery@host), kept on the check."""
    with _database_turn():
        check = _claim(site_check_id, worker)
        if check is None:
            return
        cycle, organisation = check.cycle, check.organisation
        duties = [d for d in cycle.duties.all() if d.applies_to(organisation, cycle.audit_date)]
        if duty_codes:
            duties = [d for d in duties if d.code in duty_codes]
        seeds = _answered_addresses(check, duties)
    started = time.monotonic()
    fetcher = Fetcher(
        user_agent=settings.AUDIT_USER_AGENT,
        delay=settings.AUDIT_CRAWL_DELAY,
        allow_private=settings.AUDIT_ALLOW_PRIVATE_HOSTS,
        max_bytes=settings.AUDIT_MAX_RESPONSE_BYTES,
        connect_timeout=settings.AUDIT_CONNECT_TIMEOUT,
        read_timeout=settings.AUDIT_READ_TIMEOUT,
        deadline=started + settings.AUDIT_TIME_BUDGET,
        hosts=(loop := shared_loop(settings.REDIS_URL)).hosts,
    )
    last_renewal = [started]

    def keep_going() -> bool:
        # Renew the lease now and then, and stop if the cycle was cancelled meanwhile.
        if time.monotonic() - last_renewal[0] > settings.AUDIT_LEASE_SECONDS / 3:
            last_renewal[0] = time.monotonic()
            SiteCheck.objects.filter(pk=check.pk).update(lease_expires_at=timezone.now() + _lease())
            return not AuditCycle.objects.filter(pk=cycle.pk, status__in=lifecycle.states("stopped")).exists()
        return True

    rules = [DutyRules.of(d) for d in duties]
    try:
        if not check.website:
            result = CrawlResult(failure="the register has no website address for this trust")
        else:
            stopped = threading.Event()
            crawling = loop.run(
                crawl(
                    check.website,
                    rules,
                    cycle.audit_date,
                    fetcher,
                    settings.AUDIT_PAGE_BUDGET,
                    lambda: not stopped.is_set(),
                    seeds,
                    loop.work,
                    TrustIdentity(organisation.name, organisation.ods_code),
                )
            )
            result = _wait_for(crawling, keep_going, stopped)
    except Exception as error:  # noqa: BLE001 - one site's failure must not lose the others' work
        log.exception("site check %s failed", check.pk)
        result = CrawlResult(failure=f"the check stopped with an internal error ({type(error).__name__})")
    finally:
        fetcher.close()
    verdicts = {d: _verdict(d, result, cycle.audit_date) for d in duties}
    with _database_turn():
        record_results(check, result, verdicts, fetcher.pages_fetched, fetcher.bytes_fetched)


# How often a check waiting for its crawl asks keep_going (which renews the lease when it is due).
WAIT_POLL_SECONDS = 5.0
# Hundreds of site checks wait in one worker process; a few at a time use the database, and each
# lets its connection go after, so that a worker holds a handful of connections, not hundreds.
_database_turns = threading.BoundedSemaphore(8)


@contextmanager
def _database_turn() -> Iterator[None]:
    with _database_turns:
        try:
            yield
        finally:
            if not connection.in_atomic_block:
                connection.close()


def _wait_for(
    crawling: concurrent.futures.Future, keep_going: Callable[[], bool], stopped: threading.Event
) -> CrawlResult:
    """Wait for a crawl on the loop, renewing the check's lease meanwhile; a cancelled cycle stops it.

    No database connection is held while waiting, so that hundreds of checks in flight hold none."""
    while True:
        try:
            return crawling.result(timeout=min(WAIT_POLL_SECONDS, settings.AUDIT_LEASE_SECONDS / 6))
        except concurrent.futures.TimeoutError:
            with _database_turn():
                if not keep_going():
                    stopped.set()


def _answered_addresses(check: SiteCheck, duties: list[Duty]) -> list[str]:
    """The addresses a trust gave in the answers waiting on this recheck: the crawl reads them first."""
    answers = TrustResponse.objects.filter(
        finding__site_check=check, finding__duty__in=duties, status=TrustResponse.Status.RECHECKING
    ).order_by("created_at", "id")
    return list(dict.fromkeys(url for urls in answers.values_list("urls", flat=True) for url in urls))


def _verdict(duty: Duty, result: CrawlResult, audit_date: datetime.date) -> Verdict:
    if result.failure:
        return Verdict(VerdictStatus.ERROR, 0.0, f"The trust's website could not be checked: {result.failure}.")
    return decide(
        DutyRules.of(duty),
        audit_date,
        candidates=result.candidates(duty.code),
        problems=result.problems,
        covered=result.covered,
        pages=result.pages,
    )


# The text read from a document is kept for a person to read (a Word document, say); a book-length
# document is cut here.
EVIDENCE_TEXT_CHARS = 200_000


def record_results(check: SiteCheck, result: CrawlResult, verdicts: dict[Duty, Verdict], pages: int, size: int) -> None:
    """Record the findings of the duties this run decided, all at once, in a handful of queries.

    A recheck of one duty (or of one trust) replaces only what it re-decided: the findings of the
    duties in `verdicts`; every other finding keeps its evidence. Evidence is never deleted: each
    automated or review entry in a finding's history names the evidence it rested on, so the
    evidence behind every earlier status stays reachable. A run that finds exactly what is recorded
    (same status, same rationale, the same document with the same bytes) changes nothing, so a task
    delivered twice is harmless.

    An earlier review is kept while the recheck's automated status agrees with it. When they differ
    the finding needs a reviewer again: its reviewed status is cleared (the review stays in the
    history), so it goes back into the review queue and the automated status counts meanwhile.

    A trust's answers that asked for a recheck of these findings are closed by the outcome
    (audits/responses.py close_rechecked_answers) in the same transaction.
    """
    from .responses import close_rechecked_answers

    reads = {id(read.source): read for read in result.reads}
    now = timezone.now()
    with transaction.atomic():
        # Locked, so that a recheck of the same trust ending at the same moment waits for this one.
        existing = {
            finding.duty_id: finding
            for finding in Finding.objects.select_for_update().filter(
                cycle_id=check.cycle_id, organisation_id=check.organisation_id, duty__in=list(verdicts)
            )
        }
        current = Evidence.objects.in_bulk([f.evidence_id for f in existing.values() if f.evidence_id])
        evidence: dict[Duty, Evidence | None] = {}
        stored: dict[str, str] = {}  # sha256 -> storage name written by this run
        for duty, verdict in verdicts.items():
            fetched = _evidence(check, verdict, reads)
            finding = existing.get(duty.pk)
            kept = current.get(finding.evidence_id) if finding is not None else None
            if fetched is not None and kept is not None and _same_document(kept, fetched[0]):
                evidence[duty] = kept
            else:
                evidence[duty] = _store(*fetched, stored) if fetched is not None else None
        Evidence.objects.bulk_create([e for e in evidence.values() if e is not None if e.pk is None])
        new_findings, changes, rechecked = [], [], []
        for duty, verdict in verdicts.items():
            fields = {
                "site_check": check,
                "status": verdict.status,
                "confidence": verdict.confidence,
                "rationale": verdict.rationale,
                "evidence": evidence[duty],
            }
            finding = existing.get(duty.pk)
            if finding is None:
                new_findings.append(
                    Finding(cycle_id=check.cycle_id, organisation_id=check.organisation_id, duty=duty, **fields)
                )
                continue
            rechecked.append((finding, verdict.status, evidence[duty]))
            if _unchanged(finding, verdict, evidence[duty], check):
                continue
            review_differs = bool(finding.reviewed_status) and finding.reviewed_status != verdict.status
            if review_differs:
                fields.update(reviewed_status="", reviewed_by=None, reviewed_at=None, review_reason="")
            Finding.objects.filter(pk=finding.pk).update(**fields, version=F("version") + 1, updated_at=now)
            changes.append(_recheck_change(finding, verdict, evidence[duty], review_differs))
        Finding.objects.bulk_create(new_findings)
        changes += [
            _automated_change(finding, "", verdicts[finding.duty], finding.evidence) for finding in new_findings
        ]
        FindingChange.objects.bulk_create(changes)
        close_rechecked_answers(rechecked, now)
        state = SiteCheck.State.FAILED if result.failure else SiteCheck.State.DONE
        SiteCheck.objects.filter(pk=check.pk).update(
            state=state,
            pages_fetched=pages,
            bytes_fetched=size,
            finished_at=now,
            errors=([result.failure] if result.failure else []) + result.errors[:50],
            budget_exhausted=not result.covered,
            lease_expires_at=None,
        )
        record_crawl_log(check, result.log, now)
        # After commit: two checks ending at once each see the other still open inside their own
        # transactions; whichever commits last sees both ended.
        transaction.on_commit(lambda: _finish_cycle_if_done(check.cycle_id))


def _evidence(check: SiteCheck, verdict: Verdict, reads: dict[int, Read]) -> tuple[Evidence, bytes | None] | None:
    """The unsaved Evidence row behind a verdict (with its bytes' SHA-256) and the bytes to store, if any."""
    found = _fetched_evidence(check, verdict, reads)
    if found is not None and found[1] is not None:
        found[0].sha256, found[0].size = hashlib.sha256(found[1]).hexdigest(), len(found[1])
    return found


def _fetched_evidence(
    check: SiteCheck, verdict: Verdict, reads: dict[int, Read]
) -> tuple[Evidence, bytes | None] | None:
    if verdict.evidence is not None:
        read = reads[id(verdict.evidence.source)]
        source = read.source
        evidence = Evidence(
            site_check=check,
            url=source.url,
            final_url=read.final_url,
            linked_from=source.linked_from,
            link_text=(source.link_texts or [""])[0][:500],
            status_code=read.status,
            content_type=read.content_type,
            fetched_at=datetime.datetime.fromtimestamp(read.fetched_at, tz=datetime.UTC),
            title=source.title[:500],
            published_on=verdict.evidence.published,
            covers_from=verdict.evidence.period.start if verdict.evidence.period else None,
            covers_until=verdict.evidence.period.end if verdict.evidence.period else None,
            snippet=verdict.evidence.snippet,
            text=(read.text or source.text)[:EVIDENCE_TEXT_CHARS],
        )
        return evidence, read.body
    if verdict.problem is not None:
        problem = verdict.problem
        # An unreadable document (a scanned PDF, a broken file) is kept as fetched: a person must open it.
        fetched_at = problem.fetched_at
        evidence = Evidence(
            site_check=check,
            url=problem.url,
            final_url=problem.final_url or problem.url,
            linked_from=problem.linked_from,
            link_text=problem.link_text[:500],
            status_code=problem.status,
            content_type=problem.content_type,
            title=problem.title[:500],
            fetched_at=datetime.datetime.fromtimestamp(fetched_at, tz=datetime.UTC) if fetched_at else timezone.now(),
            error=problem.reason,
        )
        return evidence, problem.body
    return None


def _store(evidence: Evidence, body: bytes | None, stored: dict[str, str]) -> Evidence:
    """Give the row its stored copy, named by its SHA-256 (so the same bytes are written once)."""
    if body is None:
        return evidence
    name = stored.get(evidence.sha256) or evidence_path(evidence, "")
    storage = evidence.file.storage
    if evidence.sha256 in stored or (storage.exists(name) and storage.size(name) == len(body)):
        # The same bytes are already stored under their hash (another duty, or an earlier run).
        evidence.file.name = name
    else:
        evidence.file.save(name, ContentFile(body), save=False)
        stored[evidence.sha256] = evidence.file.name or name
    return evidence


def _same_document(kept: Evidence, fetched: Evidence) -> bool:
    """Whether a run found the very document the finding already rests on, byte for byte."""
    key = ("url", "final_url", "linked_from", "status_code", "content_type", "sha256", "error", "snippet", "title")
    return all(getattr(kept, name) == getattr(fetched, name) for name in key)


def _unchanged(finding: Finding, verdict: Verdict, evidence: Evidence | None, check: SiteCheck) -> bool:
    return (
        finding.status == verdict.status
        and finding.rationale == verdict.rationale
        and finding.confidence == verdict.confidence
        and finding.evidence_id == (evidence.pk if evidence is not None else None)
        and finding.site_check_id == check.pk
    )


def _automated_change(
    finding: Finding, previous: str, verdict: Verdict, evidence: Evidence | None = None
) -> FindingChange:
    return FindingChange(
        finding=finding,
        kind="automated",
        from_status=previous,
        to_status=verdict.status,
        reason=verdict.rationale,
        evidence=evidence,
    )


def _recheck_change(
    finding: Finding, verdict: Verdict, evidence: Evidence | None, review_differs: bool
) -> FindingChange:
    """The history entry of a recheck that found something new: a status, a document or a reason."""
    before = finding.effective_status
    label = FindingStatus(verdict.status).label.lower()
    reason = f"Rechecked: {'still' if verdict.status == before else 'now'} {label}. {verdict.rationale}"
    if review_differs:
        reviewed = FindingStatus(finding.reviewed_status).label.lower()
        reason += (
            f" The review had decided {reviewed}; as the automated check now differs, "
            "the finding needs a reviewer again."
        )
    return FindingChange(
        finding=finding,
        kind="automated",
        from_status=before,
        to_status=verdict.status,
        reason=reason,
        evidence=evidence,
    )


def _finish_cycle_if_done(cycle_id: int) -> None:
    open_checks = SiteCheck.objects.filter(cycle_id=cycle_id).exclude(state__in=SiteCheck.ENDED)
    if not open_checks.exists():
        lifecycle.move_if_still(cycle_id, "finish", "Every site check has ended.", finished_at=timezone.now())


def cycle_progress(cycle: AuditCycle) -> dict[str, int]:
    """Site checks by state, and the total."""
    counts = dict(cycle.site_checks.values_list("state").annotate(n=Count("id")))
    progress = {state: counts.get(state, 0) for state in SiteCheck.State.values}
    progress["total"] = sum(counts.values())
    progress["ended"] = sum(counts.get(s, 0) for s in SiteCheck.ENDED)
    return progress


def create_cycle(
    name: str,
    audit_date: datetime.date,
    duty_codes: Iterable[str],
    ods_codes: Iterable[str] | None = None,
    user=None,
    address: str | None = None,
) -> AuditCycle:
    """A draft cycle with its duties and the trusts it will check (every active one, or those named).

    The trusts are fixed now, as queued site checks, so that what was agreed is what runs.
    """
    duties = _duties(duty_codes)
    organisations = _organisations(audit_date, ods_codes)
    if not organisations:
        raise AuditError("No active trust on the register on that audit date.")
    if AuditCycle.objects.filter(name=name).exists():
        raise AuditError(f"A cycle named {name!r} already exists.")
    with transaction.atomic():
        cycle = AuditCycle.objects.create(name=name, audit_date=audit_date, created_by=user)
        cycle.duties.add(*duties)
        SiteCheck.objects.bulk_create(
            [SiteCheck(cycle=cycle, organisation=o, website=o.website) for o in organisations]
        )
        activity.record(
            "audits.cycle.created", user, cycle, f"Created with {len(organisations)} trusts.", address=address
        )
    return cycle


def start_draft_cycle(cycle: AuditCycle, user=None, address: str | None = None) -> AuditCycle:
    """Start checking the trusts a draft cycle names; a second press of Start finds it running and is refused."""
    return _run(cycle, "start", user, address)


def publish_cycle(cycle: AuditCycle, user, address: str | None = None) -> AuditCycle:
    """Show the cycle's results to the trusts: only from review, and only when nothing blocks
    (audits/publication.py holds the rule)."""
    from .publication import publish

    return publish(cycle, user, address)


def close_cycle(cycle: AuditCycle, user, address: str | None = None) -> AuditCycle:
    """End a published cycle; its results stay visible and can no longer change."""
    lifecycle.move(cycle, "close", user, address=address, message="Closed.")
    return cycle


def start_periodic_audit(today: datetime.date | None = None) -> AuditCycle | None:
    """Audit every active trust again for the duties in force today, as a cycle named by the date.

    Celery beat calls this on AUDIT_PERIODIC_AUDIT; a second call on the same day finds the cycle
    and starts nothing (None)."""
    today = today or timezone.localdate()
    name = f"Periodic audit {today.isoformat()}"
    if AuditCycle.objects.filter(name=name).exists():
        return None
    in_force = Duty.objects.filter(
        Q(in_force_until__isnull=True) | Q(in_force_until__gte=today), in_force_from__lte=today
    )
    cycle = create_cycle(name, today, in_force.values_list("code", flat=True))
    return start_draft_cycle(cycle)
