"""Letter pages: the staff register, a letter's page and actions, bulk work per cycle, and the download
that staff and the trust's own users share. A trust user asking for another trust's letter gets 404."""

import datetime
import logging
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from audits.models import AuditCycle
from config import spreadsheets
from reports import letters
from trusts import activity
from trusts.access import staff_required
from trusts.validators import validate_text

from ..models import Letter, LetterError
from .tables import LetterFilter, LetterTable, letters_csv

logger = logging.getLogger(__name__)

SIGN = "reports.sign_letter"
LETTERS_PER_PAGE = 50
# The letter's PDF is shown in a frame on its own page; the portal's policy would forbid the frame.
PDF_IN_FRAME = "default-src 'none'; frame-ancestors 'self'"


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
    """The letter if this user may see it (Letter.objects.visible_to: a trust user only its own issued
    letters, else 404); staff who may not read the register get 403."""
    if not user.is_trust_user and not _reads_register(user):
        raise PermissionDenied
    return get_object_or_404(Letter.objects.visible_to(user).select_related("cycle", "organisation", "replaces"), pk=pk)


@register_required
def letter_list(request):
    filterset = LetterFilter(request.GET, queryset=Letter.objects.select_related("cycle", "organisation"))
    if request.GET.get("export") == "csv":
        response = HttpResponse(letters_csv(filterset.qs), content_type=spreadsheets.CSV_CONTENT_TYPE)
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
    issued = Letter.objects.visible_to(request.user).select_related("cycle").order_by("-issued_at")
    return render(request, "reports/letters/mine.html", {"letters": issued, "organisation": request.user.organisation})


def _signer_ready(user) -> bool:
    try:
        letters.check_can_sign(user)
    except LetterError:
        return False
    return True


def letter_detail(request, pk: int):
    letter = letter_for(request.user, pk)
    if request.user.is_trust_user:
        return render(request, "reports/letters/trust_detail.html", {"letter": letter})
    context = {
        "letter": letter,
        "can_sign": request.user.has_perm(SIGN),
        "replaced_by": letter.replaced_by.all(),
        "signer_ready": _signer_ready(request.user),
    }
    return render(request, "reports/letters/detail.html", context)


@register_required
@xframe_options_sameorigin
def letter_preview(request, pk: int):
    """The PDF the signatory approves: the stored file once issued, else the draft PDF the trust would
    get if it were issued today, marked as a draft. Shown inline in a frame; ?download=1 saves it."""
    letter = get_object_or_404(Letter.objects.select_related("cycle", "organisation", "replaces"), pk=pk)
    name = letter.reference.replace("/", "-")
    if letter.pdf:
        try:
            content = letters.verify_letter_file(letter)
        except LetterError as error:
            logger.error("reports.letter.tampered %s: %s", letter.reference, error)
            return render(request, "reports/letters/tampered.html", {"letter": letter}, status=409)
    else:
        content, name = letters.render_draft_pdf(letter), f"{name}-DRAFT"
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.pdf"'
    response["Content-Security-Policy"] = PDF_IN_FRAME
    response["Cache-Control"] = "private, no-store"
    return response


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


letter_approve = _letter_action(
    lambda request, letter: letters.approve_letter(letter, request.user, activity.client_address(request))
)
letter_issue = _letter_action(
    lambda request, letter: letters.issue_letter(letter, request.user, activity.client_address(request))
)
MAX_WITHDRAWAL_REASON_CHARS = 2000


def _withdraw_with_reason(request, letter: Letter) -> Letter:
    reason = request.POST.get("reason", "")
    if len(reason) > MAX_WITHDRAWAL_REASON_CHARS:
        raise LetterError(f"The reason must be {MAX_WITHDRAWAL_REASON_CHARS:,} characters or fewer.")
    try:
        validate_text(reason)
    except ValidationError as error:
        raise LetterError(f"The reason cannot be recorded. {' '.join(error.messages)}") from None
    return letters.withdraw_letter(letter, request.user, reason, activity.client_address(request))


_withdraw = _letter_action(_withdraw_with_reason)


@staff_required(SIGN)
@require_http_methods(["GET", "POST"])
def letter_withdraw(request, pk: int):
    """GET: what withdrawing this letter means, and a reason to give; POST: withdraw it."""
    if request.method == "POST":
        return _withdraw(request, pk)
    letter = get_object_or_404(Letter.objects.select_related("cycle", "organisation"), pk=pk)
    if letter.status == Letter.Status.WITHDRAWN:
        messages.error(request, f"Letter {letter} is already withdrawn.")
        return redirect("letters:detail", pk=letter.pk)
    return render(request, "reports/letters/confirm_withdraw.html", {"letter": letter})


