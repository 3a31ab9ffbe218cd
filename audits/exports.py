"""The findings of a cycle as flat rows: the stable open-data schema behind every export."""

from collections.abc import Iterator
from typing import TextIO

from config import spreadsheets

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


# Writers: each format is the same rows, so an open-data user can switch formats without surprises.
# CSV and XLSX go through config.spreadsheets, which keeps formula-like text (a trust named "=...") text.

FINDINGS_SCHEMA = "findings/1"


def cycle_ref(cycle: AuditCycle) -> dict:
    """The cycle as the JSON export names it."""
    return {
        "name": cycle.name,
        "audit_date": cycle.audit_date.isoformat(),
        "status": cycle.status,
        "duties": list(cycle.duties.order_by("sort_order", "code").values_list("code", flat=True)),
    }


def write_findings_csv(cycle: AuditCycle, out: TextIO) -> int:
    """Write the cycle's findings as CSV with a header row; returns the number of rows."""
    return spreadsheets.write_csv(_value_rows(cycle), out, header=FIELDS)


def findings_xlsx(cycle: AuditCycle) -> bytes:
    """The cycle's findings as an XLSX workbook: one sheet, bold frozen header, one row per finding."""
    return spreadsheets.xlsx_bytes(_value_rows(cycle), header=FIELDS, title="Findings")


def findings_json(cycle: AuditCycle) -> dict:
    """The cycle's findings as the `findings/1` JSON document (docs/open-data.md)."""
    return {"schema": FINDINGS_SCHEMA, "cycle": cycle_ref(cycle), "findings": list(finding_rows(cycle))}


def _value_rows(cycle: AuditCycle) -> Iterator[list]:
    for row in finding_rows(cycle):
        yield [row[field] for field in FIELDS]
