"""`make bench`: run every benchmark in bench/ with its defaults, one after another, and print their output.

Each runs in its own process, because each sets up Django against its own throwaway database.
Extra arguments go to bench.audit, e.g. `python -m bench --sites 50`.
"""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ["bench.import_register", "bench.audit", "bench.letters", "bench.pages"]


def main(argv: list[str]) -> int:
    failed = []
    for module in BENCHMARKS:
        print(f"=== {module}", flush=True)
        started = time.perf_counter()
        extra = argv if module == "bench.audit" else []
        try:
            code = subprocess.run([sys.executable, "-m", module, *extra], cwd=ROOT).returncode
        except KeyboardInterrupt:
            print(f"=== {module}: interrupted", flush=True)
            return 130
        print(f"=== {module}: exit {code} after {time.perf_counter() - started:.1f} s\n", flush=True)
        if code:
            failed.append(module)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
