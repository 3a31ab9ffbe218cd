"""The activity log: sign-ins and every sensitive action, kept in the database and sent to the log.

`record` is called by the domain functions that make a change (publish a cycle, override a finding,
issue a letter...) and by the receivers below for sign-in events.
"""

import getpass
import ipaddress
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import ActivityRecord

log = logging.getLogger("activity")

# Who ran the management command in progress, if one is: entries it writes with no user carry this name.
_command_line_account: ContextVar[str] = ContextVar("command_line_account", default="")

# What each recorded action means, in the words the activity log shows. Every key passed to `record`
# belongs here; an unknown key still reads as words (`action_label`).
ACTION_LABELS = {
    "trusts.sign_in.succeeded": "Signed in",
    "trusts.sign_in.signed_out": "Signed out",
    "trusts.sign_in.failed": "Failed to sign in",
    "trusts.sign_in.locked_out": "Locked out after too many failed sign-ins",
    "trusts.two_factor.enabled": "Turned on two-factor sign-in",
    "trusts.two_factor.disabled": "Turned off two-factor sign-in",
    "trusts.two_factor.failed": "Entered a wrong security code",
    "trusts.user.invited": "Invited a user",
    "trusts.user.reinvited": "Sent a new invitation",
    "trusts.user.activated": "Chose a password and activated their account",
    "trusts.user.roles_changed": "Changed a user's roles",
    "trusts.user.two_factor_reset": "Reset a user's authenticator app",
    "trusts.user.set_up_link": "Made a set-up link on the command line",
    "trusts.user.deactivated": "Deactivated a user",
    "trusts.user.reactivated": "Reactivated a user",
    "trusts.register.imported": "Imported trusts into the register",
    "audits.cycle.created": "Created an audit cycle",
    "audits.cycle.started": "Started an audit cycle",
    "audits.cycle.published": "Published a cycle's results to trusts",
    "audits.cycle.closed": "Closed an audit cycle",
    "audits.cycle.cancelled": "Cancelled an audit cycle",
    "audits.cycle.checked": "Finished checking a cycle's websites",
    "audits.cycle.reopened": "Reopened a cycle in review for a recheck",
    "audits.cycle.exported": "Downloaded a cycle's results",
    "reports.national.exported": "Downloaded a national report",
    "audits.site_check.rechecked": "Asked for a website to be checked again",
    "audits.finding.reviewed": "Reviewed a finding",
    "audits.response.submitted": "Answered a finding for their trust",
    "audits.response.rechecked": "Asked for a recheck of a trust's answer",
    "audits.response.resolved": "Closed a trust's answer",
    "audits.response.recheck_ended": "Finished the recheck of a trust's answer",
    "reports.letter.approved": "Approved a letter",
    "reports.letter.issued": "Issued a letter",
    "reports.letter.withdrawn": "Withdrew a letter",
    "reports.letter.downloaded": "Downloaded a letter",
    "reports.letter.tampered": "Found a stored letter changed since it was issued",
    "reports.letters.draft_queued": "Asked for a cycle's letters to be drafted",
    "reports.letters.issue_queued": "Asked for a cycle's approved letters to be issued",
    "casework.case.opened": "Opened a case on an action-required letter",
    "casework.case.reminder_sent": "Reminded a trust of its deadline",
    "casework.case.awaiting_trust": "Case awaiting the trust",
    "casework.case.recheck_requested": "Rechecked a case's duties after its deadline",
    "casework.case.rechecked": "Recorded a case's recheck",
    "casework.case.resolved": "Resolved a case: confirmation drafted",
    "casework.case.escalated": "Escalated a case: final notice drafted",
    "casework.case.held": "A case could not move on",
    "casework.case.letter_replaced": "Moved a case to the letter that replaces its withdrawn one",
    "casework.case.resolved_by_replacement": "Resolved a case: its withdrawn letter's replacement finds every duty met",
    "casework.case.follow_up_issued": "Issued a case's next letter",
    "admin.added": "Added a record in the Django admin",
    "admin.changed": "Changed a record in the Django admin",
    "admin.deleted": "Deleted a record in the Django admin",
}
# The kinds of action the activity log filters on: a key prefix and its words.
ACTION_KINDS = [
    ("trusts.sign_in", "Sign-ins and sign-outs"),
    ("trusts.two_factor", "Two-factor sign-in"),
    ("trusts.user", "User accounts"),
    ("trusts.register", "Register imports"),
    ("audits.cycle", "Audit cycles"),
    ("audits.site_check", "Website rechecks"),
    ("audits.finding", "Finding reviews"),
    ("audits.response", "Trusts' answers"),
    ("reports.letter", "Letters"),
    ("reports.national", "National reports"),
    ("casework.case", "Cases"),
    ("admin", "Changes in the Django admin"),
]


