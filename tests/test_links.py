"""config.links: a page of links reversed once gives the addresses reverse() gives."""

import pytest
from django.urls import reverse

from config.links import link_maker


@pytest.mark.parametrize("ods_code", ["RXQ", "R A&1", "5N%", "Ünïcode"])
def test_a_filled_in_address_is_the_one_reverse_gives(ods_code):
    assert link_maker("trusts:detail", "ods_code")(ods_code=ods_code) == reverse(
        "trusts:detail", kwargs={"ods_code": ods_code}
    )


def test_fixed_keywords_and_integer_slots_are_reversed_as_given():
    finding = link_maker("audits:finding_detail", "finding_pk", pk=7)

    assert finding(finding_pk=42) == reverse("audits:finding_detail", kwargs={"pk": 7, "finding_pk": 42})
    assert finding(finding_pk=43) != finding(finding_pk=42)
