# ruff: noqa: F811  (the trust portal's fixtures are imported and used by name)
"""What a person reads: a trust's status page, the national report and the letters page, tested as read."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditCycle
from reports.models import Letter
from reports.words import excerpt, noun_phrase, what_we_found, with_article, with_your
from tests.factories import FindingFactory, UserFactory
from tests.reports.test_trust_portal import (  # noqa: F401  (fixtures)
    duties,
    findings,
    make_finding,
    other_trust,
    published,
    trust,
    user,
)

pytestmark = pytest.mark.django_db

MET_RATIONALE = (
    "Found the race equality scheme: “Race Equality Scheme 2005-2008” (PDF, https://www.raa.nhs.example/res.pdf), "
    "linked from https://www.raa.nhs.example/equality as “Race equality scheme”. It counts because it is named as "
    "such in its heading, opening lines, link text and web address, and contains what the duty requires; it "
    "covers 2005–2008, which includes the audit date (1 April 2007)."
)


def _text(html: str) -> str:
    """The words on the page as a person reads them (tags dropped, spaces collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _status(client, user):
    client.force_login(user)
    return client.get(reverse("trust:status")).content.decode()


# A trust's status page


def test_status_page_leads_with_a_summary_table_not_met_first_with_jump_links(client, user, findings, published):
    page = _status(client, user)

    table = page[page.index("<table") : page.index("</table>")]
    assert "Your duties in the 2007 web audit" in table
    rows = re.findall(r'<a class="govuk-link" href="#duty-\d+-([a-z-]+)">', table)
    assert rows[0] == "disability-equality-scheme"  # not met comes first
    assert sorted(rows) == sorted(f.duty.code for f in findings[0])
    for code in rows:  # every jump link has its section, and the table comes before the sections
        assert page.index(f'id="duty-{published.pk}-{code}"') > page.index("</table>")
    assert "Publish it on your website and tell us where" in _text(table)
    assert "Nothing: keep it published" in _text(table)


def test_the_summary_sentence_is_said_once(client, user, findings):
    page = _status(client, user)
    assert page.count("4 of 5 duties met in the 2007 web audit") == 1


def test_deadline_comes_from_the_trusts_issued_letter(client, user, trust, findings, published):
    Letter.objects.create(
        cycle=published,
        organisation=trust,
        kind=Letter.Kind.ACTION_REQUIRED,
        sequence=1,
        reference="HER/2007/RAA/1",
        template_name="letters/action_required/v1.html",
        template_version="1",
        addressee="Chief Executive",
        status=Letter.Status.ISSUED,
        issued_at=timezone.make_aware(datetime.datetime(2007, 5, 2, 10, 0)),
        deadline=datetime.date(2007, 8, 1),
    )
    page = _text(_status(client, user))
    assert "Disability equality scheme Not met Publish it on your website and tell us where 1 August 2007" in page
    assert "Our letter HER/2007/RAA/1 of 2 May 2007 asks you to publish what is missing by 1 August 2007" in page


def test_no_deadline_without_an_issued_letter(client, user, findings):
    page = _text(_status(client, user))
    assert "Disability equality scheme Not met Publish it on your website and tell us where – None" in page


def test_what_we_found_is_plain_english_with_the_engines_words_one_click_away(client, user, findings):
    met, not_met = findings[0][0], findings[0][3]
    type(met).objects.filter(pk=met.pk).update(rationale=MET_RATIONALE)
    type(met).objects.filter(pk=not_met.pk).update(
        rationale="No disability equality scheme was found in the 40 pages and documents read on the trust's website."
    )
    html = _status(client, user)
    page = _text(html)

    assert "We found your race equality scheme (2005–2008) on your website." in page
    assert "We could not find a disability equality scheme on your website." in page
    # The engine's rationale is still there, inside a details component a person opens.
    details = re.findall(r'<details class="govuk-details.*?</details>', html, re.DOTALL)
    assert any("named as such in its heading, opening lines, link text and web address" in block for block in details)
    assert "named as such" not in _text(html.split("<details")[0])
    assert "How the audit decided" in page


def test_evidence_is_a_link_with_words_and_the_excerpt_is_cut_at_words(client, user, findings):
    evidence = findings[0][0].evidence
    evidence.title = "Race Equality Scheme 2005-2008"
    evidence.snippet = (
        "ealth Trust is committed to promoting race equality and this scheme sets out how we will meet our "
        "general duty under the Race Relations (Amendment) Act 2000 for the years 2005 to 2008 and our improv"
    )
    evidence.save()
    html = _status(client, user)

    assert (
        '<a class="govuk-link" href="https://www.raa.nhs.example/equality/race-equality-scheme.pdf" '
        'rel="noopener noreferrer">Race Equality Scheme 2005-2008'
    ) in html
    assert "<code>https://" not in html  # no raw address where a person reads
    assert "…Trust is committed to promoting race equality" in html
    assert "for the years 2005 to 2008 and our…" in html
    assert "ealth" not in html and "improv" not in html


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("Our race equality scheme 2005 to 2008", "Our race equality scheme 2005 to 2008"),
        ("quality scheme covers the years", "…scheme covers the years"),
        ("The scheme. " + "word " * 40 + "endi", "The scheme. " + " ".join(["word"] * 40) + "…"),
        ("", ""),
    ],
)
def test_excerpt_cuts_only_at_word_boundaries(snippet, expected):
    assert excerpt(snippet) == expected


