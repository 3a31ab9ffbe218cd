from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("", views.letter_list, name="list"),
    path("mine/", views.my_letters, name="mine"),
    path("cycle/<int:cycle_pk>/", views.cycle_letters, name="cycle"),
    path("cycle/<int:cycle_pk>/progress.json", views.cycle_letters_progress, name="cycle_progress"),
    path("cycle/<int:cycle_pk>/draft/", views.cycle_draft, name="cycle_draft"),
    path("cycle/<int:cycle_pk>/approve/", views.cycle_approve, name="cycle_approve"),
    path("cycle/<int:cycle_pk>/issue/", views.cycle_issue, name="cycle_issue"),
    path("<int:pk>/", views.letter_detail, name="detail"),
    path("<int:pk>/preview/", views.letter_preview, name="preview"),
    path("<int:pk>/approve/", views.letter_approve, name="approve"),
    path("<int:pk>/issue/", views.letter_issue, name="issue"),
    path("<int:pk>/withdraw/", views.letter_withdraw, name="withdraw"),
    path("<int:pk>/download/", views.letter_download, name="download"),
]
