"""Web pages: the visible text, headings and links, read as a browser would, from hostile markup too."""

import re
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..statuses import DocumentKind
from .document import DOCUMENT_EXTENSIONS, Document, Link
from .text import MAX_TEXT_CHARS, cap, normalise, normalise_lines

MAX_LINKS = 10_000
# Not visible, or navigation repeated on every page (it would make every page "mention" every
# duty); links inside are still collected.
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "svg", "select"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}  # fmt: skip
_HEADING_TAGS = {"h1", "h2", "h3"}
MAX_HTML_DEPTH = 1000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")
# Void elements, and those that browsers close implicitly (so leaving them open nests nothing).
_UNCOUNTED_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody",
    "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body",
}  # fmt: skip


def extract_html(url: str, html: str) -> Document:
    tree = LexborHTMLParser(_limit_nesting(html))
    base = url
    if (base_node := tree.css_first("base[href]")) is not None:
        base = _resolve(url, base_node.attributes.get("href") or "") or url
    links, describing, links_truncated = _links(tree, base)
    text, headings, truncated = _visible_text(tree.body, describing) if tree.body else ("", [], False)
    title_node = tree.css_first("title")
    title = normalise(title_node.text()) if title_node else ""
    if not title and (h1 := tree.css_first("h1")) is not None:
        title = normalise(h1.text())
    description_node = tree.css_first('meta[name="description" i]')
    description = description_node.attributes.get("content") if description_node else None
    return Document(
        url,
        DocumentKind.HTML,
        title=title,
        headings=headings,
        text=text,
        links=links,
        description=normalise(description or ""),
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
                text, _ = cap(normalise_lines("".join(parts)))
                return text, headings, True
            continue
        tag = node.tag
        if not node.is_element_node or tag in _SKIP_TAGS:
            continue
        if (node.attributes.get("role") or "").lower() == "navigation":
            continue
        if node.mem_id in describing:
            continue
        if tag in _HEADING_TAGS and (heading := normalise(node.text())):
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
    return normalise_lines("".join(parts)), headings, False


def _links(tree: LexborHTMLParser, base: str) -> tuple[list[Link], set[int], bool]:
    """The page's links, and the elements (by mem_id) whose words only describe a linked document.

    "Draft equality objectives 2025-2029 for consultation" on a link to a PDF, or around its
    "Download" link, names that file, not the page: it must neither date the page nor make it look
    like the document itself. The file is read on its own, under that name.
    """
    links: list[Link] = []
    describing: set[int] = set()
    for node in tree.css("a[href], area[href], meta[http-equiv], frame[src], iframe[src]"):
        if node.tag == "meta":
            target = _refresh_target(node)
            if target and (absolute := _resolve(base, target)):
                links.append(Link(absolute, ""))
            continue
        if node.tag in ("frame", "iframe"):
            # A frameset site's pages are its frames: the menu frame links to everything else.
            if absolute := _resolve(base, node.attributes.get("src") or ""):
                links.append(Link(absolute, normalise(node.attributes.get("title") or "")))
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
    if text := normalise(node.text()):
        if _is_generic(text) and (context := _context(node)):
            return context
        return text, None
    for candidate in (attributes.get("title"), attributes.get("aria-label"), attributes.get("alt")):
        if candidate and (text := normalise(candidate)):
            return text, None
    for image in node.css("img[alt]"):
        if text := normalise(image.attributes.get("alt") or ""):
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
    if parent is None or len(context := normalise(parent.text())) > MAX_LINK_CONTEXT_CHARS:
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
