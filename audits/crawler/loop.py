"""The event loop a worker process crawls on: hundreds of sites at once, each one page at a time.

It runs in a thread of its own. A site check's task thread hands it a crawl and waits, holding no
database connection meanwhile; every crawl of the process shares its Hosts (per-host turns,
robots.txt, connections), its I/O threads (held only while a request is on the network) and its
CPU threads (extraction and matching: one per core for each lane, web pages, documents and OCR).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Coroutine
from typing import Any

from .crawling import Work, pool_work
from .fetching import Hosts, HostTurns

# Requests on the network at once, across all the sites of a process: a slow real site holds one
# for up to its read timeout, so there are many, and they cost nothing while they wait.
IO_THREADS = 64


class CrawlLoop:
    def __init__(self, redis_url: str = "", cpu_threads: int | None = None):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="crawl-loop", daemon=True)
        self._thread.start()
        turns = HostTurns(_redis(redis_url)) if redis_url else HostTurns()
        self.hosts = Hosts(turns, io_threads=IO_THREADS)
        cores = cpu_threads or len(os.sched_getaffinity(0))
        self.work: Work = pool_work(
            {
                lane: concurrent.futures.ThreadPoolExecutor(cores, thread_name_prefix=f"crawl-{lane}")
                for lane in ("pages", "documents", "ocr")
            }
        )

    def run(self, crawl: Coroutine[Any, Any, Any]) -> concurrent.futures.Future:
        """Start a crawl on the loop; its result (or exception) arrives in the future."""
        return asyncio.run_coroutine_threadsafe(crawl, self._loop)


def _redis(url: str) -> Any:
    import redis.asyncio

    return redis.asyncio.Redis.from_url(url)


_shared: CrawlLoop | None = None
_shared_lock = threading.Lock()


def shared_loop(redis_url: str = "") -> CrawlLoop:
    """This process's loop, started on first use (in a worker, after any fork)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = CrawlLoop(redis_url)
        return _shared
