"""Forms of the readiness pages: a hand-set checklist item, the launch decision."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DecisionOutcome, ItemStatus
from .services import evidence_candidates, owner_candidates

RESOURCE_REFERENCE = re.compile(r"(?:^|/resources/)(\d{1,12})(?:[/-]|$)")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name()


class ChecklistItemForm(forms.Form):
    status = forms.ChoiceField(label=_("Statut"), choices=ItemStatus.choices)
    owner = OwnerChoiceField(
        label=_("Responsable"),
        queryset=None,
        required=False,
        empty_label=_("Personne pour l'instant"),
        help_text=_("Un membre de la communauté."),
    )
    due_date = forms.DateField(
        label=_("Échéance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Au format AAAA-MM-JJ."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce qui est fait, ce qui reste, qui a été consulté."),
    )
    evidence = forms.CharField(
        label=_("Ressource à l'appui"),
        required=False,
        max_length=300,
        help_text=_(
            "L'adresse ou le numéro d'une ressource de la bibliothèque (de la communauté ou "
            "de toute l'institution), par exemple /resources/42/."
        ),
    )

    def __init__(self, *args, item, user, **kwargs):
        self.item = item
        self.user = user
        community = item.checklist.community
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "status": item.status,
                "owner": item.owner_id,
                "due_date": item.due_date,
                "note": item.note,
                "evidence": item.evidence.get_absolute_url() if item.evidence_id else "",
            }
        kwargs.setdefault("auto_id", f"item-{item.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_candidates(community)
        self.community = community

    def clean_evidence(self):
        reference = self.cleaned_data["evidence"].strip()
        if not reference:
            return None
        match = RESOURCE_REFERENCE.search(reference.split("?")[0].split("#")[0])
        if match is None:
            raise forms.ValidationError(
                _(
                    "Donnez l'adresse d'une ressource de la bibliothèque, par exemple "
                    "/resources/42/."
                )
            )
        resource = (
            evidence_candidates(self.community, self.user).filter(pk=int(match.group(1))).first()
        )
        if resource is None:
            raise forms.ValidationError(
                _(
                    "Cette ressource est introuvable, masquée ou n'appartient ni à la communauté "
                    "ni à toute l'institution."
                )
            )
        return resource


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Décision"), choices=DecisionOutcome.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label=_("Justification"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Pourquoi cette décision, et ce qui reste à faire le cas échéant."),
    )
