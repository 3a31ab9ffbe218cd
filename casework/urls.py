from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("trusts/<str:ods_code>/history/", views.trust_history, name="trust_history"),
    path("national/<int:pk>/shortfall/", views.national_shortfall, name="shortfall"),
]
