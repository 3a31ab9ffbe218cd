"""Time drafting, approving and issuing compliance letters for N trusts against a throwaway SQLite database.

Run from the project root: .venv/bin/python -m bench.letters [--trusts 400] [--workers 2]
Issuing goes through reports.letters.issue_letters, as the Celery task does: it renders the PDFs on a pool of
--workers processes. Drafting and approving are database work and run in one process. The machine's cores may
be shared, so each step prints its CPU time per letter (this process and its render processes) beside the wall
time, and the load average at the start and the end.
"""

import argparse
import datetime
import os
import resource
import sys
import tempfile
import time

from bench import print_summary

DUTIES = [
    ("race-equality-scheme", "Race equality scheme", "Race Relations Act 1976, s. 71(1)", "SI 2001/3458, art. 2"),
    ("race-employment-monitoring", "Ethnic monitoring of the workforce", "SI 2001/3458", "SI 2001/3458, art. 5"),
    ("race-impact-assessment", "Race equality impact assessments", "SI 2001/3458", "SI 2001/3458, art. 2(2)(b)"),
    (
        "disability-equality-scheme",
        "Disability equality scheme",
        "Disability Discrimination Act 1995, s. 49A",
        "SI 2005/2966, reg. 2",
    ),
]


def populate(trusts: int):
    from audits.models import AuditCycle, Duty, Finding, SiteCheck
    from trusts.models import Organisation, User

    duties = [
        Duty.objects.create(
            code=code, title=title, strand="race", legal_basis=basis, citation=citation,
            requirement=f"Publish the {title.lower()} on the trust's website, where the public can find it.",
            guidance="Link to it from the equality and diversity page.", org_types=["acute"],
            in_force_from=datetime.date(2002, 5, 31), recency_rule="covers", recency_months=36,
            source_file="bench", catalogue_version="bench", sort_order=n,
        )
        for n, (code, title, basis, citation) in enumerate(DUTIES)
    ]  # fmt: skip
    cycle = AuditCycle.objects.create(
        name="2007 web audit", audit_date=datetime.date(2007, 4, 1), status=AuditCycle.Status.PUBLISHED
    )
    cycle.duties.set(duties)
    organisations = Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"R{n:03d}",
            name=f"Trust {n} NHS Trust",
            org_type="acute",
            chief_executive=f"Dr Chief {n}",
            address=f"Trust Headquarters\n{n} Hospital Road\nLeeds",
            postcode="LS1 4AB",
        )
        for n in range(trusts)
    )
    User.objects.bulk_create(
        User(username=f"trust{o.ods_code}", email=f"ceo@{o.ods_code.lower()}.example", organisation=o)
        for o in organisations
    )
    checks = SiteCheck.objects.bulk_create(
        SiteCheck(cycle=cycle, organisation=o, state=SiteCheck.State.DONE) for o in organisations
    )
    # About one trust in ten met every duty, as in the 2007 audit; the others miss one to four.
    Finding.objects.bulk_create(
        Finding(
            cycle=cycle, organisation=check.organisation, duty=duty, site_check=check, confidence=0.9,
            status="met" if n % 10 == 0 or (n + d) % 5 == 0 else "not_met",
            rationale="No document on the website matched this duty." if (n + d) % 5 else "Found it.",
        )
        for n, check in enumerate(checks)
        for d, duty in enumerate(duties)
    )  # fmt: skip
    # Letters are signed with a full name and job title; approval refuses a signatory without them.
    signatory = User.objects.create(
        username="signatory", first_name="Anna", last_name="Lyons", job_title="Head of Equality Audit"
    )
    return cycle, signatory


def cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the render pool)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def load_average() -> str:
    return " ".join(f"{n:.1f}" for n in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Settings read these when Django starts, so set them before setup.
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["MEDIA_ROOT"] = f"{tmp}/media"
        os.environ["EMAIL_URL"] = "dummymail://"
        os.environ["LOG_LEVEL"] = "WARNING"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from reports import letters
        from reports.models import Letter

        cycle, signatory = populate(args.trusts)
        load_before = load_average()
        clock = [(time.perf_counter(), cpu_seconds())]

        def lap() -> tuple[float, float]:
            clock.append((time.perf_counter(), cpu_seconds()))
            return clock[-1][0] - clock[-2][0], clock[-1][1] - clock[-2][1]

        drafted = letters.draft_letters_for_cycle(cycle).done
        drafting = lap()
        approved = letters.approve_letters(Letter.objects.filter(cycle=cycle), signatory).done
        approving = lap()
        issued = letters.issue_letters(Letter.objects.filter(cycle=cycle), signatory, processes=args.workers).done
        issuing = lap()
        total = (clock[-1][0] - clock[0][0], clock[-1][1] - clock[0][1])
        kinds = {k: Letter.objects.filter(cycle=cycle, kind=k).count() for k in Letter.Kind.values}
        n = max(issued, 1)
        print(f"{args.trusts} trusts, {args.workers} render processes; letters by kind: {kinds}")
        print(f"load average {load_before} at the start, {load_average()} at the end (the cores may be shared)")
        steps = (("draft", drafted, drafting), ("approve", approved, approving), ("issue", issued, issuing))
        for step, count, (wall, cpu) in (*steps, ("total", issued, total)):
            print(
                f"{step + ':':<8} {count} letters in {wall:.1f} s wall, {cpu:.1f} s CPU "
                f"({wall / n * 1000:.0f} ms wall, {cpu / n * 1000:.0f} ms CPU per letter)"
            )
        if issued != args.trusts:
            sys.exit(f"only {issued} of {args.trusts} letters were issued")
        print_summary(
            letters=issued, letters_per_s=issued / total[0], issued_per_s=issued / issuing[0], processes=args.workers
        )


if __name__ == "__main__":
    main()
