from django.shortcuts import render
from django_tables2 import RequestConfig

from .access import organisation_for, staff_required
from .filters import OrganisationFilter
from .tables import OrganisationTable


@staff_required("trusts.view_organisation")
def organisation_list(request):
    filterset = OrganisationFilter(request.GET)
    table = OrganisationTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "trusts/organisation/list.html", {"filter": filterset, "table": table})


@staff_required("trusts.view_organisation")
def organisation_detail(request, ods_code: str):
    organisation = organisation_for(request.user, ods_code)
    return render(request, "trusts/organisation/detail.html", {"organisation": organisation})
