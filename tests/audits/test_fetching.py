import asyncio
import gzip
import http.server
import ipaddress
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote

import pytest
import trustme

from audits.crawler import fetching
from audits.crawler.errors import BlockedByRobots, FetchError, TimeBudgetExceeded
from audits.crawler.fetching import Fetcher
from demo.serve import Page, SiteServer

FIXTURE_NETWORK = ipaddress.ip_network("127.0.41.0/24")
USER_AGENT = "EqualityAuditBot/1.0 (+https://regulator.example/crawler)"
MB = 1024 * 1024


def endless() -> Iterator[bytes]:
    for _ in range(800):  # 50 MB, never meant to be read to the end
        yield b"x" * 65536


def drip() -> Iterator[bytes]:
    for _ in range(20):
        yield b"x"


def hop(path: str) -> Page:
    n = int(path.rsplit("/", 1)[1])
    return Page(b"arrived") if n >= 6 else Page(status=302, headers={"Location": f"/hop/{n + 1}"})


def redirect_to_query(path: str) -> Page:
    return Page(status=302, headers={"Location": unquote(path.partition("?")[2])})


SITES = {
    "trust": {
        "/robots.txt": Page(
            b"User-agent: *\nDisallow: /staff-only\n\nUser-agent: EqualityAuditBot\n"
            b"Disallow: /private\nSitemap: https://trust.example/sitemap.xml\n",
            content_type="text/plain",
        ),
        "/": Page("Caf\xe9 equality scheme".encode("latin-1"), "text/html; charset=ISO-8859-1"),
        "/old": Page(status=301, headers={"Location": "/moved"}),
        "/moved": Page(status=302),  # to moved-trust, once its address is known
        "/loop-a": Page(status=302, headers={"Location": "/loop-b"}),
        "/loop-b": Page(status=302, headers={"Location": "/loop-a"}),
        "/hop/0": hop,
        **{f"/hop/{n}": hop for n in range(1, 7)},
        "/to": redirect_to_query,
        "/private/scheme.pdf": Page(b"%PDF-1.4 secret", "application/pdf"),
        "/big": lambda path: Page(endless()),
        "/declared-big": Page(b"", headers={"Content-Length": str(100 * MB)}),
        "/cut": Page(b"x" * 12_000, "application/pdf", headers={"Content-Length": "50000"}),
        "/drip": lambda path: Page(drip(), chunk_delay=0.5),
        "/bomb": Page(gzip.compress(b"\0" * (20 * MB)), headers={"Content-Encoding": "gzip"}),
    },
    "moved-trust": {"/final": Page(b"new home")},
    "slow-trust": {
        "/robots.txt": Page(b"User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain"),
        "/": Page(b"home"),
        "/a": Page(b"a"),
    },
    "plain-trust": {"/": Page(b"home"), "/a": Page(b"a")},
    "closed-trust": {"/robots.txt": Page(b"down", status=503), "/": Page(b"home")},
    "forbidden-robots": {"/robots.txt": Page(b"no", status=403), "/": Page(b"home")},
}


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with SiteServer(SITES, first_address="127.0.41.1") as running:
        SITES["trust"]["/moved"].headers["Location"] = running.url("moved-trust") + "final"
        yield running


FETCHER_OPTIONS = dict(
    user_agent=USER_AGENT,
    delay=0,
    allow_private=True,
    max_bytes=MB,
    connect_timeout=2,
    read_timeout=2,
)


class BlockingFetcher:
    """A Fetcher whose coroutines are run one at a time on the test's event loop."""

    def __init__(self, fetcher: Fetcher, loop: asyncio.AbstractEventLoop):
        self.fetcher, self.loop = fetcher, loop

    def fetch(self, url: str) -> fetching.Response:
        return self.loop.run_until_complete(self.fetcher.fetch(url))

    def allowed(self, url: str) -> bool:
        return self.loop.run_until_complete(self.fetcher.allowed(url))

    def sitemap_urls(self, url: str) -> list[str]:
        return self.loop.run_until_complete(self.fetcher.sitemap_urls(url))

    def __getattr__(self, name: str) -> object:
        return getattr(self.fetcher, name)


@pytest.fixture
def make_fetcher():
    fetchers, loop = [], asyncio.new_event_loop()

    def make(**overrides) -> BlockingFetcher:
        fetcher = Fetcher(**(FETCHER_OPTIONS | overrides))
        fetchers.append(fetcher)
        return BlockingFetcher(fetcher, loop)

    yield make
    for fetcher in fetchers:
        fetcher.close()
    loop.close()


