from django.urls import path

from . import site_views, views

app_name = "casework"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("trusts/<str:ods_code>/history/", views.trust_history, name="trust_history"),
    path("national/<int:pk>/shortfall/", views.national_shortfall, name="shortfall"),
    path("calendar/", site_views.calendar_list, name="calendar"),
    path("changes/", site_views.changes_list, name="changes"),
    path("trusts/<str:ods_code>/calendar/", site_views.trust_calendar, name="trust_calendar"),
    path("trusts/<str:ods_code>/changes/", site_views.trust_changes, name="trust_changes"),
    path("trusts/<str:ods_code>/changes/published/", site_views.published_changes, name="published_changes"),
    path("trusts/<str:ods_code>/crawl/<int:cycle_pk>/", site_views.trust_crawl_log, name="crawl_log"),
    path("trusts/<str:ods_code>/crawl/<int:cycle_pk>/<int:crawl>/", site_views.trust_crawl_log, name="crawl_log_of"),
]
