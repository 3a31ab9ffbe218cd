"""Where a worker's CPU goes while it audits, stage by stage: the pipeline's own figures, from the real audit.

bench.audit starts its workers through this module:

    python -m bench.stage_cpu DIR <celery's arguments>

It wraps the functions of each stage (fetching, extraction, OCR, matching, recording) with a timer of the
calling thread's CPU time, then runs Celery as `python -m celery` would. A stage called inside another
(OCR inside PDF extraction) counts for itself only. Tesseract runs as a child process: its CPU, all of the
process's children's, counts for OCR. After each site check is recorded the process writes its totals
to DIR/<pid>.json, which bench.audit reads at the end of the audit.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
from collections import Counter
from functools import wraps
from pathlib import Path

# (module, function or Class.method, stage), in the order the table lists them.
STAGES = (
    ("audits.crawler.fetching", "Fetcher._exchange", "fetch (HTTP exchange, I/O threads)"),
    ("audits.crawler.extraction", "extract_html", "extract: HTML"),
    ("audits.crawler.extraction", "extract_pdf", "extract: PDF text layer"),
    ("audits.crawler.extraction", "extract_docx", "extract: Word"),
    ("audits.crawler.extraction.pdf", "_ocr_page", "OCR (page drawing + Tesseract)"),
    ("audits.crawler.crawling", "assess", "match: assess"),
    ("audits.crawler.crawling", "names_it", "match: names_it"),
    ("audits.crawler.crawling", "link_score", "crawl: link scoring"),
    ("audits.crawler.crawling", "_read", "crawl: the rest of reading (sources, links)"),
    ("audits.services", "record_results", "record results (database)"),
)
OCR_STAGE = "OCR (page drawing + Tesseract)"

_totals: Counter = Counter()
_portal_timed = False
_lock = threading.Lock()
_local = threading.local()


def _timed(function, stage: str):
    @wraps(function)
    def timed(*args, **kwargs):
        outer = getattr(_local, "inner", None)
        _local.inner = 0.0  # what stages called from here spend
        start = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent = time.thread_time() - start
            with _lock:
                _totals[stage] += spent - _local.inner
            _local.inner = None if outer is None else outer + spent

    return timed


def install(modules_ready: bool) -> None:
    """Wrap the stages of the Django-free crawler now, and those of the portal once Django is set up."""
    for module_name, name, stage in STAGES:
        if module_name.startswith("audits.crawler") != modules_ready:
            module = importlib.import_module(module_name)
            owner_name, _, attribute = name.rpartition(".")
            owner = getattr(module, owner_name) if owner_name else module
            setattr(owner, attribute, _timed(getattr(owner, attribute), stage))


def _write_totals_after_each_record(directory: Path) -> None:
    services = importlib.import_module("audits.services")
    record = services.record_results

    @wraps(record)
    def recorded(*args, **kwargs):
        try:
            return record(*args, **kwargs)
        finally:
            write(directory)

    services.record_results = recorded


def write(directory: Path) -> None:
    # Under the lock: site checks record their results from many threads of one process, and two
    # writing the same temporary file would lose one's rename.
    with _lock:
        totals = {**_totals, OCR_STAGE: _totals[OCR_STAGE] + sum(os.times()[2:4])}
        path = directory / f"{os.getpid()}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(totals))
        os.replace(temporary, path)


def read(directory: Path) -> dict[str, float]:
    """The stages' CPU seconds, summed over every process that wrote its totals."""
    totals: Counter = Counter()
    for path in directory.glob("*.json"):
        totals.update(json.loads(path.read_text()))
    return {stage: totals[stage] for _, _, stage in STAGES}


def main() -> None:
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    install(modules_ready=False)
    from celery import signals

    def when_django_is_ready(**_: object) -> None:
        global _portal_timed
        if not _portal_timed:  # a prefork child forked after worker_ready has its parent's already
            install(modules_ready=True)
            _write_totals_after_each_record(directory)
            _portal_timed = True

    # A threads pool runs tasks in this process (worker_ready); a prefork pool in its children.
    signals.worker_ready.connect(when_django_is_ready, weak=False)
    signals.worker_process_init.connect(when_django_is_ready, weak=False)
    sys.argv = ["celery", *sys.argv[2:]]
    from celery.__main__ import main as celery

    celery()


if __name__ == "__main__":
    main()
