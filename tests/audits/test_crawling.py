import asyncio
import datetime
import io
import time
from dataclasses import replace

from reportlab.pdfgen import canvas

from audits.crawler.crawling import CrawlResult, crawl
from audits.crawler.fetching import Fetcher
from audits.crawler.rules import DutyRules, EvidenceRules
from audits.crawler.statuses import RecencyRule
from demo.serve import Page, SiteServer

RULES = DutyRules(
    "race-equality-scheme",
    "Race equality scheme",
    EvidenceRules(names=(r"race equality scheme",), required=(r"action plan", r"impact assessment"), required_min=2),
    RecencyRule.COVERS,
    36,
)


def _pdf(*pages: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for text in pages:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _crawl(site: dict, time_budget: float | None = None, rules: DutyRules = RULES) -> CrawlResult:
    with SiteServer({"t": site}, first_address="127.0.80.1") as server:
        deadline = time.monotonic() + time_budget if time_budget else None
        fetcher = Fetcher(
            user_agent="test",
            delay=0,
            allow_private=True,
            max_bytes=10_000_000,
            connect_timeout=5,
            read_timeout=5,
            deadline=deadline,
        )
        try:
            return asyncio.run(crawl(server.url("t"), [rules], datetime.date(2007, 4, 1), fetcher, page_budget=20))
        finally:
            fetcher.close()


def test_a_pdf_named_as_the_duty_is_read_to_its_last_page():
    scheme = _pdf("Race Equality Scheme 2005-2008", "Our impact assessment arrangements", "Action plan")
    result = _crawl(
        {
            "/": Page(b'<html><body><a href="/docs/scheme.pdf">Our race equality scheme</a></body></html>'),
            "/docs/scheme.pdf": Page(scheme, "application/pdf"),
        }
    )
    (candidate,) = result.candidates("race-equality-scheme")
    assert candidate.complete


def test_an_unnamed_pdf_is_judged_by_its_first_page():
    leaflet = _pdf("Visiting times leaflet", "Race Equality Scheme 2005-2008: action plan and impact assessment")
    result = _crawl(
        {
            "/": Page(b'<html><body><a href="/docs/leaflet.pdf">Visiting times</a></body></html>'),
            "/docs/leaflet.pdf": Page(leaflet, "application/pdf"),
        }
    )
    assert result.candidates("race-equality-scheme") == []
    assert result.pages == 2


def test_an_unreadable_document_named_as_the_duty_keeps_its_bytes_for_the_evidence():
    from tests.audits.test_extraction import make_image_only_pdf

    scanned = make_image_only_pdf()
    result = _crawl(
        {
            "/": Page(
                b'<html><body><a href="/docs/scheme.pdf">Our race equality scheme</a>'
                b'<a href="/docs/menu.pdf">Canteen menu</a></body></html>'
            ),
            "/docs/scheme.pdf": Page(scanned, "application/pdf"),
            "/docs/menu.pdf": Page(make_image_only_pdf() + b"\n%menu", "application/pdf"),
        }
    )
    by_url = {p.url.rsplit("/", 1)[-1]: p for p in result.problems}
    scheme = by_url["scheme.pdf"]
    assert (scheme.body, scheme.status, scheme.content_type) == (scanned, 200, "application/pdf")
    assert scheme.fetched_at and scheme.final_url.endswith("/docs/scheme.pdf")
    # A document that names no duty is never evidence: its bytes are not held in memory.
    assert by_url["menu.pdf"].body is None


def test_a_readable_document_keeps_its_text_with_line_breaks_for_a_person():
    result = _crawl(
        {
            "/": Page(b'<html><body><a href="/res.html">Our race equality scheme</a></body></html>'),
            "/res.html": Page(
                b"<html><head><title>Race Equality Scheme</title></head><body><h1>Race Equality Scheme</h1>"
                b"<p>Our action plan.</p><p>Our impact assessment.</p></body></html>"
            ),
        }
    )
    (read,) = result.reads
    assert "Our action plan." in read.text and "\n" in read.text


def _site_with_links(promising: list[str], ordinary: list[str], slow: float) -> dict:
    links = "".join(f'<a href="/{name}">{text}</a>' for name, text in [*promising, *ordinary])
    pages = {f"/{name}": Page(b"<html><body><p>Nothing here.</p></body></html>", delay=slow) for name, _ in promising}
    pages |= {f"/{name}": Page(b"<html><body><p>Nothing here.</p></body></html>", delay=slow) for name, _ in ordinary}
    return {"/": Page(f"<html><body>{links}</body></html>".encode()), **pages}


def test_a_site_whose_promising_links_were_all_read_is_covered_when_the_time_budget_cuts_the_rest():
    promising = [("equality", "Equality and diversity")]
    ordinary = [(f"p{n}", f"Visiting ward {n}") for n in range(8)]

    result = _crawl(_site_with_links(promising, ordinary, slow=0.3), time_budget=1.5)

    assert any("time budget ran out" in error for error in result.errors)
    assert result.covered  # a duty not found is not_met, not review


def test_a_site_whose_promising_links_were_cut_by_the_time_budget_is_not_covered():
    promising = [(f"eq{n}", f"Equality and diversity report {n}") for n in range(8)]

    result = _crawl(_site_with_links(promising, [], slow=0.3), time_budget=1.5)

    assert any("time budget ran out" in error for error in result.errors)
    assert not result.covered  # a duty not found is review: promising links were left unread


SCHEME = _pdf("Race Equality Scheme 2005-2008", "Our impact assessment arrangements", "Action plan")
# Thirty leaflets a little promising ("documents"): read before anything the crawl thinks less of.
LEAFLETS = {f"/documents/leaflet-{n}.pdf": Page(_pdf(f"Leaflet {n}"), "application/pdf") for n in range(30)}


def _sitemap(*paths: str) -> Page:
    urls = "".join(f"<url><loc>{path}</loc></url>" for path in paths)
    return Page(f'<?xml version="1.0"?><urlset>{urls}</urlset>'.encode(), "application/xml")


def test_a_link_found_after_the_sitemap_listed_its_address_is_read_as_its_words_say():
    """A sitemap lists every address with no words; when a page then links to one as the race equality
    scheme, the crawl reads it next, not after thirty leaflets, and within a budget of twenty pages."""
    site = {
        "/": Page(b'<html><body><a href="/equality.html">Equality and diversity</a></body></html>'),
        "/sitemap.xml": _sitemap("/content/1.html", *LEAFLETS),
        "/equality.html": Page(b'<html><body><a href="/content/1.html">Race equality scheme</a></body></html>'),
        "/content/1.html": Page(b'<html><body><a href="/docs/scheme.pdf">Download the scheme</a></body></html>'),
        "/docs/scheme.pdf": Page(SCHEME, "application/pdf"),
        **LEAFLETS,
    }
    result = _crawl(site)
    assert any(candidate.complete for candidate in result.candidates("race-equality-scheme"))
    assert result.pages < 20


def test_a_link_that_shortens_the_scheme_to_its_capitals_leads_to_it():
    """ "To read the RES, click here": the catalogue's abbreviation, as written, makes the link promising."""
    abbreviating = DutyRules(
        RULES.code, RULES.title, replace(RULES.evidence, abbreviations=("RES",)), RULES.recency_rule, 36
    )
    site = {
        "/": Page(
            b'<html><body><a href="/race.html">Race equality</a>'
            + b"".join(f'<a href="{path}">Leaflet</a>'.encode() for path in LEAFLETS)
            + b"</body></html>"
        ),
        "/race.html": Page(
            b'<html><body><ul><li>To read the RES, <a href="/x/d1.pdf">click here</a>.</li></ul></body></html>'
        ),
        "/x/d1.pdf": Page(SCHEME, "application/pdf"),
        **LEAFLETS,
    }
    assert _crawl(site).candidates("race-equality-scheme") == []  # without it, the leaflets take the budget
    (candidate,) = _crawl(site, rules=abbreviating).candidates("race-equality-scheme")
    assert candidate.complete