def letter_download(request, pk: int):
    letter = letter_for(request.user, pk)
    if not letter.pdf:
        raise Http404("This letter has not been issued.")
    try:
        content = letters.download_letter(letter, request.user, activity.client_address(request))
    except LetterError:
        return render(request, "reports/letters/tampered.html", {"letter": letter}, status=409)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.reference.replace("/", "-")}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


TRUSTS_PER_PAGE = 50


@register_required
def cycle_letters(request, cycle_pk: int):
    cycle = get_object_or_404(AuditCycle, pk=cycle_pk)
    without_letter = letters.trusts_without_letter(cycle)
    progress = _letters_progress(cycle, without_letter)
    context = {
        "cycle": cycle,
        "progress": progress,
        "without_letter": without_letter,
        "without_letter_page": Paginator(without_letter, TRUSTS_PER_PAGE).get_page(request.GET.get("page")),
        "can_sign": request.user.has_perm(SIGN),
    }
    return render(request, "reports/letters/cycle.html", context)


# How long after it was asked for a drafting or issuing run is followed: a run that failed part-way
# leaves letters undrafted or unissued, and the page stops asking after this.
FOLLOW_WORK_FOR = datetime.timedelta(minutes=15)


def _letters_progress(cycle: AuditCycle, without_letter=None) -> dict:
    """The counts of the cycle's letters, and whether drafting or issuing still waits on the worker:
    asked for (the activity log) in the last FOLLOW_WORK_FOR and with letters still to do."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from trusts.models import ActivityRecord

    progress = letters.cycle_progress(cycle)
    if without_letter is None:
        without_letter = letters.trusts_without_letter(cycle)
    asked = dict(
        ActivityRecord.objects.filter(
            action__in=["reports.letters.draft_queued", "reports.letters.issue_queued"],
            target_type=ContentType.objects.get_for_model(AuditCycle),
            target_id=str(cycle.pk),
            at__gte=timezone.now() - FOLLOW_WORK_FOR,
        )
        .order_by("at")
        .values_list("action", "at")
    )
    progress["to_draft"] = to_draft = sum(1 for row in without_letter if row.reason == letters.READY_TO_DRAFT)
    progress["drafting"] = "reports.letters.draft_queued" in asked and to_draft > 0
    progress["issuing"] = "reports.letters.issue_queued" in asked and progress["approved"] > 0
    progress["queued"] = progress["drafting"] or progress["issuing"]
    return progress


@register_required
def cycle_letters_progress(request, cycle_pk: int):
    """The letters page's live counts (static/js/letters-progress.mjs polls it while work is queued)."""
    cycle = get_object_or_404(AuditCycle, pk=cycle_pk)
    return JsonResponse(_letters_progress(cycle))


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


def _confirmed_cycle_action(action, status: str, template: str):
    """GET: a page that states what will happen and to how many letters; POST (confirmed): do it."""
    post = _cycle_action(action)

    @staff_required(SIGN)
    @require_http_methods(["GET", "POST"])
    @wraps(action)
    def view(request, cycle_pk: int):
        if request.method == "POST":
            return post(request, cycle_pk)
        cycle = get_object_or_404(AuditCycle, pk=cycle_pk)
        waiting = Letter.objects.filter(cycle=cycle, status=status).select_related("organisation")
        context = {
            "cycle": cycle,
            "letters": waiting.order_by("organisation__name"),
            "count": waiting.count(),
            "can_sign": _signer_ready(request.user),
        }
        return render(request, template, context)

    return view


def _draft_all(request, cycle):
    letters.queue_draft_letters(cycle, request.user, activity.client_address(request))
    return "Drafting letters for every trust. This page shows their progress."


def _approve_all(request, cycle):
    letters.check_can_sign(request.user)
    result = letters.approve_letters(Letter.objects.filter(cycle=cycle), request.user, activity.client_address(request))
    return f"Approved letters: {result.summary}."


def _issue_all(request, cycle):
    letters.queue_issue_letters(cycle, request.user, activity.client_address(request))
    return "Issuing every approved letter. This page shows their progress."


cycle_draft = _cycle_action(_draft_all)
cycle_approve = _confirmed_cycle_action(_approve_all, Letter.Status.DRAFT, "reports/letters/confirm_approve_all.html")
cycle_issue = _confirmed_cycle_action(_issue_all, Letter.Status.APPROVED, "reports/letters/confirm_issue_all.html")
