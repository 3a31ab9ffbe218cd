"""A whole audit through the public commands, with a real Celery worker process and live websites.

With REDIS_URL set (CI) the worker takes its tasks from Redis; without it, from the embedded
folder broker. Either way the crawler reads fixture websites served on loopback addresses.
"""

import csv
import hashlib
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from audits.models import AuditCycle, Evidence, Finding, FindingChange, SiteCheck
from audits.workers import start_worker
from demo.serve import Page, SiteServer
from tests.factories import AuditCycleFactory, DutyFactory, FindingFactory, OrganisationFactory, SiteCheckFactory
from tests.test_spreadsheets import HOSTILE_NAMES, assert_csv_text

DUTIES = "race-equality-scheme,race-employment-monitoring,race-impact-assessment,disability-equality-scheme"

SCHEME = """<html><head><title>Race Equality Scheme 2005-2008</title></head><body>
<h1>Race Equality Scheme 2005-2008</h1>
<p>Under the Race Relations (Amendment) Act 2000 the Trust has a general duty to promote race equality,
eliminate unlawful racial discrimination and promote good relations between people of different racial groups.</p>
<h2>Functions and policies</h2><p>We have listed the functions and policies relevant to the duty.</p>
<h2>Impact assessment</h2><p>We assess the likely impact of proposed policies and consult with local communities.</p>
<h2>Monitoring</h2><p>Ethnic monitoring of our services and staff.</p>
<h2>Action plan</h2><p>Our action plan is below.</p></body></html>"""

MONITORING = """<html><head><title>Workforce ethnic monitoring report 2005/06</title></head><body>
<h1>Workforce ethnic monitoring report 2005/06</h1>
<p>Staff in post at 31 March 2006 by ethnic group. Applicants for employment, training and promotion.</p>
<table><tr><td>White British</td><td>2,310</td><td>82.1%</td></tr><tr><td>Asian or Asian British</td>
<td>210</td><td>7.5%</td></tr><tr><td>Black or Black British</td><td>150</td><td>5.3%</td></tr></table>
<p>Grievances: 12. Disciplinary cases: 20. Leavers: 300.</p></body></html>"""

RESULTS = """<html><head><title>Results of race equality impact assessments 2006</title></head><body>
<h1>Results of race equality impact assessments 2006</h1><p>The following policies were assessed.</p>
<table><tr><th>Policy assessed</th><th>Result</th></tr><tr><td>Visiting policy</td><td>No adverse impact</td></tr>
<tr><td>Recruitment policy</td><td>Adverse impact found - action taken</td></tr></table></body></html>"""

DISABILITY = """<html><head><title>Disability Equality Scheme 2006-2009</title></head><body>
<h1>Disability Equality Scheme 2006-2009</h1><p>Published 4 December 2006. The Disability Discrimination Act 2005
requires us to promote equality of opportunity for disabled people. Disabled people were involved in producing
this scheme. It sets out how we will gather information, assess the impact of our policies, and our action plan
to eliminate harassment and promote positive attitudes towards disabled people.</p></body></html>"""


def _home(*links: tuple[str, str]) -> Page:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return Page(f"<html><head><title>Home</title></head><body><h1>Welcome</h1><ul>{items}</ul></body></html>".encode())


