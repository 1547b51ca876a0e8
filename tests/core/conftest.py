import pytest

from tests.core.smtp_server import closed_port


@pytest.fixture
def smtp_down(settings):
    """EMAIL settings aimed at a port of 127.0.0.1 where nothing listens: the SMTP server
    is down."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings
