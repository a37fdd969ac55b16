"""The English catalogue (locale/en) is complete, consistent with its Chinese source
strings and compiled: every entry translated, nothing fuzzy, the same placeholders and HTML
tags in the translation as in the source, and a django.mo that holds exactly the .po's
entries (so a fresh clone shows English without GNU gettext installed)."""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

LC_MESSAGES = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# %(name)s / %(n)d / %s, and str.format fields such as {error} (not JSON such as {"var": …}).
PERCENT_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
BRACE_PLACEHOLDER = re.compile(r"\{\w*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
HAN = re.compile(r"[\u4e00-\u9fff]")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    """One message of a .po file."""

    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def __str__(self) -> str:
        return f"django.po line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: ESCAPES[m.group(1)], text[1:-1])


def po_entries(path: Path = PO_PATH) -> list[Entry]:
    """The entries of ``path`` (header included, obsolete ``#~`` entries left out)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            kind, index = target
            if kind == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, kind, getattr(current, kind) + _unquote(line))
        else:
            keyword, value = line.split(" ", 1)
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match or keyword == "msgstr":
                index = int(match.group(1)) if match else 0
                current.msgstr[index] = _unquote(value)
                target = ("msgstr", index)
            else:
                assert keyword in ("msgctxt", "msgid", "msgid_plural"), (number, raw)
                setattr(current, keyword, _unquote(value))
                target = (keyword, None)
    return entries


ENTRIES = po_entries() if PO_PATH.exists() else []
MESSAGES = [entry for entry in ENTRIES if entry.msgid]
HEADER = next((entry for entry in ENTRIES if not entry.msgid), None)


def _ids(entries: list[Entry]) -> list[str]:
    return [f"line{entry.line}" for entry in entries]


def test_catalogue_exists_and_has_messages():
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run make messages"
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages"
    assert len(MESSAGES) > 500


def test_header_declares_english_and_plural_forms():
    assert HEADER is not None
    header = HEADER.msgstr[0]
    assert "Language: en\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header
    assert "fuzzy" not in HEADER.flags


def test_no_entry_is_fuzzy():
    fuzzy = [str(entry) for entry in MESSAGES if "fuzzy" in entry.flags]
    assert fuzzy == []


def test_every_entry_is_translated():
    untranslated = [
        str(entry)
        for entry in MESSAGES
        if not entry.msgstr
        or any(not text.strip() for text in entry.msgstr.values())
        or (entry.msgid_plural is not None and sorted(entry.msgstr) != [0, 1])
    ]
    assert untranslated == []


def test_no_translation_copies_the_chinese():
    """A translation is English; Chinese may appear in it only where quoted from the source
    (file-format column headers, the 是/否 a file cell takes, a festival's name)."""
    copied = [
        str(entry)
        for entry in MESSAGES
        for text in entry.msgstr.values()
        if text == entry.msgid or set(HAN.findall(text)) - set(HAN.findall(entry.msgid))
    ]
    assert copied == []


@pytest.mark.parametrize("entry", MESSAGES, ids=_ids(MESSAGES))
def test_placeholders_and_html_match(entry: Entry):
    """Every form of the translation has the source's placeholders and HTML tags, no more,
    no fewer."""
    sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
    expected = {
        "percent": Counter(PERCENT_PLACEHOLDER.findall(sources[-1])),
        "brace": Counter(BRACE_PLACEHOLDER.findall(sources[-1])),
        "html": Counter(HTML_TAG.findall(sources[-1])),
    }
    for index, text in entry.msgstr.items():
        found = {
            "percent": Counter(PERCENT_PLACEHOLDER.findall(text)),
            "brace": Counter(BRACE_PLACEHOLDER.findall(text)),
            "html": Counter(HTML_TAG.findall(text)),
        }
        assert found == expected, f"msgstr[{index}] of {entry}: {text!r}"


def test_compiled_catalogue_matches_the_po():
    """django.mo is not stale: it holds exactly the .po's translations."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = dict(compiled._catalog)  # the only way to list what a .mo holds
    catalog.pop("", None)
    expected: dict = {}
    for entry in MESSAGES:
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text
    missing = sorted(str(key) for key in expected.keys() - catalog.keys())
    extra = sorted(str(key) for key in catalog.keys() - expected.keys())
    different = sorted(
        str(key) for key in expected.keys() & catalog.keys() if expected[key] != catalog[key]
    )
    assert (missing, extra, different) == ([], [], []), "run compilemessages -l en"


def test_django_serves_the_english_catalogue():
    """The catalogue is found through LOCALE_PATHS and used when English is active."""
    with translation.override("en"):
        assert translation.gettext("首页") == "Home"
        assert translation.ngettext("共 %(counter)s 家企业", "共 %(counter)s 家企业", 1) == (
            "%(counter)s enterprise"
        )
        assert translation.ngettext("共 %(counter)s 家企业", "共 %(counter)s 家企业", 3) == (
            "%(counter)s enterprises"
        )
    with translation.override("zh-hans"):
        assert translation.gettext("首页") == "首页"
