"""Pages that answer 200 but are not the article: bot walls, consent pages, JavaScript-only
shells and paywall stubs. Plain functions on bytes, no Scrapy, no I/O.

A page like that must never be stored as an article whose text is the wall. Detection uses
the general markers of each kind of wall (the vendors' script and challenge addresses, the
titles they serve, schema.org's isAccessibleForFree), never a list of sites, and the page's
visible text is counted so that an article that merely mentions a wall, loads a consent
script or keeps a <noscript> note is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

# The kinds a wall is recorded as: FetchedPage.reason starts with one of them.
WALL_KINDS = ("blocked: ", "partial: ")
# A wall page says little; a real article that carries a wall's script says a lot.
WALL_MAX_WORDS = 120
# A paywall stub shows a teaser: up to a few paragraphs.
PAYWALL_MAX_WORDS = 250
_HEAD_BYTES = 300_000

# (who, markers): any one marker, in a page with little visible text, names the wall.
_BOT_WALLS: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("Cloudflare challenge", (b"<title>just a moment...</title>", b"/cdn-cgi/challenge-platform/",
                              b"cf_chl_opt", b"cf-browser-verification",
                              b"attention required! | cloudflare")),
    ("DataDome", (b"captcha-delivery.com", b"datadome")),
    ("PerimeterX (HUMAN)", (b"_pxappid", b"px-captcha", b"px-cdn.net", b"perimeterx")),
    ("Akamai bot manager", (b"errors.edgesuite.net", b"_abck")),
    ("CAPTCHA", (b"g-recaptcha", b"h-captcha", b"cf-turnstile")),
)
_CONSENT_HOSTS = re.compile(r"^(?:consent|guce|privacy-?consent|cmp)\.", re.IGNORECASE)
_CONSENT_MARKERS = (b'action="https://consent.', b"before you continue to", b"consent.google.",
                    b"consent.yahoo.", b"guce.", b"we value your privacy",
                    b"cookie consent", b"accept all cookies", b"reject all")
_JS_SHELL_MARKERS = (b"enable javascript", b"javascript is required", b"javascript is disabled",
                     b"requires javascript", b'<div id="root"></div>', b'<div id="__next"></div>',
                     b'<div id="app"></div>')
_PAYWALL_MARKERS = (b"subscribe to continue reading", b"subscribe to read",
                    b"for subscribers only", b"already a subscriber", b'class="paywall',
                    b"this content is for subscribers")
_NOT_FREE = re.compile(rb'"isaccessibleforfree"\s*:\s*"?false')


@dataclass(frozen=True)
class Wall:
    """Why a page is not the article: "blocked" (nothing of it) or "partial" (a teaser)."""

    kind: Literal["blocked", "partial"]
    reason: str

    def describe(self) -> str:
        return f"{self.kind}: {self.reason}"


def visible_words(body: bytes) -> int:
    """Words a reader sees: the body's text without scripts, styles, templates, noscript."""
    try:
        tree = lxml.html.fromstring(body[:2_000_000])
        for node in tree.xpath("//script|//style|//noscript|//template|//head"):
            node.drop_tree()
        return len(tree.text_content().split())
    except (lxml.etree.LxmlError, ValueError, TypeError, AttributeError):
        return 0  # not a document lxml can read (a bare comment, bytes it refuses)


def find_wall(body: bytes, url: str = "") -> Wall | None:
    """The wall this page is, or None for a page that may be the article.

    Examples: Cloudflare's "Just a moment..." interstitial, DataDome's or PerimeterX's
    captcha page, a redirect that ended on consent.example.com, a React shell whose only text
    is "You need to enable JavaScript", a teaser marked isAccessibleForFree false.
    Every wall carries one of the markers, so the page's head is searched for them first (a
    byte search) and the visible words, which need a parse, are counted only when one is
    there: a page that says more than a wall would is never one.
    """
    host = (urlsplit(url).hostname or "") if url else ""
    if _CONSENT_HOSTS.match(host):
        return Wall("blocked", f"consent page at {host} instead of the article")
    head = body[:_HEAD_BYTES].lower()
    bot_wall = next((who for who, markers in _BOT_WALLS if any(m in head for m in markers)),
                    None)
    consent = any(m in head for m in _CONSENT_MARKERS)
    paywall = any(m in head for m in _PAYWALL_MARKERS) or _NOT_FREE.search(head) is not None
    js_shell = any(m in head for m in _JS_SHELL_MARKERS)
    if not (bot_wall or consent or paywall or js_shell):
        return None
    words = visible_words(body)
    if words > PAYWALL_MAX_WORDS:
        return None
    if words <= WALL_MAX_WORDS:
        if bot_wall:
            return Wall("blocked", f"bot wall ({bot_wall}) answered instead of the page")
        if consent:
            return Wall("blocked", "cookie consent page instead of the article")
    if paywall:
        return Wall("partial", f"paywall: only a teaser of {words} words is served")
    if words <= WALL_MAX_WORDS // 4 and js_shell:
        return Wall("blocked", "JavaScript-only page: the text is not in the HTML")
    return None
