"""The demo trust websites: reproducible, internally consistent, and with a known truth."""

import csv
import hashlib
import io
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import docx
import pypdf
import pytest

from demo.websites import DES, ERAS, GPG, MET, NOT_MET, RES, generate, write_register, write_truth


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("sites")
    return root, generate(root / "a", n=10, seed=11) + generate(root / "b", n=10, seed=11, era="2024")


def test_same_seed_gives_identical_bytes(sites, tmp_path):
    root, _ = sites
    generate(tmp_path, n=10, seed=11)
    assert _digest(tmp_path) == _digest(root / "a")


def test_every_internal_link_resolves_except_listed_dead_links(sites):
    root, specs = sites
    for spec in specs:
        site = root / ("a" if spec.era == "2007" else "b") / spec.ods_code.lower()
        files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
        for page in sorted(site.rglob("*.html")):
            parser = _Links()
            parser.feed(page.read_bytes().decode("latin-1"))  # only ASCII matters in hrefs
            base = "http://site/" + page.relative_to(site).as_posix()
            for href in parser.hrefs:
                url = urlsplit(urljoin(base, href))
                if url.scheme not in ("http", "https") or url.netloc != "site":
                    continue  # mailto and other sites
                path = url.path.lstrip("/")
                path = path + "index.html" if path.endswith("/") or not path else path
                assert path in files or path in spec.broken_links, (spec.ods_code, page, href)


def test_documents_open(sites):
    root, _ = sites
    pdfs = sorted(root.rglob("*.pdf"))
    docxs = sorted(root.rglob("*.docx"))
    assert pdfs and docxs
    for path in pdfs:
        assert len(pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages) >= 1
    for path in docxs:
        assert docx.Document(str(path)).paragraphs


def test_truth_keys_are_the_duties_of_the_era(sites):
    _, specs = sites
    for spec in specs:
        duties = set(ERAS[spec.era].not_met_share)
        if spec.era == "2024" and (spec.headcount or 0) < 250:
            duties.discard(GPG)  # the gender pay gap duty applies from 250 staff only
        assert set(spec.truth) == duties == set(spec.notes)
        assert set(spec.truth.values()) <= {MET, NOT_MET}


def test_about_a_third_of_pairs_are_not_met(sites):
    _, specs = sites
    statuses = [status for spec in specs for status in spec.truth.values()]
    assert 0.25 <= statuses.count(NOT_MET) / len(statuses) <= 0.42
    for duty in (RES, DES):  # spread across duties, not piled on one
        assert any(s.truth.get(duty) == NOT_MET for s in specs)


def test_register_and_truth_files(sites, tmp_path):
    _, specs = sites
    urls = {s.ods_code: f"http://127.0.0.{i + 1}:8000/" for i, s in enumerate(specs)}
    write_register(specs, urls, tmp_path / "register.csv")
    write_truth(specs, tmp_path / "truth.json")
    with (tmp_path / "register.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames[:6] == ["ods_code", "name", "org_type", "region", "website", "headcount"]
    assert len(rows) == len(specs)
    # The letterhead a letter is addressed with: a named chief executive and a postal address.
    assert all(row["chief_executive"] and row["address"].count("\n") == 2 and row["postcode"] for row in rows)
    assert '"met"' in (tmp_path / "truth.json").read_text()


def test_benchmark_size_generation_time(tmp_path):
    started = time.perf_counter()
    generate(tmp_path, n=400, seed=2007, pages=30)
    files = sum(1 for p in tmp_path.rglob("*") if p.is_file())
    print(f"400 sites, {files} files in {time.perf_counter() - started:.1f} s")
