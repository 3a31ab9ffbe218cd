"""Accuracy on generated trust websites whose truth a careful human auditor would agree with.

The websites come from demo.websites (written without looking at the matcher), served on loopback;
every check runs through the same service the Celery task calls.
"""

import pytest
from django.core.management import call_command

from audits import services
from audits.models import Finding, SiteCheck
from demo.serve import SiteServer, site_from_directory
from demo.websites import ERAS, generate
from trusts.models import Organisation


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.django_db
def test_findings_agree_with_the_truth_on_at_least_95_percent_of_pairs(era, tmp_path, settings, monkeypatch):
    settings.AUDIT_ALLOW_PRIVATE_HOSTS = True
    settings.AUDIT_CRAWL_DELAY = 0
    monkeypatch.setattr(services, "_enqueue", lambda ids, duty_codes=None: None)
    call_command("load_duties", verbosity=0)
    audit_date, duties = ERAS[era].audit_date, list(ERAS[era].not_met_share)
    specs = generate(tmp_path / "sites", n=30, seed=4242, era=era)
    sites = {spec.ods_code: site_from_directory(tmp_path / "sites" / spec.ods_code.lower()) for spec in specs}
    with SiteServer(sites, first_address="127.0.50.1") as server:
        Organisation.objects.bulk_create(
            Organisation(
                ods_code=s.ods_code,
                name=s.name,
                org_type=s.org_type,
                region=s.region,
                headcount=s.headcount,
                website=server.url(s.ods_code),
            )
            for s in specs
        )
        cycle = services.start_cycle(f"accuracy {era}", audit_date, duties)
        for check_id in SiteCheck.objects.filter(cycle=cycle).values_list("id", flat=True):
            services.run_site_check(check_id)

    truth = {(s.ods_code, duty): status for s in specs for duty, status in s.truth.items()}
    found = {
        (f.organisation.ods_code, f.duty.code): f.status for f in Finding.objects.select_related("organisation", "duty")
    }
    assert set(found) == set(truth), "one finding for every (trust, duty) the duty applies to"
    wrong = {pair: (found[pair], truth[pair]) for pair in truth if found[pair] != truth[pair]}
    agreement = 1 - len(wrong) / len(truth)
    review = sum(status == "review" for status in found.values()) / len(found)
    print(f"{era}: {len(truth)} pairs, agreement {agreement:.1%}, review {review:.1%}, disagreements {wrong}")
    assert agreement >= 0.95, wrong
    assert review < 0.10
