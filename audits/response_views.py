"""The staff inbox of trusts' responses: read them, queue a recheck, resolve with a note."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from trusts.access import staff_required

from . import responses
from .models import TrustResponse

RESPONSES_PER_PAGE = 25
TRIAGE_PERMISSIONS = ("audits.review_finding", "audits.run_audit")
STATUS_TAG_CLASSES = {
    TrustResponse.Status.OPEN: "govuk-tag--yellow",
    TrustResponse.Status.RECHECKING: "govuk-tag--blue",
    TrustResponse.Status.RESOLVED: "govuk-tag--green",
}


def _require_triage(user) -> None:
    if not any(user.has_perm(permission) for permission in TRIAGE_PERMISSIONS):
        raise PermissionDenied


def _unresolved():
    return TrustResponse.objects.exclude(status=TrustResponse.Status.RESOLVED).select_related(
        "organisation", "author", "finding__duty", "finding__cycle", "finding__site_check"
    )


@staff_required()
def inbox(request):
    _require_triage(request.user)
    page = Paginator(_unresolved().order_by("created_at", "id"), RESPONSES_PER_PAGE).get_page(request.GET.get("page"))
    for response in page:
        response.tag_class = STATUS_TAG_CLASSES.get(response.status, "")
    return render(request, "audits/response/inbox.html", {"page": page})


@staff_required("audits.run_audit")
@require_POST
def response_recheck(request, pk: int):
    response = get_object_or_404(_unresolved(), pk=pk)
    try:
        responses.recheck_response(response, request.user)
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
    note = request.POST.get("note", "")[: responses.MAX_COMMENT_CHARS]
    try:
        responses.resolve_response(response, request.user, note)
    except responses.ResponseError as error:
        messages.error(request, f"{response.organisation.name}: {error}")
    else:
        messages.success(request, f"Response from {response.organisation.name} resolved.")
    return redirect("responses:inbox")
