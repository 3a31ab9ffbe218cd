from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("duties/", views.duty_list, name="duty_list"),
    path("duties/<slug:code>/", views.duty_detail, name="duty_detail"),
]
