"""E-mail to a trust's users: a plain-text and an HTML part from templates, one message per person (no
one sees another's address), each sent by a Celery task that retries a failed send."""

from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from trusts.models import Organisation


def send_to_trust(organisation: Organisation, subject: str, template: str, context: dict) -> int:
    """Queue `template`.txt and .html to every active user of the trust once the transaction commits;
    the number of people it goes to."""
    from .tasks import send_email

    context = {**context, "organisation": organisation, "site_url": settings.SITE_URL.rstrip("/")}
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    recipients = list(organisation.users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    for address in recipients:
        transaction.on_commit(partial(send_email.delay, subject, text, html, address))
    return len(recipients)


def send(subject: str, text: str, html: str, address: str) -> None:
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
    message.attach_alternative(html, "text/html")
    message.send()
