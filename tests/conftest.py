import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from cdp_portal.accounts.models import User
from cdp_portal.core.fragments import local_fragments
from communities.models import Community
from tests import shared_worlds
from tests.factories import SuperUserFactory, UserFactory
from tests.shared_worlds import shared_world
from tests.worlds import VISIBILITIES, CommunityWorld


def pytest_configure(config):
    """pytest-xdist queues the groups of `--dist loadgroup` largest first by default
    (--loadscope-reorder): the deploy group would then run before the plain database
    tests, and its transactional tests' flush would empty the rows that migrations write
    (the administrators' group) before tests that read them. Keep the order of collection
    (pytest-django's, then tests/browser/conftest.py's): the queue is dealt one test at a
    time anyway."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """`--dist loadgroup` (make test) sends the tests of one `xdist_group` to one worker by
    the `@group` suffix a worker adds to their node ids. pytest-xdist 3.8 writes it to
    `item._nodeid`, which pytest 9 no longer reads (pytest-xdist issue 1386): without this,
    every test is its own group, and each module-scoped deploy stack starts on both workers
    at once (twice the setup, and two stacks starving the two cores). Add the suffix where
    pytest 9 keeps the id; a no-op once pytest-xdist adds it itself.

    First, every test sets `_shared_worlds` up before its other function-scoped fixtures
    (tests/shared_worlds.py)."""
    shared_worlds.put_first(items)
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if names and "@" not in item.nodeid.rpartition("]")[2] and hasattr(item, "_id"):
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(names))}")


# --- The test databases: migrated once, copied for each worker ------------------------


@contextmanager
def _workers_lock(directory: Path) -> Iterator[Path]:
    """One test worker at a time (pytest-xdist's workers share `directory`, this run's)."""
    with (directory / "test-database.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield directory


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_modify_db_settings,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    tmp_path_factory,
):
    """pytest-django's test databases, but under pytest-xdist the migrations run once: the
    first worker migrates `test_<name>_template`, then each worker's `test_<name>_gwN` is
    a copy of it (PostgreSQL's CREATE DATABASE … TEMPLATE, under a second). Every worker
    ran all the migrations itself before, at the same time, on a 2-core machine. The last
    worker to finish drops the template; `--create-db` (pyproject) applies as before: the
    databases are made anew at every run."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb
    if worker is None or keepdb or not django_db_use_migrations or list(connections) != ["default"]:
        # One process, --reuse-db or --no-migrations: pytest-django's own way.
        from pytest_django.fixtures import _disable_migrations

        if not django_db_use_migrations:
            _disable_migrations()
        with django_db_blocker.unblock():
            config = setup_databases(
                verbosity, interactive=False, keepdb=keepdb, serialized_aliases=set()
            )
        yield
        if not keepdb:
            with django_db_blocker.unblock():
                teardown_databases(config, verbosity=verbosity)
        return

    connection = connections["default"]
    original_name = connection.settings_dict["NAME"]
    shared = tmp_path_factory.getbasetemp().parent
    with django_db_blocker.unblock(), _workers_lock(shared):
        template = _copy_of_the_migrated_template(connection, worker, shared, verbosity)
    yield
    with django_db_blocker.unblock():
        connection.creation.destroy_test_db(original_name, verbosity)
        with _workers_lock(shared):
            finished = shared / "test-database.finished"
            done = (int(finished.read_text()) if finished.exists() else 0) + 1
            finished.write_text(str(done))
            if done == int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")):
                with connection.creation._nodb_cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(template)}")


def _copy_of_the_migrated_template(connection, worker: str, shared: Path, verbosity: int) -> str:
    """Under the workers' lock: migrate the template if no worker did yet, then make this
    worker's database a copy of it and use it. Returns the template's name."""
    from django.conf import settings

    name = connection.creation._get_test_db_name()  # test_<name>_gwN (pytest-django's suffix)
    template = f"{name.removesuffix(f'_{worker}')}_template"
    if not (shared / "test-database.migrated").exists():
        connection.settings_dict["TEST"]["NAME"] = template
        connection.creation.create_test_db(verbosity, autoclobber=True, serialize=False)
        (shared / "test-database.migrated").touch()
    connection.close()
    with connection.creation._nodb_cursor() as cursor:
        quoted = connection.ops.quote_name
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted(name)}")
        cursor.execute(f"CREATE DATABASE {quoted(name)} WITH TEMPLATE {quoted(template)}")
    connection.settings_dict["TEST"]["NAME"] = name
    connection.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    return template


# Every test's settings (and a shared world's while it is built: tests/shared_worlds.py).
TEST_SETTINGS = {
    "LANGUAGE_CODE": "fr",
    # Factories hash a password for every account: keep that cheap in tests.
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
    # Uploaded files go to a temporary folder, never var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Cached counts, rate limits, rendered fragments (the process's own copies too)…
    # never carry over from one test to the next.
    cache.clear()
    local_fragments.clear()


_world_keeper = pytest.fixture(scope="session", name="_world_keeper")(shared_worlds.keeper_fixture)


# The shared worlds each test asks for, built or kept (tests/shared_worlds.py).
_shared_worlds = pytest.fixture(autouse=True, name="_shared_worlds")(shared_worlds.worlds_fixture)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Tells `_shared_worlds`, as the test ends, which test comes next."""
    shared_worlds.next_item[item] = nextitem
    try:
        return (yield)
    finally:
        shared_worlds.next_item.pop(item, None)


@pytest.fixture
def user(db):
    return UserFactory()


@shared_world
def admin_user():
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


@shared_world
def community_world() -> CommunityWorld:
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


# --- Single sign-on: real identity providers on loopback (tests/idp/) --------------------


@pytest.fixture(scope="session")
def portal_url(live_server) -> str:
    """The live server's address on 127.0.0.1, where the identity providers send people
    back (ACS, callback): one host for the whole journey, so one set of cookies."""
    return live_server.url.replace("://localhost:", "://127.0.0.1:")


@pytest.fixture(scope="session")
def saml_idp_server(portal_url, tmp_path_factory):
    """pysaml2's SAML IdP in its own process, for the whole test process; it registers
    the portal (live server) from the portal's own SP metadata."""
    from tests.idp.servers import SamlIdentityProvider

    server = SamlIdentityProvider(tmp_path_factory.mktemp("saml-idp"), portal_url)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oidc_idp_server(portal_url, tmp_path_factory):
    """panva's oidc-provider under Node in its own process, for the whole test process,
    with the portal (live server) registered as its client."""
    from tests.idp.servers import OidcIdentityProvider

    server = OidcIdentityProvider(tmp_path_factory.mktemp("oidc-provider"), portal_url)
    server.start()
    yield server
    server.stop()


def _single_sign_on(settings, environment: dict) -> None:
    """What settings.py builds from these environment variables."""
    from cdp_portal.core.sso_settings import single_sign_on_origins, single_sign_on_providers

    settings.SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(environment)
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"]}
    directives["form-action"] = ["'self'", *single_sign_on_origins(environment)]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}


@pytest.fixture
def saml_idp(saml_idp_server, settings):
    """The portal set up, as settings.py would from its environment, to sign in through
    the SAML IdP (no user there yet: `saml_idp.set_users(...)`)."""
    saml_idp_server.set_users({})
    _single_sign_on(settings, saml_idp_server.environment())
    return saml_idp_server


@pytest.fixture
def oidc_idp(oidc_idp_server, settings):
    """The portal set up to sign in through the OpenID Connect provider."""
    oidc_idp_server.set_users({})
    _single_sign_on(settings, oidc_idp_server.environment())
    return oidc_idp_server
