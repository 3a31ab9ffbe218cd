"""Addresses for a page of many links, reversed once.

A reverse() walks the URL resolver and costs tens of microseconds; a page that links hundreds of rows (the
results matrix, the shortfall lists, the trust register) spent much of its time there. `link_maker` reverses
once with marker values and fills each row's values in.
"""

from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse

# What reverse() leaves unquoted in a path (django.urls.resolvers), so that a filled-in value reads the same.
_SAFE = "/~:@!$&'()*+,;="


def link_maker(viewname: str, *slots: str, **fixed) -> Callable[..., str]:
    """A function of the slots' values (as keywords) giving the view's address, the `fixed` keywords reversed
    as they are. Markers are digits, which every path converter but uuid accepts."""
    markers = {slot: str(987_654_321_000 + n) for n, slot in enumerate(slots)}
    address = reverse(viewname, kwargs={**fixed, **markers})

    def link(**values) -> str:
        filled = address
        for slot, marker in markers.items():
            filled = filled.replace(marker, quote(str(values[slot]), safe=_SAFE))
        return filled

    return link
