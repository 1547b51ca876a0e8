"""A community's launch readiness, under /communities/<slug>/readiness/."""

from django.urls import path

from . import views

app_name = "readiness"

urlpatterns = [
    path("", views.readiness, name="checklist"),
    path(
        "start/",
        views.readiness_start,
        name="start",
    ),
    path(
        "items/<int:item_id>/",
        views.readiness_item,
        name="item",
    ),
    path(
        "dossier/",
        views.readiness_dossier,
        name="dossier",
    ),
    path(
        "decision/",
        views.readiness_decision,
        name="decision",
    ),
]
