"""Benchmarks. `python -m bench` runs them all and prints one table of their headline figures."""

import json

SUMMARY_PREFIX = "BENCH_SUMMARY "


def print_summary(**figures: object) -> None:
    """A benchmark's last line: its headline figures as JSON, which `python -m bench` collects."""
    print(SUMMARY_PREFIX + json.dumps(figures), flush=True)
