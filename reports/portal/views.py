"""The trust portal: a trust user's own status per published cycle, its evidence, and its answers.

What a trust may see is decided in one place, trusts/access.py (`visible_to`): its own organisation's
findings, evidence and answers in published or closed cycles. Every object here is looked up through
that, so another trust's ids (or an unpublished finding) answer 404 and reveal nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from audits import lifecycle, publication, responses
from audits.evidence import stored_copy
from audits.models import AuditCycle, Evidence, Finding, FindingStatus, TrustResponse
from audits.responses.forms import ResponseForm
from trusts.activity import client_address

from .. import words
from ..models import Letter

RESPONSE_TAG_CLASSES: dict[str, str] = {
    TrustResponse.Status.OPEN: "govuk-tag--yellow",
    TrustResponse.Status.RECHECKING: "govuk-tag--blue",
    TrustResponse.Status.RESOLVED: "govuk-tag--grey",
}
RESPONSE_LABELS: dict[str, str] = {
    TrustResponse.Status.OPEN: "Waiting for the regulator",
    TrustResponse.Status.RECHECKING: "Recheck queued",
    TrustResponse.Status.RESOLVED: "Closed",
}
# An answer closed by its recheck says what the recheck found: "Resolved" beside "not met" read as "sorted".
RECHECKED: dict[str, tuple[str, str]] = {
    FindingStatus.MET: ("Rechecked: met", "govuk-tag--green"),
    FindingStatus.NOT_MET: ("Rechecked: still not met", "govuk-tag--red"),
}


def trust_user_required(view: Callable) -> Callable:
    """Trust users only: regulator staff have their own pages, with every trust, and get 403 here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.organisation_id:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def published_findings(user):
    """The findings a trust user may see, with the status that counts and what the pages show."""
    return (
        Finding.objects.visible_to(user)
        .with_effective_status()
        .select_related("cycle", "duty", "evidence", "organisation")
    )


def _with_responses(findings):
    return findings.prefetch_related(
        Prefetch(
            "responses",
            queryset=TrustResponse.objects.select_related("outcome_evidence").order_by("-created_at", "-id"),
            to_attr="answers",
        )
    )


@dataclass
class CycleStatus:
    cycle: AuditCycle
    findings: list[Finding] = field(default_factory=list)
    letter: Letter | None = None  # the trust's issued letter for the cycle: its deadline leads the summary

    @property
    def final(self) -> bool:
        return lifecycle.can(self.cycle, "final")

    @property
    def met(self) -> int:
        return sum(f.effective == FindingStatus.MET for f in self.findings)

    @property
    def being_checked(self) -> int:
        return sum(f.effective in publication.UNSETTLED for f in self.findings)

    @property
    def summary(self) -> str:
        total = len(self.findings)
        text = f"{self.met} of {total} {'duty' if total == 1 else 'duties'} met in the {self.cycle.name}"
        if self.being_checked:
            text += f"; {self.being_checked} being checked by the regulator"
        return text


def _by_cycle(findings) -> list[CycleStatus]:
    cycles: dict[int, CycleStatus] = {}
    for finding in findings:
        # A duty that did not apply on the audit date is no part of the trust's status.
        if not finding.duty.applies_to(finding.organisation, finding.cycle.audit_date):
            continue
        _decorate(finding)
        cycles.setdefault(finding.cycle_id, CycleStatus(finding.cycle)).findings.append(finding)
    for entry in cycles.values():
        # What needs the trust's action first: not met, then being checked, then met.
        entry.findings.sort(key=lambda f: publication.TRUST_ORDER.get(f.effective, 1))
    return list(cycles.values())


# The due action in the summary table, by effective status.
ACTIONS = {
    FindingStatus.MET: "Nothing: keep it published",
    FindingStatus.NOT_MET: "Publish it on your website and tell us where",
}


def _decorate(finding: Finding) -> None:
    finding.trust_label = publication.trust_label(finding.effective)
    finding.trust_class = publication.trust_status_class(finding.effective)
    finding.action = ACTIONS.get(finding.effective, "Nothing for now: we will tell you the result")
    finding.found = words.what_we_found(finding)
    if finding.evidence:
        finding.excerpt = words.excerpt(finding.evidence.snippet)
        finding.evidence_link_text = words.evidence_link_text(finding.evidence)
        finding.evidence_kind = words.evidence_kind(finding.evidence)
    for answer in getattr(finding, "answers", []):
        _decorate_answer(answer)


