"""OCR is done only where it can change a finding, and never twice for the same scan.

Sites are served on loopback as a trust's would be; Tesseract is real, and counted page by page.
"""

import asyncio
import datetime
from collections import OrderedDict

import pytesseract
import pytest

from audits.crawler.crawling import CrawlResult, crawl
from audits.crawler.extraction import pdf
from audits.crawler.fetching import Fetcher
from audits.crawler.matching import OCR_NOTE, decide
from audits.crawler.rules import DutyRules, EvidenceRules
from audits.crawler.statuses import RecencyRule, VerdictStatus
from demo.serve import Page, SiteServer
from demo.websites.blocks import render_scan
from tests.audits.test_crawling import RULES

AUDIT_DATE = datetime.date(2007, 4, 1)
RES = RULES  # the race equality scheme as the crawler tests state it
# A duty no page of these sites meets, so that the crawl reads on after the race equality scheme.
DES = DutyRules(
    "disability-equality-scheme",
    "Disability equality scheme",
    EvidenceRules(names=(r"disability equality scheme",), required=(r"action plan",), required_min=1),
    RecencyRule.COVERS,
    36,
)
# Three scanned pages, the first of which holds all that makes the scheme the duty's evidence.
SCAN = render_scan(
    [
        ("h1", "Race Equality Scheme 2005-2008"),
        ("p", "Our action plan sets out how each impact assessment is carried out and published."),
        ("ul", [f"Action {n}: a step of the plan, reported to the board each quarter." for n in range(140)]),
    ],
    None,
)
RACE_PAGE = (
    b"<html><head><title>Race Equality Scheme 2005-2008</title></head><body><h1>Race Equality Scheme 2005-2008</h1>"
    b"<p>Our action plan.</p><p>How each impact assessment is done.</p>"
    b'<p><a href="/docs/res-scan.pdf">Race equality scheme (scanned copy)</a></p></body></html>'
)


@pytest.fixture
def tesseract_pages(monkeypatch) -> list[int]:
    """The pages Tesseract is run on, counted; every test starts with no OCR text kept."""
    monkeypatch.setattr(pdf, "_ocr_cache", OrderedDict())
    pages: list[int] = []
    image_to_string = pytesseract.image_to_string

    def counted(image, *args, **kwargs):
        pages.append(1)
        return image_to_string(image, *args, **kwargs)

    monkeypatch.setattr(pytesseract, "image_to_string", counted)
    return pages


def _crawl(server: SiteServer, site: str, duties: list[DutyRules]) -> CrawlResult:
    fetcher = Fetcher(
        user_agent="test", delay=0, allow_private=True, max_bytes=10_000_000, connect_timeout=5, read_timeout=30
    )
    try:
        return asyncio.run(crawl(server.url(site), duties, AUDIT_DATE, fetcher, page_budget=20))
    finally:
        fetcher.close()


def _verdict(result: CrawlResult, duty: DutyRules = RES):
    return decide(
        duty,
        AUDIT_DATE,
        candidates=result.candidates(duty.code),
        problems=result.problems,
        covered=result.covered,
        pages=result.pages,
    )


def test_a_scan_of_a_duty_already_met_by_a_web_page_is_not_read_by_ocr(tesseract_pages):
    site = {
        "/": Page(b'<html><body><a href="/race-equality-scheme.html">Race equality</a></body></html>'),
        "/race-equality-scheme.html": Page(RACE_PAGE),
        "/docs/res-scan.pdf": Page(SCAN, "application/pdf"),
    }
    with SiteServer({"t": site}, first_address="127.0.84.1") as server:
        result = _crawl(server, "t", [RES, DES])

    assert tesseract_pages == []
    verdict = _verdict(result)
    assert verdict.status == VerdictStatus.MET
    assert verdict.evidence.source.url.endswith("/race-equality-scheme.html")
    # The scan was fetched, and the site check says why its images were not read.
    (scan,) = [problem for problem in result.problems if problem.url.endswith("/docs/res-scan.pdf")]
    assert scan.reason.endswith("not read by OCR, as every duty it could bear on was already met")
    assert _verdict(result, DES).status == VerdictStatus.NOT_MET


def test_a_scan_that_is_the_only_evidence_is_read_by_ocr_until_its_text_decides_it(tesseract_pages):
    site = {
        "/": Page(b'<html><body><a href="/docs/res-scan.pdf">Race equality scheme (scanned copy)</a></body></html>'),
        "/docs/res-scan.pdf": Page(SCAN, "application/pdf"),
    }
    assert len(pdf.pdfium.PdfDocument(SCAN)) == 3
    with SiteServer({"t": site}, first_address="127.0.84.1") as server:
        result = _crawl(server, "t", [RES])

    verdict = _verdict(result)
    assert verdict.status == VerdictStatus.MET
    assert verdict.evidence.source.text.startswith(OCR_NOTE)
    # Its title is its first line as read, not the note that says it was read by OCR.
    assert verdict.evidence.source.title != OCR_NOTE and "Race" in verdict.evidence.source.title
    # Its first page holds the name, the period and all the duty requires: pages 2 and 3 change nothing.
    assert len(tesseract_pages) == 1


def test_a_scan_read_from_the_sitemap_before_a_page_named_it_is_read_again_once_one_does(tesseract_pages):
    # The sitemap lists the scan under a file name that says nothing; it is fetched before the
    # page two clicks in that links to it as "Our race equality scheme".
    site = {
        "/": Page(b'<html><body><a href="/about.html">About us</a></body></html>'),
        "/about.html": Page(b'<html><body><a href="/equality.html">Equality and diversity</a></body></html>'),
        "/equality.html": Page(
            b'<html><body><a href="/uploads/equality-scheme-final.pdf">Our race equality scheme</a></body></html>'
        ),
        "/uploads/equality-scheme-final.pdf": Page(SCAN, "application/pdf"),
        "/sitemap.xml": Page(
            b"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            b"<url><loc>/uploads/equality-scheme-final.pdf</loc></url></urlset>",
            "application/xml",
        ),
    }
    with SiteServer({"t": site}, first_address="127.0.84.10") as server:
        result = _crawl(server, "t", [RES])

    verdict = _verdict(result)
    assert verdict.status == VerdictStatus.MET, verdict.rationale
    assert "Our race equality scheme" in verdict.rationale
    # The first, wordless read is forgotten: neither a problem nor an error of the site check.
    assert not [p for p in result.problems if p.url.endswith(".pdf")]
    assert not [e for e in result.errors if ".pdf" in e]
    assert len(tesseract_pages) == 1


def test_the_same_scan_at_two_addresses_is_read_by_ocr_once(tesseract_pages):
    def site(path: str) -> dict[str, Page]:
        home = f'<html><body><a href="{path}">Our race equality scheme</a></body></html>'
        return {"/": Page(home.encode()), path: Page(SCAN, "application/pdf")}

    sites = {"a": site("/docs/res-scan.pdf"), "b": site("/equality/RES%202005-08.pdf")}
    with SiteServer(sites, first_address="127.0.84.1") as server:
        results = [_crawl(server, name, [RES]) for name in sites]

    assert [_verdict(result).status for result in results] == [VerdictStatus.MET, VerdictStatus.MET]
    assert len(tesseract_pages) == 1
