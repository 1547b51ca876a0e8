"""axe-core on every main page of the portal, in French and in English, as each kind of
visitor (anonymous, member, non-member, animator, administrator), the admin included, and
on the main forms re-rendered with their errors. Any violation of any impact fails.

The pages hold the demo institution (`seed_demo`): real descriptions, posts, a flag, a
hidden post, notifications, readiness checklists and a decision, as a person sees them.
The data is built once per test (the live server only reads committed rows, which each
test's flush removes); each test walks, in one language, the pages of a group of
visitors, each visitor in a browser context of their own, and reports every violation it
met, not only the first. Error pages already
scanned (the same 403 or 404 page, the login page anonymous visitors are sent to) are not
scanned again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Page, expect

from cdp_portal.accounts.models import User
from communities import demo_data
from communities.models import Community, Membership
from communities.services import profile_ensure
from conversations import services as conversation_services
from conversations.models import Conversation, Message, MessageFlag
from digests.tokens import unsubscribe_token
from forums.models import Flag, Post, Topic
from readiness.models import ChecklistItem
from resources.models import Resource
from tests.browser.conftest import new_context
from tests.browser.helpers import axe_scan
from tests.factories import TEST_PASSWORD, UserFactory
from tests.forums.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ("fr", "en")
VISITORS = ("anonymous", "member", "outsider", "animator", "admin")
# The language switcher's button, named in the language it switches to.
SWITCH_TO = {"en": "English"}


@dataclass
class Demo:
    """The demo institution's people (None: anonymous) and the pages' subjects."""

    people: dict[str, User | None]
    open: Community  # the demo member's and animator's community
    closed: Community  # animated by the demo animator, the demo member is not in it
    private: Community  # deciding, with its checklist
    topic: Topic
    flagged_post: Post
    reply: Post
    resource: Resource
    own_post: Post  # a reply of the demo member's
    tag_slug: str
    handle: str
    item: ChecklistItem
    membership_pk: int
    conversation: Conversation  # between the demo member and animator
    answer: Message  # the animator's, flagged by the member
    message_flag: MessageFlag
    call: Topic  # an open call for help of the demo member's community


@pytest.fixture
def demo(transactional_db) -> Demo:
    call_command("seed_demo", "--force", stdout=StringIO())
    open_ = Community.objects.get(slug="technopedagogie")
    closed = Community.objects.get(slug="veille-documentaire")
    outsider = UserFactory(display_name="Nadia Extérieure", email="nadia@example.org")
    profile_ensure(user=outsider)
    people = {
        "anonymous": None,
        "member": User.objects.get(email=demo_data.MEMBER_EMAIL),
        "outsider": outsider,
        "animator": User.objects.get(email=demo_data.ANIMATOR_EMAIL),
        "admin": User.objects.get(email=demo_data.ADMIN_EMAIL),
    }
    flag = Flag.objects.select_related("post__topic").filter(status="open").first()
    topic = (
        Topic.objects.filter(forum__community=open_, forum__slug="general")
        .exclude(pk=flag.post.topic_id)
        .order_by("-post_count")
        .first()
    )
    resource = Resource.objects.filter(community=open_).exclude(tag_names=[]).first()
    conversation = conversation_services.conversation_start(
        by=people["member"],
        recipients=[people["animator"]],
        subject="Une question sur Moodle",
        body="Bonjour, **une question** sur les quiz.",
        rate_limited=False,
    )
    answer = conversation_services.message_send(
        conversation=conversation,
        author=people["animator"],
        body="Avec plaisir : *voici* comment.",
        rate_limited=False,
    )
    message_flag = conversation_services.message_flag_create(
        message=answer, reporter=people["member"], reason="Pour essayer le signalement"
    )
    return Demo(
        people=people,
        open=open_,
        closed=closed,
        private=Community.objects.get(slug="laboratoire-innovation"),
        topic=topic,
        flagged_post=flag.post,
        reply=topic.posts.filter(position=2).get(),
        resource=resource,
        tag_slug=resource.tags.first().slug,
        handle=people["member"].profile.handle,
        own_post=make_post(topic, people["member"], "Merci, je vais essayer.", notify=False),
        item=ChecklistItem.objects.filter(checklist__community=closed).first(),
        membership_pk=Membership.objects.get(community=closed, user=people["animator"]).pk,
        conversation=conversation,
        answer=answer,
        message_flag=message_flag,
        call=Topic.objects.filter(
            forum__community=open_, is_call_for_help=True, solved_at__isnull=True
        ).first(),
    )


def main_pages(demo: Demo) -> list[str]:
    """Every main page, as any visitor asks for it: some answer 403, 404 or the login page,
    which are pages too."""
    open_, closed, private = demo.open.slug, demo.closed.slug, demo.private.slug
    topic, flagged, moderated = demo.topic, demo.flagged_post, demo.flagged_post.topic
    return [
        "/",
        "/communities/",
        "/communities/?phase=launching&mine=1",
        f"/communities/{open_}/",
        f"/communities/{closed}/",
        f"/communities/{private}/",
        f"/communities/{open_}/members/",
        f"/communities/{closed}/members/",
        f"/communities/{closed}/requests/",
        f"/communities/{closed}/invite/",
        "/forums/",
        f"/forums/{open_}/general/",
        f"/forums/{closed}/general/",
        f"/forums/{open_}/general/new/",
        "/forums/calls/",
        f"/topics/{topic.pk}/",
        f"/topics/{moderated.pk}/",
        f"/topics/{topic.pk}/move/",
        f"/posts/{demo.reply.pk}/history/",
        f"/posts/{demo.reply.pk}/edit/",
        f"/posts/{demo.reply.pk}/flag/",
        f"/posts/{flagged.pk}/hide/",
        f"/forums/{moderated.forum.community.slug}/flags/",
        f"/forums/{moderated.forum.community.slug}/log/",
        "/notifications/",
        "/resources/",
        f"/resources/?tag={demo.tag_slug}&kind=document",
        f"/resources/{demo.resource.pk}/",
        f"/resources/{demo.resource.pk}/edit/",
        f"/resources/{demo.resource.pk}/flag/",
        "/resources/new/",
        "/resources/bookmarks/",
        "/resources/flags/",
        f"/tags/{demo.tag_slug}/",
        "/search/",
        "/search/?q=moodle",
        "/members/",
        "/members/?q=video",
        f"/members/{demo.handle}/",
        "/profile/edit/",
        f"/communities/{closed}/readiness/",
        f"/communities/{closed}/readiness/items/{demo.item.pk}/",
        f"/communities/{closed}/readiness/dossier/",
        f"/communities/{private}/readiness/",
        f"/communities/{private}/readiness/dossier/",
        *conversation_pages(demo),
        f"/topics/{demo.call.pk}/invite/",
        *account_pages(demo),
        "/no-such-page/",
    ]


def account_pages(demo: Demo) -> list[str]:
    """allauth's pages, and the digest's unsubscribe page (its link works signed out)."""
    return [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/password/reset/",
        "/accounts/signup/",
        f"/digests/unsubscribe/{unsubscribe_token(demo.people['member'].pk, 'weekly')}/",
        "/digests/unsubscribe/lien-abime/",
    ]


def conversation_pages(demo: Demo) -> list[str]:
    """The private messages: a conversation of the demo member with the demo animator
    (a 404 for anyone else), its flag page, the list, the new form, the administrators'
    queue."""
    return [
        "/conversations/",
        f"/conversations/{demo.conversation.pk}/",
        f"/conversations/new/?to={demo.people['animator'].profile.handle}",
        f"/conversations/messages/{demo.answer.pk}/flag/",
        "/conversations/blocked/",
        "/conversations/flags/",
    ]


def admin_pages(demo: Demo) -> list[str]:
    """What test_admin_accessibility leaves out: the other apps' changelists and change
    forms (the scoped admin's, for an animator)."""
    return [
        "/admin/",
        "/admin/communities/membership/",
        f"/admin/communities/membership/{demo.membership_pk}/change/",
        "/admin/communities/profile/",
        "/admin/forums/topic/",
        f"/admin/forums/topic/{demo.topic.pk}/change/",
        "/admin/forums/post/",
        f"/admin/forums/post/{demo.reply.pk}/change/",
        "/admin/forums/flag/",
        "/admin/resources/resource/",
        f"/admin/resources/resource/{demo.resource.pk}/change/",
        "/admin/readiness/checklistitem/",
        f"/admin/readiness/checklistitem/{demo.item.pk}/change/",
        "/admin/readiness/readinessdecision/",
        "/admin/communities/community/add/",
        "/admin/conversations/messageflag/",
        f"/admin/conversations/messageflag/{demo.message_flag.pk}/change/",
        "/admin/conversations/message/",
    ]


@dataclass
class Scan:
    """One visitor's walk in one language: every state scanned and every problem met."""

    page: Page
    language: str
    states: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors_seen: set[tuple[int, str]] = field(default_factory=set)

    def visit(self, paths: Iterable[str]) -> None:
        for path in paths:
            response = self.page.goto(path)
            if response.status >= 400 or urlsplit(self.page.url).path == "/accounts/login/":
                seen = (response.status, self.page.locator("h1").first.inner_text())
                if seen in self.errors_seen:
                    continue
                self.errors_seen.add(seen)
            self.check(path)

    def check(self, what: str) -> None:
        """axe on the page as it stands, once sure the page is in the expected language."""
        lang, violations = axe_scan(self.page)
        if lang != self.language:
            self.problems.append(f"{what}: <html lang={lang!r}>, not {self.language!r}")
        self.states.append(what)
        self.problems.extend(f"{what}  {line}" for line in violations)


def start(page: Page, language: str, person: User | None) -> None:
    """Into the portal in `language` (through the switcher, as a person would; French is
    the browser's), signed in as `person` through the login form."""
    page.goto("/accounts/login/")
    if language in SWITCH_TO:
        page.get_by_role("button", name=SWITCH_TO[language]).click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    if person is None:
        return
    password = TEST_PASSWORD if person.email.endswith("example.org") else demo_data.DEMO_PASSWORD
    sign_in(page, person.email, password)
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))


