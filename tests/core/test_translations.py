"""French and English catalogues are complete and compiled."""

import shutil
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalogue_is_complete_and_compiled(language):
    po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled_ids = {entry.msgid for entry in compiled}
    missing = [e.msgid for e in catalogue.translated_entries() if e.msgid not in compiled_ids]
    assert not missing, f"run `make messages`: {language} .mo lacks {missing[:5]}"


def test_catalogues_hold_every_string_of_the_source(tmp_path, settings, monkeypatch):
    """`make messages` was run: extracting the strings again finds none that the
    committed catalogues lack (a stale catalogue would leave them untranslated).

    Extracted from a copy of the sources, so that nothing is written to locale/."""
    from django.core.management import call_command

    root = LOCALE.parent
    sources = tmp_path / "sources"
    for name in ("cdp_portal", "communities", "forums", "resources", "templates"):
        shutil.copytree(root / name, sources / name, ignore=shutil.ignore_patterns("*.pyc"))
    output = sources / "extracted"
    output.mkdir()
    monkeypatch.chdir(sources)
    settings.LOCALE_PATHS = [str(output)]
    call_command("makemessages", locale=["en"], verbosity=0)
    extracted = {
        (entry.msgctxt, entry.msgid)
        for entry in polib.pofile(str(output / "en" / "LC_MESSAGES" / "django.po"))
    }
    committed = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    known = {(entry.msgctxt, entry.msgid) for entry in committed if not entry.obsolete}
    missing = sorted(msgid for _context, msgid in extracted - known)
    assert extracted, "nothing was extracted: is gettext installed?"
    assert not missing, f"run `make messages` and translate: {missing[:10]}"
