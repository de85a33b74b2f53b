"""The French catalogue is complete: no untranslated and no fuzzy entry, and it is compiled."""

import gettext
from pathlib import Path

import rideau

LOCALE = Path(rideau.__file__).parent / "locale" / "fr" / "LC_MESSAGES"


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(line: str) -> str:
    """The text of a quoted PO string, with its escapes resolved."""
    text = line[line.index('"') + 1 : line.rindex('"')]
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr (list), flags. Obsolete ones skipped."""
    entries: list[dict] = []
    entry: dict | None = None
    field = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": []}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if field == "msgstr":
                entry["msgstr"][-1] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword = line.split(" ", 1)[0]
            if keyword.startswith("msgstr"):
                field = "msgstr"
                entry["msgstr"].append(_unquote(line))
            else:
                field = keyword
                entry[field] = _unquote(line)
    return entries


def test_french_catalogue_is_complete():
    entries = read_po(LOCALE / "django.po")
    messages = [e for e in entries if e["msgid"]]
    assert len(messages) > 250
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    plurals = [e for e in messages if "msgid_plural" in e]
    assert all(len(e["msgstr"]) == 2 for e in plurals)


def test_compiled_catalogue_matches_the_po():
    entries = [e for e in read_po(LOCALE / "django.po") if e["msgid"] and "msgid_plural" not in e]
    with (LOCALE / "django.mo").open("rb") as fp:
        catalogue = gettext.GNUTranslations(fp)

    def compiled(e: dict) -> str:  # an entry with a context ("seat" Free) is looked up with it
        if "msgctxt" in e:
            return catalogue.pgettext(e["msgctxt"], e["msgid"])
        return catalogue.gettext(e["msgid"])

    stale = [e["msgid"] for e in entries if compiled(e) != e["msgstr"][0]]
    assert stale == []


# the names xgettext extracts texts from, as `rideau makemessages` runs it: its Python
# defaults and Django's added keywords. A translation function imported under another
# name (`gettext as _g`) is called at run time but its texts never reach the catalogue.
EXTRACTED = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
TRANSLATION_FUNCTIONS = EXTRACTED - {"_"}


def _python_sources() -> list[Path]:
    root = Path(rideau.__file__).parent
    return [p for p in root.rglob("*.py") if "migrations" not in p.parts]


def test_translation_functions_keep_names_makemessages_reads():
    import ast

    renamed = []
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    if alias.name in TRANSLATION_FUNCTIONS and alias.asname not in (
                        None,
                        *EXTRACTED,
                    ):
                        renamed.append(f"{path.name}: {alias.name} as {alias.asname}")
    assert renamed == []


def test_no_text_to_translate_inside_an_f_string():
    """xgettext skips the expressions of an f-string: `f"{_('Sent')}"` is never extracted."""
    import ast

    hidden = []
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in EXTRACTED
                ):
                    hidden.append(f"{path.name}:{inner.lineno}")
    assert hidden == []


def test_the_box_office_messages_are_french():
    from django.utils import translation

    with translation.override("fr"):
        assert translation.gettext("Gift voucher added to the cart.") == (
            "Bon cadeau ajouté au panier."
        )
        assert translation.gettext("Open a shift before refunding.") == (
            "Ouvrez une session de caisse avant de rembourser."
        )
        assert translation.gettext("Seat 1 on the left") == "Siège 1 à gauche"
