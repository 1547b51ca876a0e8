"""The library's search: French and English stemming, accents ignored, typos on titles,
and the visibility rule applied to results and facet counts."""

import pytest

from resources.library import for_listing_in_order, library_search
from resources.models import Resource
from resources.search import safe_headline
from tests.resources.factories import ResourceFactory
from tests.resources.live_counts import counted_live, shown
from tests.shared_worlds import shared_world
from tests.worlds import CommunityWorld

pytestmark = pytest.mark.django_db


def titles(queryset):
    return {resource.title for resource in queryset}


def search(user, q, **filters):
    """The titles of the library's page; the page is read by the library's own statement
    (`library_sql`), the same as every result of the `results` queryset."""
    library = library_search(user, q=q, sort="relevance", per_page=100, **filters)
    found = titles(library.page.object_list)
    assert found == titles(for_listing_in_order(library.results))
    return found


@shared_world
def library(community_world: CommunityWorld) -> CommunityWorld:
    w = community_world
    ResourceFactory(
        title="Études de cas en pédagogie active",
        summary="Des enseignantes racontent leurs expériences.",
        tags=["études-de-cas", "témoignages"],
    )
    ResourceFactory(
        title="Running online workshops",
        summary="How we run remote training sessions.",
        language="en",
        kind="training",
    )
    ResourceFactory(
        title="Animer un forum WebCT",
        summary="Méthode pour lancer les échanges.",
        tags=["forum", "webct"],
        community=w.open,
        kind="method",
    )
    ResourceFactory(
        title="Guide secret du comité",
        summary="Pédagogie active réservée au comité privé.",
        tags=["témoignages", "confidentiel"],
        community=w.private,
    )
    ResourceFactory(
        title="Procédure fermée",
        summary="Pédagogie active pour la communauté fermée.",
        community=w.closed,
        kind="process",
    )
    return w


def test_a_query_without_accents_finds_the_accented_title(library):
    assert "Études de cas en pédagogie active" in search(library.outsider, "etudes pedagogie")


def test_a_plural_finds_the_singular_and_back(library):
    user = library.outsider
    assert "Études de cas en pédagogie active" in search(user, "étude de cas")
    assert "Animer un forum WebCT" in search(user, "forums")


def test_english_stemming(library):
    assert "Running online workshops" in search(library.outsider, "workshop run")


def test_a_misspelt_title_finds_its_resource(library):
    found = search(library.outsider, "pedagogei activ")
    assert "Études de cas en pédagogie active" in found


def test_close_titles_are_added_only_when_the_words_find_less_than_a_page(library):
    from resources.search import CLOSE_TITLES_BELOW

    w = library
    # "Kaleidoskope" is no word the stemmers relate to "kaléidoscope", but a close title.
    ResourceFactory(title="Kaleidoskope de réseau", summary="Rien d'autre.")
    for n in range(CLOSE_TITLES_BELOW - 1):
        ResourceFactory(title=f"Fiche {n}", summary="Un kaléidoscope d'ateliers.")
    # Private matches do not count for someone who cannot read them: whether the close
    # titles appear must tell nothing of what is hidden.
    for n in range(5):
        ResourceFactory(title=f"Fiche privée {n}", summary="Kaléidoscope.", community=w.private)

    assert "Kaleidoskope de réseau" in search(w.outsider, "kaleidoscope")
    assert library_search(w.outsider, q="kaleidoscope").total == CLOSE_TITLES_BELOW
    # One page of word matches for the private community's member: the words suffice.
    member_sees = search(w.private_member, "kaleidoscope")
    assert "Kaleidoskope de réseau" not in member_sees
    assert len(member_sees) == CLOSE_TITLES_BELOW - 1 + 5
    ResourceFactory(title="Fiche de plus", summary="Kaléidoscope.")
    assert "Kaleidoskope de réseau" not in search(w.outsider, "kaleidoscope")
    assert library_search(w.outsider, q="kaleidoscope").total == CLOSE_TITLES_BELOW


