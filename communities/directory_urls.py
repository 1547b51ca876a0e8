from django.urls import path

from . import directory_views as views

app_name = "directory"

urlpatterns = [
    path("members/", views.member_directory, name="list"),
    path("members/<slug:handle>/", views.profile_detail, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/feeds/", views.feed_token_change, name="feed_token"),
    # taggit keeps accents in slugs ("évaluation", "études-de-cas"): `slug:` would not
    # route them. The view looks the tag up by its exact slug, so any segment is safe.
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("tags/<str:slug>/follow/", views.tag_follow, name="tag_follow"),
]