@pytest.mark.parametrize(
    ("title", "sentence"),
    [
        ("Race equality scheme", "We could not find a race equality scheme on your website."),
        ("Workforce ethnic monitoring (race employment duty)", "We could not find workforce ethnic monitoring on"),
        ("Results of race equality impact assessments", "We could not find results of race equality impact"),
        ("Website accessibility statement", "We could not find a website accessibility statement on"),
        ("Equality information (public sector equality duty)", "We could not find equality information on"),
    ],
)
def test_not_found_sentences_read_as_english(title, sentence):
    finding = FindingFactory.build(status="not_met", rationale="No such document was found.")
    finding.duty.title = title
    assert what_we_found(finding).startswith(sentence)


def test_noun_phrases_for_sentences():
    assert with_your(noun_phrase("Results of race equality impact assessments"), "their") == (
        "the results of their race equality impact assessments"
    )
    assert with_your(noun_phrase("Workforce ethnic monitoring (race employment duty)"), "their") == (
        "their workforce ethnic monitoring"
    )
    assert with_article(noun_phrase("Freedom of Information publication scheme")) == (
        "a Freedom of Information publication scheme"
    )
    assert noun_phrase("Workforce Race Equality Standard (WRES) report") == (
        "Workforce Race Equality Standard (WRES) report"
    )


def test_out_of_date_document_says_so_in_plain_words(client, user, findings):
    finding = findings[0][3]
    type(finding).objects.filter(pk=finding.pk).update(
        rationale=(
            "The only disability equality scheme found is out of date: “DES” (PDF, https://x.example/d.pdf); "
            "it covers 2001–2004, which had ended by the audit date (1 April 2007)."
        )
    )
    page = _text(_status(client, user))
    assert (
        "We found your disability equality scheme on your website, but it is out of date: it covers 2001–2004, "
        "which had ended by the audit date (1 April 2007)."
    ) in page


def test_status_page_shows_no_raw_status_code(client, user, findings):
    html = _status(client, user)
    words = _text(html)
    assert "not_met" not in words and "Needs review" not in words
    for code in (">met<", ">not_met<", ">review<", ">error<"):
        assert code not in html


def test_staff_cannot_open_the_trust_page(client, findings):
    client.force_login(UserFactory(role="auditor"))
    assert client.get(reverse("trust:status")).status_code == 403


def test_closed_cycle_keeps_its_summary_table(client, user, findings, published):
    published.status = AuditCycle.Status.CLOSED
    published.save()
    page = _text(_status(client, user))
    assert "Your duties in the 2007 web audit" in page
    assert "This audit is closed: its results are final." in page


# The national report


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(role="auditor"))
    return client


