import datetime
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from audits import services
from audits.models import AuditCycle, Finding
from audits.workers import start_worker
from trusts.activity import from_command_line


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--audit-date: {value!r} is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Create an audit cycle if needed and check every active trust's website (or those named) "
        "for the given duties. With --wait, block with a progress bar until every site check has ended."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="cycle name, e.g. '2007 web audit'")
        parser.add_argument("--audit-date", required=True, type=_date, help="the 'as at' date, YYYY-MM-DD")
        parser.add_argument("--duties", required=True, help="comma-separated duty codes")
        parser.add_argument("--trust", action="append", default=[], metavar="ODS", help="only this trust (repeatable)")
        parser.add_argument("--wait", action="store_true", help="wait until every site check has ended")

    @from_command_line()
    def handle(self, *args, cycle, audit_date, duties, trust, wait, **options):
        codes = [c.strip() for c in duties.split(",") if c.strip()]
        if not codes:
            raise CommandError("--duties: give at least one duty code")
        try:
            audit = services.start_cycle(cycle, audit_date, codes, [t.upper() for t in trust])
        except services.AuditError as error:
            raise CommandError(str(error)) from None
        progress = services.cycle_progress(audit)
        self.stdout.write(
            f"Cycle {audit.name!r} (as at {audit.audit_date}): {progress['total']} site checks, "
            f"{progress['total'] - progress['ended']} to run."
        )
        if not wait:
            return
        worker = start_worker() if settings.EMBEDDED_BROKER and progress["ended"] < progress["total"] else None
        try:
            self._wait(audit, worker)
        finally:
            if worker:
                worker.terminate()
                worker.wait(timeout=60)
        self._summary(audit)

    def _wait(self, audit: AuditCycle, worker) -> None:
        tty = sys.stdout.isatty()
        last_line, last_print = "", 0.0
        while True:
            progress = services.cycle_progress(audit)
            done, total = progress["ended"], progress["total"]
            line = (
                f"[{'#' * (30 * done // max(total, 1)):<30}] {done}/{total} site checks ended"
                f" ({progress['running']} running, {progress['failed']} could not be reached)"
            )
            if tty:
                self.stdout.write("\r" + line, ending="")
            elif line != last_line and (time.monotonic() - last_print > 5 or done == total):
                self.stdout.write(line)
                last_print = time.monotonic()
            last_line = line
            if done == total:
                break
            if worker and worker.poll() is not None:
                raise CommandError(f"The embedded worker stopped unexpectedly (exit {worker.returncode}).")
            time.sleep(0.5)
        if tty:
            self.stdout.write("")

    def _summary(self, audit: AuditCycle) -> None:
        counts = dict(
            Finding.objects.filter(cycle=audit)
            .with_effective_status()
            .values_list("effective")
            .annotate(n=Count("id"))
            .order_by()
        )
        described = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no findings"
        self.stdout.write(self.style.SUCCESS(f"Cycle {audit.name!r} checked: {described}."))
