"""Serve many fixture websites from one process, each on its own loopback address.

Tests and benchmarks need hundreds of "trust websites" that behave like real ones: distinct hosts
(so per-host politeness is exercised), redirects, slow and truncated answers, streamed bodies.
Every address in 127.0.0.0/8 is a separate host on Linux, so each site gets its own address and
all share one port.

One acceptor thread waits on every listening socket (rather than a serve_forever thread per site),
and each connection gets its own daemon thread, as in ThreadingHTTPServer.

    python -m demo.serve --directory DIR [--port N] [--first-address 127.0.10.1]
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import mimetypes
import selectors
import signal
import socket
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["Page", "Route", "Site", "SiteServer", "site_from_directory"]


@dataclass
class Page:
    body: bytes | Iterable[bytes] = b""  # an iterable is streamed chunk by chunk
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # override or add any header
    delay: float = 0.0  # seconds to wait before answering
    chunk_delay: float = 0.0  # seconds between streamed chunks


Route = Page | Callable[[str], Page]
Site = Mapping[str, Route]

NOT_FOUND = Page(
    b"<!doctype html><html lang='en'><head><title>Page not found</title></head>"
    b"<body><h1>Page not found</h1></body></html>",
    status=404,
)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
}


def site_from_directory(root: Path) -> dict[str, Page]:
    """Every file under root as a Page at "/relative/path"; index.html also at its directory.

    Bodies are read into memory once, so a benchmark measures the client, not the disk.
    """
    site: dict[str, Page] = {}
    for file in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        relative = file.relative_to(root).as_posix()
        content_type = CONTENT_TYPES.get(file.suffix.lower()) or (
            mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        )
        page = Page(file.read_bytes(), content_type=content_type)
        site["/" + relative] = page
        if file.name == "index.html":
            site["/" + relative.removesuffix("index.html")] = page
    return site


class _Handler(BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive
    wbufsize = 64 * 1024  # headers and a small body leave in one packet...
    disable_nagle_algorithm = True  # ...and are not held back waiting for an ACK
    timeout = 60  # an idle keep-alive connection does not hold its thread for ever

    def setup(self) -> None:
        super().setup()
        self.server.owner._connections.add(self.connection)
        self.server.owner._opened(self.server.site_name)

    def finish(self) -> None:
        self.server.owner._connections.discard(self.connection)
        self.server.owner._closed(self.server.site_name)
        try:
            super().finish()
        except OSError:
            pass  # the client went away; nothing left to flush to

    def log_message(self, format: str, *args: object) -> None:
        pass  # thousands of requests a second: no per-request logging

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def _answer(self, *, send_body: bool) -> None:
        server = self.server
        server.owner.request_log.append((server.site_name, self.path, time.monotonic()))
        server.owner._started(server.site_name, self.path)
        try:
            self._answer_page(send_body)
        finally:
            server.owner._answered(server.site_name)

    def _answer_page(self, send_body: bool) -> None:
        server = self.server
        route = server.site.get(self.path) or server.site.get(self.path.partition("?")[0])
        if route is None:
            page = NOT_FOUND
        else:
            page = route if isinstance(route, Page) else route(self.path)
        if page.delay:
            time.sleep(page.delay)
        try:
            self._send(page, send_body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading (e.g. a size limit)

    def _send(self, page: Page, send_body: bool) -> None:
        self.send_response(page.status)
        names = {name.lower() for name in page.headers}
        if page.content_type and "content-type" not in names:
            self.send_header("Content-Type", page.content_type)
        bodyless = page.status in (204, 304) or 100 <= page.status < 200
        body = b"" if bodyless else page.body
        # A caller-supplied Content-Length may be a lie (truncation tests): close afterwards so
        # the client sees the cut instead of waiting for bytes that never come.
        given_length = "content-length" in names
        streamed = not isinstance(body, bytes)
        chunked = streamed and not given_length and self.request_version == "HTTP/1.1"
        if given_length or (streamed and not chunked):
            self.close_connection = True
        if isinstance(body, bytes) and not given_length:
            self.send_header("Content-Length", str(len(body)))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        for name, value in page.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not send_body or bodyless:
            return
        if isinstance(body, bytes):
            self.wfile.write(body)
            return
        for i, chunk in enumerate(body):
            if not chunk:
                continue  # an empty chunk would end a chunked body early
            if i and page.chunk_delay:
                time.sleep(page.chunk_delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            self.wfile.flush()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes connections itself; no joining of idle threads
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: SiteServer, name: str, site: Site):
        self.owner, self.site_name, self.site = owner, name, site
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup per address: slow for hundreds of sites.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-response are expected (size limits, timeouts)


class SiteServer:
    """Serve each site on its own address (first_address, the next, ...), all on one port."""

    def __init__(self, sites: Mapping[str, Site], first_address: str = "127.0.10.1", port: int = 0):
        self.sites = sites
        self.first_address = ipaddress.IPv4Address(first_address)
        self.port = port
        self.request_log: list[tuple[str, str, float]] = []
        # What a polite client never causes: (site, path) of each request that came while another request
        # to the same site was being answered, and the most connections open to each site at once.
        self.overlapping: list[tuple[str, str]] = []
        self.most_connections: Counter[str] = Counter()
        self._answering: Counter[str] = Counter()
        self._open: Counter[str] = Counter()
        self._counting = threading.Lock()
        self._servers: dict[str, _SiteHTTPServer] = {}
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None
        self._wakeup: tuple[socket.socket, socket.socket] | None = None

    def url(self, name: str) -> str:
        host, port = self._servers[name].server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> SiteServer:
        for attempt in range(20):
            try:
                self._bind_all(self.port)
                break
            except OSError as exc:
                self._close_servers()
                # With port 0 the port was free on the first address only; try another one.
                if self.port or exc.errno != errno.EADDRINUSE or attempt == 19:
                    raise
        self._wakeup = socket.socketpair()
        self._thread = threading.Thread(target=self._accept_loop, name="SiteServer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None or self._wakeup is None:
            return
        self._wakeup[1].send(b"x")
        self._thread.join()
        self._thread = None
        for end in self._wakeup:
            end.close()
        for connection in list(self._connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)  # wakes handler threads blocked on reads
            except OSError:
                pass
        self._close_servers()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _started(self, site: str, path: str) -> None:
        with self._counting:
            if self._answering[site]:
                self.overlapping.append((site, path))
            self._answering[site] += 1

    def _answered(self, site: str) -> None:
        with self._counting:
            self._answering[site] -= 1

    def _opened(self, site: str) -> None:
        with self._counting:
            self._open[site] += 1
            self.most_connections[site] = max(self.most_connections[site], self._open[site])

    def _closed(self, site: str) -> None:
        with self._counting:
            self._open[site] -= 1

    def _bind_all(self, port: int) -> None:
        for i, (name, site) in enumerate(self.sites.items()):
            server = _SiteHTTPServer((str(self.first_address + i), port), self, name, site)
            self._servers[name] = server
            port = server.server_address[1]

    def _close_servers(self) -> None:
        for server in self._servers.values():
            server.server_close()
        self._servers.clear()

    def _accept_loop(self) -> None:
        assert self._wakeup is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._wakeup[0], selectors.EVENT_READ)
            for server in self._servers.values():
                selector.register(server.socket, selectors.EVENT_READ, server)
            while True:
                for key, _ in selector.select():
                    server = key.data
                    if server is None:
                        return
                    try:
                        request, client_address = server.get_request()
                    except OSError:
                        continue
                    server.process_request(request, client_address)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve each subdirectory of DIR as a website.")
    parser.add_argument("--directory", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--first-address", default="127.0.10.1")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        parser.error(f"{args.directory} is not a directory")
    sites = {d.name: site_from_directory(d) for d in sorted(args.directory.iterdir()) if d.is_dir()}
    # Block the signals before any thread starts, so that only sigwait below receives them.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    with SiteServer(sites, args.first_address, args.port) as server:
        for name in sites:
            print(name, server.url(name), flush=True)
        signal.sigwait(stop_signals)


if __name__ == "__main__":
    main()