def action_label(action: str) -> str:
    """The words for an action key; an unknown key is humanised ("audits.cycle.renamed" → "Cycle renamed")."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    words = " ".join(part.replace("_", " ") for part in action.split(".")[1:] or [action]).strip()
    return words[:1].upper() + words[1:] if words else "Something happened"


def record(
    action: str,
    user=None,
    target: models.Model | None = None,
    message: str = "",
    *,
    request=None,
    address: str | None = None,
    username: str = "",
) -> ActivityRecord:
    """Write one entry. `user` is who acted (None for the system, the command line or an unknown person);
    `address` is theirs (`client_address` of their request), or the request itself is given."""
    if user is not None and not user.is_authenticated:
        user = None
    address = client_address(request) if request is not None else address
    return _write(_entry(action, user, target, message, address, username))


@contextmanager
def from_command_line() -> Iterator[None]:
    """Sign the entries a management command writes with the operating-system account that ran it,
    so the log says "jsmith (command line)" where it would otherwise say "The system"."""
    token = _command_line_account.set(f"{getpass.getuser()} (command line)")
    try:
        yield
    finally:
        _command_line_account.reset(token)


def record_each(action: str, user, targets: list[models.Model], *, address: str | None = None) -> None:
    """record() for each target, written together: a bulk action on hundreds of objects (approving a
    cycle's letters) writes its entries in one insert."""
    for entry in ActivityRecord.objects.bulk_create([_entry(action, user, target, "", address) for target in targets]):
        _log(entry)


def _entry(
    action: str, user, target: models.Model | None, message: str, address: str | None, username: str = ""
) -> ActivityRecord:
    return ActivityRecord(
        user=user,
        username=(user.get_username() if user else username or _command_line_account.get())[:150],
        action=action,
        message=message[:500],
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        ip_address=address,
    )


def client_address(request) -> str | None:
    """The address of the person making the request, by the one rule django-axes also uses
    (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies that each append to
    X-Forwarded-For, the address the outermost proxy saw. Entries further left are the client's own
    claims and never trusted; a request that did not pass every proxy falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _write(entry: ActivityRecord) -> ActivityRecord:
    """Store the entry and send the same line to the `activity` logger."""
    entry.save(force_insert=True)
    _log(entry)
    return entry


def _log(entry: ActivityRecord) -> None:
    suffix = f": {entry.message}" if entry.message else ""
    log.info("%s %s by %s%s", entry.action, entry.target_repr or "-", entry.username or "system", suffix)


def history_of(target: models.Model):
    """What was done to one object, oldest first."""
    return (
        ActivityRecord.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk))
        .select_related("user")
        .order_by("at", "pk")
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="activity.admin_change")
def _changed_in_admin(sender, instance: LogEntry, created: bool, **kwargs):
    """Changes made in the Django admin (users, roles, duties...) are sensitive actions too."""
    if not created:
        return
    verb = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}.get(instance.action_flag, "changed")
    _write(
        ActivityRecord(
            user=instance.user,
            username=instance.user.get_username(),
            action=f"admin.{verb}",
            message=instance.get_change_message()[:500],
            target_type=instance.content_type,
            target_id=instance.object_id or "",
            target_repr=instance.object_repr[:200],
        )
    )


@receiver(user_logged_in, dispatch_uid="activity.signed_in")
def _signed_in(sender, request, user, **kwargs):
    record("trusts.sign_in.succeeded", user, request=request)


@receiver(user_logged_out, dispatch_uid="activity.signed_out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        record("trusts.sign_in.signed_out", user, request=request)


@receiver(user_login_failed, dispatch_uid="activity.sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    record("trusts.sign_in.failed", request=request, username=credentials.get("username", ""))


@receiver(user_locked_out, dispatch_uid="activity.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    message = f"Too many failed sign-ins from {ip_address}"
    record("trusts.sign_in.locked_out", request=request, username=username or "", message=message)
