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


def _kept(evidence: Evidence | None) -> bool:
    return evidence is not None and bool(evidence.sha256) and not evidence.error and (evidence.status_code or 200) < 400


def _documents(findings) -> dict[tuple[int, str], list[tuple[Finding, Evidence]]]:
    """(trust, address) -> the findings resting on that stored document, with it, in duty order."""
    documents: dict[tuple[int, str], list[tuple[Finding, Evidence]]] = defaultdict(list)
    for finding in findings:
        if finding.evidence is not None and _kept(finding.evidence):
            documents[(finding.organisation_id, finding.evidence.url)].append((finding, finding.evidence))
    return documents


def _dead_links(cycle: AuditCycle, organisation_id: int | None) -> dict[tuple[int, str], str]:
    """(trust, address) -> why the later cycle could not read it, for addresses it tried and failed."""
    dead = Evidence.objects.filter(site_check__cycle=cycle).filter(Q(status_code__gte=400) | ~Q(error=""))
    if organisation_id is not None:
        dead = dead.filter(site_check__organisation_id=organisation_id)
    reasons = {}
    for evidence in dead.select_related("site_check"):
        why = f"the link answered {evidence.status_code}" if evidence.status_code else evidence.error
        reasons[(evidence.site_check.organisation_id, evidence.url)] = why
    return reasons


def site_changes(
    earlier: AuditCycle, later: AuditCycle, organisation_id: int | None = None
) -> dict[int, list[DocumentChange]]:
    """Per trust checked in both cycles (or the one given), the documents that appeared, disappeared
    or changed; unchanged documents are left out."""
    findings = (
        Finding.objects.filter(cycle__in=[earlier, later])
        .select_related("evidence", "duty", "cycle")
        # A document's text can be long, and a duty's evidence rules are decoded per row: neither is shown.
        .defer("rationale", "evidence__text", "evidence__snippet", "duty__evidence_rules")
    )
    if organisation_id is not None:
        findings = findings.filter(organisation_id=organisation_id)
    rows = list(findings.order_by("duty__sort_order", "duty__code"))
    checked_in_both = {f.organisation_id for f in rows if f.cycle_id == earlier.pk} & {
        f.organisation_id for f in rows if f.cycle_id == later.pk
    }
    before = _documents(f for f in rows if f.cycle_id == earlier.pk)
    after = _documents(f for f in rows if f.cycle_id == later.pk)
    dead = _dead_links(later, organisation_id)
    changes: dict[int, list[DocumentChange]] = {trust: [] for trust in checked_in_both}
    for key in sorted(before.keys() | after.keys(), key=lambda k: k[1]):
        trust, url = key
        if trust not in checked_in_both:
            continue
        old, new = before.get(key, []), after.get(key, [])
        duties = list({f.duty_id: f.duty for f, _ in old + new}.values())
        title = (new or old)[0][1].title or url
        if old and new:
            if old[0][1].sha256 == new[0][1].sha256:
                continue
            change = DocumentChange(Change.CHANGED, url, title, old[0][0], new[0][0], duties)
        elif new:
            change = DocumentChange(Change.APPEARED, url, title, None, new[0][0], duties)
        else:
            why = dead.get(key, "the crawl no longer found it: the page was removed or no longer linked")
            change = DocumentChange(Change.DISAPPEARED, url, title, old[0][0], None, duties, why_gone=why)
        changes[trust].append(change)
    return changes
