"""The polite, hardened HTTP client that crawls one trust website.

Politeness, per host name across every site check of the process (Hosts) and, with Redis, of every
worker (HostTurns): one request at a time, redirect hops included; the starts of two requests are at
least max(delay, Crawl-delay) seconds apart; robots.txt is read once per host (scheme, host and port)
and obeyed; one connection per host, kept across redirects. The fetch is a coroutine: a pause costs
no thread, and a request holds one of the I/O threads only while it is on the network.

robots.txt answers, following Google's convention:
- 2xx: parsed with protego (the rules for our product token, else for "*");
- 4xx other than 429 (including 401 and 403): no rules, everything is allowed;
- 429 and 5xx: the whole host is disallowed (BlockedByRobots), as the site asked us to stay away;
- unreachable (connection refused, timeout, refused address...): nothing is fetched from the host,
  and the FetchError says why; this is not remembered, so a later attempt (the crawler decides
  about retries) tries robots.txt again.

Hardening: only http and https; every host (each redirect hop's too) is resolved once, refused if any
of its addresses is not a public internet address (unless allow_private), and its connections go to
the checked address, so a DNS answer that changes after the check cannot reach an internal service.
Bodies are streamed and capped at max_bytes of decoded content (compression bombs included), a
body shorter than its Content-Length is an error, and a deadline bounds the whole crawl of a site.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import ipaddress
import math
import re
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from protego import Protego
from redis.exceptions import RedisError
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES

from .errors import BlockedByRobots, FetchError, TimeBudgetExceeded

MAX_CRAWL_DELAY = 30.0
CHUNK_SIZE = 64 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
REDIRECT_BODY_LIMIT = 64 * 1024  # a redirect's body read to keep its connection; longer, it is dropped
ACCEPT = (
    "text/html,application/xhtml+xml,application/pdf,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "text/plain;q=0.9,*/*;q=0.5"
)
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass
class Response:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    content_type: str  # media type only, lower-case ("" if none)
    charset: str | None  # from the Content-Type header, if any
    body: bytes
    redirects: list[str]  # every URL redirected to, in order (final_url is the last)
    elapsed: float  # seconds on the network, politeness pauses excluded


def address_problem(ip: IPAddress) -> str | None:
    """Why this address must not be fetched from the internet-facing crawler, or None."""
    # An IPv4 address hidden in an IPv6 form reaches the IPv4 host it embeds: judge that first.
    embedded: list[IPAddress] = []
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            embedded.append(ip.ipv4_mapped)
        if ip.sixtofour:
            embedded.append(ip.sixtofour)
        if ip in NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    for address in [*embedded, ip]:
        for test, problem in (
            (address.is_loopback, "is a loopback address"),
            (address.is_link_local, "is link-local"),
            (address.is_multicast, "is multicast"),
            (address.is_unspecified, "is unspecified"),
            (address.is_private, "is private"),
            (address.is_reserved, "is reserved"),
            (
                # is_global also covers shared (100.64/10) space; the extra ranges cover gaps
                # in older Python releases.
                not address.is_global or any(address in net for net in EXTRA_BLOCKED_NET_RANGES),
                "is not a public internet address",
            ),
        ):
            if test:
                return problem if address is ip else f"{problem} ({address} in IPv6 form)"
    return None


_current = threading.local()  # the Fetcher sending a request on this thread, and the host's turn it sends in


class _WatchedConnectionMixin(urllib3.connection.HTTPConnection):
    """Tell the sending Fetcher which socket its request is on, so its deadline can cut it, and its turn when
    the request has been written, which the host's next request waits a pause from. Counted from before the
    send, a new connection's handshake (or a thread waiting for the GIL) would come out of the pause: the host
    would see the next request, sent on the open connection, that much less than a pause later."""

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        if (fetcher := getattr(_current, "fetcher", None)) is not None:
            fetcher._in_flight = self.sock
            _current.turn.sent_at = time.monotonic()
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnection(_WatchedConnectionMixin, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnectionMixin, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _checked_address(url: str, hostname: str, port: int) -> IPAddress:
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(url, f"the site could not be reached: the name {hostname} was not found") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if problem := address_problem(address):
            raise FetchError(url, f"the address {address} {problem} and was refused")
    return addresses[0]


@dataclass
class _Robots:
    parser: Protego | None = None  # None: no rules, all allowed
    closed_reason: str | None = None  # set: the whole host is disallowed
    crawl_delay: float = 0.0
    sitemaps: list[str] = field(default_factory=list)


# Another process holds the host (redis): look again this often, or when its hold lapses.
SHARED_TURN_POLL = 0.1
# What a host's turn costs in Redis: a hold (one request at a time) and the earliest next start,
# both read and written at once, on Redis's clock, so workers on different machines agree.
_TAKE_TURN = """
local now_parts = redis.call('TIME')
local now = now_parts[1] * 1000 + math.floor(now_parts[2] / 1000)
local hold = redis.call('PTTL', KEYS[1])
if hold > 0 then return -hold end
local ready = tonumber(redis.call('GET', KEYS[2]) or '0')
if ready > now then return ready - now end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[2], now + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]) + 60000)
return 0
"""
# The next start counts from when the request went out (ARGV[3] ms ago), not from when the turn began.
_END_TURN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local now_parts = redis.call('TIME')
local now = now_parts[1] * 1000 + math.floor(now_parts[2] / 1000)
local ready = now - tonumber(ARGV[3]) + tonumber(ARGV[2])
if ready > tonumber(redis.call('GET', KEYS[2]) or '0') then
    redis.call('SET', KEYS[2], ready, 'PX', tonumber(ARGV[2]) + 60000)
end
return 0
"""
_KEEP_TURN = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
# A request's hold on a host in Redis lapses this soon unless renewed, so a killed worker's hold
# does not keep its hosts from the others for long.
SHARED_HOLD = 10.0
REDIS_RETRY = 0.5  # seconds between attempts while Redis cannot be reached


