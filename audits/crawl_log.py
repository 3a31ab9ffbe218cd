"""What we read: the log of every request a site check's crawl made, kept so that a trust can see why a
document was not found (a broken link, its robots.txt, an error, where the budget cut the crawl)."""

import datetime

from django.db.models import Max

from .crawler.crawling import LogEntry
from .models import CrawlLogEntry, SiteCheck

# A crawl makes at most its page budget of reads, but links robots.txt blocks cost nothing: keep a bound.
MAX_ENTRIES = 5000

KINDS = {
    "text/html": "Web page",
    "application/xhtml+xml": "Web page",
    "text/plain": "Text file",
    "application/pdf": "PDF document",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/xml": "Sitemap",
    "text/xml": "Sitemap",
}
STATUSES = {
    401: "Not read: the page needs a sign-in",
    403: "Not read: the site refused access to it",
    404: "Broken link: the page was not found",
    410: "Broken link: the page was removed",
    429: "Not read: the site asked us to slow down",
}


def record_crawl_log(check: SiteCheck, entries: list[LogEntry], at: datetime.datetime) -> None:
    """Keep a crawl's log as the check's next crawl; called in the transaction that records its results."""
    crawl = (check.crawl_log.aggregate(last=Max("crawl"))["last"] or 0) + 1
    CrawlLogEntry.objects.bulk_create(
        [
            CrawlLogEntry(
                site_check=check,
                crawl=crawl,
                position=position,
                logged_at=at,
                url=entry.url,
                final_url=entry.final_url if entry.final_url != entry.url else "",
                status=entry.status,
                content_type=entry.content_type[:200],
                size=entry.size,
                outcome=entry.outcome,
                detail=entry.detail,
            )
            for position, entry in enumerate(entries[:MAX_ENTRIES], start=1)
        ],
        batch_size=500,
    )


def kind_words(entry: CrawlLogEntry) -> str:
    if not entry.content_type:
        return ""
    return KINDS.get(entry.content_type, "Other file")


def what_happened(entry: CrawlLogEntry) -> str:
    """The outcome in plain words, never an HTTP code."""
    if entry.outcome == CrawlLogEntry.Outcome.BROKEN:
        if entry.status >= 500:
            return "Not read: the site's server failed to answer"
        return STATUSES.get(entry.status, "Not read: the site refused the request")
    if entry.outcome == CrawlLogEntry.Outcome.BLOCKED:
        return "Not read: your robots.txt asks crawlers not to read it"
    if entry.outcome in (CrawlLogEntry.Outcome.ERROR, CrawlLogEntry.Outcome.BUDGET) and entry.detail:
        prefix = "Not read: " if entry.outcome == CrawlLogEntry.Outcome.ERROR else "The crawl stopped here: "
        return prefix + entry.detail
    return entry.get_outcome_display()
