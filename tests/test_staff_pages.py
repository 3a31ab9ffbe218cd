"""The staff pages as a person reads them: GOV.UK filters, tables and pagination, words not codes (issue 18)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from audits import review
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    OrganisationFactory,
    SiteCheckFactory,
    UserFactory,
)
from trusts import activity
from trusts.models import ActivityRecord

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    """The words on the page, without tags, scripts or hidden inputs."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _client_as(role: str, **fields) -> tuple[Client, object]:
    client = Client()
    person = UserFactory(role=role, **fields)
    client.force_login(person)
    return client, person


# Registers: GOV.UK form groups and tables, no "---------"


def test_the_trusts_register_has_govuk_filters_and_a_govuk_table():
    OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust", region="London")
    OrganisationFactory(ods_code="RBB", name="Beechwood NHS Trust", region="North West")
    client, _ = _client_as("auditor")

    html = client.get(reverse("trusts:list")).content.decode()

    assert "---------" not in html
    assert 'class="govuk-input govuk-!-width-full"' in html
    assert 'class="govuk-select govuk-!-width-full"' in html
    assert "Any type" in html and "Any region" in html
    assert '<label class="govuk-label govuk-label--s" for="id_name">Name or ODS code</label>' in html
    assert 'class="govuk-table__header"' in html and "govuk-table__head" in html
    assert 'class="govuk-link app-sort-link"' in html  # sorting by a left-aligned header link
    assert "Trusts 1 to 2 of 2." in visible_text(html)


def test_the_trusts_register_filters_by_name_code_type_and_region():
    OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust", region="London")
    OrganisationFactory(ods_code="RBB", name="Beechwood NHS Trust", region="North West")
    client, _ = _client_as("auditor")

    by_code = visible_text(client.get(reverse("trusts:list"), {"name": "rbb"}).content.decode())
    by_region = visible_text(client.get(reverse("trusts:list"), {"region": "London"}).content.decode())

    assert "Beechwood NHS Trust" in by_code and "Alderbrook" not in by_code
    assert "Alderbrook Hospitals NHS Trust" in by_region and "Beechwood" not in by_region
    assert "Clear filters" in by_code


def test_the_trusts_register_pages_with_govuk_pagination():
    for n in range(51):
        OrganisationFactory(ods_code=f"R{n:03d}", name=f"Trust {n:03d}")
    client, _ = _client_as("auditor")

    html = client.get(reverse("trusts:list")).content.decode()

    assert 'class="govuk-pagination"' in html and 'aria-label="Pages of trusts"' in html
    assert "Trusts 1 to 50 of 51." in visible_text(html)


def test_the_letters_register_has_words_in_its_filters():
    client, _ = _client_as("signatory")

    html = client.get(reverse("letters:list")).content.decode()

    assert "---------" not in html
    for words in ("Any cycle", "Any status", "Any kind", "Trust name or ODS code", "Kind of letter"):
        assert words in html
    assert 'class="govuk-select govuk-!-width-full"' in html


# The activity log in words


def test_every_recorded_action_has_words_and_unknown_ones_are_humanised():
    assert activity.action_label("trusts.two_factor.enabled") == "Turned on two-factor sign-in"
    assert activity.action_label("reports.letter.issued") == "Issued a letter"
    assert activity.action_label("audits.cycle.renamed_twice") == "Cycle renamed twice"
    source = "\n".join(
        open(path).read()
        for path in __import__("glob").glob("**/*.py", recursive=True)
        if not path.startswith((".venv", "tests"))
    )
    recorded = set(re.findall(r"record\(\s*\"([a-z_]+\.[a-z_]+\.[a-z_]+)\"", source))
    assert recorded, "no action keys found"
    assert recorded <= set(activity.ACTION_LABELS), recorded - set(activity.ACTION_LABELS)


def test_the_activity_log_shows_people_objects_and_statuses_in_words():
    trust = OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust")
    cycle = AuditCycleFactory(name="2007 web audit", status="in_review")
    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    finding = FindingFactory(site_check=SiteCheckFactory(cycle=cycle, organisation=trust), duty=duty, status="not_met")
    reviewer = UserFactory(role="reviewer", first_name="Ruth", last_name="Reviewer")
    review.review_finding(finding, reviewer, "not_met", "Nothing on the website.", finding.version)
    activity.record("trusts.two_factor.enabled", reviewer)
    client, _ = _client_as("admin")

    html = client.get(reverse("trusts:activity")).content.decode()
    text = visible_text(html)

    assert "Reviewed a finding" in text
    assert "Turned on two-factor sign-in" in text
    assert "Ruth Reviewer" in text
    assert "Race equality scheme at Alderbrook Hospitals NHS Trust (2007 web audit)" in text
    assert "Not met (unchanged): Nothing on the website." in text
    assert "not_met" not in text
    assert "trusts.two_factor.enabled" not in text and "audits.finding.reviewed" not in text
    assert "---------" not in html and "Any action" in html


