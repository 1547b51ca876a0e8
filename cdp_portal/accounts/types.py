"""The types of a person in services, permissions and querysets.

`User` is the portal's account model (`AUTH_USER_MODEL`), imported from here rather than
through `get_user_model()` so that type checkers know it. A request's user is
`AnyUser`: the signed-in `User` or Django's `AnonymousUser`; permission checks and
querysets take one, services that act for someone take a `User`.
"""

from typing import TypeAlias, TypeGuard

from django.contrib.auth.models import AnonymousUser

from .models import User

AnyUser: TypeAlias = User | AnonymousUser


def is_signed_in(user: AnyUser | None) -> TypeGuard[User]:
    """Whether `user` is a signed-in person (not an anonymous visitor, nor None, which
    some callers pass for "nobody"). After it, type checkers know `user` is a `User`."""
    return bool(getattr(user, "is_authenticated", False))


__all__ = ["AnyUser", "User", "is_signed_in"]
