import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests.factories import OrganisationFactory, TrustUserFactory, UserFactory
from trusts.importing import MAX_ERRORS, infer_org_type, ods_title
from trusts.models import Organisation, OrgType

pytestmark = pytest.mark.django_db

ETR = Path(settings.BASE_DIR).parent / "shared" / "data" / "ods" / "etr.csv"
HEADER = "ods_code,name,org_type,region,website,headcount\n"
GOOD_ROWS = (
    "RAA,Alderbrook Hospitals NHS Trust,acute,London,https://alderbrook.nhs.example/,4200\n"
    "RBB,Birchwood Mental Health NHS Trust,mental_health,North West,,\n"
    "RCC,Cedar Ambulance Service NHS Trust,ambulance,South West,http://cedar.example/,1800\n"
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding=encoding)
    return path


def import_trusts(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_trusts", str(path), *args, stdout=out)
    return out.getvalue().strip()


def database() -> list[dict]:
    return list(Organisation.objects.order_by("ods_code").values())


# The command on a good file


def test_good_file_creates_every_trust_and_reports_counts(tmp_path):
    output = import_trusts(write(tmp_path, HEADER + GOOD_ROWS))
    assert output == "Imported 3 trusts: 3 created, 0 updated, 0 unchanged"
    alderbrook = Organisation.objects.get(ods_code="RAA")
    assert (alderbrook.name, alderbrook.org_type, alderbrook.region) == (
        "Alderbrook Hospitals NHS Trust",
        "acute",
        "London",
    )
    assert (alderbrook.website, alderbrook.headcount) == ("https://alderbrook.nhs.example/", 4200)
    birchwood = Organisation.objects.get(ods_code="RBB")
    assert (birchwood.website, birchwood.headcount) == ("", None)


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROWS)
    import_trusts(path)
    before = database()
    assert import_trusts(path) == "Imported 3 trusts: 0 created, 0 updated, 3 unchanged"
    assert database() == before


def test_changed_row_updates_only_that_trust(tmp_path):
    import_trusts(write(tmp_path, HEADER + GOOD_ROWS))
    untouched = Organisation.objects.get(ods_code="RAA").updated_at
    changed = GOOD_ROWS.replace("North West,,", "North West,https://birchwood.example/,950")
    assert import_trusts(write(tmp_path, HEADER + changed)) == ("Imported 3 trusts: 0 created, 1 updated, 2 unchanged")
    birchwood = Organisation.objects.get(ods_code="RBB")
    assert (birchwood.website, birchwood.headcount) == ("https://birchwood.example/", 950)
    assert birchwood.updated_at > untouched
    assert Organisation.objects.get(ods_code="RAA").updated_at == untouched


def test_columns_in_any_order_with_extra_columns_ignored(tmp_path):
    text = (
        "notes,headcount,website,region,org_type,name,ods_code,chief executive\n"
        "call back,12,,London,acute,Alderbrook NHS Trust,RAA,A. Person\n"
    )
    import_trusts(write(tmp_path, text))
    alderbrook = Organisation.objects.get(ods_code="RAA")
    assert (alderbrook.name, alderbrook.headcount, alderbrook.chief_executive) == ("Alderbrook NHS Trust", 12, "")


def test_optional_chief_executive_address_and_postcode_columns_are_read_when_present(tmp_path):
    text = (
        "ods_code,name,org_type,region,website,headcount,chief_executive,address,postcode\n"
        'RAA,Alderbrook NHS Trust,acute,London,,,Dr Jane Smith,"Alder House\nAlder Road | London",ec1y8tg\n'
    )
    import_trusts(write(tmp_path, text))
    alderbrook = Organisation.objects.get(ods_code="RAA")
    assert alderbrook.chief_executive == "Dr Jane Smith"
    assert alderbrook.postal_lines == ["Alderbrook NHS Trust", "Alder House", "Alder Road", "London", "EC1Y 8TG"]

    # A register without those columns leaves them as they are.
    assert import_trusts(write(tmp_path, HEADER + "RAA,Alderbrook NHS Trust,acute,London,,\n")).endswith("1 unchanged")
    assert Organisation.objects.get(ods_code="RAA").postal_lines[-1] == "EC1Y 8TG"


