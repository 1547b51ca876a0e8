"""The types of a person in services and permissions.

`User` is the portal's account model (`AUTH_USER_MODEL`), imported from here rather than
through `get_user_model()` so that type checkers know it. A request's user is
`AnyUser`: the signed-in `User` or Django's `AnonymousUser`; permission checks take one,
services that act for someone take a `User`.
"""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from .models import User

AnyUser: TypeAlias = User | AnonymousUser

__all__ = ["AnyUser", "User"]