@pytest.fixture
def fixture_sites_are_public(monkeypatch):
    """Let the guard treat the fixture servers as internet hosts; the rest of 127/8 stays refused."""
    real = fetching.address_problem
    monkeypatch.setattr(
        fetching,
        "address_problem",
        lambda ip: None if ip in FIXTURE_NETWORK else real(ip),
    )


def requests_to(server: SiteServer, site: str) -> list[tuple[str, float]]:
    return [(path, at) for name, path, at in server.request_log if name == site]


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def test_fetches_a_page_with_the_charset_from_the_header(server, make_fetcher):
    fetcher = make_fetcher()
    url = server.url("trust")

    response = fetcher.fetch(url)

    assert (response.status, response.url, response.final_url) == (200, url, url)
    assert response.content_type == "text/html"
    assert response.charset == "iso-8859-1"
    assert response.body.decode(response.charset) == "Caf\xe9 equality scheme"
    assert response.headers["content-type"] == "text/html; charset=ISO-8859-1"
    assert response.redirects == []
    assert fetcher.pages_fetched == 2  # robots.txt and the page
    robots = SITES["trust"]["/robots.txt"].body
    assert fetcher.bytes_fetched == len(robots) + len(response.body)


def test_missing_page_is_returned_as_a_404_response(server, make_fetcher):
    response = make_fetcher().fetch(server.url("trust") + "no-such-page")

    assert response.status == 404
    assert b"Page not found" in response.body


def test_redirects_are_followed_across_hosts_and_recorded(server, make_fetcher):
    trust, moved = server.url("trust"), server.url("moved-trust")

    response = make_fetcher().fetch(trust + "old#section")

    assert response.url == trust + "old"
    assert response.redirects == [trust + "moved", moved + "final"]
    assert response.final_url == moved + "final"
    assert response.body == b"new home"


def test_redirect_loop_is_a_fetch_error(server, make_fetcher):
    with pytest.raises(FetchError, match="loop"):
        make_fetcher().fetch(server.url("trust") + "loop-a")


def test_five_redirects_are_followed_but_not_six(server, make_fetcher):
    fetcher = make_fetcher()

    assert fetcher.fetch(server.url("trust") + "hop/1").body == b"arrived"
    with pytest.raises(FetchError) as error:
        fetcher.fetch(server.url("trust") + "hop/0")
    assert error.value.reason == "too many redirects (more than 5)"


@pytest.mark.usefixtures("fixture_sites_are_public")
@pytest.mark.parametrize(
    ("target", "refused"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
        ("http://10.0.0.1/admin", "10.0.0.1 is private"),
        ("http://127.0.0.1:8000/", "127.0.0.1 is a loopback address"),
        ("http://[::ffff:10.0.0.1]/", "is private"),
    ],
)
def test_redirect_to_an_internal_address_is_refused(server, make_fetcher, target, refused):
    fetcher = make_fetcher(allow_private=False)
    assert fetcher.fetch(server.url("trust")).status == 200  # the fixture counts as public

    with pytest.raises(FetchError) as error:
        fetcher.fetch(server.url("trust") + "to?" + target)

    assert refused in error.value.reason
    assert error.value.reason.endswith("and was refused")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://0x7f000001/", "http://[::ffff:127.0.0.1]/", "http://localhost/"]
)
def test_loopback_address_is_refused_without_a_request(server, make_fetcher, url):
    fetcher = make_fetcher(allow_private=False)

    with pytest.raises(FetchError) as error:
        fetcher.fetch(url)
    assert "is a loopback address" in error.value.reason
    assert "127.0.0.1" in error.value.reason
    assert fetcher.pages_fetched == 0


def test_fixture_site_is_refused_unless_private_hosts_are_allowed(server, make_fetcher):
    before = len(server.request_log)

    with pytest.raises(FetchError, match="127.0.41.1 is a loopback address"):
        make_fetcher(allow_private=False).fetch(server.url("trust"))
    assert len(server.request_log) == before
    assert make_fetcher(allow_private=True).fetch(server.url("trust")).status == 200


