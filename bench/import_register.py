"""Time `import_trusts` on a generated 400-row register against a throwaway SQLite database.

Run from the project root: .venv/bin/python bench/import_register.py
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROWS = 400
TYPES = ("acute", "mental_health", "ambulance", "community", "foundation")


def write_register(path: Path, extra_staff: int = 0) -> None:
    lines = ["ods_code,name,org_type,region,website,headcount"]
    lines += [
        f"R{n:03d},Trust {n} NHS Trust,{TYPES[n % len(TYPES)]},London,"
        f"https://r{n:03d}.nhs.example/,{1000 + n + extra_staff}"
        for n in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed_import(path: Path) -> tuple[float, str]:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    start = time.perf_counter()
    call_command("import_trusts", str(path), stdout=out)
    return time.perf_counter() - start, out.getvalue().strip()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # Settings read DATABASE_URL when Django starts, so set it before setup.
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        register = Path(tmp) / "register.csv"
        for run, extra_staff in (("first import", 0), ("re-import", 0), ("all changed", 1)):
            write_register(register, extra_staff)
            seconds, summary = timed_import(register)
            print(f"{run}: {ROWS} rows in {seconds:.3f} s, {ROWS / seconds:,.0f} rows/s ({summary})")


if __name__ == "__main__":
    main()
