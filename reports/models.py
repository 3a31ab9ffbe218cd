"""Compliance letters: drafted from a cycle's findings, approved, issued once as a PDF, perhaps withdrawn."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from audits.models import AuditCycle
from trusts.access import scoped
from trusts.models import Organisation


class LetterError(Exception):
    """A letter cannot make the move asked of it; the message says why, in plain words."""


def letter_path(letter: "Letter", filename: str) -> str:
    # Under MEDIA_ROOT, which nothing serves: letters leave only through the download view.
    return f"letters/{letter.cycle_id}/{letter.organisation.ods_code}/{letter.reference.replace('/', '-')}.pdf"


class LetterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The letters the user may see (trusts/access.py): a trust user only their own organisation's
        issued letters, withdrawn ones included, never a draft."""
        return scoped(self, user, "organisation", Q(issued_at__isnull=False))


class Letter(models.Model):
    class Kind(models.TextChoices):
        COMPLIANT = "compliant", "Compliant"
        ACTION_REQUIRED = "action_required", "Action required"
        FINAL_NOTICE = "final_notice", "Final notice"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        ISSUED = "issued", "Issued"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # What the trust was sent. Once issued none of these may change; only a withdrawal is recorded.
    ISSUED_CONTENT = (
        "cycle_id",
        "organisation_id",
        "kind",
        "sequence",
        "reference",
        "template_name",
        "template_version",
        "findings",
        "addressee",
        "address",
        "signatory_name",
        "signatory_title",
        "deadline",
        "approved_by_id",
        "approved_at",
        "issued_by_id",
        "issued_at",
        "replaces_id",
        "follows_id",
        "rechecked_on",
        "pdf",
        "sha256",
    )

    cycle = models.ForeignKey(AuditCycle, on_delete=models.PROTECT, related_name="letters")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sequence = models.PositiveIntegerField(help_text="Counts this trust's letters in this cycle, from 1")
    reference = models.CharField(max_length=60, unique=True)
    template_name = models.CharField(max_length=200)
    template_version = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    findings = models.JSONField(default=list, help_text="The findings the letter states, as they stood")
    addressee = models.CharField(max_length=200)
    address = models.TextField(blank=True, help_text="The postal lines under the addressee, as sent")
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    deadline = models.DateField(null=True, blank=True, help_text="By when unmet duties must be published")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
        help_text="The issued letter of this cycle whose deadline this one follows up",
    )
    rechecked_on = models.DateField(
        null=True, blank=True, help_text="A follow-up's: when the trust's website was checked again after the letter"
    )
    pdf = models.FileField(upload_to=letter_path, max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "organisation", "sequence"], name="letter_sequence_per_cycle_trust"
            ),
            # At most one letter per (cycle, trust) in force: a bulk draft run twice cannot duplicate;
            # and at most one follow-up of each letter.
            models.UniqueConstraint(
                fields=["cycle", "organisation"],
                condition=~Q(status="withdrawn") & Q(follows__isnull=True),
                name="one_current_letter_per_cycle_trust",
            ),
            models.UniqueConstraint(
                fields=["follows"], condition=~Q(status="withdrawn"), name="one_current_follow_up_per_letter"
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]
        permissions = [("sign_letter", "Can approve, issue and withdraw letters")]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._refuse_changes_to_issued_content()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Letter.objects.filter(pk=self.pk, issued_at__isnull=False).exists():
            raise LetterError(f"Letter {self.reference} was issued; it can be withdrawn, never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def unmet_findings(self) -> list[dict]:
        return [f for f in self.findings if f["status"] != "met"]

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    def _refuse_changes_to_issued_content(self) -> None:
        stored = Letter.objects.filter(pk=self.pk).values(*self.ISSUED_CONTENT, "status").first()
        if stored is None or stored["issued_at"] is None:
            return
        changed = [name for name in self.ISSUED_CONTENT if self._content(name) != stored[name]]
        if changed or self.status not in (stored["status"], self.Status.WITHDRAWN):
            raise LetterError(
                f"Letter {self.reference} was issued and cannot change ({', '.join(changed) or 'status'}); "
                "issue a new letter that replaces it."
            )

    def _content(self, name: str):
        value = getattr(self, name)
        return (value.name or "") if name == "pdf" else value
