"""Load the peer benchmark's data set (django-machina's `dataset.generate()`) into the portal.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_peer \
        .venv/bin/python bench/peer/load_dataset.py [--peer-dir ../shared/peer-machina] [--force]

One open community holding the data set's forums (10), its members (300: accounts with a
verified address, profiles, active memberships), its topics and posts with the same
dates, bodies and authors, in the state the portal's write path leaves them: each post's
HTML from `forums.services.render_body` and its search column from
`forums.search.post_search_vector` (in the same INSERT), topic and forum counters from
the services' refresh helpers, the author's watch on each topic it opened, and each
member's read state on the topics they wrote in (up to their last post, as the page after
posting records).

Rows are written with `bulk_create`; the counters are derived set-based afterwards.
Deterministic (the generator is seeded, rows are inserted in the data set's order).
Refuses a database that already holds forum data, unless `--force`, which empties the
forum tables and removes the benchmark's community and accounts first: a throwaway
database only. Writes the three target pages and the member to sign in as to `--targets`
(JSON), read by `bench/peer/run.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

COMMUNITY_SLUG = "banc-essai-machina"
DEFAULT_PEER_DIR = REPO.parent / "shared" / "peer-machina"
DEFAULT_TARGETS = Path("/tmp/cdp-peer/targets.json")
BATCH = 5_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--peer-dir",
        type=Path,
        default=Path(os.environ.get("PEER_MACHINA_DIR", DEFAULT_PEER_DIR)),
        help="the peer benchmark's folder, holding dataset.py",
    )
    parser.add_argument("--targets", type=Path, default=DEFAULT_TARGETS)
    parser.add_argument("--force", action="store_true", help="empty the forum data first")
    return parser.parse_args(argv)


def load_generator(peer_dir: Path):
    """The peer's `dataset` module, imported from its folder (not copied here)."""
    if not (peer_dir / "dataset.py").is_file():
        raise SystemExit(f"no dataset.py in {peer_dir} (see --peer-dir / PEER_MACHINA_DIR)")
    sys.path.insert(0, str(peer_dir))
    import dataset

    return dataset


class Timer:
    """Prints how long each phase took, and the total at the end."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        print(f"  {what:<42} {now - self.last:6.1f} s", flush=True)
        self.last = now

    def total(self) -> None:
        print(f"  {'total':<42} {time.perf_counter() - self.started:6.1f} s", flush=True)


def wipe(data: dict, *, force: bool) -> None:
    """Refuse existing forum data, or (with --force) remove it and the benchmark's people."""
    from django.apps import apps
    from django.db import connection

    from cdp_portal.accounts.models import User
    from communities.models import Community
    from forums.models import Forum

    if Forum.objects.exists() and not force:
        raise SystemExit("this database already holds forums: use a throwaway one, or --force")
    tables = [model._meta.db_table for model in apps.get_app_config("forums").get_models()]
    with connection.cursor() as cursor:
        # Other apps' rows pointing at forum rows (moderation, notifications) go too.
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    Community.objects.filter(slug=COMMUNITY_SLUG).delete()
    User.objects.filter(email__in=[m["email"] for m in data["members"]]).delete()


def display_name(username: str) -> str:
    """ "camille.martin12" -> "Camille Martin"."""
    first, _dot, last = username.partition(".")
    return f"{first.title()} {last.rstrip('0123456789').title()}"


