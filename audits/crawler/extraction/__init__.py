"""Turn one fetched response into plain text, headings and links that the matcher can read.

`extract` never raises: a document that cannot be read comes back with `error` set in plain
English, so one hostile or broken file costs one finding, never the site check.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import posixpath
import re
import threading
import unicodedata
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from urllib.parse import urldefrag, urljoin, urlsplit

import pypdfium2 as pdfium
from charset_normalizer import from_bytes
from lxml import etree
from selectolax.lexbor import LexborHTMLParser, LexborNode

MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
MAX_LINKS = 10_000
MAX_TITLE_CHARS = 300
MAX_PDF_PAGES = 200
# Fewer extractable characters than this per page on average means scanned images.
MIN_PDF_CHARS_PER_PAGE = 20
MAX_DOCX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_DOCX_RATIO = 200  # real .docx files compress XML 5-30x; bombs manage thousands
MIN_DOCX_RATIO_CHECK = 10 * 1024 * 1024  # below this, a high ratio harms no one
PDF_PAGE_BREAK = "\n\f\n"
# Metadata titles that tools fill in by themselves; the first line of page 1 says more.
_JUNK_PDF_TITLE = re.compile(
    r"$|untitled|microsoft (word|powerpoint|excel) - |.*\.(docx?|pptx?|xlsx?|pdf|indd|qxp)$", re.I
)

# PDFium keeps global state and is not thread-safe; the crawler runs in a threads pool.
_PDFIUM_LOCK = threading.Lock()

_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    _DOCX_TYPE: "docx",
}
_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG: browsers decode these labels as windows-1252, and so do pages written for browsers.
_AS_WINDOWS_1252 = {"ascii", "latin_1", "iso8859_1"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Not visible, or navigation repeated on every page (it would make every page "mention" every
# duty); links inside are still collected.
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "svg", "select"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}  # fmt: skip
_HEADING_TAGS = {"h1", "h2", "h3"}
# Paths of files rather than pages: their links are read early, and their labels name them.
DOCUMENT_EXTENSIONS = (".pdf", ".docx", ".doc", ".txt", ".rtf", ".odt")
MAX_HTML_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
# Void elements, and those that browsers close implicitly (so leaving them open nests nothing).
_UNCOUNTED_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody",
    "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body",
}  # fmt: skip
# As styles.xml names them (Word shows "Heading 1"; the file says "heading 1").
_DOCX_HEADING_NAMES = {"title", "heading 1", "heading 2", "heading 3"}
# The WordprocessingML names read for every paragraph, run, cell and style, qualified once.
_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W = {
    name: _WORD + name
    for name in "document body p pPr pStyle r t br hyperlink tbl tr trPr gridBefore tc tcPr gridSpan vMerge "
    "style styleId name val type".split()
}
# The other run contents that python-docx reads as text.
_DOCX_RUN_CHARACTERS = {_WORD + "tab": "\t", _WORD + "ptab": "\t", _WORD + "cr": "\n", _WORD + "noBreakHyphen": "-"}


@dataclass
class Link:
    url: str
    text: str


@dataclass
class Document:
    url: str
    kind: str  # "html" | "pdf" | "docx" | "text" | "other"
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


def extract(
    url: str,
    content_type: str,
    body: bytes,
    charset: str | None = None,
    read_on: Callable[[Document], bool] | None = None,
) -> Document:
    """The document's text, headings and links. With `read_on`, a PDF's first page is read alone and
    the rest only if read_on(the first page's document) says so, from the same open file."""
    kind = "other"
    try:
        kind = sniff_kind(url, content_type, body)
        if len(body) > MAX_BODY_BYTES:
            limit = MAX_BODY_BYTES // (1024 * 1024)
            return Document(
                url,
                kind,
                error=f"the document is larger than the {limit} MB limit for text extraction",
            )
        if body.startswith(_OLE_MAGIC):
            return Document(url, "other", error="old Word .doc format is not read; open it by hand")
        # Callers may pass the whole Content-Type header and no separate charset.
        charset = charset or _charset_param(content_type)
        if kind == "html":
            return _extract_html(url, decode_html(body, charset))
        if kind == "text":
            return _extract_text(url, decode_html(body, charset, look_for_meta=False))
        if kind == "pdf":
            return _extract_pdf(url, body, read_on)
        if kind == "docx":
            return _extract_docx(url, body)
        return Document(url, "other")
    except Exception as exc:  # a hostile file must never crash a site check
        return Document(url, kind, error=f"the document could not be read ({type(exc).__name__})")


def sniff_kind(url: str, content_type: str, body: bytes) -> str:
    # Magic bytes first: servers label PDFs application/octet-stream or even text/html, but a
    # file that starts with %PDF- is a PDF whatever the header says.
    if b"%PDF-" in body[:1024]:
        return "pdf"
    if body.startswith(b"PK\x03\x04") and _is_docx_zip(body):
        return "docx"
    if body.startswith(_OLE_MAGIC):
        return "other"
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[media_type]
    path = urlsplit(url).path.lower()
    for extension, kind in _EXTENSIONS.items():
        if path.endswith(extension):
            return kind
    if media_type in ("", "application/octet-stream") and _looks_like_html(body):
        return "html"
    return "other"


def decode_html(body: bytes, charset: str | None, *, look_for_meta: bool = True) -> str:
    """Decode the way a browser would, so "£" and "–" survive.

    Order: byte-order mark (as browsers do: it cannot be wrong), HTTP charset, <meta> charset,
    strict UTF-8, windows-1252, and only then a detector. A declared charset wins even when it
    looks wrong (a page declaring windows-1252 but holding UTF-8 reads as mojibake, as in a
    browser), except that a declared UTF-8 the bytes do not decode as is skipped: servers send
    "charset=utf-8" by default for old windows-1252 pages.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    declared = [charset]
    if look_for_meta:
        declared += [m.group(1).decode("ascii") for m in _META_CHARSET.finditer(body[:2048])]
    for label in declared:
        encoding = _codec_name(label)
        if encoding is None:
            continue
        if encoding == "utf_8":
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                continue
        return body.decode(encoding, errors="replace")
    for encoding in ("utf-8", "windows-1252"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            pass
    # Detectors misread short English windows-1252 (cp932 for "Price £10"), so they come last,
    # for bytes that are neither UTF-8 nor windows-1252.
    best = from_bytes(body[:65536]).best()
    encoding = best.encoding if best is not None else "windows-1252"
    return body.decode(encoding, errors="replace")


def _charset_param(content_type: str) -> str | None:
    match = re.search(r";\s*charset\s*=\s*[\"']?([^\"';\s]+)", content_type, re.I)
    return match.group(1) if match else None


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    # A page that declares UTF-16 in ASCII bytes is not UTF-16 (WHATWG: read it as UTF-8); real
    # UTF-16 pages start with a byte-order mark, handled before any declaration.
    if name.startswith(("utf_16", "utf_32")):
        return "utf_8"
    return name


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


def _is_docx_zip(body: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _normalise_lines(text: str) -> str:
    lines = (_normalise(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _first_line(text: str) -> str:
    # A document with no line breaks must not make a 2 MB title.
    return text.split("\n", 1)[0][:MAX_TITLE_CHARS]


def _cap(text: str) -> tuple[str, bool]:
    return (text[:MAX_TEXT_CHARS], True) if len(text) > MAX_TEXT_CHARS else (text, False)


# --- HTML ---------------------------------------------------------------------------------


def _extract_html(url: str, html: str) -> Document:
    tree = LexborHTMLParser(_limit_nesting(html))
    base = url
    if (base_node := tree.css_first("base[href]")) is not None:
        base = _resolve(url, base_node.attributes.get("href") or "") or url
    links, describing, links_truncated = _links(tree, base)
    text, headings, truncated = _visible_text(tree.body, describing) if tree.body else ("", [], False)
    title_node = tree.css_first("title")
    title = _normalise(title_node.text()) if title_node else ""
    if not title and (h1 := tree.css_first("h1")) is not None:
        title = _normalise(h1.text())
    description_node = tree.css_first('meta[name="description" i]')
    description = description_node.attributes.get("content") if description_node else None
    return Document(
        url,
        "html",
        title=title,
        headings=headings,
        text=text,
        links=links,
        description=_normalise(description or ""),
        truncated=truncated or links_truncated,
    )


def _limit_nesting(html: str) -> str:
    """Drop the tags nested deeper than MAX_HTML_DEPTH, keeping their text and links.

    Lexbor's parse time grows with the square of nesting depth (100,000 nested <div>s, 500 KB,
    take 30 s with the GIL held); real pages nest a few dozen deep. The depth is estimated from
    the tags alone, ignoring void tags and those whose end tag is optional.
    """
    if not _too_deep(html):
        return html
    depth = 0
    pieces: list[str] = []
    last = 0
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in _UNCOUNTED_TAGS or match.group(0).endswith("/>"):
            continue
        if closing:
            depth = max(depth - 1, 0)
            too_deep = depth >= MAX_HTML_DEPTH
        else:
            too_deep = depth >= MAX_HTML_DEPTH
            depth += 1
        if too_deep and name not in ("a", "area"):
            pieces += [html[last : match.start()], " "]
            last = match.end()
    return "".join([*pieces, html[last:]]) if pieces else html


def _too_deep(html: str) -> bool:
    if html.count("<") <= MAX_HTML_DEPTH:  # too few tags to nest that deep: most pages stop here
        return False
    # findall is several times cheaper than match objects.
    depth = 0
    for closing, name in _TAG.findall(html):
        if name.lower() in _UNCOUNTED_TAGS:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        if depth > MAX_HTML_DEPTH:
            return True
    return False


def _visible_text(root: LexborNode, describing: set[int]) -> tuple[str, list[str], bool]:
    """Walk the tree without recursion (hostile pages nest thousands deep), emitting a line
    break around block elements so paragraphs stay apart and inline markup does not split words.
    The elements in `describing` (by mem_id) are left out: see _links."""
    parts: list[str] = []
    headings: list[str] = []
    size = 0
    stack: list[LexborNode | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # closing a block element
            parts.append("\n")
            continue
        if node.is_text_node:
            chunk = node.text_content or ""
            parts.append(chunk)
            size += len(chunk)
            if size > MAX_TEXT_CHARS:
                text, _ = _cap(_normalise_lines("".join(parts)))
                return text, headings, True
            continue
        tag = node.tag
        if not node.is_element_node or tag in _SKIP_TAGS:
            continue
        if (node.attributes.get("role") or "").lower() == "navigation":
            continue
        if node.mem_id in describing:
            continue
        if tag in _HEADING_TAGS and (heading := _normalise(node.text())):
            headings.append(heading)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
            stack.append(None)
        children = []
        child = node.first_child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend(reversed(children))
    return _normalise_lines("".join(parts)), headings, False


def _links(tree: LexborHTMLParser, base: str) -> tuple[list[Link], set[int], bool]:
    """The page's links, and the elements (by mem_id) whose words only describe a linked document.

    "Draft equality objectives 2025-2029 for consultation" on a link to a PDF, or around its
    "Download" link, names that file, not the page: it must neither date the page nor make it look
    like the document itself. The file is read on its own, under that name.
    """
    links: list[Link] = []
    describing: set[int] = set()
    for node in tree.css("a[href], area[href], meta[http-equiv]"):
        if node.tag == "meta":
            target = _refresh_target(node)
            if target and (absolute := _resolve(base, target)):
                links.append(Link(absolute, ""))
            continue
        absolute = _resolve(base, node.attributes.get("href") or "")
        if absolute is None:
            continue
        if len(links) >= MAX_LINKS:
            return links, describing, True
        text, context = _link_text(node)
        links.append(Link(absolute, text))
        if urlsplit(absolute).path.lower().endswith(DOCUMENT_EXTENSIONS):
            describing.add((context or node).mem_id)
    return links, describing, False


# Words that say nothing about what a link leads to ("Download (PDF, 120KB)", "click here").
GENERIC_LINK_WORDS = frozenset(
    "click here download read online more view open this the it now file document full version link pdf word "
    "doc docx kb mb".split()
)
# Where a person looks for what a generic link leads to: the list item or paragraph around it.
LINK_CONTEXT_TAGS = frozenset({"li", "p", "td", "dd", "dt", "figcaption", "caption"})
MAX_LINK_CONTEXT_CHARS = 300


def _link_text(node: LexborNode) -> tuple[str, LexborNode | None]:
    """What the link says it leads to, and the element around it that says so if its own words
    are generic ("Download")."""
    attributes = node.attributes
    if text := _normalise(node.text()):
        if _is_generic(text) and (context := _context(node)):
            return context
        return text, None
    for candidate in (attributes.get("title"), attributes.get("aria-label"), attributes.get("alt")):
        if candidate and (text := _normalise(candidate)):
            return text, None
    for image in node.css("img[alt]"):
        if text := _normalise(image.attributes.get("alt") or ""):
            return text, None
    return "", None


def _is_generic(text: str) -> bool:
    return all(word in GENERIC_LINK_WORDS or word.isdigit() for word in re.findall(r"[a-z]+|\d+", text.lower()))


def _context(node: LexborNode) -> tuple[str, LexborNode] | None:
    """The text of the list item or paragraph a link sits in, e.g. "Race Equality Scheme – Download
    (PDF)", and that element, if it is short enough to be about that link alone."""
    parent = node.parent
    while parent is not None and parent.tag not in LINK_CONTEXT_TAGS:
        if parent.tag in ("body", "ul", "ol", "table", "nav", "section", "article", "main"):
            return None
        parent = parent.parent
    if parent is None or len(context := _normalise(parent.text())) > MAX_LINK_CONTEXT_CHARS:
        return None
    return context, parent


