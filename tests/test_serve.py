import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from demo.serve import Page, SiteServer, site_from_directory

ROOT = Path(__file__).resolve().parent.parent


def test_each_site_answers_on_its_own_address_with_its_own_content():
    sites = {f"trust-{n}": {"/": Page(f"home of trust {n}".encode())} for n in range(50)}

    with SiteServer(sites, first_address="127.0.42.1") as server, requests.Session() as session:
        urls = [server.url(name) for name in sites]
        bodies = [session.get(url, timeout=5).text for url in urls]

    assert bodies == [f"home of trust {n}" for n in range(50)]
    assert urls[0].startswith("http://127.0.42.1:") and urls[49].startswith("http://127.0.42.50:")
    assert len({urlsplit(url).port for url in urls}) == 1
    assert [name for name, path, _ in server.request_log] == list(sites)


def test_addresses_carry_over_into_the_third_octet():
    sites = {name: {"/": Page(name.encode())} for name in "abc"}

    with SiteServer(sites, first_address="127.0.42.254") as server:
        hosts = [urlsplit(server.url(name)).hostname for name in "abc"]
        assert requests.get(server.url("c"), timeout=5).text == "c"

    assert hosts == ["127.0.42.254", "127.0.42.255", "127.0.43.0"]


def test_pages_routes_and_not_found():
    def echo(path: str) -> Page:
        return Page(path.encode(), "text/plain")

    site = {
        "/": Page(b"<p>home</p>"),
        "/search": echo,
        "/gone": Page(status=301, headers={"Location": "/"}),
    }
    with SiteServer({"trust": site}, first_address="127.0.43.10") as server:
        url = server.url("trust")
        with requests.Session() as session:
            home = session.get(url, timeout=5)
            search = session.get(url + "search?q=race+equality", timeout=5)
            missing = session.get(url + "nowhere", timeout=5)
            moved = session.get(url + "gone", timeout=5, allow_redirects=False)

    assert (home.status_code, home.text, home.headers["Content-Length"]) == (200, "<p>home</p>", "11")
    assert home.headers["Content-Type"] == "text/html; charset=utf-8"
    assert search.text == "/search?q=race+equality"
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert (moved.status_code, moved.headers["Location"]) == (301, "/")


def test_iterable_body_is_streamed_in_chunks():
    def chunks():
        for n in range(5):
            yield b"chunk %d;" % n

    site = {"/stream": lambda path: Page(chunks(), chunk_delay=0.05)}
    with SiteServer({"trust": site}, first_address="127.0.43.20") as server:
        with requests.get(server.url("trust") + "stream", stream=True, timeout=5) as response:
            assert response.headers["Transfer-Encoding"] == "chunked"
            pieces = list(response.iter_content(chunk_size=None))

    assert b"".join(pieces) == b"chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;"
    assert len(pieces) == 5


def test_delay_and_request_log():
    site = {"/slow": Page(b"slow", delay=0.2)}
    with SiteServer({"trust": site}, first_address="127.0.43.30") as server:
        started = time.monotonic()
        requests.get(server.url("trust") + "slow", timeout=5)

    assert time.monotonic() - started >= 0.2
    assert [(name, path) for name, path, _ in server.request_log] == [("trust", "/slow")]
    assert server.request_log[0][2] >= started


def test_site_from_directory(tmp_path):
    for relative, content in {
        "index.html": "<h1>Trust</h1>",
        "about/index.html": "<h1>About</h1>",
        "about/equality.pdf": "%PDF-1.4",
        "robots.txt": "User-agent: *\n",
        "data/wres.docx": "PK",
    }.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(content)

    site = site_from_directory(tmp_path)

    assert sorted(site) == sorted(
        [
            "/",
            "/index.html",
            "/about/",
            "/about/index.html",
            "/about/equality.pdf",
            "/robots.txt",
            "/data/wres.docx",
        ]
    )
    assert site["/"].body == b"<h1>Trust</h1>"
    assert site["/about/"].content_type == "text/html; charset=utf-8"
    assert site["/about/equality.pdf"].content_type == "application/pdf"
    assert site["/robots.txt"].content_type.startswith("text/plain")
    assert site["/data/wres.docx"].content_type.endswith("wordprocessingml.document")


def test_command_line_serves_each_subdirectory_until_terminated(tmp_path):
    for name in ("trust-a", "trust-b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(f"<h1>{name}</h1>")
    process = subprocess.Popen(
        [sys.executable, "-m", "demo.serve", "--directory", str(tmp_path)] + ["--first-address", "127.0.43.40"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline().split() for _ in range(2)]
        assert [name for name, _ in lines] == ["trust-a", "trust-b"]
        assert requests.get(lines[1][1], timeout=5).text == "<h1>trust-b</h1>"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
        process.stdout.close()


def test_stop_ends_listening_and_keep_alive_connections():
    with SiteServer({"trust": {"/": Page(b"x")}}, first_address="127.0.43.50") as server:
        url = server.url("trust")
        with requests.Session() as session:
            assert session.get(url, timeout=5).text == "x"
            server.stop()
            with pytest.raises(requests.ConnectionError):
                session.get(url, timeout=2)


def test_the_server_notices_requests_and_connections_to_one_site_at_once():
    site = {"/slow": Page(b"slow", delay=0.3), "/": Page(b"home")}
    with SiteServer({"trust": site, "other": site}, first_address="127.0.43.40") as server:
        requests.get(server.url("trust"), timeout=5)
        requests.get(server.url("trust"), timeout=5)  # one after the other: polite
        assert server.overlapping == []
        slow = threading.Thread(target=requests.get, args=(server.url("trust") + "slow",), kwargs={"timeout": 5})
        slow.start()
        time.sleep(0.1)
        requests.get(server.url("other"), timeout=5)  # another site at the same time: polite
        requests.get(server.url("trust"), timeout=5)  # the same site while /slow is answered: not
        slow.join()

    assert server.overlapping == [("trust", "/")]
    assert server.most_connections == {"trust": 2, "other": 1}
