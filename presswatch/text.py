"""Text from strangers' pages made inert for one line of display or storage.

Shared by the crawler (titles, authors as stored) and every place a person reads them
(terminal, artifacts, alerts), so one rule decides what a control character becomes.
"""

from __future__ import annotations

import unicodedata

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
