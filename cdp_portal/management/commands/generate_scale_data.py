"""`manage.py generate_scale_data`: synthetic data at institutional scale, for benchmarks.

Communities (slugs `scale-0001`…), people (`membre00001@scale.example`…, unusable
passwords unless --password is given) with profiles and expertise/interest tags, and
memberships with roles, written with `bulk_create` in batches: 10,000 people take seconds.

Deterministic: each object is drawn from its own random generator seeded with
(--seed, kind, index), so the same options give the same data, and re-running with larger
numbers extends what exists (missing communities and people are added; existing ones and
their memberships are left alone).

Written straight to the tables rather than through the services, for speed, but with the
same result: verified addresses, a profile per person, at least one animator per
community with their admin access (the "Animateurs" group and the staff flag), a sponsor
where one holds the role. Then the library (resources.scale_data) and the forums
(forums.scale_data). One function per kind of data, listed in `STEPS`.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from taggit.models import Tag

from cdp_portal.core.tags import tag_slug
from communities import demo_data
from communities.benefits import BENEFITS_BY_KEY
from communities.models import (
    Community,
    Language,
    Membership,
    Phase,
    Profile,
    Role,
    TaggedExpertise,
    TaggedInterest,
    Visibility,
)
from communities.services import (
    profile_directory_refresh,
    profile_handles_for,
    sponsors_from_roles,
    sync_admin_access,
)

User = get_user_model()

SCALE_DOMAIN = "scale.example"
COMMUNITY_SLUG_PREFIX = "scale-"


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "Marie Sophie Julie Isabelle Nathalie Catherine Geneviève Émilie Mélanie Valérie Annie "
    "Chantal Sylvie Josée Amélie Audrey Camille Léa Chloé Sarah Fatima Aïcha Mei Linh Isabel "
    "Marie-Ève Marie-Josée Andrée Jean Pierre Marc Luc François Jean-François Marc-André "
    "Simon Mathieu Alexandre Olivier Nicolas Maxime David Patrick Martin Yves Sébastien "
    "Philippe Gabriel Thomas Samuel William Félix Antoine Karim Mohamed Kevin Minh Carlos "
    "Dominique Claude"
)
LAST_NAMES = _words(
    "Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet Pelletier "
    "Bélanger Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Caron Beaulieu "
    "Cloutier Dubé Poirier Fournier Lapointe Leclerc Lefebvre Poulin Thibault St-Pierre "
    "Nadeau Martin Landry Martel Bédard Grenier Lessard Bernier Richard Michaud Hébert "
    "Desjardins Couture Turcotte Lachance Parent Blais Gosselin Savard Proulx Beaudoin Demers "
    "Perreault Boudreau Lemieux Cyr Perron Dufour Dion Mercier Bolduc Bérubé Boivin Langlois "
    "Ménard Nguyen Tran Benali Haddad Diallo Rodríguez García Chen Wang Joseph Vollant Bacon"
)
JOB_TITLES = [
    "Professeur·e adjoint·e",
    "Professeur·e agrégé·e",
    "Professeur·e titulaire",
    "Chargé·e de cours",
    "Conseiller·ère pédagogique",
    "Technopédagogue",
    "Bibliothécaire",
    "Technicien·ne en documentation",
    "Analyste en informatique",
    "Agent·e de secrétariat",
    "Auxiliaire d'enseignement",
    "Coordonnateur·rice de programme",
    "Technicien·ne en audiovisuel",
    "Directeur·rice de programme",
]
UNITS = [
    *demo_data.UNITS.values(),
    "Faculté de pharmacie",
    "Faculté de musique",
    "Faculté de théologie et de sciences religieuses",
    "Faculté d'aménagement, d'architecture et de design",
    "Faculté des sciences sociales",
    "Faculté de foresterie, de géographie et de géomatique",
]
DISCIPLINE_TAGS = [
    "chimie",
    "statistiques",
    "programmation",
    "anatomie",
    "rédaction",
    "gestion-de-projet",
    "éthique",
    "didactique",
    "mathématiques",
    "histoire",
    "économie",
    "psychologie",
    "génie-civil",
    "pharmacologie",
    "langues-secondes",
    "musique",
    "géomatique",
    "design",
    "sociologie",
    "philosophie",
]
TAG_VOCABULARY = [*demo_data.SOURCE_TAGS, *demo_data.PRACTICE_TAGS, *DISCIPLINE_TAGS]
PRACTICES = [
    "Évaluation en ligne",
    "Classe inversée",
    "Vidéo pédagogique",
    "Moodle avancé",
    "Enseignement hybride",
    "Formation à distance",
    "Pédagogie active",
    "Rétroaction efficace",
    "Portfolios numériques",
    "Simulation",
    "Accessibilité des cours",
    "Intelligence artificielle et enseignement",
    "Forums de discussion",
    "Études de cas",
    "Baladodiffusion",
    "Veille documentaire",
    "Ressources éducatives libres",
    "Apprentissage par problèmes",
    "Enseigner aux grands groupes",
    "Laboratoires virtuels",
]
AUDIENCES = [
    "en sciences infirmières",
    "en génie",
    "en médecine",
    "en droit",
    "en administration",
    "en éducation",
    "en lettres",
    "en langues",
    "au premier cycle",
    "aux cycles supérieurs",
    "entre chargé·e·s de cours",
    "à la Bibliothèque",
    "au campus de Lévis",
    "en formation continue",
]
OTHER_LANGUAGES = [code for code in Language.values if code not in ("fr", "en")]
# Roles other than member, with the chance an active member holds each.
ROLE_ODDS = [
    (Role.ANIMATOR, 0.012),
    (Role.COACH, 0.005),
    (Role.DOCUMENTALIST, 0.008),
    (Role.TECHNICAL_SUPPORT, 0.005),
    (Role.ADMINISTRATIVE_SUPPORT, 0.005),
    (Role.SPONSOR, 0.003),
]


@dataclass
class Plan:
    seed: int
    communities: int
    members: int
    memberships_per_member: int
    batch_size: int
    resources: int
    posts: int
    password_hash: str
    now: object = field(default_factory=timezone.now)

    def rng(self, kind: str, index: int) -> random.Random:
        # A generator per object: the same seed gives the same object whatever else
        # exists, so that a re-run can extend the data without shifting it.
        return random.Random(f"{self.seed}:{kind}:{index}")


@dataclass
class Generated:
    """What the steps hand each other: all scale communities, the tag ids, and the people
    (with their index) created by this run."""

    communities: list[Community] = field(default_factory=list)
    tags: dict[str, int] = field(default_factory=dict)
    users: list[tuple[int, User]] = field(default_factory=list)
    profiles: list[tuple[int, Profile]] = field(default_factory=list)


def _zipf_weights(count: int, exponent: float = 0.9) -> list[float]:
    """Popularity that falls off with rank: a few big communities and popular tags, a
    long tail of small ones, as in a real institution."""
    return [1 / (rank + 1) ** exponent for rank in range(count)]


def _distinct_choices(rng: random.Random, population, weights, k: int) -> list:
    k = min(k, len(population))
    chosen: list = []
    while len(chosen) < k:
        for item in rng.choices(population, weights=weights, k=k - len(chosen)):
            if item not in chosen:
                chosen.append(item)
    return chosen


# --- One function per kind of data ------------------------------------------------------


def create_communities(plan: Plan, data: Generated) -> int:
    """Communities `scale-0001`… up to --communities."""
    slugs = [f"{COMMUNITY_SLUG_PREFIX}{index:04d}" for index in range(1, plan.communities + 1)]
    existing = set(Community.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    visibilities = [Visibility.OPEN] * 6 + [Visibility.CLOSED] * 3 + [Visibility.PRIVATE]
    benefit_keys = sorted(BENEFITS_BY_KEY)
    new = []
    for index, slug in enumerate(slugs, start=1):
        if slug in existing:
            continue
        rng = plan.rng("community", index)
        practice, audience = rng.choice(PRACTICES), rng.choice(AUDIENCES)
        new.append(
            Community(
                slug=slug,
                name=f"{practice} {audience}",
                summary=f"Partager nos pratiques : {practice.lower()} {audience}.",
                description=(
                    f"## {practice}\n\nUne communauté de pratique {audience} pour échanger "
                    "des scénarios, des outils et des retours d'expérience.\n\n"
                    "- midis-partage mensuels\n- appels à tous\n- bibliothèque commune\n"
                ),
                theme=rng.choice(demo_data.THEMES),
                visibility=rng.choice(visibilities),
                phase=rng.choice(Phase.values),
                benefits=rng.sample(benefit_keys, rng.randint(2, 6)),
                created_at=plan.now - timedelta(days=rng.randint(30, 1500)),
            )
        )
    Community.objects.bulk_create(new, batch_size=plan.batch_size)
    data.communities = list(Community.objects.filter(slug__in=slugs).order_by("slug"))
    return len(new)


def create_tags(plan: Plan, data: Generated) -> int:
    """The tag vocabulary (with taggit's slugs), created where missing."""
    existing = dict(Tag.objects.filter(name__in=TAG_VOCABULARY).values_list("name", "pk"))
    missing = [name for name in TAG_VOCABULARY if name not in existing]
    Tag.objects.bulk_create(
        [Tag(name=name, slug=tag_slug(name)) for name in missing], ignore_conflicts=True
    )
    data.tags = dict(Tag.objects.filter(name__in=TAG_VOCABULARY).values_list("name", "pk"))
    return len(missing)


def create_users(plan: Plan, data: Generated) -> int:
    """Accounts `membreNNNNN@scale.example` with verified addresses."""
    emails = {index: f"membre{index:05d}@{SCALE_DOMAIN}" for index in range(1, plan.members + 1)}
    existing = set(
        User.objects.filter(email__endswith=f"@{SCALE_DOMAIN}").values_list("email", flat=True)
    )
    new: list[tuple[int, User]] = []
    for index, email in emails.items():
        if email in existing:
            continue
        rng = plan.rng("user", index)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        new.append(
            (
                index,
                User(
                    email=email,
                    display_name=f"{first} {last}",
                    first_name=first,
                    last_name=last,
                    password=plan.password_hash,
                    date_joined=plan.now - timedelta(days=rng.randint(1, 2000)),
                ),
            )
        )
    User.objects.bulk_create([user for _index, user in new], batch_size=plan.batch_size)
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for _index, user in new
        ],
        batch_size=plan.batch_size,
    )
    data.users = new
    return len(new)


