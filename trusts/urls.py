from django.urls import path

from . import invitation_views, views

app_name = "trusts"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("import/", views.organisation_import, name="import"),
    path("activity/", views.activity_list, name="activity"),
    path("invitation/<uidb64>/<token>/", invitation_views.invitation_accept, name="invitation"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:pk>/roles/", views.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path("staff/<int:pk>/reinvite/", views.staff_reinvite, name="staff_reinvite"),
    path("staff/<int:pk>/reset-two-factor/", views.staff_reset_two_factor, name="staff_reset_two_factor"),
    path("<str:ods_code>/", views.organisation_detail, name="detail"),
    path("<str:ods_code>/users/", invitation_views.user_list, name="users"),
    path("<str:ods_code>/users/<int:pk>/deactivate/", invitation_views.user_deactivate, name="user_deactivate"),
    path("<str:ods_code>/users/<int:pk>/reactivate/", invitation_views.user_reactivate, name="user_reactivate"),
    path("<str:ods_code>/users/<int:pk>/reinvite/", invitation_views.user_reinvite, name="user_reinvite"),
    path(
        "<str:ods_code>/users/<int:pk>/reset-two-factor/",
        invitation_views.user_reset_two_factor,
        name="user_reset_two_factor",
    ),
]