def test_a_postcode_that_is_not_a_uk_postcode_names_the_line(tmp_path):
    text = "ods_code,name,org_type,region,website,headcount,postcode\nRAA,A NHS Trust,acute,,,,12345\n"
    with pytest.raises(CommandError, match="line 2: postcode: “12345” is not a UK postcode"):
        import_trusts(write(tmp_path, text))
    assert not Organisation.objects.exists()


def test_excel_byte_order_mark_whitespace_and_lowercase_code_are_accepted(tmp_path):
    text = HEADER + " raa , Alderbrook NHS Trust , Acute , London , , 7 \n\n,,,,,\n"
    assert import_trusts(write(tmp_path, text, encoding="utf-8-sig")).startswith("Imported 1 trust: 1 created")
    alderbrook = Organisation.objects.get()
    assert (alderbrook.ods_code, alderbrook.name, alderbrook.org_type, alderbrook.headcount) == (
        "RAA",
        "Alderbrook NHS Trust",
        "acute",
        7,
    )


def test_quoted_name_with_comma_and_line_break_keeps_line_numbers_right(tmp_path):
    text = HEADER + '"RAA","Alderbrook,\nand Elm NHS Trust",acute,London,,\nRBB,B,acute,,,-1\n'
    with pytest.raises(CommandError, match=r"line 4: headcount"):
        import_trusts(write(tmp_path, text))


def test_400_row_register_is_written_in_a_handful_of_queries(tmp_path, django_assert_max_num_queries):
    rows = "".join(f"R{n:03d},Trust {n} NHS Trust,acute,London,,{n}\n" for n in range(400))
    path = write(tmp_path, HEADER + rows)
    # 9: the import's activity entry is written in the same transaction.
    with django_assert_max_num_queries(9):
        assert import_trusts(path).startswith("Imported 400 trusts: 400 created")


# The command on a bad file: non-zero exit, the line and field named, nothing written

BAD_FILES = {
    "missing_column": (
        "ods_code,name,org_type,region,headcount\nRAA,A,acute,London,1\n",
        "line 1: header: missing column website",
    ),
    "bad_ods_code": (HEADER + GOOD_ROWS + "R-1,D,acute,,,\n", "line 5: ods_code: “R-1”"),
    "too_long_ods_code": (HEADER + GOOD_ROWS + "RABCDE,D,acute,,,\n", "line 5: ods_code"),
    "missing_ods_code": (HEADER + GOOD_ROWS + ",D,acute,,,\n", "line 5: ods_code: is required"),
    "missing_name": (HEADER + GOOD_ROWS + "RDD,,acute,,,\n", "line 5: name: is required"),
    "bad_url": (
        HEADER + GOOD_ROWS + "RDD,D,acute,,not a url,\n",
        "line 5: website: “not a url” is not a valid web address",
    ),
    "ftp_url": (HEADER + GOOD_ROWS + "RDD,D,acute,,ftp://d.example/,\n", "line 5: website"),
    "duplicate_code": (
        HEADER + GOOD_ROWS + "rbb,D,acute,,,\n",
        "line 5: ods_code: “RBB” is also on line 3",
    ),
    "text_headcount": (HEADER + GOOD_ROWS + "RDD,D,acute,,,many\n", "line 5: headcount: “many”"),
    "negative_headcount": (HEADER + GOOD_ROWS + "RDD,D,acute,,,-5\n", "line 5: headcount: “-5”"),
    "decimal_headcount": (
        HEADER + GOOD_ROWS + "RDD,D,acute,,,12.5\n",
        "line 5: headcount: “12.5”",
    ),
    "unknown_org_type": (
        HEADER + GOOD_ROWS + "RDD,D,hospital,,,\n",
        "line 5: org_type: “hospital” is not one of acute, primary_care",
    ),
    "empty_file": ("", "line 1: file: is empty"),
    "header_only": (HEADER, "line 2: file: has a header but no trusts"),
}