SITES = {
    # Publishes all four race and disability documents, one of them two clicks deep.
    "good": {
        "/": _home(("/about/", "About us"), ("/news/", "News")),
        "/about/": _home(("/about/equality/", "Equality and diversity")),
        "/about/equality/": _home(
            ("/docs/res.html", "Our race equality scheme"),
            ("/docs/workforce.html", "Workforce monitoring report"),
            ("/docs/ria.html", "Impact assessment results"),
            ("/docs/des.html", "Disability equality scheme"),
        ),
        "/docs/res.html": Page(SCHEME.encode()),
        "/docs/workforce.html": Page(MONITORING.encode()),
        "/docs/ria.html": Page(RESULTS.encode()),
        "/docs/des.html": Page(DISABILITY.encode()),
        "/news/": _home(("/news/1.html", "Staff run the Race for Life")),
        "/news/1.html": Page(b"<html><head><title>Race for Life</title></head><body>Nurses ran.</body></html>"),
    },
    # Only an out-of-date scheme; the scheme behind robots.txt cannot be read.
    "old": {
        "/": _home(("/equality.html", "Equality"), ("/private/res-2005-2008.html", "Race equality scheme 2005-2008")),
        "/robots.txt": Page(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/equality.html": _home(("/docs/old-res.html", "Race equality scheme 2002-2005")),
        "/docs/old-res.html": Page(SCHEME.replace("2005-2008", "2002-2005").encode()),
        "/private/res-2005-2008.html": Page(SCHEME.encode()),
    },
}


@pytest.fixture
def websites():
    with SiteServer(SITES, first_address="127.0.40.1") as server:
        yield server


@pytest.fixture
def worker():
    """A real Celery worker process: on Redis in CI, on the embedded broker otherwise."""
    process = start_worker(concurrency=4)
    yield process
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture
def register(websites, settings):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    call_command("load_duties", verbosity=0)
    return {
        "good": OrganisationFactory(ods_code="RGD", website=websites.url("good")),
        "old": OrganisationFactory(ods_code="ROL", website=websites.url("old")),
        "down": OrganisationFactory(ods_code="RDN", website="http://127.0.250.9:9/", headcount=None),
    }


def _findings(cycle_name: str) -> dict[tuple[str, str], Finding]:
    return {
        (f.organisation.ods_code, f.duty.code): f
        for f in Finding.objects.filter(cycle__name=cycle_name).select_related("organisation", "duty", "evidence")
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_run_audit_waits_for_real_workers_and_decides_every_duty(register, worker, tmp_path):
    out = io.StringIO()
    call_command("run_audit", cycle="2007 web audit", audit_date="2007-04-01", duties=DUTIES, wait=True, stdout=out)

    assert "3/3 site checks ended" in out.getvalue()
    cycle = AuditCycle.objects.get(name="2007 web audit")
    assert cycle.status == AuditCycle.Status.IN_REVIEW
    findings = _findings(cycle.name)
    assert len(findings) == 12
    assert {code: f.status for (ods, code), f in findings.items() if ods == "RGD"} == {
        "race-equality-scheme": "met",
        "race-employment-monitoring": "met",
        "race-impact-assessment": "met",
        "disability-equality-scheme": "met",
    }
    assert all(f.status == "error" for (ods, _), f in findings.items() if ods == "RDN")
    assert "could not be checked" in findings["RDN", "race-equality-scheme"].rationale

    # The robots-blocked current scheme needs a person; the old one alone would not count.
    old_scheme = findings["ROL", "race-equality-scheme"]
    assert old_scheme.status == "review"
    assert "robots.txt" in old_scheme.rationale

    # Evidence keeps the bytes as fetched, with their hash.
    evidence = findings["RGD", "race-equality-scheme"].evidence
    assert evidence.final_url.endswith("/docs/res.html")
    assert evidence.linked_from.endswith("/about/equality/")
    with evidence.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == evidence.sha256
    assert SiteCheck.objects.get(organisation__ods_code="RDN").state == SiteCheck.State.FAILED

    output = tmp_path / "findings.csv"
    call_command("export_findings", cycle="2007 web audit", format="csv", output=str(output))
    rows = list(csv.DictReader(output.open()))
    assert len(rows) == 12
    assert {"ods_code", "duty", "status", "confidence", "evidence_url"} <= set(rows[0])


@pytest.mark.django_db(transaction=True)
def test_running_a_site_check_twice_keeps_one_finding_per_duty(register):
    from audits.services import run_site_check, start_cycle

    settings.CELERY_TASK_ALWAYS_EAGER = False
    cycle = start_cycle("twice", __import__("datetime").date(2007, 4, 1), DUTIES.split(","), ["RGD"])
    check = SiteCheck.objects.get(cycle=cycle)
    run_site_check(check.pk)
    SiteCheck.objects.filter(pk=check.pk).update(state=SiteCheck.State.QUEUED)
    run_site_check(check.pk)

    assert Finding.objects.filter(cycle=cycle).count() == 4
    assert Evidence.objects.filter(site_check=check).count() == 4
    # The second run found the same, so the history has one automated entry per finding.
    assert FindingChange.objects.filter(finding__cycle=cycle).count() == 4


def test_unknown_duty_is_a_clear_error(db):
    call_command("load_duties", verbosity=0)
    with pytest.raises(CommandError, match="Unknown duty code: no-such-duty"):
        call_command("run_audit", cycle="x", audit_date="2007-04-01", duties="no-such-duty")


def test_bad_audit_date_is_a_clear_error(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_audit", cycle="x", audit_date="01/04/2007", duties="race-equality-scheme")


@pytest.mark.parametrize("to_file", [False, True])
def test_export_csv_keeps_formula_like_trust_names_as_text(db, tmp_path, capsys, to_file):
    cycle = AuditCycleFactory(name="Hostile audit")
    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    cycle.duties.add(duty)
    for n, name in enumerate(HOSTILE_NAMES):
        check = SiteCheckFactory(cycle=cycle, organisation=OrganisationFactory(ods_code=f"RZ{n}", name=name))
        FindingFactory(site_check=check, duty=duty, status="met", confidence=0.25)
    output = tmp_path / "findings.csv"

    if to_file:
        call_command("export_findings", cycle="Hostile audit", format="csv", output=str(output), stderr=io.StringIO())
        with output.open(encoding="utf-8", newline="") as written:
            text = written.read()
    else:
        call_command("export_findings", cycle="Hostile audit", format="csv")
        text = capsys.readouterr().out

    rows = {row["ods_code"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    for n, name in enumerate(HOSTILE_NAMES):
        assert_csv_text(rows[f"RZ{n}"]["trust"], name)
        assert rows[f"RZ{n}"]["confidence"] == "0.25"  # a number stays a number


def test_export_of_unknown_cycle_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No audit cycle named 'nope'"):
        call_command("export_findings", cycle="nope")
