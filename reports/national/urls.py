from django.urls import path

from . import views

app_name = "national"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("open-data/", views.open_data, name="open_data"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/compare/", views.compare_choose, name="compare_choose"),
    path("<int:pk>/compare/<int:other_pk>/", views.compare, name="compare"),
    path("<int:pk>/findings.csv", views.export_findings_csv, name="findings_csv"),
    path("<int:pk>/findings.xlsx", views.export_findings_xlsx, name="findings_xlsx"),
    path("<int:pk>/findings.json", views.export_findings_json, name="findings_json"),
    path("<int:pk>/report.pdf", views.export_report_pdf, name="report_pdf"),
    path("<int:pk>/report.json", views.export_report_json, name="report_json"),
]
