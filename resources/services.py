"""Business actions on the library. Each is one transaction; views, the admin, seeds and
commands call these rather than writing resources themselves, so the search index, the
edit history and the counters stay consistent."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

from django.contrib.postgres.aggregates import ArrayAgg, StringAgg
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cdp_portal.accounts.types import User
from cdp_portal.core import tags as portal_tags
from cdp_portal.core.idempotency import create_once
from cdp_portal.core.moderation import (
    ModerationAction,
    ModerationEvent,
    log_moderation,
    settle_flag,
)
from cdp_portal.core.replica import writes_not_read_back
from cdp_portal.core.slugs import path_slug
from communities.models import Community

from .library import library_changed
from .library_sql import CONTRIBUTIONS
from .models import Bookmark, Resource, ResourceFlag, ResourceRevision, TaggedResource
from .permissions import can_add_to, can_edit, can_feature, can_moderate_resource
from .search import (
    INDEXED_BODY_CHARS,
    MIN_CORRECTED_LENGTH,
    normalised_title,
    search_head_expression,
    search_vector_expression,
)
from .uploads import inspect_upload

logger = logging.getLogger(__name__)

MAX_TAGS = 12
MAX_TAG_LENGTH = portal_tags.MAX_TAG_LENGTH
# Path segments after /resources/<id>/ that are views, not slugs.
RESERVED_SLUGS = frozenset({"edit", "download", "feature", "bookmark", "moderate"})


def resource_slug(title: str) -> str:
    return path_slug(title, reserved=RESERVED_SLUGS, suffix="ressource")


def clean_tag_names(names: Iterable[str]) -> list[str]:
    """Lower-case names held to the portal's tag rule (`cdp_portal.core.tags`), without
    duplicates: the vocabulary is shared with profiles and topics."""
    return portal_tags.clean_tag_names(names, max_tags=MAX_TAGS, lowercase=True)


def _check_file_or_url(*, file: UploadedFile | None, url: str, keeps_file: bool) -> None:
    if url and (file is not None or keeps_file):
        raise ValidationError(
            _("Donnez un fichier ou une adresse web, pas les deux."), code="file_and_url"
        )


@contextmanager
def _attaching(resource: Resource, upload: UploadedFile | None) -> Iterator[None]:
    """Store the upload and link it to the resource for the duration of the block, the
    one place the library writes files. A file that cannot be written completely (disk
    full, read-only or missing media folder) leaves no partial file and becomes a clear
    ValidationError; a block that fails after the file was stored (the resource could
    not be saved) removes it, so no file is left without its resource."""
    if upload is None:
        yield
        return
    info = inspect_upload(upload)
    field = resource.file.field
    storage = resource.file.storage
    name = None
    try:
        # The name is chosen here (as FieldFile.save would) so that a failed write knows
        # which partial file to remove. Choosing it asks the storage (a bucket may be down).
        name = storage.get_available_name(
            field.generate_filename(resource, info.name), max_length=field.max_length
        )
        stored = storage.save(name, upload, max_length=field.max_length)
    except OSError as error:
        logger.error("Upload %r could not be stored as %r: %s", info.name, name, error)
        if name is not None:
            _discard_file(storage, name)
        raise ValidationError(
            _(
                "Le fichier n'a pas pu être enregistré sur le serveur (espace disque plein "
                "ou stockage indisponible). Rien n'a été ajouté : vos informations sont "
                "conservées ci-dessous, choisissez à nouveau le fichier et réessayez plus tard."
            ),
            code="storage",
        ) from error
    resource.file = stored
    resource.file_name = info.name
    resource.file_content_type = info.kind.content_type
    resource.file_size = info.size
    try:
        yield
    except BaseException:
        _discard_file(storage, stored)
        raise


def _discard_file(storage: Storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError as error:  # the storage may be unusable: say so, keep the first error
        logger.error("Partial upload %r could not be removed: %s", name, error)


def _detach_file(resource: Resource) -> None:
    # The stored file stays (revisions name it; nothing is deleted), only the link goes.
    resource.file = ""
    resource.file_name = ""
    resource.file_content_type = ""
    resource.file_size = None


def _save_version(resource: Resource, *, tags: Iterable[str], editor: User) -> None:
    """Validate and store a resource as it now stands, with its tags, its search vector
    and the revision that records it: the same steps for the first version and the next."""
    resource.full_clean(exclude=["file", "search_vector", "tag_names"])
    resource.save()
    resource.tags.set(clean_tag_names(tags))
    reindex(resources=[resource])
    resource.refresh_from_db(fields=["tag_names"])
    _write_revision(resource, editor)


def _write_revision(resource: Resource, editor: User) -> ResourceRevision:
    return ResourceRevision.objects.create(
        resource=resource,
        editor=editor,
        created_at=resource.updated_at,
        title=resource.title,
        summary=resource.summary,
        body=resource.body,
        url=resource.url,
        file_name=resource.file_name,
        tag_names=resource.tag_names,
    )


def reindex(
    *,
    resources: Iterable[Resource | int] | None = None,
    queryset: QuerySet[Resource] | None = None,
) -> int:
    """Recompute what is derived from a resource and its tags, set-based: `tag_names`,
    `tag_ids`, `title_folded`, the search vectors, the vocabulary, and the library's
    counts (`recount`). Every write of a resource ends here (create and update through
    `_save_version`, the bulk generators, the test factories).

    Pass resources (objects or ids), a queryset, or nothing for the whole library."""
    if queryset is None:
        queryset = Resource.objects.all()
        if resources is not None:
            ids = [getattr(r, "pk", r) for r in resources]
            queryset = queryset.filter(pk__in=ids)
    tagged = TaggedResource.objects.filter(content_object=OuterRef("pk")).order_by()
    names = (
        tagged.values("content_object")
        .annotate(names=StringAgg("tag__name", ", ", order_by="tag__name"))
        .values("names")
    )
    queryset.update(tag_names=Coalesce(Subquery(names), Value("")), tag_ids=_tag_ids())
    updated = queryset.update(
        search_vector=search_vector_expression(),
        search_head=search_head_expression(),
        title_folded=normalised_title(),
    )
    _learn_words(queryset)
    recount(queryset)
    library_changed()
    return updated


def _tag_ids() -> Coalesce:
    """A resource's tag ids, sorted (what `Resource.tag_ids` holds)."""
    ids = (
        TaggedResource.objects.filter(content_object=OuterRef("pk"))
        .order_by()
        .values("content_object")
        .annotate(ids=ArrayAgg("tag_id", order_by="tag_id"))
        .values("ids")
    )
    return Coalesce(Subquery(ids), Value([], output_field=ArrayField(IntegerField())))


