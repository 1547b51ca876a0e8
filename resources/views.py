"""Library pages: the list and search, a resource, adding and editing, downloads,
bookmarks ("my library"), and the curators' and moderators' toggles.

Thin views: every resource is fetched through `Resource.objects.visible_to(user)` (an
invisible resource is a 404), who may do what comes from `resources.permissions`, and
every write goes through `resources.services`.
"""

from __future__ import annotations

import copy
import logging
from operator import attrgetter
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cdp_portal.core.announcements import announce
from cdp_portal.core.errors import error_text
from cdp_portal.core.media import open_for_download
from cdp_portal.core.middleware import moderation_action
from cdp_portal.core.redirects import safe_next_url
from communities.access import readable_or_404
from communities.models import Community, with_reader_membership

from . import services
from .forms import (
    LibraryFilterForm,
    ResourceFlagForm,
    ResourceFlagResolveForm,
    ResourceForm,
    ToggleForm,
)
from .library import library_search
from .models import Bookmark, Resource, ResourceFlag
from .pages import RESOURCE_PAGE
from .permissions import (
    can_edit,
    can_feature,
    can_handle_resource_flags,
    can_moderate_resource,
    can_see_history,
)
from .search import safe_headline
from .uploads import KINDS

RESOURCES_PER_PAGE = 20
BOOKMARKS_PER_PAGE = 20
FEATURED_ON_HOME = 4
REVISIONS_SHOWN = 20
FLAGS_PER_PAGE = 20
SERVED_CONTENT_TYPES = frozenset(kind.content_type for kind in KINDS.values())
# Read from the storage in blocks of this size (Django's default, 4 KiB, is one Python
# round trip per 4 KiB of a file that may weigh 20 MB).
DOWNLOAD_BLOCK_BYTES = 64 * 1024

logger = logging.getLogger(__name__)


def _visible_resource(request: HttpRequest, pk: int) -> Resource:
    resources = Resource.objects.visible_to(request.user).select_related(
        "community", "author__profile"
    )
    return readable_or_404(
        request.user,
        with_reader_membership(resources, request.user, "community"),
        community=attrgetter("community"),
        readable=None,
        pk=pk,
    )


def _next_url(request: HttpRequest, fallback: str) -> str:
    return safe_next_url(request, request.POST.get("next"), fallback)


# --- Library: list, search, facets ---------------------------------------------------


@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None)
    filters = {name: form.value(name) for name in form.FILTERS}
    query = form.value("q")
    library = library_search(
        request.user,
        q=query,
        sort=form.chosen_sort,
        page=request.GET.get("page"),
        per_page=RESOURCES_PER_PAGE,
        **filters,
    )
    page = library.page
    for resource in page.object_list:
        resource.snippet = safe_headline(getattr(resource, "headline", None))
    featured = []
    if not form.is_filtered and page.number == 1:
        featured = list(
            library.visible.filter(featured=True, is_hidden=False)
            .select_related("community")
            .order_by("-created_at", "-pk")[:FEATURED_ON_HOME]
        )
    return render(
        request,
        "resources/resource_list.html",
        {
            "form": form,
            "page_obj": page,
            "resources": page.object_list,
            "facets": library.facets,
            "featured": featured,
            # Read with the page's rows (`is_bookmarked`).
            "bookmarked": {r.pk for r in page.object_list if r.is_bookmarked},
            "sort": form.chosen_sort,
            "sort_choices": form.fields["sort"].choices,
            "searching": bool(query),
            "query": query,
            "filters": filters,
        },
    )


# --- One resource ---------------------------------------------------------------------


@require_safe
def resource_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    resource = _visible_resource(request, pk)
    if slug is not None and slug != resource.slug:
        return redirect(resource, permanent=True)
    services.resource_record_view(resource=resource)
    user = request.user
    shows_history = can_see_history(user, resource)
    context = {
        "resource": resource,
        "tags": list(resource.tags.order_by("name")),
        "bookmarked": Bookmark.objects.filter(user=user, resource=resource).exists(),
        "can_edit": can_edit(user, resource),
        "can_feature": can_feature(user, resource),
        "can_moderate": can_moderate_resource(user, resource),
        "revisions": (
            list(resource.revisions.select_related("editor")[:REVISIONS_SHOWN])
            if shows_history
            else None
        ),
        "sections": RESOURCE_PAGE.build(request, resource),
    }
    return render(request, "resources/resource_detail.html", context)