@pytest.fixture
def https_site(monkeypatch, tmp_path) -> Iterator[Callable[[str], tuple[str, list[str]]]]:
    """An HTTPS server on 127.0.41.252 that DNS calls trust.example; certificates from a test CA.

    Yields serve(certificate_name) -> (url of trust.example, list of Host headers received).
    """
    authority = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # read by the default context, as the system store
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *args, **kwargs: real_getaddrinfo(
            "127.0.41.252" if host == "trust.example" else host, *args, **kwargs
        ),
    )
    servers, hosts = [], []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers["Host"])
            body = b"secure scheme" if self.path == "/" else b""
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    def serve(certificate_name: str) -> tuple[str, list[str]]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert(certificate_name).configure_cert(context)
        server = http.server.ThreadingHTTPServer(("127.0.41.252", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"https://trust.example:{server.server_port}/", hosts

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.usefixtures("fixture_sites_are_public")
def test_https_connects_to_the_checked_address_and_verifies_the_name(https_site, make_fetcher):
    url, hosts = https_site("trust.example")

    page = make_fetcher(allow_private=False).fetch(url)

    assert (page.status, page.body) == (200, b"secure scheme")
    port = url.rsplit(":", 1)[1].strip("/")
    assert hosts == [f"trust.example:{port}"] * 2  # robots.txt, then the page


@pytest.mark.usefixtures("fixture_sites_are_public")
def test_https_certificate_for_another_name_is_refused(https_site, make_fetcher):
    url, hosts = https_site("elsewhere.example")

    with pytest.raises(
        FetchError, match="the secure connection failed: hostname 'trust.example' doesn't match 'elsewhere.example'"
    ):
        make_fetcher(allow_private=False).fetch(url)
    assert hosts == []


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("10.0.0.5", "is private"),
        ("100.64.0.1", "is not a public internet address"),
        ("0.0.0.0", "is unspecified"),
        ("224.0.0.1", "is multicast"),
        ("fe80::1", "is link-local"),
        ("::ffff:169.254.169.254", "is link-local (169.254.169.254 in IPv6 form)"),
        ("2002:7f00:1::", "is a loopback address (127.0.0.1 in IPv6 form)"),  # 6to4
        ("64:ff9b::a00:1", "is private (10.0.0.1 in IPv6 form)"),  # NAT64
    ],
)
def test_address_policy(address, problem):
    assert fetching.address_problem(ipaddress.ip_address(address)) == problem


def test_robots_disallow_blocks_without_requesting_the_page(server, make_fetcher):
    fetcher = make_fetcher()
    url = server.url("trust") + "private/scheme.pdf"

    with pytest.raises(BlockedByRobots):
        fetcher.fetch(url)

    assert not fetcher.allowed(url)
    assert fetcher.allowed(server.url("trust") + "staff-only")  # our group, not "*", applies
    assert "/private/scheme.pdf" not in [path for path, _ in requests_to(server, "trust")]
    assert fetcher.sitemap_urls(server.url("trust")) == ["https://trust.example/sitemap.xml"]


def test_robots_txt_is_fetched_once_per_host(server, make_fetcher):
    fetcher = make_fetcher()
    before = len(requests_to(server, "plain-trust"))

    fetcher.fetch(server.url("plain-trust"))
    fetcher.fetch(server.url("plain-trust") + "a")

    paths = [path for path, _ in requests_to(server, "plain-trust")[before:]]
    assert paths == ["/robots.txt", "/", "/a"]  # robots.txt answered 404: all allowed


def test_robots_server_error_closes_the_site(server, make_fetcher):
    with pytest.raises(BlockedByRobots, match="status 503"):
        make_fetcher().fetch(server.url("closed-trust"))


def test_robots_forbidden_means_allow_all(server, make_fetcher):
    assert make_fetcher().fetch(server.url("forbidden-robots")).body == b"home"


def home_then_a(server: SiteServer, fetcher, site: str) -> list[tuple[str, float]]:
    """Fetch the site's home page, then /a: the requests its server saw (robots.txt first)."""
    before = len(requests_to(server, site))
    fetcher.fetch(server.url(site))
    fetcher.fetch(server.url(site) + "a")
    return requests_to(server, site)[before:]


def test_crawl_delay_is_honoured_between_requests(server, make_fetcher):
    log = home_then_a(server, make_fetcher(delay=0), "slow-trust")

    assert [path for path, _ in log] == ["/robots.txt", "/", "/a"]
    assert min(gaps([at for _, at in log][1:])) >= 0.25


def test_delay_is_honoured_between_requests_including_robots(server, make_fetcher):
    log = home_then_a(server, make_fetcher(delay=0.3), "plain-trust")

    assert len(log) == 3
    assert min(gaps([at for _, at in log])) >= 0.25


