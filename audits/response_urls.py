from django.urls import path

from . import response_views

app_name = "responses"
urlpatterns = [
    path("", response_views.inbox, name="inbox"),
    path("resolved/", response_views.resolved, name="resolved"),
    path("<int:pk>/recheck/", response_views.response_recheck, name="recheck"),
    path("<int:pk>/resolve/", response_views.response_resolve, name="resolve"),
    path("<int:pk>/evidence/", response_views.response_evidence, name="evidence"),
]