def _download_headers(response: HttpResponse) -> HttpResponse:
    # Never rendered by the browser, whatever the file turns out to be.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=0"
    return response


def _sent_by_proxy(resource: Resource, content_type: str, filename: str) -> HttpResponse:
    """An empty answer whose X-Accel-Redirect has nginx send the file from its internal
    location (deploy/nginx/cdp-portal.conf), keeping our headers: the permission check
    stays here, the bytes do not hold a Python worker."""
    if not resource.file.storage.exists(resource.file.name):
        raise Http404
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Accel-Redirect"] = settings.PORTAL_PROTECTED_MEDIA_URL + quote(resource.file.name)
    return response


def _streamed(resource: Resource, content_type: str, filename: str) -> HttpResponse:
    """The file's bytes through Python, from local disk or object storage."""
    stream, size = open_for_download(resource.file.storage, resource.file.name)
    response = FileResponse(
        stream, as_attachment=True, filename=filename, content_type=content_type
    )
    # A stream from object storage cannot be measured by seeking.
    response["Content-Length"] = str(size)
    response.block_size = DOWNLOAD_BLOCK_BYTES
    return response


def _storage_unavailable(request: HttpRequest, resource: Resource, error: OSError) -> HttpResponse:
    # The storage (a disk, a bucket) is failing, not the file missing: say so.
    logger.error("Download of resource %s failed: %s", resource.pk, error)
    response = render(
        request, "resources/file_unavailable.html", {"resource": resource}, status=503
    )
    response["Retry-After"] = "30"
    return response


