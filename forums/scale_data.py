"""Synthetic discussions for benchmarks: `generate_forums(posts=500_000, seed=1)`.

Called by `generate_scale_data` after communities, people and memberships exist. Each call
adds `posts` posts in new topics spread over the communities that have members (busy
communities get more, Zipf-like), in their "Général" and "Appels à tous" forums: mostly
ordinary topics of a few replies, and about one topic in a hundred a hot one with hundreds
of replies. Some calls for help are solved, a few posts hidden by moderation.

Deterministic: one random generator seeded with `seed` drives everything, over people and
communities taken in primary-key order. Topics are written with `bulk_create` (their ids
are needed), posts with PostgreSQL's COPY, in batches; every counter (post and reply
counts, last activity and last post, first answer, the forums' topic counts) is computed
as the rows are drawn and finished by two set-based UPDATEs, and each batch's search
column by the services' `posts_reindex`, so the result is what the services would have
produced. Posts are thus written twice: `compact_posts()` rewrites the table afterwards
(`generate_scale_data` calls it once its transaction is over).
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from taggit.models import Tag

from cdp_portal.core.tags import tag_slug
from communities.models import Community, Membership

from .models import DEFAULT_FORUMS, Forum, Post, TaggedTopic, Topic
from .services import forums_ensure_defaults, forums_refresh_counters, posts_reindex, topic_slug

TOPIC_BATCH = 2_000
POST_BATCH = 50_000
HOT_TOPIC_EVERY = 100  # one topic in a hundred (the first one included) is a hot one
CALL_SHARE = 0.15
HIDDEN_SHARE = 0.004

OPENERS = (
    "Comment", "Quelqu'un a-t-il essayé", "Retour d'expérience :", "Question sur",
    "Idées pour", "Besoin d'aide avec", "Partage :", "Vos conseils pour", "Bilan de",
    "Atelier sur", "Problème avec", "Bonnes pratiques :",
)  # fmt: skip
SUBJECTS = (
    "l'évaluation formative", "la classe inversée", "les forums de cours", "Moodle",
    "les capsules vidéo", "la rétroaction entre pairs", "l'enseignement hybride",
    "les questionnaires en ligne", "le droit d'auteur", "les portfolios numériques",
    "l'accessibilité des documents", "l'animation d'une communauté", "les grands groupes",
    "les travaux d'équipe", "l'intelligence artificielle", "la veille documentaire",
    "les laboratoires virtuels", "la motivation des étudiants", "les stages",
    "la formation à distance",
)  # fmt: skip
SENTENCES = (
    "Merci pour ce partage, c'est très utile.",
    "J'ai vécu la même situation la session dernière.",
    "Nous avons essayé une grille commune et le résultat était encourageant.",
    "Le plus difficile reste de dégager du temps pour préparer les activités.",
    "Avez-vous des exemples concrets à partager ?",
    "La bibliothèque propose un guide sur ce sujet.",
    "Je recommande de commencer petit, avec un seul groupe.",
    "Les étudiants ont apprécié la souplesse du format.",
    "Il faut prévoir un soutien technique au début.",
    "On pourrait en parler au prochain midi-partage.",
    "Attention aux questions d'accessibilité pour les personnes malvoyantes.",
    "Le service de soutien à l'enseignement peut vous accompagner.",
    "J'ajoute une ressource dans la bibliothèque de la communauté.",
    "Dans mon cours, la participation a doublé après ce changement.",
    "Je ne suis pas certain que cela fonctionne avec de très grands groupes.",
    "Bonne idée, je vais l'essayer dès la semaine prochaine.",
)
TAG_NAMES = (
    "moodle", "évaluation", "vidéo", "forum", "formation", "pédagogie-active",
    "classe-inversée", "accessibilité", "rétroaction", "droit-d-auteur", "documentation",
    "échanger", "témoignages", "scénario", "intelligence-artificielle",
)  # fmt: skip


def _zipf_weights(count: int) -> list[float]:
    return [1.0 / (rank + 1) ** 0.8 for rank in range(count)]


def _body(rng: random.Random) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 4)))


def _size(rng: random.Random, remaining: int, number: int) -> int:
    """Posts in the `number`th new topic (its opening post included)."""
    size = rng.randint(200, 600) if number % HOT_TOPIC_EVERY == 0 else rng.randint(1, 16)
    return max(1, min(size, remaining))


def _copy_posts(rows: list[tuple]) -> None:
    table = Post._meta.db_table
    columns = (
        "topic_id", "position", "author_id", "body", "body_html", "created_at", "is_hidden",
        "hidden_reason", "hidden_at",
    )  # fmt: skip
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _finish_topics(first_id: int) -> None:
    """`last_post` of the new topics: their last post that is not hidden."""
    topics, posts = Topic._meta.db_table, Post._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {topics} AS t SET last_post_id = p.id
            FROM (
                SELECT DISTINCT ON (topic_id) id, topic_id FROM {posts}
                WHERE topic_id >= %s AND NOT is_hidden
                ORDER BY topic_id, position DESC
            ) AS p
            WHERE t.id = p.topic_id AND t.id >= %s
            """,
            [first_id, first_id],
        )


