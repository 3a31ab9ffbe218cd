"""The findings of a cycle as flat rows: the stable open-data schema behind every export.

An export is a sensitive action: `export_findings` and `export_results` build one and record who took it.
"""

import json
from collections.abc import Iterator
from typing import TextIO

from django.utils import timezone

from config import spreadsheets
from trusts import activity

from .models import AuditCycle, Finding, FindingStatus

# How the activity log names a download's format.
FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON", "pdf": "PDF", "text": "plain text"}

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


def export_findings(cycle: AuditCycle, fmt: str, out, user=None, address: str | None = None) -> int:
    """Write the cycle's open-data findings to `out` (text for csv and json, bytes for xlsx) and record
    the export (`user` None: the command line); returns the number of findings."""
    if fmt == "csv":
        count = write_findings_csv(cycle, out)
    elif fmt == "xlsx":
        out.write(findings_xlsx(cycle))
        count = Finding.objects.filter(cycle=cycle).count()
    else:
        document = findings_json(cycle)
        count = len(document["findings"])
        json.dump(document, out, indent=2)
    activity.record("audits.cycle.exported", user, cycle, f"Findings as {FORMAT_NAMES[fmt]}", address=address)
    return count


def _value_rows(cycle: AuditCycle) -> Iterator[list]:
    for row in finding_rows(cycle):
        yield [row[field] for field in FIELDS]


# What a person downloads from the results page: one row per (trust, duty) in words, not codes, with
# the evidence and who decided. The machine codes stay in the open-data schema above (FIELDS).

PERSON_HEADER = [
    "Trust",
    "ODS code",
    "Region",
    "Type",
    "Duty",
    "Status",
    "Decided by",
    "Reviewer",
    "Reviewed at",
    "Confidence",
    "Evidence",
    "Rationale",
    "Reviewer's reason",
]
DOES_NOT_APPLY = "Does not apply"


def export_results(
    cycle: AuditCycle, site_checks, duties, fmt: str, user, address: str | None = None
) -> Iterator[list]:
    """The results matrix as a person downloads it (`person_rows`), with the export recorded."""
    activity.record("audits.cycle.exported", user, cycle, f"Results as {FORMAT_NAMES[fmt]}", address=address)
    return person_rows(cycle, site_checks, duties)


def person_rows(cycle: AuditCycle, site_checks, duties) -> Iterator[list]:
    """Rows under PERSON_HEADER for the given site checks (in their order) and duties (in theirs).

    A duty with no finding for a trust did not apply to it on the audit date: "Does not apply".
    Two queries whatever the number of trusts: the checks are given, the findings are read at once."""
    checks = list(site_checks)
    findings = {
        (f.site_check_id, f.duty_id): f
        for f in Finding.objects.with_effective_status()
        .filter(cycle=cycle, site_check_id__in=[c.pk for c in checks], duty__in=duties)
        .select_related("evidence", "reviewed_by")
    }
    for check in checks:
        organisation = check.organisation
        trust = [organisation.name, organisation.ods_code, organisation.region, organisation.get_org_type_display()]
        for duty in duties:
            finding = findings.get((check.pk, duty.pk))
            if finding is None:
                yield [*trust, duty.title, DOES_NOT_APPLY, "", "", "", "", "", "", ""]
                continue
            evidence = finding.evidence
            reviewer = finding.reviewed_by
            reviewed = bool(finding.reviewed_status)
            yield [
                *trust,
                duty.title,
                FindingStatus(finding.effective).label,
                "Reviewer" if reviewed else "Automated check",
                (reviewer.get_full_name() or reviewer.get_username()) if reviewer else "",
                timezone.localtime(finding.reviewed_at).strftime("%-d %B %Y %H:%M") if finding.reviewed_at else "",
                f"{round(finding.confidence * 100)}%",
                (evidence.final_url or evidence.url) if evidence else "",
                finding.rationale,
                finding.review_reason,
            ]
