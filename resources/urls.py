from django.urls import path, register_converter

from . import feeds, views


class TagSlugConverter:
    """Tag slugs keep their accents ("présentation", "études-de-cas")."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TagSlugConverter, "tagslug")

app_name = "resources"

urlpatterns = [
    path("", views.resource_list, name="list"),
    path("new/", views.resource_create, name="create"),
    path("bookmarks/", views.bookmark_list, name="bookmarks"),
    path("flags/", views.flag_queue, name="flags"),
    path("flags/<int:pk>/", views.flag_resolve, name="flag_resolve"),
    path("feeds/tags/<tagslug:slug>/", feeds.TagFeed(), name="feed_tag"),
    path("feeds/communities/<slug:slug>/", feeds.CommunityFeed(), name="feed_community"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/download/", views.resource_download, name="download"),
    path("<int:pk>/edit/", views.resource_edit, name="edit"),
    path("<int:pk>/feature/", views.resource_feature, name="feature"),
    path("<int:pk>/moderate/", views.resource_moderate, name="moderate"),
    path("<int:pk>/bookmark/", views.resource_bookmark, name="bookmark"),
    path("<int:pk>/flag/", views.resource_flag, name="flag"),
    path("<int:pk>/<str:slug>/", views.resource_detail, name="detail_slug"),
]