def create_profiles(plan: Plan, data: Generated) -> int:
    users = data.users
    handles = dict(
        zip(
            (index for index, _user in users),
            profile_handles_for([user for _index, user in users]),
            strict=True,
        )
    )
    profiles: list[tuple[int, Profile]] = []
    for index, user in users:
        rng = plan.rng("profile", index)
        job_title, unit = rng.choice(JOB_TITLES), rng.choice(UNITS)
        languages = ["fr"]
        if rng.random() < 0.6:
            languages.append("en")
        if rng.random() < 0.1:
            languages.append(rng.choice(OTHER_LANGUAGES))
        handle = handles[index]
        profiles.append(
            (
                index,
                Profile(
                    user=user,
                    handle=handle,
                    job_title=job_title,
                    unit=unit,
                    campus=rng.choice(demo_data.CAMPUSES),
                    bio=f"{job_title}, {unit}.",
                    languages=languages,
                    ask_me_about=rng.random() < 0.2,
                    show_email=rng.random() < 0.8,
                ),
            )
        )
    Profile.objects.bulk_create([profile for _i, profile in profiles], batch_size=plan.batch_size)
    data.profiles = profiles
    return len(profiles)


def create_profile_tags(plan: Plan, data: Generated) -> int:
    """Expertise (1 to 4 tags) and interests (0 to 3), through rows written directly."""
    tags = data.tags
    names = [name for name in TAG_VOCABULARY if name in tags]
    weights = _zipf_weights(len(names), 0.7)
    expertise, interests = [], []
    for index, profile in data.profiles:
        rng = plan.rng("tags", index)
        for name in _distinct_choices(rng, names, weights, rng.randint(1, 4)):
            expertise.append(TaggedExpertise(content_object_id=profile.pk, tag_id=tags[name]))
        for name in _distinct_choices(rng, names, weights, rng.randint(0, 3)):
            interests.append(TaggedInterest(content_object_id=profile.pk, tag_id=tags[name]))
    TaggedExpertise.objects.bulk_create(expertise, batch_size=plan.batch_size)
    TaggedInterest.objects.bulk_create(interests, batch_size=plan.batch_size)
    return len(expertise) + len(interests)


