"""Forum pages under the five kinds of visitor: anonymous, non-member, member, animator,
administrator; and the forms (values kept, clear messages, no server error)."""

import pytest
from django.urls import reverse

from cdp_portal.accounts.models import User
from forums import services
from forums.models import Post, Topic
from tests.forums.factories import calls_forum, make_post, make_topic
from tests.worlds import ForumWorld

pytestmark = pytest.mark.django_db


def forum_url(forum):
    return reverse("forums:forum", args=[forum.community.slug, forum.slug])


def new_topic_url(forum):
    return reverse("forums:topic_new", args=[forum.community.slug, forum.slug])


# --- Reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["index", "forum", "topic", "new"])
def test_anonymous_visitors_are_sent_to_login(client, forum_world, page):
    w = forum_world
    url = {
        "index": reverse("forums:index"),
        "forum": forum_url(w.open_forum),
        "topic": w.open_topic.get_absolute_url(),
        "new": new_topic_url(w.open_forum),
    }[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("visitor", "visibility", "status"),
    [
        ("outsider", "open", 200),
        ("outsider", "closed", 403),
        ("outsider", "private", 404),
        ("closed_member", "open", 200),
        ("open_member", "closed", 403),
        ("open_member", "private", 404),
        ("closed_member", "closed", 200),
        ("private_member", "private", 200),
        ("private_animator", "private", 200),
        ("admin", "private", 200),
        ("admin", "closed", 200),
    ],
)
def test_who_reads_a_forum_and_a_topic(client, login, forum_world, visitor, visibility, status):
    w = forum_world
    login(w.visitor(visitor))
    secret = f"Texte secret du sujet {visibility}"
    for url in (forum_url(w.forum_in(visibility)), w.topic_in(visibility).get_absolute_url()):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 200:
            assert f"Sujet {visibility}" in response.content.decode()
        else:
            assert f"Sujet {visibility}" not in response.content.decode()
            assert secret not in response.content.decode()
    topic_page = client.get(w.topic_in(visibility).get_absolute_url())
    assert (secret in topic_page.content.decode()) == (status == 200)


def test_closed_community_non_member_gets_a_page_explaining_how_to_join(client, login, forum_world):
    login(forum_world.outsider)
    response = client.get(forum_world.closed_topic.get_absolute_url())
    assert response.status_code == 403
    body = response.content.decode()
    assert "Réservé aux membres" in body
    assert reverse("communities:join", args=["cdp-closed"]) in body


def test_topic_urls_accept_a_slug_in_either_form(client, login, forum_world):
    topic = forum_world.open_topic
    login(forum_world.open_member)
    for url in (
        f"/topics/{topic.pk}/",
        f"/topics/{topic.pk}/{topic.slug}/",
        f"/topics/{topic.pk}-{topic.slug}/",
        f"/topics/{topic.pk}/nimporte-quoi/",
    ):
        assert client.get(url).status_code == 200, url


def test_my_forums_lists_only_communities_i_belong_to(client, login, forum_world):
    login(forum_world.closed_member)
    body = client.get(reverse("forums:index")).content.decode()
    assert "Communauté closed" in body
    assert "Communauté private" not in body and "Communauté open" not in body


def test_topic_list_puts_pinned_first_then_latest_activity(client, login, forum_world):
    w = forum_world
    forum = w.open_forum
    member, animator = w.open_member, w.open_animator
    older = make_topic(forum, member, title="Ancien épinglé")
    newer = make_topic(forum, member, title="Récent")
    services.topic_set_pinned(topic=older, by=animator, pinned=True)
    make_post(w.open_topic, member, "Relance")
    login(member)
    titles = [t.title for t in client.get(forum_url(forum)).context["topics"]]
    assert titles == ["Ancien épinglé", "Sujet open", "Récent"]
    assert newer.title in titles


def test_unread_markers_follow_what_the_member_read(client, login, forum_world):
    w = forum_world
    member = w.open_member
    other = make_topic(w.open_forum, w.open_animator, title="Jamais lu")
    login(member)
    client.get(w.open_topic.get_absolute_url())  # reads everything
    rows = {t.title: t for t in client.get(forum_url(w.open_forum)).context["topics"]}
    # The link is worked out only when a row is rendered: read, there is none.
    assert not rows["Sujet open"].unread_url
    assert str(rows[other.title].unread_url) == other.get_absolute_url()
    make_post(w.open_topic, w.open_animator, "Nouvelle réponse")
    rows = {t.title: t for t in client.get(forum_url(w.open_forum)).context["topics"]}
    assert str(rows["Sujet open"].unread_url).endswith("#p3")


