"""The digest preference: weekly for new accounts, stated and changed on the profile
page; the migration gives existing accounts weekly, none to who wanted no e-mail."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from communities.models import Profile
from communities.services import profile_ensure
from digests.periods import Frequency
from tests.factories import UserFactory

EDIT_URL = reverse("directory:profile_edit")


def edit_data(**overrides) -> dict:
    data = {
        "display_name": "Hélène Côté",
        "first_name": "Hélène",
        "last_name": "Côté",
        "notification_email": "all",
        "digest_frequency": "daily",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
def test_a_new_account_gets_the_weekly_digest_and_the_page_says_so(client):
    newcomer = UserFactory()
    client.force_login(newcomer)
    response = client.get(EDIT_URL)
    assert Profile.objects.get(user=newcomer).digest_frequency == Frequency.WEEKLY
    body = response.content.decode()
    assert 'id="digest"' in body
    assert "Résumé par courriel" in body
    assert "Par défaut : chaque semaine." in body
    assert 'value="weekly" checked' in body.replace("\n", " ").replace("  ", " ") or (
        response.context["form"]["digest_frequency"].value() == "weekly"
    )
    for label in ("Chaque semaine, le lundi", "Chaque jour, le matin", "Jamais"):
        assert label in body


@pytest.mark.django_db
@pytest.mark.parametrize("visitor", ["outsider", "open_member", "closed_animator", "admin"])
def test_everyone_chooses_their_own_frequency(client, community_world, visitor):
    someone = community_world.visitor(visitor)
    client.force_login(someone)
    response = client.post(EDIT_URL, edit_data(digest_frequency="daily"))
    assert response.status_code == 302
    assert Profile.objects.get(user=someone).digest_frequency == Frequency.DAILY
    client.post(EDIT_URL, edit_data(digest_frequency="none"))
    assert Profile.objects.get(user=someone).digest_frequency == Frequency.NONE
    # The page shows the choice back.
    form = client.get(EDIT_URL).context["form"]
    assert form["digest_frequency"].value() == "none"


@pytest.mark.django_db
def test_a_form_without_the_field_keeps_the_choice(client, user):
    profile = profile_ensure(user=user)
    Profile.objects.filter(pk=profile.pk).update(digest_frequency=Frequency.DAILY)
    client.force_login(user)
    assert client.post(EDIT_URL, edit_data(digest_frequency=None)).status_code == 302
    assert Profile.objects.get(pk=profile.pk).digest_frequency == Frequency.DAILY


@pytest.mark.django_db
def test_an_invalid_choice_is_rerendered_with_a_message(client, user):
    profile = profile_ensure(user=user)
    client.force_login(user)
    response = client.post(EDIT_URL, edit_data(digest_frequency="hourly", job_title="Garder"))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert 'value="Garder"' in response.content.decode()
    assert Profile.objects.get(pk=profile.pk).digest_frequency == Frequency.WEEKLY


@pytest.mark.django_db
def test_the_profile_form_is_in_english_too(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    body = client.get(EDIT_URL).content.decode()
    assert "E-mail digest" in body
    assert "Default: every week." in body


BEFORE = [("communities", "0011_cdp_stem")]
AFTER = [("communities", "0012_profile_digest_frequency")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_no_e_mail_for_who_wanted_none_and_is_reversible():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldUser = old.get_model("accounts", "User")
    OldProfile = old.get_model("communities", "Profile")
    handles = {}
    for choice in ("all", "direct", "none"):
        user = OldUser.objects.create(email=f"{choice}@example.org", password="!")
        handles[choice] = OldProfile.objects.create(
            user=user, handle=f"h-{choice}", notification_email=choice
        ).handle
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    frequencies = dict(Profile.objects.values_list("handle", "digest_frequency"))
    assert frequencies == {
        handles["all"]: "weekly",
        handles["direct"]: "weekly",
        handles["none"]: "none",
    }
    # Back and forth: the column goes, then comes back with the same rule.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(
            cursor, "communities_profile")]  # fmt: skip
    assert "digest_frequency" not in columns
    call_command("migrate", verbosity=0)
    assert Profile.objects.get(handle=handles["none"]).digest_frequency == "none"
