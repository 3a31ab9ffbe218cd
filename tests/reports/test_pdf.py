"""reports.pdf: a document is rendered from its own HTML and fetches no address it names."""

import http.server
import io
import threading

import pytest
from pypdf import PdfReader

from reports import pdf


@pytest.fixture
def requests_seen():
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_rendering_fetches_no_image_or_stylesheet_the_html_names(requests_seen):
    address, seen = requests_seen
    html = (
        f'<html lang="en"><head><title>T</title><link rel="stylesheet" href="{address}/style.css"></head>'
        f'<body><p>Dear Chief Executive</p><img src="{address}/logo.png" alt="logo"></body></html>'
    )

    content = pdf.html_to_pdf(html)

    assert seen == []
    assert "Dear Chief Executive" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
