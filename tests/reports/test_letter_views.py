# ruff: noqa: F811  (pytest fixtures shared with test_letters are imported by name)
import csv
import io

import pytest
from django.urls import reverse

from reports import letters
from reports.models import Letter
from tests.factories import TrustUserFactory, UserFactory
from tests.reports.test_letter_pdf import pdf_text
from tests.reports.test_letters import (  # noqa: F401  (fixtures)
    _site_url,
    add_findings,
    cycle,
    findings,
    issued,
    other_trust,
    signatory,
    trust,
    trust_user,
)
from tests.test_spreadsheets import HOSTILE_NAMES, assert_csv_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(signatory, trust_user, other_trust):
    return {
        "signatory": signatory,
        "auditor": UserFactory(role="auditor"),
        "owner": trust_user,
        "other_trust": TrustUserFactory(organisation=other_trust),
    }


def _get_pages(letter):
    return {
        "list": reverse("letters:list"),
        "cycle": reverse("letters:cycle", args=[letter.cycle_id]),
        "detail": reverse("letters:detail", args=[letter.pk]),
        "preview": reverse("letters:preview", args=[letter.pk]),
        "download": reverse("letters:download", args=[letter.pk]),
        "mine": reverse("letters:mine"),
    }


# What each person gets from each page of an issued letter.
EXPECTED = {
    "signatory": {"list": 200, "cycle": 200, "detail": 200, "preview": 200, "download": 200, "mine": 302},
    # Every staff role reads the register (reports.view_letter); only signatories act on letters.
    "auditor": {"list": 200, "cycle": 200, "detail": 200, "preview": 200, "download": 200, "mine": 302},
    "owner": {"list": 403, "cycle": 403, "detail": 200, "preview": 403, "download": 200, "mine": 200},
    "other_trust": {"list": 403, "cycle": 403, "detail": 404, "preview": 403, "download": 404, "mine": 200},
}


@pytest.mark.parametrize("person", sorted(EXPECTED))
def test_each_person_opens_letter_pages_exactly_as_their_role_allows(client, issued, people, person):
    client.force_login(people[person])
    for page, url in _get_pages(issued).items():
        assert client.get(url).status_code == EXPECTED[person][page], (person, page)


def test_anonymous_visitor_is_sent_to_sign_in_from_every_letter_page(client, issued):
    for url in _get_pages(issued).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def _post_actions(letter):
    return [
        (reverse("letters:approve", args=[letter.pk]), {}),
        (reverse("letters:issue", args=[letter.pk]), {}),
        (reverse("letters:withdraw", args=[letter.pk]), {"reason": "No."}),
        (reverse("letters:cycle_draft", args=[letter.cycle_id]), {}),
        (reverse("letters:cycle_approve", args=[letter.cycle_id]), {}),
        (reverse("letters:cycle_issue", args=[letter.cycle_id]), {}),
    ]


def _confirmation_pages(letter):
    return [
        reverse("letters:withdraw", args=[letter.pk]),
        reverse("letters:cycle_approve", args=[letter.cycle_id]),
        reverse("letters:cycle_issue", args=[letter.cycle_id]),
    ]


@pytest.mark.parametrize("person", ["auditor", "owner", "other_trust"])
def test_only_a_signatory_may_approve_issue_withdraw_or_draft(client, cycle, trust, findings, people, person):
    letter = letters.draft_letter(cycle, trust)
    client.force_login(people[person])
    for url, data in _post_actions(letter):
        assert client.post(url, data).status_code == 403, url
    for url in _confirmation_pages(letter):
        assert client.get(url).status_code == 403, url
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DRAFT


def test_anonymous_visitor_cannot_post_letter_actions(client, cycle, trust, findings):
    letter = letters.draft_letter(cycle, trust)
    for url, data in _post_actions(letter):
        assert client.post(url, data).status_code == 302, url
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.DRAFT


def test_signatory_approves_and_issues_from_the_letter_page(client, cycle, trust, findings, signatory, trust_user):
    letter = letters.draft_letter(cycle, trust)
    client.force_login(signatory)

    preview = client.get(reverse("letters:preview", args=[letter.pk]))
    client.post(reverse("letters:approve", args=[letter.pk]))
    response = client.post(reverse("letters:issue", args=[letter.pk]), follow=True)

    assert "Ethnic monitoring of the workforce" in pdf_text(preview.content)
    assert "DRAFT: not issued" in pdf_text(preview.content)
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.ISSUED
    assert "is issued" in response.content.decode()


