from django.core.management.base import BaseCommand, CommandError

from audits.models import AuditCycle
from reports.national import export_report, is_later
from trusts.activity import from_command_line


class Command(BaseCommand):
    help = (
        "The national figures of a cycle: per duty, trusts met out of trusts to which it applies, and "
        "trusts meeting every applicable race duty; optionally compared with another cycle."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, help="cycle name")
        parser.add_argument("--compare", metavar="NAME", help="another cycle to compare with, such as last year's")
        parser.add_argument("--format", choices=["text", "csv", "json", "pdf"], default="text")
        parser.add_argument("--output", metavar="FILE", help="write here instead of standard output (required for pdf)")

    @from_command_line()
    def handle(self, *args, cycle, compare, format, output, **options):
        if format == "pdf" and not output:
            raise CommandError("--format pdf needs --output FILE: a PDF is not written to standard output.")
        audit = _cycle(cycle)
        other = _cycle(compare) if compare else None
        if other and not is_later(audit, other):
            raise CommandError(
                f"--compare: {other.name!r} (as at {other.audit_date}) is not earlier than {audit.name!r} "
                f"(as at {audit.audit_date}). A comparison runs from the earlier cycle to the later: "
                f"--cycle {other.name!r} --compare {audit.name!r}."
            )
        content = export_report(audit, format, compare_with=other)
        if isinstance(content, bytes):
            with open(output, "wb") as out:
                out.write(content)
        else:
            if format == "json":
                content += "\n"
            if not output:
                self.stdout.write(content, ending="")
                return
            with open(output, "w", newline="", encoding="utf-8") as out:
                out.write(content)
        self.stderr.write(f"Wrote the national report for {audit.name} to {output}")


def _cycle(name: str) -> AuditCycle:
    try:
        return AuditCycle.objects.named(name)
    except AuditCycle.DoesNotExist as error:
        raise CommandError(str(error)) from None
