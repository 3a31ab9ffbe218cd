"""The trust portal: a trust user's own status per published cycle, its evidence, and its answers.

Every object is looked up through the user's organisation and published, reviewed findings only,
so another trust's ids (or an unpublished finding) answer 404 and reveal nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.validators import URLValidator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from audits import responses
from audits.evidence import stored_copy
from audits.models import AuditCycle, Finding, FindingStatus, TrustResponse

RESPONSE_TAG_CLASSES = {
    TrustResponse.Status.OPEN: "govuk-tag--yellow",
    TrustResponse.Status.RECHECKING: "govuk-tag--blue",
    TrustResponse.Status.RESOLVED: "govuk-tag--green",
}


def trust_user_required(view: Callable) -> Callable:
    """Trust users only: regulator staff have their own pages, with every trust, and get 403 here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.organisation_id:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# A closed cycle stays on the record the trust was shown.
SHOWN_TO_TRUSTS = (AuditCycle.Status.PUBLISHED, AuditCycle.Status.CLOSED)


def published_findings(user):
    """The findings a trust user may see: their organisation's, reviewed, in published cycles."""
    return (
        Finding.objects.filter(organisation_id=user.organisation_id, cycle__status__in=SHOWN_TO_TRUSTS)
        .exclude(reviewed_status="")
        .select_related("cycle", "duty", "evidence", "organisation")
    )


def _with_responses(findings):
    return findings.prefetch_related(
        Prefetch("responses", queryset=TrustResponse.objects.order_by("-created_at", "-id"), to_attr="answers")
    )


@dataclass
class CycleStatus:
    cycle: AuditCycle
    findings: list[Finding] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(f.reviewed_status == FindingStatus.MET for f in self.findings)

    @property
    def summary(self) -> str:
        total = len(self.findings)
        return f"{self.met} of {total} {'duty' if total == 1 else 'duties'} met in the {self.cycle.name}"


def _by_cycle(findings) -> list[CycleStatus]:
    cycles: dict[int, CycleStatus] = {}
    for finding in findings:
        # A duty that did not apply on the audit date is no part of the trust's status.
        if not finding.duty.applies_to(finding.organisation, finding.cycle.audit_date):
            continue
        _decorate(finding)
        cycles.setdefault(finding.cycle_id, CycleStatus(finding.cycle)).findings.append(finding)
    return list(cycles.values())


def _decorate(finding: Finding) -> None:
    for answer in getattr(finding, "answers", []):
        answer.tag_class = RESPONSE_TAG_CLASSES.get(answer.status, "")


@trust_user_required
def status(request):
    findings = _with_responses(published_findings(request.user)).order_by(
        "-cycle__audit_date", "-cycle__created_at", "cycle_id", "duty__sort_order", "duty__code"
    )
    cycles = _by_cycle(findings)
    organisation = cycles[0].findings[0].organisation if cycles else request.user.organisation
    return render(request, "reports/trust/status.html", {"organisation": organisation, "cycles": cycles})


class ResponseForm(forms.Form):
    comment = forms.CharField(
        label="Your comment",
        help_text="Tell the regulator what you have published and where. Up to 2,000 characters.",
        max_length=responses.MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter a comment", "max_length": "The comment must be 2,000 characters or fewer"},
    )
    urls = forms.CharField(
        label="Where it is published",
        help_text=f"Web addresses on your organisation's website, one on each line, up to {responses.MAX_URLS}.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        error_messages={"required": "Enter at least one web address"},
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_urls(self) -> list[str]:
        urls = list(dict.fromkeys(line.strip() for line in self.cleaned_data["urls"].splitlines() if line.strip()))
        if len(urls) > responses.MAX_URLS:
            raise forms.ValidationError(f"Enter no more than {responses.MAX_URLS} web addresses")
        validate = URLValidator(schemes=["http", "https"])
        for url in urls:
            try:
                validate(url)
            except forms.ValidationError:
                raise forms.ValidationError(f"Enter a full web address starting with https://, not “{url}”") from None
        if foreign := responses.foreign_urls(urls, self.organisation):
            host = responses.site_host(self.organisation) or "your organisation's website"
            raise forms.ValidationError(
                f"Enter addresses on {host} only; these are not: {', '.join(foreign)}", code="foreign"
            )
        return urls


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
                    finding, request.user, form.cleaned_data["comment"], form.cleaned_data["urls"]
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
    return render(request, "reports/trust/finding.html", {"finding": finding, "form": form})


@trust_user_required
def response_detail(request, pk: int):
    answer = get_object_or_404(
        TrustResponse.objects.filter(
            organisation_id=request.user.organisation_id, finding__in=published_findings(request.user)
        ).select_related("finding__duty", "finding__cycle", "author"),
        pk=pk,
    )
    answer.tag_class = RESPONSE_TAG_CLASSES.get(answer.status, "")
    return render(request, "reports/trust/response.html", {"answer": answer})


@trust_user_required
def evidence_download(request, pk: int):
    """The stored copy of the evidence, from private storage, as an attachment."""
    finding = get_object_or_404(published_findings(request.user), pk=pk)
    return stored_copy(finding.evidence, as_attachment=True)
