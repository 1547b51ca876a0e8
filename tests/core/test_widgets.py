"""`PlainSelect` writes the markup Django's `Select` renders through its templates."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from cdp_portal.core.widgets import PlainSelect

CHOICES = [
    ("", "Toutes les communautés"),
    (1, "Communauté <ouverte> & co"),
    ("2", 'Les "guillemets"'),
    ("Campus", [("a", "Campus A"), ("b", "Campus B")]),
]


@pytest.mark.parametrize("value", [None, "", "1", 1, "b", "absente"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_community"}, {"id": "x", "required": True, "disabled": False}]
)
def test_plain_select_renders_what_django_renders(value, attrs):
    ours = PlainSelect(choices=CHOICES).render("community", value, attrs)
    django = forms.Select(choices=CHOICES).render("community", value, attrs)
    assert parse_html(ours) == parse_html(django)
    assert "&lt;ouverte&gt; &amp; co" in ours and "&quot;guillemets&quot;" in ours


def test_a_form_field_with_plain_select_keeps_the_chosen_value():
    class Filter(forms.Form):
        community = forms.ChoiceField(choices=CHOICES[:3], required=False, widget=PlainSelect)

    html = str(Filter({"community": "1"})["community"])
    assert parse_html(html) == parse_html(
        '<select name="community" id="id_community">'
        '<option value="">Toutes les communautés</option>'
        '<option value="1" selected>Communauté &lt;ouverte&gt; &amp; co</option>'
        '<option value="2">Les "guillemets"</option></select>'
    )
