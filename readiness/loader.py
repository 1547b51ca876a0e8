"""Checklist templates from YAML files: validation, then versioned, idempotent loading.

`load_directory(path)` reads every `*.yaml`/`*.yml` file of a folder, validates them all
(`TemplateError` names the file, the item and the field at fault), and only then writes,
in one transaction. For each template: the same content as its latest version is
"unchanged"; new content becomes a new version (the previous versions, and the checklists
made from them, stay as they are).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.text import slugify

from cdp_portal.core.schema import Choice, Integer, List, Mapping, Problem, Text, Unique, validate

from .models import ChecklistTemplate, TemplateItem, TemplateSection
from .rules import RULES

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "checklists"
DEFAULT_TEMPLATE_SLUG = "se-decider"

LANGUAGES = ("fr", "en")
MIN_WEIGHT, MAX_WEIGHT = 1, 10
LIMITS = {"title": 200, "text": 300, "source": 300, "key": 80}


class TemplateError(Exception):
    """Invalid template file: says where (file, section/item) and which field, for every
    problem found (`where`, `field` and `message` are the first one's)."""

    def __init__(self, file: str | Path, problems: list[Problem]) -> None:
        self.file, self.problems = str(file), problems
        first = problems[0]
        self.where, self.field, self.message = first.where, first.field, first.message
        super().__init__("\n".join(f"{self.file}: {problem}" for problem in problems))

    @classmethod
    def one(cls, file: str | Path, where: str, message: str) -> TemplateError:
        return cls(file, [Problem(where, "", message)])


@dataclass
class LoadResult:
    slug: str
    version: int
    action: str  # "created", "new version" or "unchanged"
    file: str


# --- Validation ------------------------------------------------------------------------------


def _slug_problem(key: str) -> str | None:
    if slugify(key) != key:
        return "is not a slug (lowercase letters, digits, hyphens)"
    return None


def _is_key(key: object) -> bool:
    return isinstance(key, str) and not validate(KEY, key)[1]


def _section_label(where: str, index: int, data: dict) -> str:
    """ "section 'key'", or "section #2" while its key is not valid."""
    key = data.get("key")
    return f"section '{key}'" if _is_key(key) else f"section #{index + 1}"


def _item_label(where: str, index: int, data: dict) -> str:
    """After its section's label: "section 's', item 'key'" (or "item #2")."""
    key = data.get("key")
    return f"{where}, item '{key}'" if _is_key(key) else f"{where}, item #{index + 1}"


def _bilingual(limit: int = 0, *, required: bool = False) -> Mapping:
    """A {fr, en} pair of texts, whitespace folded; both empty when optional and absent."""
    return Mapping(
        {
            language: Text(limit, fold=True, required=True, missing="missing text")
            for language in LANGUAGES
        },
        required=required,
        missing="missing (give the 'fr' and 'en' text)",
        default=dict.fromkeys(LANGUAGES, ""),
        wrong_type="must be a mapping with 'fr' and 'en' text",
    )


# A section's or an item's key.
KEY = Text(LIMITS["key"], required=True, check=_slug_problem)
ITEM = Mapping(
    {
        "key": KEY,
        "text": _bilingual(LIMITS["text"], required=True),
        "help": _bilingual(),
        "weight": Integer(MIN_WEIGHT, MAX_WEIGHT, required=True),
        # "" (or none): an item people tick themselves.
        "rule": Choice(
            ["", *sorted(RULES)], noun="rule", hint=f"known: {', '.join(sorted(RULES))}", default=""
        ),
    },
    label=_item_label,
)
SECTION = Mapping(
    {
        "key": KEY,
        "title": _bilingual(LIMITS["title"], required=True),
        "description": _bilingual(),
        "items": List(
            ITEM,
            required=True,
            nonempty=True,
            unique=Unique("used by another item of the template", field="key", per_file=True),
            wrong_type="must be a non-empty list",
        ),
    },
    label=_section_label,
)
TEMPLATE = Mapping(
    {
        "slug": Text(required=True, check=_slug_problem),
        "source": Text(LIMITS["source"], fold=True, default=""),
        "title": _bilingual(LIMITS["title"], required=True),
        "description": _bilingual(),
        "sections": List(
            SECTION,
            required=True,
            nonempty=True,
            unique=Unique("used by another section", field="key"),
            wrong_type="must be a non-empty list",
        ),
    },
    wrong_type="the file must contain a mapping (slug, title, sections)",
)


def validate_template(data, file: str | Path) -> dict:
    """The template as a normalised dict (whitespace folded), or TemplateError listing
    every problem."""
    template, problems = validate(TEMPLATE, data, where="template")
    if problems:
        raise TemplateError(file, problems)
    return template


def parse_file(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TemplateError.one(path, where, f"invalid YAML: {problem}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError.one(path, "", f"cannot read the file: {error}") from error
    return validate_template(data, path)


def content_hash(template: dict) -> str:
    canonical = json.dumps(template, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def template_files(directory: Path) -> list[Path]:
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in directory.glob(pattern)
        if path.is_file()
    )


def parse_directory(directory: Path) -> list[tuple[Path, dict]]:
    """Every template of the folder, validated; TemplateError at the first problem."""
    if not directory.is_dir():
        raise TemplateError.one(directory, "", "not a directory")
    files = template_files(directory)
    if not files:
        raise TemplateError.one(directory, "", "no .yaml or .yml file in this directory")
    parsed, seen = [], {}
    for path in files:
        template = parse_file(path)
        if template["slug"] in seen:
            also = f"'{template['slug']}' is also used by {seen[template['slug']]}"
            raise TemplateError(path, [Problem("template", "slug", also)])
        seen[template["slug"]] = path.name
        parsed.append((path, template))
    return parsed


# --- Writing -----------------------------------------------------------------------------------


def _write(template: dict, digest: str, version: int, path: Path) -> ChecklistTemplate:
    row = ChecklistTemplate.objects.create(
        slug=template["slug"],
        version=version,
        content_hash=digest,
        title_fr=template["title"]["fr"],
        title_en=template["title"]["en"],
        description_fr=template["description"]["fr"],
        description_en=template["description"]["en"],
        source=template["source"],
        source_file=path.name,
    )
    for s_position, section in enumerate(template["sections"], start=1):
        section_row = TemplateSection.objects.create(
            template=row,
            key=section["key"],
            position=s_position,
            title_fr=section["title"]["fr"],
            title_en=section["title"]["en"],
            description_fr=section["description"]["fr"],
            description_en=section["description"]["en"],
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                template=row,
                section=section_row,
                key=item["key"],
                position=i_position,
                text_fr=item["text"]["fr"],
                text_en=item["text"]["en"],
                help_fr=item["help"]["fr"],
                help_en=item["help"]["en"],
                weight=item["weight"],
                rule=item["rule"],
            )
            for i_position, item in enumerate(section["items"], start=1)
        )
    return row


def load_templates(parsed: list[tuple[Path, dict]]) -> list[LoadResult]:
    results = []
    with transaction.atomic():
        for path, template in parsed:
            digest = content_hash(template)
            # Lock the slug's versions so two loaders cannot both create "version n + 1".
            versions = list(
                ChecklistTemplate.objects.select_for_update()
                .filter(slug=template["slug"])
                .order_by("-version")
                .values_list("version", "content_hash")[:1]
            )
            if versions and versions[0][1] == digest:
                results.append(LoadResult(template["slug"], versions[0][0], "unchanged", path.name))
                continue
            version = versions[0][0] + 1 if versions else 1
            _write(template, digest, version, path)
            action = "new version" if versions else "created"
            results.append(LoadResult(template["slug"], version, action, path.name))
    return results


def load_directory(directory: Path | str = DEFAULT_DIRECTORY) -> list[LoadResult]:
    """Validate every template of the folder, then write them all (or nothing)."""
    return load_templates(parse_directory(Path(directory)))
