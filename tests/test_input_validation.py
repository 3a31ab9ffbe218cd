"""Issue 15, found 3-5: URLs read as a browser reads them, bad input answered with a message (never a
500), no-store on signed-in responses, the client address behind trusted proxies, and names without
text-direction tricks."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audits import responses
from audits.models import AuditCycle, SiteCheck, TrustResponse
from reports import letters
from reports.models import Letter
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)
from trusts import activity, validators
from trusts.models import ActivityRecord, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust():
    return OrganisationFactory(ods_code="RAA", name="Alderbrook NHS Trust", website="https://trust.nhs.uk/")


@pytest.fixture
def finding(trust, monkeypatch):
    monkeypatch.setattr("audits.services._enqueue", lambda ids, duty_codes=None: None)
    cycle = AuditCycleFactory(name="2007 web audit", status=AuditCycle.Status.CLOSED, started_at=timezone.now())
    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    cycle.duties.add(duty)
    check = SiteCheckFactory(cycle=cycle, organisation=trust, state=SiteCheck.State.DONE)
    return FindingFactory(site_check=check, duty=duty, status="not_met", reviewed_status="not_met")


# Found 3: web addresses as a browser reads them


@pytest.mark.parametrize(
    ("url", "own"),
    [
        ("https://trust.nhs.uk/res.pdf", True),
        ("http://trust.nhs.uk/res.pdf", True),
        ("https://www.trust.nhs.uk/res.pdf", True),
        ("https://trust.nhs.uk:443/res.pdf", True),
        ("http://evil.example\\@trust.nhs.uk/", False),
        ("https://trust.nhs.uk\\@evil.example/", False),
        ("https://user:pw@trust.nhs.uk/", False),
        ("https://user@trust.nhs.uk/", False),
        ("https://trust.nhs.uk:8443/", False),
        ("https://trust.nhs.uk:80/", False),
        ("https://evil.example#@trust.nhs.uk/", False),
        ("https://evil.example?@trust.nhs.uk/", False),
        ("https://trust.nhs.uk.evil.example/", False),
        ("javascript://trust.nhs.uk/%0aalert(1)", False),
    ],
)
def test_own_site_check_reads_addresses_as_a_browser_does(trust, url, own):
    assert responses.is_on_own_site(url, trust) is own


def test_a_trust_website_with_a_port_accepts_that_port_only():
    trust = OrganisationFactory(ods_code="RPP", website="http://127.0.0.1:8123/")
    assert responses.is_on_own_site("http://127.0.0.1:8123/res.pdf", trust)
    assert not responses.is_on_own_site("http://127.0.0.1/res.pdf", trust)
    assert not responses.is_on_own_site("http://127.0.0.1:8124/res.pdf", trust)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://evil.example\\@trust.nhs.uk/", "backslash"),
        ("https://user:pw@trust.nhs.uk/", "user name or password"),
        ("https://trust.nhs.uk:8443/res.pdf", "only"),
    ],
)
def test_the_answer_form_refuses_tricky_addresses_with_a_message(client, trust, finding, url, says):
    client.force_login(TrustUserFactory(organisation=trust))
    finding.cycle.status = AuditCycle.Status.PUBLISHED
    finding.cycle.save()

    response = client.post(reverse("trust:finding", args=[finding.pk]), {"comment": "Here.", "urls": url})

    assert response.status_code == 200
    assert says in response.content.decode()
    assert not TrustResponse.objects.exists()


def test_a_website_with_credentials_or_a_backslash_is_refused_by_the_model():
    for website in ("https://user:pw@trust.nhs.uk/", "http://evil.example\\@trust.nhs.uk/"):
        organisation = Organisation(ods_code="RQQ", name="Q NHS Trust", org_type="acute", website=website)
        with pytest.raises(ValidationError) as error:
            organisation.full_clean()
        assert "website" in error.value.message_dict


# Found 5: names with right-to-left overrides and control characters


@pytest.mark.parametrize("name", ["\u202eTSURT SHN", "Trust\u2066 NHS", "Trust\x00NHS", "Trust\tNHS", "Trust\x1b"])
def test_a_trust_name_with_control_or_direction_characters_is_refused_by_the_model(name):
    organisation = Organisation(ods_code="RQQ", name=name, org_type="acute")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "control or text-direction character" in " ".join(error.value.message_dict["name"])


def test_the_organisation_admin_refuses_a_right_to_left_override_in_a_name(client, trust):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:trusts_organisation_change", args=[trust.pk])
    data = {
        "ods_code": "RAA",
        "name": "\u202eTSURT SHN kroowlA",
        "org_type": "acute",
        "region": "London",
        "website": "https://trust.nhs.uk/",
        "headcount": "",
        "chief_executive": "",
        "address": "",
        "postcode": "",
        "opened_on": "",
        "closed_on": "",
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert "U+202E (right-to-left override)" in response.content.decode()
    trust.refresh_from_db()
    assert trust.name == "Alderbrook NHS Trust"


def test_the_organisation_admin_takes_a_website_typed_without_its_scheme_as_https(client, trust):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:trusts_organisation_change", args=[trust.pk])
    data = {"ods_code": trust.ods_code, "name": trust.name, "org_type": "acute", "website": "www.alderbrook.nhs.uk"}
    blank = ["region", "headcount", "chief_executive", "address", "postcode", "opened_on", "closed_on"]
    data |= dict.fromkeys(blank, "")

    assert client.post(url, data).status_code == 302
    trust.refresh_from_db()
    assert trust.website == "https://www.alderbrook.nhs.uk"


def test_names_keep_ordinary_accents_and_punctuation():
    validators.validate_single_line("St Helen’s & Knowsley – Teaching Hospitals (Ysbyty Gwynedd) NHS Trust")


# Found 4: never a 500


def test_compare_with_a_unicode_digit_goes_back_to_the_report(client):
    cycle = AuditCycleFactory(status=AuditCycle.Status.PUBLISHED)
    client.force_login(UserFactory(role="auditor"))

    for other in ("²", "٣", "99999999999999999999", "-1"):
        response = client.get(reverse("national:compare_choose", args=[cycle.pk]), {"other": other})
        assert response.status_code == 302
        assert response["Location"] == reverse("national:report", args=[cycle.pk])


def test_bulk_review_with_a_huge_or_unicode_id_is_refused_with_a_message(client, finding):
    client.force_login(UserFactory(role="reviewer"))
    url = reverse("audits:cycle_review", args=[finding.cycle_id])

    for value in ("99999999999999999999:1", "²:1", f"{finding.pk}:99999999999999999999", "0:1"):
        response = client.post(url, {"findings": value, "reason": "Checked."})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()


def test_a_huge_id_in_the_path_is_not_found(client):
    client.force_login(UserFactory(role="auditor"))
    assert client.get("/audits/cycles/99999999999999999999/").status_code == 404
    assert client.get("/audits/cycles/1/findings/99999999999999999999/").status_code == 404


def test_a_nul_byte_in_any_parameter_is_a_400_page_that_says_so(client, finding):
    client.force_login(UserFactory(role="reviewer"))

    response = client.get(reverse("audits:cycle_list"), {"page": "1\x00"})

    assert response.status_code == 400
    assert "control character, U+0000" in response.content.decode()


def test_a_resolve_note_with_a_nul_or_control_character_is_refused(trust, finding):
    answer = responses.submit_response(
        finding, TrustUserFactory(organisation=trust), "Here.", ["https://trust.nhs.uk/a"]
    )
    staff = UserFactory(role="reviewer")
    for note in ("Done\x00", "Done\x1b[31m", "\u202eenod"):
        with pytest.raises(responses.ResponseError, match="control or text-direction character"):
            responses.resolve_response(answer, staff, note)
    with pytest.raises(responses.ResponseError, match="2,000 characters or fewer"):
        responses.resolve_response(answer, staff, "x" * 2001)
    answer.refresh_from_db()
    assert answer.status != TrustResponse.Status.RESOLVED


def test_the_resolve_view_refuses_a_nul_byte_without_a_500(client, trust, finding):
    answer = responses.submit_response(
        finding, TrustUserFactory(organisation=trust), "Here.", ["https://trust.nhs.uk/a"]
    )
    client.force_login(UserFactory(role="reviewer"))

    response = client.post(reverse("responses:resolve", args=[answer.pk]), {"note": "Done\x00"})

    assert response.status_code == 400
    answer.refresh_from_db()
    assert answer.status != TrustResponse.Status.RESOLVED


def test_a_withdrawal_reason_with_a_control_character_or_too_long_is_refused(client, trust, finding):
    finding.cycle.status = AuditCycle.Status.PUBLISHED
    finding.cycle.save()
    letter = letters.draft_letter(finding.cycle, trust)
    client.force_login(UserFactory(role="signatory"))
    url = reverse("letters:withdraw", args=[letter.pk])

    for reason in ("\u202ekcab", "x" * 2001):
        response = client.post(url, {"reason": reason}, follow=True)
        assert response.status_code == 200
        assert "The reason" in response.content.decode()
    for reason in ("Wrong\x1b trust", "Wrong\x00"):
        response = client.post(url, {"reason": reason})
        assert response.status_code == 400
        assert "control character" in response.content.decode()
    assert letters.withdraw_letter  # the service is reached only with a clean reason
    letter.refresh_from_db()
    assert letter.status != Letter.Status.WITHDRAWN


# Found 5: no-store on every signed-in response


def test_signed_in_pages_exports_and_downloads_say_no_store(client, finding):
    client.force_login(UserFactory(role="auditor"))
    for url in (
        reverse("audits:cycle_list"),
        reverse("audits:cycle_results_export", args=[finding.cycle_id, "csv"]),
        reverse("national:findings_csv", args=[finding.cycle_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_an_evidence_download_says_no_store(client, finding):
    from django.core.files.base import ContentFile

    from audits.models import Evidence

    evidence = Evidence(
        site_check=finding.site_check,
        url="https://trust.nhs.uk/res.pdf",
        final_url="https://trust.nhs.uk/res.pdf",
        content_type="application/pdf",
        sha256="ab" * 32,
        size=8,
        fetched_at=timezone.now(),
    )
    evidence.file.save("copy", ContentFile(b"%PDF-1.4"), save=False)
    evidence.save()
    finding.evidence = evidence
    finding.save()
    client.force_login(UserFactory(role="reviewer"))

    response = client.get(reverse("audits:finding_stored_copy", args=[finding.cycle_id, finding.pk]), {"download": "1"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# Found 5: the client address from a configured number of trusted proxies


def _request(remote: str, forwarded: str | None = None):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_trusted_proxies_only_the_remote_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert activity.client_address(_request("10.0.0.2", "203.0.113.9")) == "10.0.0.2"


def test_behind_one_proxy_the_address_it_saw_counts_and_a_forged_header_does_not(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert activity.client_address(_request("10.0.0.2", "203.0.113.9")) == "203.0.113.9"
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended what it saw.
    assert activity.client_address(_request("10.0.0.2", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    # Two proxies: the outer one's entry.
    settings.TRUSTED_PROXY_COUNT = 2
    assert activity.client_address(_request("10.0.0.3", "1.2.3.4, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    # A request that did not come through the proxies, or a garbled header: the remote address.
    assert activity.client_address(_request("10.0.0.3")) == "10.0.0.3"
    assert activity.client_address(_request("10.0.0.3", "x, not-an-address")) == "10.0.0.3"


def test_axes_and_the_activity_log_use_the_proxy_rule(client, settings):
    from axes.helpers import get_client_ip_address
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(_request("10.0.0.2", "203.0.113.9")) == "203.0.113.9"
    UserFactory(username="ada", role="auditor")

    client.post(
        reverse("login"),
        {"username": "ada", "password": "wrong password"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert AccessAttempt.objects.get(username="ada").ip_address == "198.51.100.7"
    failed = ActivityRecord.objects.filter(action="trusts.sign_in.failed").latest("pk")
    assert failed.ip_address == "198.51.100.7"


def test_a_control_character_in_the_path_is_a_400_not_a_database_error(client):
    client.force_login(UserFactory(role="admin"))
    response = client.get("/trusts/%00/")
    assert response.status_code == 400
    assert "control character, U+0000" in response.content.decode()


def test_the_admin_never_shows_an_authenticator_secret(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    someone = UserFactory(role="auditor")
    device = TOTPDevice.objects.create(user=someone, name="Phone", confirmed=True)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    for view in ("config", "qrcode"):
        assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/{view}/").status_code == 403
        assert client.get(f"/admin/otp_totp/totpdevice/{device.pk + 1000}/{view}/").status_code == 403
