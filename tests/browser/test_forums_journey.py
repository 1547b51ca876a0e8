"""A call for help in a community's forum: a member asks, an expert of the tag sees it on
the dashboard and answers, the author is notified and accepts the answer; an animator hides
a post from the Django admin; the reply form also works without JavaScript."""

import re

import pytest
from playwright.sync_api import Page, expect

from forums.models import Post, Topic
from tests.browser.helpers import another_browser, axe_check, login
from tests.factories import (
    TEST_PASSWORD,
    CommunityFactory,
    ProfileFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.browser

TITLE = "Comment évaluer un travail d'équipe ?"
ANSWER = "Essayez une **grille critériée** remplie aussi par les pairs."


@pytest.fixture
def world(transactional_db):
    """Committed data (the live server reads it from another thread). The community's
    forums, "Général" and "Appels à tous", come with it."""
    community = CommunityFactory(
        name="Pédagogie active", slug="pedagogie-active", visibility="open"
    )
    author = make_member(
        community, user=UserFactory(display_name="Karim Haddad", email="karim@example.org")
    )
    expert = make_member(
        community,
        roles=("member", "coach"),
        user=UserFactory(display_name="Hélène Gagnon", email="helene@example.org"),
    )
    expert.profile.expertise.add("évaluation", "Moodle")
    # Someone whose expertise does not match: the call is not for them.
    other = ProfileFactory(
        user=UserFactory(display_name="Paul Bouchard", email="paul@example.org"),
        handle="paul-bouchard",
    )
    other.expertise.add("podcast")
    make_member(community, user=other.user)
    animator = make_member(
        community,
        roles=("animator",),
        user=UserFactory(display_name="Jean Roy", email="jean@example.org"),
    )
    return {
        "community": community,
        "author": author,
        "expert": expert,
        "member": other.user,
        "animator": animator,
    }


def test_call_for_help_answered_accepted_and_moderated(page, live_server, world):
    login(page, live_server, world["author"].email, TEST_PASSWORD)
    _author_opens_the_calls_for_help_forum(page)
    _author_is_refused_a_call_without_title_or_tags(page)
    topic = _author_publishes_the_call(page)

    with another_browser(page, live_server) as expert_page:
        login(expert_page, live_server, world["expert"].email, TEST_PASSWORD)
        _expert_finds_the_call_on_the_dashboard(expert_page, topic)
        _expert_answers_quoting_the_call(expert_page)
        _author_is_notified_of_the_answer(page, topic)
        _author_accepts_the_answer(page, topic)
        _solved_call_is_off_the_experts_dashboard(expert_page)

        answer_post = Post.objects.get(topic=topic, position=2)
        with another_browser(page, live_server) as admin_page:
            _animator_hides_the_answer_from_the_admin(admin_page, world["animator"])
        answer_post.refresh_from_db()
        assert answer_post.is_hidden
        assert answer_post.hidden_reason == "Hors sujet pour cet appel."

        with another_browser(page, live_server, javascript=False) as member_page:
            login(member_page, live_server, world["member"].email, TEST_PASSWORD)
            _member_without_javascript_replies_under_the_hidden_answer(
                member_page, topic, answer_post
            )
        _answer_author_still_reads_it_with_the_notice(expert_page, topic, answer_post)


def _author_opens_the_calls_for_help_forum(page: Page) -> None:
    """The member's forums, then the calls-for-help forum of the community."""
    main = page.get_by_role("main")
    page.goto("/forums/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes forums")
    expect(main.get_by_role("link", name="Général")).to_be_visible()
    axe_check(page)
    main.get_by_role("link", name="Appels à tous", exact=True).click()
    page.wait_for_url(re.compile(r"/forums/pedagogie-active/appels-a-tous/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Appels à tous")
    expect(main).to_contain_text("Aucun sujet pour l'instant.")
    axe_check(page)


def _author_is_refused_a_call_without_title_or_tags(page: Page) -> None:
    main = page.get_by_role("main")
    main.get_by_role("link", name="Nouveau sujet").click()
    page.wait_for_url(re.compile(r"/appels-a-tous/new/$"))
    form = main.locator("form.forum-form")
    call_box = form.get_by_label(re.compile(r"^C'est un appel à tous"))
    expect(call_box).to_be_checked()  # checked already in this forum
    axe_check(page)
    form.get_by_label("Message").fill("Je cherche une **méthode juste**.")
    form.get_by_role("button", name="Publier le sujet").click()
    expect(form).to_contain_text("Donnez un titre au sujet.")
    expect(form).to_contain_text("Un appel à tous a besoin d'étiquettes")
    expect(form.get_by_label("Message")).to_have_value("Je cherche une **méthode juste**.")
    axe_check(page)


def _author_publishes_the_call(page: Page) -> Topic:
    """With a title and tags this time, from the form sent back."""
    main = page.get_by_role("main")
    form = main.locator("form.forum-form")
    form.get_by_label("Titre").fill(TITLE)
    form.get_by_label("Message").fill(
        "Je cherche une **méthode juste**.\n\n- autoévaluation\n- évaluation par les pairs"
    )
    form.get_by_label("Étiquettes").fill("évaluation, travail d'équipe")
    form.get_by_role("button", name="Publier le sujet").click()
    page.wait_for_url(re.compile(r"/topics/\d+/"))
    expect(page.get_by_role("status")).to_contain_text("Votre sujet est publié.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(main.locator(".topic-header__badges")).to_contain_text("Appel à tous")
    expect(main.locator(".post__body strong").first).to_have_text("méthode juste")
    expect(main.locator(".post__body li")).to_have_count(2)
    expect(main.get_by_role("link", name="évaluation", exact=True)).to_be_visible()
    topic = Topic.objects.get(title=TITLE)
    assert topic.is_call_for_help
    return topic


def _expert_finds_the_call_on_the_dashboard(expert_page: Page, topic: Topic) -> None:
    """The call was routed to her: an in-app notification, and the dashboard panel."""
    expect(expert_page.get_by_role("banner").locator(".notification-bell__count")).to_contain_text(
        "1"
    )
    calls = expert_page.locator("section#calls-for-me")
    expect(calls).to_contain_text("Pédagogie active")
    axe_check(expert_page)
    calls.get_by_role("link", name=TITLE).click()
    expert_page.wait_for_url(re.compile(rf"/topics/{topic.pk}/"))
    axe_check(expert_page)


def _expert_answers_quoting_the_call(expert_page: Page) -> None:
    reply = expert_page.locator("section#reply")
    # Quoting the call fills the reply box in place (htmx), the page stays put.
    box = reply.get_by_label("Votre réponse")
    expert_page.get_by_role("link", name="Citer le message 1").click()
    expect(box).to_have_value(re.compile(r"^Karim Haddad a écrit :\n> Je cherche"))
    assert "quote=" not in expert_page.url
    box.fill(box.input_value() + ANSWER)
    # Publishing swaps the reply box and appends the answer in place (htmx).
    expert_page.evaluate("window.__samePage = true")
    reply.get_by_role("button", name="Publier la réponse").click()
    expect(reply).to_contain_text("Votre réponse est publiée.")
    expect(expert_page.locator("#announcements")).to_have_text("Votre réponse est publiée.")
    assert expert_page.evaluate("window.__samePage === true")
    answer = expert_page.locator("article.post", has_text="Hélène Gagnon")
    expect(answer.locator(".post__body blockquote")).to_contain_text("méthode juste")
    expect(answer.locator(".post__body > p > strong")).to_have_text("grille critériée")
    expect(reply.get_by_label("Votre réponse")).to_have_value("")


def _author_is_notified_of_the_answer(page: Page, topic: Topic) -> None:
    """One unread notification in the header, then the notification centre, which leads
    to the topic and marks it read."""
    page.goto("/")
    bell = page.get_by_role("banner").get_by_role("link", name=re.compile("^Notifications"))
    expect(bell.locator(".notification-bell__count")).to_contain_text("1")
    bell.click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    notification = page.get_by_role("main").locator("li.notification")
    expect(notification).to_have_count(1)
    expect(notification.locator(".notification__link")).to_have_text(
        f"Hélène Gagnon a répondu dans « {TITLE} »"
    )
    expect(notification).to_contain_text("Non lue")
    axe_check(page)
    notification.locator(".notification__link").click()
    page.wait_for_url(re.compile(rf"/topics/{topic.pk}/"))
    expect(page.get_by_role("banner").locator(".notification-bell__count")).to_have_count(0)


def _author_accepts_the_answer(page: Page, topic: Topic) -> None:
    """The topic is solved."""
    main = page.get_by_role("main")
    page.get_by_role("button", name=re.compile(r"^Accepter cette réponse")).click()
    expect(page.get_by_role("status")).to_contain_text("Réponse acceptée : le sujet est résolu.")
    expect(main.locator(".topic-header__badges")).to_contain_text("Résolu")
    accepted = main.locator("article.post--accepted")
    expect(accepted).to_contain_text("Hélène Gagnon")
    expect(accepted).to_contain_text("Réponse acceptée")
    axe_check(page)
    topic.refresh_from_db()
    assert topic.solved_at is not None


def _solved_call_is_off_the_experts_dashboard(expert_page: Page) -> None:
    expert_page.goto("/")
    expect(expert_page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    expect(expert_page.locator("section#calls-for-me")).to_have_count(0)


def _animator_hides_the_answer_from_the_admin(admin_page: Page, animator) -> None:
    """From the Django admin, signing in on the site first."""
    admin_page.goto("/admin/")
    admin_page.wait_for_url(re.compile(r"/accounts/login/\?next=/admin/$"))
    form = admin_page.get_by_role("main").locator("form")
    form.get_by_label("Courriel").fill(animator.email)
    form.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(TEST_PASSWORD)
    form.get_by_role("button", name="Connexion").click()
    admin_page.wait_for_url(re.compile(r"/admin/$"))
    admin_page.locator("#content-main").get_by_role("link", name="Messages", exact=True).click()
    admin_page.wait_for_url(re.compile(r"/admin/forums/post/$"))
    row = admin_page.locator("#result_list tbody tr", has_text=f"{TITLE} #2")
    row.locator("input.action-select").check()
    admin_page.locator("select[name=action]").select_option(label="Masquer les messages choisis")
    admin_page.locator("button[name=index]").click()
    # The action asks for the reason the author will read.
    admin_page.get_by_label("Raison du masquage").fill("Hors sujet pour cet appel.")
    admin_page.get_by_role("button", name="Masquer").click()
    expect(admin_page.locator("ul.messagelist")).to_contain_text("1 élément modifié.")


def _member_without_javascript_replies_under_the_hidden_answer(
    member_page: Page, topic: Topic, answer_post: Post
) -> None:
    """A plain member sees the placeholder instead of the hidden answer, and replies
    through the plain form."""
    member_page.goto(f"/topics/{topic.pk}/")
    hidden = member_page.locator(f"article#post-{answer_post.pk}")
    expect(hidden).to_contain_text("Ce message a été masqué par l'animation.")
    expect(hidden).not_to_contain_text("grille critériée")
    reply = member_page.locator("section#reply")
    reply.get_by_label("Votre réponse").fill("Merci, je note aussi l'idée.")
    reply.get_by_role("button", name="Publier la réponse").click()
    member_page.wait_for_url(re.compile(rf"/topics/{topic.pk}/.*#post-\d+$"))
    expect(member_page.get_by_role("status")).to_contain_text("Votre réponse est publiée.")
    expect(member_page.locator("article.post", has_text="Paul Bouchard")).to_contain_text(
        "Merci, je note aussi l'idée."
    )


def _answer_author_still_reads_it_with_the_notice(
    expert_page: Page, topic: Topic, answer_post: Post
) -> None:
    expert_page.goto(f"/topics/{topic.pk}/")
    own = expert_page.locator(f"article#post-{answer_post.pk}")
    expect(own).to_contain_text("Ce message a été masqué par l'animation.")
    expect(own.locator(".post__body > p > strong")).to_have_text("grille critériée")
