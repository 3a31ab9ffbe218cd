"""`make bench`: run every benchmark in bench/, one after another, then print one summary table.

Each runs in its own process, because each sets up Django against its own throwaway database; its
output is shown as it comes, and its last line (bench.print_summary) feeds the table.

    python -m bench [--trusts 400] [bench.audit options]

--trusts sizes every benchmark (register rows, audited sites, letters, trusts behind the pages);
other options go to bench.audit, e.g. `python -m bench --trusts 20 --workers 1`.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import SUMMARY_PREFIX

ROOT = Path(__file__).resolve().parent.parent


def run(name: str, args: list[str]) -> tuple[int, dict]:
    """Run bench.<name>, passing its output through; its exit code and summary ({} if none)."""
    summary = {}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", f"bench.{name}", *args]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:
            if line.startswith(SUMMARY_PREFIX):
                summary = json.loads(line.removeprefix(SUMMARY_PREFIX))
            else:
                sys.stdout.write(line)
                sys.stdout.flush()
    return process.returncode, summary


def audit_rows(summary: dict) -> list[tuple[str, str]]:
    return [
        (f"Audit of {summary['sites']} sites: wall time", f"{summary['wall_s']:.1f} s"),
        ("Audit: pages per second", f"{summary['pages_per_s']:,.1f}"),
        ("Audit: wall time / plain download of the same pages", f"{summary['ratio']:.2f}"),
        ("Audit: peak RSS per worker", f"{summary['peak_rss_mb_per_worker']:,.0f} MB"),
    ]


def import_rows(summary: dict) -> list[tuple[str, str]]:
    return [(f"Import of {summary['rows']} register rows", f"{summary['rows_per_s']:,.0f} rows/s")]


def letters_rows(summary: dict) -> list[tuple[str, str]]:
    return [
        (f"Letters for {summary['letters']} trusts, end to end", f"{summary['letters_per_s']:.2f} letters/s"),
        (f"Letters: issuing alone on {summary['processes']} processes", f"{summary['issued_per_s']:.2f} letters/s"),
    ]


def pages_rows(summary: dict) -> list[tuple[str, str]]:
    cpu = summary["server_cpu_ms"]
    return [
        (
            f"{page.capitalize()}, {summary['clients']} clients: p50 / p95 (server CPU a request)",
            f"{p50:.0f} / {p95:.0f} ms ({cpu[page]:.1f} ms)",
        )
        for page, (p50, p95) in summary["latency_ms"].items()
    ]


# bench.<name>: the option that sizes it, and the rows its summary line makes in the final table.
BENCHMARKS = {
    "import_register": ("--trusts", import_rows),
    "audit": ("--sites", audit_rows),
    "letters": ("--trusts", letters_rows),
    "pages": ("--trusts", pages_rows),
}


def print_table(summaries: dict[str, dict]) -> None:
    rows = []
    for name, summary in summaries.items():
        _, rows_of = BENCHMARKS[name]
        rows += rows_of(summary) if summary else [(f"bench.{name}", "no figures: it failed")]
    width = max(len(label) for label, _ in rows)
    print("Summary")
    for label, figures in rows:
        print(f"  {label:<{width}}  {figures}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--trusts", type=int, default=400, help="size of every benchmark (default 400)")
    args, audit_options = parser.parse_known_args(argv)
    summaries, failed = {}, []
    for name, (size_option, _) in BENCHMARKS.items():
        print(f"=== bench.{name}", flush=True)
        started = time.perf_counter()
        extra = audit_options if name == "audit" else []
        try:
            code, summaries[name] = run(name, [size_option, str(args.trusts), *extra])
        except KeyboardInterrupt:
            print(f"=== bench.{name}: interrupted", flush=True)
            return 130
        print(f"=== bench.{name}: exit {code} after {time.perf_counter() - started:.1f} s\n", flush=True)
        if code:
            failed.append(name)
    print_table(summaries)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
