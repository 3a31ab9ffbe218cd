from django.urls import path

from . import views

app_name = "trusts"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("import/", views.organisation_import, name="import"),
    path("<str:ods_code>/", views.organisation_detail, name="detail"),
]