class _Institution(NamedTuple):
    """What topics are drawn over: the communities with members (in drawing order, with
    their Zipf-like weights), their active members, their default forums, the tags."""

    community_ids: list[int]
    weights: list[float]
    members: dict[int, list[int]]
    forums: dict[tuple[int, str], int]
    tag_ids: list[int]


class _DrawnTopic(NamedTuple):
    topic: Topic
    plan: list[tuple]  # per post: (position, author, created_at, hidden)
    tag_ids: list[int]


def _active_members() -> dict[int, list[int]]:
    """The active people of each community, by community id."""
    members: dict[int, list[int]] = {}
    for community_id, user_id in (
        Membership.objects.active()
        .filter(user__is_active=True)
        .order_by("community_id", "user_id")
        .values_list("community_id", "user_id")
    ):
        members.setdefault(community_id, []).append(user_id)
    return members


def _default_forum_ids() -> dict[tuple[int, str], int]:
    """The "Général" and "Appels à tous" forums, by (community id, slug)."""
    return {
        (community_id, slug): pk
        for pk, community_id, slug in Forum.objects.filter(
            slug__in=[slug for slug, _name, _description in DEFAULT_FORUMS[:2]]
        ).values_list("pk", "community_id", "slug")
    }


def _tag_ids() -> list[int]:
    Tag.objects.bulk_create(
        [Tag(name=name, slug=tag_slug(name)) for name in TAG_NAMES],
        ignore_conflicts=True,
    )
    return list(Tag.objects.filter(name__in=TAG_NAMES).order_by("pk").values_list("pk", flat=True))