def copy_to_directory(plan: Plan, data: Generated) -> int:
    """What the directory searches and sorts by, copied onto the new profiles from their
    names, unit, job title and expertise (`profile_directory_refresh`), in one UPDATE:
    the bulk inserts above sent no signal."""
    ids = [profile.pk for _index, profile in data.profiles]
    return profile_directory_refresh(Profile.objects.filter(pk__in=ids)) if ids else 0


def _membership_for(plan: Plan, rng: random.Random, user: User, community: Community):
    status = Membership.Status.ACTIVE
    draw = rng.random()
    if community.visibility == Visibility.CLOSED and draw < 0.04:
        status = Membership.Status.REQUESTED
    elif community.visibility == Visibility.PRIVATE and draw < 0.04:
        status = Membership.Status.INVITED
    elif draw > 0.97:
        status = Membership.Status.LEFT
    roles = [Role.MEMBER]
    hours = None
    if status == Membership.Status.ACTIVE:
        extra = [role for role, odds in ROLE_ODDS if rng.random() < odds]
        if extra:
            roles = [Role.MEMBER, *extra] if rng.random() < 0.7 else extra
            hours = rng.randint(2, 10) if Role.ANIMATOR in extra else rng.randint(1, 4)
        elif rng.random() < 0.05:
            hours = rng.randint(1, 2)
    created = max(community.created_at, user.date_joined) + timedelta(
        days=rng.randint(0, 300), minutes=rng.randint(0, 1440)
    )
    created = min(created, plan.now)
    return Membership(
        user=user,
        community=community,
        roles=roles,
        status=status,
        allocated_hours_per_month=hours,
        created_at=created,
        joined_at=created if status in (Membership.Status.ACTIVE, Membership.Status.LEFT) else None,
        left_at=plan.now if status == Membership.Status.LEFT else None,
        request_message="Bonjour, j'aimerais me joindre à vous."
        if status == Membership.Status.REQUESTED
        else "",
    )


