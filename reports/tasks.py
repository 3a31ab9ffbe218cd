"""Celery tasks for letters: thin wrappers that take ids and call reports.letters. Both are safe to run twice:
drafting skips trusts that have a current letter, issuing skips letters that are no longer approved."""

from celery import shared_task
from django.contrib.auth import get_user_model

from audits.models import AuditCycle

from . import letters
from .models import Letter


@shared_task(acks_late=True, reject_on_worker_lost=True)
def draft_letters(cycle_id: int) -> str:
    return letters.draft_letters_for_cycle(AuditCycle.objects.get(pk=cycle_id)).summary


@shared_task(acks_late=True, reject_on_worker_lost=True)
def issue_letters(cycle_id: int, user_id: int) -> str:
    user = get_user_model().objects.get(pk=user_id)
    return letters.issue_letters(Letter.objects.filter(cycle_id=cycle_id), user).summary
