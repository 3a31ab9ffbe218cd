import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from config import spreadsheets
from trusts import activity
from trusts.access import staff_required

from . import exports, lifecycle, publication, results_cache, review, services
from .evidence import is_html, is_pdf, stored_copy
from .filters import ResultsFilter
from .forms import BulkConfirmForm, CycleForm, ReviewForm
from .models import AuditCycle, Duty, Evidence, Finding, FindingStatus, SiteCheck
from .tables import ResultsTable, review_rows

CYCLES_PER_PAGE = 25
TRUSTS_PER_PAGE = 50
EXPORT_FORMATS = ("csv", "xlsx")

# GOV.UK tag colours; the words on the tag carry the meaning, the colour only helps.
CYCLE_TAG_CLASSES: dict[str, str] = {
    AuditCycle.Status.DRAFT: "govuk-tag--grey",
    AuditCycle.Status.RUNNING: "govuk-tag--blue",
    AuditCycle.Status.IN_REVIEW: "govuk-tag--yellow",
    AuditCycle.Status.PUBLISHED: "govuk-tag--green",
    AuditCycle.Status.CLOSED: "govuk-tag--grey",
    AuditCycle.Status.CANCELLED: "govuk-tag--red",
}
CHECK_TAG_CLASSES: dict[str, str] = {
    SiteCheck.State.QUEUED: "govuk-tag--grey",
    SiteCheck.State.RUNNING: "govuk-tag--blue",
    SiteCheck.State.DONE: "govuk-tag--green",
    SiteCheck.State.FAILED: "govuk-tag--red",
    SiteCheck.State.CANCELLED: "govuk-tag--grey",
}


@staff_required("audits.view_duty")
def duty_list(request):
    return render(request, "audits/duty/list.html", {"duties": Duty.objects.all()})


@staff_required("audits.view_duty")
def duty_detail(request, code: str):
    return render(request, "audits/duty/detail.html", {"duty": get_object_or_404(Duty, code=code)})


