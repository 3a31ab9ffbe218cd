"""A case follows one trust in one cycle from an action-required letter to compliance or escalation."""

from django.db import models

from audits.models import AuditCycle
from reports.models import Letter
from trusts.access import scoped
from trusts.models import Organisation


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every case; a trust user only their own trust's (trusts/access.py)."""
        return scoped(self, user, "organisation")


class Case(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        AWAITING = "awaiting", "Awaiting the trust"
        RECHECKED = "rechecked", "Rechecked"
        RESOLVED = "resolved", "Resolved"
        ESCALATED = "escalated", "Escalated"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    cycle = models.ForeignKey(AuditCycle, on_delete=models.PROTECT, related_name="cases")
    letter = models.OneToOneField(
        Letter, on_delete=models.PROTECT, related_name="case", help_text="The action-required letter that opened it"
    )
    deadline = models.DateField(help_text="The deadline the letter states")
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    recheck_requested_at = models.DateTimeField(null=True, blank=True)
    rechecked_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True, help_text="Each rechecked duty's status after the recheck")
    follow_up = models.OneToOneField(
        Letter, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="The next letter drafted"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="What holds the case up, if anything")

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "cycle"], name="one_case_per_trust_cycle")]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"Case of {self.organisation.name}, {self.cycle.name}"

    @property
    def unmet_duties(self) -> list[str]:
        """The duties the letter asked the trust to publish."""
        return [finding["duty"] for finding in self.letter.unmet_findings]


class Reminder(models.Model):
    """A reminder sent before the deadline of a case's letter: kept so that each one goes once. A letter that
    replaces a withdrawn one has a deadline of its own, and reminders of its own."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="+", help_text="Whose deadline")
    days_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "letter", "days_before"], name="one_reminder_per_letter_day")
        ]

    def __str__(self) -> str:
        return f"{self.days_before} days before {self.letter.deadline}"