@pytest.fixture
def two_audits(duties):
    """Three trusts in 2006 and 2007 on the race equality scheme: one improved, one fell back, one the same."""
    from tests.factories import AuditCycleFactory, OrganisationFactory

    old = AuditCycleFactory(name="2006 web audit", audit_date="2006-04-01", status=AuditCycle.Status.CLOSED)
    new = AuditCycleFactory(name="2007 web audit", audit_date="2007-04-01", status=AuditCycle.Status.PUBLISHED)
    old.duties.add(duties[0])
    new.duties.add(duties[0])
    rows = [("RAA", "Alderbrook NHS Trust", "not_met", "met"), ("RBB", "Birchfield NHS Trust", "met", "not_met")]
    rows.append(("RCC", "Cedar NHS Trust", "met", "met"))
    for ods, name, then, now in rows:
        organisation = OrganisationFactory(ods_code=ods, name=name)
        FindingFactory(site_check__cycle=old, site_check__organisation=organisation, duty=duties[0], status=then)
        FindingFactory(site_check__cycle=new, site_check__organisation=organisation, duty=duties[0], status=now)
    return old, new


def test_comparison_lists_the_trusts_that_improved_and_fell_back(staff_client, two_audits):
    old, new = two_audits
    response = staff_client.get(reverse("national:compare", kwargs={"pk": new.pk, "other_pk": old.pk}))
    page = _text(response.content.decode())

    improved = page[page.index("Trusts that improved (1)") : page.index("Trusts that fell back")]
    declined = page[page.index("Trusts that fell back (1)") :]
    assert "Alderbrook NHS Trust (RAA): now meets Race equality scheme" in improved
    assert "Birchfield NHS Trust (RBB): no longer meets Race equality scheme" in declined
    assert "Cedar" not in page  # the same in both: neither list
    # Two of three met in each cycle: no change, and a percentage of three trusts.
    assert "No change" in page and "+0.0 points" not in page


