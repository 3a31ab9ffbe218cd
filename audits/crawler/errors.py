"""Why a fetch failed, as types the crawl can branch on; .reason is a sentence for the regulator's staff."""


class FetchError(Exception):
    """A transport problem fetching url."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class BlockedByRobots(FetchError):
    """robots.txt does not allow our User-Agent to fetch this URL."""


class TimeBudgetExceeded(FetchError):
    """The site's time budget ran out: nothing more can be fetched from it."""

    def __init__(self, url: str, reason: str = "the site's time budget ran out"):
        super().__init__(url, reason)
