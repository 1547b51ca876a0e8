"""Complete the French catalogue: our msgids are French, so French msgstr = msgid.

`makemessages` leaves msgstr empty; an empty msgstr falls back to the msgid at run time,
but a complete catalogue lets `msgfmt --statistics` and the tests prove nothing is missing.
Also drops the fuzzy flag on entries whose msgid is French by construction.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    path = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path), wrapwidth=100)
    filled = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                filled += 1
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
            filled += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.save(str(path))
    print(f"fr: {filled} entries filled from their French msgid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
