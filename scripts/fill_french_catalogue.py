"""Complete the French catalogue: our msgids are French, so French msgstr = msgid.

`makemessages` leaves msgstr empty; an empty msgstr falls back to the msgid at run time,
but a complete catalogue lets `msgfmt --statistics` and the tests prove nothing is missing.
Every entry is rewritten, fuzzy ones included: a fuzzy guess from makemessages holds the
text of another msgid, while the right French text is always the msgid itself.
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
            wanted = {0: entry.msgid, 1: entry.msgid_plural}
            if entry.msgstr_plural != wanted:
                entry.msgstr_plural = wanted
                filled += 1
        elif entry.msgstr != entry.msgid:
            entry.msgstr = entry.msgid
            filled += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = None
    catalogue.save(str(path))
    print(f"fr: {filled} entries filled from their French msgid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