@dataclass
class Turn:
    """A host's turn; the request sets when it went out, which the next turn's pause counts from."""

    sent_at: float


class HostTurns:
    """One request at a time per host name, the starts of two at least their pause apart.

    Within a process an asyncio lock per host queues the site checks that share a host (two trusts
    can); with `redis` (redis.asyncio) the turn is also taken in Redis, for every worker process."""

    def __init__(self, redis: Any = None):
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last: dict[str, tuple[float, float]] = {}  # host name -> (start, pause) of the last request
        self._redis = redis
        if redis is not None:
            self._take, self._end = redis.register_script(_TAKE_TURN), redis.register_script(_END_TURN)
            self._keep = redis.register_script(_KEEP_TURN)

    @asynccontextmanager
    async def turn(self, name: str, pause: float, deadline: float | None, url: str) -> AsyncIterator[Turn]:
        async with self._locks[name]:
            last_sent, last_pause = self._last.get(name, (-math.inf, 0.0))
            await _sleep_until(last_sent + max(pause, last_pause), deadline, url)
            hold, ready = f"crawler:host:{name}:hold", f"crawler:host:{name}:next"
            token = await self._take_shared(hold, ready, pause, deadline, url) if self._redis is not None else None
            keeping = asyncio.ensure_future(self._keep_holding(hold, token)) if token else None
            turn = Turn(time.monotonic())
            try:
                yield turn
            finally:
                self._last[name] = turn.sent_at, pause
                if keeping is not None:
                    keeping.cancel()
                    since_sent = int((time.monotonic() - turn.sent_at) * 1000)
                    with suppress(RedisError):  # else the hold lapses by itself
                        await self._end(keys=[hold, ready], args=[token, int(pause * 1000), since_sent])

    async def shared_robots(
        self, host: str, ttl: float, fetch: Callable[[], Awaitable[tuple[int, bytes]]]
    ) -> tuple[int, bytes]:
        """robots.txt's status and body as a worker fetched them within `ttl` seconds, else fetched now."""
        if self._redis is None:
            return await fetch()
        key, fetching = f"crawler:robots:{host}", f"crawler:robots:{host}:fetching"
        try:
            # One worker fetches it (the others wait for its copy, or for its claim to lapse).
            while not (kept := await self._redis.get(key)):
                if await self._redis.set(fetching, 1, nx=True, px=int(SHARED_HOLD * 1000)):
                    break
                await asyncio.sleep(SHARED_TURN_POLL)
        except RedisError:
            return await fetch()
        if kept:
            status, _, body = kept.partition(b" ")
            return int(status), body
        try:
            status, body = await fetch()
            with suppress(RedisError):
                await self._redis.set(key, b"%d %s" % (status, body), ex=int(ttl))
        finally:
            with suppress(RedisError):
                await self._redis.delete(fetching)
        return status, body

    async def _keep_holding(self, hold: str, token: str) -> None:
        while True:
            await asyncio.sleep(SHARED_HOLD / 3)
            with suppress(RedisError):
                await self._keep(keys=[hold], args=[token, int(SHARED_HOLD * 1000)])

    async def _take_shared(self, hold: str, ready: str, pause: float, deadline: float | None, url: str) -> str:
        token = uuid.uuid4().hex
        keys = [hold, ready]
        hold_ms = int(SHARED_HOLD * 1000)
        while True:
            try:
                wait_ms = await self._take(keys=keys, args=[token, int(pause * 1000), hold_ms])
            except RedisError:  # Redis restarting: wait for it rather than crawl without the others
                wait = REDIS_RETRY
            else:
                if wait_ms == 0:
                    return token
                wait = min(-wait_ms / 1000, SHARED_TURN_POLL) if wait_ms < 0 else wait_ms / 1000
            await _sleep_until(time.monotonic() + wait, deadline, url)


