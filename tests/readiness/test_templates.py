"""Checklist templates as YAML data: `load_checklist_templates`, versions, validation."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from readiness.loader import DEFAULT_DIRECTORY
from readiness.models import (
    ChecklistItem,
    ChecklistTemplate,
    ItemStatus,
    TemplateItem,
    TemplateSection,
)
from readiness.rules import RULES
from tests.readiness.factories import checklist_of, deciding_community, item_of

pytestmark = pytest.mark.django_db

DEFAULT_FILE = DEFAULT_DIRECTORY / "se-decider.yaml"

MINIMAL = """\
slug: mini
title: {fr: Mini, en: Mini}
sections:
  - key: s
    title: {fr: Section, en: Section}
    items:
      - key: a
        text: {fr: Élément A, en: Item A}
        weight: 2
      - key: b
        text: {fr: Élément B, en: Item B}
        weight: 1
        rule: sponsor_named
"""


def load(directory=None) -> str:
    out = StringIO()
    args = [str(directory)] if directory is not None else []
    call_command("load_checklist_templates", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, text: str, name: str = "mini.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_default_template_loads_then_is_unchanged():
    output = load()
    assert "se-decider (se-decider.yaml): created, version 1" in output
    template = ChecklistTemplate.objects.get(slug="se-decider")
    assert template.title_fr == "Se décider — préparation au démarrage"
    assert template.title_en == "Deciding — getting ready to launch"
    counts = (TemplateSection.objects.count(), TemplateItem.objects.count())

    output = load()
    assert "se-decider (se-decider.yaml): unchanged, version 1" in output
    assert "0 created, 0 new version, 1 unchanged." in output
    assert ChecklistTemplate.objects.count() == 1
    assert (TemplateSection.objects.count(), TemplateItem.objects.count()) == counts


def test_the_default_template_has_the_source_documents_items():
    load()
    items = {item.key: item for item in TemplateItem.objects.filter(template__slug="se-decider")}
    # The structuring characteristics and the ways to maximise the chances of success.
    texts = " ".join(item.text_fr for item in items.values())
    for words in (
        "environnement organisationnel facilitant",
        "degré de pertinence élevé",
        "niveau d'intégration satisfaisant",
        "thématiques porteuses et d'intérêt stratégique",
        "structure légitime au sein de l'organisation",
        "temps requis est alloué aux membres",
        "pratiques de ressources humaines appropriées",
        "cadres intermédiaires",
        "se sent menacé",
        "collecticiel",
        "communication synchrones",
        "communication asynchrones",
        "gestion documentaire",
        "appels à tous",
        "bénéfices visés",
    ):
        assert words in texts, words
    # One auto rule per staffed role, and the other live-data rules, each used once.
    rules = sorted(item.rule for item in items.values() if item.rule)
    assert rules == sorted(RULES)
    # Every item is bilingual, weighted and explained.
    for item in items.values():
        assert item.text_fr and item.text_en and item.text_fr != item.text_en
        assert item.help_fr and item.help_en
        assert 1 <= item.weight <= 10
    assert "bâtons dans les roues" in items["threatened-managers"].help_fr


def test_a_changed_template_is_a_new_version_and_old_checklists_keep_theirs(tmp_path):
    shutil.copy(DEFAULT_FILE, tmp_path / "se-decider.yaml")
    load(tmp_path)
    community = deciding_community()
    checklist = checklist_of(community)
    assert checklist.template.version == 1
    ChecklistItem.objects.filter(
        checklist=checklist, template_item__key="facilitating-environment"
    ).update(status=ItemStatus.DONE, note="Appui de la direction")

    text = (tmp_path / "se-decider.yaml").read_text(encoding="utf-8")
    (tmp_path / "se-decider.yaml").write_text(text.replace("weight: 3", "weight: 4", 1), "utf-8")
    output = load(tmp_path)
    assert "se-decider (se-decider.yaml): new version, version 2" in output
    assert list(
        ChecklistTemplate.objects.filter(slug="se-decider").values_list("version", flat=True)
    ) == [2, 1]

    checklist.refresh_from_db()
    assert checklist.template.version == 1
    kept = item_of(community, "facilitating-environment")
    assert kept.template_item.template.version == 1
    assert kept.template_item.weight == 3
    assert (kept.status, kept.note) == (ItemStatus.DONE, "Appui de la direction")
    # A community that starts now gets the new version.
    assert checklist_of(deciding_community()).template.version == 2
    assert "unchanged, version 2" in load(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("slug: mini\ntitle: [unclosed\n", "invalid YAML"),
        (
            MINIMAL.replace("        weight: 2", "        weight: 2\n        colour: red"),
            "section 's', item 'a', field 'colour': unknown key",
        ),
        (
            MINIMAL.replace("text: {fr: Élément A, en: Item A}", "text: {fr: Élément A}"),
            "section 's', item 'a', field 'text.en': missing text",
        ),
        (
            MINIMAL.replace("text: {fr: Élément B, en: Item B}", "help: {fr: a, en: b}"),
            "section 's', item 'b', field 'text': missing",
        ),
        (
            MINIMAL.replace("rule: sponsor_named", "rule: moon_phase"),
            "section 's', item 'b', field 'rule': unknown rule 'moon_phase'",
        ),
        (
            MINIMAL.replace("weight: 2", "weight: heavy"),
            "section 's', item 'a', field 'weight': must be a whole number",
        ),
        (
            MINIMAL.replace("weight: 2", "weight: 0"),
            "section 's', item 'a', field 'weight': 0 is out of range",
        ),
        (
            MINIMAL.replace("key: b", "key: a"),
            "section 's', item 'a', field 'key': used by another item",
        ),
        (
            MINIMAL.replace("slug: mini", "slug: mini\nauthor: me"),
            "template, field 'author': unknown key",
        ),
        ("- just\n- a list\n", "the file must contain a mapping"),
    ],
)
def test_invalid_templates_are_refused_with_file_item_and_field(tmp_path, text, expected):
    write(tmp_path, MINIMAL, "a-good.yaml")
    write(tmp_path, text, "bad.yaml")
    with pytest.raises(CommandError) as error:
        load(tmp_path)
    message = str(error.value)
    assert "bad.yaml" in message
    assert expected in message
    # Validation comes first: not even the valid file was written.
    assert not ChecklistTemplate.objects.exists()
    assert not TemplateItem.objects.exists()


def test_the_command_exits_non_zero_on_invalid_input(tmp_path):
    write(tmp_path, MINIMAL.replace("weight: 2", "weight: -1"))
    with pytest.raises(CommandError):
        call_command("load_checklist_templates", str(tmp_path), stdout=StringIO())
    # Run as a program, a CommandError is a non-zero exit status.
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "load_checklist_templates", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code != 0


def test_an_empty_or_missing_directory_is_an_error(tmp_path):
    with pytest.raises(CommandError, match=r"no \.yaml or \.yml file"):
        load(tmp_path)
    with pytest.raises(CommandError, match="not a directory"):
        load(tmp_path / "nowhere")


def test_two_files_with_the_same_slug_are_refused(tmp_path):
    write(tmp_path, MINIMAL, "one.yaml")
    write(tmp_path, MINIMAL, "two.yml")
    with pytest.raises(CommandError, match=r"'mini' is also used by one\.yaml"):
        load(tmp_path)
    assert not ChecklistTemplate.objects.exists()


def test_a_minimal_template_is_stored_in_order_with_both_languages(tmp_path):
    load(write(tmp_path, MINIMAL))
    template = ChecklistTemplate.objects.get(slug="mini")
    items = list(TemplateItem.objects.filter(template=template).order_by("position"))
    assert [(i.key, i.text_fr, i.text_en, i.weight, i.rule) for i in items] == [
        ("a", "Élément A", "Item A", 2, ""),
        ("b", "Élément B", "Item B", 1, "sponsor_named"),
    ]
    from django.utils import translation

    with translation.override("en"):
        assert items[0].text == "Item A"
    with translation.override("fr"):
        assert items[0].text == "Élément A"


def test_every_problem_of_a_template_is_listed_at_once(tmp_path):
    text = (
        MINIMAL.replace("slug: mini", "slug: mini\nauthor: me")
        .replace("weight: 2", "weight: 0")
        .replace("rule: sponsor_named", "rule: moon_phase")
    )
    with pytest.raises(CommandError) as error:
        load(write(tmp_path, text))
    lines = str(error.value).splitlines()
    assert len(lines) == 3
    for expected in (
        "mini.yaml: template, field 'author': unknown key",
        "mini.yaml: section 's', item 'a', field 'weight': 0 is out of range",
        "mini.yaml: section 's', item 'b', field 'rule': unknown rule 'moon_phase'",
    ):
        assert any(expected in line for line in lines), expected
    assert not ChecklistTemplate.objects.exists()
