"""HTML to tagged PDF (WeasyPrint, PDF/UA-1), one document at a time or many over every core.

This module imports nothing of Django, so that a render process starts with Python and WeasyPrint only. Each
thread keeps one font configuration and one parsed stylesheet per file and lends them to every document it
renders, instead of building and parsing them again. A bulk render runs in a pool of processes, one per core:
WeasyPrint is pure CPU work and holds the GIL.
"""

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

# Below this many documents, starting the pool (Python and WeasyPrint imported again) costs more than it saves.
POOL_FROM = 8

_per_thread = threading.local()


def _shared(stylesheet: str | None):
    """This thread's font configuration and the stylesheet file parsed (WeasyPrint shares neither safely
    between threads)."""
    from weasyprint import CSS  # a slow import that only a process rendering PDFs needs
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_per_thread, "fonts"):
        _per_thread.fonts, _per_thread.stylesheets = FontConfiguration(), {}
    if stylesheet not in _per_thread.stylesheets:
        sheet = [CSS(filename=stylesheet, font_config=_per_thread.fonts)] if stylesheet else []
        _per_thread.stylesheets[stylesheet] = sheet
    return _per_thread.fonts, _per_thread.stylesheets[stylesheet]


def html_to_pdf(html: str, stylesheet: str | None = None) -> bytes:
    """The document, laid out with the stylesheet file if one is given (else its own styles). Whatever address
    its HTML might name (a trust's web address is only ever text in it), rendering fetches none: every protocol
    is refused, and WeasyPrint leaves the resource out and carries on."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fonts, stylesheets = _shared(stylesheet)
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))
    return document.write_pdf(pdf_variant="pdf/ua-1", font_config=fonts, stylesheets=stylesheets)


def _render_job(job: tuple[str, str | None]) -> bytes:
    return html_to_pdf(*job)


def render_many(jobs: list[tuple[str, str | None]], processes: int | None = None) -> Iterator[bytes]:
    """Each (html, stylesheet) as a PDF, in order; a pool of `processes` (default: one per core) when there
    are enough of them."""
    processes = processes or len(os.sched_getaffinity(0))
    if processes < 2 or len(jobs) < POOL_FROM:
        yield from map(_render_job, jobs)
        return
    # Spawned, not forked: a fork of a threaded Celery worker could copy a lock some other thread holds.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(processes, len(jobs)), mp_context=context) as pool:
        yield from pool.map(_render_job, jobs, chunksize=4)
