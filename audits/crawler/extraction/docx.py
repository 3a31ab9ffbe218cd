"""Word documents (.docx): paragraphs, tables and headings as python-docx reads them, without its cost or risks."""

import hashlib
import io
import posixpath
import zipfile
from collections import deque

from lxml import etree

from ..statuses import DocumentKind
from .document import Document
from .text import cap, normalise, normalise_lines, own_title

MAX_DOCX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_DOCX_RATIO = 200  # real .docx files compress XML 5-30x; bombs manage thousands
MIN_DOCX_RATIO_CHECK = 10 * 1024 * 1024  # below this, a high ratio harms no one
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


def is_docx_zip(body: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


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


def extract_docx(url: str, body: bytes) -> Document:
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, ValueError):
        return Document(url, DocumentKind.DOCX, error=_NOT_DOCX)
    with archive:
        if refusal := _docx_zip_refusal(archive, len(body)):
            return Document(url, DocumentKind.DOCX, error=refusal)
        try:
            word_body, heading_styles, title = _docx_parts(archive)
        except Exception:  # zipfile and lxml fail on a broken package with whatever error they meet
            return Document(url, DocumentKind.DOCX, error=_NOT_DOCX)
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
                    lines.append(" | ".join(normalise(_cell_text(tc)) for tc in cells))
                    nested += [table for tc in cells for table in tc.iterchildren(_W["tbl"])]
                pending.extendleft(reversed(nested))
                continue
            text = normalise(_paragraph_text(block))
            if not text:
                continue
            lines.append(text)
            if _paragraph_style(block) in heading_styles:
                headings.append(text)
    except ValueError:  # a merged cell that continues from no cell, a span that is no number
        return Document(url, DocumentKind.DOCX, error=_NOT_DOCX)
    text, truncated = cap(normalise_lines("\n".join(lines)))
    title = own_title(normalise(title), headings[0] if headings else text)
    return Document(url, DocumentKind.DOCX, title=title, headings=headings, text=text, truncated=truncated)


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
