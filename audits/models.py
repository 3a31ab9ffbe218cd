"""Duties, audit cycles, site checks, evidence and findings."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse

from trusts.models import Organisation


class Duty(models.Model):
    """One row of the duty catalogue. Rows come from the data files in audits/duties/."""

    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    strand = models.CharField(
        max_length=40, help_text="race, disability, gender, equality, workforce, access or information"
    )
    legal_basis = models.CharField(max_length=300)
    citation = models.CharField(max_length=300)
    requirement = models.TextField(help_text="What must be published, in plain words")
    guidance = models.TextField(blank=True, help_text="What a trust should do to comply")
    org_types = models.JSONField(default=list, help_text="Organisation types it applies to")
    min_headcount = models.PositiveIntegerField(null=True, blank=True)
    in_force_from = models.DateField()
    in_force_until = models.DateField(null=True, blank=True)

    class RecencyRule(models.TextChoices):
        COVERS = "covers", "Its period must include the audit date (or, undated by period, published within the window)"
        PUBLISHED_WITHIN = "published_within", "Published, or its period ended, within the window before the audit date"

    recency_rule = models.CharField(max_length=20, choices=RecencyRule.choices)
    recency_months = models.PositiveIntegerField(help_text="The window, in months before the audit date")
    cadence = models.JSONField(
        default=dict,
        help_text="When it falls due: every_months, and for a fixed yearly deadline due_by and snapshot (MM-DD)",
    )
    evidence_rules = models.JSONField(default=dict)
    source_file = models.CharField(max_length=200)
    catalogue_version = models.CharField(max_length=40)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name_plural = "duties"

    def __str__(self) -> str:
        return self.title

    @property
    def is_race_duty(self) -> bool:
        return self.strand == "race"

    def applies_to(self, organisation: Organisation, on: datetime.date) -> bool:
        """Whether the organisation owed this duty on the given date."""
        if on < self.in_force_from or (self.in_force_until and on > self.in_force_until):
            return False
        if organisation.org_type not in self.org_types:
            return False
        if self.min_headcount is not None:
            # An unknown headcount cannot exempt a trust; the finding says so.
            return organisation.headcount is None or organisation.headcount >= self.min_headcount
        return True


class AuditCycleQuerySet(models.QuerySet["AuditCycle"]):
    def named(self, name: str) -> "AuditCycle":
        """The cycle with this name; DoesNotExist names the cycles there are."""
        try:
            return self.get(name=name)
        except AuditCycle.DoesNotExist:
            known = ", ".join(self.values_list("name", flat=True)[:10]) or "none yet"
            raise AuditCycle.DoesNotExist(f"No audit cycle named {name!r}. Known cycles: {known}.") from None


class AuditCycle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=100, unique=True)
    audit_date = models.DateField(help_text="The 'as at' date duties and recency are judged on")
    duties = models.ManyToManyField(Duty, related_name="cycles")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = AuditCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-audit_date", "-created_at"]
        permissions = [("run_audit", "Can create, run and cancel audit cycles")]

    def __str__(self) -> str:
        return self.name


class SiteCheckQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "organisation", "cycle")


class SiteCheck(models.Model):
    """One trust's website check within one cycle."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ENDED = (State.DONE, State.FAILED, State.CANCELLED)

    cycle = models.ForeignKey(AuditCycle, on_delete=models.CASCADE, related_name="site_checks")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="site_checks")
    website = models.URLField(max_length=500, blank=True, help_text="The address checked")
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    pages_fetched = models.PositiveIntegerField(default=0)
    bytes_fetched = models.PositiveBigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    budget_exhausted = models.BooleanField(default=False)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A running check whose lease lapses is requeued"
    )
    worker = models.CharField(max_length=255, blank=True, help_text="The Celery worker that last claimed it")

    objects = SiteCheckQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "organisation"], name="one_site_check_per_cycle_and_trust")
        ]
        indexes = [models.Index(fields=["cycle", "state"])]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} in {self.cycle}"

    @property
    def is_ended(self) -> bool:
        return self.state in self.ENDED


def _scoped(queryset, user, organisation: str, cycle: str):
    """Rows a user may see (trusts/access.py): a trust user only their own, of cycles shown to trusts."""
    from trusts.access import scoped

    from .lifecycle import shown_to_trusts

    return scoped(queryset, user, organisation, shown_to_trusts(cycle))


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "site_check__organisation", "site_check__cycle")


def evidence_path(evidence: "Evidence", filename: str) -> str:
    return f"evidence/{evidence.site_check.cycle_id}/{evidence.site_check.organisation.ods_code}/{evidence.sha256}"


