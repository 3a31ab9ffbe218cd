import datetime

import factory
from django.contrib.auth.models import Group

from audits.models import AuditCycle, Duty, Finding, SiteCheck
from trusts.models import Organisation, OrgType, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"R{n:04d}"[:5])
    name = factory.Sequence(lambda n: f"Trust {n} NHS Trust")
    org_type = OrgType.ACUTE
    region = "London"
    website = factory.LazyAttribute(lambda o: f"http://{o.ods_code.lower()}.nhs.example/")
    headcount = 3000


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class TrustUserFactory(UserFactory):
    organisation = factory.SubFactory(OrganisationFactory)


class DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Duty
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"duty-{n}")
    title = factory.LazyAttribute(lambda d: d.code.replace("-", " ").capitalize())
    strand = "race"
    legal_basis = "Race Relations Act 1976"
    citation = "SI 2001/3458 art 2"
    requirement = "Publish a scheme."
    org_types = [t.value for t in OrgType]
    in_force_from = datetime.date(2002, 5, 31)
    recency_rule = "covers"
    recency_months = 36
    evidence_rules = factory.LazyFunction(dict)
    source_file = "test.yaml"
    catalogue_version = "1"


class AuditCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditCycle

    name = factory.Sequence(lambda n: f"cycle-{n}")
    audit_date = datetime.date(2007, 4, 1)


class SiteCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteCheck

    cycle = factory.SubFactory(AuditCycleFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    website = factory.LazyAttribute(lambda s: s.organisation.website)


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    site_check = factory.SubFactory(SiteCheckFactory)
    cycle = factory.SelfAttribute("site_check.cycle")
    organisation = factory.SelfAttribute("site_check.organisation")
    duty = factory.SubFactory(DutyFactory)
    status = "met"
    confidence = 0.9
    rationale = "Found it."
