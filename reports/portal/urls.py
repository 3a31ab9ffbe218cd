from django.urls import path

from . import views

app_name = "trust"
urlpatterns = [
    path("", views.status, name="status"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/evidence/", views.evidence_download, name="evidence"),
    path("responses/<int:pk>/", views.response_detail, name="response"),
    path("responses/<int:pk>/evidence/", views.outcome_evidence_download, name="response_evidence"),
]