def create_memberships(plan: Plan, data: Generated) -> int:
    """--memberships-per-member distinct communities for each new person, big communities
    drawing more people than small ones."""
    if not data.communities:
        return 0
    # Popularity follows a per-seed shuffle of the communities, not their slug order.
    ranked = list(data.communities)
    random.Random(f"{plan.seed}:popularity").shuffle(ranked)
    weights = _zipf_weights(len(ranked))
    memberships = []
    for index, user in data.users:
        rng = plan.rng("memberships", index)
        for community in _distinct_choices(rng, ranked, weights, plan.memberships_per_member):
            memberships.append(_membership_for(plan, rng, user, community))
    Membership.objects.bulk_create(memberships, batch_size=plan.batch_size)
    return len(memberships)


def _first_active_per_community(communities, **filters):
    """One active membership per community (the oldest), with PostgreSQL's DISTINCT ON."""
    return (
        Membership.objects.filter(
            community__in=communities, status=Membership.Status.ACTIVE, **filters
        )
        .order_by("community_id", "pk")
        .distinct("community_id")
    )


def ensure_animators(plan: Plan, data: Generated) -> int:
    """Every community with active members has an animator: its oldest member otherwise."""
    without = Community.objects.filter(pk__in=[c.pk for c in data.communities]).exclude(
        Exists(
            Membership.objects.active().with_role(Role.ANIMATOR).filter(community=OuterRef("pk"))
        )
    )
    promoted = list(_first_active_per_community(without))
    for membership in promoted:
        membership.roles = [*membership.roles, Role.ANIMATOR]
        membership.allocated_hours_per_month = membership.allocated_hours_per_month or 4
    Membership.objects.bulk_update(
        promoted, ["roles", "allocated_hours_per_month"], batch_size=plan.batch_size
    )
    return len(promoted)


def ensure_sponsors(plan: Plan, data: Generated) -> int:
    """The services' rule (`sponsors_from_roles`): a sponsor role makes the community's
    sponsor, here its oldest active holder."""
    without = [c for c in data.communities if c.sponsor_id is None]
    holders = {
        m.community_id: m.user_id
        for m in _first_active_per_community(without, roles__contains=[Role.SPONSOR])
    }
    return len(sponsors_from_roles({c: holders.get(c.pk) for c in without}))


def grant_animator_access(plan: Plan, data: Generated) -> int:
    """The services' rule (`sync_admin_access`) for every scale animator, in bulk."""
    animators = User.objects.filter(
        email__endswith=f"@{SCALE_DOMAIN}",
        pk__in=Membership.objects.active().with_role(Role.ANIMATOR).values("user_id"),
    ).only("pk", "is_staff", "is_superuser", "is_active")
    return len(sync_admin_access(animators))


