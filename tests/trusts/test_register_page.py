"""The trust register as staff read it: one row per trust, in words, with its page and its website."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows_as_read(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0]
    return [" | ".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd].*?</t[hd]>", row, re.S))
            for row in re.findall(r"<tr.*?</tr>", body, re.S)]  # fmt: skip


def test_each_trust_is_a_row_in_words_linking_to_its_page_and_website():
    OrganisationFactory(
        ods_code="RAL", name="Alder & Co NHS Trust", org_type="acute", region="London", headcount=4200,
        website="https://www.alder.nhs.uk/",
    )  # fmt: skip
    OrganisationFactory(
        ods_code="RBI", name="Birch NHS Trust", org_type="ambulance", region="", headcount=None, website=""
    )
    client = Client()
    client.force_login(UserFactory(role="auditor"))

    html = client.get(reverse("trusts:list")).content.decode()

    assert rows_as_read(html) == [
        "Alder &amp; Co NHS Trust | RAL | Acute trust | London | 4200 | alder.nhs.uk",
        "Birch NHS Trust | RBI | Ambulance trust | — | — | —",
    ]
    assert f'<a class="govuk-link" href="{reverse("trusts:detail", args=["RAL"])}">Alder &amp; Co NHS Trust</a>' in html
    assert 'href="https://www.alder.nhs.uk/" rel="noreferrer noopener">alder.nhs.uk</a>' in html


def test_the_region_filter_offers_any_region_once_then_each_region():
    OrganisationFactory(ods_code="RAL", region="London")
    OrganisationFactory(ods_code="RBI", region="")
    client = Client()
    client.force_login(UserFactory(role="auditor"))

    html = client.get(reverse("trusts:list"), {"region": "London"}).content.decode()

    region = re.search(r'<select name="region"[^>]*>(.*?)</select>', html, re.S)[1]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", region) == ["Any region", "London"]
    assert '<option value="London" selected>London</option>' in region