def reindex_stale() -> int:
    """Reindex the resources whose `title_folded` or `tag_ids` is not what `reindex` makes
    of them: written without it (by the previous release's nodes during a rolling
    deploy, by hand). Returns how many."""
    stale = Resource.objects.exclude(title_folded=normalised_title(), tag_ids=_tag_ids())
    ids = list(stale.values_list("pk", flat=True))
    return reindex(resources=ids) if ids else 0


# --- The library's counts (ResourceCount) ----------------------------------------------
#
# The counted state of the resources out (locked: a concurrent count of the same
# resource waits, then reads the state this one leaves), their current state in, as one
# sum per key, in key order (concurrent counts lock the keys they share in one order).
_RECOUNT_SQL = f"""
WITH old AS (
    SELECT * FROM resources_countedresource WHERE resource_id IN ({{ids}})
    ORDER BY resource_id FOR UPDATE
), new AS (
    SELECT community_id, is_hidden, kind, language, tag_ids
    FROM resources_resource WHERE id IN ({{ids}})
), delta AS (
    {CONTRIBUTIONS.format(rows="old", sign=-1)}
    UNION ALL
    {CONTRIBUTIONS.format(rows="new", sign=1)}
)
INSERT INTO resources_resourcecount AS c (community_id, is_hidden, kind, language, tag_id, n)
SELECT community_id, is_hidden, kind, language, tag_id, SUM(n) FROM delta
GROUP BY community_id, is_hidden, kind, language, tag_id
HAVING SUM(n) <> 0
ORDER BY community_id, is_hidden, kind, language, tag_id
ON CONFLICT (community_id, is_hidden, kind, language, tag_id) DO UPDATE SET n = c.n + EXCLUDED.n
"""
_COUNTED_SQL = """
INSERT INTO resources_countedresource (resource_id, community_id, is_hidden, kind, language,
                                       tag_ids)
SELECT id, community_id, is_hidden, kind, language, tag_ids
FROM resources_resource WHERE id IN ({ids})
ON CONFLICT (resource_id) DO UPDATE SET
    community_id = EXCLUDED.community_id, is_hidden = EXCLUDED.is_hidden,
    kind = EXCLUDED.kind, language = EXCLUDED.language, tag_ids = EXCLUDED.tag_ids
"""


