"""What changed on a trust's website between two cycles, from the evidence each cycle stored.

A cycle's documents are those its findings rest on, fetched and kept (a stored copy with its SHA-256),
known by the address the trust linked to. Between an earlier and a later cycle a document appeared,
disappeared (its link died, or the crawl no longer found it), or changed (other bytes, another SHA-256).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from .lifecycle import states
from .models import AuditCycle, Duty, Evidence, Finding


class Change:
    APPEARED = "appeared"
    DISAPPEARED = "disappeared"
    CHANGED = "changed"


LABELS = {Change.APPEARED: "New", Change.DISAPPEARED: "Gone", Change.CHANGED: "Changed"}


@dataclass
class DocumentChange:
    kind: str
    url: str
    title: str
    before: Finding | None  # the earlier cycle's finding resting on the document, for its stored copy
    after: Finding | None
    duties: list[Duty] = field(default_factory=list)
    why_gone: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def comparable_cycles():
    """Cycles whose site checks have run, most recent first: what can be compared."""
    return AuditCycle.objects.exclude(status__in=states("start") + states("stopped")).order_by("-audit_date", "-pk")


# A stored copy: fetched whole (a SHA-256), without error, and not an error page.
_KEPT = Q(evidence__sha256__gt="", evidence__error="") & (
    Q(evidence__status_code__isnull=True) | Q(evidence__status_code__lt=400)
)


_DOCUMENT = ("evidence__url", "evidence__sha256", "evidence__title")


@dataclass(frozen=True)
class _Change:
    """A change worked out from plain rows: which findings, not yet the objects."""

    trust: int
    kind: str
    url: str
    title: str
    before: int | None  # finding ids
    after: int | None
    duty_ids: tuple[int, ...]
    why_gone: str = ""


def _documents(rows) -> dict[tuple[int, str], list[tuple]]:
    """(trust, address) -> the rows of the findings resting on that stored document, in duty order."""
    documents: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for row in rows:
        documents[(row[2], row[4])].append(row)
    return documents


def _dead_links(cycle: AuditCycle, organisation_id: int | None) -> dict[tuple[int, str], str]:
    """(trust, address) -> why the later cycle could not read it, for addresses it tried and failed."""
    dead = Evidence.objects.filter(site_check__cycle=cycle).filter(Q(status_code__gte=400) | ~Q(error=""))
    if organisation_id is not None:
        dead = dead.filter(site_check__organisation_id=organisation_id)
    reasons = {}
    rows = dead.values_list("site_check__organisation_id", "url", "status_code", "error")
    for trust, url, status_code, error in rows:
        reasons[(trust, url)] = f"the link answered {status_code}" if status_code else error
    return reasons


def _changes(earlier: AuditCycle, later: AuditCycle, organisation_id: int | None) -> tuple[set[int], list[_Change]]:
    """The trusts checked in both cycles, and the changes between them, from plain rows: a national comparison
    reads tens of thousands of findings, and only the changed ones are ever shown."""
    findings = Finding.objects.filter(cycle__in=[earlier, later])
    if organisation_id is not None:
        findings = findings.filter(organisation_id=organisation_id)
    checked = findings.values_list("cycle_id", "organisation_id", "duty_id").distinct().order_by()
    by_cycle: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for cycle_id, trust, duty in checked:
        by_cycle[cycle_id].add((trust, duty))
    # Only what both cycles looked for: a document of a duty the later cycle did not check is not gone.
    looked_for_in_both = by_cycle[earlier.pk] & by_cycle[later.pk]
    checked_in_both = {trust for trust, _ in looked_for_in_both}
    rows = [
        row
        for row in findings.filter(_KEPT)
        .order_by("duty__sort_order", "duty__code")
        .values_list("pk", "cycle_id", "organisation_id", "duty_id", *_DOCUMENT)
        if (row[2], row[3]) in looked_for_in_both
    ]
    before = _documents(row for row in rows if row[1] == earlier.pk)
    after = _documents(row for row in rows if row[1] == later.pk)
    dead = _dead_links(later, organisation_id)
    changes = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: k[1]):
        trust, url = key
        if trust not in checked_in_both:
            continue
        old, new = before.get(key, []), after.get(key, [])
        duty_ids = tuple(dict.fromkeys(row[3] for row in old + new))
        title = (new or old)[0][6] or url
        if old and new:
            if old[0][5] == new[0][5]:
                continue
            changes.append(_Change(trust, Change.CHANGED, url, title, old[0][0], new[0][0], duty_ids))
        elif new:
            changes.append(_Change(trust, Change.APPEARED, url, title, None, new[0][0], duty_ids))
        else:
            why = dead.get(key, "the crawl no longer found it: the page was removed or no longer linked")
            changes.append(_Change(trust, Change.DISAPPEARED, url, title, old[0][0], None, duty_ids, why))
    return checked_in_both, changes


def change_counts(earlier: AuditCycle, later: AuditCycle) -> dict[int, dict[str, int]]:
    """Per trust with a change between the cycles, how many documents appeared, disappeared and changed."""
    counts: dict[int, dict[str, int]] = {}
    for change in _changes(earlier, later, None)[1]:
        counts.setdefault(change.trust, dict.fromkeys(LABELS, 0))[change.kind] += 1
    return counts


def site_changes(
    earlier: AuditCycle, later: AuditCycle, organisation_id: int | None = None
) -> dict[int, list[DocumentChange]]:
    """Per trust checked in both cycles (or the one given), the documents that appeared, disappeared
    or changed; unchanged documents are left out."""
    checked_in_both, found = _changes(earlier, later, organisation_id)
    shown = [pk for change in found for pk in (change.before, change.after) if pk is not None]
    findings = (
        Finding.objects.filter(pk__in=shown)
        .select_related("evidence", "duty", "cycle")
        # A document's text can be long, and a duty's evidence rules are decoded per row: neither is shown.
        .defer("rationale", "evidence__text", "evidence__snippet", "duty__evidence_rules")
        .in_bulk()
    )
    duties = Duty.objects.defer("evidence_rules").in_bulk({pk for change in found for pk in change.duty_ids})
    changes: dict[int, list[DocumentChange]] = {trust: [] for trust in checked_in_both}
    for change in found:
        changes[change.trust].append(
            DocumentChange(
                change.kind,
                change.url,
                change.title,
                findings.get(change.before),
                findings.get(change.after),
                [duties[pk] for pk in change.duty_ids],
                why_gone=change.why_gone,
            )
        )
    return changes
