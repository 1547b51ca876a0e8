"""Forms of the library: the search and filters, and adding or editing a resource."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from taggit.utils import parse_tags

from cdp_portal.core.fields import MarkdownField, SingleLineCharField
from cdp_portal.core.idempotency import SubmissionTokenField
from cdp_portal.core.search_text import MAX_QUERY_LENGTH
from communities.models import Community, is_portal_admin

from .models import Kind, Resource, ResourceLanguage, Sort
from .services import clean_tag_names
from .uploads import ALLOWED_EXTENSIONS, inspect_upload, max_upload_bytes


class LibraryFilterForm(forms.Form):
    """`?q=&kind=&tag=&community=&language=&sort=`; an invalid value is ignored (and
    said), never an error page."""

    q = forms.CharField(
        label=_("Rechercher"), required=False, max_length=MAX_QUERY_LENGTH, strip=True
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Tous"))])
    tag = forms.CharField(label=_("Étiquette"), required=False, max_length=100)
    community = forms.CharField(label=_("Communauté"), required=False, max_length=100)
    language = forms.ChoiceField(label=_("Langue"), required=False, choices=[("", _("Toutes"))])
    sort = forms.ChoiceField(label=_("Trier par"), required=False, choices=Sort.choices)

    FILTERS = ("kind", "tag", "community", "language")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Tous les types")), *Kind.choices]
        self.fields["language"].choices = [("", _("Toutes les langues")), *ResourceLanguage.choices]
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})
        self.fields["q"].widget.input_type = "search"

    def value(self, name: str) -> str:
        """The valid value of a parameter, "" when absent or invalid."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return self.cleaned_data.get(name) or ""

    @property
    def chosen_sort(self) -> str:
        sort = self.value("sort")
        if not sort:
            return Sort.RELEVANCE if self.value("q") else Sort.RECENT
        if sort == Sort.RELEVANCE and not self.value("q"):
            return Sort.RECENT
        return sort

    @property
    def is_filtered(self) -> bool:
        return any(self.value(name) for name in ("q", *self.FILTERS))


class TagListField(forms.CharField):
    """Comma-separated tags ("forum, webct, témoignages"), cleaned like the services do."""

    def to_python(self, value):
        text = super().to_python(value)
        return clean_tag_names(parse_tags(text)) if text else []

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value


class ResourceForm(forms.ModelForm):
    """Adding or editing a resource. The community choices are those the person may add
    to (plus the resource's current one when editing); empty means institution-wide."""

    tags = TagListField(
        label=_("Étiquettes"),
        required=False,
        help_text=_("Séparées par des virgules, par exemple : forum, webct, témoignages."),
    )
    upload = forms.FileField(
        label=_("Fichier"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}),
    )
    remove_file = forms.BooleanField(label=_("Retirer le fichier actuel"), required=False)
    # Only when adding: the same form sent twice adds one resource.
    submission_token = SubmissionTokenField()
    url = forms.URLField(
        label=_("Adresse web"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Pour un lien, un outil en ligne : une adresse http ou https."),
    )

    class Meta:
        model = Resource
        fields = ["title", "summary", "kind", "language", "community", "body", "url"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        field_classes = {
            "title": SingleLineCharField,
            "summary": SingleLineCharField,
            "body": MarkdownField,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = (
            Community.objects.all() if is_portal_admin(user) else Community.objects.of_member(user)
        ).filter(archived_at__isnull=True)  # read-only (resources.permissions.can_add_to)
        if self.instance.pk and self.instance.community_id:
            choices = choices | Community.objects.filter(pk=self.instance.community_id)
        community = self.fields["community"]
        community.queryset = choices.distinct().order_by("name")
        community.empty_label = _("Toute l'institution")
        community.required = False
        self.fields["upload"].help_text = _(
            "PDF, images, documents Office ou OpenDocument, ZIP, texte, CSV, Markdown ; "
            "%(limit)s au plus."
        ) % {"limit": filesizeformat(max_upload_bytes())}
        if self.instance.pk:
            self.fields["tags"].initial = [tag.name for tag in self.instance.tags.all()]
            if self.instance.file:
                self.fields["upload"].label = _("Remplacer le fichier")
            else:
                del self.fields["remove_file"]
        else:
            del self.fields["remove_file"]
        if self.instance.pk:
            del self.fields["submission_token"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                inspect_upload(upload)
            except ValidationError as error:
                raise ValidationError(
                    [*error.messages, _("Choisissez à nouveau un fichier acceptable.")]
                ) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("url")
        has_new_file = bool(cleaned.get("upload"))
        keeps_file = bool(self.instance.file) and not cleaned.get("remove_file")
        if url and (has_new_file or keeps_file):
            raise ValidationError(
                _(
                    "Donnez un fichier ou une adresse web, pas les deux. Pour un lien, "
                    "retirez d'abord le fichier."
                )
            )
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "kind": data["kind"],
            "language": data["language"],
            "community": data.get("community"),
            "body": data.get("body") or "",
            "url": data.get("url") or "",
            "file": data.get("upload") or None,
            "tags": data.get("tags") or [],
        }


class ToggleForm(forms.Form):
    """The on/off buttons (featured, hidden): `on=1` or `on=0`."""

    on = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class ResourceFlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Qu'est-ce qui ne va pas ?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Contenu erroné, lien brisé, droits d'auteur, propos déplacés…"),
        error_messages={"required": _("Dites ce qui ne va pas avec cette ressource.")},
    )


class ResourceFlagResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("hide", _("Masquer la ressource")), ("dismiss", _("Classer sans suite"))]
    )
    note = forms.CharField(label=_("Note (facultative)"), max_length=500, required=False)
