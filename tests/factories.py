import factory
from allauth.account.models import EmailAddress

from cdp_portal.accounts.models import User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="fr_CA")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """Accounts are verified unless built with ``verified=False``."""
        user.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class SuperUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communities.Community"

    name = factory.Sequence(lambda n: f"Communauté {n}")
    slug = factory.Sequence(lambda n: f"communaute-{n}")
    summary = "Partager nos pratiques"
    theme = "Enseigner avec les technologies"
    visibility = "open"
    phase = "growing"


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communities.Profile"

    user = factory.SubFactory(UserFactory)
    handle = factory.Sequence(lambda n: f"membre-{n}")
    job_title = "Conseiller·ère pédagogique"
    unit = "Service de soutien à l'enseignement"
    campus = "Campus principal"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "communities.Membership"

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    roles = factory.LazyFunction(lambda: ["member"])
    status = "active"


def make_member(community, *, roles=("member",), status="active", user=None):
    """An account with a profile and a membership in `community`; returns the user.

    Animators also get their admin access, as the services would give it."""
    from communities.services import animator_access_sync, profile_ensure

    user = user or UserFactory()
    profile_ensure(user=user)
    MembershipFactory(user=user, community=community, roles=list(roles), status=status)
    if "animator" in roles and status == "active":
        animator_access_sync(user=user)
    return user
