from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from audits import views as audits_views
from config.health import health
from reports.dashboard import home
from trusts import two_factor_views
from trusts import views as trusts_views
from trusts.two_factor import two_factor_exempt

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health, name="health"),
    # Named in the crawler's User-Agent (AUDIT_USER_AGENT): public, for the people who run trust websites.
    path("about/crawler", audits_views.about_crawler, name="about_crawler"),
    path("sign-in/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("sign-in/two-factor/", two_factor_views.verify, name="two_factor_verify"),
    path("sign-in/two-factor/set-up/", two_factor_views.set_up, name="two_factor_set_up"),
    path("sign-out/", two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("account/two-factor/", two_factor_views.account, name="two_factor_account"),
    path("account/two-factor/turn-off/", two_factor_views.turn_off, name="two_factor_turn_off"),
    path("trusts/", include("trusts.urls")),
    path("audits/", include("audits.urls")),
    path("audits/responses/", include("audits.responses.urls")),
    path("reports/national/", include("reports.national.urls")),
    path("letters/", include("reports.letters.urls")),
    path("my/", include("reports.portal.urls")),
    path("casework/", include("casework.urls")),
    # One sign-in page for everyone, with its lockout and second step.
    path("admin/login/", trusts_views.admin_sign_in),
    path("admin/", admin.site.urls),
]