@require_safe
def resource_download(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _visible_resource(request, pk)
    if not resource.file:
        raise Http404
    content_type = resource.file_content_type
    if content_type not in SERVED_CONTENT_TYPES:
        content_type = "application/octet-stream"
    filename = resource.file_name or PurePath(resource.file.name).name
    # Only files on local disk are under nginx's alias of MEDIA_ROOT.
    via_proxy = settings.PORTAL_DOWNLOADS_VIA_PROXY
    try:
        if via_proxy and isinstance(resource.file.storage, FileSystemStorage):
            response = _sent_by_proxy(resource, content_type, filename)
        else:
            response = _streamed(resource, content_type, filename)
    except FileNotFoundError:
        raise Http404 from None
    except OSError as error:
        return _storage_unavailable(request, resource, error)
    services.resource_record_download(resource=resource)
    return _download_headers(response)


# --- Adding and editing -----------------------------------------------------------------


def _render_form(request, form, *, resource=None, status=200) -> HttpResponse:
    return render(
        request,
        "resources/resource_form.html",
        {"form": form, "resource": resource},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def resource_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ResourceForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                resource = services.resource_create(
                    author=user,
                    submission_token=form.cleaned_data.get("submission_token"),
                    **form.service_arguments(),
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
                if getattr(error, "code", None) == "storage":
                    # The server's fault, not the person's: the form comes back as it was.
                    return _render_form(request, form)
            else:
                messages.success(request, _("La ressource a été ajoutée à la bibliothèque."))
                return redirect(resource)
        return _render_form(request, form, status=400 if form.errors else 200)
    initial = {}
    slug = request.GET.get("community")
    if slug:
        community = Community.objects.of_member(user).filter(slug=slug).first()
        if community is not None:
            initial["community"] = community.pk
    return _render_form(request, ResourceForm(user=user, initial=initial))


@require_http_methods(["GET", "HEAD", "POST"])
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _visible_resource(request, pk)
    user = request.user
    if not can_edit(user, resource):
        raise PermissionDenied
    if request.method == "POST":
        # The form validates a copy: `resource` keeps its saved state for the service.
        form = ResourceForm(request.POST, request.FILES, instance=copy.copy(resource), user=user)
        if form.is_valid():
            try:
                services.resource_update(
                    resource=resource,
                    editor=user,
                    remove_file=form.cleaned_data.get("remove_file", False),
                    **form.service_arguments(),
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("La ressource a été enregistrée."))
                return redirect(resource)
        return _render_form(request, form, resource=resource, status=400)
    form = ResourceForm(instance=copy.copy(resource), user=user)
    return _render_form(request, form, resource=resource)


# --- Toggles: featured, hidden, bookmark ------------------------------------------------


@require_POST
@moderation_action
def resource_feature(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _visible_resource(request, pk)
    if not can_feature(request.user, resource):
        raise PermissionDenied
    form = ToggleForm(request.POST)
    if form.is_valid():
        featured = form.cleaned_data["on"]
        services.resource_set_featured(resource=resource, by=request.user, featured=featured)
        messages.success(
            request,
            _("La ressource est à la une.") if featured else _("La ressource n'est plus à la une."),
        )
    return redirect(_next_url(request, resource.get_absolute_url()))


@require_POST
@moderation_action
def resource_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _visible_resource(request, pk)
    if not can_moderate_resource(request.user, resource):
        raise PermissionDenied
    form = ToggleForm(request.POST)
    if form.is_valid():
        hidden = form.cleaned_data["on"]
        services.resource_set_hidden(resource=resource, by=request.user, hidden=hidden)
        messages.success(
            request,
            _("La ressource est masquée aux membres.")
            if hidden
            else _("La ressource est de nouveau visible."),
        )
    return redirect(_next_url(request, resource.get_absolute_url()))


@require_http_methods(["GET", "HEAD", "POST"])
def resource_flag(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone who sees a resource may tell its moderators what is wrong with it."""
    resource = _visible_resource(request, pk)
    if request.method == "POST":
        form = ResourceFlagForm(request.POST)
        if form.is_valid():
            try:
                services.resource_flag(
                    resource=resource, reporter=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(
                    request, _("Merci : votre signalement est transmis à l'animation.")
                )
                return redirect(resource)
        status = 400
    else:
        form = ResourceFlagForm()
        status = 200
    return render(
        request, "resources/resource_flag.html", {"resource": resource, "form": form}, status=status
    )


@require_safe
@moderation_action
def flag_queue(request: HttpRequest) -> HttpResponse:
    """The flags on the resources I moderate, open ones first by default."""
    user = request.user
    if not can_handle_resource_flags(user):
        raise PermissionDenied
    show = request.GET.get("status", ResourceFlag.Status.OPEN)
    if show not in ResourceFlag.Status.values:
        show = ResourceFlag.Status.OPEN
    flags = (
        ResourceFlag.objects.moderated_by(user)
        .filter(status=show)
        .select_related("resource__community", "reporter", "resolved_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/flag_queue.html",
        {
            "page_obj": page,
            "flags": page.object_list,
            "status": show,
            "statuses": ResourceFlag.Status.choices,
            "resolve_form": ResourceFlagResolveForm(),
        },
    )


@require_POST
@moderation_action
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(
        ResourceFlag.objects.moderated_by(request.user).select_related("resource__community"),
        pk=pk,
    )
    form = ResourceFlagResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez comment traiter le signalement."))
        return redirect("resources:flags")
    try:
        services.resource_flag_resolve(
            flag=flag,
            by=request.user,
            hide=form.cleaned_data["decision"] == "hide",
            note=form.cleaned_data["note"],
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Le signalement est traité."))
    return redirect("resources:flags")


@require_POST
def resource_bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _visible_resource(request, pk)
    bookmarked = services.bookmark_toggle(user=request.user, resource=resource)
    done = _("Ajoutée à votre bibliothèque.") if bookmarked else _("Retirée de votre bibliothèque.")
    if request.htmx:
        response = render(
            request,
            "resources/bookmark_button.html",
            {"resource": resource, "bookmarked": bookmarked, "next": request.POST.get("next")},
        )
        return announce(response, done)
    messages.success(request, done)
    return redirect(_next_url(request, resource.get_absolute_url()))


# --- My library ---------------------------------------------------------------------------


@require_safe
def bookmark_list(request: HttpRequest) -> HttpResponse:
    bookmarks = (
        Bookmark.objects.visible_to(request.user)
        .select_related("resource__community", "resource__author__profile")
        .prefetch_related("resource__tags")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(bookmarks, BOOKMARKS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return render(
        request,
        "resources/bookmark_list.html",
        {
            "page_obj": page,
            "resources": [bookmark.resource for bookmark in page.object_list],
            "bookmarked": {bookmark.resource_id for bookmark in page.object_list},
        },
    )
