"""What extraction makes of one fetched response, whatever its format."""

from dataclasses import dataclass, field

from ..statuses import DocumentKind

# Paths of files rather than pages: their links are read early, and their labels name them.
DOCUMENT_EXTENSIONS = (".pdf", ".docx", ".doc", ".txt", ".rtf", ".odt")


@dataclass
class Link:
    url: str
    text: str


@dataclass
class Document:
    url: str
    kind: DocumentKind
    title: str = ""
    headings: list[str] = field(default_factory=list)
    # Lines separated by "\n"; PDF pages separated by PDF_PAGE_BREAK ("\n\f\n").
    text: str = ""
    links: list[Link] = field(default_factory=list)
    pages: int | None = None
    error: str = ""
    image_only: bool = False
    description: str = ""  # HTML <meta name="description">
    truncated: bool = False  # a page, character or link cap cut the document short
