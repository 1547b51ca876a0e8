"""Forms of the member directory: the search and filters (GET) and one's own profile."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from cdp_portal.core.fields import MarkdownField, SingleLineCharField
from cdp_portal.core.tags import clean_tag_names
from cdp_portal.core.widgets import PlainSelect

from .models import Community, Language, Profile, ProfileQuerySet, Role
from .services import PROFILE_FIELDS, PROFILE_USER_FIELDS

User = get_user_model()

MAX_TAGS = 30


class DirectoryFilterForm(forms.Form):
    """Search and filters of /members/. Invalid values (a community the person may not
    see, an unknown role or campus) are reported next to the field and ignored: the other
    filters still apply, and an unseen community is answered exactly like one that does
    not exist."""

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Nom, fonction, unité ou expertise."),
    )
    # Every community the person may see: PlainSelect, not a template per option.
    community = forms.ChoiceField(label=_("Communauté"), required=False, widget=PlainSelect)
    role = forms.ChoiceField(label=_("Rôle"), required=False, widget=PlainSelect)
    campus = forms.ChoiceField(label=_("Campus ou lieu"), required=False, widget=PlainSelect)
    ask_me_about = forms.BooleanField(
        label=_("Seulement les personnes qu'on peut consulter"), required=False
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        communities = Community.objects.visible_to(viewer).only("pk", "name").order_by("name")
        self._communities = {str(community.pk): community for community in communities}
        self.fields["community"].choices = [("", _("Toutes les communautés"))] + [
            (pk, community.name) for pk, community in self._communities.items()
        ]
        self.fields["role"].choices = [("", _("Tous les rôles")), *Role.choices]
        self.fields["campus"].choices = [("", _("Tous les campus"))] + [
            (campus, campus) for campus in Profile.objects.campuses()
        ]

    def clean_community(self) -> Community | None:
        return self._communities.get(self.cleaned_data.get("community") or "")

    def filter(self, queryset: ProfileQuerySet) -> ProfileQuerySet:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("q"):
            queryset = queryset.search(data["q"])
        community, role = data.get("community"), data.get("role")
        if community is not None or role:
            queryset = queryset.with_visible_membership(self.viewer, community=community, role=role)
        if data.get("campus"):
            queryset = queryset.filter(campus=data["campus"])
        if data.get("ask_me_about"):
            queryset = queryset.filter(ask_me_about=True)
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


class CommaSeparatedTagField(TagField):
    """taggit's field, split on commas only: "classe inversée" is one tag, not two.
    Quotes are dropped, duplicates (whatever their case) kept once, in the typed order."""

    def clean(self, value):
        value = forms.CharField.clean(self, value)
        return clean_tag_names((value or "").split(","), max_tags=MAX_TAGS)

    def has_changed(self, initial_value, data_value) -> bool:
        return (initial_value or "") != (data_value or "")


phone_validator = RegexValidator(
    r"^(?=.*\d)\+?[\d\s().\-]{4,}((\s*,)?\s*(poste|ext\.?|p\.|x)\s*\d{1,6})?$",
    message=_("Saisissez un numéro de téléphone valide, par exemple +1 418 555-0100 poste 1234."),
    flags=re.IGNORECASE,
)


def _model_field(model, name: str, **overrides) -> forms.Field:
    """The form field a model field declares (label, length, help text), adjusted."""
    return model._meta.get_field(name).formfield(**overrides)


class ProfileEditForm(forms.Form):
    """One's own profile: names on the account and everything colleagues see."""

    display_name = _model_field(
        User,
        "display_name",
        form_class=SingleLineCharField,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    first_name = _model_field(
        User,
        "first_name",
        form_class=SingleLineCharField,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = _model_field(
        User,
        "last_name",
        form_class=SingleLineCharField,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    job_title = _model_field(Profile, "job_title", form_class=SingleLineCharField)
    unit = _model_field(Profile, "unit", form_class=SingleLineCharField)
    campus = _model_field(Profile, "campus", form_class=SingleLineCharField)
    bio = _model_field(
        Profile,
        "bio",
        form_class=MarkdownField,
        help_text=_("En Markdown : paragraphes, listes, liens, **gras**, *italique*."),
    )
    expertise = CommaSeparatedTagField(
        label=_("Expertises"),
        required=False,
        max_length=3000,
        help_text=_("Séparées par des virgules, par exemple : moodle, évaluation, vidéo."),
    )
    interests = CommaSeparatedTagField(
        label=_("Intérêts"),
        required=False,
        max_length=3000,
        help_text=_("Séparés par des virgules, par exemple : classe inversée, podcast."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Langues parlées"),
        required=False,
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = _model_field(
        Profile,
        "phone",
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    show_email = _model_field(Profile, "show_email")
    show_phone = _model_field(Profile, "show_phone")
    ask_me_about = _model_field(Profile, "ask_me_about")
    accepts_messages = _model_field(Profile, "accepts_messages")
    notification_email = _model_field(Profile, "notification_email", widget=forms.RadioSelect)
    # Not required: a form sent without it (an older page left open) keeps the choice.
    digest_frequency = _model_field(
        Profile, "digest_frequency", widget=forms.RadioSelect, required=False
    )

    # What `profile_update` accepts, and nothing else.
    user_field_names = PROFILE_USER_FIELDS
    profile_field_names = PROFILE_FIELDS

    def __init__(self, *args, profile: Profile, **kwargs):
        user = profile.user
        initial = {name: getattr(user, name) for name in self.user_field_names}
        initial |= {name: getattr(profile, name) for name in self.profile_field_names}
        initial["expertise"] = ", ".join(sorted(profile.expertise.names(), key=str.lower))
        initial["interests"] = ", ".join(sorted(profile.interests.names(), key=str.lower))
        super().__init__(*args, initial=initial, **kwargs)
        self.profile = profile

    def clean_digest_frequency(self) -> str:
        return self.cleaned_data["digest_frequency"] or self.profile.digest_frequency

    def clean_phone(self) -> str:
        return " ".join(self.cleaned_data["phone"].split())

    def service_arguments(self) -> dict:
        """Keyword arguments for `services.profile_update`, from valid data."""
        data = self.cleaned_data
        return {
            "user_fields": {name: data[name] for name in self.user_field_names},
            "profile_fields": {name: data[name] for name in self.profile_field_names},
            "expertise": data["expertise"],
            "interests": data["interests"],
        }


class TagFollowForm(forms.Form):
    """The button of a tag page: follow ("1") or stop following ("0")."""

    follow = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class FeedTokenForm(forms.Form):
    """The profile page's buttons for the personal feed addresses."""

    action = forms.ChoiceField(choices=[("revoke", "revoke"), ("regenerate", "regenerate")])
