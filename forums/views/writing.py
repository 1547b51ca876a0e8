"""Writing in the forums: opening a topic, replying, editing a post, marking a topic
solved. A refused write comes back as a form error or a message, with what was typed."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cdp_portal.core.announcements import announce
from cdp_portal.core.errors import error_text
from resources.models import Resource

from .. import ratelimit, services
from ..forms import OpeningPostEditForm, PostEditForm, ReplyForm, TopicForm
from ..models import Post, Topic
from ..permissions import can_edit_post, can_moderate_forum, can_post_in, can_reply
from .common import _forum, _page_of, _post, _topic, post_location
from .topic_page import _render_topic, _reply_box, _set_post_actions


def _rate_limited(form) -> None:
    form.add_error(
        None,
        _(
            "Vous avez publié beaucoup de messages en peu de temps. Patientez quelques "
            "minutes avant de publier de nouveau : votre texte est conservé ci-dessous."
        ),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def topic_create(request: HttpRequest, community_slug: str, slug: str) -> HttpResponse:
    forum = _forum(request, community_slug, slug)
    user = request.user
    if not can_post_in(user, forum):
        raise PermissionDenied(_("Seuls les membres de la communauté peuvent écrire ici."))
    status = 200
    discussable = Resource.objects.visible_to(user).discussable_in(forum.community)
    about = None
    if request.method == "POST":
        form = TopicForm(request.POST, resources=discussable)
        valid = form.is_valid()
        about = form.cleaned_data.get("resource")
        if valid:
            try:
                topic = services.topic_create(forum=forum, author=user, **form.cleaned_data)
            except ratelimit.PostingLimitReached:
                _rate_limited(form)
                status = 429
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("Votre sujet est publié."))
                return redirect(topic)
    else:
        initial = {"is_call_for_help": forum.slug == "appels-a-tous"}
        # Opened from a resource's page: about that resource, titled after it.
        if (wanted := request.GET.get("resource", "")).isdigit():
            about = discussable.filter(pk=int(wanted)).first()
        if about is not None:
            initial |= {"resource": about, "title": about.title}
        form = TopicForm(initial=initial, resources=discussable)
    return render(
        request,
        "forums/topic_form.html",
        {"forum": forum, "community": forum.community, "form": form, "about": about},
        status=status,
    )


@require_POST
def topic_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """A plain POST, then a redirect to the new post. With htmx the reply box is swapped
    in place: a refused reply comes back with its text and the reason, an accepted one
    is appended to the page being read (or the browser is sent to its page)."""
    topic = _topic(request, pk, page=True)  # a refused reply shows the page again
    user = request.user
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _refused_reply(request, topic, form, status=200)
    try:
        # A form sent twice (same submission token) gives back the post of the first.
        post = services.post_create(
            topic=topic,
            author=user,
            body=form.cleaned_data["body"],
            submission_token=form.cleaned_data["submission_token"],
        )
    except ratelimit.PostingLimitReached:
        _rate_limited(form)
        return _refused_reply(request, topic, form, status=429)
    except (ValidationError, PermissionDenied) as error:
        form.add_error(None, error_text(error))
        return _refused_reply(request, topic, form, status=403)
    if request.htmx:
        if str(_page_of(post.position)) == request.POST.get("page", "1"):
            return _appended_reply(request, topic, post)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = post_location(topic, post)
        return response
    messages.success(request, _("Votre réponse est publiée."))
    return redirect(post_location(topic, post))


def _refused_reply(request: HttpRequest, topic: Topic, form: ReplyForm, *, status: int):
    if request.htmx:
        # htmx swaps only successful responses: the reason is in the form's alert.
        may_reply = can_reply(request.user, topic)
        page_number = request.POST.get("page", "1")
        response = _reply_box(request, topic, form, may_reply=may_reply, page_number=page_number)
        reasons = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return announce(
            response, _("Votre réponse n'est pas publiée : %(reasons)s") % {"reasons": reasons}
        )
    return _render_topic(request, topic, reply_form=form, status=status)


def _appended_reply(request: HttpRequest, topic: Topic, post: Post) -> HttpResponse:
    user = request.user
    post.topic = topic
    _set_post_actions(user, topic, post)
    response = render(
        request,
        "forums/reply_appended.html",
        {
            "topic": topic,
            "post": post,
            "reply_form": ReplyForm(),
            "can_reply": can_reply(user, topic),
            "moderates": can_moderate_forum(user, topic.forum.community),
            "page_number": request.POST.get("page", "1"),
        },
    )
    return announce(response, _("Votre réponse est publiée."))


@require_POST
def topic_solve(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark solved (`post` names the accepted answer) or reopen (`reopen=1`)."""
    topic = _topic(request, pk, readable=None)
    post = None
    if request.POST.get("post"):
        try:
            post = Post.objects.get(topic=topic, pk=int(request.POST["post"]))
        except (ValueError, Post.DoesNotExist):
            messages.error(request, _("Cette réponse n'existe pas dans ce sujet."))
            return redirect(topic)
    try:
        if request.POST.get("reopen"):
            services.topic_reopen(topic=topic, by=request.user)
            messages.success(request, _("Le sujet est de nouveau ouvert."))
        else:
            services.topic_mark_solved(topic=topic, by=request.user, post=post)
            messages.success(
                request,
                _("Réponse acceptée : le sujet est résolu.") if post else _("Le sujet est résolu."),
            )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    return redirect(post_location(topic, post) if post else topic.get_absolute_url())


@require_http_methods(["GET", "HEAD", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if not can_edit_post(request.user, post):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce message."))
    topic = post.topic
    # Editing the opening post edits the topic's title and tags as well.
    if post.is_opening:
        make_form = partial(OpeningPostEditForm, topic=topic)
        tags = ", ".join(tag.name for tag in topic.tags.all())
        initial = {"body": post.body, "title": topic.title, "tags": tags}
    else:
        make_form, initial = PostEditForm, {"body": post.body}
    if request.method == "POST":
        form = make_form(request.POST)
        if form.is_valid():
            if not ratelimit.posting_allowed(request.user):
                _rate_limited(form)
                return render(
                    request, "forums/post_form.html", {"post": post, "form": form}, status=429
                )
            try:
                if post.is_opening:
                    services.topic_edit(topic=topic, editor=request.user, **form.cleaned_data)
                else:
                    services.post_edit(
                        post=post, editor=request.user, body=form.cleaned_data["body"]
                    )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("Votre message est modifié."))
                return redirect(post_location(topic, post))
    else:
        form = make_form(initial=initial)
    return render(request, "forums/post_form.html", {"post": post, "form": form})
