from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trusts.activity import from_command_line
from trusts.importing import CSV_COLUMNS, RegisterError, RegisterFormat, import_register


class Command(BaseCommand):
    help = (
        "Add or update trusts on the register from FILE, matched by ODS code. The whole file is "
        "checked first: if any row is bad, every bad line is listed and nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the file to import (UTF-8, comma-separated)")
        parser.add_argument(
            "--format",
            choices=RegisterFormat.values,
            default=RegisterFormat.CSV,
            help=(
                f"csv (default): a header row naming at least {','.join(CSV_COLUMNS)}, in any "
                "order; ods: the NHS ODS trust file (etr.csv, no header), whose closed trusts come "
                "in inactive and whose Welsh trusts are skipped"
            ),
        )

    @from_command_line()
    def handle(self, *, file: Path, format: str, **options) -> None:
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except OSError as error:
            raise CommandError(f"{file}: cannot read it ({error.strerror})") from None
        try:
            result = import_register(data, format)
        except RegisterError as error:
            lines = "\n".join(str(e) for e in error.errors)
            raise CommandError(f"{file}: {error}; nothing was imported.\n{lines}") from None
        self.stdout.write(self.style.SUCCESS(result.summary))
