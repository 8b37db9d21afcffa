"""A small Atom 1.0 (RFC 4287) writer: well-formed, escaped XML with absolute links."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MIMETYPE = "application/atom+xml"
# Characters XML 1.0 forbids even when escaped (most C0 controls, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def rfc3339(moment: datetime) -> str:
    """Atom dates are RFC 3339; stored times are UTC (naive ones from SQLite included)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    published: datetime | None = None
    summary: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[tuple[str, str]] = field(default_factory=list)  # (term, label)
    language: str | None = None


@dataclass
class Feed:
    id: str
    title: str
    self_url: str
    alternate_url: str
    updated: datetime
    author: str
    subtitle: str = ""
    language: str | None = None
    entries: list[Entry] = field(default_factory=list)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _person(parent: ET.Element, tag: str, name: str) -> None:
    _add(_add(parent, tag), "name", name)


def render(feed: Feed) -> bytes:
    root = ET.Element("feed", xmlns=ATOM)  # plain names under one default namespace
    if feed.language:
        root.set(XML_LANG, feed.language)
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="self", type=MIMETYPE, href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate_url)
    _person(root, "author", feed.author)
    for item in feed.entries:
        entry = _add(root, "entry")
        if item.language:
            entry.set(XML_LANG, item.language)
        _add(entry, "id", item.id)
        _add(entry, "title", item.title, type="text")
        _add(entry, "link", rel="alternate", type="text/html", href=item.link)
        _add(entry, "updated", rfc3339(item.updated))
        if item.published:
            _add(entry, "published", rfc3339(item.published))
        for name in item.authors:
            _person(entry, "author", name)
        for term, label in item.categories:
            _add(entry, "category", term=term, label=label)
        if item.summary:
            _add(entry, "summary", item.summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
