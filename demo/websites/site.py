"""One trust website being built: its layout, sections, pages, links and documents; robots.txt and sitemap."""

from __future__ import annotations

import html
import posixpath
import random
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from demo.websites.blocks import Block, esc, render_docx, render_html, render_pdf, render_scan, slugify
from demo.websites.trusts import PLACES
from demo.websites.truth import Era, TrustSpec


@dataclass
class Page:
    title: str
    parent: str | None
    parts: list[str] = field(default_factory=list)  # HTML; hrefs written "@/site/path"
    items: list[str] = field(default_factory=list)  # <li> entries under items_heading
    items_heading: str = "Documents"
    date: date | None = None
    dated: list[tuple[date, str]] = field(default_factory=list)  # news and papers, newest first


@dataclass
class Doc:
    title: str
    blocks: list[Block]
    label: str  # what a person might call it in a link ("our race scheme")
    fmt: str = "pdf"  # pdf | html | docx | scan
    pdf_title: str | None = "same"  # "same": the document title; None: no metadata title


class Site:
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
        self.pages: dict[str, Page] = {}
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
            self.pages[self.paths[key]] = Page(labels[key], parent and self.paths[parent])
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
            name = slugify(title)
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
        path = self.child_path(section, slug or slugify(title)[:50])
        self.pages[path] = Page(title, self.paths[section], [render_html(blocks)], date=when)
        if listed:
            item = f'<a href="@/{path}">{esc(title)}</a>'
            index = self.pages[self.paths[section]]
            if when:
                index.dated.append((when, f'{item} <span class="date">{when:%d %B %Y}</span>'))
            else:
                index.items.append(item)
        return path

    def add_para(self, where: str, text_html: str) -> None:
        self.pages[self.paths.get(where, where)].parts.append(f"<p>{text_html}</p>")

    def add_doc(self, doc: Doc, where: str, *, blurb: str = "") -> str:
        """Write the document and link to it from `where` with one of the ways real sites do it."""
        rng, trust = self.rng, self.spec.name
        meta = doc.title if doc.pdf_title == "same" else doc.pdf_title
        if doc.fmt == "html":
            path = self.child_path(
                "equality" if where.startswith("equality") else "publications", slugify(doc.title)[:50]
            )
            parent = self.paths.get(where, where)
            self.pages[path] = Page(
                doc.title, parent if parent in self.pages else "index.html", [render_html(doc.blocks)]
            )
            size = ""
        else:
            ext = "docx" if doc.fmt == "docx" else "pdf"
            path = self.doc_path(doc.title, ext)
            data = (
                render_docx(doc.blocks, meta)
                if ext == "docx"
                else render_scan(doc.blocks, meta)
                if doc.fmt == "scan"
                else render_pdf(doc.blocks, meta, trust)
            )
            self.files[path] = data
            size = f"{ext.upper() if ext == 'pdf' else 'Word'}, {max(1, len(data) // 1024)}KB"
        href = f'href="@/{path}"'
        title = esc(doc.title)
        style = rng.choice(("title", "title", "label", "download", "click"))
        if style == "title":
            item = f"<a {href}>{title}</a>" + (f" ({size})" if size else "")
        elif style == "label":
            item = f"<a {href}>{esc(doc.label[0].upper() + doc.label[1:])}" + (f" ({size})" if size else "") + "</a>"
        elif style == "download":
            item = f"{title} \u2013 <a {href}>{'Download' if size else 'Read online'}</a>" + (
                f" ({size})" if size else ""
            )
        else:
            item = f"To read {esc(doc.label)}, <a {href}>click here</a>."
        if blurb:
            item += f"<br>{esc(blurb)}"
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

    def fill(self, text: str) -> str:
        return text.format(**self.names())

    def names(self) -> dict[str, str]:
        """What a text about this trust may name: {trust}, {short}, {place}, {hospital}, {phone}, {domain}."""
        return {
            "trust": self.spec.name,
            "short": self.short,
            "place": self.place,
            "hospital": self.hospital,
            "phone": self.phone,
            "domain": self.spec.domain,
        }

    # output -----------------------------------------------------------------
    def write(self, root: Path) -> None:
        """The pages and files, then the robots.txt and sitemap.xml that some sites have."""
        for folder in sorted({posixpath.dirname(p) for p in [*self.files, *self.pages]}):
            (root / folder).mkdir(parents=True, exist_ok=True)
        for path, data in self.files.items():
            (root / path).write_bytes(data)
        for path, page in self.pages.items():
            (root / path).write_bytes(self._render(path, page))
        robots = _robots(self.rng)
        if robots:
            (root / "robots.txt").write_bytes(robots.encode())
        if self.rng.random() < 0.5:
            (root / "sitemap.xml").write_bytes(_sitemap(self).encode())

    def _render(self, path: str, page: Page) -> bytes:
        trust = esc(self.spec.name)
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
                f"\n<h2>{esc(page.items_heading)}</h2>\n<ul>\n" + "\n".join(f"<li>{i}</li>" for i in items) + "\n</ul>"
            )
        if page.date:
            body = f'<p class="date">{page.date:%d %B %Y}</p>\n' + body
        if self.layout == "table":
            doc = (
                '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD>'
                f"<TITLE>{trust} - {esc(page.title)}</TITLE>\n{self._charset()}</HEAD>\n"
                f'<BODY bgcolor="#ffffff"><TABLE width="100%" border=0><TR><TD colspan=2>'
                f"<FONT size=5 color=#005EB8><B>{trust}</B></FONT></TD></TR>\n<TR>"
                '<TD valign=top width=180 bgcolor="#e8edee">'
                + "<BR>\n".join(f'<A HREF="@/{p}">{esc(t)}</A>' for p, t in nav)
                + f"</TD>\n<TD valign=top><H1>{esc(page.title)}</H1>\n{body}</TD></TR>\n"
                "<TR><TD colspan=2><FONT size=1>"
                + " | ".join(f'<A HREF="@/{p}">{esc(t)}</A>' for p, t in foot)
                + f" &copy; {trust}</FONT></TD></TR></TABLE></BODY></HTML>\n"
            )
        else:
            tag = "nav" if self.layout == "modern" else "div"
            crumb_html = " &gt; ".join(f'<a href="@/{p}">{esc(t)}</a>' for p, t in crumbs)
            doc = (
                f'<!DOCTYPE html>\n<html lang="en"><head>{self._charset()}\n'
                f"<title>{esc(page.title)} | {trust}</title></head>\n<body>\n"
                f'<div id="header"><a href="@/index.html" class="logo">{trust}</a></div>\n'
                f'<{tag} id="nav"><ul>'
                + "".join(f'<li><a href="@/{p}">{esc(t)}</a></li>' for p, t in nav)
                + f"</ul></{tag}>\n"
                + (f'<div class="breadcrumb">{crumb_html}</div>\n' if crumbs else "")
                + f'<div id="content"><h1>{esc(page.title)}</h1>\n{body}\n</div>\n'
                '<div id="footer"><ul>'
                + "".join(f'<li><a href="@/{p}">{esc(t)}</a></li>' for p, t in foot)
                + f"</ul><p>&copy; {trust} {self.era.audit_date.year - 1}</p></div>\n"
                "</body></html>\n"
            )
        doc = re.sub(r'(href|HREF)="@/([^"]*)"', lambda m: self._href(path, m), doc)
        if self.encoding == "entities":
            return doc.encode("ascii", "xmlcharrefreplace")
        return doc.encode(self.encoding)

    def _href(self, src: str, match: re.Match[str]) -> str:
        rel = relative_href(src, match.group(2))
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


def relative_href(src: str, dst: str) -> str:
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


def _sitemap(site: Site) -> str:
    # Relative locations: the site's base URL is only known when it is served.
    paths = [*site.pages, *[p for p in site.files if p.endswith(".pdf")][:20]]
    urls = "".join(f"<url><loc>{html.escape(relative_href('index.html', p))}</loc></url>\n" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )
