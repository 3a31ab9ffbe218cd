"""The staff inbox of trusts' responses: read them, queue a recheck, resolve with a note; and the
answers already resolved, by a person or by the recheck they asked for, with its outcome."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from audits import responses
from trusts.access import staff_required
from trusts.activity import client_address

from ..evidence import stored_copy
from ..models import FindingStatus, TrustResponse

RESPONSES_PER_PAGE = 25
STATUS_TAG_CLASSES = {
    TrustResponse.Status.OPEN: "govuk-tag--yellow",
    TrustResponse.Status.RECHECKING: "govuk-tag--blue",
    TrustResponse.Status.RESOLVED: "govuk-tag--green",
}


def _require_triage(user) -> None:
    if not any(user.has_perm(permission) for permission in responses.TRIAGE_PERMISSIONS):
        raise PermissionDenied


def _answers():
    return TrustResponse.objects.select_related(
        "organisation", "author", "resolved_by", "outcome_evidence", "finding__duty", "finding__cycle"
    )


def _unresolved():
    return _answers().exclude(status=TrustResponse.Status.RESOLVED)


@staff_required()
def inbox(request):
    """Answers waiting for the regulator or for their recheck, oldest first."""
    return _answer_list(request, resolved=False)


@staff_required()
def resolved(request):
    """Answers resolved, by staff or by the outcome of their recheck, newest first."""
    return _answer_list(request, resolved=True)


def _answer_list(request, resolved: bool):
    _require_triage(request.user)
    answers = (
        _answers().filter(status=TrustResponse.Status.RESOLVED).order_by("-resolved_at", "-id")
        if resolved
        else _unresolved().order_by("created_at", "id")
    )
    page = Paginator(answers, RESPONSES_PER_PAGE).get_page(request.GET.get("page"))
    for response in page:
        response.tag_class = STATUS_TAG_CLASSES.get(response.status, "")
        response.outcome_label = FindingStatus.label_of(response.outcome_status)
    context = {
        "page": page,
        "resolved": resolved,
        "waiting": _unresolved().count() if resolved else page.paginator.count,
        "max_note_chars": responses.MAX_COMMENT_CHARS,
    }
    return render(request, "audits/response/inbox.html", context)


@staff_required()
@xframe_options_sameorigin
def response_evidence(request, pk: int):
    """The stored copy of the evidence the recheck an answer asked for found (staff who triage only)."""
    _require_triage(request.user)
    answer = get_object_or_404(_answers(), pk=pk)
    return stored_copy(answer.outcome_evidence, as_attachment=request.GET.get("download") == "1")


@staff_required("audits.run_audit")
@require_POST
def response_recheck(request, pk: int):
    response = get_object_or_404(_unresolved(), pk=pk)
    try:
        responses.recheck_response(response, request.user, client_address(request))
    except responses.ResponseError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{response.organisation.name} queued for a recheck of {response.finding.duty.title.lower()}."
        )
    return redirect("responses:inbox")


@staff_required()
@require_POST
def response_resolve(request, pk: int):
    _require_triage(request.user)
    response = get_object_or_404(_unresolved(), pk=pk)
    note = request.POST.get("note", "")
    try:
        responses.resolve_response(response, request.user, note, client_address(request))
    except responses.ResponseError as error:
        messages.error(request, f"{response.organisation.name}: {error}")
    else:
        messages.success(request, f"Response from {response.organisation.name} resolved.")
    return redirect("responses:inbox")
