"""Organisations on the register, and the people who sign in (regulator staff or trust users)."""

import datetime

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from .validators import validate_single_line, validate_web_address

ODS_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9]{3,5}$", "An ODS code is 3 to 5 capital letters or digits, such as RZA or 5ZC."
)


class OrgType(models.TextChoices):
    ACUTE = "acute", "Acute trust"
    PRIMARY_CARE = "primary_care", "Primary care trust"
    MENTAL_HEALTH = "mental_health", "Mental health trust"
    AMBULANCE = "ambulance", "Ambulance trust"
    CARE_TRUST = "care_trust", "Care trust"
    FOUNDATION = "foundation", "Foundation trust"
    COMMUNITY = "community", "Community trust"
    SPECIALIST = "specialist", "Specialist trust"


class OrganisationQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(
            Q(opened_on__isnull=True) | Q(opened_on__lte=on),
            Q(closed_on__isnull=True) | Q(closed_on__gt=on),
        )

    def visible_to(self, user):
        """The organisations the user may see (trusts/access.py): all for staff, a trust user's own."""
        from .access import scoped

        return scoped(self, user, "pk")


class Organisation(models.Model):
    ods_code = models.CharField("ODS code", max_length=5, unique=True, validators=[ODS_CODE_VALIDATOR])
    name = models.CharField(max_length=200, validators=[validate_single_line])
    org_type = models.CharField("type", max_length=20, choices=OrgType.choices)
    region = models.CharField(max_length=100, blank=True)
    website = models.URLField(max_length=500, blank=True, validators=[validate_web_address])
    headcount = models.PositiveIntegerField(null=True, blank=True, help_text="Number of employees")
    chief_executive = models.CharField(max_length=200, blank=True, help_text="Named on the trust's letters")
    address = models.TextField(blank=True, help_text="Postal address, one line each, without the postcode")
    postcode = models.CharField(max_length=10, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True, help_text="Closed trusts are not audited")
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["region"]), models.Index(fields=["org_type"])]
        permissions = [("import_organisations", "Can import the trust register")]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    @property
    def postal_lines(self) -> list[str]:
        """The trust's postal address as the lines of an envelope: name, address, postcode."""
        lines = [line.strip() for line in self.address.splitlines() if line.strip()]
        return [self.name, *lines, *([self.postcode] if self.postcode else [])]

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return (self.opened_on is None or self.opened_on <= today) and (
            self.closed_on is None or self.closed_on > today
        )


class User(AbstractUser):
    """A person who signs in. Trust users belong to exactly one organisation; staff to none."""

    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Set for trust users only; they see nothing but this organisation.",
    )
    job_title = models.CharField(max_length=200, blank=True, help_text="Printed under a signatory's name on letters")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # A trust user is never regulator staff, so the admin cannot grant both.
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) | Q(is_staff=False, is_superuser=False),
                name="trust_user_is_not_staff",
            )
        ]

    @property
    def is_trust_user(self) -> bool:
        return self.organisation_id is not None

    @cached_property
    def is_regulator_staff(self) -> bool:
        # Kept for the life of this object, a request's user, as Django keeps its permissions: a page asks
        # it once per thing it shows.
        return self.is_active and self.organisation_id is None and (self.is_superuser or self.groups.exists())


class ActivityRecord(models.Model):
    """One sign-in event or sensitive action: who, what, to which object, from where, when.

    Append-only: rows are written by trusts.activity.record and never changed or deleted here.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True, help_text="As typed, for a failed sign-in")
    action = models.CharField(max_length=80, db_index=True, help_text="A dotted key, e.g. audits.cycle.published")
    message = models.CharField(max_length=500, blank=True)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The activity log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The activity log is append-only")
