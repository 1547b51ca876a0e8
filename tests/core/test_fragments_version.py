"""Every fragment's key holds the version of the templates (and compiled catalogues)
deployed, so a deploy that changes how a fragment looks never serves the former HTML
from the shared cache."""

from __future__ import annotations

from cdp_portal.core.fragments import fragment_key, templates_version


def test_the_version_follows_a_template_s_content_and_name(tmp_path):
    (tmp_path / "forums").mkdir()
    post = tmp_path / "forums" / "post.html"
    post.write_text("<article>{{ post.body_html }}</article>")
    first = templates_version([tmp_path])
    assert templates_version([tmp_path]) == first
    post.write_text("<article class='post'>{{ post.body_html }}</article>")
    changed = templates_version([tmp_path])
    assert changed != first
    post.rename(tmp_path / "forums" / "message.html")
    assert templates_version([tmp_path]) not in (first, changed)


def test_the_deployed_version_is_in_every_fragment_key(monkeypatch):
    before = fragment_key("forums/post.html", [1])
    monkeypatch.setattr(
        "cdp_portal.core.fragments.deployed_templates_version", lambda: "another deploy"
    )
    assert fragment_key("forums/post.html", [1]) != before