def _decorate_answer(answer: TrustResponse) -> None:
    answer.label = RESPONSE_LABELS.get(answer.status, answer.get_status_display())
    answer.tag_class = RESPONSE_TAG_CLASSES.get(answer.status, "")
    answer.label_says_outcome = False  # the recheck's outcome is then not repeated beside the tag
    if answer.status == TrustResponse.Status.RESOLVED and answer.resolved_by_id is None:
        answer.label, answer.tag_class = RECHECKED.get(answer.outcome_status, (answer.label, answer.tag_class))
        answer.label_says_outcome = answer.outcome_status in RECHECKED
    answer.outcome_label = publication.trust_label(answer.outcome_status) if answer.outcome_status else ""


@trust_user_required
def status(request):
    findings = _with_responses(published_findings(request.user)).order_by(
        "-cycle__audit_date", "-cycle__created_at", "cycle_id", "duty__sort_order", "duty__code"
    )
    cycles = _by_cycle(findings)
    issued = Letter.objects.filter(
        organisation_id=request.user.organisation_id,
        status=Letter.Status.ISSUED,
        cycle_id__in=[entry.cycle.pk for entry in cycles],
    ).order_by("issued_at", "pk")
    latest = {letter.cycle_id: letter for letter in issued}  # the newest issued letter of each cycle
    for entry in cycles:
        entry.letter = latest.get(entry.cycle.pk)
    shown = {entry.cycle.pk for entry in cycles}
    # Published cycles that assessed the trust but found no duty that applied to it.
    without_duties = [c for c in publication.cycles_shown_to_trust(request.user) if c.pk not in shown]
    under_way = list(publication.cycles_under_way_for_trust(request.user).order_by("-audit_date", "-created_at"))
    context = {
        "organisation": request.user.organisation,
        "cycles": cycles,
        "under_way": under_way,
        "without_duties": without_duties,
    }
    return render(request, "reports/portal/status.html", context)


@trust_user_required
@require_http_methods(["GET", "POST"])
def finding_detail(request, pk: int):
    finding = get_object_or_404(_with_responses(published_findings(request.user)), pk=pk)
    _decorate(finding)
    form = ResponseForm(organisation=finding.organisation)
    if request.method == "POST":
        form = ResponseForm(request.POST, organisation=finding.organisation)
        if form.is_valid():
            try:
                answer = responses.submit_response(
                    finding,
                    request.user,
                    form.cleaned_data["comment"],
                    form.cleaned_data["urls"],
                    client_address(request),
                )
            except responses.ResponseError as error:
                form.add_error(None, str(error))
            else:
                follow_up = (
                    "We have queued an automatic recheck of this duty."
                    if answer.status == TrustResponse.Status.RECHECKING
                    else "The regulator will review it."
                )
                messages.success(request, f"Your response has been sent. {follow_up}")
                return redirect("trust:response", pk=answer.pk)
    return render(request, "reports/portal/finding.html", {"finding": finding, "form": form})


@trust_user_required
def response_detail(request, pk: int):
    answer = _answer_for(request.user, pk)
    _decorate_answer(answer)
    finding = answer.finding
    finding.trust_label = publication.trust_label(finding.effective)
    finding.trust_class = publication.trust_status_class(finding.effective)
    finding.found = words.what_we_found(finding)  # why it stands as it does, in the trust's words
    if answer.outcome_evidence:
        answer.outcome_excerpt = words.excerpt(answer.outcome_evidence.snippet)
    return render(request, "reports/portal/response.html", {"answer": answer})


def _answer_for(user, pk: int) -> TrustResponse:
    """One of the user's organisation's answers, on a finding the trust may see; else 404."""
    answer = get_object_or_404(
        TrustResponse.objects.visible_to(user).select_related("author", "outcome_evidence__site_check"), pk=pk
    )
    answer.finding = published_findings(user).get(pk=answer.finding_id)  # with the status that counts
    return answer


@trust_user_required
def evidence_download(request, pk: int):
    """The stored copy of the evidence, from private storage, as an attachment."""
    finding = get_object_or_404(published_findings(request.user), pk=pk)
    return stored_copy(finding.evidence, as_attachment=True)


@trust_user_required
def outcome_evidence_download(request, pk: int):
    """The stored copy of what the recheck an answer asked for found, as an attachment."""
    answer = _answer_for(request.user, pk)
    evidence = get_object_or_404(Evidence.objects.visible_to(request.user), pk=answer.outcome_evidence_id)
    return stored_copy(evidence, as_attachment=True)
