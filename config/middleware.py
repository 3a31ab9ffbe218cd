"""Middleware of the whole site: no signed-in page kept in a cache, no control character in any input."""

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from trusts.validators import REQUEST_FORBIDDEN, describe


class NoStoreForSignedInMiddleware:
    """Every response to a signed-in person (pages, exports, evidence, letters) says `Cache-Control:
    no-store`: neither the browser nor a proxy keeps a copy that the next person at the computer could
    open with the back button or from the cache.

    It must come after AuthenticationMiddleware, so that `request.user` is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class RefuseBadInputMiddleware:
    """Input no field of ours takes is refused with a 400 page that says what is wrong:

    - a NUL byte or another control character (other than tab, new line and carriage return) in the
      path or in any query or form parameter, name or value (PostgreSQL cannot even store NUL);
    - a query parameter longer than MAX_QUERY_VALUE characters (searches, filters and page numbers are
      short; SQLite refuses a LIKE pattern over 50,000 bytes).

    Every view is spared from checking. Uploaded files are not looked at here: the importer checks
    its own cells; form fields check their own lengths."""

    MAX_QUERY_VALUE = 1000

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if message := self._refusal(request):
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)

    def _refusal(self, request) -> str | None:
        if match := REQUEST_FORBIDDEN.search(request.path):
            return (
                f"The web address contains a control character, {describe(match.group())}. "
                "Check the address and try again."
            )
        for key, values in request.GET.lists():
            if any(len(text) > self.MAX_QUERY_VALUE for text in (key, *values)):
                return (
                    f"A value in the web address is longer than {self.MAX_QUERY_VALUE:,} characters. "
                    "Shorten the search and try again."
                )
        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                for text in (key, *values):
                    if match := REQUEST_FORBIDDEN.search(text):
                        return (
                            f"The request contained a control character, {describe(match.group())}, that no "
                            "field accepts. Remove it and try again."
                        )
        return None


class IdsInRangeMiddleware:
    """A whole number in the path (an `<int:…>` id) larger than any database id is a page that cannot
    exist: 404, before a view asks SQLite (OverflowError) or PostgreSQL (out of range) for it."""

    LARGEST_ID = 2**63 - 1

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if any(
            isinstance(value, int) and not -self.LARGEST_ID <= value <= self.LARGEST_ID
            for value in (*view_args, *view_kwargs.values())
        ):
            raise Http404("No such page.")
        return None