class Evidence(models.Model):
    """A fetched document that mattered to a finding; its bytes are kept as fetched."""

    site_check = models.ForeignKey(SiteCheck, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=2000)
    final_url = models.URLField(max_length=2000)
    linked_from = models.URLField(max_length=2000, blank=True)
    link_text = models.CharField(max_length=500, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    fetched_at = models.DateTimeField()
    title = models.CharField(max_length=500, blank=True)
    # The dates the matcher read in the document: the calendar counts the next publication from them.
    published_on = models.DateField(null=True, blank=True, help_text="When the document says it was published")
    covers_from = models.DateField(null=True, blank=True, help_text="The start of the period it says it covers")
    covers_until = models.DateField(null=True, blank=True, help_text="The end of the period it says it covers")
    snippet = models.TextField(blank=True)
    error = models.TextField(blank=True, help_text="Why the document could not be read, if so")
    text = models.TextField(blank=True, help_text="The text read from the document, for a person to read")
    file = models.FileField(upload_to=evidence_path, max_length=300, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["site_check", "id"]

    def __str__(self) -> str:
        return self.final_url or self.url


class FindingStatus(models.TextChoices):
    """A finding's status and its words for staff (a trust reads audits/publication.py `trust_label`)."""

    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    REVIEW = "review", "Needs review"
    ERROR = "error", "Error"

    @classmethod
    def label_of(cls, code: str) -> str:
        """The words for a status code; anything else (blank, an unknown code) as it is."""
        return cls(code).label if code in cls.values else code


class FindingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "organisation", "cycle")

    def with_effective_status(self):
        """Annotate `effective` with the status that counts: the reviewed one if any, else automated."""
        return self.annotate(effective=Coalesce(NullIf("reviewed_status", Value("")), "status"))


class Finding(models.Model):
    """The verdict on one duty for one trust in one cycle: automated, then perhaps reviewed."""

    cycle = models.ForeignKey(AuditCycle, on_delete=models.CASCADE, related_name="findings")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="findings")
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="findings")
    site_check = models.ForeignKey(SiteCheck, on_delete=models.CASCADE, related_name="findings")
    status = models.CharField("automated status", max_length=10, choices=FindingStatus.choices)
    confidence = models.FloatField(default=0.0)
    rationale = models.TextField()
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings")
    reviewed_status = models.CharField(max_length=10, choices=FindingStatus.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change (optimistic locking)")
    updated_at = models.DateTimeField(auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "organisation", "duty"], name="one_finding_per_cycle_trust_duty"),
            models.CheckConstraint(condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="confidence_0_to_1"),
        ]
        indexes = [
            models.Index(fields=["cycle", "duty", "status"]),
            models.Index(fields=["cycle", "reviewed_status"]),
            # The latest change of any finding: the results' fingerprint (audits.results_cache).
            models.Index(fields=["updated_at"], name="audits_finding_updated_idx"),
        ]
        permissions = [("review_finding", "Can confirm or override findings")]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} · {self.duty.code} · {self.effective_status}"

    def get_absolute_url(self) -> str:
        """The staff page of the finding: pages of the apps below (a trust's page) link here without naming it."""
        return reverse("audits:finding_detail", args=[self.cycle_id, self.pk])

    @property
    def effective_status(self) -> str:
        return self.reviewed_status or self.status


class FindingChange(models.Model):
    """An entry in a finding's history. Written once; never changed or deleted on its own."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="history")
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the automated check",
    )
    kind = models.CharField(max_length=20, help_text="automated or review")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.TextField()
    evidence = models.ForeignKey(
        Evidence,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The evidence the finding rested on after this change",
    )

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status} ({self.kind})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Finding history cannot be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Finding history cannot be deleted.")


# The longest comment a trust's answer (or a note closing it) may carry: the form, the service and the page's
# text box all read it from here.
MAX_COMMENT_CHARS = 2000


class TrustResponseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _scoped(self, user, "organisation", "finding__cycle")


class TrustResponse(models.Model):
    """A trust's answer to a published finding: a comment and where on its website the document is."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RECHECKING = "rechecking", "Recheck queued"
        RESOLVED = "resolved", "Resolved"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(max_length=MAX_COMMENT_CHARS)
    urls = models.JSONField(default=list, help_text="Addresses on the trust's own website")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    recheck_note = models.TextField(blank=True, help_text="Why no automatic recheck was queued, if so")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    rechecked_at = models.DateTimeField(null=True, blank=True, help_text="When the recheck it asked for ended")
    outcome_status = models.CharField(
        max_length=10, choices=FindingStatus.choices, blank=True, help_text="The automated status the recheck found"
    )
    outcome_evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TrustResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.ods_code} on {self.finding_id} ({self.status})"

    @property
    def is_resolved(self) -> bool:
        return self.status == self.Status.RESOLVED


class CrawlLogEntry(models.Model):
    """One request a site check's crawl made, in order (audits/crawl_log.py): what a trust reads to see
    why a document was not found. A recheck's crawl is logged as the check's next crawl."""

    class Outcome(models.TextChoices):  # the values of audits.crawler.crawling.Outcome
        READ = "read", "Read"
        BROKEN = "broken", "Broken link"
        BLOCKED = "blocked", "Blocked by robots.txt"
        ERROR = "error", "Could not be read"
        OFF_SITE = "off_site", "Not read: it leads off the trust's website"
        BUDGET = "budget", "The crawl stopped here"

    site_check = models.ForeignKey(SiteCheck, on_delete=models.CASCADE, related_name="crawl_log")
    crawl = models.PositiveIntegerField(help_text="1 for the check's first crawl, 2 for the next (a recheck)")
    position = models.PositiveIntegerField()
    logged_at = models.DateTimeField(help_text="When the crawl ended")
    url = models.TextField()
    final_url = models.TextField(blank=True)
    status = models.PositiveSmallIntegerField(default=0, help_text="The HTTP status; 0 if nothing came back")
    content_type = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["site_check", "crawl", "position"]
        constraints = [
            models.UniqueConstraint(fields=["site_check", "crawl", "position"], name="one_log_entry_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.outcome})"
