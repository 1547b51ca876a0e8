"""Form widgets shared by every app.

`PlainSelect` writes a `<select>` in Python. Django's own renders each option through two
templates (`select_option.html`, which includes `attrs.html`): a filter listing a
hundred communities rendered two hundred templates on every page showing it, a sixth of
the member directory's time. This module imports no app of the portal.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class PlainSelect(forms.Select):
    """Django's `Select`, with the same markup (optgroups, the selected option, any
    attribute), written without a template per option."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = format_html_join(
            "",
            "{}",
            ((_group(label, options),) for label, options, _index in widget["optgroups"]),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), groups
        )


def _group(label, options: list[dict]) -> SafeString:
    html = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((option["value"], flatatt(option["attrs"]), option["label"]) for option in options),
    )
    return format_html('<optgroup label="{}">{}</optgroup>', label, html) if label else html
