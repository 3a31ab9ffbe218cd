"""Casework listens to letters (reports cannot import casework): an issued action-required letter opens
a case, and an issued follow-up letter is written into its case's events."""

from django.dispatch import receiver

from reports.letters import letter_issued

from . import services


@receiver(letter_issued, dispatch_uid="casework.letter_issued")
def _letter_issued(sender, letter, user=None, **kwargs):
    if letter.follows_id:
        services.record_follow_up_issued(letter, user)
    else:
        services.open_case(letter, user)
