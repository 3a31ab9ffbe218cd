"""Letter pages: the staff register, a letter's page and actions, bulk work per cycle, and the download
that staff and the trust's own users share. A trust user asking for another trust's letter gets 404."""

import logging
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from audits.models import AuditCycle
from trusts import activity
from trusts.access import staff_required

from . import letters
from .letter_tables import LetterFilter, LetterTable, letters_csv
from .models import Letter, LetterError

logger = logging.getLogger(__name__)

SIGN = "reports.sign_letter"
LETTERS_PER_PAGE = 50


def _reads_register(user) -> bool:
    return user.is_regulator_staff and (user.has_perm(SIGN) or user.has_perm("reports.view_letter"))


def register_required(view):
    """Regulator staff who may read letters (signatories, or anyone given view_letter); 403 for the rest."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _reads_register(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def letter_for(user, pk: int) -> Letter:
    """The letter if this user may see it: a trust user only its own issued letters (else 404)."""
    letters_ = Letter.objects.select_related("cycle", "organisation", "replaces")
    if user.is_trust_user:
        return get_object_or_404(letters_, pk=pk, organisation_id=user.organisation_id, issued_at__isnull=False)
    if not _reads_register(user):
        raise PermissionDenied
    return get_object_or_404(letters_, pk=pk)


@register_required
def letter_list(request):
    filterset = LetterFilter(request.GET, queryset=Letter.objects.select_related("cycle", "organisation"))
    if request.GET.get("export") == "csv":
        response = HttpResponse(letters_csv(filterset.qs), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="letters.csv"'
        return response
    table = LetterTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": LETTERS_PER_PAGE}).configure(table)
    export_query = request.GET.copy()
    export_query["export"] = "csv"
    export_query.pop("page", None)
    context = {"filter": filterset, "table": table, "export_query": export_query.urlencode()}
    return render(request, "reports/letters/list.html", context)


def my_letters(request):
    if not request.user.is_trust_user:
        return redirect("letters:list")
    issued = (
        Letter.objects.filter(organisation_id=request.user.organisation_id, issued_at__isnull=False)
        .select_related("cycle")
        .order_by("-issued_at")
    )
    return render(request, "reports/letters/mine.html", {"letters": issued, "organisation": request.user.organisation})


def letter_detail(request, pk: int):
    letter = letter_for(request.user, pk)
    if request.user.is_trust_user:
        return render(request, "reports/letters/trust_detail.html", {"letter": letter})
    context = {
        "letter": letter,
        "can_sign": request.user.has_perm(SIGN),
        "replaced_by": letter.replaced_by.all(),
    }
    return render(request, "reports/letters/detail.html", context)


@register_required
def letter_preview(request, pk: int):
    """The letter as HTML, from the same template the PDF is rendered from."""
    letter = get_object_or_404(Letter.objects.select_related("cycle", "organisation", "replaces"), pk=pk)
    return HttpResponse(letters.render_letter_html(letter))


def _letter_action(service):
    """A POST that moves one letter through its lifecycle; a refusal is shown on the letter's page."""

    @staff_required(SIGN)
    @require_POST
    @wraps(service)
    def view(request, pk: int):
        letter = get_object_or_404(Letter, pk=pk)
        try:
            letter = service(request, letter)
        except LetterError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Letter {letter.reference} is {letter.get_status_display().lower()}.")
        return redirect("letters:detail", pk=letter.pk)

    return view


letter_approve = _letter_action(lambda request, letter: letters.approve_letter(letter, request.user))
letter_issue = _letter_action(lambda request, letter: letters.issue_letter(letter, request.user))
letter_withdraw = _letter_action(
    lambda request, letter: letters.withdraw_letter(letter, request.user, request.POST.get("reason", ""))
)


def letter_download(request, pk: int):
    letter = letter_for(request.user, pk)
    if not letter.pdf:
        raise Http404("This letter has not been issued.")
    try:
        content = letters.verify_letter_file(letter)
    except LetterError as error:
        logger.error("reports.letter.tampered %s: %s", letter.reference, error)
        activity.record("reports.letter.tampered", request.user, letter, str(error), request=request)
        return render(request, "reports/letters/tampered.html", {"letter": letter}, status=409)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.reference.replace("/", "-")}.pdf"'
    response["Cache-Control"] = "private, no-store"
    activity.record("reports.letter.downloaded", request.user, letter, request=request)
    return response


@register_required
def cycle_letters(request, cycle_pk: int):
    cycle = get_object_or_404(AuditCycle, pk=cycle_pk)
    context = {"cycle": cycle, "progress": letters.cycle_progress(cycle), "can_sign": request.user.has_perm(SIGN)}
    return render(request, "reports/letters/cycle.html", context)


def _cycle_action(action):
    @staff_required(SIGN)
    @require_POST
    @wraps(action)
    def view(request, cycle_pk: int):
        cycle = get_object_or_404(AuditCycle, pk=cycle_pk)
        try:
            messages.success(request, action(request, cycle))
        except LetterError as error:
            messages.error(request, str(error))
        return redirect("letters:cycle", cycle_pk=cycle.pk)

    return view


def _draft_all(request, cycle):
    letters.queue_draft_letters(cycle)
    activity.record("reports.letters.draft_queued", request.user, cycle, request=request)
    return "Drafting letters for every trust. Refresh this page to follow progress."


def _approve_all(request, cycle):
    result = letters.approve_letters(Letter.objects.filter(cycle=cycle), request.user)
    return f"Approved letters: {result.summary}."


def _issue_all(request, cycle):
    letters.queue_issue_letters(cycle, request.user)
    activity.record("reports.letters.issue_queued", request.user, cycle, request=request)
    return "Issuing every approved letter. Refresh this page to follow progress."


cycle_draft = _cycle_action(_draft_all)
cycle_approve = _cycle_action(_approve_all)
cycle_issue = _cycle_action(_issue_all)
