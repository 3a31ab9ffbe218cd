from django.urls import path

from . import casework_views

app_name = "casework"
urlpatterns = [
    path("calendar/", casework_views.calendar_list, name="calendar"),
    path("changes/", casework_views.changes_list, name="changes"),
    path("trusts/<str:ods_code>/calendar/", casework_views.trust_calendar, name="trust_calendar"),
    path("trusts/<str:ods_code>/changes/", casework_views.trust_changes, name="trust_changes"),
]
