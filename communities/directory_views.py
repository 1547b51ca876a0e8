"""The member directory: search and filters, profiles, one's own profile, tag pages.

The directory is institution-wide: every signed-in member sees every active person's
profile. What it says about communities (filters, a person's memberships) follows
`Community.objects.visible_to` and `Membership.objects.visible_to`, so a private
community never shows to someone outside it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from taggit.models import Tag

from cdp_portal.accounts.feed_tokens import (
    feed_token_ensure,
    feed_token_regenerate,
    feed_token_revoke,
)
from cdp_portal.core.page_sections import Section

from .directory_forms import DirectoryFilterForm, FeedTokenForm, ProfileEditForm, TagFollowForm
from .models import Membership, Profile
from .pages import TAG_PAGE
from .permissions import can_offer_contact
from .services import profile_ensure, profile_follow_tag, profile_update

PAGE_SIZE = 24


def _profile_cards(queryset):
    """What a member card shows: the account (name) and the expertise tags."""
    return queryset.for_cards()


@require_safe
def member_directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET, viewer=request.user)
    profiles = _profile_cards(form.filter(Profile.objects.for_directory()).ordered_by_name())
    page = Paginator(profiles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/member_list.html",
        {"form": form, "page_obj": page, "profiles": page.object_list},
    )


@require_safe
def profile_detail(request: HttpRequest, handle: str) -> HttpResponse:
    profile = get_object_or_404(
        Profile.objects.for_directory().prefetch_related("expertise", "interests"), handle=handle
    )
    memberships = (
        Membership.objects.active()
        .visible_to(request.user)
        .filter(user=profile.user_id)
        .select_related("community")
        .order_by("community__name", "pk")
    )
    return render(
        request,
        "directory/profile_detail.html",
        {
            "profile": profile,
            "person": profile.user,
            "memberships": memberships,
            "is_own_profile": profile.user_id == request.user.pk,
            "may_contact": can_offer_contact(request.user, profile),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Always the signed-in person's own profile: there is no URL to edit someone else's."""
    profile = profile_ensure(user=request.user)
    profile.user = request.user
    if request.method == "POST":
        form = ProfileEditForm(request.POST, profile=profile)
        if form.is_valid():
            profile_update(profile=profile, **form.service_arguments())
            messages.success(request, _("Votre profil a été enregistré."))
            return redirect(profile)
    else:
        form = ProfileEditForm(profile=profile)
    return render(
        request,
        "directory/profile_edit.html",
        {
            "form": form,
            "profile": profile,
            "feed_token": feed_token_ensure(user=request.user),
        },
    )


@require_POST
def feed_token_change(request: HttpRequest) -> HttpResponse:
    """Revoke or regenerate the signed-in person's own feed token (there is no URL for
    someone else's): every personal feed address given out before stops working."""
    form = FeedTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choix invalide."))
    elif form.cleaned_data["action"] == "revoke":
        feed_token_revoke(user=request.user)
        messages.success(
            request,
            _(
                "Vos adresses personnelles de fils sont révoquées : aucun lecteur de fils ne "
                "peut plus les lire."
            ),
        )
    else:
        feed_token_regenerate(user=request.user)
        messages.success(
            request,
            _(
                "Vos adresses personnelles de fils ont changé : les anciennes ne fonctionnent "
                "plus, donnez les nouvelles à votre lecteur de fils."
            ),
        )
    return redirect(reverse("directory:profile_edit") + "#feeds")


# --- Tag pages ("who knows what") ---------------------------------------------------------
#
# A tag page is a list of sections (`communities.pages.TAG_PAGE`, composed by the site). The people
# sections below are registered in CommunitiesConfig.ready(); the library and the forums
# register theirs (resources, discussions) the same way.


def _people_section(request, tag, *, key, title, queryset, page_param, template, empty):
    people = _profile_cards(queryset.ordered_by_name().order_by("-ask_me_about", "sort_name", "pk"))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get(page_param))
    return Section(
        key=key,
        title=title,
        template=template,
        context={
            "page_obj": page,
            "page_param": page_param,
            "profiles": page.object_list,
            "empty": empty,
        },
    )


def experts_section(request: HttpRequest, tag: Tag) -> Section:
    return _people_section(
        request,
        tag,
        key="experts",
        title=_("Expertes et experts"),
        queryset=Profile.objects.for_directory().with_expertise(tag),
        page_param="page",
        template="directory/tag_sections/experts.html",
        empty=_("Personne n'a encore indiqué cette expertise."),
    )


def interested_section(request: HttpRequest, tag: Tag) -> Section:
    return _people_section(
        request,
        tag,
        key="interested",
        title=_("Personnes intéressées"),
        queryset=Profile.objects.for_directory().interested_in(tag),
        page_param="interested_page",
        template="directory/tag_sections/interested.html",
        empty=_("Personne n'a encore indiqué cet intérêt."),
    )


def _tag(slug: str) -> Tag:
    """The tag with exactly this slug. The URL takes any segment (accented slugs), so a
    NUL byte, which PostgreSQL refuses in text, is a 404 before it reaches the query."""
    if "\x00" in slug:
        raise Http404
    return get_object_or_404(Tag, slug=slug)


def tag_sections_or_404(request: HttpRequest, tag: Tag) -> list[Section]:
    """The tag page's sections; a 404 when the tag does not exist for this person.

    Every section lists only what the person may see: when all are empty, the tag is used
    nowhere they may look (perhaps only in a private community), so it does not exist for
    them. The counts are the paginators' own, already made for the page. The tag page and
    following a tag both go through here, so neither confirms a tag the other hides."""
    sections = TAG_PAGE.build(request, tag)
    pages = [section.context.get("page_obj") for section in sections]
    if not any(page and page.paginator.count for page in pages):
        raise Http404
    return sections


def _follows(request: HttpRequest, tag: Tag) -> bool:
    return Profile.objects.filter(user=request.user).interested_in(tag).exists()


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = _tag(slug)
    sections = tag_sections_or_404(request, tag)
    follows = _follows(request, tag)
    return render(
        request,
        "directory/tag_detail.html",
        {"tag": tag, "sections": sections, "follows": follows},
    )


@require_POST
def tag_follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow a tag (it joins my interests: new discussions carrying it notify me and new
    resources show on my dashboard), or stop following it."""
    tag = _tag(slug)
    # Someone who follows a tag may always stop; otherwise the tag must exist for them.
    if not _follows(request, tag):
        tag_sections_or_404(request, tag)
    form = TagFollowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choix invalide."))
        return redirect("directory:tag", slug=tag.slug)
    follow = form.cleaned_data["follow"]
    profile_follow_tag(profile=profile_ensure(user=request.user), tag=tag, follow=follow)
    if follow:
        message = _("Vous suivez l'étiquette « %(tag)s ».")
    else:
        message = _("Vous ne suivez plus l'étiquette « %(tag)s ».")
    messages.success(request, message % {"tag": tag.name})
    return redirect("directory:tag", slug=tag.slug)