def test_a_word_after_a_minus_is_excluded_even_when_another_is_corrected(library):
    ResourceFactory(title="Capsules vidéo pour la classe", summary="Tourner des capsules.")
    ResourceFactory(title="Montage vidéo simple", summary="Couper et coller.")
    user = library.outsider
    for q in ("vidéo -capsule", "video -capsules", "vidoe -capsule", 'vidéo -"capsules vidéo"'):
        found = search(user, q)
        assert "Montage vidéo simple" in found, q
        assert "Capsules vidéo pour la classe" not in found, q
    # The correction keeps the exclusion where it stands.
    assert library_search(user, q="vidoe -capsule").correction.startswith("video -capsul")
    assert "Capsules vidéo pour la classe" in search(user, "vidéo capsule")


def test_close_titles_leave_out_the_excluded_words():
    from resources.search import excluded_words, wanted_words

    typed = 'vidéo -capsule "mot clé" -"deux mots" a-b'
    assert wanted_words(typed) == 'vidéo   "mot clé"   a-b'
    assert excluded_words(typed) == 'capsule "deux mots"'


def test_misspelt_words_are_corrected_from_the_library_vocabulary(library):
    user = library.outsider
    assert "Animer un forum WebCT" in search(user, "forom webct")
    assert library_search(user, q="forom webct").correction == "forum webct"
    assert library_search(user, q="forum webct").correction == ""
    # A private resource's words are known, but its resource is still not found.
    assert "Guide secret du comité" not in search(user, "comitte secrett")


def test_spelling_correction_never_suggests_a_word_only_private_content_uses(library):
    from resources.search import corrected_query

    ResourceFactory(title="Projet zorglubix confidentiel", community=library.private)
    for visitor in ("outsider", "open_member", "closed_member", "open_animator"):
        user = library.visitor(visitor)
        assert "zorglubix" not in library_search(user, q="zorglubex").correction, visitor
        assert "zorglubix" not in corrected_query(
            "zorglubex", within=Resource.objects.visible_to(user)
        )
    for visitor in ("private_member", "admin"):
        assert library_search(library.visitor(visitor), q="zorglubex").correction == "zorglubix"


def test_tags_are_searched(library):
    assert "Études de cas en pédagogie active" in search(library.outsider, "témoignages")


def test_a_private_resource_is_never_found_by_a_non_member(library):
    for visitor in ("outsider", "open_member", "closed_member", "open_animator"):
        found = search(library.visitor(visitor), "comité privé")
        assert "Guide secret du comité" not in found, visitor
    assert "Guide secret du comité" in search(library.private_member, "comité privé")
    assert "Guide secret du comité" in search(library.admin, "comité privé")


def test_a_closed_community_resource_is_for_its_members(library):
    assert "Procédure fermée" not in search(library.outsider, "procédure")
    assert "Procédure fermée" in search(library.closed_member, "procédure")


def test_facet_counts_exclude_what_the_person_cannot_see(library):
    outsider = library_search(library.outsider, q="pédagogie active")
    assert {f.value for f in outsider.facets["community"]} == {"_institution"}
    tags = {f.label: f.count for f in outsider.facets["tag"]}
    assert tags == {"études-de-cas": 1, "témoignages": 1}
    assert sum(f.count for f in outsider.facets["kind"]) == 1

    member = library_search(library.private_member, q="pédagogie active")
    tags = {f.label: f.count for f in member.facets["tag"]}
    assert tags["témoignages"] == 2
    assert "confidentiel" in tags
    assert {f.value for f in member.facets["community"]} == {"_institution", "cdp-private"}


def test_facets_count_the_other_facets_choices(library):
    result = library_search(library.admin, kind="method")
    assert titles(for_listing_in_order(result.results)) == {"Animer un forum WebCT"}
    kinds = {f.value: f.count for f in result.facets["kind"]}
    # The kind facet ignores the kind filter so the other choices stay visible.
    assert kinds["document"] == 2 and kinds["method"] == 1
    assert [f.selected for f in result.facets["kind"] if f.value == "method"] == [True]
    assert {f.label for f in result.facets["tag"]} == {"forum", "webct"}


def test_filters_combine(library):
    admin = library.admin
    assert search(admin, "", language="en") == {"Running online workshops"}
    assert search(admin, "", tag="webct") == {"Animer un forum WebCT"}
    assert search(admin, "", community="cdp-open") == {"Animer un forum WebCT"}
    assert search(admin, "", community="_institution") == {
        "Études de cas en pédagogie active",
        "Running online workshops",
    }