def test_the_pause_counts_from_when_the_request_reached_the_host_not_from_before_connecting(
    server, make_fetcher, monkeypatch
):
    # A new connection takes a while on a real network (a TLS handshake, a distant host); the next
    # request reuses it at once. The host must still see the two a whole pause apart.
    connect = fetching._WatchedHTTPConnection.connect

    def slow_connect(self):
        time.sleep(0.4)
        connect(self)

    monkeypatch.setattr(fetching._WatchedHTTPConnection, "connect", slow_connect)

    log = home_then_a(server, make_fetcher(delay=0.5), "plain-trust")

    assert [path for path, _ in log] == ["/robots.txt", "/", "/a"]
    assert min(gaps([at for _, at in log])) >= 0.49


def test_streamed_body_over_the_limit_is_abandoned_early(server, make_fetcher):
    fetcher = make_fetcher(max_bytes=MB)
    started = time.monotonic()

    with pytest.raises(FetchError) as error:
        fetcher.fetch(server.url("trust") + "big")

    assert error.value.reason == "the response exceeded the 1 MB limit"
    assert time.monotonic() - started < 5
    assert fetcher.bytes_fetched < MB + 2 * fetching.CHUNK_SIZE


def test_declared_length_over_the_limit_is_refused_before_reading(server, make_fetcher):
    fetcher = make_fetcher()

    with pytest.raises(FetchError, match="exceeded the 1 MB limit"):
        fetcher.fetch(server.url("trust") + "declared-big")


def test_gzip_bomb_is_capped_at_the_decoded_limit(server, make_fetcher):
    fetcher = make_fetcher(max_bytes=MB)

    with pytest.raises(FetchError, match="exceeded the 1 MB limit"):
        fetcher.fetch(server.url("trust") + "bomb")
    assert fetcher.bytes_fetched < MB + 2 * fetching.CHUNK_SIZE


def test_body_shorter_than_its_content_length_is_a_fetch_error(server, make_fetcher):
    with pytest.raises(FetchError) as error:
        make_fetcher().fetch(server.url("trust") + "cut")

    assert error.value.reason == "the download was cut short (12,000 of 50,000 bytes)"


def test_slow_drip_hits_the_read_timeout(server, make_fetcher):
    with pytest.raises(FetchError, match="stopped answering for 0.3 seconds"):
        make_fetcher(read_timeout=0.3).fetch(server.url("trust") + "drip")


def test_slow_drip_hits_the_deadline(server, make_fetcher):
    started = time.monotonic()
    fetcher = make_fetcher(read_timeout=5, deadline=started + 1.2)

    with pytest.raises(TimeBudgetExceeded) as error:
        fetcher.fetch(server.url("trust") + "drip")

    assert error.value.reason == "the site's time budget ran out"
    assert time.monotonic() - started < 2.5


def test_passed_deadline_sends_nothing(server, make_fetcher):
    fetcher = make_fetcher(deadline=time.monotonic() - 1)

    with pytest.raises(TimeBudgetExceeded, match="time budget ran out"):
        fetcher.fetch(server.url("plain-trust"))
    assert fetcher.pages_fetched == 0


def test_deadline_inside_the_politeness_pause_fails_at_once(server, make_fetcher):
    fetcher = make_fetcher(delay=10, deadline=time.monotonic() + 2)
    assert fetcher.allowed(server.url("plain-trust"))  # fetches robots.txt: the next must wait
    started = time.monotonic()

    with pytest.raises(TimeBudgetExceeded, match="time budget ran out"):
        fetcher.fetch(server.url("plain-trust"))
    assert time.monotonic() - started < 0.5


def test_unreachable_port_gives_a_readable_reason(make_fetcher):
    with socket.create_server(("127.0.41.250", 0)) as probe:
        port = probe.getsockname()[1]  # free now, closed below: nothing listens there

    with pytest.raises(FetchError) as error:
        make_fetcher().fetch(f"http://127.0.41.250:{port}/")

    assert error.value.reason == "the site could not be reached: connection refused"
    assert not make_fetcher().allowed(f"http://127.0.41.250:{port}/")


@pytest.fixture
def resetting_server() -> Iterator[str]:
    """Answers robots.txt with 404, anything else with 1,000 of 100,000 bytes and a TCP reset."""
    listener = socket.create_server(("127.0.41.251", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                request_line = connection.recv(65536).split(b"\r\n")[0]
                if b"/robots.txt" in request_line:
                    # Closed after answering: say so, or the page may go out on the dead connection.
                    connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    continue
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
                time.sleep(0.2)
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.41.251:{listener.getsockname()[1]}/"
    listener.close()


def test_connection_reset_mid_response_is_a_fetch_error(resetting_server, make_fetcher):
    with pytest.raises(FetchError, match=r"reset the connection during the download \(1,000 bytes"):
        make_fetcher().fetch(resetting_server + "page")
