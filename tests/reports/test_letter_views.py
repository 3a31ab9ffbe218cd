# ruff: noqa: F811  (pytest fixtures shared with test_letters are imported by name)
import csv
import io

import pytest
from django.urls import reverse

from reports import letters
from reports.models import Letter
from tests.factories import TrustUserFactory, UserFactory
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


@pytest.mark.parametrize("person", ["auditor", "owner", "other_trust"])
def test_only_a_signatory_may_approve_issue_withdraw_or_draft(client, cycle, trust, findings, people, person):
    letter = letters.draft_letter(cycle, trust)
    client.force_login(people[person])
    for url, data in _post_actions(letter):
        assert client.post(url, data).status_code == 403, url
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

    assert b"Ethnic monitoring of the workforce" in preview.content
    assert b"DRAFT" in preview.content
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
