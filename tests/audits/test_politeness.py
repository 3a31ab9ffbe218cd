"""Politeness per host across everything: two trusts on one host, read at once, take turns."""

import asyncio
from collections.abc import Iterator

import pytest
import redis.asyncio

from audits.crawler.fetching import Fetcher, Hosts, HostTurns
from demo.serve import Page, SiteServer
from tests.audits.test_fault_tolerance import RedisServer

DELAY = 0.3
PAGE = b"<html><body><p>A page.</p></body></html>"
# Two trusts whose websites are folders of one host; each page takes a while to answer, so two
# requests at once would show in the server's log as starts closer than the delay.
SHARED_HOST = {
    "/robots.txt": Page(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
    **{f"/{trust}/{n}": Page(PAGE, delay=0.1) for trust in ("north", "south") for n in range(4)},
    "/north/old": Page(status=301, headers={"Location": "/north/0"}, delay=0.1),
    "/south/old": Page(status=301, headers={"Location": "/south/0"}, delay=0.1),
}


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer({"shared": SHARED_HOST}, first_address="127.0.42.1") as running:
        yield running


def _fetcher(hosts: Hosts) -> Fetcher:
    return Fetcher(
        user_agent="EqualityAuditBot/1.0",
        delay=DELAY,
        allow_private=True,
        max_bytes=1_000_000,
        connect_timeout=2,
        read_timeout=2,
        hosts=hosts,
    )


async def _read_both_trusts(server: SiteServer, north: Hosts, south: Hosts) -> None:
    async def read(trust: str, hosts: Hosts) -> None:
        fetcher = _fetcher(hosts)
        for path in ["old", *map(str, range(4))]:  # the redirect's hop is a request too
            await fetcher.fetch(f"{server.url('shared')}{trust}/{path}")

    await asyncio.gather(read("north", north), read("south", south))


def _assert_one_at_a_time_spaced_by_the_delay(server: SiteServer, robots_fetches: int) -> None:
    log = sorted(at for site, _, at in server.request_log if site == "shared")
    assert len(log) == robots_fetches + 2 * 6  # each trust: the redirect, its hop and four pages
    # The server's clock reads a request when its thread gets to it: allow it some lateness.
    assert min(later - earlier for earlier, later in zip(log, log[1:], strict=False)) >= DELAY - 0.06


def test_two_trusts_on_one_host_in_one_worker_take_turns(server):
    server.request_log.clear()

    async def run() -> None:
        hosts = Hosts()  # every site check of a worker process shares it
        try:
            await _read_both_trusts(server, hosts, hosts)
        finally:
            hosts.close()

    asyncio.run(run())

    _assert_one_at_a_time_spaced_by_the_delay(server, robots_fetches=1)
    robots = [path for site, path, _ in server.request_log if path == "/robots.txt"]
    assert len(robots) == 1  # fetched once for both trusts


def test_two_trusts_on_one_host_in_two_workers_take_turns_through_redis(server):
    shared = RedisServer(6393).start()
    server.request_log.clear()

    async def run() -> None:
        workers = [Hosts(HostTurns(redis.asyncio.Redis.from_url(shared.url))) for _ in range(2)]
        try:
            await _read_both_trusts(server, *workers)
        finally:
            for hosts in workers:
                hosts.close()

    try:
        asyncio.run(run())
    finally:
        shared.crash()

    _assert_one_at_a_time_spaced_by_the_delay(server, robots_fetches=1)  # the second worker reads it from Redis