def _refresh_target(node: LexborNode) -> str | None:
    # Some trust sites move pages with <meta http-equiv="refresh" content="0; url=...">.
    if (node.attributes.get("http-equiv") or "").lower() != "refresh":
        return None
    match = re.search(r"url\s*=\s*['\"]?([^'\"]+)", node.attributes.get("content") or "", re.I)
    return match.group(1).strip() if match else None


def _resolve(base: str, href: str) -> str | None:
    """Absolute http(s) URL without fragment, or None (mailto:, javascript:, unparseable)."""
    # Menus repeat on every page: resolving against the base's folder lets them share one answer.
    whole = not href or href.startswith(("?", "#")) or base.count("/") < 3  # "http://host" has no folder
    folder = base if whole else base[: base.rfind("/") + 1]
    return _resolve_in(folder, href)


@lru_cache(maxsize=16384)
def _resolve_in(base: str, href: str) -> str | None:
    # Browsers strip surrounding whitespace and drop tabs and newlines inside an href.
    href = re.sub(r"[\t\n\r]", "", href.strip())
    if not href:
        return None
    try:
        absolute = urldefrag(urljoin(base, href)).url
        parts = urlsplit(absolute)
    except ValueError:  # e.g. "http://[broken"
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


# --- plain text ---------------------------------------------------------------------------


