"""Fictional NHS trust websites whose truth is known: for `make demo`, the accuracy test and benchmarks.

Each trust gets a folder of files (served by demo/serve.py, one site per folder). For every duty
the generator first decides the truth (what a careful human auditor would conclude at the audit
date) and a variant, then builds the evidence or the trap that variant stands for, and records why
in TrustSpec.notes. Traps are things that look like the document but are not: out-of-date schemes,
drafts, blank forms and templates, promises, job adverts, charity news. Met documents are messy on
purpose: titles without years, informal link text, opaque URLs, deep navigation, single schemes.

Links are relative, so a site works at any base URL; sitemap locations are relative too.
"""

from __future__ import annotations

import csv
import html
import io
import json
import posixpath
import random
import re
import textwrap
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx import Document
from PIL import Image, ImageDraw, ImageFont
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen import canvas

MET, NOT_MET = "met", "not_met"
RES, REM, RIA, DES = (
    "race-equality-scheme",
    "race-employment-monitoring",
    "race-impact-assessment",
    "disability-equality-scheme",
)
INFO, OBJ, GPG, WRES, WDES, A11Y, FOI = (
    "psed-equality-information",
    "psed-equality-objectives",
    "gender-pay-gap",
    "wres-report",
    "wdes-report",
    "accessibility-statement",
    "foi-publication-scheme",
)

Block = tuple[str, Any]  # ("h1" | "h2" | "p", str), ("ul", [str]), ("table", ([head], [[cell]]))


@dataclass
class TrustSpec:
    ods_code: str
    name: str
    org_type: str
    region: str
    headcount: int | None
    truth: dict[str, str]
    notes: dict[str, str]
    era: str = "2007"
    domain: str = ""
    broken_links: list[str] = field(default_factory=list)  # site paths linked on purpose, absent


@dataclass(frozen=True)
class Era:
    audit_date: date
    not_met_share: dict[str, float]  # duty -> share of trusts whose truth is not_met
    org_types: dict[str, float]
    regions: tuple[str, ...]
    news_from: date  # news items are dated in the year before the audit date


ERAS = {
    "2007": Era(
        date(2007, 4, 1),
        {RES: 0.3, REM: 0.4, RIA: 0.4, DES: 0.25},
        {
            "primary_care": 0.38,
            "acute": 0.25,
            "foundation": 0.12,
            "mental_health": 0.12,
            "ambulance": 0.05,
            "care_trust": 0.08,
        },
        (
            "North East",
            "North West",
            "Yorkshire and the Humber",
            "East Midlands",
            "West Midlands",
            "East of England",
            "London",
            "South East Coast",
            "South Central",
            "South West",
        ),
        date(2006, 4, 1),
    ),
    "2024": Era(
        date(2025, 4, 1),
        {INFO: 0.3, OBJ: 0.35, GPG: 0.3, WRES: 0.35, WDES: 0.35, A11Y: 0.3, FOI: 0.3},
        {
            "acute": 0.33,
            "foundation": 0.3,
            "mental_health": 0.15,
            "community": 0.08,
            "ambulance": 0.05,
            "specialist": 0.09,
        },
        ("North East and Yorkshire", "North West", "Midlands", "East of England", "London", "South East", "South West"),
        date(2024, 4, 1),
    ),
}

# Variants per duty: (met variants, not_met traps). Each trust takes the next from a shuffled
# cycle, so every kind appears once n is about ten.
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RES: (
        ("pdf", "html", "docx", "no_year", "single", "single", "scan"),
        ("outdated", "draft", "on_request", "race_for_life", "officer_job", "none"),
    ),
    REM: (
        ("pdf", "html", "docx", "in_annual_report"),
        ("blank_form", "stale", "no_ethnicity", "board_minutes", "promise"),
    ),
    RIA: (("pdf", "html", "in_scheme", "docx"), ("template", "schedule", "promise", "none")),
    DES: (("pdf", "html", "docx", "no_year"), ("promise", "draft", "access_guide", "none")),
    INFO: (("pdf", "html", "docx"), ("stale", "promise", "patient_form")),
    OBJ: (("html", "pdf", "in_report"), ("stale", "draft", "none")),
    GPG: (("pdf", "html", "no_snapshot_in_title"), ("stale", "external_only", "none")),
    WRES: (("pdf", "html", "combined"), ("stale", "network_page", "none")),
    WDES: (("pdf", "docx", "html"), ("stale", "disability_confident", "none")),
    A11Y: (("footer", "help_page"), ("tools_only", "physical_access", "none")),
    FOI: (("html", "pdf"), ("request_only", "disclosure_log", "none")),
}

PLACES = (
    "Ashbourne Vale",
    "Brackenfield",
    "Calderbridge",
    "Denholm",
    "Eastmere",
    "Fernleigh",
    "Greystone",
    "Hallowford",
    "Ingleby Cross",
    "Kingsmere",
    "Lindenshaw",
    "Marlowe Fen",
    "Northwold",
    "Oakhurst",
    "Pendlebrook",
    "Queensholt",
    "Ravensby",
    "Saltmarsh",
    "Thornbury Vale",
    "Upton Heath",
    "Varley",
    "Wickham Downs",
    "Yarrowdale",
    "Abbotsmoor",
    "Blackwater Levels",
    "Coldharbour",
    "Dunstanway",
    "Elmbridge Marsh",
    "Foxley",
    "Gorsebrook",
    "Hartwell",
    "Ironbridge Gorge",
    "Kestrel Bay",
    "Langholme",
    "Millbrook",
    "Netherfield",
    "Orchard Vale",
    "Pinewood",
    "Redmarsh",
    "Sedgemoor Hill",
    "Tidewater",
    "Westhaven",
    "Whitecliffe",
    "Wyndham",
    "Ambleside Moor",
    "Barrowford",
    "Cresswell",
    "Draycott",
    "Evesholt",
    "Fairhaven Sands",
    "Glendale",
    "Holmfirth Edge",
    "Kirkstall Moor",
    "Lowther",
    "Meresby",
    "Norbury Heath",
    "Ottery Vale",
    "Penhallow",
    "Rushmere",
    "Stanmoor",
    "Tamarside",
    "Wealdon",
)
STAFF_NAMES = (
    "Margaret Hollis",
    "David Okafor",
    "Susan Patel",
    "Peter Grainger",
    "Janet Mwangi",
    "Andrew Whitfield",
    "Helen Choudhury",
    "Richard Bamford",
    "Fiona Reilly",
    "Mohammed Rashid",
    "Clare Atherton",
    "Stephen Nkemelu",
    "Angela Marsh",
    "Simon Kaur-Bennett",
)
SERVICES = (
    "Cardiology",
    "Maternity",
    "Physiotherapy",
    "Diabetes care",
    "Podiatry",
    "Sexual health",
    "District nursing",
    "Children's services",
    "Stroke care",
    "Dermatology",
    "Audiology",
    "Speech and language therapy",
    "Ophthalmology",
    "Orthopaedics",
    "Dietetics",
    "Community mental health",
    "Radiology",
    "Renal services",
    "Palliative care",
    "Urology",
)
NEWS_2007 = (
    "New MRI scanner opens at {hospital}",
    "Hand hygiene campaign cuts MRSA infections",
    "{place} maternity unit celebrates 1,000th baby of the year",
    "Volunteers honoured at annual awards",
    "Trust meets four-hour A&E target for third month",
    "Flu jabs on offer for front-line staff",
    "Smoke-free sites from next month",
    "New day surgery unit welcomes first patients",
    "Changes to visiting times on {ward} ward",
    "Consultation on community services in {place}",
    "Car parking charges frozen for patients",
    "Chairman thanks staff after busy winter",
    "Eighteen-week waits: what it means for you",
    "Walk-in centre extends opening hours",
    "Board approves plans for new health centre",
    "Choose and Book: patients now choose hospitals",
)
NEWS_2024 = (
    "Community diagnostic centre opens in {place}",
    "Update on industrial action",
    "Winter vaccinations: protect yourself and others",
    "New electronic patient record goes live",
    "Virtual ward helps patients recover at home",
    "Nursing team wins national award",
    "{hospital} emergency department expansion begins",
    "Volunteers celebrate 20 years of service",
    "Waiting list update: fewer patients waiting over 65 weeks",
    "New robotic surgery programme",
    "Changes to visiting on {ward} ward",
    "Staff survey results published",
    "Green plan: solar panels installed at {hospital}",
    "Apprentices graduate in {place}",
)
NEWS_SENTENCES = (
    "The {trust} is delighted to announce the news, which follows months of planning by staff.",
    "{person}, Chief Executive, said: \u201cThis is a real achievement for our patients and for "
    "everyone who works here.\u201d",
    "Patients from across {place} will benefit, with shorter waits and care closer to home.",
    "The project cost \u00a3{money} and was funded partly by the League of Friends.",
    "More information is available from the Communications Team on {phone}.",
    "Staff on {ward} ward worked closely with patients and carers to design the changes.",
    "The {trust} would like to thank everyone who took part.",
    "Local people are encouraged to give their views at drop-in sessions in {place} library.",
    "Figures published this week show continued improvement across the {trust}.",
    "Visitors are reminded to use the hand gel at the entrance to every ward.",
)
SERVICE_SENTENCES = (
    "Our {service} team provides assessment, treatment and advice for adults and children.",
    "Referrals are accepted from GPs, consultants and other health professionals.",
    "Clinics run at {hospital} and at health centres across {place}.",
    "If you need an interpreter, please tell us when you book your appointment.",
    "Please bring a list of your current medicines to your first appointment.",
    "The service is open Monday to Friday, 8.30am to 5pm, excluding bank holidays.",
    "Our team includes consultants, specialist nurses, therapists and administrative staff.",
    "Patients can usually expect to be seen within {weeks} weeks of referral.",
)
WARDS = ("Ash", "Beech", "Cedar", "Elm", "Hazel", "Larch", "Rowan", "Willow", "Maple", "Oak")

ETHNIC_GROUPS = (
    "White \u2013 British",
    "White \u2013 Irish",
    "White \u2013 Other",
    "Mixed",
    "Asian or Asian British \u2013 Indian",
    "Asian or Asian British \u2013 Pakistani",
    "Asian or Asian British \u2013 Bangladeshi",
    "Black or Black British \u2013 Caribbean",
    "Black or Black British \u2013 African",
    "Chinese",
    "Other ethnic group",
    "Not stated",
)
ETHNIC_WEIGHTS = {
    "London": (45, 4, 9, 3, 8, 3, 3, 8, 10, 2, 3, 2),
    "other": (84, 1.5, 3, 1, 2.5, 1.5, 0.5, 1, 1, 0.5, 0.5, 3),
}


# --------------------------------------------------------------------------- documents as bytes


@contextmanager
def _binary_streams() -> Iterator[None]:
    """ReportLab wraps streams in ASCII85 by default, in pure Python without the optional
    rl_accel: the bulk of the generation time. Binary streams are as valid; not thread-safe."""
    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _pdf(blocks: list[Block], title: str | None, header: str) -> bytes:
    with _binary_streams():
        return _draw_pdf(blocks, title, header)