async def _sleep_until(ready: float, deadline: float | None, url: str) -> None:
    if deadline is not None and ready >= deadline:
        raise TimeBudgetExceeded(url)
    if (wait := ready - time.monotonic()) > 0:
        await asyncio.sleep(wait)


class Hosts:
    """What the site checks of one process share about hosts: their turns, robots.txt and connections.

    robots.txt is fetched once per host and kept for `robots_ttl` seconds (a cycle), so that two
    trusts on one host, or a recheck soon after, do not ask again. Requests run on `io_threads`
    threads: a thread is held only while a request is on the network, never during a pause."""

    def __init__(self, turns: HostTurns | None = None, io_threads: int = 4, robots_ttl: float = 3600.0):
        self.turns = turns or HostTurns()
        self.robots_ttl = robots_ttl
        self._robots: dict[str, tuple[float, _Robots]] = {}
        self._robots_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # urllib3 itself, one connection per host: requests' per-request merging of settings cost
        # as much CPU as the rest of the fetch, and it would read proxies from the environment.
        self._pools: dict[tuple[str, bool], tuple[urllib3.HTTPConnectionPool, str]] = {}
        self._pools_lock = threading.Lock()
        self._io = concurrent.futures.ThreadPoolExecutor(io_threads, thread_name_prefix="fetch")

    async def robots(self, host: str, load: Callable[[], Awaitable[_Robots]]) -> _Robots:
        """The host's robots.txt rules, loaded once at a time; a failure to load is not kept."""
        async with self._robots_locks[host]:
            kept = self._robots.get(host)
            if kept is None or kept[0] < time.monotonic():
                kept = self._robots[host] = time.monotonic() + self.robots_ttl, await load()
            return kept[1]

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._io, function, *args)

    def close(self) -> None:
        self._io.shutdown(wait=False, cancel_futures=True)
        for pool, _ in self._pools.values():
            pool.close()

    def pool_for(self, url: str, host: str, allow_private: bool) -> tuple[urllib3.HTTPConnectionPool, str]:
        """The host's connection pool, to its address checked once and then pinned, and its Host header."""
        with self._pools_lock:
            if (host, allow_private) not in self._pools:
                self._pools[host, allow_private] = _new_pool(url, host, allow_private)
            return self._pools[host, allow_private]


