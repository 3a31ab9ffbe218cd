"""The findings of a cycle as flat rows: the stable open-data schema behind every export."""

from collections.abc import Iterator

from .models import AuditCycle, Finding

FIELDS = [
    "ods_code",
    "trust",
    "region",
    "org_type",
    "duty",
    "status",
    "automated_status",
    "reviewed_status",
    "confidence",
    "evidence_url",
    "evidence_sha256",
    "rationale",
]


def finding_rows(cycle: AuditCycle) -> Iterator[dict]:
    findings = (
        Finding.objects.filter(cycle=cycle)
        .with_effective_status()
        .select_related("organisation", "duty", "evidence")
        .order_by("organisation__ods_code", "duty__sort_order", "duty__code")
    )
    for finding in findings:
        evidence = finding.evidence
        yield {
            "ods_code": finding.organisation.ods_code,
            "trust": finding.organisation.name,
            "region": finding.organisation.region,
            "org_type": finding.organisation.org_type,
            "duty": finding.duty.code,
            "status": finding.effective,
            "automated_status": finding.status,
            "reviewed_status": finding.reviewed_status,
            "confidence": finding.confidence,
            "evidence_url": (evidence.final_url or evidence.url) if evidence else "",
            "evidence_sha256": evidence.sha256 if evidence else "",
            "rationale": finding.rationale,
        }
