"""Time `import_trusts` on a generated register (400 rows) against a throwaway SQLite database.

Run from the project root: .venv/bin/python -m bench.import_register [--trusts 400]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench import print_summary

TYPES = ("acute", "mental_health", "ambulance", "community", "foundation")


def write_register(path: Path, rows: int, extra_staff: int = 0) -> None:
    lines = ["ods_code,name,org_type,region,website,headcount"]
    lines += [
        f"R{n:03d},Trust {n} NHS Trust,{TYPES[n % len(TYPES)]},London,"
        f"https://r{n:03d}.nhs.example/,{1000 + n + extra_staff}"
        for n in range(rows)
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, default=400, help="rows in the register")
    rows = parser.parse_args().trusts
    with tempfile.TemporaryDirectory() as tmp:
        # Settings read DATABASE_URL when Django starts, so set it before setup.
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        register = Path(tmp) / "register.csv"
        rates = []
        for run, extra_staff in (("first import", 0), ("re-import", 0), ("all changed", 1)):
            write_register(register, rows, extra_staff)
            seconds, summary = timed_import(register)
            rates.append(rows / seconds)
            print(f"{run}: {rows} rows in {seconds:.3f} s, {rates[-1]:,.0f} rows/s ({summary})")
        print_summary(rows=rows, rows_per_s=rates[0])


if __name__ == "__main__":
    main()