def create_members(data: dict) -> list[int]:
    """Accounts, verified addresses and profiles; the user ids in the data set's order."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from cdp_portal.accounts.models import User
    from communities.models import Profile
    from communities.services import profile_handles_for

    password = make_password(os.environ.get("PEER_MEMBER_PASSWORD", "banc-essai-machina"))
    users = []
    for member in data["members"]:
        name = display_name(member["username"])
        first, last = name.split(" ", 1)
        users.append(
            User(
                email=member["email"], display_name=name, first_name=first, last_name=last,
                password=password, date_joined=member["date_joined"],
            )
        )  # fmt: skip
    User.objects.bulk_create(users, batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=BATCH,
    )
    Profile.objects.bulk_create(
        [
            Profile(user=user, handle=handle, languages=["fr", "en"])
            for user, handle in zip(users, profile_handles_for(users), strict=True)
        ],
        batch_size=BATCH,
    )
    return [user.pk for user in users]


def create_community(data: dict, user_ids: list[int]) -> list[int]:
    """The open community, its active memberships and the data set's forums (ids in the
    data set's order). Written with bulk_create: the signal that gives a new community the
    default forums does not run, so it has exactly the data set's forums."""
    from django.utils.text import slugify

    from communities.models import Community, Membership, Phase, Role, Visibility
    from forums.models import Forum

    start = dataset_start(data)
    community = Community(
        name=data["category"]["name"], slug=COMMUNITY_SLUG,
        summary=data["category"]["description"], visibility=Visibility.OPEN,
        phase=Phase.GROWING, created_at=start,
    )  # fmt: skip
    Community.objects.bulk_create([community])
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=user_id,
                community=community,
                roles=[Role.MEMBER],
                status=Membership.Status.ACTIVE,
                created_at=member["date_joined"],
                joined_at=member["date_joined"],
            )
            for user_id, member in zip(user_ids, data["members"], strict=True)
        ],
        batch_size=BATCH,
    )
    forums = [
        Forum(
            community=community,
            name=forum["name"],
            slug=slugify(forum["name"])[:80],
            description=forum["description"],
            position=forum["index"],
            created_at=start,
        )
        for forum in data["forums"]
    ]
    Forum.objects.bulk_create(forums)
    return [forum.pk for forum in forums]


def dataset_start(data: dict):
    return min(topic["created"] for topic in data["topics"])


def create_topics(data: dict, user_ids: list[int], forum_ids: list[int]) -> list[int]:
    """Topics with their counters as the services keep them (post and reply counts, last
    activity, first answer by someone else than the author); ids in the data set's order."""
    from forums.models import Topic
    from forums.services import topic_slug

    posts = data["posts"]
    topics = []
    for topic in data["topics"]:
        own = posts[topic["first_post"] : topic["last_post"] + 1]
        answers = [p for p in own[1:] if p["poster"] != topic["poster"]]
        topics.append(
            Topic(
                forum_id=forum_ids[topic["forum"]], title=topic["subject"][:200],
                slug=topic_slug(topic["subject"]), author_id=user_ids[topic["poster"]],
                created_at=topic["created"], last_activity_at=topic["last_post_on"],
                post_count=topic["posts_count"], reply_count=topic["posts_count"] - 1,
                first_answer_at=answers[0]["created"] if answers else None,
            )
        )  # fmt: skip
    Topic.objects.bulk_create(topics, batch_size=BATCH)
    return [topic.pk for topic in topics]


def render_posts(data: dict) -> list[str]:
    """Each post's stored HTML, through the function the write path uses."""
    from forums.services import render_body

    return [render_body(post["content"].strip()) for post in data["posts"]]


def create_posts(data: dict, html: list[str], user_ids: list[int], topic_ids: list[int]) -> None:
    """Posts numbered 1, 2… in each topic, in the data set's order, with their search
    column."""
    from django.db.models import Value

    from forums.models import Post
    from forums.search import post_search_vector

    first_of = {topic["index"]: topic["first_post"] for topic in data["topics"]}
    batch: list[Post] = []
    for post, body_html in zip(data["posts"], html, strict=True):
        body = post["content"].strip()
        batch.append(
            Post(
                topic_id=topic_ids[post["topic"]],
                position=post["index"] - first_of[post["topic"]] + 1,
                author_id=user_ids[post["poster"]], body=body, body_html=body_html,
                created_at=post["created"], search_vector=post_search_vector(Value(body)),
            )
        )  # fmt: skip
        if len(batch) == BATCH:
            Post.objects.bulk_create(batch)
            batch = []
    Post.objects.bulk_create(batch)


