import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audits.models import Evidence
from tests.factories import FindingFactory, TrustUserFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE_PAGE = b"<html><body><h1>Race Equality Scheme</h1><script>steal()</script></body></html>"


def _finding_with_evidence(content_type: str, body: bytes):
    finding = FindingFactory()
    evidence = Evidence(
        site_check=finding.site_check,
        url="http://trust.example/res",
        final_url="http://trust.example/res",
        content_type=content_type,
        sha256="ab" * 32,
        size=len(body),
        fetched_at=timezone.now(),
    )
    evidence.file.save("copy", ContentFile(body), save=False)
    evidence.save()
    finding.evidence = evidence
    finding.save()
    return finding


def _url(finding) -> str:
    return reverse("audits:finding_stored_copy", args=[finding.cycle_id, finding.pk])


def test_staff_see_a_stored_web_page_sandboxed_so_its_scripts_never_run(client):
    finding = _finding_with_evidence("text/html; charset=utf-8", HOSTILE_PAGE)
    client.force_login(UserFactory(role="reviewer"))

    response = client.get(_url(finding))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == HOSTILE_PAGE
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get(reverse("audits:finding_detail", args=[finding.cycle_id, finding.pk])).content.decode()
    assert f'sandbox src="{_url(finding)}"' in page


def test_a_stored_pdf_is_shown_inline_in_the_browsers_viewer(client):
    finding = _finding_with_evidence("application/pdf", b"%PDF-1.4 stored")
    client.force_login(UserFactory(role="auditor"))

    response = client.get(_url(finding))

    assert response["Content-Type"] == "application/pdf"
    assert "attachment" not in response.get("Content-Disposition", "")
    # Not sandboxed (the viewer would refuse to render), but nothing loads and only we may frame it.
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"


def test_trust_users_cannot_open_the_staff_viewer_and_visitors_must_sign_in(client):
    finding = _finding_with_evidence("text/html", HOSTILE_PAGE)
    client.force_login(TrustUserFactory(organisation=finding.organisation))
    assert client.get(_url(finding)).status_code == 403
    client.logout()
    assert client.get(_url(finding)).status_code == 302


def test_a_finding_without_a_stored_copy_answers_404(client):
    finding = FindingFactory()
    client.force_login(UserFactory(role="auditor"))
    assert client.get(_url(finding)).status_code == 404


# A document a browser frame cannot show is read as its text on the finding page


def _page(client, finding) -> str:
    return client.get(reverse("audits:finding_detail", args=[finding.cycle_id, finding.pk])).content.decode()


def test_a_word_document_is_shown_as_its_text_with_the_match_marked_and_a_download(client):
    finding = _finding_with_evidence(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04 docx bytes"
    )
    Evidence.objects.filter(pk=finding.evidence_id).update(
        text="Equality objectives 2024\nWe will publish our\nrace equality   scheme <b>each</b> year.\nEnd.",
        snippet="publish our race equality scheme",
    )
    client.force_login(UserFactory(role="reviewer"))

    page = _page(client, finding)

    assert "<mark>publish our\nrace equality   scheme</mark>" in page
    assert "&lt;b&gt;each&lt;/b&gt;" in page  # the document's text is text, never markup
    assert 'sandbox src="' not in page  # no empty sandboxed box
    download = _url(finding) + "?download=1"
    assert download in page
    response = client.get(download)
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_a_document_with_no_text_says_so_plainly(client):
    finding = _finding_with_evidence("application/pdf", b"%PDF-1.4 scanned")
    Evidence.objects.filter(pk=finding.evidence_id).update(
        error="the PDF has no text layer (it is scanned images only)"
    )
    client.force_login(UserFactory(role="reviewer"))

    page = _page(client, finding)

    assert "No text could be read from this document (it may be a scanned image). " in page
    assert "Download it</a> to read it." in page
    assert '<iframe class="app-stored-copy" src=' not in page


def test_a_readable_pdf_is_still_shown_in_the_browsers_viewer(client):
    finding = _finding_with_evidence("application/pdf", b"%PDF-1.4 stored")
    client.force_login(UserFactory(role="reviewer"))
    assert f'<iframe class="app-stored-copy" src="{_url(finding)}"' in _page(client, finding)
