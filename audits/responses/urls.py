from django.urls import path

from . import views

app_name = "responses"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("resolved/", views.resolved, name="resolved"),
    path("<int:pk>/recheck/", views.response_recheck, name="recheck"),
    path("<int:pk>/resolve/", views.response_resolve, name="resolve"),
    path("<int:pk>/evidence/", views.response_evidence, name="evidence"),
]
