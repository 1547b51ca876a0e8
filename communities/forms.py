"""Forms of the community pages: list filters, join requests, invitations, roles."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cdp_portal.core.fields import SingleLineCharField

from .models import CommunityQuerySet, MembershipQuerySet, Phase, Role, Visibility

ROLE_CHOICES = Role.choices


class CommunityFilterForm(forms.Form):
    """The filters of the community list (GET). Invalid values are reported and ignored:
    the other filters still apply."""

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Dans le nom et le résumé."),
    )
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    theme = forms.ChoiceField(label=_("Thème stratégique"), required=False)
    visibility = forms.ChoiceField(label=_("Visibilité"), required=False)
    archived = forms.ChoiceField(
        label=_("Activité"),
        required=False,
        choices=[
            ("", _("Toutes")),
            ("active", _("En activité")),
            ("archived", _("Archivées")),
        ],
        help_text=_("Une communauté archivée se lit encore, mais on n'y écrit plus."),
    )
    mine = forms.BooleanField(label=_("Seulement mes communautés"), required=False)

    def __init__(self, *args, visible: CommunityQuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        # One query gives the themes and the visibilities among the communities the person
        # may see, so a private community's theme never shows up for a non-member.
        pairs = set(visible.order_by().values_list("theme", "visibility").distinct())
        themes = sorted({theme for theme, _visibility in pairs if theme}, key=str.casefold)
        visibilities = {visibility for _theme, visibility in pairs}
        self.fields["phase"].choices = [("", _("Toutes les phases")), *Phase.choices]
        self.fields["theme"].choices = [("", _("Tous les thèmes"))] + [(t, t) for t in themes]
        self.fields["visibility"].choices = [("", _("Toutes"))] + [
            (value, label) for value, label in Visibility.choices if value in visibilities
        ]

    def filter(self, queryset: CommunityQuerySet, user) -> CommunityQuerySet:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("q"):
            queryset = queryset.matching(data["q"])
        for field in ("phase", "theme", "visibility"):
            if data.get(field):
                queryset = queryset.filter(**{field: data[field]})
        if data.get("mine"):
            queryset = queryset.of_member(user)
        if data.get("archived"):
            queryset = queryset.filter(archived_at__isnull=data["archived"] == "active")
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("Message aux animateur·rice·s (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Présentez-vous en quelques mots : ce que vous attendez de la communauté."),
    )


class InvitationResponseForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accepter")), ("decline", _("Décliner"))],
        error_messages={"required": _("Acceptez ou déclinez l'invitation.")},
    )


class RequestDecisionForm(forms.Form):
    """Approve or refuse one pending request, named by its membership id."""

    membership = forms.ModelChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Cette demande a déjà été traitée.")},
    )
    decision = forms.ChoiceField(choices=[("approve", _("Accepter")), ("refuse", _("Refuser"))])
    reason = forms.CharField(
        label=_("Motif du refus (facultatif, envoyé à la personne)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, pending: MembershipQuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = pending


def _allowed_domains_error(email: str) -> str | None:
    allowed = settings.PORTAL_ALLOWED_EMAIL_DOMAINS
    if not allowed or email.rsplit("@", 1)[-1].lower() in allowed:
        return None
    if get_user_model().objects.filter(email__iexact=email).exists():
        return None  # an existing account may be invited whatever its address
    return _("Seules les adresses de l'établissement sont acceptées (%(domains)s).") % {
        "domains": ", ".join("@" + domain for domain in allowed)
    }


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("Un compte est ouvert pour cette adresse si elle n'en a pas encore."),
    )
    display_name = SingleLineCharField(
        label=_("Nom affiché (facultatif)"),
        required=False,
        max_length=150,
        help_text=_("Utilisé seulement si la personne n'a pas encore de compte."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Rôles"),
        choices=ROLE_CHOICES,
        initial=[Role.MEMBER],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un rôle.")},
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        error = _allowed_domains_error(email)
        if error:
            raise forms.ValidationError(error)
        return email


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Rôles"),
        choices=ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un rôle.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class MemberFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Tous les rôles")), *ROLE_CHOICES]

    def filter(self, queryset: MembershipQuerySet) -> MembershipQuerySet:
        if self.is_valid() and self.cleaned_data.get("role"):
            return queryset.with_role(self.cleaned_data["role"])
        return queryset


class PortalSignupForm(forms.Form):
    """Extra sign-up fields; allauth calls ``signup()`` once the account exists."""

    display_name = SingleLineCharField(
        label=_("Nom affiché"),
        max_length=150,
        help_text=_("Prénom et nom, tels que vos collègues vous connaissent."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def signup(self, request, user) -> None:
        # allauth's forms, which the services import, load this class: import late.
        from .services import profile_ensure

        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])
        profile_ensure(user=user)