def recount(queryset: QuerySet[Resource]) -> None:
    """Bring the library's counts (`ResourceCount`) up to date with these resources: out
    goes what they counted as (`CountedResource`), in what they are now. Called after the
    resources' rows were written in this transaction (`reindex`, `resource_set_hidden`):
    holding their row locks, it reads their latest state. Idempotent."""
    ids_sql, ids_params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_RECOUNT_SQL.format(ids=ids_sql), [*ids_params, *ids_params])
        cursor.execute(_COUNTED_SQL.format(ids=ids_sql), ids_params)


@transaction.atomic
def library_recount() -> None:
    """The library's counts rebuilt from the resources themselves: a repair, should a
    resource have been written without `reindex` (by hand, in a shell)."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE resources_countedresource IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM resources_resourcecount")
        cursor.execute("DELETE FROM resources_countedresource")
    recount(Resource.objects.all())


# Every word of the searchable text, folded like the query words (see search.fold).
_LEARN_WORDS_SQL = """
INSERT INTO resources_searchterm (word)
SELECT DISTINCT w
FROM resources_resource r
CROSS JOIN LATERAL regexp_split_to_table(
    cdp_unaccent(lower(concat_ws(' ', r.title, r.summary, r.tag_names, left(r.body, %s)))),
    '[^[:alnum:]]+'
) AS w
WHERE r.id IN ({ids}) AND length(w) BETWEEN %s AND 60
ON CONFLICT (word) DO NOTHING
"""


def _learn_words(queryset: QuerySet[Resource]) -> None:
    ids_sql, ids_params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            _LEARN_WORDS_SQL.format(ids=ids_sql),
            [INDEXED_BODY_CHARS, *ids_params, MIN_CORRECTED_LENGTH],
        )


@transaction.atomic
def resource_create(
    *,
    author: User,
    title: str,
    summary: str,
    kind: str,
    language: str,
    community: Community | None = None,
    body: str = "",
    url: str = "",
    file: UploadedFile | None = None,
    tags: Iterable[str] = (),
    featured: bool = False,
    created_at: datetime | None = None,
    submission_token: UUID | None = None,
) -> Resource:
    """A new resource with its file, all or nothing: the same form sent again (same
    `submission_token`) returns the resource it added; a file that cannot be stored
    refuses the whole resource, and a resource that cannot be saved leaves no file."""
    if not can_add_to(author, community):
        raise PermissionDenied(_("Vous ne pouvez pas ajouter de ressource à cette communauté."))
    _check_file_or_url(file=file, url=url, keeps_file=False)
    now = created_at or timezone.now()

    def create() -> Resource:
        resource = Resource(
            title=title.strip(),
            slug=resource_slug(title),
            summary=summary.strip(),
            body=body,
            kind=kind,
            language=language,
            community=community,
            url=url,
            author=author,
            featured=featured,
            created_at=now,
            updated_at=now,
            submission_token=submission_token,
        )
        with _attaching(resource, file):
            _save_version(resource, tags=tags, editor=author)
        return resource

    resource, _created = create_once(
        Resource.objects.all(), author=author, token=submission_token, create=create
    )
    return resource


@transaction.atomic
def resource_update(
    *,
    resource: Resource,
    editor: User,
    title: str,
    summary: str,
    kind: str,
    language: str,
    community: Community | None,
    body: str = "",
    url: str = "",
    file: UploadedFile | None = None,
    remove_file: bool = False,
    tags: Iterable[str] = (),
) -> Resource:
    """Save a new version and record it in the history (who, when, what)."""
    if not can_edit(editor, resource):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette ressource."))
    if community != resource.community and not can_add_to(editor, community):
        raise PermissionDenied(_("Vous ne pouvez pas déplacer la ressource dans cette communauté."))
    keeps_file = bool(resource.file) and not remove_file and file is None
    _check_file_or_url(file=file, url=url, keeps_file=keeps_file)
    resource.title = title.strip()
    resource.slug = resource_slug(title)
    resource.summary = summary.strip()
    resource.body = body
    resource.kind = kind
    resource.language = language
    resource.community = community
    resource.url = url
    if remove_file or file is not None:
        _detach_file(resource)
    with _attaching(resource, file):
        resource.updated_at = timezone.now()
        _save_version(resource, tags=tags, editor=editor)
    return resource


@transaction.atomic
def resource_set_featured(*, resource: Resource, by: User, featured: bool) -> Resource:
    if not can_feature(by, resource):
        raise PermissionDenied(_("Vous ne pouvez pas mettre cette ressource à la une."))
    Resource.objects.filter(pk=resource.pk).update(featured=featured)
    resource.featured = featured
    return resource


@transaction.atomic
def resource_set_hidden(
    *, resource: Resource, by: User, hidden: bool, reason: str = ""
) -> Resource:
    """Moderation hides a resource (never deletes it); showing it again is the same call.
    A change is written to the moderation log (a call that changes nothing is not)."""
    if not can_moderate_resource(by, resource):
        raise PermissionDenied(_("Vous ne pouvez pas modérer cette ressource."))
    changed = (
        Resource.objects.filter(pk=resource.pk).exclude(is_hidden=hidden).update(is_hidden=hidden)
    )
    resource.is_hidden = hidden
    if changed:
        recount(Resource.objects.filter(pk=resource.pk))
        log_moderation(
            ModerationEvent(
                by=by,
                action=ModerationAction.HIDE_RESOURCE
                if hidden
                else ModerationAction.UNHIDE_RESOURCE,
                community_id=resource.community_id,
                reason=reason,
                targets={"resource": resource},
            )
        )
    library_changed()
    return resource


@transaction.atomic
def resource_flag(*, resource: Resource, reporter: User, reason: str) -> ResourceFlag:
    """Tell the moderators something is wrong with a resource (the caller fetched it
    through `visible_to(reporter)`). One open flag per person and resource."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Dites ce qui ne va pas avec cette ressource."), code="reason")
    if ResourceFlag.objects.open().filter(resource=resource, reporter=reporter).exists():
        raise ValidationError(
            _("Vous avez déjà signalé cette ressource : l'animation va s'en occuper."),
            code="duplicate",
        )
    return ResourceFlag.objects.create(resource=resource, reporter=reporter, reason=reason[:500])


