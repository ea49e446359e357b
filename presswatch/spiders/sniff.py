"""What a body is, from its first bytes: cheap checks the spider and extraction share."""

from __future__ import annotations

import codecs
import re

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
MAGIC = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"GIF8", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"ID3", "MP3 audio"),
    (b"RIFF", "RIFF media"),
    (b"\x00\x00\x00", "binary media"),
    (b"OggS", "Ogg media"),
    (b"\x7fELF", "executable"),
)
# Bytes no text file has: below TAB, and SO (0x0E) up to US (0x1F).
_CONTROL_BYTES = bytes([*range(0x09), *range(0x0E, 0x20)])
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


def looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.match(body[:4096].lstrip(b"\xef\xbb\xbf")))


def sniff_non_html(body: bytes) -> str | None:
    """What the body is when it is plainly not HTML (a PDF or image served as text/html).

    A known file signature, or more than 5% control bytes in the first kilobyte: a stray NUL
    in a real page is tolerated, a binary file is not.
    """
    for bom, _ in BOMS:
        if body.startswith(bom):
            return None
    head = body[:1024]
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > len(head) // 20:
        return "binary data (control bytes)"
    return None
