"""The stored copy of a piece of evidence, served from private storage.

The bytes came from a website the regulator does not control, so they never run in the portal's
origin: everything but a PDF is served under a sandboxing content security policy.
"""

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.http import FileResponse, Http404

from .models import Evidence

SANDBOX = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
# A PDF is shown in a frame on the finding page; the portal's own policy would forbid the frame.
PDF_IN_FRAME = "default-src 'none'; frame-ancestors 'self'"


def stored_copy(evidence: Evidence | None, *, as_attachment: bool) -> FileResponse:
    if evidence is None or not evidence.file:
        raise Http404("No stored copy")
    try:
        stored = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("No stored copy") from None
    content_type = evidence.content_type or "application/octet-stream"
    response = FileResponse(
        stored, as_attachment=as_attachment, filename=download_name(evidence), content_type=content_type
    )
    if as_attachment or not is_pdf(evidence):
        # A browser's PDF viewer will not render under a sandbox; it runs no script in our origin anyway.
        response["Content-Security-Policy"] = SANDBOX
    else:
        response["Content-Security-Policy"] = PDF_IN_FRAME
    return response


def media_type(evidence: Evidence) -> str:
    return evidence.content_type.split(";")[0].strip().lower()


def is_pdf(evidence: Evidence) -> bool:
    return media_type(evidence) == "application/pdf"


def is_html(evidence: Evidence) -> bool:
    return media_type(evidence) in ("text/html", "application/xhtml+xml")


def download_name(evidence: Evidence) -> str:
    name = PurePosixPath(urlsplit(evidence.final_url or evidence.url).path).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:100]
    return name or f"evidence-{evidence.sha256[:12]}"