@transaction.atomic
def resource_flag_resolve(
    *, flag: ResourceFlag, by: User, hide: bool, note: str = ""
) -> ResourceFlag:
    """Close a flag: hide the resource (which closes every open flag on it) or close this
    one without action. The resource is never deleted. The flow (and its log lines) is
    `cdp_portal.core.moderation.settle_flag`, shared with the forums."""
    resource = flag.resource
    if not can_moderate_resource(by, resource):
        raise PermissionDenied(_("Vous ne pouvez pas modérer cette ressource."))
    if flag.status != ResourceFlag.Status.OPEN:
        raise ValidationError(_("Ce signalement a déjà été traité."), code="resolved")

    def log_closed(closed: ResourceFlag) -> None:
        log_moderation(
            ModerationEvent(
                by=by,
                action=ModerationAction.RESOLVE_FLAG if hide else ModerationAction.DISMISS_FLAG,
                community_id=resource.community_id,
                reason=note,
                targets={"resource": resource},
                details={"resource_flag": closed.pk},
            )
        )

    return settle_flag(
        flag,
        by=by,
        open_flags=resource.flags.open(),
        status=ResourceFlag.Status.HIDDEN if hide else ResourceFlag.Status.DISMISSED,
        note=note,
        hide=(lambda: resource_set_hidden(resource=resource, by=by, hidden=True, reason=note))
        if hide
        else None,
        log_closed=log_closed,
    )


@transaction.atomic
def bookmark_toggle(*, user: User, resource: Resource) -> bool:
    """Add the resource to the person's library, or take it out; returns whether it is
    bookmarked now. The caller fetched the resource through `visible_to(user)`."""
    deleted, _details = Bookmark.objects.filter(user=user, resource=resource).delete()
    if deleted:
        return False
    Bookmark.objects.get_or_create(user=user, resource=resource)
    return True


def resource_record_view(*, resource: Resource) -> None:
    with writes_not_read_back():
        Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1)


def resource_record_download(*, resource: Resource) -> None:
    with writes_not_read_back():
        Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
