"""French typography in the French catalogue: a no-break space before : ; ? ! and inside
« », instead of the ordinary space typed (which lets a line break before the colon).

usage: python tools/fr_typography.py [meetup/translations/fr/LC_MESSAGES/messages.po]
Run by `make compile-translations`; tests/test_translations.py checks the result.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

NBSP = "\u00a0"
DEFAULT = Path(__file__).resolve().parent.parent / "meetup/translations/fr/LC_MESSAGES/messages.po"
_BEFORE = re.compile(r"[ \u00a0\u202f]+([:;?!])")


def typeset(text: str) -> str:
    """Ordinary (or narrow) spaces before : ; ? ! and inside « » become no-break spaces."""
    text = _BEFORE.sub(NBSP + r"\1", text)
    text = re.sub(r"«[ \u00a0\u202f]*", "«" + NBSP, text)
    return re.sub(r"[ \u00a0\u202f]*»", NBSP + "»", text)


def main(path: Path) -> int:
    with open(path, "rb") as f:
        catalogue = read_po(f, locale="fr")
    changed = 0
    for message in catalogue:
        if not message.id or not message.string:
            continue
        if isinstance(message.string, tuple):
            fixed = tuple(typeset(s) for s in message.string)
        else:
            fixed = typeset(message.string)
        if fixed != message.string:
            message.string = fixed
            changed += 1
    if changed:
        with open(path, "wb") as f:
            write_po(f, catalogue, width=100, omit_header=False)
    print(f"French typography: {changed} strings set with no-break spaces")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
