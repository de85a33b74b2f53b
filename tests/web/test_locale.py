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
