"""Crawl one trust website best-first, reading pages and documents until every duty is settled.

Links whose words suggest equality documents are read first, as an inspector reads, so evidence
comes early on polite, slow sites; the crawl stays on the trust's own hosts and never follows
external links. A crawl is a coroutine: hundreds run at once in one event loop, each reading one
page at a time, and the CPU work on what they read (extraction, matching) runs through `work`, a
bounded pool, so that it neither blocks the loop nor takes more than the cores.
"""

import asyncio
import datetime
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import lru_cache
from heapq import heappop, heappush
from itertools import count
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from .errors import BlockedByRobots, FetchError, TimeBudgetExceeded
from .extraction import DOCUMENT_EXTENSIONS, Document, extract
from .extraction.pdf import OCR_NOTE
from .fetching import Fetcher, Response
from .matching import (
    OPENING_CHARS,
    Candidate,
    Problem,
    Source,
    TrustIdentity,
    abbreviated,
    assess,
    currency,
    names_it,
    url_words,
)
from .patterns import any_of, compiled, fold
from .rules import DutyRules
from .statuses import DocumentKind

# Words that make a link worth reading early, whatever the duties (weights add up).
HINTS = {
    r"equalit|diversit|inclusion|\bedi\b": 6,
    r"\brace\b|racial|ethnic|disabilit|gender|\bpay gap\b|\bwres\b|\bwdes\b": 5,
    r"publication|freedom of information|\bfoi\b|accessibilit": 5,
    r"polic(y|ies)|strateg|scheme|report|monitoring|impact assessment|key documents|corporate": 3,
    r"about|documents|publications|workforce|human resources|board|governance|annual": 2,
}
# Words of pages that never hold the documents: read them last.
DETOURS = r"news|press|vacanc|\bjobs?\b|career|event|calendar|login|sign in|search|print|feedback|cookie"
MAX_SITEMAP_URLS = 2000
# An address the trust itself gave (in its answer) is read before any link.
SEED_SCORE = 1000


@dataclass
class Read:
    """A document the crawl read that may be evidence for a duty."""

    source: Source
    final_url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: float
    candidates: dict[str, Candidate]
    text: str = ""  # the document's text as read, line breaks kept, for a person to read


class Outcome:
    """What came of one request of the crawl (CrawlLogEntry.Outcome in audits/models.py holds the same values)."""

    READ = "read"
    BROKEN = "broken"  # the site answered with an error status
    BLOCKED = "blocked"  # robots.txt asks crawlers not to read it
    ERROR = "error"  # nothing came back: a timeout, a refused connection, a body too large
    OFF_SITE = "off_site"  # redirected off the trust's own site, so not read
    BUDGET = "budget"  # where the page or time budget cut the crawl


@dataclass(frozen=True)
class LogEntry:
    """One request the crawl made, in order: what a trust reads to see why a document was not found."""

    url: str
    outcome: str
    final_url: str = ""
    status: int = 0
    content_type: str = ""
    size: int = 0
    detail: str = ""  # why it was not read


def _logged(response: Response, outcome: str) -> LogEntry:
    return LogEntry(
        response.url, outcome, response.final_url, response.status, response.content_type, len(response.body)
    )


@dataclass
class CrawlResult:
    failure: str = ""
    reads: list[Read] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    covered: bool = True
    pages: int = 0

    def candidates(self, code: str) -> list[Candidate]:
        return [read.candidates[code] for read in self.reads if code in read.candidates]


# work(function, *args, lane=...) runs the reading of a response off the event loop, and returns its result.
Work = Callable[..., Awaitable[bool]]
WEB_PAGES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})


async def inline(function: Callable[..., bool], *args: object, lane: str = "pages") -> bool:
    """Work run on the loop itself: for a single crawl (a test, a profile)."""
    return function(*args)


def pool_work(lanes: dict[str, Executor]) -> Work:
    """Work run on executors sized to the cores, one per lane: web pages ("pages") take milliseconds,
    documents ("documents") tens, OCR ("ocr") seconds, so no site's work waits behind slower kinds."""

    async def work(function: Callable[..., bool], *args: object, lane: str = "pages") -> bool:
        return await asyncio.get_running_loop().run_in_executor(lanes[lane], function, *args)

    return work


@dataclass(order=True)
class _Link:
    priority: float
    order: int
    url: str = field(compare=False)


@lru_cache(maxsize=4096)  # every page's menus offer the same links again
def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def link_score(url: str, text: str, duties: list[DutyRules]) -> float:
    words = f"{text} {url_words(url)}"
    folded = fold(words)
    score = sum(weight for pattern, weight in HINTS.items() if compiled(pattern).search(words, folded))
    if any_of([p for duty in duties for p in duty.evidence.names]).search(words, folded) or any(
        abbreviated([text], duty.evidence) for duty in duties
    ):
        score += 10
    if urlsplit(url).path.lower().endswith(DOCUMENT_EXTENSIONS):
        score += 1
    if compiled(DETOURS).search(words, folded):
        score -= 4
    return score