def sign_in(page: Page, email: str, password: str) -> None:
    form = page.locator("main form")
    form.locator('input[name="login"]').fill(email)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()


# --- Forms in their error states ------------------------------------------------------


def submit_invalid(page: Page, form: str, values: dict[str, str] | None = None) -> None:
    """Send the form `form` (a selector) with `values` (the rest as it is), past the
    browser's own checks (required, maxlength, type) so that the server answers, then wait
    for the field errors it shows."""
    form_ = page.locator(form).first
    form_.evaluate("form => { form.noValidate = true; }")
    for name, value in (values or {}).items():
        form_.locator(f'[name="{name}"]').evaluate("(el, value) => { el.value = value; }", value)
    form_.locator('button[type="submit"], input[type="submit"]').first.click()
    expect(page.locator('[aria-invalid="true"], .errorlist, .errornote').first).to_be_visible()


def anonymous_forms(scan: Scan, demo: Demo) -> None:
    page = scan.page
    page.goto("/accounts/login/")
    sign_in(page, "personne@example.org", "pas-le-bon-mot-de-passe")
    expect(page.get_by_role("alert")).to_be_visible()
    scan.check("login, wrong password")
    page.goto("/accounts/signup/")
    submit_invalid(page, "main form", {"email": "pas-une-adresse", "password1": "court"})
    scan.check("signup, invalid")
    page.goto("/accounts/password/reset/")
    submit_invalid(page, "main form", {"email": "pas-une-adresse"})
    scan.check("password reset, invalid address")