def _extract_text(url: str, text: str) -> Document:
    text, truncated = _cap(_normalise_lines(text))
    return Document(url, "text", title=_first_line(text), text=text, truncated=truncated)


# --- PDF ----------------------------------------------------------------------------------


def _extract_pdf(url: str, body: bytes, read_on: Callable[[Document], bool] | None) -> Document:
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(body)
        except pdfium.PdfiumError as exc:
            return Document(url, "pdf", error=_pdf_open_error(exc))
        try:
            page_count = len(pdf)
            metadata_title = _normalise(pdf.get_metadata_value("Title"))
            pages = _pdf_page_texts(pdf, min(page_count, MAX_PDF_PAGES))
            if read_on is None:
                return _pdf_document(url, list(pages), page_count, metadata_title)
            # Opening a PDF and its first page cost the most (PDFium loads the fonts), so the rest
            # is read from the same open file; read_on runs with PDFium locked, and must not extract.
            page_texts = list(islice(pages, 1))
            first_page = _pdf_document(url, page_texts, page_count, metadata_title)
            if page_count <= 1 or not read_on(first_page):
                return first_page
            return _pdf_document(url, page_texts + list(pages), page_count, metadata_title)
        except pdfium.PdfiumError:  # a page that will not load
            return Document(url, "pdf", error="the PDF is malformed")
        finally:
            pdf.close()


