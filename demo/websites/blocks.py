"""Document content as blocks, and the same blocks rendered as HTML, a PDF, a scanned PDF or a DOCX."""

from __future__ import annotations

import html
import io
import random
import re
import textwrap
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from docx import Document
from PIL import Image, ImageDraw, ImageFont
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen import canvas

Block = tuple[str, Any]  # ("h1" | "h2" | "p", str), ("ul", [str]), ("table", ([head], [[cell]]))


@contextmanager
def _binary_streams() -> Iterator[None]:
    """ReportLab wraps streams in ASCII85 by default, in pure Python without the optional
    rl_accel: the bulk of the generation time. Binary streams are as valid; not thread-safe."""
    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _canvas(buf: io.BytesIO, title: str | None) -> canvas.Canvas:
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)  # invariant: byte-identical per seed
    if title:
        pdf.setTitle(title)
    return pdf


@_binary_streams()
def render_pdf(blocks: list[Block], title: str | None, header: str) -> bytes:
    """A plain A4 PDF in the standard Helvetica fonts (nothing to embed, so it is fast)."""
    buf = io.BytesIO()
    pdf = _canvas(buf, title)
    width, height = A4
    left, right, top, bottom = 56, width - 56, height - 64, 64
    state = {"y": top, "page": 1}

    def new_page() -> None:
        pdf.setFont("Helvetica", 8)
        pdf.drawString(left, 36, f"{header}    Page {state['page']}")
        pdf.showPage()
        state["y"], state["page"] = top, state["page"] + 1

    def lines(text: str, font: str, size: float, indent: float = 0, gap: float = 4) -> None:
        for line in simpleSplit(text, font, size, right - left - indent):
            if state["y"] < bottom:
                new_page()
            pdf.setFont(font, size)
            pdf.drawString(left + indent, state["y"], line)
            state["y"] -= size * 1.3
        state["y"] -= gap

    def table(head: list[str], rows: list[list[str]]) -> None:
        weights = [max(len(str(r[i])) for r in [head, *rows]) + 4 for i in range(len(head))]
        widths = [(right - left) * w / sum(weights) for w in weights]
        xs = [left + sum(widths[:i]) for i in range(len(widths) + 1)]
        top_of_table = state["y"]

        def rules() -> None:  # vertical rules once per page, not a rectangle per cell
            for x in xs:
                pdf.line(x, top_of_table, x, state["y"])

        pdf.line(left, state["y"], right, state["y"])
        for r, row in enumerate([head, *rows]):
            font = "Helvetica-Bold" if r == 0 else "Helvetica"
            # Helvetica averages about half an em a character: only long cells need wrapping.
            cells = [
                [t] if len(t) * 4.6 < w - 6 else simpleSplit(t, font, 8, w - 6)
                for t, w in zip(map(str, row), widths, strict=True)
            ]
            h = max(len(c) for c in cells) * 10 + 6
            if state["y"] - h < bottom:
                rules()
                new_page()
                top_of_table = state["y"]
                pdf.line(left, state["y"], right, state["y"])
            y = state["y"]
            pdf.setFont(font, 8)
            for cell, x in zip(cells, xs, strict=False):
                for k, text in enumerate(cell):
                    pdf.drawString(x + 3, y - 10 - 10 * k, text)
            state["y"] -= h
            pdf.line(left, state["y"], right, state["y"])
        rules()
        state["y"] -= 10

    for kind, value in blocks:
        if kind == "h1":
            lines(value, "Helvetica-Bold", 16, gap=10)
        elif kind == "h2":
            state["y"] -= 6
            lines(value, "Helvetica-Bold", 12, gap=4)
        elif kind == "p":
            lines(value, "Helvetica", 10)
        elif kind == "ul":
            for item in value:
                lines("\u2022  " + item, "Helvetica", 10, indent=12, gap=2)
            state["y"] -= 4
        else:
            table(*value)
    new_page()
    pdf.save()
    return buf.getvalue()


@lru_cache(maxsize=1)
def _scan_font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=22)