def create_resources(plan: Plan, data: Generated) -> int:
    """Fill the library up to `plan.resources` resources (a re-run adds only what lacks)."""
    from resources.models import Resource
    from resources.scale_data import generate_resources

    missing = max(0, plan.resources - Resource.objects.count())
    return generate_resources(count=missing, seed=plan.seed) if missing else 0


def create_posts(plan: Plan, data: Generated) -> int:
    """Fill the forums up to `plan.posts` posts, in new topics (hot ones with hundreds of
    replies among ordinary ones); a re-run adds only what lacks."""
    from forums.models import Post
    from forums.scale_data import generate_forums

    missing = max(0, plan.posts - Post.objects.count())
    return generate_forums(posts=missing, seed=plan.seed) if missing else 0


# (label, function(plan, data) -> number of rows written), in order.
STEPS = [
    ("communities", create_communities),
    ("tags", create_tags),
    ("people", create_users),
    ("profiles", create_profiles),
    ("expertise and interests", create_profile_tags),
    ("directory search and order", copy_to_directory),
    ("memberships", create_memberships),
    ("animators appointed", ensure_animators),
    ("sponsors set", ensure_sponsors),
    ("animators with admin", grant_animator_access),
    ("resources", create_resources),
    ("forum posts", create_posts),
]


class Command(BaseCommand):
    help = (
        "Generates synthetic communities, people, profiles, memberships, resources and "
        "forum posts at institutional scale for benchmarks (deterministic with --seed; "
        "re-running skips or extends what exists). Refuses to run with DJANGO_DEBUG=0 "
        "unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=100, help="default: 100")
        parser.add_argument("--members", type=int, default=10_000, help="default: 10000")
        parser.add_argument("--memberships-per-member", type=int, default=3, help="default: 3")
        parser.add_argument(
            "--resources",
            type=int,
            default=50_000,
            help="fill the library up to this many resources (default: 50000)",
        )
        parser.add_argument(
            "--posts",
            type=int,
            default=500_000,
            help="fill the forums up to this many posts (default: 500000)",
        )
        parser.add_argument("--seed", type=int, default=42, help="default: 42")
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="rows per INSERT (default: 2000)"
        )
        parser.add_argument(
            "--password",
            default=None,
            help="give every generated account this password (for load tests); "
            "by default their passwords are unusable",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with production settings (DJANGO_DEBUG=0).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "generate_scale_data fills the database with synthetic people: it refuses to "
                "run with DJANGO_DEBUG=0. Pass --force if you really mean it."
            )
        for name in (
            "communities",
            "members",
            "memberships_per_member",
            "resources",
            "posts",
            "batch_size",
        ):
            if options[name] < (1 if name == "batch_size" else 0):
                raise CommandError(f"--{name.replace('_', '-')} must be a positive number.")
        started = time.perf_counter()
        plan = Plan(
            seed=options["seed"],
            communities=options["communities"],
            members=options["members"],
            memberships_per_member=options["memberships_per_member"],
            resources=options["resources"],
            posts=options["posts"],
            batch_size=options["batch_size"],
            # Hashed once for everybody: hashing 10,000 passwords would take minutes.
            password_hash=make_password(options["password"]),
        )

        data = Generated()
        self.stdout.write(f"Generating scale data (seed {plan.seed}): rows written, time")
        written = {}
        with transaction.atomic():
            for label, function in STEPS:
                began = time.perf_counter()
                written[function] = count = function(plan, data)
                took = time.perf_counter() - began
                self.stdout.write(f"  {label:<26} {count:>8}   {took:6.2f} s")
        if written[create_posts]:
            from forums.scale_data import compact_posts

            compact_posts()  # written twice (rows, then their search column)
        # The library compacted as generate_resources would outside a transaction (its
        # rows were written three times), then fresh planner statistics, so the first
        # benchmark after a run is not misled; VACUUM also merges what the GIN indexes
        # hold in their pending list after bulk writes, which every search reads through
        # until then (the directory's trigram index: 9 ms for "tremblay" before, 0.3 after).
        if plan.resources:
            from resources.scale_data import compact

            compact()
        with connection.cursor() as cursor:
            # VACUUM cannot run in a transaction (the tests' own): statistics only there.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s."))