async def _sitemap_links(fetcher: Fetcher, site_url: str, log: list[LogEntry]) -> list[str]:
    """URLs from the site's sitemaps (robots.txt Sitemap lines, else /sitemap.xml), one level deep."""
    queue = await fetcher.sitemap_urls(site_url) or [urljoin(site_url, "/sitemap.xml")]
    urls: list[str] = []
    for sitemap in queue:  # grows as a sitemap index names its children, up to five in all
        try:
            response = await fetcher.fetch(sitemap)
        except FetchError as error:
            log.append(LogEntry(sitemap, Outcome.ERROR, detail=error.reason))
            continue
        log.append(_logged(response, Outcome.READ if response.status == 200 else Outcome.BROKEN))
        if response.status != 200:
            continue
        locs = LexborHTMLParser(response.body.decode("utf-8", "replace")).css("loc")
        for loc in locs[:MAX_SITEMAP_URLS]:
            url = urljoin(response.final_url, loc.text(strip=True))
            if url.endswith(".xml") and len(queue) < 5:
                queue.append(url)
            else:
                urls.append(url)
    return urls


async def crawl(
    site_url: str,
    duties: list[DutyRules],
    audit_date: datetime.date,
    fetcher: Fetcher,
    page_budget: int,
    keep_going: Callable[[], bool] = lambda: True,
    seeds: Iterable[str] = (),
    work: Work = inline,
    trust: TrustIdentity | None = None,
) -> CrawlResult:
    """Read the site until every duty has complete evidence, the relevant links run out, or a budget ends.

    `seeds` are addresses on the site to read first, whether or not a page links to them: those a
    trust gave in its answer when it asked for the recheck. The site counts as covered when every
    promising link was read, even if a budget then cut the rest: a duty is `not_met` only then.
    `trust` is whose site it is: a document there that says it is another NHS trust's does not count."""
    result = CrawlResult()
    try:
        home = await fetcher.fetch(site_url)
    except FetchError as error:
        result.failure = error.reason
        result.log.append(LogEntry(site_url, Outcome.ERROR, detail=error.reason))
        return result
    result.log.append(_logged(home, Outcome.BROKEN if home.status >= 400 else Outcome.READ))
    if home.status >= 400:
        result.failure = f"its home page answered HTTP {home.status}"
        return result
    hosts = {_host(site_url), _host(home.final_url)}
    frontier: list[_Link] = []  # may hold a link more than once: its best score counts, the rest are skipped
    best: dict[str, float] = {}  # url -> the best score any link to it had
    done: set[str] = set()  # urls taken from the frontier
    offered = count()
    incoming: dict[str, tuple[list[str], str]] = {}  # url -> (link texts, first page linking to it)
    # Documents read before any page linked to them (a sitemap's address has no words) that gave no
    # evidence: a link that later names a duty's document in them has them read again with its words.
    read_unnamed: set[str] = set()

    def offer(url: str, text: str, linked_from: str, first: bool = False) -> None:
        url = urldefrag(url)[0]
        if urlsplit(url).scheme not in ("http", "https") or _host(url) not in hosts:
            return
        if url in done:
            if url not in read_unnamed or not _names_a_duty_in(text, duties):
                return
            read_unnamed.discard(url)
            done.discard(url)
            # What the wordless read could not do is no longer so: the next read says what it finds.
            result.problems[:] = [p for p in result.problems if url not in (p.url, p.final_url)]
            result.errors[:] = [e for e in result.errors if not e.startswith(f"{url}: ")]
        texts, first_from = incoming.setdefault(url, ([], linked_from))
        if linked_from and not first_from:
            incoming[url] = (texts, linked_from)
        new_words = bool(text) and text not in texts
        if new_words and len(texts) < 5:
            texts.append(text)
        if url in best and not new_words and not first:
            return  # the same words again (a menu on every page): the same score
        # A sitemap lists an address with no words; the page that links to it later says what it is.
        score = SEED_SCORE if first else link_score(url, text, duties)
        if score > best.get(url, float("-inf")):
            best[url] = score
            heappush(frontier, _Link(-score, next(offered), url))

    def unread_first() -> bool:
        """Drop links already taken from the top of the frontier; whether one is left."""
        while frontier and frontier[0].url in done:
            heappop(frontier)
        return bool(frontier)

    done.add(urldefrag(site_url)[0])
    done.add(urldefrag(home.final_url)[0])
    result.pages = 1
    for url in seeds:
        offer(url, "", "", first=True)
    await _read_in_lanes(work, result, home, site_url, duties, audit_date, incoming, offer, trust)
    for url in await _sitemap_links(fetcher, home.final_url, result.log):
        offer(url, "", "")

    while unread_first() and keep_going():
        if _settled(result, duties, audit_date):
            break
        if result.pages >= page_budget:
            result.covered = _nothing_promising(frontier[0])
            unread = len({link.url for link in frontier} - done)
            cut = f"the page budget ({page_budget} pages) ran out with {unread} links unread"
            result.log.append(LogEntry(frontier[0].url, Outcome.BUDGET, detail=cut))
            break
        link = heappop(frontier)
        done.add(link.url)
        texts, linked_from = incoming.get(link.url, ([], ""))
        if not await fetcher.allowed(link.url):
            result.problems.append(
                Problem(link.url, "robots.txt asks crawlers not to read it", _first(texts), linked_from)
            )
            result.log.append(LogEntry(link.url, Outcome.BLOCKED, detail="robots.txt asks crawlers not to read it"))
            continue
        try:
            response = await fetcher.fetch(link.url)
        except BlockedByRobots as error:
            result.problems.append(Problem(link.url, error.reason, _first(texts), linked_from))
            result.log.append(LogEntry(link.url, Outcome.BLOCKED, detail=error.reason))
            continue
        except FetchError as error:
            result.problems.append(Problem(link.url, error.reason, _first(texts), linked_from))
            result.errors.append(f"{link.url}: {error.reason}")
            budget_cut = isinstance(error, TimeBudgetExceeded)
            result.log.append(LogEntry(link.url, Outcome.BUDGET if budget_cut else Outcome.ERROR, detail=error.reason))
            if budget_cut:
                result.covered = _nothing_promising(link)  # the link cut is the best one left
                break
            continue
        result.pages += 1
        result.log.append(_logged(response, _outcome(response, hosts)))
        if response.status >= 400:
            result.problems.append(
                Problem(
                    link.url,
                    f"the link is broken (HTTP {response.status})",
                    _first(texts),
                    linked_from,
                    status=response.status,
                    final_url=response.final_url,
                )
            )
            continue
        if _host(response.final_url) not in hosts:
            continue
        await _read_in_lanes(work, result, response, link.url, duties, audit_date, incoming, offer, trust)
        if not texts and not any(read.final_url == response.final_url for read in result.reads):
            read_unnamed.add(link.url)
    if not keep_going():
        result.covered = False
    return result


