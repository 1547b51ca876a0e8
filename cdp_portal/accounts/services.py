from allauth.account.models import EmailAddress
from django.db import transaction

from .models import User


@transaction.atomic
def user_ensure_verified(
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    is_superuser: bool = False,
    first_name: str = "",
    last_name: str = "",
) -> tuple[User, bool]:
    """Get or create an active account whose e-mail address is verified.

    An existing account keeps its password: running a seed twice must not undo a change
    the person made. Returns the user and whether it was created.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User(
            email=email,
            display_name=display_name,
            first_name=first_name,
            last_name=last_name,
            is_staff=is_superuser,
            is_superuser=is_superuser,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    elif is_superuser and not (user.is_superuser and user.is_staff):
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created