def _draw_pdf(blocks: list[Block], title: str | None, header: str) -> bytes:
    """A plain A4 PDF in the standard Helvetica fonts (nothing to embed, so it is fast)."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)  # invariant: byte-identical per seed
    if title:
        pdf.setTitle(title)
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


def _scanned_pdf(blocks: list[Block], title: str | None) -> bytes:
    """An image-only PDF, as from a photocopier: a human reads it, text extraction finds nothing."""
    with _binary_streams():
        return _draw_scan(blocks, title)


def _draw_scan(blocks: list[Block], title: str | None) -> bytes:
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
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)
    if title:
        pdf.setTitle(title)
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


def _docx(blocks: list[Block], title: str | None) -> bytes:
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


def _blocks_html(blocks: list[Block]) -> str:
    out = []
    for kind, value in blocks:
        if kind in ("h1", "h2", "p"):
            out.append(f"<{kind}>{_esc(value)}</{kind}>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{_esc(v)}</li>" for v in value) + "</ul>")
        else:
            head, rows = value
            out.append(
                '<table border="1" cellpadding="3"><tr>'
                + "".join(f"<th>{_esc(h)}</th>" for h in head)
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
                + "</table>"
            )
    return "\n".join(out)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=False)


# --------------------------------------------------------------------------- numbers


def _allocate(total: int, weights: tuple[float, ...], rng: random.Random) -> list[int]:
    """Split total into integer parts roughly proportional to jittered weights."""
    jittered = [w * rng.uniform(0.7, 1.3) for w in weights]
    raw = [total * w / sum(jittered) for w in jittered]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


# --------------------------------------------------------------------------- the site


@dataclass
class _Page:
    title: str
    parent: str | None
    parts: list[str] = field(default_factory=list)  # HTML; hrefs written "@/site/path"
    items: list[str] = field(default_factory=list)  # <li> entries under items_heading
    items_heading: str = "Documents"
    date: date | None = None
    dated: list[tuple[date, str]] = field(default_factory=list)  # news and papers, newest first


@dataclass
class _Doc:
    title: str
    blocks: list[Block]
    label: str  # what a person might call it in a link ("our race scheme")
    fmt: str = "pdf"  # pdf | html | docx | scan
    pdf_title: str | None = "same"  # "same": the document title; None: no metadata title


class _Site:
    """One trust website being built: pages with their links, then files written at the end."""

    def __init__(self, spec: TrustSpec, era: Era, rng: random.Random):
        self.spec, self.era, self.rng = spec, era, rng
        modern = spec.era == "2024"
        self.layout = rng.choice(("modern", "modern", "div")) if modern else rng.choice(("table", "table", "div"))
        self.encoding = (
            rng.choice(("utf-8", "utf-8", "utf-8", "entities", "windows-1252"))
            if not modern
            else rng.choice(("utf-8",) * 9 + ("entities",))
        )
        self.scheme = rng.choice(("dirs", "dirs", "flat", "opaque"))
        self.doc_style = rng.choice(("telling", "opaque", "mixed"))
        self.doc_dir = rng.choice(("documents", "publications/docs", "uploads", "assets/files", "Docs/DocumentStore"))
        self.equality_deep = rng.random() < 0.4
        self.files: dict[str, bytes] = {}
        self.pages: dict[str, _Page] = {}
        self.footer: list[tuple[str, str]] = []
        self._ids = rng.sample(range(100, 9999), 400)
        # The first place named in the trust's name, with its compass point if it has one.
        _, self.place = min((spec.name.find(p), p) for p in PLACES if p in spec.name)
        if spec.name.split()[0] in ("North", "South", "East", "West"):
            self.place = f"{spec.name.split()[0]} {self.place}"
        self.hospital = rng.choice(
            ("{p} General Hospital", "{p} Royal Infirmary", "St Luke's Hospital, {p}", "{p} District Hospital")
        ).format(p=self.place)
        self.phone = f"01632 {rng.randint(960000, 960999)}"
        self.short = {"primary_care": "the PCT"}.get(spec.org_type, "the Trust")
        labels = {
            "home": "Home",
            "about": rng.choice(("About us", "About the Trust", "Who we are")),
            "corporate": rng.choice(("Corporate information", "How we are run", "Corporate")),
            "publications": rng.choice(("Publications", "Key documents", "Documents and publications")),
            "equality": rng.choice(
                ("Equality and diversity", "Equality & Diversity", "Equality")
                if not modern
                else ("Equality, diversity and inclusion", "EDI", "Equality and inclusion")
            ),
            "foi": rng.choice(("Freedom of information", "FOI", "Freedom of Information Act")),
            "news": rng.choice(("News", "Latest news", "Press releases", "News and media")),
            "jobs": rng.choice(("Jobs", "Careers", "Working for us", "Vacancies")),
            "contact": rng.choice(("Contact us", "Contact", "Find us")),
            "services": rng.choice(("Our services", "Services", "Patients and visitors")),
            "board": rng.choice(("Trust Board", "Board meetings", "Board papers")),
        }
        self.labels = labels
        self.paths: dict[str, str] = {}
        for key, parent in (
            ("home", None),
            ("about", "home"),
            ("corporate", "about"),
            ("board", "corporate"),
            ("publications", "home"),
            ("foi", "home"),
            ("news", "home"),
            ("jobs", "home"),
            ("contact", "home"),
            ("services", "home"),
            ("equality", "corporate" if self.equality_deep else "home"),
        ):
            self.paths[key] = self._section_path(key)
            self.pages[self.paths[key]] = _Page(labels[key], parent and self.paths[parent])
        self.nav = [
            "home",
            "about",
            "services",
            "news",
            "publications",
            *([] if self.equality_deep else ["equality"]),
            "jobs",
            "foi",
            "contact",
        ]

    # paths ------------------------------------------------------------------
    def _section_path(self, key: str) -> str:
        slugs = {
            "about": "about-us",
            "corporate": "about-us/corporate-information",
            "board": "about-us/trust-board",
            "publications": "publications",
            "foi": "freedom-of-information",
            "news": "news",
            "jobs": "careers",
            "contact": "contact-us",
            "services": "our-services",
            "equality": "about-us/corporate-information/equality" if self.equality_deep else "equality-and-diversity",
        }
        if key == "home":
            return "index.html"
        if self.scheme == "dirs":
            return slugs[key] + "/index.html"
        if self.scheme == "flat":
            return slugs[key].rsplit("/", 1)[-1] + ".html"
        return f"content/{self._ids.pop()}.html"

    def child_path(self, section: str, slug: str) -> str:
        if self.scheme == "dirs":
            return self._unique(posixpath.join(posixpath.dirname(self.paths[section]), f"{slug}.html"))
        if self.scheme == "flat":
            return self._unique(f"{section}_{slug}.html")
        return f"content/{self._ids.pop()}.html"

    def doc_path(self, title: str, ext: str) -> str:
        style = self.doc_style if self.doc_style != "mixed" else self.rng.choice(("telling", "opaque", "abbrev"))
        if style == "telling":
            name = _slug(title)
        elif style == "opaque":
            name = f"doc_{self._ids.pop()}"
        else:
            initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", title) if w[0].isupper())
            name = f"{initials or 'doc'}_final_v{self.rng.randint(1, 7)}"
        return self._unique(f"{self.doc_dir}/{name}.{ext}")

    def _unique(self, path: str) -> str:
        stem, ext = posixpath.splitext(path)
        k = 2
        while path in self.pages or path in self.files:
            path, k = f"{stem}-{k}{ext}", k + 1
        return path

    # content ----------------------------------------------------------------
    def add_page(
        self,
        section: str,
        title: str,
        blocks: list[Block],
        *,
        slug: str | None = None,
        when: date | None = None,
        listed: bool = True,
    ) -> str:
        path = self.child_path(section, slug or _slug(title)[:50])
        self.pages[path] = _Page(title, self.paths[section], [_blocks_html(blocks)], date=when)
        if listed:
            item = f'<a href="@/{path}">{_esc(title)}</a>'
            index = self.pages[self.paths[section]]
            if when:
                index.dated.append((when, f'{item} <span class="date">{when:%d %B %Y}</span>'))
            else:
                index.items.append(item)
        return path

    def add_para(self, where: str, text_html: str) -> None:
        self.pages[self.paths.get(where, where)].parts.append(f"<p>{text_html}</p>")

    def add_doc(self, doc: _Doc, where: str, *, blurb: str = "") -> str:
        """Write the document and link to it from `where` with one of the ways real sites do it."""
        rng, trust = self.rng, self.spec.name
        meta = doc.title if doc.pdf_title == "same" else doc.pdf_title
        if doc.fmt == "html":
            path = self.child_path(
                "equality" if where.startswith("equality") else "publications", _slug(doc.title)[:50]
            )
            parent = self.paths.get(where, where)
            self.pages[path] = _Page(
                doc.title, parent if parent in self.pages else "index.html", [_blocks_html(doc.blocks)]
            )
            size = ""
        else:
            ext = "docx" if doc.fmt == "docx" else "pdf"
            path = self.doc_path(doc.title, ext)
            data = (
                _docx(doc.blocks, meta)
                if ext == "docx"
                else _scanned_pdf(doc.blocks, meta)
                if doc.fmt == "scan"
                else _pdf(doc.blocks, meta, trust)
            )
            self.files[path] = data
            size = f"{ext.upper() if ext == 'pdf' else 'Word'}, {max(1, len(data) // 1024)}KB"
        href = f'href="@/{path}"'
        title = _esc(doc.title)
        style = rng.choice(("title", "title", "label", "download", "click"))
        if style == "title":
            item = f"<a {href}>{title}</a>" + (f" ({size})" if size else "")
        elif style == "label":
            item = f"<a {href}>{_esc(doc.label[0].upper() + doc.label[1:])}" + (f" ({size})" if size else "") + "</a>"
        elif style == "download":
            item = f"{title} \u2013 <a {href}>{'Download' if size else 'Read online'}</a>" + (
                f" ({size})" if size else ""
            )
        else:
            item = f"To read {_esc(doc.label)}, <a {href}>click here</a>."
        if blurb:
            item += f"<br>{_esc(blurb)}"
        target = self.paths.get(where, where)
        if target == "footer":
            self.footer.append((path, doc.title))
        else:
            self.pages[target].items.append(item)
        return path

    def subpage(self, title: str, intro: str) -> str:
        """A strand page under the equality page, so a document sits one click deeper."""
        for path, page in self.pages.items():
            if page.title == title:
                return path
        path = self.add_page("equality", title, [("p", intro)])
        return path

    # output -----------------------------------------------------------------
    def write(self, root: Path) -> None:
        for folder in sorted({posixpath.dirname(p) for p in [*self.files, *self.pages]}):
            (root / folder).mkdir(parents=True, exist_ok=True)
        for path, data in self.files.items():
            (root / path).write_bytes(data)
        for path, page in self.pages.items():
            (root / path).write_bytes(self._render(path, page))

    def _render(self, path: str, page: _Page) -> bytes:
        trust = _esc(self.spec.name)
        nav = [(self.paths[k], self.labels[k]) for k in self.nav]
        foot = [(self.paths["contact"], "Contact us"), (self.paths["foi"], "Freedom of information"), *self.footer]
        crumbs, up = [], page.parent
        while up:
            crumbs.insert(0, (up, self.pages[up].title))
            up = self.pages[up].parent
        items = [i for _, i in sorted(page.dated, reverse=True)] + page.items
        body = "\n".join(page.parts)
        if items:
            body += (
                f"\n<h2>{_esc(page.items_heading)}</h2>\n<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items) + "\n</ul>"
            )
        if page.date:
            body = f'<p class="date">{page.date:%d %B %Y}</p>\n' + body
        if self.layout == "table":
            doc = (
                '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
                f"<TITLE>{trust} - {_esc(page.title)}</TITLE>\n{self._charset()}</HEAD>\n"
                f'<BODY bgcolor="#ffffff"><TABLE width="100%" border=0><TR><TD colspan=2>'
                f"<FONT size=5 color=#005EB8><B>{trust}</B></FONT></TD></TR>\n<TR>"
                '<TD valign=top width=180 bgcolor="#e8edee">'
                + "<BR>\n".join(f'<A HREF="@/{p}">{_esc(t)}</A>' for p, t in nav)
                + f"</TD>\n<TD valign=top><H1>{_esc(page.title)}</H1>\n{body}</TD></TR>\n"
                "<TR><TD colspan=2><FONT size=1>"
                + " | ".join(f'<A HREF="@/{p}">{_esc(t)}</A>' for p, t in foot)
                + f" &copy; {trust}</FONT></TD></TR></TABLE></BODY></HTML>\n"
            )
        else:
            tag = "nav" if self.layout == "modern" else "div"
            crumb_html = " &gt; ".join(f'<a href="@/{p}">{_esc(t)}</a>' for p, t in crumbs)
            doc = (
                f'<!DOCTYPE html>\n<html lang="en"><head>{self._charset()}\n'
                f"<title>{_esc(page.title)} | {trust}</title></head>\n<body>\n"
                f'<div id="header"><a href="@/index.html" class="logo">{trust}</a></div>\n'
                f'<{tag} id="nav"><ul>'
                + "".join(f'<li><a href="@/{p}">{_esc(t)}</a></li>' for p, t in nav)
                + f"</ul></{tag}>\n"
                + (f'<div class="breadcrumb">{crumb_html}</div>\n' if crumbs else "")
                + f'<div id="content"><h1>{_esc(page.title)}</h1>\n{body}\n</div>\n'
                '<div id="footer"><ul>'
                + "".join(f'<li><a href="@/{p}">{_esc(t)}</a></li>' for p, t in foot)
                + f"</ul><p>&copy; {trust} {self.era.audit_date.year - 1}</p></div>\n"
                "</body></html>\n"
            )
        doc = re.sub(r'(href|HREF)="@/([^"]*)"', lambda m: self._href(path, m), doc)
        if self.encoding == "entities":
            return doc.encode("ascii", "xmlcharrefreplace")
        return doc.encode(self.encoding)

    def _href(self, src: str, match: re.Match[str]) -> str:
        rel = _rel(src, match.group(2))
        # Old hand-written sites leave attribute values unquoted now and then (never before "/>").
        if self.layout == "table" and not rel.endswith("/") and self.rng.random() < 0.3:
            return f"{match.group(1)}={rel}"
        return f'{match.group(1)}="{rel}"'

    def _charset(self) -> str:
        if self.encoding == "entities":
            return ""
        if self.layout == "table":
            return f'<META http-equiv="Content-Type" content="text/html; charset={self.encoding}">'
        return f'<meta charset="{self.encoding}">'


def _rel(src: str, dst: str) -> str:
    """A relative href from page src to file dst; index.html is linked as its directory."""
    return _rel_from(posixpath.dirname(src), dst)


@lru_cache(maxsize=65536)
def _rel_from(src_dir: str, dst: str) -> str:
    is_index = posixpath.basename(dst) == "index.html"
    target = posixpath.dirname(dst) if is_index else dst
    rel = posixpath.relpath(target or ".", src_dir or ".")
    if is_index:
        return "./" if rel == "." else rel + "/"
    return rel


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("\u2013", "-")).strip("-")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# --------------------------------------------------------------------------- 2007 documents

STRAND_TEXT = {
    "race": (
        "Race equality",
        "The Race Relations (Amendment) Act 2000 places a general duty on {short} to have due "
        "regard to the need to eliminate unlawful racial discrimination, to promote equality of "
        "opportunity and to promote good relations between people of different racial groups.",
    ),
    "disability": (
        "Disability equality",
        "The Disability Discrimination Act 2005 requires {short} to promote equality of "
        "opportunity for disabled people, eliminate harassment, promote positive attitudes "
        "and encourage the participation of disabled people in public life. Disabled "
        "people were involved in producing this scheme through our Disability Reference "
        "Group and three open events held in {place}.",
    ),
    "gender": (
        "Gender equality",
        "The Equality Act 2006 introduces a gender equality duty from April 2007; this scheme "
        "sets out how {short} will eliminate unlawful sex discrimination and harassment and "
        "promote equality of opportunity between women and men.",
    ),
}


def _fmt(s: _Site, text: str) -> str:
    return text.format(
        trust=s.spec.name, short=s.short, place=s.place, hospital=s.hospital, phone=s.phone, domain=s.spec.domain
    )


def _action_plan(s: _Site, strands: tuple[str, ...], start: int) -> Block:
    actions = {
        "race": [
            ("Complete race equality impact assessments of all high-relevance policies", "Director of Nursing"),
            ("Publish annual workforce ethnic monitoring report", "Director of Human Resources"),
            ("Extend the interpreting service to community clinics", "Head of Patient Experience"),
            ("Race equality training for all managers", "Head of Learning and Development"),
        ],
        "disability": [
            ("Audit access to all patient areas against the DDA", "Director of Estates"),
            ("Set up a Disability Reference Group of service users", "Equality Lead"),
            ("Provide information in large print, Braille and audio on request", "Head of Communications"),
        ],
        "gender": [("Analyse pay by gender and publish the results", "Director of Human Resources")],
    }
    rows = []
    for strand in strands:
        for k, (action, lead) in enumerate(actions[strand]):
            rows.append(
                [
                    action,
                    lead,
                    f"{['March', 'September', 'December'][k % 3]} {start + 1 + k % 2}",
                    s.rng.choice(("On track", "Complete", "In progress", "Not started")),
                ]
            )
    return ("table", (["Action", "Lead", "Timescale", "Progress"], rows))


def _scheme(
    s: _Site,
    title: str,
    start: int,
    published: str,
    strands: tuple[str, ...],
    *,
    draft: bool = False,
    scope: str = "",
    ria_appendix: bool = False,
    years_in_text: bool = True,
) -> list[Block]:
    end = start + 3
    intro = (f"This scheme covers {start} to {end}. " if years_in_text else "") + _fmt(
        s,
        "It sets out how {trust} will meet its duties to promote equality for the people of "
        "{place}, for our patients and for our staff.",
    )
    blocks: list[Block] = [("h1", title)]
    if draft:
        blocks.append(
            (
                "p",
                "DRAFT FOR CONSULTATION. This draft has not been approved by the Board. "
                "Please send comments by 30 April 2007 to the Equality Lead.",
            )
        )
    blocks += [
        ("p", f"Published {published}. Next review: {published.split()[-2]} {end}."),
        ("h2", "1. Introduction"),
        ("p", intro),
    ]
    if scope:
        blocks.append(("p", scope))
    for strand in strands:
        head, text = STRAND_TEXT[strand]
        blocks += [("h2", head), ("p", _fmt(s, text))]
    census = s.rng.uniform(2, 9) if s.spec.region != "London" else s.rng.uniform(25, 45)
    blocks += [
        ("h2", "2. Our population"),
        (
            "p",
            _fmt(s, "At the 2001 Census {place} had a population of about ")
            + f"{s.rng.randint(180, 420) * 1000:,}; {census:.1f}% of residents described themselves as "
            "belonging to a minority ethnic group, and 18% reported a limiting long-term illness.",
        ),
        ("h2", "3. Functions and policies relevant to the general duty"),
        (
            "p",
            "We have assessed each of our functions and policies for its relevance to the general "
            "duty. Those of high relevance will be assessed first.",
        ),
        (
            "table",
            (
                ["Function or policy", "Relevance", "Assessment due"],
                [
                    ["Recruitment and selection", "High", f"{start}/{start - 1999:02d}"],
                    ["Patient information and interpreting", "High", f"{start}/{start - 1999:02d}"],
                    ["Complaints procedure", "Medium", f"{start + 1}/{start - 1998:02d}"],
                    ["Chaplaincy and spiritual care", "Medium", f"{start + 1}/{start - 1998:02d}"],
                    ["Estates and facilities", "Low", f"{start + 2}/{start - 1997:02d}"],
                ],
            ),
        ),
        ("h2", "4. Assessing and consulting on the impact of proposed policies"),
        (
            "p",
            "Every new or revised policy is screened using our impact assessment tool. Where "
            "screening shows a possible adverse impact, a full assessment is carried out and local "
            "community groups, staff networks and patients are consulted.",
        ),
        ("h2", "5. Monitoring policies for adverse impact"),
        (
            "p",
            "We monitor the use of our services by ethnic group through patient administration "
            "data, and our workforce by ethnic group as required by the employment duty.",
        ),
        ("h2", "6. Publishing the results"),
        (
            "p",
            "The results of assessments, consultation and monitoring are published on our website "
            "and in our annual report, and are available in other formats on request.",
        ),
        ("h2", "7. Access to information and services"),
        (
            "p",
            _fmt(
                s,
                "Interpreting is available free of charge in more than 40 languages, including "
                "British Sign Language. Call {phone} to request information in another format.",
            ),
        ),
        ("h2", "8. Training"),
        (
            "p",
            "All staff receive equality and diversity training at induction, with refresher "
            "training every three years; managers who recruit attend a one-day course.",
        ),
        ("h2", "9. Action plan"),
        _action_plan(s, strands, start),
    ]
    if ria_appendix:
        blocks += [
            ("h2", f"Appendix A: results of impact assessments completed in {start + 1}"),
            *_ria_results(s, start + 1),
        ]
    return blocks


def _ria_results(s: _Site, year: int) -> list[Block]:
    policies = [
        "Recruitment and selection policy",
        "Interpreting and translation policy",
        "Complaints policy",
        "Visiting policy",
        "Dress code",
        "Car parking policy",
        "Chaplaincy services",
        "Patient information leaflets",
        "Bullying and harassment policy",
    ]
    rows = []
    for policy in s.rng.sample(policies, 6):
        adverse = s.rng.random() < 0.3
        rows.append(
            [
                policy,
                f"{s.rng.choice(('March', 'June', 'October', 'November'))} {year}",
                "Adverse impact found \u2013 action taken" if adverse else "No adverse impact",
                "Policy revised; interpreting added" if adverse else "None required",
            ]
        )
    return [
        (
            "p",
            "The following policies were assessed for their impact on different racial "
            "groups. Summary results are shown below; full reports are available from the "
            "Equality Lead.",
        ),
        ("table", (["Policy assessed", "Date", "Result", "Action"], rows)),
    ]


def _workforce(s: _Site, title: str, period: str, as_at: str, *, ethnicity: bool = True) -> list[Block]:
    total = s.spec.headcount or 2400
    weights = ETHNIC_WEIGHTS["London" if s.spec.region == "London" else "other"]
    blocks: list[Block] = [
        ("h1", title),
        (
            "p",
            _fmt(s, "This report sets out the profile of the workforce of {trust} for ")
            + period
            + ". It is published to meet the employment duty of the Race Relations (Amendment) Act "
            "2000."
            if ethnicity
            else _fmt(s, "This report describes the workforce of {trust}."),
        ),
    ]
    if not ethnicity:
        bands = _allocate(total, (6, 20, 34, 25, 11, 4), s.rng)
        women = round(total * s.rng.uniform(0.74, 0.82))
        return blocks + [
            ("h2", f"Staff in post at {as_at}"),
            (
                "table",
                (
                    ["Staff group", "Headcount", "%"],
                    [
                        [g, n, _pct(n, total)]
                        for g, n in zip(
                            (
                                "Medical and dental",
                                "Nursing and midwifery",
                                "Other clinical",
                                "Administrative and clerical",
                                "Estates and ancillary",
                                "Senior managers",
                            ),
                            bands,
                            strict=True,
                        )
                    ],
                ),
            ),
            ("h2", "Gender"),
            (
                "table",
                (
                    ["Gender", "Headcount", "%"],
                    [["Female", women, _pct(women, total)], ["Male", total - women, _pct(total - women, total)]],
                ),
            ),
            ("h2", "Age"),
            (
                "table",
                (
                    ["Age band", "Headcount"],
                    [
                        [a, n]
                        for a, n in zip(
                            ("Under 25", "25-34", "35-44", "45-54", "55 and over"),
                            _allocate(total, (7, 22, 29, 27, 15), s.rng),
                            strict=True,
                        )
                    ],
                ),
            ),
            ("p", "Sickness absence averaged 4.6% over the year, against a target of 4%."),
        ]
    staff = _allocate(total, weights, s.rng)
    blocks += [
        ("h2", f"Table 1: staff in post at {as_at} by ethnic group"),
        (
            "table",
            (
                ["Ethnic group", "Number", "%"],
                [[g, n, _pct(n, total)] for g, n in zip(ETHNIC_GROUPS, staff, strict=True)]
                + [["Total", total, "100.0%"]],
            ),
        ),
    ]
    applied = total * 3
    app = _allocate(applied, weights, s.rng)
    rows = []
    for g, a in zip(ETHNIC_GROUPS, app, strict=True):
        short = round(a * s.rng.uniform(0.2, 0.35))
        rows.append([g, a, short, round(short * s.rng.uniform(0.25, 0.45))])
    blocks += [
        ("h2", f"Table 2: applicants for employment, {period}"),
        ("table", (["Ethnic group", "Applied", "Shortlisted", "Appointed"], rows)),
    ]
    for number, (label, share) in enumerate(
        (
            ("staff receiving training", 0.4),
            ("staff promoted", 0.05),
            ("staff raising grievances", 0.006),
            ("staff subject to disciplinary action", 0.01),
            ("leavers", 0.12),
        ),
        start=3,
    ):
        counts = _allocate(max(1, round(total * share)), weights, s.rng)
        blocks += [
            ("h2", f"Table {number}: {label}, {period}"),
            (
                "table",
                (
                    ["Ethnic group", "Number", "% of group in post"],
                    [[g, c, _pct(c, n)] for g, c, n in zip(ETHNIC_GROUPS, counts, staff, strict=True)],
                ),
            ),
        ]
    blocks += [
        ("h2", "Commentary"),
        (
            "p",
            "Staff from minority ethnic groups are well represented among applicants but "
            "less likely to be appointed after shortlisting. The Trust will review its "
            "shortlisting practice and repeat the analysis next year.",
        ),
        (
            "p",
            "Black and minority ethnic staff were slightly over-represented in disciplinary "
            "cases; all cases have been reviewed by Human Resources with staff side "
            "colleagues.",
        ),
    ]
    return blocks


def _monitoring_form(s: _Site) -> list[Block]:
    return [
        ("h1", "Equal opportunities monitoring form"),
        (
            "p",
            _fmt(
                s,
                "{trust} is an equal opportunities employer. Please complete this form and "
                "return it with your application. It will be detached before shortlisting "
                "and used only for monitoring purposes.",
            ),
        ),
        ("h2", "Ethnic origin: please tick the box which best describes you"),
        ("ul", [f"[  ]  {g}" for g in ETHNIC_GROUPS]),
        ("h2", "Gender"),
        ("ul", ["[  ]  Male", "[  ]  Female"]),
        ("h2", "Disability"),
        ("p", "Do you consider yourself to have a disability?  Yes [  ]  No [  ]"),
        ("p", "Post applied for: ____________________    Reference number: ____________"),
    ]


def _eia_template(s: _Site) -> list[Block]:
    questions = [
        "What is the aim of the policy?",
        "Who is intended to benefit?",
        "Could the policy affect different racial groups differently?",
        "Is there evidence of higher or lower uptake by any group?",
        "Have you consulted people from the groups affected?",
        "What changes will you make as a result?",
    ]
    return [
        ("h1", "Equality impact assessment toolkit"),
        (
            "p",
            "Use this template to screen new and revised policies for their impact on race, "
            "disability, gender, age, religion or belief and sexual orientation. Return the "
            "completed form to the Equality Lead.",
        ),
        ("h2", "Part 1: screening"),
        ("table", (["Question", "Answer"], [[q, ""] for q in questions])),
        ("h2", "Part 2: full assessment"),
        ("p", "Complete Part 2 only if the screening shows a possible adverse impact."),
        (
            "table",
            (
                ["Group", "Evidence", "Impact (positive / negative / none)"],
                [[g, "", ""] for g in ("Race", "Disability", "Gender", "Age")],
            ),
        ),
        ("p", "Name of assessor: ______________    Date: ______________"),
    ]


def _ria_schedule(s: _Site) -> list[Block]:
    rows = [
        [p, lead, f"{m} {y}"]
        for p, lead, m, y in (
            ("Recruitment and selection policy", "HR Manager", "June", 2007),
            ("Interpreting policy", "Patient Services Manager", "September", 2007),
            ("Complaints policy", "Head of Governance", "January", 2008),
            ("Visiting policy", "Matron", "April", 2008),
            ("Consent policy", "Medical Director", "October", 2008),
        )
    ]
    return [
        ("h1", "Programme of race equality impact assessments 2007\u20132010"),
        (
            "p",
            _fmt(
                s,
                "This timetable shows when {short} will assess each policy of high or "
                "medium relevance to race equality. Results will be published when each "
                "assessment is complete.",
            ),
        ),
        ("table", (["Policy", "Lead", "Assessment due"], rows)),
    ]


def _des(s: _Site, title: str, *, draft: bool = False, years_in_text: bool = True) -> list[Block]:
    start = 2007 if draft else 2006
    blocks = _scheme(
        s,
        title,
        start,
        "4 December 2006" if not draft else "February 2007",
        ("disability",),
        draft=draft,
        years_in_text=years_in_text,
    )
    blocks[-2:-2] = [
        ("h2", "Involving disabled people"),
        (
            "p",
            _fmt(
                s,
                "Disabled patients, carers and staff helped to set our priorities. We held "
                "focus groups with the {place} Disability Forum, the local Deaf club and "
                "MENCAP, and surveyed 600 patients who told us that parking, signage and "
                "information in accessible formats mattered most.",
            ),
        ),
        ("h2", "Gathering and using evidence"),
        (
            "p",
            "We will collect information on disability through patient surveys, complaints and "
            "staff records, and use it to review the scheme every year.",
        ),
    ]
    return blocks


def _access_guide(s: _Site) -> list[Block]:
    return [
        ("h1", "Access guide for disabled visitors"),
        (
            "p",
            _fmt(
                s,
                "Blue badge parking is available close to the main entrance of {hospital}. "
                "Wheelchairs can be borrowed from the main reception.",
            ),
        ),
        (
            "ul",
            [
                "Hearing loops at all reception desks",
                "Accessible toilets on every floor",
                "Assistance dogs welcome",
                "Large-print appointment letters on request",
            ],
        ),
        ("p", _fmt(s, "If you need help on arrival, please call {phone} before your visit.")),
    ]


# --------------------------------------------------------------------------- 2024 documents


def _edi_report(s: _Site, title: str, period: str, published: str, objectives: str = "") -> list[Block]:
    total = s.spec.headcount or 4000
    rng = s.rng
    blocks: list[Block] = [
        ("h1", title),
        ("p", f"Published {published}."),
        (
            "p",
            _fmt(
                s,
                "This report sets out equality information about the patients we serve and "
                "the people we employ, as required by the public sector equality duty "
                "(Equality Act 2010 and the Specific Duties Regulations 2017), for ",
            )
            + period
            + ".",
        ),
        ("h2", "Our workforce"),
        (
            "table",
            (
                ["Protected characteristic", "Group", "Headcount", "%"],
                [
                    ["Ethnicity", "White", w := round(total * rng.uniform(0.6, 0.85)), _pct(w, total)],
                    ["Ethnicity", "Black, Asian and minority ethnic", total - w - 40, _pct(total - w - 40, total)],
                    ["Ethnicity", "Not stated", 40, _pct(40, total)],
                    ["Disability", "Disabled", d := round(total * rng.uniform(0.04, 0.09)), _pct(d, total)],
                    ["Sex", "Female", f := round(total * rng.uniform(0.72, 0.8)), _pct(f, total)],
                    ["Sex", "Male", total - f, _pct(total - f, total)],
                ],
            ),
        ),
        ("h2", "Our patients"),
        (
            "p",
            f"{rng.uniform(8, 30):.1f}% of patients who attended in {period} recorded an ethnic group "
            "other than White British; interpreters were booked for 11,240 appointments.",
        ),
        ("h2", "Complaints and patient experience"),
        ("p", "Complaints were analysed by protected characteristic; no group was over-represented."),
    ]
    if objectives:
        blocks += [("h2", f"Our equality objectives {objectives}"), *_objective_list()]
    return blocks


def _objective_list() -> list[Block]:
    return [
        (
            "ul",
            [
                "Objective 1: reduce the gap in appointment rates between White and Black, "
                "Asian and minority ethnic applicants after shortlisting.",
                "Objective 2: improve access to services for patients with a learning disability and autistic people.",
                "Objective 3: ensure every patient who needs an interpreter gets one.",
                "Objective 4: close the disability gap in the NHS Staff Survey on harassment.",
            ],
        )
    ]


def _objectives(s: _Site, title: str, years: str, *, draft: bool = False) -> list[Block]:
    return [
        ("h1", title),
        *([("p", "DRAFT for consultation \u2013 not yet approved by the Board.")] if draft else []),
        (
            "p",
            _fmt(
                s,
                "Under the Equality Act 2010 (Specific Duties and Public Authorities) "
                "Regulations 2017, {trust} publishes one or more equality objectives at "
                "least every four years. Our objectives for ",
            )
            + years
            + " are:",
        ),
        *_objective_list(),
        ("p", "Progress is reported to the People Committee every six months."),
    ]


def _gpg(s: _Site, title: str, year: int) -> list[Block]:
    rng = s.rng
    mean, median = rng.uniform(8, 30), rng.uniform(-3, 18)
    quartile = [rng.uniform(a, b) for a, b in ((78, 85), (80, 87), (76, 83), (55, 68))]
    return [
        ("h1", title),
        (
            "p",
            f"Snapshot date: 31 March {year}. "
            + _fmt(
                s,
                "{trust} is required by the Equality Act 2010 (Specific Duties and Public "
                "Authorities) Regulations 2017 to publish its gender pay gap.",
            ),
        ),
        (
            "table",
            (
                ["Measure", "Result"],
                [
                    ["Mean gender pay gap (hourly pay)", f"{mean:.1f}%"],
                    ["Median gender pay gap (hourly pay)", f"{median:.1f}%"],
                    ["Mean bonus gap", f"{rng.uniform(5, 40):.1f}%"],
                    ["Median bonus gap", f"{rng.uniform(-10, 30):.1f}%"],
                    ["Women receiving a bonus", f"{rng.uniform(0.1, 1):.1f}%"],
                    ["Men receiving a bonus", f"{rng.uniform(1, 6):.1f}%"],
                ],
            ),
        ),
        ("h2", "Pay quartiles"),
        (
            "table",
            (
                ["Quartile", "Women", "Men"],
                [
                    [q, f"{w:.1f}%", f"{100 - w:.1f}%"]
                    for q, w in zip(("Lower", "Lower middle", "Upper middle", "Upper"), quartile, strict=True)
                ],
            ),
        ),
        (
            "p",
            "The gap is largely explained by the higher proportion of men among medical "
            "consultants, who receive Clinical Excellence Awards.",
        ),
    ]


def _wres(s: _Site, title: str, year: int) -> list[Block]:
    rng = s.rng
    rows = [
        [f"{k}. {label}", f"{rng.uniform(a, b):.1f}{unit}", f"{rng.uniform(a, b) * m:.1f}{unit}"]
        for k, (label, a, b, m, unit) in enumerate(
            (
                ("Percentage of staff in each pay band (Band 8a and above)", 8, 14, 0.6, "%"),
                ("Relative likelihood of being appointed from shortlisting", 1, 1, 1.6, ""),
                ("Relative likelihood of entering formal disciplinary process", 1, 1, 1.4, ""),
                ("Relative likelihood of accessing non-mandatory training", 1, 1, 0.9, ""),
                ("Harassment, bullying or abuse from patients or public", 22, 28, 1.2, "%"),
                ("Harassment, bullying or abuse from staff", 18, 24, 1.3, "%"),
                ("Believe the trust provides equal opportunities for career progression", 55, 62, 0.8, "%"),
                ("Personally experienced discrimination from a manager or colleague", 5, 8, 2, "%"),
                ("Board voting membership: percentage from an ethnic minority", 10, 20, 1, "%"),
            ),
            start=1,
        )
    ]
    return [
        ("h1", title),
        (
            "p",
            f"Workforce Race Equality Standard data as at 31 March {year}, submitted to NHS "
            "England, with our action plan.",
        ),
        ("table", (["Indicator", "White staff", "Black and minority ethnic staff"], rows)),
        ("h2", "Action plan"),
        (
            "ul",
            [
                "Reverse mentoring for all executive directors",
                "Diverse interview panels for posts at Band 8a and above",
                "Independent review of every disciplinary case involving BME staff",
            ],
        ),
    ]


def _wdes(s: _Site, title: str, year: int) -> list[Block]:
    rng = s.rng
    rows = [
        [f"Metric {k}: {label}", f"{rng.uniform(3, 30):.1f}%", f"{rng.uniform(3, 30):.1f}%"]
        for k, label in enumerate(
            (
                "Percentage of staff in each pay band",
                "Relative likelihood of appointment",
                "Likelihood of entering the formal capability process",
                "Harassment, bullying or abuse",
                "Equal opportunities for career progression",
                "Presenteeism",
                "Satisfaction with the value the organisation places on work",
                "Adequate adjustments provided",
                "Staff engagement score",
                "Board membership",
            ),
            start=1,
        )
    ]
    return [
        ("h1", title),
        ("p", f"Workforce Disability Equality Standard metrics for {year}, with our action plan."),
        ("table", (["Metric", "Disabled staff", "Non-disabled staff"], rows)),
        ("p", "Our Disability and Long-Term Conditions Network helped to write the action plan."),
    ]


def _a11y(s: _Site) -> list[Block]:
    return [
        ("h1", "Accessibility statement"),
        (
            "p",
            _fmt(
                s,
                "This accessibility statement applies to the {trust} website. We want as "
                "many people as possible to be able to use this website.",
            ),
        ),
        ("h2", "Compliance status"),
        (
            "p",
            "This website is partially compliant with the Web Content Accessibility "
            "Guidelines version 2.2 AA standard, due to the non-compliances listed below.",
        ),
        ("h2", "Non-accessible content"),
        (
            "ul",
            [
                "Some older PDF documents are not marked up for screen readers.",
                "Some images do not have a text alternative.",
            ],
        ),
        ("h2", "Feedback and contact information"),
        ("p", _fmt(s, "If you need information in a different format, call {phone}.")),
        ("h2", "Enforcement procedure"),
        (
            "p",
            "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the "
            "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
            "Regulations 2018. If you are not happy with how we respond to your complaint, "
            "contact the Equality Advisory and Support Service (EASS).",
        ),
        ("h2", "Preparation of this statement"),
        (
            "p",
            "This statement was prepared on 23 September 2020. It was last reviewed on "
            "14 January 2025. The website was last tested in December 2024.",
        ),
    ]


def _publication_scheme(s: _Site) -> list[Block]:
    classes = [
        "Who we are and what we do",
        "What we spend and how we spend it",
        "What our priorities are and how we are doing",
        "How we make decisions",
        "Our policies and procedures",
        "Lists and registers",
        "The services we offer",
    ]
    return [
        ("h1", "Publication scheme"),
        (
            "p",
            _fmt(
                s,
                "{trust} has adopted the Information Commissioner's model publication "
                "scheme. This guide to information tells you what we publish routinely, "
                "how to get it and whether there is a charge.",
            ),
        ),
        (
            "table",
            (["Class of information", "How to get it", "Charge"], [[c, "On this website", "Free"] for c in classes]),
        ),
        ("p", "Paper copies cost 10p a page. Contact the Information Governance team."),
    ]


# --------------------------------------------------------------------------- duty builders


def _where(s: _Site, strand: str) -> str:
    """Where a document is linked from: its equality page, publications, the home page, or deeper."""
    choice = s.rng.choices(("equality", "publications", "home", "deep"), (4, 2, 1, 2))[0]
    if choice == "deep":
        return s.subpage(strand, _fmt(s, f"This page describes the work of {{short}} on {strand.lower()}."))
    return choice


def _fmt_choice(s: _Site, weights: tuple[int, int, int] = (6, 2, 2)) -> str:
    return s.rng.choices(("pdf", "html", "docx"), weights)[0]


def _build_res(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        des_met = plan[DES][0] == MET
        ria = plan[RIA] == (MET, "in_scheme")
        if variant == "single":
            strands = ("race", "disability", "gender") if rng.random() < 0.5 else ("race", "disability")
            scope = ""
            if not des_met:
                strands = ("race",)
                scope = "This first edition covers race equality; disability and gender will be added in 2007."
            else:
                scope = "This scheme covers " + " and ".join([", ".join(strands[:-1]), strands[-1]]) + "."
            title = "Single Equality Scheme 2006\u20132009"
            s.add_doc(
                _Doc(
                    title,
                    _scheme(s, title, 2006, "November 2006", strands, scope=scope, ria_appendix=ria),
                    "our equality scheme",
                    _fmt_choice(s),
                ),
                _where(s, "Equality schemes"),
            )
            return f"single equality scheme 2006-2009 covering {', '.join(strands)}"
        years_in_title = variant != "no_year"
        start = rng.choice((2005, 2005, 2006))
        title = (
            f"Race Equality Scheme {start}\u2013{start + 3}"
            if years_in_title
            else rng.choice(("Race Equality Scheme", "Our Race Equality Scheme"))
        )
        fmt = {"html": "html", "docx": "docx", "scan": "scan"}.get(variant, "pdf")
        doc = _Doc(
            title,
            _scheme(s, title, start, f"May {start}", ("race",), ria_appendix=ria),
            rng.choice(("our race scheme", "the race equality scheme", "RES")),
            fmt,
            rng.choice(("same", None, "Microsoft Word - RES final.doc")),
        )
        if fmt == "scan":
            doc.title = f"Race Equality Scheme {start}\u2013{start + 3} (scanned copy)"
        s.add_doc(doc, _where(s, "Race equality"))
        return {
            "no_year": f"title has no year; text says it covers {start} to {start + 3}",
            "scan": "image-only PDF (scanned): a human reads it; title and link text identify it",
        }.get(variant, f"race equality scheme {start}-{start + 3} ({fmt})")
    if variant == "outdated":
        title = rng.choice(("Race Equality Scheme 2002\u20132005", "Race Equality Scheme"))
        s.add_doc(
            _Doc(title, _scheme(s, title, 2002, "May 2002", ("race",)), "our race scheme"), _where(s, "Race equality")
        )
        return "only a 2002-2005 scheme: out of date at April 2007 (review due May 2005)"
    if variant == "draft":
        title = "DRAFT Race Equality Scheme 2007\u20132010 for consultation"
        s.add_doc(
            _Doc(
                title, _scheme(s, title, 2007, "February 2007", ("race",), draft=True), "the draft race equality scheme"
            ),
            _where(s, "Race equality"),
        )
        return "draft for consultation only"
    if variant == "on_request":
        s.add_para(
            "equality",
            _fmt(
                s,
                "Our Race Equality Scheme is available on request in paper, "
                "large print, audio and other languages. Please contact the "
                "Equality and Diversity Manager on {phone}.",
            ),
        )
        return "scheme 'available on request', not published"
    if variant == "race_for_life":
        s.add_page(
            "news",
            "Staff raise \u00a33,460 in Race for Life",
            [
                (
                    "p",
                    _fmt(
                        s,
                        "Forty-two women from {trust} took part in Cancer Research UK's Race for Life in "
                        "{place} on Sunday 9 July, raising \u00a33,460. Race organiser Jo Benson said the "
                        "team's equality of effort was inspiring.",
                    ),
                )
            ],
            when=date(2006, 7, 14),
        )
        return "only 'Race for Life' charity news"
    if variant == "officer_job":
        s.add_page(
            "jobs",
            "Race Equality Officer",
            [
                ("p", "Band 6, \u00a323,458 \u2013 \u00a331,010 a year. Closing date 20 April 2007."),
                (
                    "p",
                    _fmt(
                        s,
                        "{trust} is looking for a Race Equality Officer to develop our race "
                        "equality scheme, impact assessments and workforce ethnic monitoring, "
                        "in line with the Race Relations (Amendment) Act 2000.",
                    ),
                ),
                ("p", "For an informal discussion contact the Head of Human Resources."),
            ],
        )
        return "only a job advert for a Race Equality Officer"
    return "nothing published"


def _build_rem(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        period, as_at = rng.choice((("2005/06", "31 March 2006"), ("the year to 31 December 2006", "31 December 2006")))
        if variant == "in_annual_report":
            title = "Equality and diversity annual report 2005/06"
            blocks = [
                ("h1", title),
                ("p", _fmt(s, "This report describes the equality work of {trust} during 2005/06.")),
                ("h2", "Patient experience"),
                ("p", "Interpreting requests rose by 14%; 96% were met within 24 hours."),
                *_workforce(s, "Workforce monitoring", period, as_at)[1:],
            ]
            s.add_doc(_Doc(title, blocks, "our annual equality report"), _where(s, "Workforce"))
            return "workforce ethnic monitoring inside the annual equality report"
        title = rng.choice(
            (
                "Workforce monitoring report 2005/06",
                "Annual workforce ethnicity report",
                "Ethnic monitoring of staff 2005-06",
                "Staff profile by ethnic group",
            )
        )
        fmt = variant
        s.add_doc(
            _Doc(
                title,
                _workforce(s, title, period, as_at),
                rng.choice(("staff ethnicity figures", "workforce data", "monitoring report")),
                fmt,
                rng.choice(("same", None)),
            ),
            _where(s, "Workforce"),
        )
        return f"workforce ethnic monitoring for {period} ({fmt})"
    if variant == "blank_form":
        s.add_doc(
            _Doc(
                "Equal opportunities monitoring form",
                _monitoring_form(s),
                "the monitoring form",
                rng.choice(("pdf", "docx")),
            ),
            rng.choice(("jobs", "publications", "equality")),
        )
        return "blank equal opportunities monitoring form, no results"
    if variant == "stale":
        title = "Workforce monitoring report 2003/04"
        s.add_doc(
            _Doc(title, _workforce(s, title, "2003/04", "31 March 2004"), "workforce data"), _where(s, "Workforce")
        )
        return "only 2003/04 monitoring: not annual, out of date at April 2007"
    if variant == "no_ethnicity":
        title = "Workforce profile 2006"
        s.add_doc(
            _Doc(title, _workforce(s, title, "2006", "31 March 2006", ethnicity=False), "our workforce profile"),
            _where(s, "Workforce"),
        )
        return "workforce profile by staff group, gender and age, but no ethnic breakdown"
    if variant == "board_minutes":
        s.add_page(
            "board",
            "Minutes of the Trust Board meeting, 30 November 2006",
            [
                ("p", "Present: the Chairman, the Chief Executive, five non-executive directors."),
                ("h2", "8. Workforce ethnic monitoring report 2005/06"),
                (
                    "p",
                    "The Director of Human Resources presented the annual workforce ethnic monitoring "
                    "report. The Board noted the report and agreed it should be published.",
                ),
                ("h2", "9. Any other business"),
                ("p", "None."),
            ],
            when=date(2006, 11, 30),
        )
        return "board minutes mention the monitoring report; the report itself is not published"
    s.add_para(
        "equality",
        "We are improving the quality of our workforce data and will publish our "
        "first ethnic monitoring report later in 2007.",
    )
    return "promise to publish monitoring later in 2007"


def _build_ria(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        if variant == "in_scheme":
            return "results table in an appendix of the equality scheme"
        title = rng.choice(
            (
                "Race equality impact assessments: outcomes 2006",
                "Results of equality impact assessments 2005/06",
                "Impact assessment results",
            )
        )
        s.add_doc(
            _Doc(title, [("h1", title), *_ria_results(s, 2006)], "impact assessment results", variant),
            _where(s, "Impact assessment"),
        )
        return f"published assessment results ({variant})"
    if variant == "template":
        s.add_doc(
            _Doc(
                "Equality impact assessment toolkit", _eia_template(s), "the EIA template", rng.choice(("pdf", "docx"))
            ),
            _where(s, "Impact assessment"),
        )
        return "blank impact assessment template/toolkit, no results"
    if variant == "schedule":
        title = "Programme of race equality impact assessments 2007\u20132010"
        s.add_doc(_Doc(title, _ria_schedule(s), "our assessment timetable"), _where(s, "Impact assessment"))
        return "timetable of future assessments, no results"
    if variant == "promise":
        s.add_para(
            "equality",
            "The results of our race equality impact assessments will be "
            "published on this website as soon as they are complete.",
        )
        return "promise to publish results"
    return "nothing published"


def _build_des(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    single = plan[RES] == (MET, "single")
    if single:
        return (
            "covered by the single equality scheme"
            if truth == MET
            else "single scheme says disability will be added later"
        )
    if truth == MET:
        title = "Disability Equality Scheme 2006\u20132009" if variant != "no_year" else "Disability Equality Scheme"
        fmt = {"html": "html", "docx": "docx"}.get(variant, "pdf")
        s.add_doc(
            _Doc(
                title, _des(s, title), rng.choice(("our disability scheme", "the DES")), fmt, rng.choice(("same", None))
            ),
            _where(s, "Disability equality"),
        )
        return (
            "title has no year; text says it covers 2006 to 2009"
            if variant == "no_year"
            else f"disability equality scheme 2006-2009 ({fmt})"
        )
    if variant == "promise":
        s.add_page(
            "news",
            "Have your say on our disability equality scheme",
            [
                (
                    "p",
                    _fmt(
                        s,
                        "We will publish our disability equality scheme in December. Disabled people who "
                        "use our services are invited to a focus group at {hospital} on 14 November.",
                    ),
                )
            ],
            when=date(2006, 10, 12),
        )
        return "news item promising a scheme in December; none published"
    if variant == "draft":
        title = "Draft Disability Equality Scheme 2007\u20132010 (for consultation)"
        s.add_doc(
            _Doc(title, _des(s, title, draft=True), "the draft disability scheme"), _where(s, "Disability equality")
        )
        return "draft for consultation only"
    if variant == "access_guide":
        s.add_doc(
            _Doc("Access guide for disabled visitors", _access_guide(s), "access information", "html"),
            rng.choice(("services", "home")),
        )
        return "only an access guide for disabled visitors"
    return "nothing published"


def _build_info(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    rng = s.rng
    if truth == MET:
        title = rng.choice(
            (
                "Equality, diversity and inclusion annual report 2023/24",
                "EDI annual report 2024",
                "Public Sector Equality Duty report 2024",
            )
        )
        objectives = "2024\u20132028" if plan[OBJ] == (MET, "in_report") else ""
        s.add_doc(
            _Doc(
                title,
                _edi_report(s, title, "2023/24", rng.choice(("October 2024", "January 2025")), objectives),
                "our equality information",
                variant,
            ),
            _where(s, "Equality information"),
        )
        return f"annual equality information 2023/24 ({variant})"
    if variant == "stale":
        title = "Equality and diversity annual report 2020/21"
        s.add_doc(
            _Doc(title, _edi_report(s, title, "2020/21", "March 2021"), "annual report"),
            _where(s, "Equality information"),
        )
        return "latest equality information is 2020/21: not annual"
    if variant == "promise":
        s.add_para(
            "equality",
            "Our equality information report for 2023/24 is being finalised and will be published here shortly.",
        )
        return "promise only"
    s.add_doc(
        _Doc(
            "Patient equality monitoring form",
            [
                ("h1", "Patient equality monitoring form"),
                ("p", "Please help us to check that our services are fair by answering these questions."),
                *_monitoring_form(s)[2:],
            ],
            "monitoring form",
            "docx",
        ),
        "equality",
    )
    return "blank patient equality monitoring form only"


def _build_obj(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        if variant == "in_report":
            return "objectives 2024-2028 inside the annual equality report"
        years = s.rng.choice(("2023\u20132027", "2024\u20132028", "2022\u20132026"))
        title = f"Equality objectives {years}"
        s.add_doc(
            _Doc(title, _objectives(s, title, years), "our objectives", variant), _where(s, "Equality objectives")
        )
        return f"objectives {years}"
    if variant == "stale":
        title = "Equality objectives 2016\u20132020"
        s.add_doc(
            _Doc(title, _objectives(s, title, "2016\u20132020"), "our objectives"), _where(s, "Equality objectives")
        )
        return "only 2016-2020 objectives: more than four years old"
    if variant == "draft":
        title = "Draft equality objectives 2025\u20132029 for consultation"
        s.add_doc(
            _Doc(title, _objectives(s, title, "2025\u20132029", draft=True), "draft objectives"),
            _where(s, "Equality objectives"),
        )
        return "draft objectives for consultation only"
    return "nothing published"


def _build_gpg(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        title = (
            "Gender pay gap report 2024 (snapshot 31 March 2024)"
            if variant != "no_snapshot_in_title"
            else "Gender pay gap report"
        )
        s.add_doc(
            _Doc(title, _gpg(s, title, 2024), "gender pay gap", "html" if variant == "html" else "pdf"),
            _where(s, "Gender pay gap"),
        )
        return "gender pay gap, snapshot 31 March 2024"
    if variant == "stale":
        title = "Gender pay gap report 2022"
        s.add_doc(_Doc(title, _gpg(s, title, 2022), "gender pay gap"), _where(s, "Gender pay gap"))
        return "latest report is for the 2022 snapshot"
    if variant == "external_only":
        s.add_para(
            "equality",
            "Our gender pay gap figures are on the government's <a href=\"https://"
            'gender-pay-gap.service.gov.uk/">gender pay gap service</a>.',
        )
        return "only a link to the government service; not published on the trust's own site"
    return "nothing published"


def _build_wres(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        combined = variant == "combined" and plan[WDES][0] == MET
        title = (
            "WRES and WDES report 2024"
            if combined
            else s.rng.choice(("WRES data 2024", "Workforce Race Equality Standard report 2024"))
        )
        blocks = _wres(s, title, 2024) + (_wdes(s, "Workforce Disability Equality Standard", 2024) if combined else [])
        s.add_doc(
            _Doc(title, blocks, "WRES", "pdf" if variant != "html" else "html"),
            _where(s, "Workforce equality standards"),
        )
        return "WRES 2024" + (" (combined with WDES)" if combined else "")
    if variant == "stale":
        title = "WRES report 2021"
        s.add_doc(_Doc(title, _wres(s, title, 2021), "WRES"), _where(s, "Workforce equality standards"))
        return "latest WRES report is 2021"
    if variant == "network_page":
        s.add_page(
            "equality",
            "Race Equality Network",
            [
                (
                    "p",
                    _fmt(
                        s,
                        "Our Race Equality Network supports Black, Asian and minority ethnic colleagues at "
                        "{trust}. It meets monthly and advises the Board on the WRES action plan.",
                    ),
                )
            ],
        )
        return "staff network page only"
    return "nothing published"


def _build_wdes(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        if plan[WRES] == (MET, "combined"):
            return "WDES 2024 in the combined WRES and WDES report"
        title = s.rng.choice(("WDES report 2024", "Workforce Disability Equality Standard annual report 2024"))
        s.add_doc(_Doc(title, _wdes(s, title, 2024), "WDES", variant), _where(s, "Workforce equality standards"))
        return "WDES 2024"
    if variant == "stale":
        title = "WDES annual report 2022"
        s.add_doc(_Doc(title, _wdes(s, title, 2022), "WDES"), _where(s, "Workforce equality standards"))
        return "latest WDES report is 2022"
    if variant == "disability_confident":
        s.add_page(
            "jobs",
            "We are a Disability Confident Leader",
            [
                (
                    "p",
                    _fmt(
                        s,
                        "{trust} is a Disability Confident Leader. Disabled applicants who meet the minimum "
                        "criteria are guaranteed an interview.",
                    ),
                )
            ],
        )
        return "Disability Confident page only"
    return "nothing published"


def _build_a11y(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        doc = _Doc("Accessibility statement", _a11y(s), "accessibility statement", "html")
        where = "footer"
        if variant == "help_page":  # footer -> "Using this website" -> statement
            where = s.add_page(
                "home",
                "Using this website",
                [("p", "Help with cookies, accessibility and browsing this site.")],
                listed=False,
            )
            s.footer.append((where, "Help"))
        s.add_doc(doc, where)
        return f"accessibility statement ({variant})"
    if variant == "tools_only":
        path = s.add_page(
            "home",
            "Accessibility",
            [("p", "Use the ReachDeck toolbar to have pages read aloud, translated or magnified.")],
            listed=False,
        )
        s.footer.append((path, "Accessibility"))
        return "'Accessibility' page only describes a toolbar; no statement"
    if variant == "physical_access":
        s.add_doc(_Doc("Accessibility and getting here", _access_guide(s), "access", "html"), "services")
        return "only a physical access guide"
    return "nothing published"


def _build_foi(s: _Site, truth: str, variant: str, plan: dict[str, tuple[str, str]]) -> str:
    if truth == MET:
        title = "Publication scheme" if variant == "html" else "Publication scheme and guide to information"
        s.add_doc(_Doc(title, _publication_scheme(s), "our publication scheme", variant), "foi")
        return f"publication scheme ({variant})"
    if variant == "disclosure_log":
        s.add_page(
            "foi",
            "Disclosure log",
            [
                (
                    "table",
                    (
                        ["Request", "Date"],
                        [["Agency staff spend 2023/24", "12 June 2024"], ["Car parking income", "3 July 2024"]],
                    ),
                )
            ],
        )
        return "disclosure log only, no publication scheme"
    return (
        "FOI page explains how to ask, but no publication scheme" if variant == "request_only" else "nothing published"
    )


BUILDERS = {
    RES: _build_res,
    REM: _build_rem,
    RIA: _build_ria,
    DES: _build_des,
    INFO: _build_info,
    OBJ: _build_obj,
    GPG: _build_gpg,
    WRES: _build_wres,
    WDES: _build_wdes,
    A11Y: _build_a11y,
    FOI: _build_foi,
}
# Couplings: the single scheme (RES) decides DES; objectives and RIA can sit inside another
# document, WDES inside the combined WRES report. Those owners are built after their guests' plans.
BUILD_ORDER = (RES, REM, RIA, DES, INFO, OBJ, GPG, WRES, WDES, A11Y, FOI)


# --------------------------------------------------------------------------- filler

FILLER_DOCS = {
    "2007": (
        "Annual report 2005/06 (summary)",
        "Chief Executive's report",
        "Finance report: month 9",
        "Infection control annual report",
        "Patient information: MRSA",
        "Patient information: preparing for your operation",
        "Integrated performance report",
        "Local Delivery Plan 2005-2008",
    ),
    "2024": (
        "Annual report and accounts 2023/24",
        "Chief Executive's report",
        "Finance report: month 10",
        "Quality account 2023/24",
        "Integrated performance report",
        "Patient information: preparing for your operation",
        "Green plan 2022-2025",
        "Infection prevention and control annual report",
    ),
}
JOBS = (
    ("Staff Nurse", 5),
    ("Healthcare Assistant", 2),
    ("Medical Secretary", 4),
    ("Physiotherapist", 6),
    ("Pharmacy Technician", 5),
    ("Estates Officer", 4),
    ("Ward Sister", 7),
    ("Consultant Physician", 0),
    ("Health Visitor", 6),
    ("Porter", 2),
)
PAY = {
    "2007": {
        2: "\u00a312,177 \u2013 \u00a314,037",
        4: "\u00a315,107 \u2013 \u00a318,473",
        5: "\u00a319,166 \u2013 \u00a324,803",
        6: "\u00a323,458 \u2013 \u00a331,010",
        7: "\u00a327,622 \u2013 \u00a336,416",
        0: "\u00a371,822 \u2013 \u00a396,969",
    },
    "2024": {
        2: "\u00a323,615",
        4: "\u00a326,530 \u2013 \u00a329,114",
        5: "\u00a329,970 \u2013 \u00a336,483",
        6: "\u00a337,338 \u2013 \u00a344,962",
        7: "\u00a346,148 \u2013 \u00a352,809",
        0: "\u00a3105,504 \u2013 \u00a3139,882",
    },
}


def _sentences(s: _Site, bank: tuple[str, ...], k: int, **extra: str) -> str:
    rng = s.rng
    values = {
        "trust": s.spec.name,
        "place": s.place,
        "hospital": s.hospital,
        "phone": s.phone,
        "person": rng.choice(STAFF_NAMES),
        "ward": rng.choice(WARDS),
        "money": f"{rng.randint(40, 2400)},000",
        "weeks": str(rng.randint(4, 18)),
        "service": "",
        **extra,
    }
    return " ".join(t.format(**values) for t in rng.sample(bank, k))


GENERIC = {
    "trust": "Trust",
    "place": "the area",
    "hospital": "the main hospital",
    "phone": "the switchboard",
    "person": "the Chief Executive",
    "ward": "the",
    "money": "250,000",
    "weeks": "six",
    "service": "the",
}


@lru_cache(maxsize=32)
def _filler_pdf(title: str) -> bytes:
    """Board papers and leaflets carry no trust name, so one rendering serves every site."""
    rng = random.Random(title)
    blocks: list[Block] = [("h1", title)]
    for section in ("Purpose", "Background", "Current position", "Risks", "Recommendation"):
        blocks += [
            ("h2", section),
            (
                "p",
                " ".join(rng.sample(NEWS_SENTENCES[2:] + SERVICE_SENTENCES[1:], 5)).format(**GENERIC),
            ),
        ]
    blocks.append(
        (
            "table",
            (
                ["Measure", "Target", "Actual"],
                [
                    [m, f"{rng.randint(85, 98)}%", f"{rng.randint(80, 100)}%"]
                    for m in (
                        "Four-hour A&E standard",
                        "18-week referral to treatment",
                        "Cancer two-week wait",
                        "Staff appraisal rate",
                        "Mandatory training compliance",
                    )
                ],
            ),
        )
    )
    return _pdf(blocks * 2, title if rng.random() < 0.5 else None, "Board paper")


def _add_filler(s: _Site, pages: int) -> None:
    rng, era, modern = s.rng, s.spec.era, s.spec.era == "2024"
    spec = s.spec
    staff = spec.headcount or rng.randint(20, 60) * 100
    s.add_para(
        "home",
        _fmt(s, "Welcome to {trust}. We provide health services for the people of {place} and the surrounding area."),
    )
    s.add_para(
        "about",
        _fmt(s, "{trust} was established in ")
        + f"{rng.randint(1992, 2004)}. "
        + f"We employ about {round(staff, -1):,} staff and serve a population of "
        + f"{rng.randint(150, 700) * 1000:,}. Our main site is {s.hospital}.",
    )
    s.add_para(
        "corporate", "Here you will find information about how we are run, our Board and our statutory publications."
    )
    s.add_para(
        "equality",
        _fmt(
            s,
            "{trust} is committed to equality and human rights for patients, "
            "carers and staff. We value the diversity of the communities we "
            "serve.",
        ),
    )
    s.add_para("publications", "Many of our documents are available in other formats and languages on request.")
    s.add_para(
        "foi",
        "The Freedom of Information Act 2000 gives you the right to request "
        "information held by public authorities. Send requests to the Information "
        f"Governance team, or email foi@{spec.domain}. We aim to reply within 20 "
        "working days.",
    )
    s.add_para(
        "jobs",
        _fmt(s, "{trust} is an equal opportunities employer. ")
        + rng.choice(
            (
                "Please complete the equal opportunities monitoring form with your application.",
                "We welcome applications from all sections of the community.",
                "We are a Two Ticks employer: positive about disabled people.",
            )
        ),
    )
    s.add_para(
        "contact",
        _fmt(s, "{hospital}, Infirmary Road, {place} ")
        + f"ZZ{rng.randint(1, 99)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTUW')}."
        + f" Switchboard: {s.phone}. Email: enquiries@{spec.domain}.",
    )
    for key, heading in (
        ("home", "Quick links"),
        ("about", "In this section"),
        ("corporate", "In this section"),
        ("news", "Latest news"),
        ("jobs", "Current vacancies"),
        ("services", "Services A to Z"),
        ("board", "Meetings and papers"),
    ):
        s.pages[s.paths[key]].items_heading = heading
    s.pages[s.paths["about"]].items.append(f'<a href="@/{s.paths["corporate"]}">{s.labels["corporate"]}</a>')
    s.pages[s.paths["corporate"]].items.append(f'<a href="@/{s.paths["board"]}">{s.labels["board"]}</a>')
    if s.equality_deep:
        s.pages[s.paths["corporate"]].items.append(
            f'<a href="@/{s.paths["equality"]}">{_esc(s.labels["equality"])}</a>'
        )
    if not modern:
        path = s.add_page(
            "foi",
            "Publication scheme",
            [
                (
                    "p",
                    "Our publication scheme, approved by "
                    "the Information Commissioner, lists "
                    "the classes of information we publish.",
                )
            ],
        )
    for title in rng.sample(FILLER_DOCS[era], rng.randint(2, 4)):
        path = s.doc_path(title, "pdf")
        s.files[path] = _filler_pdf(title)
        s.pages[s.paths["publications"]].items.append(f'<a href="@/{path}">{_esc(title)}</a> (PDF)')

    count = max(5, round(pages * rng.uniform(0.6, 1.4)))
    news_bank = NEWS_2024 if modern else NEWS_2007
    start = s.era.news_from
    for n in range(count):
        kind = rng.choices(("news", "service", "job", "board"), (40, 25, 15, 20))[0]
        if kind == "news":
            title = rng.choice(news_bank).format(place=s.place, hospital=s.hospital, ward=rng.choice(WARDS))
            when = date.fromordinal(start.toordinal() + rng.randint(0, 360))
            s.add_page(
                "news",
                title,
                [("p", _sentences(s, NEWS_SENTENCES, 3)), ("p", _sentences(s, NEWS_SENTENCES, 2))],
                when=when,
                slug=f"{when:%Y-%m-%d}-{_slug(title)[:40]}",
            )
        elif kind == "service":
            service = SERVICES[n % len(SERVICES)]
            s.add_page(
                "services",
                service,
                [
                    ("p", _sentences(s, SERVICE_SENTENCES, 4, service=service.lower())),
                    ("p", _sentences(s, SERVICE_SENTENCES, 2, service=service.lower())),
                ],
            )
        elif kind == "job":
            job, band = rng.choice(JOBS)
            grade = "Consultant" if band == 0 else f"Band {band}"
            s.add_page(
                "jobs",
                f"{job} \u2013 {grade}",
                [
                    (
                        "p",
                        f"{grade}, {PAY[era][band]} a year. Reference {rng.randint(100, 999)}-"
                        f"{rng.randint(1000, 9999)}.",
                    ),
                    (
                        "p",
                        _fmt(
                            s,
                            "We are looking for an enthusiastic and motivated person to join our "
                            "team at {hospital}. Full training and support will be given.",
                        ),
                    ),
                    (
                        "p",
                        "Closing date: " + f"{rng.randint(1, 28)} {rng.choice(('April', 'May'))} "
                        f"{s.era.audit_date.year}.",
                    ),
                ],
                slug=f"vacancy-{rng.randint(1000, 99999)}",
            )
        else:
            when = date.fromordinal(start.toordinal() + rng.randint(0, 330))
            papers = rng.sample(FILLER_DOCS[era][1:], 2)
            links = []
            for title in papers:
                path = s.doc_path(f"{when:%Y-%m} {title}", "pdf")
                s.files[path] = _filler_pdf(title)
                links.append(f'<li><a href="@/{path}">{_esc(title)}</a></li>')
            path = s.add_page(
                "board",
                f"Board meeting {when:%d %B %Y}",
                [("p", f"The Trust Board met in public at {s.hospital} on {when:%d %B %Y}.")],
                when=when,
                slug=f"meeting-{when:%Y-%m-%d}",
            )
            s.pages[path].parts.append("<ul>" + "".join(links) + "</ul>")
    if rng.random() < 0.4:  # old sites are full of dead links; keep them off anything that matters
        dead = s.child_path("news", "news-archive-2004")
        page = (
            next(p for p in s.pages.values() if p.parent == s.paths["news"])
            if s.pages[s.paths["news"]].dated
            else s.pages[s.paths["news"]]
        )
        page.parts.append(f'<p>Older stories are in our <a href="@/{dead}">news archive</a>.</p>')
        spec.broken_links.append(dead)
    news = [i for _, i in sorted(s.pages[s.paths["news"]].dated, reverse=True)[:3]]
    s.pages["index.html"].parts.append(
        "<h2>Latest news</h2><ul>" + "".join(f"<li>{i}</li>" for i in news) + "</ul>" if news else ""
    )


def _robots(rng: random.Random) -> str | None:
    return rng.choice(
        (
            None,
            "User-agent: *\nDisallow:\n",
            "User-agent: *\nDisallow: /admin/\nDisallow: /search/\n",
            "User-agent: *\nDisallow: /cgi-bin/\nDisallow: /intranet/\n",
            "# robots.txt\nUser-agent: BadBot\nDisallow: /\n\nUser-agent: *\nDisallow: /admin/\n",
            "User-agent: *\nDisallow: /search/\nDisallow: /print/\n",
        )
    )


def _sitemap(site: _Site) -> str:
    # Relative locations: the site's base URL is only known when it is served.
    paths = [*site.pages, *[p for p in site.files if p.endswith(".pdf")][:20]]
    urls = "".join(f"<url><loc>{html.escape(_rel('index.html', p))}</loc></url>\n" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


# --------------------------------------------------------------------------- trusts

NAME_FORMS = {
    "acute": ("{p} Hospitals NHS Trust", "{p} and {q} NHS Trust", "{p} Teaching Hospitals NHS Trust"),
    "foundation": ("{p} NHS Foundation Trust", "{p} Hospitals NHS Foundation Trust"),
    "primary_care": ("{p} Primary Care Trust", "{d} {p} Primary Care Trust", "{p} Teaching Primary Care Trust"),
    "mental_health": (
        "{p} Mental Health NHS Trust",
        "{p} Partnership NHS Trust",
        "{p} Mental Health and Social Care NHS Trust",
    ),
    "ambulance": ("{p} Ambulance Service NHS Trust",),
    "care_trust": ("{p} Care Trust",),
    "community": ("{p} Community Healthcare NHS Trust", "{p} Community Health Services NHS Trust"),
    "specialist": (
        "{p} Orthopaedic Hospital NHS Trust",
        "{p} Eye Hospital NHS Trust",
        "{p} Children's Hospital NHS Trust",
    ),
}
HEADCOUNT = {
    "acute": (2500, 8000),
    "foundation": (3000, 11000),
    "primary_care": (600, 3000),
    "mental_health": (1200, 4500),
    "ambulance": (1000, 4500),
    "care_trust": (500, 2200),
    "community": (1500, 5000),
    "specialist": (120, 2000),
}


def _trusts(n: int, era_name: str, era: Era, rng: random.Random) -> list[TrustSpec]:
    specs: list[TrustSpec] = []
    names: set[str] = set()
    codes: set[str] = set()
    letters = "ABCDEFGHJKLMNPQRTVWXY"
    while len(specs) < n:
        org_type = rng.choices(list(era.org_types), list(era.org_types.values()))[0]
        p, q = rng.sample(PLACES, 2)
        name = rng.choice(NAME_FORMS[org_type]).format(p=p, q=q, d=rng.choice(("North", "South", "East", "West")))
        prefix = "5" if org_type == "primary_care" else "T" if org_type == "care_trust" else "R"
        code = prefix + rng.choice(letters + "0123456789") + rng.choice(letters)
        if name in names or code in codes:
            continue
        names.add(name)
        codes.add(code)
        low, high = HEADCOUNT[org_type]
        headcount: int | None = rng.randint(low, high)
        if org_type == "specialist" and rng.random() < 0.5:
            headcount = rng.randint(120, 240)  # the few trusts below the gender pay gap threshold
        elif era_name == "2007" and rng.random() < 0.1:
            headcount = None  # the register did not always know
        domain = "www." + _slug(name.replace(" NHS", "").replace(" Trust", "")).replace("-", "")[:24] + ".nhs.uk"
        specs.append(
            TrustSpec(code, name, org_type, rng.choice(era.regions), headcount, {}, {}, era=era_name, domain=domain)
        )
    return specs


def _plan(specs: list[TrustSpec], era: Era, rng: random.Random) -> list[dict[str, tuple[str, str]]]:
    """Truth and variant per trust and duty: exact not_met shares, every variant in turn."""
    plans: list[dict[str, tuple[str, str]]] = [{} for _ in specs]
    for duty, share in era.not_met_share.items():
        owing = [
            i for i, spec in enumerate(specs) if duty != GPG or (spec.headcount is not None and spec.headcount >= 250)
        ]
        k = round(len(owing) * share)
        statuses = [NOT_MET] * k + [MET] * (len(owing) - k)
        rng.shuffle(statuses)
        met, traps = (list(v) for v in VARIANTS[duty])
        rng.shuffle(met)
        rng.shuffle(traps)
        counters = {MET: 0, NOT_MET: 0}
        for i, status in zip(owing, statuses, strict=True):
            pool = met if status == MET else traps
            plans[i][duty] = (status, pool[counters[status] % len(pool)])
            counters[status] += 1
    for plan in plans:  # a document can only hold another duty's evidence if it exists
        if plan.get(RIA) == (MET, "in_scheme") and plan[RES] not in {
            (MET, v) for v in ("pdf", "html", "docx", "no_year", "single")
        }:
            plan[RIA] = (MET, "pdf")
        if plan.get(OBJ) == (MET, "in_report") and plan[INFO][0] != MET:
            plan[OBJ] = (MET, "html")
        if plan.get(WRES) == (MET, "combined") and plan[WDES][0] != MET:
            plan[WRES] = (MET, "pdf")
    return plans


def generate(out_dir: Path, n: int = 30, seed: int = 2007, era: str = "2007", pages: int = 30) -> list[TrustSpec]:
    """Write n trust websites under out_dir/<ods code lower>/ and return their specs with truth."""
    if era not in ERAS:
        raise ValueError(f"unknown era {era!r}; expected one of {', '.join(ERAS)}")
    config = ERAS[era]
    rng = random.Random(f"{seed}:{era}")
    specs = _trusts(n, era, config, rng)
    plans = _plan(specs, config, rng)
    out_dir = Path(out_dir)
    for i, (spec, plan) in enumerate(zip(specs, plans, strict=True)):
        site = _Site(spec, config, random.Random(f"{seed}:{era}:{i}"))
        for duty in BUILD_ORDER:
            if duty in plan:
                truth, variant = plan[duty]
                spec.truth[duty] = truth
                spec.notes[duty] = BUILDERS[duty](site, truth, variant, plan)
        _add_filler(site, pages)
        root = out_dir / spec.ods_code.lower()
        site.write(root)
        robots = _robots(site.rng)
        if robots:
            _write(root / "robots.txt", robots.encode())
        if site.rng.random() < 0.5:
            _write(root / "sitemap.xml", _sitemap(site).encode())
    return specs


FORENAMES = ("Aisha", "David", "Helen", "Joseph", "Margaret", "Priya", "Samuel", "Tomasz", "Grace", "Ian")
SURNAMES = ("Adeyemi", "Brennan", "Chaudhry", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones")


def letterhead(spec: TrustSpec) -> tuple[str, str, str]:
    """A chief executive, postal address and postcode for a demo trust, the same on every run."""
    rng = random.Random(spec.ods_code)
    place = next((p for p in PLACES if p in spec.name), spec.name.split()[0])
    name = f"{rng.choice(('Dr ', '', '', 'Professor '))}{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}"
    address = f"Trust Headquarters\n{rng.randint(1, 120)} Infirmary Road\n{place}"
    area = rng.choice("BCDLMNS") + rng.choice("ELNST") + str(rng.randint(1, 30))
    return name, address, f"{area} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTUW')}"


def write_register(specs: list[TrustSpec], urls: dict[str, str], path: Path) -> None:
    """The register as `import_trusts` reads it, with the letterhead columns it reads when present."""
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["ods_code", "name", "org_type", "region", "website", "headcount", "chief_executive", "address", "postcode"]
        )
        for spec in specs:
            writer.writerow(
                [
                    spec.ods_code,
                    spec.name,
                    spec.org_type,
                    spec.region,
                    urls[spec.ods_code],
                    "" if spec.headcount is None else spec.headcount,
                    *letterhead(spec),
                ]
            )


def write_truth(specs: list[TrustSpec], path: Path) -> None:
    Path(path).write_text(json.dumps({s.ods_code: s.truth for s in specs}, indent=2, sort_keys=True) + "\n")