def _outcome(response: Response, hosts: set[str]) -> str:
    if response.status >= 400:
        return Outcome.BROKEN
    return Outcome.READ if _host(response.final_url) in hosts else Outcome.OFF_SITE


def _nothing_promising(best_left: _Link) -> bool:
    """Whether the best link left unread (the frontier's first) looked no better than any page."""
    return best_left.priority >= 0


async def _read_in_lanes(
    work: Work, result, response: Response, url: str, duties, audit_date, incoming, offer, trust
) -> None:
    lane = "pages" if response.content_type in WEB_PAGES else "documents"
    args = (result, response, url, duties, audit_date, incoming, offer, trust)
    if not await work(_read, *args, lane=lane):
        await work(_read, *args, True, lane="ocr")


def _first(texts: list[str]) -> str:
    return texts[0] if texts else ""


def _read(result, response, url, duties, audit_date, incoming, offer, trust=None, ocr: bool = False) -> bool:
    """Read a response into the result; False, having read nothing, when it is a scanned PDF worth
    reading by OCR and `ocr` is off: OCR takes seconds, so the crawl sends it to a lane of its own."""
    texts, linked_from = incoming.get(url, ([], ""))
    wants_ocr = False
    already_met = False  # the scan was left unread as every duty it could bear on was met

    def source_of(document: Document) -> Source:
        return Source(
            url=response.final_url,
            kind=document.kind,
            title=document.title,
            headings=document.headings,
            link_texts=list(texts),
            linked_from=linked_from,
            # Patterns must match across the line breaks of wrapped PDF text.
            text=" ".join(document.text.split()),
            error=document.error,
            image_only=document.image_only,
            site_owner=trust,
        )

    def worth_reading_on(so_far: Document) -> bool:
        # Called with a PDF's first page, and with a scan's text read by OCR so far, a page at a time.
        # Most PDFs on a trust's site are leaflets and board papers: their first page says whether the
        # rest is worth reading (about a millisecond a page), since a duty's document names itself there.
        # A scanned one is read by OCR (a second a page) on the same terms, on a lane of its own.
        nonlocal wants_ocr, already_met
        if so_far.error and not so_far.image_only:
            return True
        source = source_of(so_far)
        named = {d.code for d in duties if names_it(source, d.evidence) or abbreviated(texts, d.evidence)}
        # A duty's section may sit pages into a larger document (an annual report's equality section on
        # page 12): read on when the page that linked to it named a duty, or the document is such a report.
        linking = _linking_read(result, linked_from)
        larger = _larger_report(source)
        if not (named or linking or larger):
            return False
        # The rest can change a finding only while a duty it could bear on is undecided: one it is named
        # as, one the page linking to it or a larger report may hold, or one found as a section of another
        # document. A duty met by a document read earlier stays met whatever else is read.
        bears_on = [
            d
            for d in duties
            if (d.code in named or larger or (linking and d.code in linking.candidates) or d.evidence.sections)
            and not _met(result, d, audit_date)
        ]
        if not bears_on:
            already_met = so_far.image_only
            return False
        if so_far.image_only and not ocr:
            wants_ocr = True
            return False
        if so_far.text.startswith(OCR_NOTE):
            # OCR reads on only while the text so far leaves one of those duties undecided.
            return not all(_settles(assess(source, d.evidence), d, audit_date) for d in bears_on)
        return True

    document = extract(response.final_url, response.content_type, response.body, response.charset, worth_reading_on)
    if wants_ocr:
        return False
    source = source_of(document)
    if document.error or document.image_only:
        reason = document.error or "the PDF has no text layer (it is scanned images only)"
        if already_met:
            reason += "; not read by OCR, as every duty it could bear on was already met"
        problem = Problem(response.final_url, reason, _first(texts), linked_from, document.title)
        if _names_a_duty(problem, duties):
            # Only a document that may become a finding's evidence keeps its bytes in memory.
            problem.status, problem.content_type = response.status, response.content_type
            problem.body, problem.fetched_at, problem.final_url = response.body, time.time(), response.final_url
        result.problems.append(problem)
        result.errors.append(f"{response.final_url}: {reason}")
    else:
        candidates = {d.code: c for d in duties if (c := assess(source, d.evidence))}
        if candidates:
            result.reads.append(
                Read(
                    source,
                    response.final_url,
                    response.status,
                    response.content_type,
                    response.body,
                    time.time(),
                    candidates,
                    document.text,
                )
            )
    for link in document.links:
        offer(link.url, link.text, response.final_url)
    return True


