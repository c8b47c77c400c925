"""HTML with every value escaped: text from YAML is data, never markup.

`Markup` marks a fragment this package built from escaped parts; anything else that
reaches a page goes through `escape` (`html.escape` with quotes), so a description
holding `<script>` shows as text. Every page also carries a Content-Security-Policy that
allows only the site's own script and stylesheet files: no inline script, no other
origin, no network request from the page.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from platform_cli.render.usage import format_money

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
# Elements followed by a line break, so that pages (and their goldens) read line by line
BLOCKS = frozenset({"p", "dl", "dd", "h1", "h2", "h3", "table", "tr", "ul", "li", "pre", "nav"})
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,252}$")


class Markup(str):
    """A fragment of HTML made here from escaped parts."""

    __slots__ = ()


# Attribute names as written in Python (`class_`, `aria_label`) and in HTML
_ATTRIBUTES: dict[str, str] = {}


def escape(value: object) -> Markup:
    if type(value) is Markup:
        return value
    return Markup(_escape(value if type(value) is str else str(value), True))


_escape = html.escape


def join(parts: Iterable[object], sep: str = "") -> Markup:
    return Markup(escape(sep).join([escape(p) for p in parts]))


def _attribute(key: str) -> str:
    name = _ATTRIBUTES.get(key)
    if name is None:
        name = _ATTRIBUTES[key] = key.rstrip("_").replace("_", "-")
    return name


def tag(name: str, content: object = "", **attrs: object) -> Markup:
    """`<name attr="...">content</name>`, attribute values escaped; `class_` is `class`."""
    rendered = (
        "".join(
            [
                f' {_attribute(k)}="{escape(v)}"'
                for k, v in attrs.items()
                if v is not None and v is not False
            ]
        )
        if attrs
        else ""
    )
    end = "\n" if name in BLOCKS else ""
    return Markup(f"<{name}{rendered}>{escape(content)}</{name}>{end}")


def link(href: str, text: object, **attrs: object) -> Markup:
    return tag("a", text, href=href, **attrs)


@functools.lru_cache(maxsize=65536)
def file_name(name: str) -> str:
    """A page's file name for a landscape name: the name itself when it is a DNS-style
    name, as schemas require, else a digest, so no name can climb out of the site."""
    if SAFE_NAME.match(name) and ".." not in name:
        return f"{name}.html"
    return f"x-{hashlib.sha256(name.encode()).hexdigest()[:20]}.html"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str = "") -> Markup:
    head = join(tag("th", h, scope="col") for h in headers)
    body = join(tag("tr", join(tag("td", c) for c in row)) for row in rows)
    cap = tag("caption", caption) if caption else ""
    return tag("table", join([cap, tag("thead", tag("tr", head)), tag("tbody", body)]))


def facts_list(rows: Iterable[tuple[str, object]]) -> Markup:
    return tag("dl", join(join([tag("dt", k), tag("dd", v)]) for k, v in rows))


def money(value: Decimal | None) -> str:
    return "-" if value is None else format_money(value)


def change(now: Decimal, then: Decimal | None) -> Markup:
    """The month's change of a cost, or a dash when the start of the month is unknown."""
    if then is None:
        return Markup("-")
    delta = now - then
    cls = "up" if delta > 0 else "down" if delta < 0 else "same"
    return tag("span", format_money(delta, signed=True), class_=cls)


def page(title: str, root: str, body: Markup, *, heading: str | None = None) -> bytes:
    """A whole page: `root` is the way back to the site's top (`../` per level)."""
    head, header = _chrome(root)
    return (
        f"{head}<title>{escape(title)} · landscape catalog</title>{header}"
        f'<main id="main"><h1>{escape(heading or title)}</h1>{body}</main>'
        "</body></html>\n"
    ).encode()


@functools.cache
def _chrome(root: str) -> tuple[str, str]:
    """What every page at one depth shares: before its title, and from there to `main`."""
    nav = tag(
        "nav",
        join(
            [
                link(f"{root}index.html", "Map"),
                link(f"{root}teams/index.html", "Teams"),
                link(f"{root}systems/index.html", "Systems"),
                link(f"{root}cost.html", "Cost"),
                link(f"{root}governance.html", "Governance"),
            ]
        ),
        aria_label="Catalog",
    )
    search = Markup(
        '<form role="search" class="search" id="search-form">'
        '<label for="search">Search</label>'
        '<input id="search" type="search" autocomplete="off" '
        'placeholder="name, description, owner, host" aria-controls="search-results">'
        '<ul id="search-results" aria-live="polite"></ul></form>'
    )
    head = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
    )
    header = (
        f'<link rel="stylesheet" href="{escape(root)}assets/catalog.css">'
        f'<script src="{escape(root)}assets/search.js" defer></script>'
        f'</head><body data-root="{escape(root)}">'
        '<a class="skip" href="#main">Skip to content</a>'
        f"<header>{link(f'{root}index.html', 'Landscape catalog', class_='brand')}"
        f"{nav}{search}</header>"
    )
    return head, header