def test_the_activity_log_filters_by_kind_person_and_day_month_year():
    someone = UserFactory(role="auditor", first_name="Amir", last_name="Auditor")
    activity.record("audits.cycle.created", someone, AuditCycleFactory(name="Web audit 2007"))
    activity.record("trusts.sign_in.failed", username="stranger")
    client, _ = _client_as("admin")

    by_kind = client.get(reverse("trusts:activity"), {"action": "audits.cycle"})
    by_name = client.get(reverse("trusts:activity"), {"username": "amir"})
    by_day = client.get(reverse("trusts:activity"), {"since": "1/1/2000", "until": "31/12/2999"})
    bad_day = client.get(reverse("trusts:activity"), {"since": "yesterday"})

    assert [row.record.action for row in by_kind.context["table"].rows] == ["audits.cycle.created"]
    assert "Created an audit cycle" in visible_text(by_name.content.decode())
    assert [row.record.action for row in by_name.context["table"].rows] == ["audits.cycle.created"]
    assert len(by_day.context["table"].rows) == ActivityRecord.objects.count()
    assert "Enter the first day as day/month/year" in visible_text(bad_day.content.decode())


def test_the_activity_log_names_a_trust_answer_not_its_internal_numbers():
    from audits.models import TrustResponse

    trust = OrganisationFactory(ods_code="5XN", name="Fairfield Primary Care Trust")
    duty = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    finding = FindingFactory(site_check=SiteCheckFactory(organisation=trust), duty=duty)
    author = UserFactory(organisation=trust, first_name="Tara", last_name="Trust")
    answer = TrustResponse.objects.create(
        finding=finding, organisation=trust, author=author, comment="It is here.", status="resolved"
    )
    activity.record("audits.response.resolved", UserFactory(role="reviewer"), answer, "Closed")
    client, _ = _client_as("admin")

    text = visible_text(client.get(reverse("trusts:activity")).content.decode())

    assert "Answer from Fairfield Primary Care Trust on Race equality scheme" in text
    assert f"5XN on {finding.pk}" not in text


# The header before and after the second sign-in step


def test_the_header_shows_no_navigation_or_sign_out_before_the_second_step():
    staff = UserFactory(role="auditor", password="correct horse battery staple")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=staff, name="App", confirmed=True)
    client = Client()
    assert (
        client.post(
            reverse("login"), {"username": staff.username, "password": "correct horse battery staple"}
        ).status_code
        == 302
    )

    html = client.get(reverse("two_factor_verify")).content.decode()

    assert "govuk-service-navigation" not in html
    assert "Activity log" not in html and "Dashboard" not in html
    # The step's own page offers a way out, after its main button.
    buttons = re.findall(r"<button[^>]*>([^<]*)", html)
    assert buttons[0].strip() != "Sign out" and "Sign out" in [b.strip() for b in buttons]


def test_sign_out_is_the_last_item_of_the_staff_menu_and_a_link_styled_button():
    client, person = _client_as("auditor")

    html = client.get(reverse("trusts:list")).content.decode()

    menu = html[html.index('id="navigation"') : html.index("</ul>", html.index('id="navigation"'))]
    assert menu.rstrip().endswith("</li>")
    last_item = menu[menu.rindex("<li") :]
    assert "Sign out" in last_item and 'class="app-link-button govuk-service-navigation__link"' in last_item
    assert f'<span class="govuk-visually-hidden"> {person.username}</span>' in last_item
    assert menu.index("Trusts") < menu.index("Sign out")


# The new-cycle form


@pytest.fixture
def catalogue():
    import datetime

    DutyFactory(code="race-equality-scheme", title="Race equality scheme", in_force_from=datetime.date(2002, 5, 31))
    DutyFactory(code="gender-pay-gap", title="Gender pay gap report", in_force_from=datetime.date(2017, 3, 31))
    OrganisationFactory(ods_code="RAA", name="Alderbrook Hospitals NHS Trust")


def test_the_new_cycle_form_names_each_missing_field_in_its_error_summary(catalogue):
    client, _ = _client_as("auditor")

    response = client.post(reverse("audits:cycle_create"), {"scope": "all"})
    html = response.content.decode()
    summary = html[html.index("govuk-error-summary__list") : html.index("</ul>", html.index("govuk-error-summary"))]

    assert response.status_code == 400
    assert '<a href="#id_name">Enter a name for the cycle</a>' in summary
    assert '<a href="#id_audit_date_day">Enter the audit date</a>' in summary
    assert '<a href="#id_duties_0">Choose at least one duty</a>' in summary
    assert "This field is required" not in html


def test_the_audit_date_is_the_govuk_date_input_pattern(catalogue):
    client, _ = _client_as("auditor")

    html = client.get(reverse("audits:cycle_create")).content.decode()

    assert 'class="govuk-date-input"' in html
    for name, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert f'name="audit_date_{name}"' in html
        assert f'for="id_audit_date_{name}">{label}</label>' in html
    assert "For example, 1 4 2007" in html
    assert 'type="date"' not in html and "2007-04-01" not in html


