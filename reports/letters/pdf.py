"""Letters as tagged PDFs (WeasyPrint), one at a time or many over every core.

Each thread keeps one font configuration and one parsed stylesheet per template version and lends them to
every letter it renders, instead of building and parsing them again per letter. A bulk issue renders in a
pool of processes, one per core: WeasyPrint is pure CPU work and holds the GIL.
"""

import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import django
from django.conf import settings

# The stylesheet each template version is laid out with; v1 templates carry theirs inline.
STYLESHEETS = {"v2": Path(__file__).resolve().parent.parent / "templates" / "letters" / "letter_v2.css"}
# Below this many letters, starting the pool (Django and WeasyPrint imported again) costs more than it saves.
POOL_FROM = 8

_per_thread = threading.local()


def _shared(version: str):
    """This thread's font configuration and the version's parsed stylesheets (WeasyPrint shares neither
    safely between threads)."""
    from weasyprint import CSS  # a 0.6 s import that only the documents worker needs
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_per_thread, "fonts"):
        _per_thread.fonts, _per_thread.stylesheets = FontConfiguration(), {}
    if version not in _per_thread.stylesheets:
        path = STYLESHEETS.get(version)
        sheet = [CSS(filename=str(path), font_config=_per_thread.fonts)] if path else []
        _per_thread.stylesheets[version] = sheet
    return _per_thread.fonts, _per_thread.stylesheets[version]


def html_to_pdf(html: str, version: str) -> bytes:
    """One letter's HTML, rendered with its template version's stylesheet."""
    from weasyprint import HTML

    fonts, stylesheets = _shared(version)
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.write_pdf(pdf_variant="pdf/ua-1", font_config=fonts, stylesheets=stylesheets)


def _render_job(job: tuple[str, str]) -> bytes:
    return html_to_pdf(*job)


def render_many(jobs: list[tuple[str, str]], processes: int | None = None) -> Iterator[bytes]:
    """Each (html, template version) as a PDF, in order; a pool of `processes` (default: one per core)
    when there are enough of them."""
    processes = processes or len(os.sched_getaffinity(0))
    if processes < 2 or len(jobs) < POOL_FROM:
        yield from map(_render_job, jobs)
        return
    # Spawned, not forked: a fork of a threaded Celery worker could copy a lock some other thread holds. Django
    # is set up first, since unpickling _render_job imports this package and its models.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(processes, len(jobs)), mp_context=context, initializer=django.setup) as pool:
        yield from pool.map(_render_job, jobs, chunksize=4)
