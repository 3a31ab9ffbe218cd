from django.urls import path

from . import invitation_views, views

app_name = "trusts"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("import/", views.organisation_import, name="import"),
    path("activity/", views.activity_list, name="activity"),
    path("invitation/<uidb64>/<token>/", invitation_views.invitation_accept, name="invitation"),
    path("<str:ods_code>/", views.organisation_detail, name="detail"),
    path("<str:ods_code>/users/", invitation_views.user_list, name="users"),
    path("<str:ods_code>/users/<int:pk>/deactivate/", invitation_views.user_deactivate, name="user_deactivate"),
    path("<str:ods_code>/users/<int:pk>/reactivate/", invitation_views.user_reactivate, name="user_reactivate"),
    path("<str:ods_code>/users/<int:pk>/reinvite/", invitation_views.user_reinvite, name="user_reinvite"),
]