def test_a_refused_move_is_explained_on_the_letter_page(client, issued, signatory):
    client.force_login(signatory)

    response = client.post(reverse("letters:approve", args=[issued.pk]), follow=True)

    assert "only a draft can be approved" in response.content.decode()


def test_trust_user_cannot_see_a_draft_of_their_own_letter(client, cycle, trust, findings, trust_user):
    letter = letters.draft_letter(cycle, trust)
    client.force_login(trust_user)

    assert client.get(reverse("letters:detail", args=[letter.pk])).status_code == 404
    assert client.get(reverse("letters:download", args=[letter.pk])).status_code == 404


def test_download_sends_the_stored_pdf_as_an_attachment(client, issued, trust_user):
    client.force_login(trust_user)

    response = client.get(reverse("letters:download", args=[issued.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="EDA-2007WEBAUDIT-RZA-001.pdf"'
    with issued.pdf.open("rb") as handle:
        assert response.content == handle.read()


def test_download_of_a_tampered_file_is_refused_and_logged(client, issued, trust_user, caplog):
    with open(issued.pdf.path, "ab") as handle:
        handle.write(b"% changed")
    client.force_login(trust_user)

    response = client.get(reverse("letters:download", args=[issued.pk]))

    assert response.status_code == 409
    assert b"%PDF" not in response.content
    assert "reports.letter.tampered" in caplog.text


def test_my_letters_lists_only_my_trusts_issued_letters(client, issued, people):
    client.force_login(people["owner"])
    assert issued.reference in client.get(reverse("letters:mine")).content.decode()

    client.force_login(people["other_trust"])
    assert issued.reference not in client.get(reverse("letters:mine")).content.decode()


def test_register_filters_and_exports_csv(client, issued, cycle, other_trust, signatory):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})
    letters.draft_letter(cycle, other_trust)
    client.force_login(signatory)

    page = client.get(reverse("letters:list"), {"status": "issued"}).content.decode()
    exported = client.get(reverse("letters:list"), {"kind": "compliant", "export": "csv"})

    assert issued.reference in page and "EDA/2007WEBAUDIT/RYY/001" not in page
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [row["Reference"] for row in rows] == ["EDA/2007WEBAUDIT/RYY/001"]
    assert rows[0]["Trust"] == "Hillside NHS Trust (RYY)"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_register_csv_keeps_a_formula_like_trust_name_as_text(client, cycle, other_trust, signatory, name):
    other_trust.name = name
    other_trust.save()
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})
    letters.draft_letter(cycle, other_trust)
    client.force_login(signatory)

    exported = client.get(reverse("letters:list"), {"export": "csv"})

    [row] = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert_csv_text(row["Trust"], f"{name} (RYY)")
    assert row["Reference"] == "EDA/2007WEBAUDIT/RYY/001"


