from django.urls import path

from . import response_views

app_name = "responses"
urlpatterns = [
    path("", response_views.inbox, name="inbox"),
    path("<int:pk>/recheck/", response_views.response_recheck, name="recheck"),
    path("<int:pk>/resolve/", response_views.response_resolve, name="resolve"),
]