def test_relevance_puts_the_title_match_first(library):
    ranked = list(library_search(library.admin, q="pédagogie active", sort="relevance").results)
    assert ranked[0].rank >= ranked[-1].rank
    results = for_listing_in_order(ranked)
    assert results[0].title == "Études de cas en pédagogie active"
    assert [r.pk for r in results] == [r.pk for r in ranked]


def test_headline_marks_the_words_and_escapes_the_rest(community_world):
    ResourceFactory(
        title="Sécurité",
        summary="Attention <script>alert(1)</script> à la pédagogie",
    )
    resource = Resource.objects.search("pédagogie").get()
    html = safe_headline(resource.headline)
    assert "<mark>pédagogie</mark>" in html
    assert "<script>" not in html


def test_queries_of_stop_words_or_symbols_do_not_fail(library):
    user = library.outsider
    for q in ("le la les", "!!! &&& |||", "'\"", "-", "a" * 500, "\x00", "<script>"):
        list(library_search(user, q=q).results)


def test_hidden_resources_are_for_moderators_and_the_author(community_world):
    w = community_world
    hidden = ResourceFactory(title="Ressource masquée", community=w.open, is_hidden=True)
    assert not Resource.objects.visible_to(w.open_member).filter(pk=hidden.pk).exists()
    assert Resource.objects.visible_to(w.open_animator).filter(pk=hidden.pk).exists()
    assert Resource.objects.visible_to(w.admin).filter(pk=hidden.pk).exists()
    assert Resource.objects.visible_to(hidden.author).filter(pk=hidden.pk).exists()


@pytest.fixture
def crowded(library):
    """More matches than a page, ties of rank and date, views, tags, hidden ones."""
    w = library
    for n in range(9):
        ResourceFactory(
            title=f"Pédagogie active, fiche {n % 4}",
            summary="Un forum de pédagogie." if n % 3 else "Autre chose.",
            community=(w.open, w.closed, None)[n % 3],
            kind=("method", "tool", "faq")[n % 3],
            language=("fr", "en")[n % 2],
            view_count=n % 4,
            tags=["outil", f"fiche-{n % 2}"],
            is_hidden=n == 4,
            author=w.open_member if n == 4 else None,
        )
    return w


QUERIES = [
    ("pédagogie active", {}),
    ("pedagogie", {"tag": "outil"}),
    ("pedagogei activ", {}),  # a typo: titles by trigram, words corrected
    ("forum", {"community": "cdp-open"}),
    ("fiche", {"kind": "tool", "language": "en"}),
    ("fiche", {"community": "_institution"}),
]


@pytest.mark.parametrize("sort", ["relevance", "recent", "popular"])
def test_each_page_is_the_matching_slice_of_the_results(crowded, sort):
    for visitor in ("outsider", "open_member", "closed_member", "admin"):
        user = crowded.visitor(visitor)
        for q, filters in QUERIES:
            everything = list(library_search(user, q=q, sort=sort, **filters).results)
            for number in ("1", "2", "3", "99", "x", "-1"):
                library = library_search(user, q=q, sort=sort, page=number, per_page=3, **filters)
                start = (library.page.number - 1) * 3
                expected = everything[start : start + 3]
                assert library.total == len(everything), (visitor, q, filters)
                assert [r.pk for r in library.page.object_list] == [r.pk for r in expected]
                assert [r.headline for r in library.page.object_list] == [
                    r.headline for r in expected
                ]


def test_a_page_past_the_end_is_the_last_and_not_a_number_the_first(crowded):
    admin = crowded.admin
    assert library_search(admin, q="fiche", page="99", per_page=4).page.number == 3
    assert library_search(admin, q="fiche", page="0", per_page=4).page.number == 3
    assert library_search(admin, q="fiche", page="deux", per_page=4).page.number == 1
    empty = library_search(admin, q="zzzqqqxxx", page="5")
    assert (empty.total, empty.page.number, list(empty.page.object_list)) == (0, 1, [])


@pytest.mark.parametrize("q, filters", QUERIES)
def test_search_facets_are_the_visible_matches_counted(crowded, q, filters):
    for visitor in ("outsider", "open_member", "open_animator", "closed_member", "admin"):
        user = crowded.visitor(visitor)
        assert shown(user, q, **filters) == counted_live(user, q, **filters), visitor