def test_bulk_draft_queues_the_task_after_commit(
    client, cycle, findings, signatory, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("reports.letters._enqueue", lambda *args: queued.append(args))
    client.force_login(signatory)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:cycle_draft", args=[cycle.pk]), follow=True)

    assert queued == [("draft_letters", cycle.pk)]
    assert "Drafting letters" in response.content.decode()


def test_staff_navigation_shows_the_letter_register_to_staff_and_not_to_trusts(client, people):
    client.force_login(people["signatory"])
    assert 'href="/letters/"' in client.get(reverse("letters:list")).content.decode()
    client.force_login(people["auditor"])
    assert 'href="/letters/"' in client.get(reverse("home")).content.decode()
    client.force_login(people["owner"])
    assert 'href="/letters/"' not in client.get(reverse("letters:mine")).content.decode()


# What the signatory sees before signing: the PDF itself, marked as a draft.


def test_the_letter_page_shows_the_draft_pdf_in_a_frame_with_a_download_link(client, cycle, trust, findings, signatory):
    letter = letters.draft_letter(cycle, trust)
    client.force_login(signatory)
    preview_url = reverse("letters:preview", args=[letter.pk])

    page = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    framed = client.get(preview_url)
    saved = client.get(preview_url, {"download": "1"})

    assert f'<iframe class="app-stored-copy" src="{preview_url}"' in page
    assert f'href="{preview_url}?download=1">Download the draft PDF</a>' in page
    assert framed["Content-Type"] == "application/pdf"
    assert framed["Content-Disposition"] == 'inline; filename="EDA-2007WEBAUDIT-RZA-001-DRAFT.pdf"'
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    assert saved["Content-Disposition"] == 'attachment; filename="EDA-2007WEBAUDIT-RZA-001-DRAFT.pdf"'
    text = pdf_text(framed.content)
    assert "DRAFT: not issued" in text
    assert "Dr Jane Smith Chief Executive Riverside Acute NHS Trust Riverside House River Road Leeds LS1 4AB" in text


def test_an_issued_letter_page_frames_the_stored_pdf_unmarked(client, issued, signatory):
    client.force_login(signatory)

    framed = client.get(reverse("letters:preview", args=[issued.pk]))

    with issued.pdf.open("rb") as handle:
        assert framed.content == handle.read()
    assert "not issued" not in pdf_text(framed.content)


def test_a_signatory_with_no_job_title_is_told_to_add_it_before_signing(client, cycle, trust, findings):
    unnamed = UserFactory(role="signatory", first_name="Sam", last_name="Jones")
    letter = letters.draft_letter(cycle, trust)
    client.force_login(unnamed)

    page = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()
    response = client.post(reverse("letters:approve", args=[letter.pk]), follow=True).content.decode()

    assert "Add your full name and job title to your account before you sign" in page
    assert "Add your full name and job title before you sign: your account has no job title." in response
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.DRAFT


# Bulk and irreversible actions: GET says what will happen and to how many; POST does it.


def test_the_letters_page_offers_only_what_there_is_to_do(client, cycle, trust, findings, signatory):
    client.force_login(signatory)
    page = reverse("letters:cycle", args=[cycle.pk])

    def offered() -> list[str]:
        html = client.get(page).content.decode()
        return [b for b in ("Draft missing letters", "Approve every draft", "Issue every approved letter") if b in html]

    assert offered() == ["Draft missing letters"]
    letter = letters.draft_letter(cycle, trust)
    assert offered() == ["Approve every draft"]
    letter = letters.approve_letter(letter, signatory)
    assert offered() == ["Issue every approved letter"]
    letters.issue_letter(letter, signatory)
    assert offered() == []
    assert "There is nothing to draft, approve or issue" in client.get(page).content.decode()


def test_approve_every_draft_is_confirmed_first(client, cycle, trust, other_trust, findings, signatory):
    add_findings(cycle, other_trust, {"race-equality-scheme": "met"})
    letters.draft_letters_for_cycle(cycle)
    client.force_login(signatory)
    url = reverse("letters:cycle_approve", args=[cycle.pk])

    cycle_page = client.get(reverse("letters:cycle", args=[cycle.pk])).content.decode()
    confirmation = client.get(url).content.decode()
    untouched = Letter.objects.filter(cycle=cycle, status=Letter.Status.DRAFT).count()
    done = client.post(url, follow=True).content.decode()

    assert f'href="{url}">Approve every draft</a>' in cycle_page
    assert "Approve 2 draft letters" in confirmation
    assert "signed with your name, Anna Lyons, and your job title, Head of Equality Audit" in confirmation
    assert "Hillside NHS Trust" in confirmation and "Riverside Acute NHS Trust" in confirmation
    assert '<form method="post">' in confirmation and "csrfmiddlewaretoken" in confirmation
    assert untouched == 2
    assert "Approved letters: 2 done." in done
    assert Letter.objects.filter(cycle=cycle, status=Letter.Status.APPROVED).count() == 2


def test_issue_every_approved_letter_is_confirmed_first(
    client, cycle, trust, findings, signatory, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("reports.letters._enqueue", lambda *args: queued.append(args))
    letters.approve_letter(letters.draft_letter(cycle, trust), signatory)
    client.force_login(signatory)
    url = reverse("letters:cycle_issue", args=[cycle.pk])

    cycle_page = client.get(reverse("letters:cycle", args=[cycle.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = client.get(url).content.decode()
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, follow=True).content.decode()

    assert f'href="{url}">Issue every approved letter</a>' in cycle_page
    assert "Issue 1 approved letter<" in confirmation
    assert "Each trust's users will be e-mailed" in confirmation
    assert "An issued letter can never be changed." in confirmation
    assert queued == [("issue_letters", cycle.pk, signatory.pk)]
    assert "Issuing every approved letter" in done


def test_nothing_to_issue_says_so(client, cycle, signatory):
    client.force_login(signatory)

    page = client.get(reverse("letters:cycle_issue", args=[cycle.pk])).content.decode()

    assert "Issue 0 approved letters" in page
    assert "nothing to issue" in page
    assert '<form method="post">' not in page


def test_withdrawing_a_letter_is_confirmed_with_a_reason(client, issued, signatory):
    client.force_login(signatory)
    url = reverse("letters:withdraw", args=[issued.pk])

    detail = client.get(reverse("letters:detail", args=[issued.pk])).content.decode()
    confirmation = client.get(url).content.decode()
    assert Letter.objects.get(pk=issued.pk).status == Letter.Status.ISSUED
    done = client.post(url, {"reason": "Sent to the wrong address."}, follow=True).content.decode()

    assert f'href="{url}">Withdraw the letter</a>' in detail
    assert "Withdraw letter EDA/2007WEBAUDIT/RZA/001" in confirmation
    assert "A withdrawal cannot be undone." in confirmation
    assert "Why is this letter withdrawn?" in confirmation
    assert "is withdrawn" in done
    assert Letter.objects.get(pk=issued.pk).withdrawal_reason == "Sent to the wrong address."


def test_confirmed_actions_need_the_csrf_token(cycle, trust, findings, signatory):
    from django.test import Client

    letter = letters.draft_letter(cycle, trust)
    client = Client(enforce_csrf_checks=True)
    client.force_login(signatory)

    for url, data in _post_actions(letter):
        assert client.post(url, data).status_code == 403, url
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.DRAFT


# Drafting: every trust gets a letter or a stated reason.


def test_the_cycle_page_lists_each_trust_without_a_letter_and_why(
    client, cycle, trust, other_trust, findings, signatory
):
    add_findings(cycle, other_trust, {"race-equality-scheme": "review"})
    client.force_login(signatory)

    page = client.get(reverse("letters:cycle", args=[cycle.pk])).content.decode()

    assert "Trusts without a letter (2)" in page
    assert "Findings still wait for a reviewer&#x27;s decision: Race equality scheme (needs review)." in page
    assert "Not yet drafted: its findings are settled." in page
    letters.draft_letters_for_cycle(cycle)
    page = client.get(reverse("letters:cycle", args=[cycle.pk])).content.decode()
    assert "Trusts without a letter (1)" in page
    assert "Riverside Acute NHS Trust</th>" not in page


def test_an_admin_gives_a_signatory_the_job_title_letters_are_signed_with(client, cycle, trust, findings):
    person = UserFactory(role="signatory", first_name="Sam", last_name="Jones")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:trusts_user_change", args=[person.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(job_title="Director of Regulation", date_joined_0="2026-01-01", date_joined_1="09:00")
    data.update(groups=[group.pk for group in person.groups.all()], user_permissions=[])
    data.pop("date_joined", None)
    data.pop("last_login", None)

    assert 'name="job_title"' in page.content.decode()
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    letter = letters.approve_letter(letters.draft_letter(cycle, trust), person)
    assert (letter.signatory_name, letter.signatory_title) == ("Sam Jones", "Director of Regulation")


def test_approve_every_draft_tells_a_signatory_without_a_job_title_to_add_one(client, cycle, trust, findings):
    letters.draft_letter(cycle, trust)
    client.force_login(UserFactory(role="signatory", first_name="Sam", last_name="Jones"))
    url = reverse("letters:cycle_approve", args=[cycle.pk])

    page = client.get(url).content.decode()
    refused = client.post(url, follow=True).content.decode()

    assert "Add your full name and job title to your account before you sign" in page
    assert "Approve and sign" not in page
    assert "Add your full name and job title before you sign" in refused
    assert Letter.objects.get(cycle=cycle).status == Letter.Status.DRAFT


def test_the_letter_page_names_people_not_usernames_or_template_files(client, cycle, trust, findings):
    signatory = UserFactory(
        role="signatory", username="hcarter", first_name="Helen", last_name="Carter", job_title="Director of Audit"
    )
    letter = letters.approve_letter(letters.draft_letter(cycle, trust), signatory)
    client.force_login(signatory)

    page = client.get(reverse("letters:detail", args=[letter.pk])).content.decode()

    assert "by Helen Carter" in page and "by hcarter" not in page
    assert "letters/action_required/v2.html" not in page and "template" not in page.lower().split("<main")[1]


def test_the_trusts_without_a_letter_are_listed_fifty_a_page(client, cycle, signatory):
    from tests.factories import DutyFactory, FindingFactory

    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    for n in range(55):
        FindingFactory(
            site_check__cycle=cycle,
            site_check__organisation__ods_code=f"R{n:02d}",
            site_check__organisation__name=f"Trust {n:02d}",
            duty=duty,
            status="met",
        )
    client.force_login(signatory)
    first = client.get(reverse("letters:cycle", args=[cycle.pk])).content.decode()
    second = client.get(reverse("letters:cycle", args=[cycle.pk]), {"page": 2}).content.decode()

    assert "Trusts without a letter (55)" in first
    assert "Trust 49" in first and "Trust 50" not in first
    assert "Trust 50" in second and "Trust 54" in second and "Trust 49" not in second
    assert 'aria-label="Pages of trusts without a letter"' in first
