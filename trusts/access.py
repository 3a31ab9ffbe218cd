"""Who may see what. Staff views declare the permission they need; trust users see only their own
organisation, and anything else answers 404 so that they learn nothing about other trusts."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
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


def organisation_for(user, ods_code: str) -> Organisation:
    """The organisation with this ODS code if the user may see it, else 404."""
    organisations = Organisation.objects.all()
    if not user.is_regulator_staff:
        organisations = organisations.filter(pk=user.organisation_id)
    return get_object_or_404(organisations, ods_code=ods_code)
