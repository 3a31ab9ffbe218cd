from django.urls import path

from . import trust_views

app_name = "trust"
urlpatterns = [
    path("", trust_views.status, name="status"),
    path("findings/<int:pk>/", trust_views.finding_detail, name="finding"),
    path("findings/<int:pk>/evidence/", trust_views.evidence_download, name="evidence"),
    path("responses/<int:pk>/", trust_views.response_detail, name="response"),
    path("responses/<int:pk>/evidence/", trust_views.outcome_evidence_download, name="response_evidence"),
]
