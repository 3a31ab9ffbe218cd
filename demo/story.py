"""The demo's audit year, played through by its people, so that every demo sign-in finds a portal in use.

The spring audit is reviewed (each finding the engine left for a person decided as the demo site's
truth says), published and lettered, and one trust has answered a finding; a follow-up audit is
left in review. So the trust user lands on a published status page with an issued letter, and each
member of staff finds work waiting: findings to review, a cycle to publish, letters to approve and
to issue.
"""

from audits import publication, responses
from audits.models import AuditCycle, Finding, FindingStatus
from audits.review import review_finding
from demo.websites import TrustSpec
from reports import letters
from reports.models import Letter
from trusts.models import User

# Left for the signatory to do: the last few trusts' letters stay drafts, the few before them approved.
DRAFTS_LEFT = 4
APPROVED_LEFT = 3
DECIDED_BY_DEMO = "Demo: the reviewer read the document and the trust's site."


def play(cycle: AuditCycle, specs: list[TrustSpec], trust_user: User) -> None:
    """Review, publish and letter the audited cycle; the demo trust answers one finding."""
    reviewer, auditor, signatory = (User.objects.get(username=u) for u in ("reviewer", "auditor", "signatory"))
    truth = {spec.ods_code: spec.truth for spec in specs}
    for finding in publication.publication_blockers(cycle).findings:
        decided = truth[finding.organisation.ods_code].get(finding.duty.code, FindingStatus.NOT_MET)
        review_finding(finding, reviewer, decided, DECIDED_BY_DEMO, finding.version)
    publication.publish(cycle, auditor)

    letters.draft_letters_for_cycle(cycle)
    # The demo trust's letter first, so that it is among those issued.
    drafts = sorted(
        Letter.objects.filter(cycle=cycle, status=Letter.Status.DRAFT).select_related("organisation"),
        key=lambda letter: (letter.organisation_id != trust_user.organisation_id, letter.organisation.ods_code),
    )
    to_approve = drafts[: len(drafts) - DRAFTS_LEFT]
    letters.approve_letters(Letter.objects.filter(pk__in=[d.pk for d in to_approve]), signatory)
    letters.issue_letters(Letter.objects.filter(pk__in=[d.pk for d in to_approve[: -APPROVED_LEFT or None]]), signatory)

    unmet = (
        Finding.objects.with_effective_status()
        .filter(cycle=cycle, organisation=trust_user.organisation, effective=FindingStatus.NOT_MET)
        .select_related("organisation", "duty", "site_check__cycle")
        .first()
    )
    if unmet is not None:
        responses.submit_response(
            unmet,
            trust_user,
            f"We have published our {unmet.duty.title.lower()}; please look again.",
            [trust_user.organisation.website],
        )
