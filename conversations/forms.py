"""Forms for every input of private conversations. Each re-renders with what the person
typed."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cdp_portal.core.fields import MarkdownField, SingleLineCharField
from cdp_portal.core.idempotency import SubmissionTokenField
from communities.models import Profile

from .models import SUBJECT_MAX_LENGTH
from .services import MAX_BODY_LENGTH, MAX_RECIPIENTS

BODY_HELP = _(
    "Markdown : **gras**, *italique*, listes, liens, > citations. Seules les personnes de "
    "la conversation le lisent ; aucune adresse e-mail n'est montrée."
)
# Handles are separated by commas, semicolons or spaces; an "@" before one is allowed.
_SEPARATORS = re.compile(r"[\s,;]+")
HANDLE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


def _body_field(label) -> forms.CharField:
    return MarkdownField(
        label=label,
        max_length=MAX_BODY_LENGTH,
        strip=True,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Écrivez votre message.")},
    )


def handles_in(text: str) -> list[str]:
    """The handles typed, lower case, each once, in order ("@marie, jean" → both)."""
    handles: list[str] = []
    for word in _SEPARATORS.split(text or ""):
        handle = word.strip().lstrip("@").lower()
        if handle and handle not in handles:
            handles.append(handle)
    return handles


class RecipientsField(forms.CharField):
    """Profile handles, turned into the active people who hold them (each with their
    profile). An unknown handle, or one of an inactive account, is named in the error:
    the same answer for both, as the directory gives."""

    def clean(self, value):
        value = super().clean(value)
        handles = handles_in(value)
        if len(handles) > MAX_RECIPIENTS:
            raise ValidationError(
                _("Une conversation réunit au plus %(max)d destinataires.")
                % {"max": MAX_RECIPIENTS}
            )
        malformed = [handle for handle in handles if not HANDLE.match(handle)]
        found = {
            profile.handle: profile
            for profile in Profile.objects.filter(
                handle__in=[h for h in handles if h not in malformed], user__is_active=True
            ).select_related("user")
        }
        unknown = [handle for handle in handles if handle not in found]
        if unknown:
            raise ValidationError(
                [
                    _("Aucun membre actif n'a l'identifiant « %(handle)s ».")
                    % {"handle": handle[:80]}
                    for handle in unknown
                ]
            )
        people = []
        for handle in handles:
            profile = found[handle]
            person = profile.user
            person.profile = profile
            people.append(person)
        return people


class ConversationStartForm(forms.Form):
    recipients = RecipientsField(
        label=_("Destinataires"),
        max_length=1000,
        help_text=_(
            "Les identifiants des personnes, séparés par des virgules : celui d'une personne "
            "termine l'adresse de son profil dans l'annuaire (/members/identifiant/)."
        ),
        error_messages={"required": _("Choisissez au moins une personne.")},
    )
    subject = SingleLineCharField(
        label=_("Sujet"),
        max_length=SUBJECT_MAX_LENGTH,
        error_messages={"required": _("Donnez un sujet à la conversation.")},
    )
    body = _body_field(_("Message"))
    submission_token = SubmissionTokenField()


class MessageForm(forms.Form):
    body = _body_field(_("Votre réponse"))
    submission_token = SubmissionTokenField()


class MessageFlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi signaler ce message ?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "L'administration du portail lira ce message, et lui seul, pour décider s'il "
            "faut le masquer."
        ),
        error_messages={"required": _("Dites à l'administration du portail ce qui pose problème.")},
    )


class BlockForm(forms.Form):
    """The buttons that block ("1") or unblock ("0") a person."""

    block = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class MessageFlagResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("resolve", _("Traité")), ("dismiss", _("Rejeté"))],
        error_messages={"invalid_choice": _("Choisissez « traité » ou « rejeté ».")},
    )
    note = forms.CharField(label=_("Note (facultative)"), max_length=500, required=False)
    hide_message = forms.BooleanField(label=_("Masquer aussi le message"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hide_message") and not (cleaned.get("note") or "").strip():
            raise ValidationError(_("Pour masquer le message, donnez la raison dans la note."))
        return cleaned
