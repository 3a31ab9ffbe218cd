from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("calendar/", views.calendar_list, name="calendar"),
    path("changes/", views.changes_list, name="changes"),
    path("trusts/<str:ods_code>/calendar/", views.trust_calendar, name="trust_calendar"),
    path("trusts/<str:ods_code>/changes/", views.trust_changes, name="trust_changes"),
    path("trusts/<str:ods_code>/changes/published/", views.published_changes, name="published_changes"),
    path("trusts/<str:ods_code>/crawl/<int:cycle_pk>/", views.trust_crawl_log, name="crawl_log"),
    path("trusts/<str:ods_code>/crawl/<int:cycle_pk>/<int:crawl>/", views.trust_crawl_log, name="crawl_log_of"),
]
