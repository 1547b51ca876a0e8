"""The digest's own pages, under /digests/: the unsubscribe link of each message."""

from django.urls import path

from . import views

app_name = "digests"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
