"""Figures computed from the audit results, kept until the results change.

The dashboard and the national pages count thousands of findings on every view. What they count changes only
when a finding, a site check, the register, a cycle or the duty catalogue does, so each figure is kept in the
cache under a fingerprint of all of those: any change gives another fingerprint, and a figure is never stale.
The fingerprint is a handful of aggregate queries, far cheaper than the figures.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Max

from trusts.models import Organisation

from .models import AuditCycle, Duty, Finding, SiteCheck

T = TypeVar("T")
KEPT_SECONDS = 600  # only bounds the memory of figures nobody asks for again
_MISSING = object()


def fingerprint() -> str:
    """Changes whenever anything the results' figures are computed from changes. Every change to a finding
    stamps its updated_at (saves by auto_now, the review and recheck updates by hand), deletions change a count."""
    parts = (
        # Apart, each is read from an index (the updated_at one; SQLite counts its b-tree without reading
        # rows); asked together they read every finding.
        Finding.objects.count(),
        Finding.objects.aggregate(latest=Max("updated_at")),
        list(SiteCheck.objects.values_list("cycle_id", "state").annotate(n=Count("id")).order_by("cycle_id", "state")),
        Organisation.objects.aggregate(n=Count("id"), latest=Max("updated_at")),
        list(AuditCycle.objects.values_list("pk", "name", "status", "audit_date").order_by("pk")),
        list(AuditCycle.duties.through.objects.values_list("auditcycle_id", "duty_id").order_by("pk")),
        list(Duty.objects.values_list("pk", "catalogue_version", "org_types", "min_headcount").order_by("pk")),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def remember(name: str, compute: Callable[[], T], results: str | None = None) -> T:
    """compute(), or the value it gave for the same results before; `results` is their fingerprint, when the
    caller has taken it already for other figures."""
    key = f"results:{name}:{results or fingerprint()}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, KEPT_SECONDS)
    return value
