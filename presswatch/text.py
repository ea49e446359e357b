"""Text from strangers' pages made inert for one line of display or storage.

Shared by the crawler (titles, authors as stored) and every place a person reads them
(terminal, artifacts, alerts), so one rule decides what a control character becomes.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None
)


def clean_line(value: object, limit: int = 500) -> str:
    """One line of inert text: control characters (ESC, CR, LF, C1) and line separators become
    spaces, bidi overrides go, runs of whitespace collapse, and it is cut at `limit`."""
    if value is None:
        return ""
    chars = []
    for char in str(value).translate(_BIDI_CONTROLS):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif category == "Cs":  # a lone surrogate cannot be encoded anywhere
            chars.append("\ufffd")
        else:
            chars.append(char)
    text = " ".join("".join(chars).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def redact_url(url: str, *, keep_path: bool = False) -> str:
    """A URL fit for an error message or a stored row: its scheme, host and port, and with
    keep_path its path too (for a feed's address; never for a webhook's).

    Webhook tokens hide in the path (Slack's /services/T…/B…/token), passwords in userinfo,
    API keys in the query: none of them may reach a log, an error or the warehouse.
    """
    parts = urlsplit(str(url).strip())
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    host = parts.hostname or "?"
    if keep_path:
        rest = parts.path + ("?…" if parts.query else "")
    else:
        rest = "/…" if parts.path.strip("/") or parts.query or parts.fragment else ""
    return clean_line(f"{parts.scheme or '?'}://{host}{port}{rest}", 300)


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redact_urls(text: str) -> str:
    """text with every URL in it cut to its scheme, host and port (see redact_url): for an
    error whose text nobody has vetted, before it is stored."""
    return _URL.sub(lambda match: redact_url(match.group()), text)


def without_secrets(text: str, secrets: list[str]) -> str:
    """text with every secret, and each longer piece of a secret URL, replaced by '…'.

    For error text a library wrote: urllib quotes the path of a URL it refuses, an SMTP
    server may echo what it was sent.
    """
    pieces = set()
    for secret in secrets:
        if not secret:
            continue
        pieces.add(secret)
        parts = urlsplit(secret)
        if parts.scheme and parts.netloc:
            pieces.update(p for p in (parts.path, parts.query, parts.netloc.rpartition("@")[0])
                          if p)
            pieces.update(p for p in re.split(r"[/?&=:@ ]", parts.path + "?" + parts.query)
                          if len(p) >= 6)
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, "…")
    return text
