import sys
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError

from audits.exports import export_findings
from audits.models import AuditCycle
from trusts.activity import from_command_line


class Command(BaseCommand):
    help = (
        "Export a cycle's findings, one row per (trust, duty), with the reviewed status where there "
        "is one, else the automated status."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="cycle name")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", metavar="FILE", help="write here instead of standard output")

    @from_command_line()
    def handle(self, *args, cycle, format, output, **options):
        try:
            audit = AuditCycle.objects.named(cycle)
        except AuditCycle.DoesNotExist as error:
            raise CommandError(str(error)) from None
        with open(output, "w", newline="", encoding="utf-8") if output else nullcontext(sys.stdout) as out:
            count = export_findings(audit, format, out)
            if format == "json":
                out.write("\n")
        if output:
            self.stderr.write(f"Wrote {count} findings to {output}")