def member_forms(scan: Scan, demo: Demo) -> None:
    page = scan.page
    open_ = demo.open.slug
    page.goto("/profile/edit/")
    submit_invalid(page, "main form", {"display_name": "", "phone": "pas un numéro"})
    scan.check("profile edit, invalid")
    page.goto(f"/forums/{open_}/general/new/")
    submit_invalid(page, "main form.forum-form", {"title": "", "body": ""})
    scan.check("new topic, empty")
    page.goto(f"/topics/{demo.topic.pk}/")
    submit_invalid(page, "#reply form", {"body": ""})
    scan.check("reply, empty (htmx)")
    page.goto(f"/posts/{demo.own_post.pk}/edit/")
    submit_invalid(page, "main form", {"body": ""})
    scan.check("post edit, empty")
    page.goto(f"/posts/{demo.reply.pk}/flag/")
    submit_invalid(page, "main form", {"reason": ""})
    scan.check("post flag, no reason")
    page.goto("/resources/new/")
    submit_invalid(page, "main form", {"title": ""})
    scan.check("new resource, empty")
    page.goto(f"/resources/{demo.resource.pk}/flag/")
    submit_invalid(page, "main form", {"reason": ""})
    scan.check("resource flag, no reason")
    page.goto(f"/conversations/new/?to={demo.people['animator'].profile.handle}")
    submit_invalid(page, "main form", {"subject": "", "body": ""})
    scan.check("new conversation, empty")
    page.goto(f"/conversations/{demo.conversation.pk}/")
    submit_invalid(page, "#reply form", {"body": ""})
    scan.check("conversation reply, empty")
    page.goto(f"/conversations/messages/{demo.answer.pk}/flag/")
    submit_invalid(page, "main form", {"reason": ""})
    scan.check("private message flag, no reason")
    page.goto("/accounts/email/")
    submit_invalid(page, 'main form:has(button[name="action_add"])', {"email": "pas-une-adresse"})
    scan.check("e-mail add, invalid")
    page.goto("/accounts/password/change/")
    submit_invalid(
        page, "main form", {"oldpassword": "pas-le-bon", "password1": "a", "password2": "b"}
    )
    scan.check("password change, invalid")
    # Search and filters given what no form offers.
    scan.visit(
        [
            "/search/?q=" + "é" * 300,
            "/search/?q=%22%3C%3E%21%21",
            "/resources/?kind=inconnu&language=zz&page=abc&sort=n",
            "/members/?language=zz&campus=%00x&page=-1",
            "/communities/?phase=inconnue&visibility=x",
            "/forums/calls/?tag=%C3%A9&status=nope",
        ]
    )