@_binary_streams()
def render_scan(blocks: list[Block], title: str | None) -> bytes:
    """An image-only PDF, as from a photocopier: a human reads it, text extraction finds nothing."""
    text: list[str] = []
    for kind, value in blocks:
        items = (
            value
            if kind == "ul"
            else [" | ".join(map(str, r)) for r in [value[0], *value[1]]]
            if kind == "table"
            else [value]
        )
        for item in items:
            text += textwrap.wrap(item, 88) + ([""] if kind in ("h1", "h2", "p") else [])
    buf = io.BytesIO()
    pdf = _canvas(buf, title)
    for start in range(0, min(len(text), 3 * 58), 58):  # three scanned pages are enough
        img = Image.new("L", (1240, 1754), 250)
        draw = ImageDraw.Draw(img)
        for k, line in enumerate(text[start : start + 58]):
            draw.text((110, 110 + k * 27), line, fill=30, font=_scan_font())
        pdf.drawImage(ImageReader(img), 0, 0, *A4)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


_FIXED_TIME = datetime(2006, 5, 2, 9, 30)
_TITLE_TOKEN = "ZZTITLEZZ"


@lru_cache(maxsize=1)
def _docx_package() -> tuple[tuple[str, bytes], ...]:
    """The parts of an empty python-docx document (styles, numbering, theme), built once.

    Building every document through python-docx's object model costs about 0.1 s each (400 sites
    want hundreds); the body is plain WordprocessingML, so it is written directly into this package.
    """
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.comments = _TITLE_TOKEN, "Corporate Services", ""
    props.created = props.modified = _FIXED_TIME  # otherwise "now": not reproducible
    buf = io.BytesIO()
    doc.save(buf)
    with zipfile.ZipFile(buf) as package:
        return tuple((name, package.read(name)) for name in package.namelist())


def _docx_paragraph(text: Any, style: str = "") -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{html.escape(str(text))}</w:t></w:r></w:p>'


def _docx_body(blocks: list[Block]) -> str:
    out = []
    for kind, value in blocks:
        if kind in ("h1", "h2"):
            out.append(_docx_paragraph(value, "Heading1" if kind == "h1" else "Heading2"))
        elif kind == "p":
            out.append(_docx_paragraph(value))
        elif kind == "ul":
            out += [_docx_paragraph(item, "ListBullet") for item in value]
        else:
            head, rows = value
            width = 8600 // len(head)
            out.append(
                '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
                "</w:tblPr><w:tblGrid>" + f'<w:gridCol w:w="{width}"/>' * len(head) + "</w:tblGrid>"
            )
            for row in [head, *rows]:
                out.append(
                    "<w:tr>"
                    + "".join(
                        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{_docx_paragraph(c)}</w:tc>'
                        for c in row
                    )
                    + "</w:tr>"
                )
            out.append("</w:tbl>" + _docx_paragraph(""))
    return "".join(out)


def render_docx(blocks: list[Block], title: str | None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in _docx_package():
            if name == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + _docx_body(blocks).encode(), 1)
            elif name == "docProps/core.xml":
                data = data.replace(_TITLE_TOKEN.encode(), html.escape(title or "").encode())
            # zip entries carry the time of writing; a fixed one keeps output identical per seed
            dst.writestr(
                zipfile.ZipInfo(name, _FIXED_TIME.timetuple()[:6]), data, zipfile.ZIP_DEFLATED, compresslevel=1
            )
    return out.getvalue()


def render_html(blocks: list[Block]) -> str:
    out = []
    for kind, value in blocks:
        if kind in ("h1", "h2", "p"):
            out.append(f"<{kind}>{esc(value)}</{kind}>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{esc(v)}</li>" for v in value) + "</ul>")
        else:
            head, rows = value
            out.append(
                '<table border="1" cellpadding="3"><tr>'
                + "".join(f"<th>{esc(h)}</th>" for h in head)
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
                + "</table>"
            )
    return "\n".join(out)


def esc(text: Any) -> str:
    return html.escape(str(text), quote=False)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("\u2013", "-")).strip("-")


# --------------------------------------------------------------------------- numbers in tables


def allocate(total: int, weights: tuple[float, ...], rng: random.Random) -> list[int]:
    """Split total into integer parts roughly proportional to jittered weights."""
    jittered = [w * rng.uniform(0.7, 1.3) for w in weights]
    raw = [total * w / sum(jittered) for w in jittered]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"