@staff_required("audits.view_auditcycle")
def cycle_list(request):
    cycles = AuditCycle.objects.annotate(
        checks_total=Count("site_checks"),
        checks_ended=Count("site_checks", filter=Q(site_checks__state__in=SiteCheck.ENDED)),
    ).order_by("-created_at", "-pk")
    page = Paginator(cycles, CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    for cycle in page:
        cycle.tag_class = CYCLE_TAG_CLASSES.get(cycle.status, "")
    return render(request, "audits/cycle/list.html", {"page": page})


# What a person reads for each state of a site check on the cycle page (the JSON keeps the codes).
CHECK_STATE_WORDS: dict[str, str] = {
    SiteCheck.State.QUEUED: "Waiting to be checked",
    SiteCheck.State.RUNNING: "Being checked",
    SiteCheck.State.DONE: "Checked",
    SiteCheck.State.FAILED: "Could not be checked",
    SiteCheck.State.CANCELLED: "Not checked (cycle cancelled)",
}


@dataclass
class DutyCounts:
    duty: Duty
    counts: list[tuple[str, str, int]]  # (status, words, trusts)
    does_not_apply: int


def _counts_by_duty(cycle: AuditCycle, duties: list[Duty], ended: int) -> list[DutyCounts]:
    """Trusts by effective status for each duty, in one query."""
    rows = (
        Finding.objects.with_effective_status()
        .filter(cycle=cycle)
        .values_list("duty_id", "effective")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[int, str], int] = {}
    for duty_id, effective, n in rows:
        counts[duty_id, effective] = counts.get((duty_id, effective), 0) + n
    result = []
    for duty in duties:
        per_status = [(status, label, counts.get((duty.pk, status), 0)) for status, label in FindingStatus.choices]
        found = sum(n for _, _, n in per_status)
        result.append(DutyCounts(duty, per_status, max(ended - found, 0)))
    return result


@dataclass(frozen=True)
class CheckRow:
    """A website check that needs a look, with its state in words and colour."""

    check: SiteCheck
    tag_class: str
    state_words: str


@staff_required("audits.view_auditcycle")
def cycle_detail(request, pk: int):
    """The cycle at a glance: its progress, trusts by status for each duty, and the website checks that
    need a look (errors, failures, a budget that ran out). The matrix itself is on the results page."""
    cycle = get_object_or_404(AuditCycle, pk=pk)
    duties = list(cycle.duties.defer("evidence_rules"))
    attention = (
        cycle.site_checks.select_related("organisation")
        .filter(Q(state=SiteCheck.State.FAILED) | Q(budget_exhausted=True) | ~Q(errors=[]))
        .order_by("organisation__name", "pk")
    )
    page = Paginator(attention, TRUSTS_PER_PAGE).get_page(request.GET.get("page"))
    page_checks = [
        CheckRow(
            check, CHECK_TAG_CLASSES.get(check.state, ""), CHECK_STATE_WORDS.get(check.state, check.get_state_display())
        )
        for check in page
    ]
    progress = services.cycle_progress(cycle)
    context = {
        "cycle": cycle,
        "cycle_tag_class": CYCLE_TAG_CLASSES.get(cycle.status, ""),
        "duties": duties,
        "progress": progress,
        "state_counts": [(CHECK_STATE_WORDS[state], state, progress[state]) for state in SiteCheck.State.values],
        "by_duty": _counts_by_duty(cycle, duties, progress["ended"]) if progress["ended"] else [],
        "page": page,
        "rows": page_checks,
        "history": activity.history_of(cycle),
        "allows": lifecycle.allowed(cycle),
    }
    return render(request, "audits/cycle/detail.html", context)


@staff_required("audits.view_auditcycle")
def cycle_progress(request, pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    return JsonResponse({**services.cycle_progress(cycle), "status": cycle.status})


@staff_required("audits.run_audit")
@require_POST
def site_check_recheck(request, pk: int, check_pk: int):
    check = get_object_or_404(SiteCheck.objects.select_related("cycle", "organisation"), pk=check_pk, cycle_id=pk)
    cycle = check.cycle
    duty_code = request.POST.get("duty", "").strip()
    try:
        services.recheck(check, [duty_code] if duty_code else None, request.user, activity.client_address(request))
    except services.AuditError as error:
        messages.error(request, str(error))
        return redirect("audits:cycle_detail", pk=cycle.pk)
    what = f"the duty {duty_code}" if duty_code else "every duty"
    messages.success(request, f"{check.organisation.name} queued for a recheck of {what}.")
    return redirect(_next_url(request) or reverse("audits:cycle_detail", kwargs={"pk": cycle.pk}))


def _next_url(request) -> str | None:
    """Where the form asked to go back to, if it is a page of this site."""
    url = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure())
    # A path only: redirect() would take a bare word such as "2007" for the name of a URL pattern.
    return url if allowed and url.startswith("/") else None


def _web_link(url: str) -> str | None:
    """The address if it is safe to link to; a hostile site could hand the crawler any scheme."""
    return url if urlsplit(url).scheme in ("http", "https") else None


def _finding(pk: int, finding_pk: int) -> Finding:
    return get_object_or_404(
        Finding.objects.select_related(
            "cycle", "organisation", "duty", "site_check__cycle", "site_check__organisation", "evidence", "reviewed_by"
        ),
        pk=finding_pk,
        cycle_id=pk,
    )


def _viewer(evidence: Evidence | None) -> str:
    """How the finding page shows the stored copy: in a frame ("pdf", "html"), as its text, or not at all.

    A browser shows a web page or a PDF with a text layer; a Word document, a scanned PDF or a
    broken file would be an empty box in a frame, so a person reads the text read from it instead."""
    if evidence is None or not evidence.file:
        return ""
    if evidence.error:
        return "text"
    if is_pdf(evidence):
        return "pdf"
    if is_html(evidence):
        return "html"
    return "text"


def _marked(text: str, snippet: str) -> tuple[str, str, str]:
    """The text split around the first place the matched snippet occurs (whitespace aside): before, it, after."""
    words = snippet.split()
    if not text or not words:
        return text, "", ""
    match = re.search(r"\s+".join(re.escape(word) for word in words), text)
    if match is None:
        return text, "", ""
    return text[: match.start()], match.group(), text[match.end() :]


@staff_required("audits.view_finding")
def finding_detail(request, pk: int, finding_pk: int, review_form: ReviewForm | None = None, status: int = 200):
    finding = _finding(pk, finding_pk)
    history = [
        (change, FindingStatus.label_of(change.from_status), FindingStatus.label_of(change.to_status))
        for change in finding.history.select_related("changed_by", "evidence")
    ]
    evidence = finding.evidence
    viewer = _viewer(evidence)
    context = {
        "cycle": finding.cycle,
        "finding": finding,
        "evidence": evidence,
        "evidence_href": _web_link(evidence.final_url) if evidence else None,
        "evidence_is_pdf": viewer == "pdf",
        "viewer": viewer,
        "text_parts": _marked(evidence.text, evidence.snippet) if evidence and viewer == "text" else None,
        "history": history,
        "can_recheck": not services.recheck_refusal(finding.site_check),
        "can_review": request.user.has_perm("audits.review_finding") and not review.review_refusal(finding.cycle),
        "in_queue": review.review_queue(finding.cycle).filter(pk=finding.pk).exists(),
        "review_form": review_form
        or ReviewForm(
            # Nothing chosen for the reviewer when the automated check could not decide.
            initial={
                "status": finding.effective_status if finding.effective_status in review.DECISIONS else None,
                "version": finding.version,
            }
        ),
    }
    return render(request, "audits/cycle/finding.html", context, status=status)


@staff_required("audits.view_finding")
@xframe_options_sameorigin
def finding_stored_copy(request, pk: int, finding_pk: int):
    """The evidence as fetched, shown inline on the finding page (HTML sandboxed, PDF in the viewer);
    with ?download=1, as a file to save."""
    as_attachment = request.GET.get("download") == "1"
    return stored_copy(_finding(pk, finding_pk).evidence, as_attachment=as_attachment)


@staff_required("audits.view_finding")
@xframe_options_sameorigin
def finding_change_stored_copy(request, pk: int, finding_pk: int, change_pk: int):
    """The evidence an entry of the finding's history rested on, as fetched then; looked up through
    the finding, so an entry of another finding answers 404."""
    finding = _finding(pk, finding_pk)
    change = get_object_or_404(finding.history.select_related("evidence"), pk=change_pk)
    return stored_copy(change.evidence, as_attachment=request.GET.get("download") == "1")


@staff_required("audits.review_finding")
@require_POST
def finding_review(request, pk: int, finding_pk: int):
    finding = _finding(pk, finding_pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            review.review_finding(
                finding,
                request.user,
                data["status"],
                data["reason"],
                data["version"],
                activity.client_address(request),
            )
        except services.AuditError as error:
            # Show the finding as it is now, keeping what the reviewer wrote, against the current version.
            current = Finding.objects.get(pk=finding.pk)
            form = ReviewForm(initial={**data, "version": current.version})
            messages.error(request, str(error))
            return finding_detail(request, pk, finding_pk, review_form=form, status=409)
        saved = f"Your review of {finding.organisation.name}, {finding.duty.title} was saved."
        if "save_and_next" in request.POST:
            following = review.next_in_queue(finding.cycle, after=finding)
            if following is None:
                messages.success(request, f"{saved} The review queue of {finding.cycle} is empty: nothing else waits.")
                return redirect("audits:cycle_review", pk=pk)
            messages.success(request, f"{saved} This is the next finding in the review queue.")
            return redirect("audits:finding_detail", pk=pk, finding_pk=following.pk)
        messages.success(request, saved)
        return redirect("audits:finding_detail", pk=pk, finding_pk=finding_pk)
    return finding_detail(request, pk, finding_pk, review_form=form, status=400)


# Creating and moving cycles


@staff_required("audits.run_audit")
@require_http_methods(["GET", "POST"])
def cycle_create(request):
    form = CycleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.create_cycle(
                data["name"],
                data["audit_date"],
                [d.code for d in data["duties"]],
                data["ods_code_list"],
                request.user,
                activity.client_address(request),
            )
        except services.AuditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{cycle} created as a draft with {cycle.site_checks.count()} trusts.")
            return redirect("audits:cycle_detail", pk=cycle.pk)
    return render(request, "audits/cycle/create.html", {"form": form}, status=400 if form.errors else 200)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


# Each move of a cycle is a page that says what will happen and to how many (GET, which changes
# nothing), and a confirmed POST that does it. A refused POST says why: back on the cycle page when
# the cycle is no longer in the state the move starts from, else back on the confirmation page.


@dataclass
class Move:
    name: str  # the lifecycle's move (audits/lifecycle.py), which says when it is allowed
    confirmation: Callable[[AuditCycle], dict]
    act: Callable  # (request, cycle) -> the success message
    template: str = "audits/cycle/confirm.html"


def _transition(move: Move):
    @staff_required("audits.run_audit")
    @require_http_methods(["GET", "POST"])
    def view(request, pk: int):
        cycle = get_object_or_404(AuditCycle, pk=pk)
        if request.method == "POST":
            try:
                message = move.act(request, cycle)
            except services.AuditError as error:
                messages.error(request, str(error))
                cycle.refresh_from_db()
                if lifecycle.can(cycle, move.name):
                    return redirect(request.path)
            else:
                messages.success(request, message)
            return redirect("audits:cycle_detail", pk=cycle.pk)
        refusal = lifecycle.refusal(cycle, move.name)
        context = {"cycle": cycle, "refusal": refusal, "back_label": "Cancel", **move.confirmation(cycle)}
        return render(request, move.template, context)

    return view


def _start_confirmation(cycle: AuditCycle) -> dict:
    trusts, duties = cycle.site_checks.count(), cycle.duties.count()
    return {
        "heading": f"Start checking {_plural(trusts, 'trust website')} for {_plural(duties, 'duty', 'duties')}",
        "summary": [
            f"Each of the {_plural(trusts, 'trust')} named in this draft has its website read for "
            f"{_plural(duties, 'duty', 'duties')}, as at {cycle.audit_date:%-d %B %Y}.",
            "The checks run in the background, one request at a time per website; follow them on the cycle page.",
            "When the last check ends the cycle moves to review. Trusts see only that an audit is under way.",
        ],
        "warning": "A started cycle cannot go back to draft: its trusts and duties are fixed. "
        "You can cancel it while it runs.",
        "button": "Start checking",
    }


def _start(request, cycle: AuditCycle) -> str:
    services.start_draft_cycle(cycle, request.user, activity.client_address(request))
    queued = cycle.site_checks.count()
    return f"{cycle} started: {_plural(queued, 'site check')} queued."


def _publish_confirmation(cycle: AuditCycle) -> dict:
    preview = publication.publication_preview(cycle)
    seen = f"{_plural(preview.trusts, 'trust')} will see {'its' if preview.trusts == 1 else 'their'} results"
    return {
        "heading": f"Not ready to publish: {_plural(preview.blockers.count, 'thing')} to settle first"
        if preview.blockers
        else f"Publish: {seen}",
        "preview": preview,
        "blockers": preview.blockers,
        "button": "Publish results to trusts",
    }


def _publish(request, cycle: AuditCycle) -> str:
    publication.publish(cycle, request.user, activity.client_address(request))
    trusts = cycle.findings.values("organisation_id").distinct().count()
    return f"{cycle} published: {_plural(trusts, 'trust')} can now see {'its' if trusts == 1 else 'their'} results."


def _close_confirmation(cycle: AuditCycle) -> dict:
    trusts = cycle.findings.values("organisation_id").distinct().count()
    return {
        "heading": "Close: results can no longer change",
        "summary": [
            f"The {_plural(trusts, 'trust')} assessed keep seeing {'its' if trusts == 1 else 'their'} results "
            "as they stand now.",
            "No finding of this cycle can be reviewed or rechecked any more, and trusts' answers no longer queue "
            "a recheck.",
        ],
        "warning": "Closing cannot be undone. Corrections after this are made in a new cycle.",
        "button": "Close this cycle",
    }


def _close(request, cycle: AuditCycle) -> str:
    services.close_cycle(cycle, request.user, activity.client_address(request))
    return f"{cycle} closed: its results can no longer change."


def _cancel_confirmation(cycle: AuditCycle) -> dict:
    progress = services.cycle_progress(cycle)
    waiting, running = progress[SiteCheck.State.QUEUED], progress[SiteCheck.State.RUNNING]
    if cycle.status == AuditCycle.Status.DRAFT:
        heading = "Cancel this draft: it will never be started"
        summary = [f"None of its {_plural(progress['total'], 'trust website')} will be checked."]
    elif cycle.status == AuditCycle.Status.IN_REVIEW:
        heading = "Cancel: its results will never be published"
        summary = [
            f"All {_plural(progress['total'], 'site check')} have ended. Its findings are kept on record, but "
            "trusts never see them and no letters are sent."
        ]
    else:
        heading = f"Cancel: {_plural(waiting, 'trust website')} will not be checked"
        summary = [
            f"{progress['ended']} of {progress['total']} site checks have ended; "
            f"{_plural(waiting, 'queued check')} will not run, and "
            f"{_plural(running, 'running check')} stop at their next page.",
            "The findings already recorded are kept, but a cancelled cycle is never published to trusts.",
        ]
    return {
        "heading": heading,
        "summary": summary,
        "warning": "Cancelling cannot be undone: a cancelled cycle cannot be restarted or published.",
        "button": "Cancel this cycle",
        "button_class": "govuk-button--warning",
        "back_label": "Keep it",
    }


def _cancel(request, cycle: AuditCycle) -> str:
    cancelled = services.cancel_cycle(cycle, request.user, activity.client_address(request))
    if not cancelled:
        return f"{cycle} cancelled. It will never be published."
    waiting = _plural(cancelled, "queued check")
    return f"{cycle} cancelled. {waiting} will not run; running checks stop at their next page."


cycle_start = _transition(Move("start", _start_confirmation, _start))
cycle_publish = _transition(Move("publish", _publish_confirmation, _publish, "audits/cycle/publish.html"))
cycle_close = _transition(Move("close", _close_confirmation, _close))
cycle_cancel = _transition(Move("cancel", _cancel_confirmation, _cancel))


# The review queues of every cycle that can be reviewed now


@staff_required("audits.review_finding")
def review_queue_list(request):
    queues = results_cache.remember("review_queues", review.review_queues)
    context = {"queues": queues, "total": sum(q.waiting for q in queues)}
    return render(request, "audits/cycle/queues.html", context)


# Results matrix


def _results_table(request, cycle: AuditCycle) -> tuple[ResultsTable, ResultsFilter]:
    checks = cycle.site_checks.select_related("organisation")
    filterset = ResultsFilter(request.GET or None, checks, cycle=cycle)
    duties = list(cycle.duties.defer("evidence_rules"))
    if filterset.is_valid() and (code := filterset.form.cleaned_data.get("duty")):
        duties = [d for d in duties if d.code == code]
    table = ResultsTable(filterset.qs, duties)
    return table, filterset


@staff_required("audits.view_finding")
def cycle_results(request, pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    table, filterset = _results_table(request, cycle)
    RequestConfig(request, paginate={"per_page": TRUSTS_PER_PAGE}).configure(table)
    table.load_findings(cycle, [check.pk for check in table.page.object_list.data])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "cycle": cycle,
        "table": table,
        "filter": filterset,
        "query": query.urlencode(),
        "allows": lifecycle.allowed(cycle),
    }
    return render(request, "audits/cycle/results.html", context)


@staff_required("audits.view_finding")
def cycle_results_export(request, pk: int, fmt: str):
    if fmt not in EXPORT_FORMATS:
        raise Http404(f"No export as {fmt}.")
    cycle = get_object_or_404(AuditCycle, pk=pk)
    table, filterset = _results_table(request, cycle)
    RequestConfig(request, paginate=False).configure(table)
    # The trusts the matrix shows, in its order; one row per (trust, duty), in words (audits.exports).
    checks = [row.record for row in table.rows]
    code = filterset.form.cleaned_data.get("duty") if filterset.is_valid() else None
    duties = [d for d in cycle.duties.order_by("sort_order", "code") if not code or d.code == code]
    rows = exports.export_results(cycle, checks, duties, fmt, request.user, activity.client_address(request))
    header = exports.PERSON_HEADER
    filename = f"{slugify(cycle.name) or cycle.pk}-results.{fmt}"
    if fmt == "csv":
        return spreadsheets.csv_response(rows, filename, header=header)
    return spreadsheets.xlsx_response(rows, filename, header=header, title="Results")


# Review


@staff_required("audits.review_finding")
@require_http_methods(["GET", "POST"])
def cycle_review(request, pk: int):
    cycle = get_object_or_404(AuditCycle, pk=pk)
    form = BulkConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = review.confirm_findings(
                form.versions(),
                request.user,
                form.cleaned_data["reason"],
                cycle=cycle,
                address=activity.client_address(request),
            )
        except services.AuditError as error:
            messages.error(request, str(error))
        else:
            if result.confirmed:
                messages.success(request, f"{len(result.confirmed)} findings confirmed.")
            for conflict in result.conflicts:
                messages.error(request, conflict)
            return redirect("audits:cycle_review", pk=cycle.pk)
    # Only what the rows show: the queue is sorted across the whole cycle, and narrow rows sort faster.
    queue = review.review_queue(cycle).only(
        "status", "version", "organisation__name", "organisation__ods_code", "duty__title", "duty__code"
    )
    page = Paginator(queue, TRUSTS_PER_PAGE).get_page(request.GET.get("page"))
    refusal = review.review_refusal(cycle)
    context = {
        "cycle": cycle,
        "page": page,
        "rows": review_rows(page.object_list, cycle, refusal),
        "form": form,
        "refusal": refusal,
        "agreement": review.agreement_by_duty(cycle),
        "sample_per_hundred": review.SAMPLE_PER_HUNDRED,
    }
    return render(request, "audits/review/queue.html", context, status=400 if form.errors else 200)


@login_not_required
def about_crawler(request):
    """The page the crawler's User-Agent names, for the people who run the websites it reads."""
    context = {
        "regulator": settings.REGULATOR_NAME,
        "regulator_address": settings.REGULATOR_ADDRESS,
        "user_agent": settings.AUDIT_USER_AGENT,
        "delay": _duration(settings.AUDIT_CRAWL_DELAY),
        "page_budget": settings.AUDIT_PAGE_BUDGET,
        "time_budget": _duration(settings.AUDIT_TIME_BUDGET),
    }
    return render(request, "audits/about/crawler.html", context)


def _duration(seconds: float) -> str:
    """ "1 second", "5 minutes", "1.5 seconds" """
    if seconds >= 60 and seconds % 60 == 0:
        return _plural(int(seconds // 60), "minute")
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"
