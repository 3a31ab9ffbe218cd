from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audits.catalogue import DEFAULT_DIRECTORY, CatalogueError, load_catalogue, sync_catalogue


class Command(BaseCommand):
    help = (
        "Load the duty catalogue (one YAML file per duty) and create or update the Duty rows by "
        "code. Every file is validated first; if any is invalid nothing is written. Duties no "
        "longer in the catalogue are kept, because findings refer to them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=DEFAULT_DIRECTORY,
            metavar="DIR",
            help=f"directory of <code>.yaml duty files (default: {DEFAULT_DIRECTORY})",
        )

    def handle(self, *args, path: Path, **options):
        try:
            specs = load_catalogue(path)
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        result = sync_catalogue(specs)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(specs)} duties from {path}: {result.created} created, "
                f"{result.updated} updated, {result.unchanged} unchanged."
            )
        )
