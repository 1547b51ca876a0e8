"""allauth's forms as the portal needs them (settings.ACCOUNT_FORMS)."""

from __future__ import annotations

from allauth.account.forms import LoginForm
from django.core.exceptions import ValidationError

# The id of a form's alert for errors of the whole form (templates/allauth/elements/fields.html).
FORM_ERRORS_ID = "form-errors"


class PortalLoginForm(LoginForm):
    """A refused e-mail and password pair is one error about both fields: both are
    marked invalid and described by that one alert (with their own help), as a field's
    own error would be."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if (error.code or "").endswith("_password_mismatch"):
                for name in ("login", "password"):
                    self._described_by_form_error(name)
            raise

    def _described_by_form_error(self, name: str) -> None:
        field = self.fields.get(name)
        if field is None:
            return
        described = [FORM_ERRORS_ID]
        if field.help_text:
            described.append(f"{self[name].auto_id}_helptext")
        field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": " ".join(described)})