def _pdf_document(url: str, page_texts: list[str], page_count: int, metadata_title: str) -> Document:
    text, truncated = _cap(PDF_PAGE_BREAK.join(page_texts))
    document = Document(
        url,
        "pdf",
        title=_first_line(page_texts[0] if page_texts else "")
        if _JUNK_PDF_TITLE.match(metadata_title)
        else metadata_title[:MAX_TITLE_CHARS],
        text=text,
        pages=page_count,
        truncated=truncated or page_count > len(page_texts),
    )
    letters = sum(len(page.replace(" ", "").replace("\n", "")) for page in page_texts)
    if page_texts and letters < MIN_PDF_CHARS_PER_PAGE * len(page_texts):
        document.image_only = True
        document.error = "the PDF has no text layer (scanned images only)"
    return document


def _pdf_page_texts(pdf: pdfium.PdfDocument, count: int) -> Iterator[str]:
    total = 0
    for index in range(count):
        page = pdf[index]
        try:
            textpage = page.get_textpage()
            try:
                raw = textpage.get_text_bounded()
            finally:
                textpage.close()
        finally:
            page.close()
        # NFKC folds the ligatures PDFs are full of ("ﬁ" -> "fi") so phrases match.
        text = _normalise_lines(unicodedata.normalize("NFKC", _strip_controls(raw)))
        yield text
        total += len(text)
        if total > MAX_TEXT_CHARS:
            return


