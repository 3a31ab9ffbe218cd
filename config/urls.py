from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from reports import views as report_views
from trusts import two_factor_views
from trusts.two_factor import two_factor_exempt

urlpatterns = [
    path("", report_views.home, name="home"),
    path("healthz", report_views.health, name="health"),
    path("sign-in/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("sign-in/two-factor/", two_factor_views.verify, name="two_factor_verify"),
    path("sign-in/two-factor/set-up/", two_factor_views.set_up, name="two_factor_set_up"),
    path("sign-out/", two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("account/two-factor/", two_factor_views.account, name="two_factor_account"),
    path("account/two-factor/turn-off/", two_factor_views.turn_off, name="two_factor_turn_off"),
    path("trusts/", include("trusts.urls")),
    path("audits/", include("audits.urls")),
    path("audits/responses/", include("audits.response_urls")),
    path("reports/national/", include("reports.national.urls")),
    path("letters/", include("reports.letters.urls")),
    path("my/", include("reports.trust_urls")),
    path("casework/", include("reports.casework_urls")),
    # One sign-in page for everyone, with its lockout and second step.
    path("admin/login/", login_not_required(RedirectView.as_view(pattern_name="login", query_string=True))),
    path("admin/", admin.site.urls),
]