# --- Hidden posts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visitor", "sees_text"),
    [
        ("open_member", False),
        ("closed_member", False),
        ("open_animator", True),
        ("admin", True),
        ("author", True),
    ],
)
def test_hidden_posts_show_a_placeholder_except_to_author_and_moderators(
    client, login, forum_world, visitor, sees_text
):
    w = forum_world
    author = make_member_in_open(w)
    post = make_post(w.open_topic, author, "Propos regrettable")
    services.post_set_hidden(post=post, by=w.open_animator, hidden=True, reason="Irrespect")
    login(author if visitor == "author" else w.visitor(visitor))
    body = client.get(w.open_topic.get_absolute_url()).content.decode()
    assert "Ce message a été masqué par l'animation." in body
    assert ("Propos regrettable" in body) == sees_text
    assert ("Irrespect" in body) == sees_text


def make_member_in_open(w: ForumWorld) -> User:
    from tests.factories import make_member

    return make_member(w.open)


# --- Writing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visitor", "allowed"),
    [
        ("outsider", False),
        ("closed_member", False),
        ("open_member", True),
        ("open_animator", True),
        ("admin", True),
    ],
)
def test_who_may_start_a_topic_in_an_open_community(client, login, forum_world, visitor, allowed):
    w = forum_world
    login(w.visitor(visitor))
    url = new_topic_url(w.open_forum)
    assert client.get(url).status_code == (200 if allowed else 403)
    response = client.post(url, {"title": "Nouvelle question", "body": "Contenu"})
    assert response.status_code == (302 if allowed else 403)
    assert Topic.objects.filter(title="Nouvelle question").exists() == allowed