@pytest.mark.parametrize(("text", "expected"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_exits_non_zero_names_line_and_field_and_writes_nothing(tmp_path, text, expected):
    # An existing trust the file would change, to prove the good rows are not written either.
    OrganisationFactory(ods_code="RBB", name="Before", website="", headcount=None)
    before = database()
    with pytest.raises(CommandError) as raised:
        import_trusts(write(tmp_path, text))
    assert expected in str(raised.value)
    assert "nothing was imported" in str(raised.value)
    assert database() == before


def test_every_bad_line_is_reported_not_just_the_first(tmp_path):
    text = HEADER + "RAA,A,acute,,,x\nRBB,B,acute,,,\nRCC,C,nope,,bad,\n"
    with pytest.raises(CommandError) as raised:
        import_trusts(write(tmp_path, text))
    message = str(raised.value)
    assert "line 2: headcount" in message
    assert "line 4: org_type" in message
    assert "line 4: website" in message
    assert "3 errors" in message


def test_error_list_stops_at_the_limit(tmp_path):
    rows = "".join(f"R{n:03d},Trust,acute,,,x\n" for n in range(MAX_ERRORS + 5))
    with pytest.raises(CommandError) as raised:
        import_trusts(write(tmp_path, HEADER + rows))
    message = str(raised.value)
    assert f"stopped after the first {MAX_ERRORS}" in message
    assert f"line {MAX_ERRORS + 1}: headcount" in message
    assert f"line {MAX_ERRORS + 2}:" not in message


def test_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes((HEADER + "RAA,Ysbyty Gwynedd Caerdydd é,acute,,,\n").encode("cp1252"))
    with pytest.raises(CommandError, match="line 2: file: is not UTF-8"):
        import_trusts(path)
    assert not Organisation.objects.exists()


def test_unreadable_csv_names_the_line(tmp_path):
    text = HEADER + GOOD_ROWS + "RDD," + "x" * 200_000 + ",acute,,,\n"
    with pytest.raises(CommandError, match="line 5: file: is not valid CSV"):
        import_trusts(write(tmp_path, text))
    assert not Organisation.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        import_trusts(tmp_path / "absent.csv")


# The NHS ODS trust file


def test_real_ods_file_imports_english_trusts_and_skips_welsh(tmp_path):
    assert import_trusts(ETR, "--format", "ods") == (
        "Imported 238 trusts: 238 created, 0 updated, 0 unchanged; skipped 3 Welsh trusts (not under this regulator)"
    )
    assert not Organisation.objects.filter(ods_code__in=["RQF", "RT4", "RYT"]).exists()
    guys = Organisation.objects.get(ods_code="RJ1")
    assert guys.name == "Guy's and St Thomas' NHS Foundation Trust"
    assert (guys.region, guys.org_type, guys.closed_on) == ("London", "foundation", None)
    assert Organisation.objects.get(ods_code="RX8").org_type == OrgType.AMBULANCE
    assert Organisation.objects.get(ods_code="R1A").opened_on == datetime.date(2011, 7, 1)


def test_ods_file_gives_each_trust_its_postal_address(tmp_path):
    import_trusts(ETR, "--format", "ods")

    assert Organisation.objects.get(ods_code="R1A").postal_lines == [
        "Worcestershire Health and Care NHS Trust",
        "Isaac Maddox House",
        "Shrub Hill Industrial Estate",
        "Worcester",
        "Worcestershire",
        "WR4 9RW",
    ]
    birmingham = Organisation.objects.get(ods_code="RRK")
    assert birmingham.address.splitlines()[:2] == ["Trust HQ, PO Box 9551", "Queen Elizabeth Medical Centre"]
    assert birmingham.postcode == "B15 2TH"
    assert not Organisation.objects.filter(postcode="").exists()


def test_closed_trusts_in_ods_file_come_in_inactive(tmp_path):
    import_trusts(ETR, "--format", "ods")
    west_middlesex = Organisation.objects.get(ods_code="RFW")
    assert west_middlesex.closed_on == datetime.date(2015, 8, 31)
    assert not west_middlesex.is_active
    closed = set(Organisation.objects.exclude(pk__in=Organisation.objects.active()).values_list("ods_code", flat=True))
    assert closed == {"RFW", "R1G"}


def test_reimporting_ods_file_changes_nothing(tmp_path):
    import_trusts(ETR, "--format", "ods")
    before = database()
    assert import_trusts(ETR, "--format", "ods").startswith("Imported 238 trusts: 0 created, 0 updated, 238 unchanged")
    assert database() == before


def test_ods_import_updates_name_but_keeps_website_headcount_and_corrected_type(tmp_path):
    OrganisationFactory(
        ods_code="RNU",
        name="Old name",
        org_type=OrgType.MENTAL_HEALTH,
        region="",
        website="https://www.oxfordhealth.nhs.uk/",
        headcount=6000,
    )
    assert "237 created, 1 updated" in import_trusts(ETR, "--format", "ods")
    oxford = Organisation.objects.get(ods_code="RNU")
    assert (oxford.name, oxford.region) == ("Oxford Health NHS Foundation Trust", "South of England")
    assert (oxford.org_type, oxford.website, oxford.headcount) == (
        "mental_health",
        "https://www.oxfordhealth.nhs.uk/",
        6000,
    )


def test_bad_ods_row_names_line_and_column_and_writes_nothing(tmp_path):
    good = ETR.read_text().splitlines()[:3]
    bad = "RZZ,SOME NHS TRUST,Y56,Q71,,,,,,N1 1AA,2011401,,,,,,,,,,,0,,H"
    with pytest.raises(CommandError, match="line 4: open date: “2011401”"):
        import_trusts(write(tmp_path, "\n".join([*good, bad]) + "\n"), "--format", "ods")
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("ods_name", "expected"),
    [
        (
            "THE QUEEN ELIZABETH HOSPITAL, KING'S LYNN, NHS FOUNDATION TRUST",
            "The Queen Elizabeth Hospital, King's Lynn, NHS Foundation Trust",
        ),
        (
            "THE NEWCASTLE UPON TYNE HOSPITALS NHS FOUNDATION TRUST",
            "The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        ),
        (
            "GREAT ORMOND STREET HOSPITAL FOR CHILDREN NHS FOUNDATION TRUST",
            "Great Ormond Street Hospital for Children NHS Foundation Trust",
        ),
        ("2GETHER NHS FOUNDATION TRUST", "2gether NHS Foundation Trust"),
    ],
)
def test_ods_names_are_title_cased_keeping_nhs_upper_and_small_words_lower(ods_name, expected):
    assert ods_title(ods_name) == expected


@pytest.mark.parametrize(
    ("ods_name", "org_type"),
    [
        ("NORTH EAST AMBULANCE SERVICE NHS FOUNDATION TRUST", OrgType.AMBULANCE),
        ("BIRMINGHAM AND SOLIHULL MENTAL HEALTH NHS FOUNDATION TRUST", OrgType.MENTAL_HEALTH),
        ("KENT COMMUNITY HEALTH NHS FOUNDATION TRUST", OrgType.COMMUNITY),
        ("KENT AND MEDWAY NHS AND SOCIAL CARE PARTNERSHIP TRUST", OrgType.CARE_TRUST),
        ("SALISBURY NHS FOUNDATION TRUST", OrgType.FOUNDATION),
        ("NORTH BRISTOL NHS TRUST", OrgType.ACUTE),
    ],
)
def test_org_type_is_inferred_from_ods_name(ods_name, org_type):
    assert infer_org_type(ods_name) == org_type


# The upload page


def upload(text: str | bytes, name: str = "register.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, "text/csv")


def test_admin_sees_upload_form_with_expected_header(client):
    client.force_login(UserFactory(role="admin"))
    response = client.get(reverse("trusts:import"))
    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"ods_code,name,org_type,region,website,headcount" in response.content
    assert b'id="id_format_0" name="format" type="radio" value="csv"' in response.content


def test_admin_upload_imports_and_returns_to_trust_list_with_counts(client):
    client.force_login(UserFactory(role="admin"))
    response = client.post(reverse("trusts:import"), {"file": upload(HEADER + GOOD_ROWS), "format": "csv"}, follow=True)
    assert response.redirect_chain == [(reverse("trusts:list"), 302)]
    assert "Imported 3 trusts: 3 created, 0 updated, 0 unchanged" in response.content.decode()
    assert Organisation.objects.count() == 3


def test_admin_upload_of_ods_file(client):
    client.force_login(UserFactory(role="admin"))
    response = client.post(reverse("trusts:import"), {"file": upload(ETR.read_bytes()), "format": "ods"}, follow=True)
    assert "238 created" in response.content.decode()
    assert Organisation.objects.count() == 238


def test_bad_upload_rerenders_with_error_summary_linking_to_file_and_writes_nothing(client):
    client.force_login(UserFactory(role="admin"))
    text = HEADER + GOOD_ROWS + "RDD,D,acute,,not a url,\nRBB,B,acute,,,\n"
    response = client.post(reverse("trusts:import"), {"file": upload(text), "format": "csv"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="govuk-error-summary"' in page
    assert '<a href="#id_file">line 5: website: “not a url” is not a valid web address' in page
    assert "line 6: ods_code: “RBB” is also on line 3" in page
    assert not Organisation.objects.exists()


def test_upload_without_file_asks_for_one(client):
    client.force_login(UserFactory(role="admin"))
    response = client.post(reverse("trusts:import"), {"format": "csv"})
    assert '<a href="#id_file">Select a file to import</a>' in response.content.decode()


def test_upload_over_5_mb_is_refused(client):
    client.force_login(UserFactory(role="admin"))
    big = HEADER + "#" * (5 * 1024 * 1024)
    response = client.post(reverse("trusts:import"), {"file": upload(big), "format": "csv"})
    assert "smaller than 5 MB" in response.content.decode()
    assert not Organisation.objects.exists()


def test_upload_needs_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role="admin"))
    response = client.post(reverse("trusts:import"), {"file": upload(HEADER + GOOD_ROWS)})
    assert response.status_code == 403
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("make_user", [lambda: UserFactory(role="auditor"), TrustUserFactory])
def test_upload_is_forbidden_to_auditor_and_trust_user(client, make_user):
    client.force_login(make_user())
    before = Organisation.objects.count()
    assert client.get(reverse("trusts:import")).status_code == 403
    response = client.post(reverse("trusts:import"), {"file": upload(HEADER + GOOD_ROWS)})
    assert response.status_code == 403
    assert Organisation.objects.count() == before


def test_upload_page_sends_anonymous_visitor_to_sign_in(client):
    response = client.post(reverse("trusts:import"), {"file": upload(HEADER + GOOD_ROWS)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Organisation.objects.exists()


# Issue 15: control and text-direction characters, NUL bytes, and addresses a browser reads otherwise


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("RDD,\u202eTSURT SHN,acute,,,\n", "line 2: name: contains a control or text-direction character, U+202E"),
        ("RDD,Trust\u2067 NHS,acute,,,\n", "line 2: name: contains a control or text-direction character, U+2067"),
        ("RDD,Trust\x00NHS,acute,,,\n", "line 2: name: contains a control or text-direction character, U+0000"),
        ("RDD,D NHS Trust,acute,Lon\x00don,,\n", "line 2: region: contains a control or text-direction character"),
        ("RDD,D NHS Trust,acute,,http://evil.example\\@d.nhs.uk/,\n", "line 2: website: "),
        ("RDD,D NHS Trust,acute,,https://user:pw@d.nhs.uk/,\n", "is not a valid web address. A web address cannot"),
    ],
)
def test_names_and_addresses_with_hidden_tricks_are_refused_and_nothing_is_written(tmp_path, row, expected):
    with pytest.raises(CommandError) as raised:
        import_trusts(write(tmp_path, HEADER + GOOD_ROWS + row.replace("line 2", "")))
    assert expected.replace("line 2", "line 5") in str(raised.value)
    assert not Organisation.objects.exists()


def test_a_nul_byte_in_an_uploaded_register_is_a_message_not_a_500(client):
    client.force_login(UserFactory(role="admin"))
    text = HEADER + "RDD,D\x00 NHS Trust,acute,,,\n"
    response = client.post(reverse("trusts:import"), {"file": upload(text), "format": "csv"})
    assert response.status_code == 200
    assert "line 2: name: contains a control or text-direction character, U+0000" in response.content.decode()
    assert not Organisation.objects.exists()
