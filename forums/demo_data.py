"""Demo discussions for the demo institution: `seed_demo_forums(stdout=None)`.

Called by `manage.py seed_demo` once communities, people and memberships exist. Works
from what is in the database (each community's forums, animators and active members), so
it fits whatever the communities seed created. Idempotent: a topic whose title already
exists in a community is left alone. Written through the services, with dates in the
past, so counters, watches, the edit history and the moderation log are what the site
would have produced. Notifications are only produced for the demo member account (a few,
so the bell shows something); nobody else is e-mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from communities.models import Community, Membership, Role
from resources.models import Resource

from . import services
from .models import Flag, Forum, Notification, Post, Topic

User = get_user_model()

MEMBER_EMAIL = "membre@demo.example"
ANIMATOR_EMAIL = "animation@demo.example"


@dataclass(frozen=True)
class DemoTopic:
    title: str
    body: str
    replies: list[str]
    tags: list[str] = field(default_factory=list)
    call: bool = False
    solved: bool = False  # the first reply by someone else is accepted
    pinned: bool = False
    days_ago: int = 20
    about: str = ""  # the title of a demo resource the discussion is about


WELCOME = DemoTopic(
    "Bienvenue ! Présentez-vous ici",
    "Bienvenue dans la communauté ! Dites-nous en quelques lignes **qui vous êtes**, "
    "ce que vous enseignez ou accompagnez, et ce que vous aimeriez y trouver.",
    [
        "Bonjour à toutes et à tous ! Conseillère pédagogique au BENA, j'accompagne "
        "surtout les cours hybrides.",
        "Chargé de cours en sciences de l'éducation : je cherche des idées pour rendre "
        "mes forums de cours plus vivants.",
        "Bibliothécaire, je peux aider pour la recherche documentaire et les droits d'auteur.",
    ],
    tags=["échanger"],
    pinned=True,
    days_ago=90,
)

# Every community has its own welcome thread; the other scripts are dealt out in order,
# each community taking the next ones, so no title repeats across the demo. They are
# listed in the order of the demo communities by age (migration-webct-moodle,
# technopedagogie, video-classe-inversee, veille-documentaire, laboratoire-innovation),
# so that each lands where its subject belongs.
GENERAL = [
    DemoTopic(
        "Bilan : ce que nous avons perdu (et gagné) en quittant WebCT",
        "La migration est terminée depuis deux sessions. Avant de clore la communauté, "
        "faisons le **bilan** : qu'est-ce qui vous manque de WebCT, et qu'est-ce que "
        "Moodle vous a apporté ?",
        [
            "Gagné : les activités de groupe et le carnet de notes. Perdu : le temps passé "
            "à tout reconstruire à la main.",
            "La documentation partagée ici m'a évité bien des erreurs. Merci à toutes et à "
            "tous pour les gabarits.",
        ],
        tags=["webct", "moodle", "témoignages"],
        days_ago=40,
    ),
    DemoTopic(
        "Forum de cours : comment relancer une discussion qui s'essouffle ?",
        "Mes forums Moodle démarrent bien puis plus personne n'écrit après la semaine 4. "
        "Quelles sont vos stratégies ?",
        [
            "Je confie l'animation à une équipe d'étudiants différente chaque semaine.",
            "Une question ouverte liée à l'actualité, publiée le lundi matin, fonctionne "
            "bien chez moi.",
        ],
        tags=["forum", "moodle", "pédagogie-active"],
        days_ago=12,
    ),
    DemoTopic(
        "Partage : gabarit de scénario pédagogique",
        "Je dépose dans la bibliothèque le gabarit de **scénario** que nous utilisons au "
        "BENA. Il suit les étapes : intention, activités, évaluation, outils.",
        ["Merci, très utile pour préparer l'atelier de janvier !"],
        tags=["scénario", "documentation"],
        days_ago=6,
    ),
    DemoTopic(
        "Retour sur le midi-partage : la rétroaction vidéo",
        "Merci à celles et ceux qui sont venus hier. En résumé :\n\n"
        "- des capsules de **2 minutes** au plus ;\n"
        "- une grille d'évaluation partagée avant l'enregistrement ;\n"
        "- un gabarit de message pour accompagner la vidéo.\n\n"
        "Vos retours d'expérience sont bienvenus ci-dessous.",
        [
            "J'ai essayé avec mon groupe de 60 : les étudiants ont beaucoup apprécié, mais "
            "le temps de montage m'a surpris.",
            "> le temps de montage m'a surpris\n\nEnregistrer en une seule prise, sans "
            "montage, change tout. On s'habitue vite à l'imperfection !",
            "Est-ce que quelqu'un a comparé avec la rétroaction audio ? Plus rapide encore.",
        ],
        tags=["rétroaction", "vidéo", "témoignages"],
        days_ago=35,
    ),
    DemoTopic(
        "Classe inversée : que faire de ceux qui n'ont pas regardé la capsule ?",
        "Un tiers de mon groupe arrive en classe sans avoir vu la vidéo. Je refais "
        "l'exposé, ou je les laisse se débrouiller ?",
        [
            "Un court questionnaire en début de séance, compté pour quelques points : "
            "le taux de visionnement a doublé.",
            "Je les mets ensemble à une table avec la capsule et des écouteurs pendant "
            "15 minutes. Ils rattrapent vite.",
        ],
        tags=["classe-inversée", "vidéo", "pédagogie-active"],
        days_ago=16,
        about="Scénario : la capsule vidéo en classe inversée",
    ),
    DemoTopic(
        "Quel logiciel gratuit pour monter une capsule en dix minutes ?",
        "Je cherche un outil **simple** pour couper le début et la fin d'un "
        "enregistrement et ajouter un titre. Rien de plus.",
        [
            "L'enregistreur d'écran intégré au système suffit souvent, puis Shotcut pour couper.",
        ],
        tags=["vidéo", "outil"],
        days_ago=9,
    ),
    DemoTopic(
        "Veille : vos meilleures sources sur l'évaluation par les pairs",
        "Je prépare une synthèse pour la communauté. Quelles **revues**, quels blogues ou "
        "quels rapports lisez-vous sur l'évaluation par les pairs ?",
        [
            "La Revue internationale de pédagogie de l'enseignement supérieur publie "
            "souvent sur le sujet, en accès libre.",
            "Je suis quelques carnets de recherche sur Hypothèses ; je vous envoie la liste.",
        ],
        tags=["évaluation", "documentation", "comprendre"],
        days_ago=14,
    ),
    DemoTopic(
        "Projet pilote : des badges numériques pour reconnaître les compétences",
        "Nous envisageons un pilote de **badges numériques** dans deux programmes. "
        "Qui veut participer à la conception ?",
        [
            "Partante ! Il faudra décider qui émet les badges et où ils sont conservés.",
            "Pensons à la reconnaissance par les employeurs dès le départ.",
        ],
        tags=["innover", "évaluation"],
        days_ago=10,
    ),
    DemoTopic(
        "Compte rendu : atelier de design thinking avec les étudiants",
        "Trois heures, douze étudiants, quatre prototypes de **activités d'accueil** pour "
        "la première semaine. Les photos des affiches sont dans la bibliothèque.",
        ["Le prototype de la chasse au trésor sur le campus mérite d'être testé !"],
        tags=["innover", "témoignages", "présentation"],
        days_ago=5,
    ),
]

CALLS = [
    DemoTopic(
        "Appel à tous : où sont passés les cours WebCT archivés ?",
        "Une étudiante conteste une note de 2019 et je dois retrouver le **carnet de "
        "notes** de mon ancien cours WebCT. Quelqu'un sait où sont les archives ?",
        [
            "Le soutien technique a gardé les exports : faites une demande au BENA avec le "
            "sigle et la session.",
            "Merci, demande faite, j'ai reçu le fichier le jour même.",
        ],
        tags=["webct", "documentation"],
        call=True,
        solved=True,
        days_ago=30,
    ),
    DemoTopic(
        "Appel à tous : examen en ligne surveillé dans Moodle ?",
        "Je dois faire passer un examen à distance à 120 personnes la semaine prochaine. "
        "Quelqu'un a-t-il de l'expérience avec les **questionnaires Moodle** et les "
        "banques de questions aléatoires ?",
        [
            "Oui ! Mélangez les questions et les réponses, et limitez le temps : c'est "
            "plus efficace que la surveillance.",
            "Merci, c'est exactement ce qu'il me fallait.",
        ],
        tags=["moodle", "évaluation"],
        call=True,
        solved=True,
        days_ago=25,
    ),
    DemoTopic(
        "Appel à tous : droits d'auteur pour des extraits de manuels",
        "Puis-je déposer des extraits numérisés d'un manuel dans mon cours Moodle ? "
        "Quelles sont les limites ?",
        ["La bibliothèque peut vérifier la licence pour vous : écrivez-nous le titre."],
        tags=["droit-d-auteur", "documentation"],
        call=True,
        days_ago=8,
    ),
    DemoTopic(
        "Appel à tous : sous-titrer rapidement des capsules vidéo",
        "J'ai une dizaine de capsules à rendre **accessibles** avant la session. Quel outil "
        "utilisez-vous pour les sous-titres ?",
        [],
        tags=["vidéo", "accessibilité"],
        call=True,
        days_ago=3,
    ),
    DemoTopic(
        "Appel à tous : Zotero ou Mendeley pour une bibliographie partagée ?",
        "Notre équipe veut une **bibliographie commune** pour le cours de méthodologie. "
        "Quel outil avez-vous adopté, et pourquoi ?",
        [
            "Zotero : les groupes sont gratuits et la bibliothèque offre des formations.",
            "Merci ! Nous partons sur Zotero.",
        ],
        tags=["outil", "documentation"],
        call=True,
        solved=True,
        days_ago=18,
    ),
    DemoTopic(
        "Appel à tous : accéder aux articles depuis la maison",
        "Les liens vers les bases de données ne fonctionnent pas hors du campus pour mes "
        "étudiants. Y a-t-il une marche à suivre ?",
        ["Il faut passer par le proxy de la bibliothèque : le lien est sur sa page d'accueil."],
        tags=["documentation", "faq"],
        call=True,
        days_ago=7,
    ),
    DemoTopic(
        "Appel à tous : un tableau blanc collaboratif accepté par la sécurité informatique ?",
        "Pour l'atelier de cocréation, il nous faut un **tableau blanc en ligne**. Lequel "
        "respecte nos règles sur les données ?",
        [],
        tags=["outil", "innover"],
        call=True,
        days_ago=2,
    ),
]


def _people(community: Community) -> tuple[list, list]:
    memberships = list(
        Membership.objects.active()
        .filter(community=community)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    animators = [m.user for m in memberships if Role.ANIMATOR in m.roles]
    members = [m.user for m in memberships if m.user.is_active]
    return animators, members


def _write_topic(forum: Forum, spec: DemoTopic, people: list, animator, now) -> Topic | None:
    if Topic.objects.filter(forum__community=forum.community, title=spec.title).exists():
        return None
    author = people[len(spec.title) % len(people)]
    # A young community cannot hold a discussion older than itself.
    start = max(
        now - timedelta(days=spec.days_ago), forum.community.created_at + timedelta(hours=1)
    )
    resource = (
        Resource.objects.visible_to(author)
        .discussable_in(forum.community)
        .filter(title=spec.about)
        .first()
        if spec.about
        else None
    )
    topic = services.topic_create(
        forum=forum,
        author=author,
        title=spec.title,
        body=spec.body,
        tags=spec.tags,
        is_call_for_help=spec.call,
        resource=resource,
        created_at=start,
        notify=False,
        rate_limited=False,
    )
    repliers = [p for p in people if p != author] or people
    for index, body in enumerate(spec.replies):
        # The call's author thanks at the end; the others answer in turn.
        is_thanks = spec.call and index == len(spec.replies) - 1 and index > 0
        replier = author if is_thanks else repliers[index % len(repliers)]
        services.post_create(
            topic=topic,
            author=replier,
            body=body,
            created_at=start + timedelta(hours=5 * (index + 1)),
            notify=False,
            rate_limited=False,
        )
    if spec.solved:
        answer = topic.posts.filter(position__gt=1).exclude(author=author).first()
        if answer is not None:
            services.topic_mark_solved(topic=topic, by=author, post=answer, notify=False)
    if spec.pinned and animator is not None:
        services.topic_set_pinned(
            topic=topic, by=animator, pinned=True, reason="Sujet d'accueil de la communauté"
        )
    return topic


def _moderation_community(communities: list[Community]) -> Community | None:
    """Where the demo animator account moderates, so that signing in with it shows the
    flag queue; otherwise the oldest community."""
    animated = set(
        Membership.objects.active()
        .with_role(Role.ANIMATOR)
        .filter(user__email=ANIMATOR_EMAIL, community__in=communities)
        .values_list("community", flat=True)
    )
    return next(
        (c for c in communities if c.pk in animated),
        communities[0] if communities else None,
    )


def _moderation_examples(community: Community, animator, members: list, now) -> bool:
    """One hidden post (with its reason) and one open flag, in a topic of their own;
    True when that topic was written."""
    forum = community.forums.filter(slug="general").first()
    if forum is None or animator is None or len(members) < 3:
        return False
    title = "Outils d'IA générative en classe : vos règles ?"
    if Topic.objects.filter(forum__community=community, title=title).exists():
        return False
    author, other, troll = members[1], members[2], members[-1]
    start = now - timedelta(days=4)
    topic = services.topic_create(
        forum=forum,
        author=author,
        title=title,
        body="Autorisez-vous les outils d'**intelligence artificielle** dans les travaux ? "
        "Avec quelles consignes ?",
        tags=["intelligence-artificielle", "évaluation"],
        created_at=start,
        notify=False,
        rate_limited=False,
    )
    services.post_create(
        topic=topic,
        author=other,
        body="Je demande une annexe qui décrit comment l'outil a été utilisé.",
        created_at=start + timedelta(hours=2),
        notify=False,
        rate_limited=False,
    )
    hidden = services.post_create(
        topic=topic,
        author=troll,
        body="Achetez mes corrigés tout faits sur mon site !",
        created_at=start + timedelta(hours=3),
        notify=False,
        rate_limited=False,
    )
    services.post_set_hidden(
        post=hidden, by=animator, hidden=True, reason="Publicité sans rapport avec la discussion"
    )
    flagged = services.post_create(
        topic=topic,
        author=troll,
        body="De toute façon, ceux qui interdisent l'IA sont dépassés.",
        created_at=start + timedelta(hours=6),
        notify=False,
        rate_limited=False,
    )
    if not Flag.objects.filter(post=flagged).exists():
        services.flag_create(
            post=flagged, reporter=author, reason="Ton méprisant envers les collègues."
        )
    return True


def _notifications_for_the_demo_member(now) -> None:
    """A couple of unread notifications for membre@demo.example, so the bell shows them."""
    member = User.objects.filter(email=MEMBER_EMAIL).first()
    if member is None or Notification.objects.filter(recipient=member).exists():
        return
    topic = (
        Topic.objects.visible_to(member)
        .filter(forum__community__in=Community.objects.of_member(member), posts__author=member)
        .order_by("-last_activity_at")
        .first()
    )
    if topic is None:
        return
    services.watch_set(user=member, topic=topic, watching=True)
    posts = list(Post.objects.filter(topic=topic).exclude(author=member).order_by("-position")[:2])
    Notification.objects.bulk_create(
        Notification(
            recipient=member,
            kind=Notification.Kind.REPLY,
            actor=post.author,
            topic=topic,
            post=post,
            created_at=post.created_at,
            emailed_at=now,  # the demo sends no e-mail
        )
        for post in posts
    )


def seed_demo_forums(stdout=None) -> int:
    """Topics, replies and calls for help in every community's forums; returns how many
    topics were written (0 on a second run)."""
    now = timezone.now()
    written = general_dealt = calls_dealt = 0
    with transaction.atomic():
        communities = list(Community.objects.order_by("created_at", "pk"))
        moderated = _moderation_community(communities)
        for index, community in enumerate(communities):
            services.forums_ensure_defaults(community=community)
            animators, members = _people(community)
            if not members:
                continue
            animator = animators[0] if animators else None
            general = community.forums.get(slug="general")
            calls = community.forums.get(slug="appels-a-tous")
            specs = [(general, WELCOME)]
            for _ in range(1 + index % 3):
                specs.append((general, GENERAL[general_dealt % len(GENERAL)]))
                general_dealt += 1
            for _ in range(1 + index % 2):
                specs.append((calls, CALLS[calls_dealt % len(CALLS)]))
                calls_dealt += 1
            for forum, spec in specs:
                if _write_topic(forum, spec, members, animator, now):
                    written += 1
            if community == moderated and _moderation_examples(community, animator, members, now):
                written += 1
        _notifications_for_the_demo_member(now)
    if stdout is not None:
        stdout.write(f"Forums : {written} sujets de démonstration écrits.")
    return written