def _plan_posts(
    rng: random.Random, *, author: int, people: list[int], size: int, now: datetime
) -> list[tuple]:
    """A topic's `size` posts, from up to two years ago: (position, author, created_at,
    hidden), the opening post by `author`."""
    start = now - timedelta(minutes=rng.randint(60 * 24, 60 * 24 * 730))
    span = max(1, int((now - start).total_seconds() // 60) - 1)
    step = max(1, span // (size + 1))
    plan, moment = [], start
    for position in range(1, size + 1):
        who = author if position == 1 else rng.choice(people)
        hidden = 1 < position < size and rng.random() < HIDDEN_SHARE
        plan.append((position, who, moment, hidden))
        moment = moment + timedelta(minutes=rng.randint(1, step))
    return plan


def _draw_topic(
    rng: random.Random,
    institution: _Institution,
    *,
    number: int,
    written: int,
    posts: int,
    now: datetime,
) -> _DrawnTopic:
    """The `number`th new topic (not yet written), `written` posts being drawn before it."""
    community_id = rng.choices(institution.community_ids, institution.weights)[0]
    people = institution.members[community_id]
    is_call = rng.random() < CALL_SHARE
    forum_id = institution.forums[(community_id, "appels-a-tous" if is_call else "general")]
    size = _size(rng, posts - written, number)
    author = rng.choice(people)
    plan = _plan_posts(rng, author=author, people=people, size=size, now=now)
    visible = [p for p in plan if not p[3]]
    answers = [p for p in plan[1:] if p[1] != author]
    solved = is_call and answers and rng.random() < 0.6
    title = f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS)} ({community_id}-{written})"
    topic = Topic(
        forum_id=forum_id,
        title=title,
        slug=topic_slug(title),
        author_id=author,
        is_call_for_help=is_call,
        is_pinned=rng.random() < 0.002,
        created_at=plan[0][2],
        last_activity_at=visible[-1][2],
        reply_count=len(visible) - 1,
        post_count=size,
        first_answer_at=answers[0][2] if answers else None,
        solved_at=answers[0][2] + timedelta(hours=1) if solved else None,
    )
    k = rng.randint(1 if is_call else 0, 3)
    return _DrawnTopic(
        topic, plan, rng.sample(institution.tag_ids, k) if institution.tag_ids else []
    )


def _write_topics(rng: random.Random, drawn: list[_DrawnTopic]) -> None:
    """The drawn topics, their tags and their posts (whose bodies are drawn here)."""
    topics = [topic for topic, _plan, _tags in drawn]
    Topic.objects.bulk_create(topics)
    TaggedTopic.objects.bulk_create(
        TaggedTopic(content_object_id=topic.pk, tag_id=tag_id)
        for topic, _plan, tags in drawn
        for tag_id in tags
    )
    rows: list[tuple] = []
    for topic, plan, _tags in drawn:
        for position, who, moment, hidden in plan:
            body = _body(rng)
            rows.append(
                (
                    topic.pk, position, who, body, f"<p>{escape(body)}</p>\n", moment,
                    hidden, "Hors sujet" if hidden else "", moment if hidden else None,
                )
            )  # fmt: skip
        if len(rows) >= POST_BATCH:
            _copy_posts(rows)
            rows = []
    if rows:
        _copy_posts(rows)
    posts_reindex(Post.objects.filter(topic_id__in=[topic.pk for topic in topics]))


def compact_posts() -> None:
    """Rewrite the posts table (written twice: COPY, then the search column) so that a
    benchmark reads a table as compact as one filled over time, and refresh the
    planner's statistics. VACUUM cannot run inside a transaction: skipped there."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM FULL {Post._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Post._meta.db_table}")


def generate_forums(*, posts: int = 500_000, seed: int = 1, stdout=None) -> int:
    """Add `posts` posts (in new topics); returns how many were written."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = timezone.now()

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    with transaction.atomic():
        for community in Community.objects.exclude(forums__slug=DEFAULT_FORUMS[0][0]):
            forums_ensure_defaults(community=community)
        members = _active_members()
        forums = _default_forum_ids()
        community_ids = [c for c in sorted(members) if (c, "general") in forums]
        if not community_ids or posts <= 0:
            say("Forums : aucune communauté avec des membres, rien à générer.")
            return 0
        weights = _zipf_weights(len(community_ids))
        rng.shuffle(community_ids)  # which communities are busy varies with the seed
        institution = _Institution(community_ids, weights, members, forums, _tag_ids())

        written = topic_number = 0
        first_topic_id = None
        touched_forums: set[int] = set()
        while written < posts:
            drawn: list[_DrawnTopic] = []
            while len(drawn) < TOPIC_BATCH and written < posts:
                new = _draw_topic(
                    rng, institution, number=topic_number, written=written, posts=posts, now=now
                )
                drawn.append(new)
                topic_number += 1
                touched_forums.add(new.topic.forum_id)
                written += new.topic.post_count
            _write_topics(rng, drawn)
            if first_topic_id is None:
                first_topic_id = drawn[0].topic.pk
            say(f"Forums : {written}/{posts} messages ({time.perf_counter() - started:.0f} s)")
        _finish_topics(first_topic_id)
        forums_refresh_counters(touched_forums)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Topic._meta.db_table}")
        cursor.execute(f"ANALYZE {Post._meta.db_table}")
    compact_posts()
    say(f"Forums : {written} messages écrits en {time.perf_counter() - started:.0f} s.")
    return written
