from django.shortcuts import get_object_or_404, render

from trusts.access import staff_required

from .models import Duty


@staff_required("audits.view_duty")
def duty_list(request):
    return render(request, "audits/duty/list.html", {"duties": Duty.objects.all()})


@staff_required("audits.view_duty")
def duty_detail(request, code: str):
    return render(request, "audits/duty/detail.html", {"duty": get_object_or_404(Duty, code=code)})
