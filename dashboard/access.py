"""Who may open the staff pages: signed-in, active staff who may read orders."""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

# The pages show sales totals, so they ask for the permission that reads orders in the admin.
REQUIRED_PERMISSION = "sales.view_order"


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the admin login and come back; anyone else without access gets a 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_staff and user.has_perm(REQUIRED_PERMISSION)):
            reason = (
                "it is not a staff account" if not user.is_staff else "it may not read orders (ask for the viewer role)"
            )
            context = {**admin.site.each_context(request), "title": "Dashboard not available", "reason": reason}
            return TemplateResponse(request, "dashboard/refused.html", context, status=403)
        return view(request, *args, **kwargs)

    return wrapper
