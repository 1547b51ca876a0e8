from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import search_views, views
from .core.admin import (
    harden_admin_site,
    localize_boolean_icons,
    name_blank_filter_values,
    view_on_site,
)

# Lazy: rendered in the language of each request, like the rest of the admin.
admin.site.site_header = _("Portail des communautés de pratique")
admin.site.site_title = settings.PORTAL_NAME
admin.site.login = views.admin_login
# Every admin, the portal's and third-party ones: bad filters and selections never 500.
harden_admin_site(admin.site)
localize_boolean_icons()
name_blank_filter_values()

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("communities/", include("communities.urls")),
    path("communities/<slug:slug>/readiness/", include("readiness.urls")),
    path("", include("communities.directory_urls")),
    path("conversations/", include("conversations.urls")),
    path("resources/", include("resources.urls")),
    # Forums: /forums/, /topics/<id>/, /posts/<id>/…, /notifications/.
    path("", include("forums.urls")),
    path("search/", search_views.search, name="search"),
    path("digests/", include("digests.urls")),
    # Before the admin's own route: "view on site" answers only for what the person may view.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
        name="admin_view_on_site",
    ),
    path("admin/", admin.site.urls),
]

# Uploaded files are never served from MEDIA_URL, not even while debugging: only the
# download view (/resources/<id>/download/) hands them out, after checking visibility.
