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

from .models import ChecklistTemplate, TemplateItem, TemplateSection
from .rules import RULES

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "checklists"
DEFAULT_TEMPLATE_SLUG = "se-decider"

LANGUAGES = ("fr", "en")
TEMPLATE_KEYS = {"slug", "title", "description", "source", "sections"}
SECTION_KEYS = {"key", "title", "description", "items"}
ITEM_KEYS = {"key", "text", "help", "weight", "rule"}
MIN_WEIGHT, MAX_WEIGHT = 1, 10
LIMITS = {"title": 200, "text": 300, "source": 300, "key": 80}


class TemplateError(Exception):
    """Invalid template file: says where (file, section/item) and which field."""

    def __init__(self, file: str | Path, where: str, field: str, message: str) -> None:
        self.file, self.where, self.field, self.message = str(file), where, field, message
        location = f"{self.file}: {where}" if where else self.file
        super().__init__(
            f"{location}, field '{field}': {message}" if field else f"{location}: {message}"
        )


@dataclass
class LoadResult:
    slug: str
    version: int
    action: str  # "created", "new version" or "unchanged"
    file: str


# --- Validation ------------------------------------------------------------------------------


def _check_keys(data: dict, allowed: set[str], file, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise TemplateError(
            file, where, unknown[0], f"unknown key (allowed: {', '.join(sorted(allowed))})"
        )


def _text(data: dict, field: str, file, where: str, *, required: bool, limit: int = 0) -> dict:
    """A {fr, en} pair of non-empty strings; {"fr": "", "en": ""} when optional and absent."""
    value = data.get(field)
    if value is None:
        if required:
            raise TemplateError(file, where, field, "missing (give the 'fr' and 'en' text)")
        return {"fr": "", "en": ""}
    if not isinstance(value, dict):
        raise TemplateError(file, where, field, "must be a mapping with 'fr' and 'en' text")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise TemplateError(file, where, f"{field}.{unknown[0]}", "unknown language (fr, en)")
    result = {}
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise TemplateError(file, where, f"{field}.{language}", "missing text")
        text = " ".join(text.split())
        if limit and len(text) > limit:
            raise TemplateError(
                file, where, f"{field}.{language}", f"longer than {limit} characters"
            )
        result[language] = text
    return result


def _key(data: dict, file, where: str) -> str:
    key = data.get("key")
    if not isinstance(key, str) or not key or slugify(key) != key or len(key) > LIMITS["key"]:
        raise TemplateError(
            file, where, "key", "missing or not a slug (lowercase letters, digits, hyphens)"
        )
    return key


def _weight(data: dict, file, where: str) -> int:
    weight = data.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int):
        raise TemplateError(
            file, where, "weight", f"must be a whole number from {MIN_WEIGHT} to {MAX_WEIGHT}"
        )
    if not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise TemplateError(
            file, where, "weight", f"{weight} is out of range ({MIN_WEIGHT} to {MAX_WEIGHT})"
        )
    return weight


def validate_template(data, file: str | Path) -> dict:
    """The template as a normalised dict (whitespace folded), or TemplateError."""
    if not isinstance(data, dict):
        raise TemplateError(file, "", "", "the file must contain a mapping (slug, title, sections)")
    _check_keys(data, TEMPLATE_KEYS, file, "template")
    slug = data.get("slug")
    if not isinstance(slug, str) or not slug or slugify(slug) != slug:
        raise TemplateError(file, "template", "slug", "missing or not a slug")
    source = data.get("source", "")
    if not isinstance(source, str) or len(source) > LIMITS["source"]:
        raise TemplateError(file, "template", "source", "must be a short text")
    template = {
        "slug": slug,
        "title": _text(data, "title", file, "template", required=True, limit=LIMITS["title"]),
        "description": _text(data, "description", file, "template", required=False),
        "source": " ".join(source.split()),
        "sections": [],
    }
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise TemplateError(file, "template", "sections", "must be a non-empty list")
    section_keys: set[str] = set()
    item_keys: set[str] = set()
    for s_index, section in enumerate(sections, start=1):
        where = f"section #{s_index}"
        if not isinstance(section, dict):
            raise TemplateError(file, where, "", "must be a mapping")
        key = _key(section, file, where)
        where = f"section '{key}'"
        if key in section_keys:
            raise TemplateError(file, where, "key", "used by another section")
        section_keys.add(key)
        _check_keys(section, SECTION_KEYS, file, where)
        parsed = {
            "key": key,
            "title": _text(section, "title", file, where, required=True, limit=LIMITS["title"]),
            "description": _text(section, "description", file, where, required=False),
            "items": [],
        }
        items = section.get("items")
        if not isinstance(items, list) or not items:
            raise TemplateError(file, where, "items", "must be a non-empty list")
        for i_index, item in enumerate(items, start=1):
            where = f"section '{key}', item #{i_index}"
            if not isinstance(item, dict):
                raise TemplateError(file, where, "", "must be a mapping")
            item_key = _key(item, file, where)
            where = f"section '{key}', item '{item_key}'"
            if item_key in item_keys:
                raise TemplateError(file, where, "key", "used by another item of the template")
            item_keys.add(item_key)
            _check_keys(item, ITEM_KEYS, file, where)
            rule = item.get("rule", "")
            if rule is None:
                rule = ""
            if not isinstance(rule, str) or (rule and rule not in RULES):
                raise TemplateError(
                    file,
                    where,
                    "rule",
                    f"unknown rule {rule!r} (known: {', '.join(sorted(RULES))})",
                )
            parsed["items"].append(
                {
                    "key": item_key,
                    "text": _text(item, "text", file, where, required=True, limit=LIMITS["text"]),
                    "help": _text(item, "help", file, where, required=False),
                    "weight": _weight(item, file, where),
                    "rule": rule,
                }
            )
        template["sections"].append(parsed)
    return template


def parse_file(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TemplateError(path, where, "", f"invalid YAML: {problem}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(path, "", "", f"cannot read the file: {error}") from error
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
        raise TemplateError(directory, "", "", "not a directory")
    files = template_files(directory)
    if not files:
        raise TemplateError(directory, "", "", "no .yaml or .yml file in this directory")
    parsed, seen = [], {}
    for path in files:
        template = parse_file(path)
        if template["slug"] in seen:
            raise TemplateError(
                path,
                "template",
                "slug",
                f"'{template['slug']}' is also used by {seen[template['slug']]}",
            )
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
