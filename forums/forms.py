"""Forms for every input of the forums. Each re-renders with what the person typed."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cdp_portal.core.fields import MarkdownField, SingleLineCharField
from cdp_portal.core.idempotency import SubmissionTokenField
from resources.models import Resource
from resources.services import clean_tag_names

from .models import Forum
from .services import MAX_BODY_LENGTH

BODY_HELP = _(
    "Markdown : **gras**, *italique*, listes, liens, > citations. "
    "Mentionnez une personne avec @identifiant."
)


def _body_field(label=None) -> forms.CharField:
    return MarkdownField(
        label=label or _("Message"),
        max_length=MAX_BODY_LENGTH,
        strip=True,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Écrivez votre message.")},
    )


class TagsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 600)
        kwargs.setdefault(
            "help_text", _("Séparées par des virgules, par exemple : moodle, évaluation.")
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return clean_tag_names(value.split(",")) if value else []


class TopicForm(forms.Form):
    title = SingleLineCharField(
        label=_("Titre"),
        max_length=200,
        error_messages={"required": _("Donnez un titre au sujet.")},
    )
    body = _body_field()
    tags = TagsField(label=_("Étiquettes"))
    is_call_for_help = forms.BooleanField(
        label=_("C'est un appel à tous : prévenir les membres dont l'expertise correspond"),
        required=False,
    )
    # Set when the discussion is opened from a resource's page.
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _("Cette ressource ne peut pas être discutée dans ce forum.")
        },
    )
    submission_token = SubmissionTokenField()

    def __init__(self, *args, resources=None, **kwargs):
        """`resources`: those a discussion in this forum may be about."""
        super().__init__(*args, **kwargs)
        if resources is not None:
            self.fields["resource"].queryset = resources

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_call_for_help") and not cleaned.get("tags"):
            self.add_error(
                "tags",
                _("Un appel à tous a besoin d'étiquettes : elles désignent les expertises "
                  "recherchées."),
            )  # fmt: skip
        return cleaned


class ReplyForm(forms.Form):
    body = _body_field(_("Votre réponse"))
    submission_token = SubmissionTokenField()


class PostEditForm(forms.Form):
    body = _body_field()


class OpeningPostEditForm(PostEditForm):
    """The opening post carries the topic's title and tags."""

    title = forms.CharField(
        label=_("Titre"),
        max_length=200,
        error_messages={"required": _("Donnez un titre au sujet.")},
    )
    tags = TagsField(label=_("Étiquettes"))
    field_order = ["title", "body", "tags"]

    def __init__(self, *args, topic, **kwargs):
        self.topic = topic
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.topic.is_call_for_help and "tags" in cleaned and not cleaned["tags"]:
            self.add_error(
                "tags", _("Un appel à tous a besoin d'au moins une étiquette pour être routé.")
            )
        return cleaned


class TagEditForm(forms.Form):
    tags = TagsField(label=_("Étiquettes"))


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi signaler ce message ?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Dites à l'animation ce qui pose problème.")},
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Raison du masquage"),
        max_length=300,
        help_text=_("L'auteur·rice la verra ; elle est aussi consignée au journal."),
        error_messages={"required": _("Donnez la raison du masquage.")},
    )


class ReasonForm(forms.Form):
    """An optional reason for the moderation log (lock, pin, unhide…)."""

    reason = forms.CharField(label=_("Raison (facultative)"), max_length=300, required=False)


TOPIC_ACTIONS = {"lock", "unlock", "pin", "unpin"}


class TopicModerationForm(ReasonForm):
    action = forms.ChoiceField(choices=[(a, a) for a in sorted(TOPIC_ACTIONS)])


class MoveForm(ReasonForm):
    forum = forms.ModelChoiceField(
        label=_("Vers le forum"),
        queryset=Forum.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez un forum de la même communauté.")},
    )

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = (
            Forum.objects.filter(community_id=topic.forum.community_id)
            .exclude(pk=topic.forum_id)
            .order_by("position", "pk")
        )


class FlagResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("resolve", _("Traité")), ("dismiss", _("Rejeté"))],
        error_messages={"invalid_choice": _("Choisissez « traité » ou « rejeté ».")},
    )
    note = forms.CharField(label=_("Note (facultative)"), max_length=500, required=False)
    hide_post = forms.BooleanField(label=_("Masquer aussi le message"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hide_post") and not (cleaned.get("note") or "").strip():
            raise ValidationError(_("Pour masquer le message, donnez la raison dans la note."))
        return cleaned


class CallFilterForm(forms.Form):
    """Which open calls for help /forums/calls/ lists."""

    SCOPES = [
        ("", _("Toutes les communautés que je peux lire")),
        ("mine", _("Mes communautés")),
        ("expertise", _("Mes expertises")),
    ]
    scope = forms.ChoiceField(label=_("Appels de"), choices=SCOPES, required=False)


class PersonIdsField(forms.TypedMultipleChoiceField):
    """People chosen by id among those a page listed (any id of the right shape passes
    here; the service checks each may be chosen)."""

    def __init__(self, *, max_count: int, **kwargs):
        self.max_count = max_count
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and value.isdigit() and len(value) <= 18

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > self.max_count:
            raise ValidationError(
                _("Choisissez au plus %(max)d personnes à la fois.") % {"max": self.max_count}
            )


class InviteExpertsForm(forms.Form):
    invitees = PersonIdsField(
        label=_("Personnes à inviter"),
        max_count=50,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins une personne à inviter."),
            "invalid_choice": _("Choisissez des personnes de la liste."),
        },
    )
