from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reports import views as report_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("healthz", report_views.health, name="health"),
    path("sign-in/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("trusts/", include("trusts.urls")),
    path("audits/", include("audits.urls")),
    path("audits/responses/", include("audits.response_urls")),
    path("reports/national/", include("reports.national_urls")),
    path("letters/", include("reports.letter_urls")),
    path("my/", include("reports.trust_urls")),
    path("admin/", admin.site.urls),
]
