"""`manage.py import_members FILE.csv [--community SLUG] [--role ROLE] [--invite] [--atomic]
[--dry-run]`."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import CommandError, call_command

from cdp_portal.accounts.models import User
from communities.member_import import import_members, parse_member_csv
from communities.models import ANIMATORS_GROUP, Membership, Profile, TaggedExpertise
from tests.factories import CommunityFactory, ProfileFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

HEADER = "email,first_name,last_name,job_title,unit,campus,expertise\n"
CSV = HEADER + (
    "sophie.tremblay@example.org,Sophie,Tremblay,Conseillère pédagogique,SSE,Campus principal,"
    '"moodle; évaluation"\n'
    "Marc-Andre.Gagnon@Example.org,Marc-André,Gagnon,Technopédagogue,BENA,Lévis,vidéo\n"
)


def write(tmp_path, text: str, *, encoding: str = "utf-8", name: str = "people.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(path: str, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_members", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot() -> dict:
    return {
        "users": sorted(
            User.objects.values_list(
                "pk", "email", "first_name", "last_name", "display_name", "password", "is_staff"
            )
        ),
        "addresses": sorted(EmailAddress.objects.values_list("pk", "email", "verified")),
        "profiles": sorted(
            Profile.objects.values_list("pk", "handle", "job_title", "unit", "campus", "updated_at")
        ),
        "tags": sorted(TaggedExpertise.objects.values_list("content_object", "tag__name")),
        "memberships": sorted(
            Membership.objects.values_list("pk", "user", "status", "roles", "updated_at")
        ),
        "groups": sorted(User.groups.through.objects.values_list("user", "group")),
    }


# --- Happy path ------------------------------------------------------------------------------


def test_import_creates_accounts_profiles_and_expertise(tmp_path):
    out, err = run(write(tmp_path, CSV))
    sophie = User.objects.get(email="sophie.tremblay@example.org")
    assert (sophie.first_name, sophie.last_name, sophie.display_name) == (
        "Sophie",
        "Tremblay",
        "Sophie Tremblay",
    )
    assert not sophie.has_usable_password()
    assert EmailAddress.objects.get(user=sophie, email=sophie.email, primary=True).verified
    profile = sophie.profile
    assert profile.handle == "sophie-tremblay"
    assert (profile.job_title, profile.unit, profile.campus) == (
        "Conseillère pédagogique",
        "SSE",
        "Campus principal",
    )
    assert sorted(profile.expertise.names()) == ["moodle", "évaluation"]
    # Addresses are stored in lower case.
    assert User.objects.filter(email="marc-andre.gagnon@example.org").exists()
    assert not Membership.objects.exists()
    assert "Summary: 2 created, 0 updated, 0 unchanged, 0 errors" in out
    assert err == ""


def test_second_run_reports_rows_unchanged_and_writes_nothing(tmp_path):
    path = write(tmp_path, CSV)
    community = CommunityFactory(slug="technopedagogie")
    run(path, "--community", community.slug, "--role", "animator")
    before = snapshot()
    out, _err = run(path, "--community", community.slug, "--role", "animator")
    assert snapshot() == before
    assert "Summary: 0 created, 0 updated, 2 unchanged, 0 errors" in out


def test_existing_people_are_updated_and_keep_their_tags_and_handle(tmp_path):
    user = UserFactory(email="sophie.tremblay@example.org", display_name="")
    ProfileFactory(user=user, handle="sophie", job_title="Ancienne fonction", campus="Lévis")
    Profile.objects.get(user=user).expertise.add("Moodle", "vidéo")
    out, _err = run(write(tmp_path, CSV))
    user.refresh_from_db()
    profile = user.profile
    assert user.display_name == "Sophie Tremblay"
    assert profile.handle == "sophie"
    assert profile.job_title == "Conseillère pédagogique"
    # "moodle" matched the existing "Moodle"; tags are added, never removed.
    assert sorted(profile.expertise.names()) == ["Moodle", "vidéo", "évaluation"]
    assert "1 created, 1 updated, 0 unchanged" in out


def test_a_chosen_display_name_is_kept(tmp_path):
    UserFactory(email="sophie.tremblay@example.org", display_name="Sophie T.")
    run(write(tmp_path, CSV))
    assert User.objects.get(email="sophie.tremblay@example.org").display_name == "Sophie T."


def test_handles_stay_unique(tmp_path):
    ProfileFactory(handle="sophie-tremblay")
    ProfileFactory(handle="sophie-tremblay-2")
    text = (
        HEADER
        + "sophie.tremblay@example.org,Sophie,Tremblay,,,,\n"
        + "s.tremblay@example.org,Sophie,Tremblay,,,,\n"
    )
    run(write(tmp_path, text))
    handles = set(
        Profile.objects.filter(
            user__email__in=["sophie.tremblay@example.org", "s.tremblay@example.org"]
        ).values_list("handle", flat=True)
    )
    assert handles == {"sophie-tremblay-3", "sophie-tremblay-4"}


def test_community_members_and_animator_permissions(tmp_path):
    community = CommunityFactory(slug="technopedagogie")
    run(write(tmp_path, CSV), "--community", "technopedagogie")
    memberships = Membership.objects.filter(community=community)
    assert memberships.count() == 2
    assert all(m.status == "active" and m.roles == ["member"] for m in memberships)
    assert not User.objects.filter(is_staff=True).exists()

    run(write(tmp_path, CSV), "--community", "technopedagogie", "--role", "animator")
    for membership in Membership.objects.filter(community=community).select_related("user"):
        assert membership.roles == ["member", "animator"]
        assert membership.user.is_staff and not membership.user.is_superuser
        assert membership.user.groups.filter(name=ANIMATORS_GROUP).exists()


def test_roles_column_and_sponsor(tmp_path):
    community = CommunityFactory(slug="technopedagogie")
    text = (
        "email,first_name,last_name,roles\n"
        "a@example.org,Anne,A,animator;coach\n"
        "b@example.org,Bruno,B,sponsor\n"
        "c@example.org,Claire,C,\n"
    )
    run(write(tmp_path, text), "--community", community.slug, "--role", "documentalist")
    roles = dict(Membership.objects.values_list("user__email", "roles"))
    assert roles == {
        "a@example.org": ["animator", "coach"],
        "b@example.org": ["sponsor"],
        "c@example.org": ["documentalist"],
    }
    community.refresh_from_db()
    assert community.sponsor.email == "b@example.org"
    assert User.objects.get(email="a@example.org").is_staff
    assert not User.objects.get(email="b@example.org").is_staff


def test_a_past_membership_is_reactivated(tmp_path):
    community = CommunityFactory(slug="technopedagogie")
    user = make_member(
        community, status="left", user=UserFactory(email="sophie.tremblay@example.org")
    )
    run(write(tmp_path, CSV), "--community", community.slug)
    membership = Membership.objects.get(user=user, community=community)
    assert membership.status == "active" and membership.left_at is None


# --- Invitations -----------------------------------------------------------------------------


def test_invite_sends_the_invitation_to_new_accounts_only(
    tmp_path, django_capture_on_commit_callbacks
):
    UserFactory(email="sophie.tremblay@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run(write(tmp_path, CSV), "--invite")
    assert [message.to for message in mail.outbox] == [["marc-andre.gagnon@example.org"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "1 invitation sent" in out


def test_without_invite_no_email_is_sent(tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run(write(tmp_path, CSV))
    assert mail.outbox == []


# --- File formats ------------------------------------------------------------------------------


def test_excel_export_with_bom_and_semicolons(tmp_path):
    text = (
        "\ufeffemail;first_name;last_name;job_title;unit;campus;expertise\r\n"
        "helene.cote@example.org;Hélène;Côté;Bibliothécaire;Bibliothèque, Pavillon Bonenfant;"
        'Lévis;"documentation;veille"\r\n'
        "luc.roy@example.org;Luc;Roy;;;;;\r\n"
    )
    out, err = run(write(tmp_path, text))
    user = User.objects.get(email="helene.cote@example.org")
    assert (user.first_name, user.last_name) == ("Hélène", "Côté")
    assert user.profile.unit == "Bibliothèque, Pavillon Bonenfant"
    assert sorted(user.profile.expertise.names()) == ["documentation", "veille"]
    # Excel's trailing empty cell is no error.
    assert User.objects.filter(email="luc.roy@example.org").exists()
    assert "2 created" in out and err == ""


def test_a_row_with_more_cells_than_columns_is_a_bad_row(tmp_path):
    text = HEADER.replace(",", ";") + "a@example.org;A;B;;;;documentation;veille\n"
    _out, err = run(write(tmp_path, text))
    assert "line 2: 8 cells for 7 columns" in err
    assert not User.objects.exists()


def test_columns_may_be_a_subset_in_any_order(tmp_path):
    run(write(tmp_path, "last_name,email\nCôté,x@example.org\n"))
    assert User.objects.get(email="x@example.org").last_name == "Côté"


def test_unknown_columns_are_named_and_nothing_is_imported(tmp_path):
    with pytest.raises(CommandError, match="unknown columns: phone, office"):
        run(write(tmp_path, "email,phone,first_name,office\na@example.org,1,A,2\n"))
    assert not User.objects.exists()


def test_header_without_email_column(tmp_path):
    with pytest.raises(CommandError, match="no 'email' column"):
        run(write(tmp_path, "first_name,last_name\nA,B\n"))


def test_a_file_not_in_utf8_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not UTF-8"):
        run(write(tmp_path, HEADER + "a@example.org,Hélène,,,,,\n", encoding="latin-1"))
    assert not User.objects.exists()


# --- Bad rows ----------------------------------------------------------------------------------

BAD = HEADER + (
    "good@example.org,Bonne,Ligne,,,,\n"  # line 2
    "not-an-address,Mauvaise,Adresse,,,,\n"  # line 3
    "Good@example.org,Doublon,,,,,\n"  # line 4
    f"long@example.org,{'x' * 151},,,,,\n"  # line 5
    "\n"  # line 6: blank, skipped
    "other@example.org,Autre,Ligne,,,,\n"  # line 7
)


def test_bad_rows_are_reported_with_their_line_and_the_good_ones_kept(tmp_path):
    out, err = run(write(tmp_path, BAD))
    assert "line 3 (not-an-address): 'not-an-address' is not a valid e-mail address" in err
    assert "line 4 (good@example.org): duplicate e-mail address (line 2)" in err
    assert "line 5 (long@example.org): first_name is longer than 150 characters" in err
    assert set(User.objects.values_list("email", flat=True)) == {
        "good@example.org",
        "other@example.org",
    }
    assert User.objects.get(email="good@example.org").first_name == "Bonne"
    assert "Summary: 2 created, 0 updated, 0 unchanged, 3 errors" in out


def test_unknown_role_in_a_row_is_a_bad_row(tmp_path):
    CommunityFactory(slug="technopedagogie")
    text = "email,roles\na@example.org,animator\nb@example.org,boss\n"
    _out, err = run(write(tmp_path, text), "--community", "technopedagogie")
    assert "line 3 (b@example.org): unknown role 'boss'" in err
    assert list(User.objects.values_list("email", flat=True)) == ["a@example.org"]


def test_atomic_writes_nothing_when_a_row_is_bad(tmp_path):
    with pytest.raises(CommandError, match=r"3 bad rows \(2 good\): nothing was written"):
        run(write(tmp_path, BAD), "--atomic")
    assert not User.objects.exists() and not Profile.objects.exists()


def test_atomic_with_a_clean_file_imports_it(tmp_path):
    run(write(tmp_path, CSV), "--atomic")
    assert User.objects.count() == 2


def test_dry_run_reports_what_would_change_and_writes_and_sends_nothing(
    tmp_path, django_capture_on_commit_callbacks
):
    community = CommunityFactory(slug="technopedagogie")
    ProfileFactory(user=UserFactory(email="sophie.tremblay@example.org", first_name="Sophie"))
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(
            write(tmp_path, CSV), "--community", "technopedagogie", "--invite", "--dry-run"
        )
    assert snapshot() == before
    assert mail.outbox == []
    assert "would be updated: sophie.tremblay@example.org" in out
    assert "would be created: marc-andre.gagnon@example.org" in out
    assert "Summary (dry run, nothing written): 1 created, 1 updated, 0 unchanged" in out
    assert "invitation" not in out
    assert not community.memberships.exists()

    # The real run then does what the dry run announced.
    out, _ = run(write(tmp_path, CSV), "--community", "technopedagogie")
    assert "Summary: 1 created, 1 updated, 0 unchanged" in out
    assert community.memberships.count() == 2


def test_unknown_role_option_and_community(tmp_path):
    path = write(tmp_path, CSV)
    with pytest.raises(CommandError, match="Unknown role 'boss'"):
        run(path, "--role", "boss")
    with pytest.raises(CommandError, match="No community with the slug 'nowhere'"):
        run(path, "--community", "nowhere")
    with pytest.raises(CommandError, match="'roles' column needs --community"):
        run(write(tmp_path, "email,roles\na@example.org,member\n", name="r.csv"))
    assert not User.objects.exists()


# --- Long files --------------------------------------------------------------------------------


def test_long_file_shows_progress_and_stays_batched(tmp_path, django_assert_max_num_queries):
    community = CommunityFactory(slug="technopedagogie")
    lines = [
        f"personne{n}@example.org,Prénom{n},Nom{n},Fonction,Unité,Campus,tag{n % 7};commun"
        for n in range(1200)
    ]
    path = write(tmp_path, HEADER + "\n".join(lines) + "\n")
    # Two batches of 1,000 rows: a bounded number of queries, not one set per row.
    with django_assert_max_num_queries(80):
        _out, err = run(path, "--community", community.slug)
    assert "Importing: 1000/1200 rows" in err and "1200/1200 rows (100%)" in err
    assert Membership.objects.filter(community=community, status="active").count() == 1200
    assert Profile.objects.count() == 1200
    assert TaggedExpertise.objects.count() == 2400


def test_parse_reports_line_numbers_of_multiline_cells():
    rows, errors = parse_member_csv(HEADER + 'a@example.org,"A\nB",,,,,\nbad,,,,,,\n')
    assert [row.line for row in rows] == [3]
    assert [error.line for error in errors] == [4]


def test_import_function_without_overwrite_only_completes_blank_profiles():
    user = UserFactory(email="a@example.org", display_name="Anne")
    ProfileFactory(user=user, job_title="Sa fonction")
    rows, _errors = parse_member_csv(HEADER + "a@example.org,Anne,Autre,Nouvelle,,,moodle\n")
    report = import_members(rows=rows, overwrite=False)
    user.refresh_from_db()
    assert user.profile.job_title == "Sa fonction"
    assert not user.profile.expertise.exists()
    assert user.last_name == "Autre"  # a blank name is completed
    assert report.updated == 1


def test_a_row_with_a_missing_cell_is_a_bad_row_reported_by_line(tmp_path):
    text = HEADER + (
        "good@example.org,Bonne,Ligne,,,,\n"  # line 2
        "short@example.org,Court,Ligne,,\n"  # line 3: 5 cells for 7 columns
        "other@example.org,Autre,Ligne,,,,\n"  # line 4
    )
    out, err = run(write(tmp_path, text))
    assert "line 3: 5 cells for 7 columns" in err
    assert set(User.objects.values_list("email", flat=True)) == {
        "good@example.org",
        "other@example.org",
    }
    assert "1 errors" in out or "1 error" in out


def test_atomic_writes_nothing_when_a_row_misses_a_cell(tmp_path):
    text = HEADER + "good@example.org,Bonne,Ligne,,,,\nshort@example.org,Court\n"
    with pytest.raises(CommandError, match="nothing was written"):
        run(write(tmp_path, text), "--atomic")
    assert not User.objects.exists()
