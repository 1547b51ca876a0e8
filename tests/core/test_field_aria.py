"""The ARIA rule of form fields (templates/partials/field.html): a field with errors is
aria-invalid and described by its printed error and help; every id a description points
at is printed. The rule depends only on the kind of widget, so a form holding every kind
of widget the portal's forms use stands for all of them."""

import importlib
import inspect
from html.parser import HTMLParser

import pytest
from django import forms
from django.apps import apps
from django.template.loader import render_to_string
from taggit.forms import TagWidget

from cdp_portal.core.widgets import PlainSelect
from communities.directory_forms import ProfileEditForm
from readiness.forms import DecisionForm
from tests.factories import TEST_PASSWORD, ProfileFactory, UserFactory

CHOICES = [("a", "Un"), ("b", "Deux")]


class EveryWidgetForm(forms.Form):
    """Every widget the portal's forms use, each field required and with help text."""

    text = forms.CharField(help_text="Aide.")
    textarea = forms.CharField(widget=forms.Textarea, help_text="Aide.")
    email = forms.EmailField(help_text="Aide.")
    url = forms.URLField(assume_scheme="https", help_text="Aide.")
    password = forms.CharField(widget=forms.PasswordInput, help_text="Aide.")
    date = forms.DateField(widget=forms.DateInput, help_text="Aide.")
    upload = forms.FileField(help_text="Aide.")
    select = forms.ChoiceField(choices=CHOICES, help_text="Aide.")
    plain_select = forms.ChoiceField(choices=CHOICES, widget=PlainSelect, help_text="Aide.")
    tags = forms.CharField(widget=TagWidget, help_text="Aide.")
    radios = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, help_text="Aide.")
    boxes = forms.MultipleChoiceField(
        choices=CHOICES, widget=forms.CheckboxSelectMultiple, help_text="Aide."
    )
    checkbox = forms.BooleanField(help_text="Aide.")


class Elements(HTMLParser):
    """Each start tag's attributes, and the chain of open tags around it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict, list[tuple[str, dict]]]] = []
        self._open: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes, list(self._open)))
        if tag not in {"input", "br", "hr", "img", "meta", "link"}:
            self._open.append((tag, attributes))

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def ids(self) -> set[str]:
        return {attributes["id"] for _tag, attributes, _open in self.elements if "id" in attributes}


def _render(form: forms.Form) -> str:
    return "".join(
        render_to_string("partials/field.html", {"field": form[name]}) for name in form.fields
    )


def _described_by(attributes: dict, around: list[tuple[str, dict]]) -> set[str]:
    """The ids describing a control: its own, or its group's (the nearest fieldset)."""
    if "aria-describedby" in attributes:
        return set(attributes["aria-describedby"].split())
    for tag, outer in reversed(around):
        if tag == "fieldset":
            return set(outer.get("aria-describedby", "").split())
    return set()


def _assert_rule(form: forms.Form, html: str) -> None:
    page = Elements(html)
    printed = page.ids()
    checked = set()
    for tag, attributes, around in page.elements:
        name = attributes.get("name")
        if tag not in {"input", "select", "textarea"} or name not in form.fields:
            continue
        checked.add(name)
        described = _described_by(attributes, around)
        assert described <= printed, f"{name} points at ids never printed: {described - printed}"
        bound = form[name]
        if bound.errors:
            assert attributes.get("aria-invalid") == "true", f"{name} is not aria-invalid"
            assert f"{bound.auto_id}_error" in described, f"{name}: its error is not described"
        if bound.help_text:
            assert f"{bound.auto_id}_helptext" in described, f"{name}: help not described"
    assert checked == set(form.fields)


def test_every_widget_with_an_error_is_invalid_and_described_by_its_error_and_help():
    form = EveryWidgetForm(data={})
    assert set(form.errors) == set(form.fields)
    _assert_rule(form, _render(form))


def test_the_form_above_holds_every_widget_the_portals_forms_use():
    """A new kind of widget in a form of the portal must be added to EveryWidgetForm."""
    covered = {type(field.widget) for field in EveryWidgetForm.base_fields.values()}
    used = set()
    for app in apps.get_app_configs():
        for module_name in ("forms", "directory_forms"):
            try:
                module = importlib.import_module(f"{app.name}.{module_name}")
            except ImportError:
                continue
            for cls in vars(module).values():
                if (
                    inspect.isclass(cls)
                    and issubclass(cls, forms.BaseForm)
                    and cls.__module__ == module.__name__
                ):
                    used |= {type(field.widget) for field in cls.base_fields.values()}
    assert used, "no form found"
    missing = {widget for widget in used - covered if not widget.is_hidden}
    assert not missing, f"widgets not covered: {sorted(w.__name__ for w in missing)}"


def test_without_errors_only_the_help_describes_and_nothing_is_invalid():
    form = EveryWidgetForm()
    html = _render(form)
    assert "aria-invalid" not in html
    _assert_rule(form, html)


@pytest.mark.django_db
def test_profile_form_prints_the_help_it_points_at_and_names_the_person():
    """The "ask me about" checkbox pointed at help text never printed."""
    profile = ProfileFactory()
    form = ProfileEditForm(data={"display_name": ""}, profile=profile)
    html = _render(form)
    _assert_rule(form, html)
    assert 'id="id_ask_me_about_helptext"' in html
    autocomplete = {
        attributes["name"]: attributes.get("autocomplete")
        for tag, attributes, _ in Elements(html).elements
        if tag == "input" and "name" in attributes
    }
    assert autocomplete["display_name"] == "name"
    assert autocomplete["first_name"] == "given-name"
    assert autocomplete["last_name"] == "family-name"


def test_decision_radios_are_described_by_their_error():
    form = DecisionForm(data={"rationale": "Parce que."})
    assert form.errors["outcome"]
    html = _render(form)
    _assert_rule(form, html)
    fieldset = next(a for tag, a, _ in Elements(html).elements if tag == "fieldset")
    assert "id_outcome_error" in fieldset["aria-describedby"].split()


@pytest.mark.django_db
def test_refused_sign_in_is_an_alert_that_both_fields_point_at(client):
    user = UserFactory(email="annie@example.org")
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": TEST_PASSWORD + "x"}
    )
    assert response.status_code == 200
    page = Elements(response.content.decode())
    alert = [a for tag, a, _ in page.elements if a.get("role") == "alert"]
    assert [a.get("id") for a in alert] == ["form-errors"]
    assert "incorrects" in response.content.decode()
    controls = {a["name"]: a for tag, a, _ in page.elements if tag == "input" and "name" in a}
    for name in ("login", "password"):
        assert controls[name]["aria-invalid"] == "true"
        described = set(controls[name]["aria-describedby"].split())
        assert "form-errors" in described
        assert described <= page.ids()
    # The password's own help (the reset link) is still read.
    assert "id_password_helptext" in controls["password"]["aria-describedby"]
    assert "aria-invalid" not in controls["remember"]


@pytest.mark.django_db
def test_sign_in_page_is_not_invalid_before_any_attempt(client):
    html = client.get("/accounts/login/").content.decode()
    assert "aria-invalid" not in html
    assert 'role="alert"' not in html