def outsider_forms(scan: Scan, demo: Demo) -> None:
    page = scan.page
    page.goto(f"/communities/{demo.closed.slug}/")
    action = f"/communities/{demo.closed.slug}/join/"
    submit_invalid(page, f'main form[action="{action}"]', {"message": "trop long " * 300})
    scan.check("join request, message too long")


def animator_forms(scan: Scan, demo: Demo) -> None:
    page = scan.page
    closed = demo.closed.slug
    page.goto(f"/communities/{closed}/invite/")
    submit_invalid(page, "main form", {"email": "pas-une-adresse"})
    scan.check("invite, invalid address")
    page.goto(f"/communities/{closed}/readiness/items/{demo.item.pk}/")
    submit_invalid(page, "main form", {"evidence": "pas une adresse"})
    scan.check("checklist item, invalid evidence")
    page.goto(f"/communities/{closed}/readiness/")
    # Its section, or the fold of what is done, may be closed: open them as one would.
    page.locator(f"#item-{demo.item.pk}").evaluate(
        "row => { for (let d = row.closest('details'); d; d = d.parentElement.closest('details'))"
        " d.open = true; }"
    )
    page.locator(f"#item-{demo.item.pk} a[href$='/items/{demo.item.pk}/']").click()
    submit_invalid(page, f"#item-{demo.item.pk} form", {"evidence": "pas une adresse"})
    scan.check("checklist item in the checklist, invalid evidence (htmx)")
    page.goto(f"/topics/{demo.topic.pk}/move/")
    submit_invalid(page, "main form", {"reason": "trop long " * 40})
    scan.check("topic move, reason too long")
    page.goto(f"/posts/{demo.flagged_post.pk}/hide/")
    submit_invalid(page, "main form", {"reason": ""})
    scan.check("post hide, no reason")
    page.goto(f"/topics/{demo.call.pk}/invite/")
    submit_invalid(page, "main form")
    scan.check("invite experts, nobody chosen")


def admin_forms(scan: Scan, demo: Demo) -> None:
    page = scan.page
    private = demo.private.slug
    page.goto(f"/communities/{private}/readiness/dossier/")
    submit_invalid(page, f'main form[action="/communities/{private}/readiness/decision/"]')
    scan.check("decision, empty")
    page.goto("/admin/communities/community/add/")
    submit_invalid(page, "#community_form", {"name": "", "slug": "pas un identifiant"})
    scan.check("admin: new community, invalid")


FORMS = {
    "anonymous": anonymous_forms,
    "member": member_forms,
    "outsider": outsider_forms,
    "animator": animator_forms,
    "admin": admin_forms,
}


def scan_as(page: Page, demo: Demo, visitor: str, language: str) -> Scan:
    """Every page and form state `visitor` meets, scanned in `language`."""
    start(page, language, demo.people[visitor])
    scan = Scan(page, language)
    scan.visit(main_pages(demo))
    if visitor == "admin":
        scan.visit(admin_pages(demo))
    elif visitor == "animator":
        # The scoped admin: the same templates as the administrator's, fewer rows.
        scan.visit(admin_pages(demo)[:3])
    FORMS[visitor](scan, demo)
    return scan


# Visitors scanned on the same demo data, in one test each: built once per group rather
# than once per visitor (it was a fifth of the time), in four tests of about the same
# length, which the two test workers share.
VISITOR_GROUPS = {
    "public": ("anonymous", "member", "outsider"),
    "animation": ("animator", "admin"),
}


def test_the_groups_hold_every_kind_of_visitor_once():
    assert sorted(sum(VISITOR_GROUPS.values(), ())) == sorted(VISITORS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("group", VISITOR_GROUPS)
def test_every_page_and_form_has_no_axe_violations(browser, live_server, demo, group, language):
    """Each visitor of the group in a browser of their own (no cookie of the one
    before), on the same demo data."""
    problems = []
    for visitor in VISITOR_GROUPS[group]:
        cache.clear()  # rate limits, as between two tests
        context = new_context(browser, live_server)
        try:
            scan = scan_as(context.new_page(), demo, visitor, language)
        finally:
            context.close()
        print(f"{visitor}: {len(scan.states)} states scanned in {language}")
        problems.extend(f"[{visitor}] {problem}" for problem in scan.problems)
    assert not problems, "\n".join(problems)