def create_reader_state(data: dict, user_ids: list[int], topic_ids: list[int]) -> None:
    """The author's watch on each topic (topic_create), and each member's read state on
    the topics they wrote in: up to their last post, when they wrote it (the topic page
    shown after posting records it)."""
    from forums.models import TopicReadState, Watch

    Watch.objects.bulk_create(
        [
            Watch(
                user_id=user_ids[t["poster"]],
                topic_id=topic_ids[t["index"]],
                created_at=t["created"],
            )
            for t in data["topics"]
        ],
        batch_size=BATCH,
    )
    first_of = {topic["index"]: topic["first_post"] for topic in data["topics"]}
    furthest: dict[tuple[int, int], tuple[int, object]] = {}
    for post in data["posts"]:
        position = post["index"] - first_of[post["topic"]] + 1
        furthest[(post["poster"], post["topic"])] = (position, post["created"])
    TopicReadState.objects.bulk_create(
        [
            TopicReadState(
                user_id=user_ids[member],
                topic_id=topic_ids[topic],
                last_read_position=position,
                last_read_at=when,
            )
            for (member, topic), (position, when) in furthest.items()
        ],
        batch_size=BATCH,
    )


def refresh_counters(topic_ids: list[int], forum_ids: list[int]) -> None:
    """The services' own helpers: last post and reply counts, then the forums' counts."""
    from forums.services import forums_refresh_counters, topics_refresh_counters

    for start in range(0, len(topic_ids), BATCH):
        topics_refresh_counters(topic_ids[start : start + BATCH])
    forums_refresh_counters(forum_ids)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def write_targets(dataset, data: dict, path: Path, *, topic_ids: list[int], forum_ids, user_ids):
    """The portal's three pages equivalent to the peer's, and whom to sign in as."""
    from cdp_portal.accounts.models import User
    from forums.models import Forum, Topic

    picked = dataset.pick_targets(data)
    topics = Topic.objects.select_related("forum__community").in_bulk(
        [topic_ids[picked["hot_topic"]], topic_ids[picked["typical_topic"]]]
    )
    forum = Forum.objects.select_related("community").get(pk=forum_ids[picked["busiest_forum"]])
    member = User.objects.get(pk=user_ids[0])  # the most active poster of the data set
    targets = {
        "forum_list": forum.get_absolute_url(),
        "hot_topic": topics[topic_ids[picked["hot_topic"]]].get_absolute_url(),
        "typical_topic": topics[topic_ids[picked["typical_topic"]]].get_absolute_url(),
        "member_email": member.email,
        "params": data["params"],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(targets, indent=2))
    return targets


def run_phases(dataset, data: dict, args: argparse.Namespace, timer: Timer) -> dict:
    from django.db import transaction

    from forums.models import Forum

    if Forum.objects.exists() and not args.force:  # before the long rendering
        raise SystemExit("this database already holds forums: use a throwaway one, or --force")
    step: Callable[[str], None] = timer.lap
    html = render_posts(data)
    step(f"render Markdown ({len(html)} posts)")
    with transaction.atomic():
        wipe(data, force=args.force)
        step("wipe")
        user_ids = create_members(data)
        step(f"members ({len(user_ids)}: accounts, addresses, profiles)")
        forum_ids = create_community(data, user_ids)
        step(f"community, memberships, forums ({len(forum_ids)})")
        topic_ids = create_topics(data, user_ids, forum_ids)
        step(f"topics ({len(topic_ids)})")
        create_posts(data, html, user_ids, topic_ids)
        step(f"posts ({len(data['posts'])})")
        create_reader_state(data, user_ids, topic_ids)
        step("watches and read state")
        refresh_counters(topic_ids, forum_ids)
        step("counters (services' refresh helpers)")
    analyze()
    step("VACUUM ANALYZE")
    return write_targets(
        dataset, data, args.targets, topic_ids=topic_ids, forum_ids=forum_ids, user_ids=user_ids
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    dataset = load_generator(args.peer_dir.resolve())
    import django

    django.setup()
    timer = Timer()
    data = dataset.generate()
    timer.lap("dataset.generate()")
    targets = run_phases(dataset, data, args, timer)
    timer.total()
    print(json.dumps(targets, indent=2))
    print(f"targets written to {args.targets}")


if __name__ == "__main__":
    main()
