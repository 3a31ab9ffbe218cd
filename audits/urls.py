from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("duties/", views.duty_list, name="duty_list"),
    path("duties/<slug:code>/", views.duty_detail, name="duty_detail"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/progress.json", views.cycle_progress, name="cycle_progress"),
    path("cycles/<int:pk>/cancel/", views.cycle_cancel, name="cycle_cancel"),
    path("cycles/<int:pk>/checks/<int:check_pk>/recheck/", views.site_check_recheck, name="site_check_recheck"),
    path("cycles/<int:pk>/findings/<int:finding_pk>/", views.finding_detail, name="finding_detail"),
]
