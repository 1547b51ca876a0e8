"""The demo institution: its accounts, vocabulary, and where its data files are.

Its communities and their members are in `communities/demo/communities.yaml` (the format
of `manage.py seed_communities`), its people and their profiles in
`communities/demo/people.csv` (the format of `manage.py import_members`, plus the profile
columns bio, languages, interests and ask_me_about), its vocabulary, the ages of its
communities and its pending request and invitation in `communities/demo/institution.yaml`
(read here, against the schema below); `manage.py seed_demo` loads them all through the
same code as those commands. The content is French, like the institution it imitates: a
Québec university whose digital learning office (the BENA of the source document) runs
communities of practice on teaching with technology. The themes are the source
document's sections, the tags its labels; e-mail addresses end in @demo.example (a
reserved domain).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cdp_portal.core.schema import Choice, Dict, Email, Integer, List, Mapping, Text, load

from .models import Role

DEMO_PASSWORD = "demo-cdp-2026"
DEMO_DOMAIN = "demo.example"

DEMO_DIR = Path(__file__).resolve().parent / "demo"
COMMUNITIES_FILE = DEMO_DIR / "communities.yaml"
PEOPLE_FILE = DEMO_DIR / "people.csv"
INSTITUTION_FILE = DEMO_DIR / "institution.yaml"

# The accounts people sign in with to try the portal (the others have no password).
ADMIN_EMAIL = "admin@demo.example"
ANIMATOR_EMAIL = "animation@demo.example"
MEMBER_EMAIL = "membre@demo.example"
DEMO_ACCOUNTS = [
    {"email": ADMIN_EMAIL, "role": "administrateur·rice"},
    {"email": ANIMATOR_EMAIL, "role": "animateur·rice"},
    {"email": MEMBER_EMAIL, "role": "membre"},
]

# The limits are those of the fields the values end up in (tag names, Community.theme,
# Profile.unit and campus, Community.slug).
_TAGS = List(Text(100, required=True), required=True, nonempty=True)
_SLUG = Text(80, required=True)
INSTITUTION = Mapping(
    {
        "source_tags": _TAGS,
        "practice_tags": _TAGS,
        "themes": List(Text(150, required=True), required=True, nonempty=True),
        "units": Dict(Text(150, required=True), required=True),
        "campuses": List(Text(100, required=True), required=True, nonempty=True),
        "community_ages": Dict(Integer(0, 36500, required=True), required=True),
        "pending_requests": List(
            Mapping(
                {"community": _SLUG, "email": Email(required=True), "message": Text(required=True)}
            )
        ),
        "pending_invitations": List(
            Mapping(
                {
                    "community": _SLUG,
                    "email": Email(required=True),
                    "roles": List(
                        Choice(Role.values, noun="role"), single=True, default=[Role.MEMBER]
                    ),
                    "invited_by": Email(required=True),
                }
            )
        ),
    }
)


@dataclass(frozen=True)
class PendingRequest:
    """A request waiting for an animator's decision."""

    community: str
    email: str
    message: str


@dataclass(frozen=True)
class PendingInvitation:
    """An invitation not yet answered."""

    community: str
    email: str
    roles: list[str]
    invited_by: str


_institution = load(INSTITUTION_FILE, INSTITUTION)
# The source document's tags, then the everyday vocabulary of teaching with technology.
# Shared with generate_scale_data.
SOURCE_TAGS: list[str] = _institution["source_tags"]
PRACTICE_TAGS: list[str] = _institution["practice_tags"]
THEMES: list[str] = _institution["themes"]
UNITS: dict[str, str] = _institution["units"]
CAMPUSES: list[str] = _institution["campuses"]
# How many days ago each demo community was created.
COMMUNITY_AGE_DAYS: dict[str, int] = _institution["community_ages"]
PENDING_REQUESTS = [PendingRequest(**entry) for entry in _institution.get("pending_requests", [])]
PENDING_INVITATIONS = [
    PendingInvitation(**entry) for entry in _institution.get("pending_invitations", [])
]