def _strip_controls(text: str) -> str:
    # PDFium marks a soft hyphen at a line end with \x02 (and emits other control characters).
    return re.sub(r"\x02\r?\n?|[\x00-\x08\x0b\x0e-\x1f]", "", text)


def _pdf_open_error(exc: pdfium.PdfiumError) -> str:
    # PDFium error codes: 4 wrong password, 6 unsupported security handler.
    if getattr(exc, "err_code", None) in (4, 6):
        return "the PDF is password-protected"
    return "the PDF is malformed"


# --- DOCX ---------------------------------------------------------------------------------

# Parsed as python-docx parses (blank text dropped, entities left unexpanded) but without loading
# a part the text does not need; nothing is ever fetched, so a DTD can neither read local files
# nor expand into gigabytes.
_DOCX_XML_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False)
_DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_RT_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_OPC_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OPC_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_NOT_DOCX = "the Word document is not a valid .docx file"
# The first w:name of each style, as python-docx's style.name reads it.
_STYLE_NAMES = etree.XPath("w:style/w:name[1]", namespaces={"w": _WORD[1:-1]})
# Any cell of a row that spans columns or merges with the row above (python-docx reads only the
# first tcPr, gridSpan and vMerge of a cell; matching more only costs the slow path).
_MERGE_MARKS = etree.XPath("w:tc/w:tcPr/w:gridSpan | w:tc/w:tcPr/w:vMerge", namespaces={"w": _WORD[1:-1]})
MAX_CACHED_STYLES = 100
_HEADING_STYLES: dict[bytes, frozenset[str | None]] = {}  # styles.xml digest -> heading style ids


def _extract_docx(url: str, body: bytes) -> Document:
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, ValueError):
        return Document(url, "docx", error=_NOT_DOCX)
    with archive:
        if refusal := _docx_zip_refusal(archive, len(body)):
            return Document(url, "docx", error=refusal)
        try:
            word_body, heading_styles, title = _docx_parts(archive)
        except Exception:  # zipfile and lxml fail on a broken package with whatever error they meet
            return Document(url, "docx", error=_NOT_DOCX)
    try:
        lines: list[str] = []
        headings: list[str] = []
        # Paragraphs and tables straight under the body, as python-docx's iter_inner_content reads
        # them: content controls (w:sdt) and tracked insertions (w:ins) around them are not read.
        pending = deque(word_body.iterchildren(_W["p"], _W["tbl"]))
        while pending:
            block = pending.popleft()
            if block.tag == _W["tbl"]:
                # One line per row; tables nested in cells follow their outer table.
                nested = []
                for tr in block.iterchildren(_W["tr"]):
                    cells = _row_cells(tr)
                    lines.append(" | ".join(_normalise(_cell_text(tc)) for tc in cells))
                    nested += [table for tc in cells for table in tc.iterchildren(_W["tbl"])]
                pending.extendleft(reversed(nested))
                continue
            text = _normalise(_paragraph_text(block))
            if not text:
                continue
            lines.append(text)
            if _paragraph_style(block) in heading_styles:
                headings.append(text)
    except ValueError:  # a merged cell that continues from no cell, a span that is no number
        return Document(url, "docx", error=_NOT_DOCX)
    title = _normalise(title)
    text, truncated = _cap(_normalise_lines("\n".join(lines)))
    if not title:
        title = _first_line(headings[0] if headings else text)
    return Document(url, "docx", title=title, headings=headings, text=text, truncated=truncated)