# Reports whose sections may be a duty's publication, as their title, link, address or cover names them.
LARGER_REPORTS = r"\bannual (report|review)\b|\bboard (report|papers?)\b|\breport to the (trust )?board\b"


def _linking_read(result: CrawlResult, linked_from: str) -> Read | None:
    """The page that linked to the document, if it named a duty (it became a read: a candidate)."""
    return next((read for read in result.reads if read.final_url == linked_from), None) if linked_from else None


def _larger_report(source: Source) -> bool:
    words = [source.title, *source.link_texts, url_words(source.url), source.text[:OPENING_CHARS]]
    return any(compiled(LARGER_REPORTS).search(text) for text in words if text)


def _names_a_duty_in(link_text: str, duties: list[DutyRules]) -> bool:
    """Whether a link's words name a duty's document, or shorten its name ("the RES")."""
    if not link_text:
        return False
    source = Source(url="", kind=DocumentKind.HTML, link_texts=[link_text])
    return any(names_it(source, d.evidence) or abbreviated([link_text], d.evidence) for d in duties)


def _names_a_duty(problem: Problem, duties: list[DutyRules]) -> bool:
    """Whether an unreadable document is named as a duty's, as the matcher judges problems."""
    source = Source(
        url=problem.url,
        kind=DocumentKind.HTML,
        title=problem.title,
        link_texts=[problem.link_text] if problem.link_text else [],
    )
    return any(names_it(source, d.evidence) for d in duties)


def _settled(result: CrawlResult, duties: list[DutyRules], audit_date: datetime.date) -> bool:
    """Every duty is already met: no need to read further."""
    return all(_met(result, d, audit_date) for d in duties)


def _met(result: CrawlResult, duty: DutyRules, audit_date: datetime.date) -> bool:
    return any(_settles(c, duty, audit_date) for c in result.candidates(duty.code))


def _settles(candidate: Candidate | None, duty: DutyRules, audit_date: datetime.date) -> bool:
    """Complete, current, undisqualified evidence named as the duty's own: the duty is met whatever else
    the crawl reads (decide never turns such a finding into anything else)."""
    return (
        candidate is not None
        and candidate.complete
        and not candidate.negative
        and candidate.name_score >= 3
        and currency(candidate, duty, audit_date)[0] is True
    )
