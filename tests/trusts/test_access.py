import re
from collections.abc import Iterator

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from tests.factories import OrganisationFactory, TrustUserFactory, UserFactory
from trusts.roles import permissions_by_role

ROLES = permissions_by_role()  # each role's permissions, as every app declares them

pytestmark = pytest.mark.django_db

# Values for URL parameters; any other parameter gets "1".
SAMPLE_KWARGS = {"ods_code": "RAA", "code": "race-equality-scheme", "app_label": "trusts"}


def _sample(name: str) -> str:
    return SAMPLE_KWARGS.get(name, "1")


def _route(pattern) -> str:
    if isinstance(pattern, RegexPattern):
        regex = str(pattern).removeprefix("^").removesuffix("$")
        return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: _sample(m[1]), regex)
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: _sample(m[1]), str(pattern))


def _all_paths(patterns=None, prefix: str = "/") -> Iterator[str]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        path = prefix + _route(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _all_paths(pattern.url_patterns, path)
        else:
            yield path


# The admin keeps its own sign-in page, and its views send anonymous visitors there.
SIGN_IN_PATHS = (reverse("login"), reverse("admin:login"))
# The invitation link is opened before its person can sign in; a bad link answers 404.
# The page the crawler's User-Agent names is for the people who run the websites it reads.
PUBLIC_PATHS = {
    *SIGN_IN_PATHS,
    reverse("health"),
    reverse("about_crawler"),
    reverse("trusts:invitation", kwargs={"uidb64": "1", "token": "1"}),
}


@pytest.mark.parametrize("path", sorted(set(_all_paths()) - PUBLIC_PATHS))
def test_every_page_but_sign_in_and_health_check_sends_anonymous_visitor_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(tuple(f"{p}?next=" for p in SIGN_IN_PATHS))


STAFF_PAGES = [
    ("trusts:list", {}, "trusts.view_organisation"),
    ("trusts:detail", {"ods_code": "RAA"}, "trusts.view_organisation"),
    ("trusts:import", {}, "trusts.import_organisations"),
    ("trusts:activity", {}, "trusts.view_activityrecord"),
]


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize(("url_name", "kwargs", "permission"), STAFF_PAGES)
def test_each_role_opens_trust_pages_exactly_as_its_permissions_say(client, role, url_name, kwargs, permission):
    OrganisationFactory(ods_code="RAA")
    client.force_login(UserFactory(role=role))
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == (200 if permission in ROLES[role] else 403)


@pytest.mark.parametrize(("url_name", "kwargs", "_permission"), STAFF_PAGES)
def test_trust_user_is_refused_staff_trust_pages_even_for_own_trust(client, url_name, kwargs, _permission):
    client.force_login(TrustUserFactory(organisation__ods_code="RAA"))
    assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 403


def test_signed_in_user_with_no_role_and_no_trust_is_refused_trust_list(client):
    client.force_login(UserFactory())
    assert client.get(reverse("trusts:list")).status_code == 403


def test_trust_detail_for_unknown_ods_code_is_404(client):
    client.force_login(UserFactory(role="auditor"))
    assert client.get(reverse("trusts:detail", kwargs={"ods_code": "ZZZ"})).status_code == 404


def test_import_is_not_mistaken_for_a_trust_with_ods_code_import(client):
    client.force_login(UserFactory(role="admin"))
    response = client.get("/trusts/import/")
    assert response.status_code == 200
    assert b"Import trusts" in response.content
