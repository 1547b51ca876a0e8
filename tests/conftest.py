from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from cdp_portal.accounts.models import User
from communities.models import Community
from tests.factories import SuperUserFactory, UserFactory
from tests.worlds import VISIBILITIES, CommunityWorld


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "fr"
    # Uploaded files go to a temporary folder, never var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Cached counts, rate limits… never carry over from one test to the next.
    cache.clear()
    # Factories hash a password for every account: keep that cheap in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_user(db):
    return SuperUserFactory(email="root@example.org")


@pytest.fixture
def login(client) -> Callable[[User | None], Client]:
    """`login(user)` signs the test's `client` in as `user` (out when None) and returns it.

    The one "sign in as X" helper of the suite: it is the same `client` the test receives,
    so a test may call `login(someone)` and go on with `client`. Browser tests sign in
    through the real form instead (tests/browser/helpers.py)."""

    def sign_in(user: User | None) -> Client:
        # None is the anonymous visitor of the permission tables (signing in as someone else
        # already starts a fresh session, so only the anonymous case needs a logout).
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def auth_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def community_world(db) -> CommunityWorld:
    """One community of each visibility, with an animator and a member in each, and an
    outsider who belongs to none: the five kinds of visitor for permission tests."""
    from tests.factories import CommunityFactory, UserFactory, make_member

    # Each community then its animator and member, as always: some orderings fall back on
    # primary keys.
    communities: dict[str, Community] = {}
    people: dict[str, User] = {}
    for visibility in VISIBILITIES:
        community = CommunityFactory(
            name=f"Communauté {visibility}", slug=f"cdp-{visibility}", visibility=visibility
        )
        communities[visibility] = community
        people[f"{visibility}_animator"] = make_member(community, roles=("animator",))
        people[f"{visibility}_member"] = make_member(community)
    return CommunityWorld(
        **communities,
        **people,
        outsider=make_member(communities["open"], user=UserFactory(), status="left"),
        admin=SuperUserFactory(email="admin-world@example.org"),
    )


# --- Media on object storage ----------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One real S3-compatible server (moto's server mode) per test process, on a free
    loopback port; each test that asks for `s3_media` gets a fresh bucket on it."""
    from tests.s3_server import S3Server

    server = S3Server(tmp_path_factory.mktemp("moto") / "moto.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_media(settings, s3_server):
    """Uploaded files go to a fresh private bucket for this test (MEDIA_STORAGE=s3):
    returns the bucket's name. Changing STORAGES drops Django's cached storages."""
    bucket = s3_server.create_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage(bucket)}
    return bucket