def _docx_parts(archive: zipfile.ZipFile) -> tuple[etree._Element, frozenset[str | None], str]:
    """The main document's body, its heading style ids and its core properties title.

    Parts are found as python-docx finds them, through the package's relationships, and only
    these three are read: python-docx parsed every part (theme, numbering, settings, ...).
    """

    def parse(name: str) -> etree._Element:
        return etree.fromstring(archive.read(name), _DOCX_XML_PARSER)

    package = _relationships(archive, "")
    main = package[_RT + "officeDocument"]
    if _content_type(parse("[Content_Types].xml"), main) != _DOCX_MAIN_TYPE:
        raise ValueError("the main part is not a Word document")  # a .docm, .dotx, .xlsx, ...
    document = parse(main)
    word_body = document.find(_W["body"])
    if document.tag != _W["document"] or word_body is None:
        raise ValueError("the main part has no document body")
    # Without a styles part python-docx used its default styles, none of them a heading.
    styles = _relationships(archive, main).get(_RT + "styles")
    heading_styles = _heading_styles(archive.read(styles)) if styles is not None else frozenset()
    # Without core properties python-docx made some up, titled "Word Document"; that title is
    # not the document's, so the title falls back to the first heading instead.
    core = package.get(_RT_CORE)
    title = parse(core).findtext(_DC_TITLE, "") if core is not None else ""
    return word_body, heading_styles, title


def _heading_styles(styles_xml: bytes) -> frozenset[str | None]:
    """The ids of the styles named as headings, so that a paragraph's pStyle is looked up at once.

    Documents made from one template share styles.xml byte for byte, and it is large (Word writes
    every built-in style: 350 KB from python-docx's template), so parsing it cost more than the
    body; its digest keys a small cache that holds no document text.
    """
    key = hashlib.sha256(styles_xml).digest()
    if (found := _HEADING_STYLES.get(key)) is None:
        names = _STYLE_NAMES(etree.fromstring(styles_xml, _DOCX_XML_PARSER))
        found = frozenset(
            name.getparent().get(_W["styleId"])
            for name in names
            if (name.get(_W["val"]) or "").lower() in _DOCX_HEADING_NAMES
        )
        if len(_HEADING_STYLES) >= MAX_CACHED_STYLES:
            _HEADING_STYLES.clear()
        _HEADING_STYLES[key] = found
    return found


def _relationships(archive: zipfile.ZipFile, source: str) -> dict[str, str]:
    """Relationship type -> the zip member it targets, from the .rels of part `source` ("" for the
    package itself); external targets (links, linked images) are no parts."""
    folder, name = posixpath.split(source)
    try:
        rels_xml = archive.read(posixpath.join(folder, "_rels", name + ".rels"))
    except KeyError:  # a part without relationships
        return {}
    targets: dict[str, str] = {}
    for rel in etree.fromstring(rels_xml, _DOCX_XML_PARSER).iterchildren(_OPC_RELATIONSHIP):
        if rel.get("TargetMode") != "External":
            # Targets are relative to the source's folder; the member name drops the leading "/".
            part = posixpath.normpath(posixpath.join("/" + folder, rel.get("Target")))
            targets.setdefault(rel.get("Type"), part[1:])
    return targets


def _content_type(types, member: str) -> str | None:
    """A part's content type in [Content_Types].xml: its Override, else its extension's Default
    (both matched ignoring case, as python-docx matches them)."""
    for override in types.iterchildren(_OPC_TYPES + "Override"):
        if (override.get("PartName") or "").lower() == "/" + member.lower():
            return override.get("ContentType")
    extension = posixpath.splitext(member)[1][1:].lower()
    for default in types.iterchildren(_OPC_TYPES + "Default"):
        if (default.get("Extension") or "").lower() == extension:
            return default.get("ContentType")
    return None


def _paragraph_style(p) -> str | None:
    properties = p.find(_W["pPr"])
    style = properties.find(_W["pStyle"]) if properties is not None else None
    return style.get(_W["val"]) if style is not None else None


def _paragraph_text(p) -> str:
    """What python-docx's Paragraph.text gives: the runs, and the runs inside hyperlinks, straight
    under the paragraph (not those in tracked insertions, content controls or fields)."""
    parts: list[str] = []
    for child in p:
        runs = [child] if child.tag == _W["r"] else child.iterchildren(_W["r"]) if child.tag == _W["hyperlink"] else []
        parts += (_run_item_text(item) for run in runs for item in run)
    return "".join(parts)


def _run_item_text(item) -> str:
    if item.tag == _W["t"]:
        return item.text or ""
    if item.tag == _W["br"]:  # a line break; page and column breaks are no text
        return "\n" if item.get(_W["type"], "textWrapping") == "textWrapping" else ""
    return _DOCX_RUN_CHARACTERS.get(item.tag, "")


def _cell_text(tc) -> str:
    return "\n".join(_paragraph_text(p) for p in tc.iterchildren(_W["p"]))


def _row_cells(tr) -> list:
    """The cells of a table row, each once, as python-docx's row.cells gave them, without repeats.

    A cell that continues a vertical merge reads as the merged cell above it, so its text shows
    again on every row it spans; a cell spanning no grid column (gridSpan 0) is left out.
    """
    if not _MERGE_MARKS(tr):  # most rows merge no cells: each w:tc is one cell
        return list(tr.iterchildren(_W["tc"]))
    cells = (_merged_cell(tc) for tc in tr.iterchildren(_W["tc"]))
    return list(dict.fromkeys(tc for tc in cells if _grid_span(tc) > 0))


def _merged_cell(tc):
    """The cell that holds `tc`'s content: itself, or for a vertical merge's continuation the
    cell at its grid column in the row above, up to the merge's first cell."""
    while _continues_merge(tc):
        above = next(tc.getparent().itersiblings(_W["tr"], preceding=True), None)
        if above is None:
            raise ValueError("a merged cell continues from no row")
        tc = _cell_at_grid_column(above, _grid_column(tc))
    return tc


def _continues_merge(tc) -> bool:
    # w:vMerge with no val, or val="continue"; val="restart" starts a merge and holds its content.
    properties = tc.find(_W["tcPr"])
    merge = properties.find(_W["vMerge"]) if properties is not None else None
    return merge is not None and merge.get(_W["val"], "continue") == "continue"


def _grid_column(tc) -> int:
    preceding = tc.itersiblings(_W["tc"], preceding=True)
    return _grid_before(tc.getparent()) + sum(_grid_span(cell) for cell in preceding)


def _cell_at_grid_column(tr, column: int):
    remaining = column - _grid_before(tr)
    for tc in tr.iterchildren(_W["tc"]):
        if remaining < 0:
            break
        if remaining == 0:
            return tc
        remaining -= _grid_span(tc)
    raise ValueError("a merged cell continues from no cell")


def _grid_span(tc) -> int:
    properties = tc.find(_W["tcPr"])
    return _int_val(properties.find(_W["gridSpan"]) if properties is not None else None, 1)


def _grid_before(tr) -> int:
    # Word lets a row start after the first grid column.
    properties = tr.find(_W["trPr"])
    return _int_val(properties.find(_W["gridBefore"]) if properties is not None else None, 0)


def _int_val(element, default: int) -> int:
    # A missing w:val fails like a malformed one (ValueError): the document is broken.
    return default if element is None else int(element.get(_W["val"], ""))


def _docx_zip_refusal(archive: zipfile.ZipFile, size: int) -> str:
    """Judge the zip by its central directory, before anything is inflated."""
    # zipfile never inflates a member past its declared size, so these sizes are an upper bound.
    uncompressed = sum(info.file_size for info in archive.infolist())
    ratio = uncompressed / max(size, 1)
    bomb_ratio = uncompressed > MIN_DOCX_RATIO_CHECK and ratio > MAX_DOCX_RATIO
    if uncompressed > MAX_DOCX_UNCOMPRESSED or bomb_ratio:
        return "the Word document expands to far more than its size (a zip bomb); not read"
    return ""