def test_a_cycle_is_created_from_day_month_and_year(catalogue, monkeypatch):
    monkeypatch.setattr("audits.services._enqueue", lambda *args, **kwargs: None)
    client, _ = _client_as("auditor")
    data = {"name": "Web audit 2007", "duties": ["race-equality-scheme"], "scope": "all"}

    response = client.post(
        reverse("audits:cycle_create"),
        {**data, "audit_date_day": "1", "audit_date_month": "4", "audit_date_year": "2007"},
    )

    from audits.models import AuditCycle

    assert response.status_code == 302
    assert str(AuditCycle.objects.get(name="Web audit 2007").audit_date) == "2007-04-01"


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2007", "The audit date must be a real date"),
        ("1", "", "2007", "The audit date must include a month"),
        ("1", "4", "07", "The audit date must be a real date"),
    ],
)
def test_a_wrong_audit_date_says_what_is_wrong(catalogue, day, month, year, message):
    client, _ = _client_as("auditor")
    data = {"name": "Web audit 2007", "duties": ["race-equality-scheme"], "scope": "all"}

    response = client.post(
        reverse("audits:cycle_create"),
        {**data, "audit_date_day": day, "audit_date_month": month, "audit_date_year": year},
    )

    assert response.status_code == 400
    assert message in visible_text(response.content.decode())


def test_a_duty_not_in_force_on_the_audit_date_is_refused_with_a_clear_error(catalogue):
    client, _ = _client_as("auditor")
    data = {
        "name": "Web audit 2007",
        "duties": ["race-equality-scheme", "gender-pay-gap"],
        "scope": "all",
        "audit_date_day": "1",
        "audit_date_month": "4",
        "audit_date_year": "2007",
    }

    response = client.post(reverse("audits:cycle_create"), data)

    assert response.status_code == 400
    assert (
        "Gender pay gap report was not in force on 1 April 2007: it came into force on 31 March 2017. "
        "Untick it or change the audit date." in visible_text(response.content.decode())
    )


def test_the_ods_code_box_is_revealed_only_with_only_the_trusts_i_name(catalogue):
    client, _ = _client_as("auditor")

    html = client.get(reverse("audits:cycle_create")).content.decode()
    chosen = client.post(reverse("audits:cycle_create"), {"scope": "chosen"}).content.decode()

    assert 'value="chosen" aria-controls="conditional-ods-codes"' in html
    assert 'class="app-reveal" id="conditional-ods-codes"' in html
    assert 'id="id_ods_codes"' in chosen and "Enter the ODS code of at least one trust." in chosen
    # Revealed by CSS while its radio is checked: no inline script, no aria-expanded on a radio.
    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
    assert ":not(:has(.govuk-radios__input[aria-controls]:checked)) > .app-reveal { display: none; }" in css
    assert "<script>" not in html


# The results matrix


@pytest.fixture
def matrix():
    cycle = AuditCycleFactory(name="2007 web audit", status="in_review")
    scheme = DutyFactory(code="race-equality-scheme", title="Race equality scheme")
    pay = DutyFactory(code="gender-pay-gap", title="Gender pay gap report")
    cycle.duties.add(scheme, pay)
    alder = SiteCheckFactory(
        cycle=cycle, state="done", organisation=OrganisationFactory(ods_code="RAA", name="Alderbrook NHS Trust")
    )
    beech = SiteCheckFactory(
        cycle=cycle, state="done", organisation=OrganisationFactory(ods_code="RBB", name="Beechwood NHS Trust")
    )
    for check in (alder, beech):
        FindingFactory(site_check=check, duty=scheme, status="met")
    FindingFactory(site_check=alder, duty=pay, status="not_met")  # the pay gap duty does not apply to Beechwood
    return cycle


def _matrix_names(client, cycle, **query):
    page = client.get(reverse("audits:cycle_results", kwargs={"pk": cycle.pk}), query)
    return [row.record.organisation.name for row in page.context["table"].rows]


def test_the_results_matrix_searches_by_trust_name_or_ods_code(matrix):
    client, _ = _client_as("reviewer")

    assert _matrix_names(client, matrix, trust="beech") == ["Beechwood NHS Trust"]
    assert _matrix_names(client, matrix, trust="raa") == ["Alderbrook NHS Trust"]


def test_does_not_apply_can_be_filtered(matrix):
    client, _ = _client_as("reviewer")

    html = client.get(reverse("audits:cycle_results", kwargs={"pk": matrix.pk})).content.decode()

    assert '<option value="not_applicable">Does not apply</option>' in html
    assert _matrix_names(client, matrix, status="not_applicable") == ["Beechwood NHS Trust"]
    assert _matrix_names(client, matrix, status="not_applicable", duty="gender-pay-gap") == ["Beechwood NHS Trust"]
    assert _matrix_names(client, matrix, status="not_applicable", duty="race-equality-scheme") == []


def test_the_results_matrix_is_a_wide_page_with_a_sticky_trust_column(matrix):
    client, _ = _client_as("reviewer")

    html = client.get(reverse("audits:cycle_results", kwargs={"pk": matrix.pk})).content.decode()

    assert '<div class="app-width-container-wide">' in html
    assert 'class="govuk-table govuk-table--small-text-until-tablet app-matrix"' in html
    assert "---------" not in html and "Any status" in html and "Trust name or ODS code" in html
