"""Every string a user can see exists in French, and the committed .mo matches the .po."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "meetup/translations/fr/LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="module")
def french():
    with open(CATALOGUE / "messages.po", "rb") as f:
        return read_po(f, locale="fr")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `make translations` would extract from the code now."""
    target = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg",
            "-k", "_l", "-k", "lazy_gettext", "-o", str(target), "--no-location", ".",
        ],
        cwd=ROOT,
        check=True,
    )  # fmt: skip
    with open(target, "rb") as f:
        return read_po(f)


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _ids(catalogue) -> set:
    return {message.id for message in catalogue if message.id}


def test_every_source_string_is_in_the_french_catalogue(extracted, french):
    missing = _ids(extracted) - _ids(french)
    assert not missing, f"run `make translations` and translate: {sorted(map(str, missing))}"


def test_every_french_string_is_translated(french):
    untranslated = [
        message.id
        for message in french
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert untranslated == []


def test_placeholders_are_kept(french):
    for message in french:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= expected | set(PLACEHOLDER.findall(ids[0]))


def _context(message) -> str | None:
    """A message's context (read_mo gives bytes): "Came" and "Came" in a context differ."""
    context = message.context
    return context.decode() if isinstance(context, bytes) else context


def test_compiled_catalogue_is_up_to_date(french):
    """The .mo is committed so a fresh clone needs no compile step; it must match the .po."""
    with open(CATALOGUE / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    source = {(_context(m), _key(m.id)): _key(m.string) for m in french if m.id}
    binary = {(_context(m), _key(m.id)): _key(m.string) for m in compiled if m.id}
    assert binary == source, "run `make compile-translations`"


#: Placeholders that hold a name or a title typed by someone (a person, a series, an
#: evening, a door, a company): any may start with a vowel.
NAME = r"%\((?:name|names|title|first|last|door|service|contact|address|text)\)s"


def test_no_french_word_that_elides_comes_before_a_name(french):
    """ "de Élodie" must read "d’Élodie", "le Atelier" "l’Atelier": a catalogue cannot know
    which, so the French sentences are built so that no such word comes before a name."""
    elided = re.compile(rf"\b(?:de|que|le|la|du|ce|se|je|ne)\s+{NAME}", re.IGNORECASE)
    wrong = [
        string
        for message in french
        if message.id
        for string in (message.string if isinstance(message.string, tuple) else (message.string,))
        if elided.search(string)
    ]
    assert wrong == []


def _french_strings(french):
    for message in french:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            yield from strings


def test_french_typography(french):
    """A no-break space before : ; ? ! and inside « » (tools/fr_typography.py sets them, run
    by `make compile-translations`), and none of these glued to the word before."""
    ordinary = re.compile(r"[ \u202f][:;?!]|«[ \u202f]|[ \u202f]»")
    glued = re.compile(r"(?:\w|\)s|»|\))[;?!]|\w:(?:\s|$)")
    code = re.compile(r"Authorization: Bearer")  # an HTTP header, typed as is
    wrong = [
        s
        for s in _french_strings(french)
        if ordinary.search(s) or glued.search(code.sub("", s)) or "\u00a0\u00a0" in s
    ]
    assert wrong == []


def test_one_inclusive_form(french):
    """One inclusive form throughout: the middle dot (inscrit·e, organisateur·rice), the
    team ("l’équipe organisatrice") for the organisers; never "(e)" nor a masculine
    plural for the organisers or administrators."""
    forms = re.compile(r"\(e\)|\(es\)|\borganisateurs?\b(?!·)|\badministrateurs?\b(?!·)")
    wrong = [s for s in _french_strings(french) if forms.search(s)]
    assert wrong == []
