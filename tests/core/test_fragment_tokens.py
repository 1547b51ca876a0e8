"""A response's stored fragments get the request's tokens: one CSRF token for all its
forms, valid for the request's secret, a new one when the secret changes, and a new
submission token per form."""

from django.middleware.csrf import _unmask_cipher_token, rotate_token
from django.test import RequestFactory

from cdp_portal.core.fragments import (
    CSRF_PLACEHOLDER,
    SUBMISSION_TOKEN_PLACEHOLDER,
    with_request_tokens,
)


def test_every_form_of_a_response_gets_a_token_of_the_requests_secret():
    request = RequestFactory().get("/")
    form = f"<input value='{CSRF_PLACEHOLDER}'><input value='{SUBMISSION_TOKEN_PLACEHOLDER}'>"
    first = with_request_tokens(request, form + form)
    second = with_request_tokens(request, form)
    secret = request.META["CSRF_COOKIE"]
    tokens = [part.split("'")[0] for part in (first + second).split("value='")[1::2]]
    assert len(tokens) == 3 and len(set(tokens)) == 1
    assert _unmask_cipher_token(tokens[0]) == secret
    submissions = [part.split("'")[0] for part in (first + second).split("value='")[2::2]]
    assert len(set(submissions)) == 3
    assert CSRF_PLACEHOLDER not in first + second


def test_a_new_secret_gets_a_new_token():
    request = RequestFactory().get("/")
    form = f"<input value='{CSRF_PLACEHOLDER}'>"
    before = with_request_tokens(request, form)
    rotate_token(request)  # as a sign-in does
    after = with_request_tokens(request, form)
    assert before != after
    assert _unmask_cipher_token(after.split("'")[1]) == request.META["CSRF_COOKIE"]
