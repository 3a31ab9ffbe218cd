"""Time drafting, approving and issuing compliance letters for N trusts against a throwaway SQLite database.

Run from the project root: .venv/bin/python -m bench.letters [--trusts 400] [--workers 2]
Issuing (the WeasyPrint render) is split across --workers processes, as Celery workers on the
letters queue would split it; drafting and approving are database work and run in one process.
"""

import argparse
import datetime
import multiprocessing
import os
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


def issue_slice(letter_ids: list[int], user_id: int) -> int:
    from django.db import connections

    from reports import letters
    from reports.models import Letter
    from trusts.models import User

    connections.close_all()  # the parent's connection is not ours to share after fork
    result = letters.issue_letters(Letter.objects.filter(pk__in=letter_ids), User.objects.get(pk=user_id))
    return result.done


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
        from django.db import connections

        from reports import letters
        from reports.models import Letter

        cycle, signatory = populate(args.trusts)
        started = time.perf_counter()
        drafted = letters.draft_letters_for_cycle(cycle)
        drafting = time.perf_counter() - started
        approved = letters.approve_letters(Letter.objects.filter(cycle=cycle), signatory)
        approving = time.perf_counter() - started - drafting
        ids = list(Letter.objects.filter(cycle=cycle).order_by("pk").values_list("pk", flat=True))
        connections.close_all()
        issue_started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            issued = sum(
                pool.starmap(issue_slice, [(ids[w :: args.workers], signatory.pk) for w in range(args.workers)])
            )
        issuing = time.perf_counter() - issue_started
        total = time.perf_counter() - started
        kinds = {k: Letter.objects.filter(cycle=cycle, kind=k).count() for k in Letter.Kind.values}
        n = max(issued, 1)
        print(f"{args.trusts} trusts, {args.workers} issuing processes; letters by kind: {kinds}")
        print(f"draft:   {drafted.done} letters in {drafting:.1f} s")
        print(f"approve: {approved.done} letters in {approving:.1f} s")
        print(
            f"issue:   {issued} PDFs in {issuing:.1f} s wall ({issuing / n:.3f} s per letter wall, "
            f"{issuing * args.workers / n:.3f} s per letter per process)"
        )
        print(f"total:   {total:.1f} s for {issued} letters, {total / n:.3f} s per letter")
        if issued != args.trusts:
            sys.exit(f"only {issued} of {args.trusts} letters were issued")
        print_summary(
            letters=issued, letters_per_s=issued / total, issued_per_s=issued / issuing, processes=args.workers
        )


if __name__ == "__main__":
    main()
