"""Who may see what, in one place. Staff views declare the permission they need; regulator staff see
every trust's data, a trust user only their own organisation's, and anything else answers 404 so that
they learn nothing about other trusts.

Every model that holds a trust's data offers `Model.objects.visible_to(user)`, and each one is `scoped`
here: `Organisation`, `Finding`, `Evidence`, `TrustResponse` (audits) and `Letter` (reports) add only
what a trust may see of their own (published cycles: audits/lifecycle.py `shown_to_trusts`; issued letters).
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Organisation


def staff_required(permission: str | None = None) -> Callable:
    """Allow regulator staff only (403 for trust users), and only with `permission` if given."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_regulator_staff or (permission and not user.has_perm(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def scoped(queryset: QuerySet, user, organisation: str, trust_sees: Q | None = None) -> QuerySet:
    """The rows of `queryset` the user may see: every row for regulator staff; for a trust user, the rows
    of their own organisation (`organisation` is the lookup to it) that also match `trust_sees`; none
    for anyone else."""
    if user.is_regulator_staff:
        return queryset
    if not getattr(user, "organisation_id", None):
        return queryset.none()
    return queryset.filter(trust_sees or Q(), **{organisation: user.organisation_id})


def organisation_for(user, ods_code: str) -> Organisation:
    """The organisation with this ODS code if the user may see it, else 404."""
    return get_object_or_404(Organisation.objects.visible_to(user), ods_code=ods_code)
