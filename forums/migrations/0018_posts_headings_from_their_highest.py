"""Re-render the stored HTML of posts with headings placed from the text's own highest
heading (`cdp_portal.core.markdown.render_markdown(heading_level=…)`): a post starting at
"##" was shifted by a fixed two levels to an h4 under the page's h2.

Only posts whose text may hold a heading are read (an ATX "#" or a setext underline at
the start of a line), in batches of BATCH ids each committed on its own (README,
"Migrations during a rolling deploy"); a post whose HTML comes out the same is not
written, since every write moves its topic's revision and so renews its cached
fragments. The reverse renders them back the previous way (every level two lower)."""

import re

from django.db import migrations
from django.urls import reverse

from cdp_portal.core.markdown import MENTION, render_markdown

BATCH = 2_000
# forums.services.POST_HEADING_LEVEL when this migration was written.
POST_HEADING_LEVEL = 3
# forums.services.MAX_MENTIONS when this migration was written.
MAX_MENTIONS = 20
# PostgreSQL regular expression: a line that may be a heading (a superset is harmless).
MAY_HOLD_A_HEADING = r"(^|\n) {0,3}(#{1,6}([ \t]|\n|$)|[=-]+[ \t]*(\r?\n|$))"
HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def _mentions(Profile, body: str) -> dict[str, str]:
    handles: list[str] = []
    for match in MENTION.finditer(body or ""):
        handle = match.group(1).lower()
        if handle not in handles:
            handles.append(handle)
    handles = handles[:MAX_MENTIONS]
    if not handles:
        return {}
    found = Profile.objects.filter(handle__in=handles).values_list("handle", flat=True)
    return {handle: reverse("directory:profile", kwargs={"handle": handle}) for handle in found}


def _placed(body: str, mentions: dict[str, str]) -> str:
    return str(render_markdown(body, heading_level=POST_HEADING_LEVEL, mentions=mentions))


def _shifted_by_two(body: str, mentions: dict[str, str]) -> str:
    html = str(render_markdown(body, mentions=mentions))
    return HEADING_TAG.sub(
        lambda match: f"<{match.group(1)}h{min(int(match.group(2)) + 2, 6)}>", html
    )


def _rerender(apps, render) -> None:
    Post = apps.get_model("forums", "Post")
    Profile = apps.get_model("communities", "Profile")
    todo = Post.objects.filter(body__regex=MAY_HOLD_A_HEADING).order_by("pk")
    last = 0
    while True:
        batch = list(todo.filter(pk__gt=last).only("pk", "body", "body_html")[:BATCH])
        if not batch:
            return
        changed = []
        for post in batch:
            html = render(post.body, _mentions(Profile, post.body))
            if html != post.body_html:
                post.body_html = html
                changed.append(post)
        Post.objects.bulk_update(changed, ["body_html"])
        last = batch[-1].pk


def place_headings(apps, schema_editor):
    _rerender(apps, _placed)


def shift_headings_back(apps, schema_editor):
    _rerender(apps, _shifted_by_two)


class Migration(migrations.Migration):
    # Each batch commits on its own.
    atomic = False

    dependencies = [
        ("forums", "0017_hidden_topics_index"),
        ("communities", "0010_profile_directory_indexes"),
    ]

    operations = [migrations.RunPython(place_headings, shift_headings_back)]