def _new_pool(url: str, host: str, allow_private: bool) -> tuple[urllib3.HTTPConnectionPool, str]:
    parts = urlsplit(host)
    hostname, port, https = parts.hostname or "", parts.port or 80, parts.scheme == "https"
    if not hostname.isascii():
        try:
            hostname = hostname.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise FetchError(url, f"{host} is not a valid web address") from exc
    address = hostname if allow_private else str(_checked_address(url, hostname, port))
    if ":" in address:
        address = f"[{address}]"
    pool: urllib3.HTTPConnectionPool
    if https:
        # The certificate is checked against the name, not the pinned address.
        pool = _WatchedHTTPSPool(address, port, maxsize=1, server_hostname=hostname, assert_hostname=hostname)
    else:
        pool = _WatchedHTTPPool(address, port, maxsize=1)
    named = f"[{hostname}]" if ":" in hostname else hostname
    default_port = 443 if https else 80
    return pool, named if port == default_port else f"{named}:{port}"


@dataclass
class _Answer:
    """One hop's answer: a redirect's target, or the final body."""

    status: int
    headers: urllib3.HTTPHeaderDict
    location: str | None
    body: bytes
    elapsed: float


class Fetcher:
    """Fetches the pages of one website, politely: one coroutine at a time (a site is read in order).

    `hosts` is shared by every Fetcher of a process (their turns, robots.txt and connections); a
    Fetcher made without one has its own."""

    def __init__(
        self,
        *,
        user_agent: str,
        delay: float,
        allow_private: bool,
        max_bytes: int,
        connect_timeout: float,
        read_timeout: float,
        max_redirects: int = 5,
        deadline: float | None = None,
        hosts: Hosts | None = None,
    ):
        self.user_agent = user_agent
        self.robots_agent = user_agent.split("/")[0].strip()
        self.delay = delay
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_redirects = max_redirects
        self.deadline = deadline
        self.pages_fetched = 0
        self.bytes_fetched = 0
        self._own_hosts = hosts is None
        self.hosts = hosts or Hosts()
        self._headers = {
            "User-Agent": user_agent,
            "Accept": ACCEPT,
            "Accept-Language": "en-GB,en;q=0.8",
            "Accept-Encoding": "gzip, deflate",
        }
        self._in_flight: socket.socket | None = None

    async def fetch(self, url: str) -> Response:
        """GET url, following redirects; non-2xx answers are returned, transport problems raise."""
        return await self._fetch(urldefrag(url).url, obey_robots=True)

    async def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch url (False when robots.txt cannot be read)."""
        try:
            robots = await self._robots_for(url, _host_key(url, url))
        except FetchError:
            return False
        return self._robots_allow(robots, url)

    async def sitemap_urls(self, base_url: str) -> list[str]:
        try:
            return list((await self._robots_for(base_url, _host_key(base_url, base_url))).sitemaps)
        except FetchError:
            return []

    def close(self) -> None:
        if self._own_hosts:
            self.hosts.close()

    def _cut_in_flight(self) -> None:
        if (sock := self._in_flight) is not None:
            try:
                # The plain socket's shutdown, not SSLSocket's, which would drop its state under a reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    async def _fetch(self, url: str, *, obey_robots: bool) -> Response:
        current, elapsed = url, 0.0
        redirects: list[str] = []
        while True:
            host = _host_key(url, current)
            robots = await self._obey_robots(url, current, host) if obey_robots else None
            pause = max(self.delay, robots.crawl_delay if robots else 0.0)
            async with self.hosts.turns.turn(urlsplit(host).hostname or host, pause, self.deadline, url) as turn:
                answer = await self._exchange_in_time(url, current, host, turn)
            elapsed += answer.elapsed
            if answer.location is None:
                return _response(url, current, answer, redirects, elapsed)
            target = urldefrag(urljoin(current, answer.location.strip())).url
            if target == url or target in redirects:
                raise FetchError(url, f"the redirects went round in a loop (back to {target})")
            if len(redirects) >= self.max_redirects:
                raise FetchError(url, f"too many redirects (more than {self.max_redirects})")
            redirects.append(target)
            current = target

    async def _exchange_in_time(self, url: str, current: str, host: str, turn: Turn) -> _Answer:
        exchange = asyncio.ensure_future(self.hosts.run(self._exchange, url, current, host, turn))
        if self.deadline is None:
            return await exchange
        try:
            return await asyncio.wait_for(asyncio.shield(exchange), timeout=max(self._remaining(), 0.0))
        except TimeoutError:
            # The read timeout restarts with every byte, so a site that drips its headers or a
            # chunk-size line never hits it: at the deadline the request's socket is shut.
            self._cut_in_flight()
            return await exchange

    def _exchange(self, url: str, current: str, host: str, turn: Turn) -> _Answer:
        """Send one GET and read its answer (on an I/O thread, in the host's turn)."""
        started = time.monotonic()
        pool, host_header = self.hosts.pool_for(url, host, self.allow_private)
        remaining = self._remaining()
        if remaining <= 0:
            raise TimeBudgetExceeded(url)
        timeout = urllib3.Timeout(connect=min(self.connect_timeout, remaining), read=min(self.read_timeout, remaining))
        parts = urlsplit(current)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        _current.fetcher, _current.turn = self, turn
        turn.sent_at = time.monotonic()  # until the request has been written (a send that fails part way)
        try:
            answer = pool.urlopen(
                "GET",
                target,
                headers={**self._headers, "Host": host_header},
                timeout=timeout,
                retries=False,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._failure(url, exc, current) from exc
        self.pages_fetched += 1
        location = answer.headers.get("location")
        if answer.status in REDIRECT_STATUSES and location:
            self._drain(answer)
            return _Answer(answer.status, answer.headers, location, b"", time.monotonic() - started)
        body = self._read_body(url, current, answer)
        return _Answer(answer.status, answer.headers, None, body, time.monotonic() - started)

    def _drain(self, answer: urllib3.BaseHTTPResponse) -> None:
        """Read a redirect's short body so that its connection serves the next hop to the same host."""
        try:
            drained = 0
            while drained <= REDIRECT_BODY_LIMIT and (chunk := answer.read1(CHUNK_SIZE, decode_content=False)):
                drained += len(chunk)
            if drained > REDIRECT_BODY_LIMIT:
                answer.close()  # not worth reading to the end: the connection goes
        except (urllib3.exceptions.HTTPError, OSError):
            answer.close()
        finally:
            answer.release_conn()
            self._in_flight = None

    def _read_body(self, url: str, current: str, answer: urllib3.BaseHTTPResponse) -> bytes:
        declared = answer.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            answer.close()
            answer.release_conn()
            raise FetchError(url, f"the response exceeded the {_size(self.max_bytes)} limit")
        chunks, received = [], 0
        try:
            # read1 returns what has arrived instead of waiting for a full chunk, so a body that
            # drips in slowly still meets the deadline check; decoding is capped per call, so a
            # compression bomb is stopped at max_bytes too.
            while chunk := answer.read1(CHUNK_SIZE, decode_content=True):
                received += len(chunk)
                self.bytes_fetched += len(chunk)
                if received > self.max_bytes:
                    raise FetchError(url, f"the response exceeded the {_size(self.max_bytes)} limit")
                if self._remaining() <= 0:
                    raise TimeBudgetExceeded(url)
                chunks.append(chunk)
            if self._remaining() <= 0:
                # The watchdog cut the connection: what arrived may look like a whole (empty) body.
                raise TimeBudgetExceeded(url)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._failure(url, exc, current, received) from exc
        finally:
            answer.close()  # after a complete body the connection is already back in the pool
            answer.release_conn()
            self._in_flight = None
        return b"".join(chunks)

    def _remaining(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    async def _obey_robots(self, url: str, current: str, host: str) -> _Robots:
        robots = await self._robots_for(url, host)
        if robots.closed_reason:
            raise BlockedByRobots(url, robots.closed_reason)
        if not self._robots_allow(robots, current):
            raise BlockedByRobots(url, f"robots.txt does not allow {self.robots_agent} to fetch {current}")
        return robots

    def _robots_allow(self, robots: _Robots, url: str) -> bool:
        if robots.closed_reason:
            return False
        return robots.parser is None or robots.parser.can_fetch(url, self.robots_agent)

    async def _robots_for(self, url: str, host: str) -> _Robots:
        async def fetch() -> tuple[int, bytes]:
            try:
                answer = await self._fetch(host + "/robots.txt", obey_robots=False)
            except FetchError as exc:  # named after the URL asked for, keeping its type
                raise type(exc)(url, exc.reason) from exc
            return answer.status, answer.body

        async def load() -> _Robots:
            return self._parse_robots(*await self.hosts.turns.shared_robots(host, self.hosts.robots_ttl, fetch))

        return await self.hosts.robots(host, load)

    def _parse_robots(self, status: int, body: bytes) -> _Robots:
        if status == 429 or status >= 500:
            return _Robots(
                closed_reason=f"robots.txt answered with status {status}, so the site is treated as closed to crawlers"
            )
        if not 200 <= status < 300:
            return _Robots()
        # robots.txt is UTF-8 by standard (RFC 9309), whatever the header claims.
        parser = Protego.parse(body.decode("utf-8", errors="replace"))
        delay = parser.crawl_delay(self.robots_agent) or 0.0
        return _Robots(parser, None, min(float(delay), MAX_CRAWL_DELAY), list(parser.sitemaps))

    def _failure(self, url: str, exc: BaseException, current: str, received: int | None = None) -> FetchError:
        if self._remaining() <= 0:  # the watchdog cut the request at the deadline
            return TimeBudgetExceeded(url)
        return FetchError(url, self._explain(exc, current, received))

    def _explain(self, exc: BaseException, current: str, received: int | None = None) -> str:
        """A sentence for staff about what went wrong with the request."""
        causes = list(_causes(exc))

        def find(*types: type[BaseException]) -> Any:
            return next((cause for cause in causes if isinstance(cause, types)), None)

        if cut := find(urllib3.exceptions.IncompleteRead):
            total = cut.partial + cut.expected
            reason = f"the download was cut short ({cut.partial:,} of {total:,} bytes)"
        elif find(http.client.IncompleteRead):
            reason = f"the download was cut short ({received or 0:,} bytes received)"
        elif find(ConnectionRefusedError):
            reason = "the site could not be reached: connection refused"
        elif find(urllib3.exceptions.ConnectTimeoutError) and not find(urllib3.exceptions.NewConnectionError):
            reason = f"the connection timed out after {self.connect_timeout:g} seconds"
        elif find(urllib3.exceptions.ReadTimeoutError, TimeoutError):
            reason = f"the site stopped answering for {self.read_timeout:g} seconds"
        elif find(ConnectionResetError):
            reason = "the site reset the connection" + (
                f" during the download ({received:,} bytes received)" if received is not None else ""
            )
        elif ssl_error := find(urllib3.exceptions.SSLError):
            reason = f"the secure connection failed: {ssl_error}"
        elif find(urllib3.exceptions.DecodeError):
            reason = "the compressed response could not be decoded"
        elif find(urllib3.exceptions.LocationParseError, http.client.InvalidURL):
            reason = f"{current} is not a valid web address"
        elif find(urllib3.exceptions.ProtocolError):
            reason = "the connection broke during the download"
        elif os_error := find(OSError):
            reason = f"the site could not be reached: {os_error.strerror or os_error}"
        else:
            reason = f"the request failed: {exc}"
        return reason


def _response(url: str, final_url: str, answer: _Answer, redirects: list[str], elapsed: float) -> Response:
    headers = {name.lower(): value for name, value in answer.headers.items()}
    content_type = headers.get("content-type", "")
    charset = re.search(r"""charset\s*=\s*["']?([^"';\s]+)""", content_type, re.IGNORECASE)
    return Response(
        url=url,
        final_url=final_url,
        status=answer.status,
        headers=headers,
        content_type=content_type.split(";")[0].strip().lower(),
        charset=charset.group(1).lower() if charset else None,
        body=answer.body,
        redirects=redirects,
        elapsed=elapsed,
    )


def _host_key(url: str, current: str) -> str:
    """scheme://host:port of current, the unit of robots.txt and politeness."""
    parts = urlsplit(current)
    if parts.scheme not in ("http", "https"):
        raise FetchError(url, f"only http and https addresses are fetched, not {current}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(url, f"{current} is not a valid web address") from exc
    if not parts.hostname:
        raise FetchError(url, f"{current} is not a valid web address")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (urllib3 nests them in args and reason)."""
    stack, seen = [exc], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        stack.extend(item for item in nested if isinstance(item, BaseException))


def _size(n: int) -> str:
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:,} bytes"
