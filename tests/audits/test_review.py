"""Reviewers confirm or override findings with a reason; nobody silently overwrites anybody."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audits import review
from audits.models import AuditCycle, Finding, FindingChange
from audits.services import AuditError
from tests.factories import (
    AuditCycleFactory,
    DutyFactory,
    FindingFactory,
    SiteCheckFactory,
    TrustUserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    cycle = AuditCycleFactory(name="Web audit 2007", status=AuditCycle.Status.IN_REVIEW)
    cycle.duties.add(DutyFactory(code="race-equality-scheme", title="Race equality scheme"))
    return cycle


@pytest.fixture
def finding(cycle):
    return FindingFactory(
        site_check=SiteCheckFactory(cycle=cycle, organisation__name="Alderbrook Hospitals NHS Trust"),
        duty=cycle.duties.get(),
        status="review",
        rationale="The scheme is behind robots.txt.",
    )


@pytest.fixture
def reviewer():
    return UserFactory(role="reviewer", first_name="Rita", last_name="Reviewer")


def _url(name, finding):
    return reverse(name, kwargs={"pk": finding.cycle_id, "finding_pk": finding.pk})


# The service


def test_override_records_reviewer_reason_and_history(finding, reviewer):
    reviewed = review.review_finding(finding, reviewer, "met", "The scheme is on the intranet copy.", 1)

    assert reviewed.reviewed_status == "met"
    assert reviewed.reviewed_by == reviewer
    assert reviewed.reviewed_at is not None
    assert reviewed.review_reason == "The scheme is on the intranet copy."
    assert reviewed.version == 2
    assert reviewed.status == "review"  # the automated status stays as it was
    change = FindingChange.objects.get(finding=finding)
    assert (change.kind, change.changed_by, change.from_status, change.to_status) == (
        "review",
        reviewer,
        "review",
        "met",
    )


def test_second_reviewer_with_the_same_version_gets_a_conflict_and_overwrites_nothing(finding, reviewer):
    other = UserFactory(role="reviewer")
    first_copy, second_copy = Finding.objects.get(pk=finding.pk), Finding.objects.get(pk=finding.pk)

    review.review_finding(first_copy, reviewer, "met", "Found it by hand.", first_copy.version)
    with pytest.raises(AuditError, match=r"changed by Rita Reviewer at .* since you opened it"):
        review.review_finding(second_copy, other, "not_met", "Nothing there.", second_copy.version)

    finding.refresh_from_db()
    assert (finding.reviewed_status, finding.reviewed_by, finding.version) == ("met", reviewer, 2)
    assert FindingChange.objects.filter(finding=finding).count() == 1


def test_review_after_an_automated_recheck_is_a_conflict(finding, reviewer):
    Finding.objects.filter(pk=finding.pk).update(version=2, status="met")
    with pytest.raises(AuditError, match="changed by the automated check"):
        review.review_finding(finding, reviewer, "not_met", "No.", 1)


def test_reason_is_mandatory_and_status_must_be_known(finding, reviewer):
    with pytest.raises(AuditError, match="reason"):
        review.review_finding(finding, reviewer, "met", "   ", 1)
    for undecided in ("maybe", "review", "error"):
        # "Needs review" is the automated check's way of saying it could not decide; a person decides.
        with pytest.raises(AuditError, match="decides met or not met"):
            review.review_finding(finding, reviewer, undecided, "Because.", 1)
    assert not FindingChange.objects.exists()


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled"])
def test_review_is_refused_outside_running_in_review_and_published(finding, reviewer, status):
    AuditCycle.objects.filter(pk=finding.cycle_id).update(status=status)
    with pytest.raises(AuditError, match="can no longer be reviewed"):
        review.review_finding(finding, reviewer, "met", "Late.", 1)
    finding.refresh_from_db()
    assert finding.reviewed_status == ""


def test_a_published_finding_can_be_corrected_with_history(finding, reviewer):
    AuditCycle.objects.filter(pk=finding.cycle_id).update(status=AuditCycle.Status.PUBLISHED)

    corrected = review.review_finding(finding, reviewer, "met", "The trust's answer pointed to the scheme.", 1)

    assert corrected.reviewed_status == "met"
    change = FindingChange.objects.get(finding=finding, kind="review")
    assert (change.from_status, change.to_status, change.changed_by) == ("review", "met", reviewer)


def test_review_is_allowed_while_running(finding, reviewer):
    AuditCycle.objects.filter(pk=finding.cycle_id).update(status=AuditCycle.Status.RUNNING)
    assert review.review_finding(finding, reviewer, "met", "Early.", 1).reviewed_status == "met"


def test_history_entries_cannot_be_edited_or_deleted(finding, reviewer):
    review.review_finding(finding, reviewer, "met", "Found.", 1)
    change = FindingChange.objects.get(finding=finding)
    change.reason = "Rewritten"
    with pytest.raises(PermissionDenied):
        change.save()
    with pytest.raises(PermissionDenied):
        change.delete()


def test_bulk_confirm_keeps_automated_status_and_skips_changed_findings(cycle, reviewer):
    duty = cycle.duties.get()
    a, b, c = (FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="not_met") for _ in range(3))
    Finding.objects.filter(pk=c.pk).update(version=5)

    result = review.confirm_findings({a.pk: 1, b.pk: 1, c.pk: 1}, reviewer, "Checked by hand.", cycle=cycle)

    assert {f.pk for f in result.confirmed} == {a.pk, b.pk}
    assert len(result.conflicts) == 1 and "since you opened it" in result.conflicts[0]
    assert set(Finding.objects.filter(reviewed_status="not_met").values_list("pk", flat=True)) == {a.pk, b.pk}
    assert FindingChange.objects.filter(kind="review", from_status="not_met", to_status="not_met").count() == 2


def test_queue_lists_review_findings_and_a_reproducible_sample_of_the_others(cycle):
    duty = cycle.duties.get()
    needs = FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="review")
    reviewed = FindingFactory(
        site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="review", reviewed_status="met"
    )
    others = [FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="met") for _ in range(200)]

    queue = list(review.review_queue(cycle))

    assert queue[0] == needs and not queue[0].in_sample
    assert reviewed not in queue
    sample = [f for f in queue if f.in_sample]
    assert len(sample) == 10  # 5 in every 100 consecutive ids
    assert {f.pk for f in sample} <= {f.pk for f in others}
    assert [f.pk for f in review.review_queue(cycle)] == [f.pk for f in queue]


def test_agreement_rate_per_duty_counts_reviewed_findings_only(cycle, reviewer):
    duty = cycle.duties.get()
    other_duty = DutyFactory(code="wres-report", title="WRES report")
    cycle.duties.add(other_duty)
    for status, reviewed_status in [("met", "met"), ("met", "met"), ("met", "not_met"), ("review", "met")]:
        FindingFactory(
            site_check=SiteCheckFactory(cycle=cycle), duty=duty, status=status, reviewed_status=reviewed_status
        )
    FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="met")

    rates = {a.duty.code: a for a in review.agreement_by_duty(cycle)}

    assert (rates["race-equality-scheme"].reviewed, rates["race-equality-scheme"].agreed) == (4, 2)
    assert rates["race-equality-scheme"].rate == 0.5
    assert rates["wres-report"].rate is None


# The pages


def test_reviewer_overrides_a_finding_through_the_form(client, finding, reviewer):
    client.force_login(reviewer)
    page = client.get(_url("audits:finding_detail", finding)).content.decode()
    assert 'name="version" value="1"' in page
    assert "csrfmiddlewaretoken" in page

    response = client.post(
        _url("audits:finding_review", finding), {"status": "met", "reason": "Scheme found by hand.", "version": "1"}
    )

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Scheme found by hand." in page
    assert "Rita Reviewer" in page
    finding.refresh_from_db()
    assert finding.reviewed_status == "met"


def test_review_form_without_reason_shows_the_error(client, finding, reviewer):
    client.force_login(reviewer)
    response = client.post(_url("audits:finding_review", finding), {"status": "met", "reason": "", "version": "1"})
    assert response.status_code == 400
    assert "Give the reason for your decision." in response.content.decode()
    assert not FindingChange.objects.exists()


def test_conflicting_review_rerenders_with_current_state_and_version(client, finding, reviewer):
    review.review_finding(finding, reviewer, "not_met", "Nothing on the site.", 1)
    client.force_login(UserFactory(role="reviewer"))

    response = client.post(
        _url("audits:finding_review", finding), {"status": "met", "reason": "I found it.", "version": "1"}
    )

    content = response.content.decode()
    assert response.status_code == 409
    assert "changed by Rita Reviewer" in content
    assert "Nothing on the site." in content  # the current decision is shown
    assert 'name="version" value="2"' in content
    assert "I found it." in content  # what the second reviewer wrote is kept for them
    assert FindingChange.objects.filter(finding=finding).count() == 1


def test_review_form_is_offered_to_reviewers_only_and_only_until_the_cycle_closes(client, finding, reviewer):
    client.force_login(UserFactory(role="auditor"))
    assert "Review this finding" not in client.get(_url("audits:finding_detail", finding)).content.decode()
    client.force_login(reviewer)
    assert "Review this finding" in client.get(_url("audits:finding_detail", finding)).content.decode()
    AuditCycle.objects.filter(pk=finding.cycle_id).update(status=AuditCycle.Status.PUBLISHED)
    assert "Review this finding" in client.get(_url("audits:finding_detail", finding)).content.decode()
    AuditCycle.objects.filter(pk=finding.cycle_id).update(status=AuditCycle.Status.CLOSED)
    assert "Review this finding" not in client.get(_url("audits:finding_detail", finding)).content.decode()
    response = client.post(_url("audits:finding_review", finding), {"status": "met", "reason": "x", "version": "1"})
    assert response.status_code == 409
    assert "can no longer be reviewed" in response.content.decode()


def test_review_queue_page_lists_findings_and_agreement(client, finding, reviewer):
    client.force_login(reviewer)
    content = client.get(reverse("audits:cycle_review", kwargs={"pk": finding.cycle_id})).content.decode()
    assert "Alderbrook Hospitals NHS Trust" in content
    assert f'value="{finding.pk}:1"' not in content  # undecided: nothing to confirm in bulk
    assert "Open it to decide" in content and "The automated check could not decide" in content
    assert _url("audits:finding_detail", finding) in content
    assert 'data-duty="race-equality-scheme">None reviewed<' in content


def test_review_queue_rows_say_why_each_finding_is_listed_and_offer_a_box_for_decided_ones(client, cycle, reviewer):
    duty = cycle.duties.get()

    def listed(status, name):
        site_check = SiteCheckFactory(cycle=cycle, organisation__name=name)
        return FindingFactory(site_check=site_check, duty=duty, status=status)

    undecided = listed("review", "Alder <Care> NHS Trust")
    unreadable = listed("error", "Birch NHS Trust")
    overturned = listed("not_met", "Cedar NHS Trust")
    FindingChange.objects.create(finding=overturned, kind="review", from_status="not_met", to_status="met", reason="x")
    for n in range(40):
        listed("met", f"Trust {n:02d}")
    sampled = next(f for f in review.review_queue(cycle) if f.in_sample)
    client.force_login(reviewer)

    html = client.get(reverse("audits:cycle_review", kwargs={"pk": cycle.pk})).content.decode()

    rows = {
        re.sub(r"<[^>]+>", "", row.split('<td class="govuk-table__cell">')[2]).split()[-1]: row
        for row in re.findall(r'<tr class="govuk-table__row"><td.*?</tr>', html, re.S)
    }
    ods = {f: f.organisation.ods_code for f in (undecided, unreadable, overturned, sampled)}
    assert (
        "Open it to decide" in rows[ods[undecided]] and "The automated check could not decide" in rows[ods[undecided]]
    )
    assert "Alder &lt;Care&gt; NHS Trust" in rows[ods[undecided]]
    assert "Open it to decide" in rows[ods[unreadable]] and "The website could not be read" in rows[ods[unreadable]]
    assert f'value="{overturned.pk}:1"' in rows[ods[overturned]]
    assert "A recheck differs from its review" in rows[ods[overturned]]
    assert f'value="{sampled.pk}:1"' in rows[ods[sampled]]
    assert "Quality sample: is the automated status right?" in rows[ods[sampled]]
    assert _url("audits:finding_detail", sampled) in rows[ods[sampled]]
    assert " disabled" not in html.split("<tbody")[1].split("</tbody>")[0]

    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.CLOSED)
    closed = client.get(reverse("audits:cycle_review", kwargs={"pk": cycle.pk})).content.decode()
    assert f'value="{overturned.pk}:1" disabled>' in closed


def test_bulk_confirm_through_the_queue(client, cycle, reviewer):
    duty = cycle.duties.get()
    a, b = (FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="not_met") for _ in range(2))
    undecided = FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="review")
    client.force_login(reviewer)
    url = reverse("audits:cycle_review", kwargs={"pk": cycle.pk})

    response = client.post(
        url, {"findings": [f"{a.pk}:1", f"{b.pk}:1", f"{undecided.pk}:1"], "reason": "Read them."}, follow=True
    )

    content = response.content.decode()
    assert "2 findings confirmed" in content
    assert "nothing to confirm; open it and decide met or not met" in content
    assert Finding.objects.filter(reviewed_status="not_met", review_reason="Read them.").count() == 2
    assert Finding.objects.get(pk=undecided.pk).reviewed_status == ""  # it stays in the queue, still blocking
    assert 'data-duty="race-equality-scheme">100%<' in content


def test_bulk_confirm_needs_a_selection_and_a_reason(client, finding, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("audits:cycle_review", kwargs={"pk": finding.cycle_id}), {"findings": []})
    content = response.content.decode()
    assert response.status_code == 400
    assert "Select at least one finding to confirm." in content
    assert "Give the reason for confirming these findings." in content


# Who may review


@pytest.mark.parametrize("role", ["auditor", "signatory", "admin"])
def test_staff_without_review_finding_are_refused(client, finding, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("audits:cycle_review", kwargs={"pk": finding.cycle_id})).status_code == 403
    response = client.post(_url("audits:finding_review", finding), {"status": "met", "reason": "x", "version": "1"})
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.reviewed_status == ""


def test_trust_user_is_refused_review_even_for_own_trust(client, finding):
    client.force_login(TrustUserFactory(organisation=finding.organisation))
    assert client.get(reverse("audits:cycle_review", kwargs={"pk": finding.cycle_id})).status_code == 403
    assert client.post(_url("audits:finding_review", finding), {"status": "met"}).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_review_pages(client, finding):
    for response in (
        client.get(reverse("audits:cycle_review", kwargs={"pk": finding.cycle_id})),
        client.post(_url("audits:finding_review", finding), {"status": "met"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_review_of_unknown_finding_is_404(client, finding, reviewer):
    client.force_login(reviewer)
    url = reverse("audits:finding_review", kwargs={"pk": finding.cycle_id, "finding_pk": 999})
    assert client.post(url, {"status": "met", "reason": "x", "version": "1"}).status_code == 404
    assert client.get(reverse("audits:cycle_review", kwargs={"pk": 999})).status_code == 404


# Reviewing in a row: the evidence first, then the decision, then the next finding


def test_the_evidence_comes_before_the_decision_form(client, finding, reviewer):
    client.force_login(reviewer)
    page = client.get(_url("audits:finding_detail", finding)).content.decode()
    assert page.index(">Evidence</h2>") < page.index("Review this finding")


def test_save_and_next_walks_the_queue_and_says_when_it_is_empty(client, cycle, finding, reviewer):
    second = FindingFactory(
        site_check=SiteCheckFactory(cycle=cycle, organisation__name="Birchwood NHS Trust"),
        duty=cycle.duties.get(),
        status="review",
    )
    client.force_login(reviewer)
    page = client.get(_url("audits:finding_detail", finding)).content.decode()
    assert "Save and go to the next finding" in page

    first_post = client.post(
        _url("audits:finding_review", finding),
        {"status": "met", "reason": "Seen.", "version": "1", "save_and_next": "1"},
    )
    assert first_post.status_code == 302
    assert first_post["Location"] == _url("audits:finding_detail", second)

    last_post = client.post(
        _url("audits:finding_review", second),
        {"status": "not_met", "reason": "Absent.", "version": "1", "save_and_next": "1"},
        follow=True,
    )
    assert last_post.redirect_chain[-1][0] == reverse("audits:cycle_review", kwargs={"pk": cycle.pk})
    assert "review queue of Web audit 2007 is empty" in last_post.content.decode()
    assert set(Finding.objects.values_list("reviewed_status", flat=True)) == {"met", "not_met"}


def test_a_review_entry_names_the_evidence_the_reviewer_saw(finding, reviewer):
    from django.utils import timezone

    from audits.models import Evidence

    evidence = Evidence.objects.create(
        site_check=finding.site_check,
        url="http://t.example/res",
        final_url="http://t.example/res",
        fetched_at=timezone.now(),
    )
    Finding.objects.filter(pk=finding.pk).update(evidence=evidence)

    review.review_finding(finding, reviewer, "met", "Read it.", 1)

    assert FindingChange.objects.get(finding=finding, kind="review").evidence == evidence


def test_bulk_confirm_accepts_only_findings_of_the_cycle_in_the_url(client, cycle, finding, reviewer):
    other_cycle = AuditCycleFactory(name="Web audit 2008", status=AuditCycle.Status.IN_REVIEW)
    other_cycle.duties.add(cycle.duties.get())
    foreign = FindingFactory(site_check=SiteCheckFactory(cycle=other_cycle), duty=cycle.duties.get(), status="met")
    client.force_login(reviewer)

    response = client.post(
        reverse("audits:cycle_review", kwargs={"pk": cycle.pk}),
        {"findings": [f"{finding.pk}:1", f"{foreign.pk}:1"], "reason": "Both fine."},
        follow=True,
    )

    assert "not findings of Web audit 2007" in response.content.decode()
    assert not Finding.objects.exclude(reviewed_status="").exists()


def test_once_published_the_queue_holds_only_what_needs_a_decision(cycle):
    duty = cycle.duties.get()
    error = FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="error")
    for _ in range(100):
        FindingFactory(site_check=SiteCheckFactory(cycle=cycle), duty=duty, status="met")
    assert review.review_queue(cycle).filter(in_sample=True).exists()

    AuditCycle.objects.filter(pk=cycle.pk).update(status=AuditCycle.Status.PUBLISHED)
    cycle.refresh_from_db()  # as the next request reads it

    # An unreadable website blocks publication, so it is always a reviewer's work; the sample is not.
    assert list(review.review_queue(cycle)) == [error]


def test_even_a_superuser_cannot_review_a_finding_or_change_its_evidence_in_the_django_admin(client, finding):
    # A review goes through audits.review, which keeps its history; the admin only shows.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change = reverse("admin:audits_finding_change", args=[finding.pk])

    page = client.get(change)
    refused = client.post(change, {"reviewed_status": "met", "reviewed_reason": "Looks fine to me."})

    assert page.status_code == 200 and "Alderbrook Hospitals NHS Trust" in page.content.decode()
    assert 'name="reviewed_status"' not in page.content.decode()
    assert refused.status_code == 403
    finding.refresh_from_db()
    assert (finding.reviewed_status, FindingChange.objects.filter(finding=finding).count()) == ("", 0)
    for model in ("evidence", "sitecheck", "auditcycle"):
        assert client.get(reverse(f"admin:audits_{model}_add")).status_code == 403
