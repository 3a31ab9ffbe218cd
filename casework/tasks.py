"""Celery tasks for casework: thin wrappers around casework.services and casework.mail."""

from celery import shared_task

from . import mail, services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def follow_cases() -> str:
    """Beat's daily round (CELERY_BEAT_SCHEDULE "follow-cases"); safe to run twice."""
    return str(services.follow_cases())


# A mail server that is down or refuses for a while (smtplib's errors are OSErrors) is tried again,
# backing off up to ten minutes, for about a day and a half before the message is given up and logged.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=False,
    max_retries=200,
)
def send_email(subject: str, text: str, html: str, address: str) -> None:
    mail.send(subject, text, html, address)
