from django import forms
from django.utils.translation import gettext_lazy as _

from cdp_portal.core.fields import SingleLineCharField


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
        from communities.services import profile_ensure

        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])
        profile_ensure(user=user)
