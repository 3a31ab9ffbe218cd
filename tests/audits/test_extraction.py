import io
import threading
import zipfile

import docx
import pytesseract
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from audits.crawler import extraction
from audits.crawler.extraction import PDF_PAGE_BREAK, decode_html, extract, sniff_kind
from audits.crawler.extraction import pdf as pdf_extraction
from demo.websites.blocks import render_scan

PAGE_URL = "https://www.example-trust.nhs.uk/about-us/equality/index.html"


def make_pdf(pages: list[list[str]], title: str = "") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        for number, line in enumerate(lines):
            pdf.drawString(72, 720 - 20 * number, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_image_only_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for shade in (0.2, 0.5):
        pdf.setFillGray(shade)
        pdf.rect(72, 400, 300, 300, fill=1)
        pdf.circle(200, 200, 50, fill=1)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypt(body: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
    writer.encrypt(user_password=user_password, owner_password="owner", permissions_flag=0)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx() -> bytes:
    word = docx.Document()
    word.core_properties.title = "Equality Delivery System 2023"
    word.add_heading("Equality objectives", level=1)
    word.add_paragraph("We   publish our   workforce race equality standard.")
    word.add_heading("Gender pay gap", level=2)
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Mean gap"
    table.cell(0, 1).text = "12.3%"
    table.cell(1, 0).text = "Median gap"
    table.cell(1, 1).text = "9.8%"
    word.add_heading("Detail", level=4)  # below h3: text, not a heading
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


TEXT_PDF = make_pdf(
    [
        ["Race equality scheme 2024", "Page one body"],
        ["Page two mentions the workforce monitoring data"],
        ["Page three: impact assessments"],
    ],
    title="Race Equality Scheme",
)


def test_text_pdf_reads_pages_title_and_count():
    document = extract(PAGE_URL, "application/pdf", TEXT_PDF)

    assert document.kind == "pdf"
    assert document.error == ""
    assert document.title == "Race Equality Scheme"
    assert document.pages == 3
    assert document.text.split(PDF_PAGE_BREAK) == [
        "Race equality scheme 2024\nPage one body",
        "Page two mentions the workforce monitoring data",
        "Page three: impact assessments",
    ]
    assert document.image_only is False


@pytest.mark.parametrize("metadata_title", ["", "Microsoft Word - GPG report v3.docx"])
def test_pdf_title_falls_back_to_first_line(metadata_title):
    # reportlab, like many tools, writes "untitled" when no title is set.
    body = make_pdf([["", "Gender Pay Gap Report", "Snapshot date"]], title=metadata_title)

    assert extract(PAGE_URL, "application/pdf", body).title == "Gender Pay Gap Report"


def test_octet_stream_pdf_is_sniffed_by_magic_bytes():
    url = "https://x.nhs.uk/download?id=7"
    assert sniff_kind(url, "application/octet-stream", TEXT_PDF) == "pdf"
    document = extract(url, "application/octet-stream", TEXT_PDF)
    assert document.kind == "pdf"
    assert "workforce monitoring" in document.text


def test_image_only_pdf_is_flagged():
    document = extract(PAGE_URL, "application/pdf", make_image_only_pdf())

    assert document.pages == 2
    assert document.image_only is True
    assert document.error == "the PDF has no text layer (scanned images only)"


def test_password_protected_pdf_is_reported():
    document = extract(PAGE_URL, "application/pdf", encrypt(TEXT_PDF, "secret"))

    assert document.kind == "pdf"
    assert document.error == "the PDF is password-protected"
    assert document.text == ""


def test_pdf_with_empty_user_password_and_restrictions_is_read():
    document = extract(PAGE_URL, "application/pdf", encrypt(TEXT_PDF, ""))

    assert document.error == ""
    assert "Page three: impact assessments" in document.text


@pytest.mark.parametrize(
    "body",
    [TEXT_PDF[: len(TEXT_PDF) // 2], b"%PDF-1.4\n" + bytes(range(256)) * 20],
    ids=["truncated", "garbage"],
)
def test_malformed_pdf_is_reported(body):
    document = extract(PAGE_URL, "application/pdf", body)

    assert document.kind == "pdf"
    assert document.error == "the PDF is malformed"


def test_pdf_page_cap_marks_document_truncated(monkeypatch):
    monkeypatch.setattr(pdf_extraction, "MAX_PDF_PAGES", 2)

    document = extract(PAGE_URL, "application/pdf", TEXT_PDF)

    assert document.pages == 3
    assert document.truncated is True
    assert "Page three" not in document.text


def test_read_on_sees_the_first_page_and_the_rest_is_read_only_when_it_asks():
    first_pages = []

    def stop(first_page):
        first_pages.append(first_page)
        return False

    def go_on(first_page):
        first_pages.append(first_page)
        return True

    first_page_only = extract(PAGE_URL, "application/pdf", TEXT_PDF, read_on=stop)
    whole = extract(PAGE_URL, "application/pdf", TEXT_PDF, read_on=go_on)

    assert [page.text for page in first_pages] == ["Race equality scheme 2024\nPage one body"] * 2
    assert first_page_only.text == first_pages[0].text
    assert first_page_only.pages == 3 and first_page_only.truncated is True
    assert whole == extract(PAGE_URL, "application/pdf", TEXT_PDF)


def test_read_on_is_not_asked_about_a_one_page_pdf():
    def read_on(first_page):
        raise AssertionError("a one-page PDF has nothing more to read")

    assert extract(PAGE_URL, "application/pdf", make_pdf([["Visiting times"]]), read_on=read_on).pages == 1


def test_pdfs_extracted_from_many_threads_keep_their_own_text():
    bodies = [make_pdf([[f"Document number {n} for trust {n}"] * 3] * 3) for n in range(8)]
    results: dict[int, str] = {}
    barrier = threading.Barrier(len(bodies))

    def work(n: int) -> None:
        barrier.wait()
        for _ in range(20):  # without the lock PDFium segfaults within a few rounds
            results[n] = extract(PAGE_URL, "application/pdf", bodies[n]).text

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for n in range(len(bodies)):
        assert results[n].count(f"Document number {n} for trust {n}") == 9


def test_docx_reads_title_headings_paragraphs_and_tables():
    document = extract(PAGE_URL, "application/octet-stream", make_docx())

    assert document.kind == "docx"
    assert document.error == ""
    assert document.title == "Equality Delivery System 2023"
    assert document.headings == ["Equality objectives", "Gender pay gap"]
    assert document.text == (
        "Equality objectives\n"
        "We publish our workforce race equality standard.\n"
        "Gender pay gap\n"
        "Mean gap | 12.3%\n"
        "Median gap | 9.8%\n"
        "Detail"
    )


def test_docx_runs_read_as_python_docx_reads_them():
    word = docx.Document()
    paragraph = word.add_paragraph("Equality\tobjectives ")
    run = paragraph.add_run("line one")
    run.add_break()
    run.add_text("line two")
    run.add_break(WD_BREAK.PAGE)
    run.add_text("after the page break")
    paragraph._p.append(
        parse_xml(
            f"<w:hyperlink {nsdecls('w')}><w:r><w:t>linked</w:t><w:noBreakHyphen/><w:t>text</w:t></w:r></w:hyperlink>"
        )
    )
    out = io.BytesIO()
    word.save(out)

    expected = " ".join(docx.Document(io.BytesIO(out.getvalue())).paragraphs[0].text.split())
    assert (
        extract(PAGE_URL, "", out.getvalue()).text
        == expected
        == ("Equality objectives line one line twoafter the page breaklinked-text")
    )


@pytest.mark.parametrize("stored_title", ["", "Microsoft Word - RES final.doc", "equality report v3.docx"])
def test_docx_title_falls_back_to_first_heading(stored_title):
    # A title Word filled in by itself names the file it was saved from, not the document.
    word = docx.Document()
    word.core_properties.title = stored_title
    word.add_paragraph("")
    word.add_heading("Annual equality report", level=1)
    out = io.BytesIO()
    word.save(out)

    assert extract(PAGE_URL, "", out.getvalue()).title == "Annual equality report"


def test_docx_zip_bomb_is_refused_before_inflating():
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(110):
                member.write(bytes(1024 * 1024))
    assert len(body.getvalue()) < 1024 * 1024

    document = extract(PAGE_URL, extraction._DOCX_TYPE, body.getvalue())

    assert document.kind == "docx"
    assert "zip bomb" in document.error
    assert document.text == ""


def zip_of(members: dict[str, str]) -> bytes:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return body.getvalue()


@pytest.mark.parametrize(
    "body",
    [
        b"PK\x03\x04 not really a zip",
        zip_of({"word/document.xml": "<w:document/>"}),
        zip_of({"word/document.xml": "<x/>", "[Content_Types].xml": "<Types/>"}),
    ],
    ids=["not-a-zip", "no-content-types", "no-relationships"],
)
def test_broken_docx_is_not_a_valid_docx(body):
    document = extract("https://x.nhs.uk/a.docx", extraction._DOCX_TYPE, body)

    assert document.kind == "docx"
    assert document.error == "the Word document is not a valid .docx file"


def bare_docx(body_xml: str, doctype: str = "") -> bytes:
    """A package holding only the main document: no styles, no core properties."""
    main_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    office_document = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    return zip_of(
        {
            "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>',
            "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{office_document}" Target="word/document.xml"/></Relationships>',
            "word/document.xml": f"{doctype}<w:document {nsdecls('w')}><w:body>{body_xml}</w:body></w:document>",
        }
    )


def test_docx_without_styles_or_core_properties_is_read():
    body = bare_docx(
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Visiting times</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Open daily</w:t></w:r></w:p>"
    )

    document = extract(PAGE_URL, extraction._DOCX_TYPE, body)

    # No styles part: no style is a heading (python-docx's default styles have none). No core
    # properties: the title comes from the text, not the "Word Document" python-docx made up.
    assert (document.error, document.headings) == ("", [])
    assert (document.title, document.text) == ("Visiting times", "Visiting times\nOpen daily")


def test_docx_entities_are_not_expanded():
    doctype = (
        '<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd"><!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    body = bare_docx("<w:p><w:r><w:t>Board papers &secret;&lol2;</w:t></w:r></w:p>", doctype)

    document = extract(PAGE_URL, extraction._DOCX_TYPE, body)

    assert (document.error, document.text) == ("", "Board papers")


def test_docx_merged_cells_read_once_and_nested_tables_follow_their_table():
    word = docx.Document()
    table = word.add_table(rows=2, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 1))  # across: read once
    table.cell(0, 2).merge(table.cell(1, 2))  # down: read on each row it spans, as python-docx did
    inner = table.cell(1, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "inner a", "inner b"
    inner.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "deeper"
    word.add_paragraph("After the table")
    out = io.BytesIO()
    word.save(out)

    assert extract(PAGE_URL, "", out.getvalue()).text == (
        "r0c0 r0c1 | r0c2 r1c2\nr1c0 | r1c1 | r0c2 r1c2\ninner a | inner b\ndeeper\nAfter the table"
    )


def test_docx_content_controls_and_tracked_insertions_are_not_read_as_python_docx_did_not():
    # Kept as python-docx read documents, so that dropping it changed no finding.
    body = bare_docx(
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>In a content control</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        '<w:p><w:r><w:t>Kept </w:t></w:r><w:ins w:id="1" w:author="A"><w:r><w:t>inserted</w:t></w:r></w:ins></w:p>'
    )

    assert extract(PAGE_URL, extraction._DOCX_TYPE, body).text == "Kept"


def test_legacy_doc_is_left_for_a_person():
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)

    document = extract(PAGE_URL, "application/msword", body)

    assert document.kind == "other"
    assert document.error == "old Word .doc format is not read; open it by hand"


def test_oversized_body_is_refused(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_BODY_BYTES", 1000)

    document = extract(PAGE_URL, "application/pdf", TEXT_PDF)

    assert document.error == "the document is larger than the 0 MB limit for text extraction"


def test_windows_1252_page_decoded_from_meta_charset():
    html = '<html><head><meta charset="windows-1252"><title>Fees</title></head>'
    html += "<body><p>Cost £5 – per year</p></body></html>"

    document = extract(PAGE_URL, "text/html", html.encode("cp1252"))

    assert document.text == "Cost £5 – per year"


def test_http_charset_wins_over_meta():
    # A header that names a real charset is trusted, as browsers do, even when the page's own
    # <meta> disagrees: here the header is right and the meta is stale.
    body = '<meta charset="windows-1252"><p>Café £5</p>'.encode()

    assert "Café £5" in decode_html(body, "utf-8")
    assert "CafÃ© Â£5" in decode_html(body, "iso-8859-1")  # wrong header: mojibake, as in a browser


def test_charset_is_read_from_the_content_type_header():
    body = "<p>Fee €5</p>".encode("iso-8859-15")  # 0xA4: "€" here, "¤" in windows-1252

    document = extract(PAGE_URL, 'text/html; charset="ISO-8859-15"', body)

    assert document.text == "Fee €5"


def test_false_utf8_header_falls_back_to_meta():
    body = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>£5</p>'

    assert "<p>£5</p>" in decode_html(body.encode("cp1252"), "UTF-8")


def test_bogus_charset_names_are_ignored():
    body = '<meta charset="x-made-up"><p>£5 – 2024</p>'.encode("cp1252")

    assert "£5 – 2024" in decode_html(body, "no-such-charset")


def test_undeclared_windows_1252_is_not_left_to_a_detector():
    assert decode_html("Price £10".encode("cp1252"), None) == "Price £10"


def test_utf8_bom_is_removed_and_honoured():
    body = b"\xef\xbb\xbf<html><body><p>Caf\xc3\xa9 \xe2\x80\x93 open</p></body></html>"

    document = extract(PAGE_URL, "text/html", body)

    assert document.text == "Café – open"


def test_html_text_title_headings_and_links():
    html = b"""<!doctype html><html><head>
      <title>  Equality   and diversity </title>
      <base href="/publications/">
      <meta name="description" content="Our equality publications">
      <style>.x { color: red }</style>
    </head><body>
      <nav><a href="/home">Home menu</a><h2>Menu heading</h2></nav>
      <h1>Equality <em>and</em> diversity</h1>
      <p>We publish our <b>WRES</b> report.</p>
      <p>Second paragraph</p>
      <script>var hidden = "script text";</script>
      <noscript>Enable JavaScript</noscript>
      <h3>Reports</h3>
      <ul>
        <li><a href="wres-2024.pdf#page=2">WRES report 2024</a></li>
        <li><a href="mailto:equality@example.nhs.uk">Email us</a></li>
        <li><a href="javascript:void(0)">Print</a></li>
        <li><a href="tel:0123">Call</a></li>
        <li><a href="https://other.example.org/x"><img src="l.png" alt="Partner logo"></a></li>
        <li><a href="gpg.pdf" title="Gender pay gap"></a></li>
        <li><a href="/edi" aria-label="Equality hub"><span></span></a></li>
      </ul>
      <map><area href="map.html" alt="Map area"></map>
    </body></html>"""

    document = extract(PAGE_URL, "text/html; charset=utf-8", html)

    assert document.kind == "html"
    assert document.title == "Equality and diversity"
    assert document.description == "Our equality publications"
    assert document.headings == ["Equality and diversity", "Reports"]
    assert document.text == (
        "Equality and diversity\n"
        "We publish our WRES report.\n"
        "Second paragraph\n"
        "Reports\n"
        "Email us\nPrint\nCall"  # "WRES report 2024" names the linked PDF, not this page
    )
    assert [(link.url, link.text) for link in document.links] == [
        ("https://www.example-trust.nhs.uk/home", "Home menu"),
        ("https://www.example-trust.nhs.uk/publications/wres-2024.pdf", "WRES report 2024"),
        ("https://other.example.org/x", "Partner logo"),
        ("https://www.example-trust.nhs.uk/publications/gpg.pdf", "Gender pay gap"),
        ("https://www.example-trust.nhs.uk/edi", "Equality hub"),
        ("https://www.example-trust.nhs.uk/publications/map.html", "Map area"),
    ]


def test_a_link_that_says_only_download_or_click_here_is_named_by_the_item_around_it():
    html = """<ul>
      <li>Race Equality Scheme 2007–2010 – <a href="/d/doc_17.pdf">Download</a> (PDF, 120KB)</li>
      <li><a href="/d/doc_18.pdf">Download (Word, 40KB)</a></li>
    </ul>
    <p>To read the disability equality scheme, <a href="/d/des.pdf">click here</a>.</p>
    <p>Our <a href="/d/res.pdf">race equality scheme</a> and the <a href="/d/plan.pdf">action plan</a>.</p>
    <div><a href="/d/x.pdf">Download</a></div>""".encode()

    links = extract(PAGE_URL, "text/html", html).links

    assert [link.text for link in links] == [
        "Race Equality Scheme 2007–2010 – Download (PDF, 120KB)",
        "Download (Word, 40KB)",  # nothing around it says more
        "To read the disability equality scheme, click here.",
        "race equality scheme",  # a link that names itself keeps its own words
        "action plan",
        "Download",
    ]


def test_relative_links_resolve_against_the_page_without_base():
    html = b'<a href="../reports/eds.pdf">EDS</a><a href="?page=2">Next</a><a href="#top">Top</a>'

    links = extract(PAGE_URL, "text/html", html).links

    assert [link.url for link in links] == [
        "https://www.example-trust.nhs.uk/about-us/reports/eds.pdf",
        "https://www.example-trust.nhs.uk/about-us/equality/index.html?page=2",
        PAGE_URL,
    ]


def test_html_title_falls_back_to_first_h1():
    assert extract(PAGE_URL, "text/html", b"<h2>Sub</h2><h1>Main</h1>").title == "Main"


def test_deeply_nested_html_is_flattened_not_parsed_for_seconds():
    html = b"<div>" * 100_000 + b'<a href="/deep">deep text</a>' + b"</div>" * 100_000

    document = extract(PAGE_URL, "text/html", html)

    assert document.text == "deep text"
    assert [link.url for link in document.links] == ["https://www.example-trust.nhs.uk/deep"]


def test_plain_text_is_decoded_and_normalised():
    body = "Equality   objectives\r\n\r\n2024 – 2028\n".encode("cp1252")

    document = extract(PAGE_URL[:-10] + "objectives.txt", "text/plain", body)

    assert (document.kind, document.title, document.text) == (
        "text",
        "Equality objectives",
        "Equality objectives\n2024 – 2028",
    )


def test_other_content_has_no_text_and_no_error():
    document = extract(PAGE_URL[:-10] + "logo.png", "image/png", b"\x89PNG\r\n\x1a\n....")

    assert (document.kind, document.text, document.error) == ("other", "", "")


def test_words_that_name_a_linked_document_are_not_the_pages_own_text():
    html = """<html><head><title>Equality objectives</title></head><body>
      <h1>Equality objectives</h1>
      <p>This page describes our work on equality objectives.</p>
      <ul>
        <li><a href="draft-objectives.pdf">Draft equality objectives 2025–2029 for consultation</a> (PDF)</li>
        <li>Equality objectives 2021–2025 – <a href="/files/doc_17.pdf">Download</a> (PDF, 1 MB)</li>
        <li><a href="/equality/progress">Progress report 2024</a></li>
      </ul>
    </body></html>""".encode()

    document = extract(PAGE_URL, "text/html", html)

    # The labels still name the documents they lead to, which are read on their own.
    assert [link.text for link in document.links] == [
        "Draft equality objectives 2025–2029 for consultation",
        "Equality objectives 2021–2025 – Download (PDF, 1 MB)",
        "Progress report 2024",
    ]
    # But they neither date this page nor make it look like the objectives; a link to a page stays.
    assert document.text == (
        "Equality objectives\nThis page describes our work on equality objectives.\n(PDF)\nProgress report 2024"
    )


def _scanned_scheme() -> bytes:
    blocks = [("h1", "Race Equality Scheme 2005-2008"), ("p", "Our arrangements for impact assessment and monitoring.")]
    return render_scan(blocks, None)


def test_a_scanned_pdf_named_as_a_duty_is_read_by_ocr_and_says_so():
    document = extract("https://t.example/res.pdf", "application/pdf", _scanned_scheme(), read_on=lambda page: True)
    assert not document.image_only and not document.error
    assert document.text.startswith("[Text read by OCR from scanned page images]")
    assert "Race Equality Scheme" in document.text


def test_a_scanned_pdf_that_names_no_duty_is_not_read_by_ocr():
    leaflet = _scanned_scheme()
    document = extract("https://t.example/leaflet.pdf", "application/pdf", leaflet, read_on=lambda page: False)
    assert document.image_only


def test_without_tesseract_a_scanned_pdf_stays_unread_and_says_why(monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    document = extract("https://t.example/res.pdf", "application/pdf", _scanned_scheme(), read_on=lambda page: True)
    assert document.image_only
    assert "Tesseract is not installed" in document.error
