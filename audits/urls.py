from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("duties/", views.duty_list, name="duty_list"),
    path("duties/<slug:code>/", views.duty_detail, name="duty_detail"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/start/", views.cycle_start, name="cycle_start"),
    path("cycles/<int:pk>/publish/", views.cycle_publish, name="cycle_publish"),
    path("cycles/<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("cycles/<int:pk>/results/", views.cycle_results, name="cycle_results"),
    path("cycles/<int:pk>/results.<str:fmt>", views.cycle_results_export, name="cycle_results_export"),
    path("cycles/<int:pk>/review/", views.cycle_review, name="cycle_review"),
    path("review/", views.review_queue_list, name="review_queues"),
    path("cycles/<int:pk>/progress.json", views.cycle_progress, name="cycle_progress"),
    path("cycles/<int:pk>/cancel/", views.cycle_cancel, name="cycle_cancel"),
    path("cycles/<int:pk>/checks/<int:check_pk>/recheck/", views.site_check_recheck, name="site_check_recheck"),
    path("cycles/<int:pk>/findings/<int:finding_pk>/", views.finding_detail, name="finding_detail"),
    path("cycles/<int:pk>/findings/<int:finding_pk>/review/", views.finding_review, name="finding_review"),
    path(
        "cycles/<int:pk>/findings/<int:finding_pk>/stored-copy/", views.finding_stored_copy, name="finding_stored_copy"
    ),
    path(
        "cycles/<int:pk>/findings/<int:finding_pk>/history/<int:change_pk>/stored-copy/",
        views.finding_change_stored_copy,
        name="finding_change_stored_copy",
    ),
]