def test_new_topic_form_keeps_values_and_explains_errors(client, login, forum_world):
    login(forum_world.open_member)
    url = new_topic_url(calls_forum(forum_world.open))
    response = client.post(
        url, {"title": "Besoin d'aide", "body": "Mon long texte", "is_call_for_help": "on"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Un appel à tous a besoin d&#x27;étiquettes" in body
    assert "Mon long texte" in body and "Besoin d&#x27;aide" in body


@pytest.mark.parametrize(
    ("visitor", "allowed"),
    [
        ("outsider", False),
        ("open_member", True),
        ("open_animator", True),
        ("admin", True),
    ],
)
def test_who_may_reply(client, login, forum_world, visitor, allowed):
    w = forum_world
    login(w.visitor(visitor))
    topic = w.open_topic
    response = client.post(reverse("forums:reply", args=[topic.pk]), {"body": "Ma réponse"})
    assert Post.objects.filter(topic=topic, body="Ma réponse").exists() == allowed
    if allowed:
        post = Post.objects.get(topic=topic, body="Ma réponse")
        assert response.status_code == 302
        assert response["Location"].endswith(f"#post-{post.pk}")
    else:
        assert response.status_code == 403
        assert "Ma réponse" in response.content.decode()  # the text typed is kept


def test_locked_topics_take_replies_from_animators_only(client, login, forum_world):
    w = forum_world
    topic = w.open_topic
    services.topic_set_locked(topic=topic, by=w.open_animator, locked=True)
    login(w.open_member)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Ce sujet est verrouillé" in page and 'action="/topics/' not in page.split("reply")[-1]
    response = client.post(reverse("forums:reply", args=[topic.pk]), {"body": "Encore moi"})
    assert response.status_code == 403
    assert "Encore moi" in response.content.decode()
    login(w.open_animator)
    response = client.post(reverse("forums:reply", args=[topic.pk]), {"body": "Clôture"})
    assert response.status_code == 302


def test_empty_reply_is_refused_with_a_message(client, login, forum_world):
    login(forum_world.open_member)
    topic = forum_world.open_topic
    response = client.post(reverse("forums:reply", args=[topic.pk]), {"body": "   "})
    assert response.status_code == 200
    assert "Écrivez votre message." in response.content.decode()


def test_posting_is_rate_limited_and_the_text_is_kept(client, login, forum_world, settings):
    # Counted in the database: the topic this member opened in forum_world is one.
    settings.PORTAL_POST_RATE_LIMIT = "3/10m"
    login(forum_world.open_member)
    url = reverse("forums:reply", args=[forum_world.open_topic.pk])
    assert client.post(url, {"body": "Un"}).status_code == 302
    assert client.post(url, {"body": "Deux"}).status_code == 302
    response = client.post(url, {"body": "Trois, texte précieux"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Patientez quelques minutes" in body and "Trois, texte précieux" in body
    assert not Post.objects.filter(body="Trois, texte précieux").exists()


HTMX = {"HX-Request": "true"}


def test_htmx_reply_is_appended_to_the_page_being_read(client, login, forum_world):
    w = forum_world
    login(w.open_member)
    topic = w.open_topic
    response = client.post(
        reverse("forums:reply", args=[topic.pk]),
        {"body": "Une **réponse** en place", "page": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    text = response.content.decode()
    post = Post.objects.get(body="Une **réponse** en place")
    assert "<html" not in text
    assert 'hx-swap-oob="beforeend:#posts"' in text and f'id="post-{post.pk}"' in text
    assert "<strong>réponse</strong>" in text
    assert "Votre réponse est publiée." in text
    assert 'name="body"' in text and "Une **réponse** en place</textarea>" not in text


def test_htmx_reply_on_another_page_sends_the_browser_to_it(client, login, forum_world):
    w = forum_world
    login(w.open_member)
    topic = w.open_topic
    for n in range(20):
        make_post(topic, w.open_animator, f"Réponse {n}", notify=False)
    response = client.post(
        reverse("forums:reply", args=[topic.pk]), {"body": "Page deux", "page": "1"}, headers=HTMX
    )
    post = Post.objects.get(body="Page deux")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{topic.get_absolute_url()}?page=2#post-{post.pk}"


def test_htmx_refused_reply_comes_back_with_its_text(client, login, forum_world, settings):
    settings.PORTAL_POST_RATE_LIMIT = "2/10m"  # the member's topic in forum_world counts
    w = forum_world
    login(w.open_member)
    url = reverse("forums:reply", args=[w.open_topic.pk])
    empty = client.post(url, {"body": "  ", "page": "1"}, headers=HTMX)
    assert "Écrivez votre message." in empty.content.decode()
    client.post(url, {"body": "Premier", "page": "1"}, headers=HTMX)
    limited = client.post(url, {"body": "Texte précieux", "page": "1"}, headers=HTMX)
    text = limited.content.decode()
    assert limited.status_code == 200  # htmx swaps successful answers only
    assert "<html" not in text and "Patientez quelques minutes" in text
    assert "Texte précieux" in text
    assert not Post.objects.filter(body="Texte précieux").exists()


def test_quote_prefills_the_reply_with_and_without_htmx(client, login, forum_world):
    w = forum_world
    login(w.open_member)
    topic, reply = w.open_topic, w.open_reply
    page = client.get(f"{topic.get_absolute_url()}?quote={reply.pk}")
    assert "&gt; Réponse open" in page.content.decode()
    fragment = client.get(
        f"/topics/{topic.pk}/?quote={reply.pk}&body=D%C3%A9j%C3%A0+tap%C3%A9",
        headers={"HX-Request": "true"},
    )
    text = fragment.content.decode()
    assert "<html" not in text and "Déjà tapé" in text and "&gt; Réponse open" in text


def test_quote_never_reveals_a_hidden_post(client, login, forum_world):
    w = forum_world
    services.post_set_hidden(post=w.open_reply, by=w.open_animator, hidden=True, reason="x")
    login(w.outsider)
    page = client.get(f"{w.open_topic.get_absolute_url()}?quote={w.open_reply.pk}")
    assert "Réponse open" not in page.content.decode()


def test_edit_own_post_keeps_history(client, login, forum_world):
    w = forum_world
    post = w.open_topic.posts.get(position=1)
    login(w.open_animator)
    assert client.get(reverse("forums:post_edit", args=[post.pk])).status_code == 403
    login(w.open_member)
    response = client.post(
        reverse("forums:post_edit", args=[post.pk]),
        {"title": "Sujet open", "body": "Corrigé", "tags": "moodle"},
    )
    assert response.status_code == 302
    history = client.get(reverse("forums:post_history", args=[post.pk])).content.decode()
    assert "Corrigé" in history and "Texte secret du sujet open" in history


def test_editing_the_opening_post_edits_title_and_tags_with_history(client, login, forum_world):
    w = forum_world
    topic = w.open_topic
    opening = topic.posts.get(position=1)
    url = reverse("forums:post_edit", args=[opening.pk])
    login(w.open_member)
    form = client.get(url).content.decode()
    assert 'value="Sujet open"' in form and 'value="moodle"' in form
    # Only the title and the tags change: the history still keeps the old title.
    response = client.post(
        url, {"title": "Évaluer <em>en ligne</em>", "body": opening.body, "tags": "évaluation"}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.title == "Évaluer <em>en ligne</em>"
    assert topic.slug == "evaluer-emen-ligneem"
    assert [t.name for t in topic.tags.all()] == ["évaluation"]
    history = client.get(reverse("forums:post_history", args=[opening.pk])).content.decode()
    assert "Titre précédent : « Sujet open »" in history
    assert "<em>en ligne</em>" not in history  # the title is escaped everywhere
    assert opening.revisions.get().body == opening.body


def test_opening_post_edit_keeps_the_values_when_the_title_is_missing(client, login, forum_world):
    w = forum_world
    opening = w.open_topic.posts.get(position=1)
    login(w.open_member)
    response = client.post(
        reverse("forums:post_edit", args=[opening.pk]),
        {"title": "  ", "body": "Mon nouveau texte", "tags": "moodle, vidéo"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Donnez un titre au sujet." in text
    assert "Mon nouveau texte" in text and "moodle, vidéo" in text
    w.open_topic.refresh_from_db()
    assert w.open_topic.title == "Sujet open"


def test_a_reply_edit_has_no_title_or_tags(client, login, forum_world):
    w = forum_world
    reply = w.open_reply
    login(w.open_animator)
    form = client.get(reverse("forums:post_edit", args=[reply.pk])).content.decode()
    assert 'name="body"' in form
    assert 'name="title"' not in form and 'name="tags"' not in form


def test_topic_author_accepts_an_answer(client, login, forum_world):
    w = forum_world
    topic, reply = w.open_topic, w.open_reply
    login(w.outsider)
    client.post(reverse("forums:solve", args=[topic.pk]), {"post": reply.pk})
    topic.refresh_from_db()
    assert topic.solved_at is None
    login(w.open_member)
    client.post(reverse("forums:solve", args=[topic.pk]), {"post": reply.pk})
    topic.refresh_from_db()
    assert topic.solved_at is not None and topic.accepted_post == reply
    client.post(reverse("forums:solve", args=[topic.pk]), {"post": "pas-un-nombre"})
    client.post(reverse("forums:solve", args=[topic.pk]), {"reopen": "1"})
    topic.refresh_from_db()
    assert topic.solved_at is None


def test_watch_toggle_with_and_without_htmx(client, login, forum_world):
    w = forum_world
    login(w.open_animator)
    url = reverse("forums:topic_watch", args=[w.open_topic.pk])
    assert client.post(url, {"watch": "on"}).status_code == 302
    assert w.open_topic.watches.filter(user=w.open_animator).exists()
    response = client.post(url, {"watch": "off"}, headers={"HX-Request": "true"})
    assert "Suivre ce sujet" in response.content.decode()
    assert not w.open_topic.watches.filter(user=w.open_animator).exists()


def test_xss_in_titles_and_bodies_is_inert_everywhere(client, login, forum_world):
    w = forum_world
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    topic = make_topic(
        w.open_forum, w.open_member, title=f"Titre {payload}", body=f"Corps {payload}"
    )
    login(w.open_member)
    for url in (topic.get_absolute_url(), forum_url(w.open_forum), reverse("forums:index")):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
    assert "&lt;script&gt;" in client.get(topic.get_absolute_url()).content.decode()


def test_the_animation_counts_the_hidden_topics_the_members_do_not(client, login, forum_world):
    """The page count comes from the forum's counter of the topics not hidden, plus, for
    the animation who sees them, the hidden ones."""
    w = forum_world
    hidden = make_topic(w.open_forum, w.open_member, title="Masqué")
    services.post_set_hidden(post=hidden.posts.get(), by=w.open_animator, hidden=True, reason="x")
    everyone = Topic.objects.filter(forum=w.open_forum).count()
    login(w.open_animator)
    response = client.get(forum_url(w.open_forum))
    assert response.context["page_obj"].paginator.count == everyone
    assert "Masqué" in [t.title for t in response.context["topics"]]
    client.logout()
    login(w.open_member)
    response = client.get(forum_url(w.open_forum))
    assert response.context["page_obj"].paginator.count == everyone - 1
    assert "Masqué" not in [t.title for t in response.context["topics"]]