def test_a_comparison_chosen_from_the_earlier_report_reads_forwards_in_time(staff_client, two_audits):
    old, new = two_audits
    response = staff_client.get(reverse("national:compare_choose", args=[old.pk]), {"other": new.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("national:compare", kwargs={"pk": new.pk, "other_pk": old.pk})
    page = _text(response.content.decode())
    assert "2007 web audit compared with 2006 web audit" in page
    improved = page[page.index("Trusts that improved (1)") : page.index("Trusts that fell back")]
    assert "Alderbrook NHS Trust (RAA): now meets Race equality scheme" in improved
    # A cycle compared with itself is just its report.
    itself = staff_client.get(reverse("national:compare", kwargs={"pk": new.pk, "other_pk": new.pk}))
    assert itself["Location"] == reverse("national:report", args=[new.pk])


def test_report_marks_percentages_of_fewer_than_ten_trusts(staff_client, two_audits):
    _, new = two_audits
    page = _text(staff_client.get(reverse("national:report", kwargs={"pk": new.pk})).content.decode())
    assert "67% of trusts (2 out of 3: a small number, read with care) had published their race equality scheme" in page
    assert "66.7% (small number, read with care)" in page


def test_report_links_to_the_open_data_page_not_a_file_path(staff_client, two_audits):
    _, new = two_audits
    page = staff_client.get(reverse("national:report", kwargs={"pk": new.pk})).content.decode()
    assert "docs/open-data.md" not in page
    assert f'href="{reverse("national:open_data")}"' in page

    schema = staff_client.get(reverse("national:open_data"))
    assert schema.status_code == 200
    words = _text(schema.content.decode())
    assert "Open data: findings and national figures" in words
    assert '<th scope="col" class="govuk-table__header">Field</th>' in schema.content.decode()
    assert "<code>evidence_sha256</code>" in schema.content.decode()
    # The document's sections come straight under the page's h1, and each example is a region of its own.
    assert '<h2 class="govuk-heading-m">Findings (<code>findings/1</code>)</h2>' in schema.content.decode()
    assert 'aria-label="Example 1"' in schema.content.decode() and 'aria-label="Example 2"' in schema.content.decode()
    assert '"schema": "national-report/1"' in schema.content.decode().replace("&quot;", '"')


def test_open_data_page_is_for_staff(client):
    client.force_login(_trust_user())
    assert client.get(reverse("national:open_data")).status_code == 403


def _trust_user():
    from tests.factories import TrustUserFactory

    return TrustUserFactory()


def test_pdf_has_dates_in_words_and_its_charts(staff_client, two_audits):
    import io

    from pypdf import PdfReader

    old, new = two_audits
    response = staff_client.get(reverse("national:report_pdf", kwargs={"pk": new.pk}))
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "As at 1 April 2007." in text
    assert "2007-04-01" not in text
    assert "(2 out of 3: a small number, read with care)" in text
    # The charts are drawn in the PDF: their labels are there as text beside the bars.
    assert text.count("Race equality scheme") >= 2
    assert "66.7%" in text


# Live progress on a cycle's letters


@pytest.fixture
def signatory_client(client):
    client.force_login(UserFactory(role="signatory"))
    return client


def _letters_page(client, cycle):
    return client.get(reverse("letters:cycle", kwargs={"cycle_pk": cycle.pk})).content.decode()


def _letters_json(client, cycle):
    response = client.get(reverse("letters:cycle_progress", kwargs={"cycle_pk": cycle.pk}))
    assert response.status_code == 200
    return response.json()


def test_letters_page_follows_drafting_live_until_nothing_is_queued(signatory_client, findings, published):
    from trusts import activity

    assert _letters_json(signatory_client, published)["queued"] is False
    assert "data-letters-progress-url" not in _letters_page(signatory_client, published)

    activity.record("reports.letters.draft_queued", None, published)

    page = _letters_page(signatory_client, published)
    progress_url = reverse("letters:cycle_progress", kwargs={"cycle_pk": published.pk})
    assert f'data-letters-progress-url="{progress_url}"' in page
    assert 'src="/static/js/letters-progress.mjs"' in page
    assert "Drafting letters: 0 drafted so far, 2 still to draft. This page updates itself." in _text(page)
    assert "Refresh" not in page
    progress = _letters_json(signatory_client, published)
    assert (progress["queued"], progress["drafting"], progress["issuing"]) == (True, True, False)
    assert (progress["draft"], progress["approved"], progress["issued"], progress["without_letter"]) == (0, 0, 0, 2)

    # Every trust has its letter: nothing is queued any more, and the page stops polling.
    for organisation in {f.organisation for group in findings for f in group}:
        Letter.objects.create(
            cycle=published,
            organisation=organisation,
            kind=Letter.Kind.COMPLIANT,
            sequence=1,
            reference=f"HER/2007/{organisation.ods_code}/1",
            template_name="letters/compliant/v1.html",
            template_version="1",
            addressee="Chief Executive",
        )
    progress = _letters_json(signatory_client, published)
    assert (progress["queued"], progress["draft"], progress["without_letter"]) == (False, 2, 0)
    assert "data-letters-progress-url" not in _letters_page(signatory_client, published)


def test_letters_page_follows_issuing_while_approved_letters_wait(signatory_client, trust, findings, published):
    from trusts import activity

    Letter.objects.create(
        cycle=published,
        organisation=trust,
        kind=Letter.Kind.ACTION_REQUIRED,
        sequence=1,
        reference="HER/2007/RAA/1",
        template_name="letters/action_required/v1.html",
        template_version="1",
        addressee="Chief Executive",
        status=Letter.Status.APPROVED,
    )
    activity.record("reports.letters.issue_queued", None, published)

    progress = _letters_json(signatory_client, published)
    assert (progress["queued"], progress["issuing"], progress["approved"]) == (True, True, 1)
    assert "Issuing letters: 0 issued so far, 1 still to issue." in _text(_letters_page(signatory_client, published))


def test_letters_progress_is_for_staff_who_read_letters(client, user, published):
    client.force_login(user)
    assert client.get(reverse("letters:cycle_progress", kwargs={"cycle_pk": published.pk})).status_code == 403
