"""The Google News decode cache: what earlier runs learnt of each link, and this run's rows.

A link decoded once is never asked of Google again; one that failed MAX_DECODE_ATTEMPTS times
(an id Google refuses) is left alone, its last reason kept for people to read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from presswatch.records import LinkDecode
from presswatch.warehouse.sql_files import sql_text
from presswatch.warehouse.store import Warehouse

MAX_DECODE_ATTEMPTS = 3


@dataclass(frozen=True)
class LinkDecodeRow:
    """One row of link_decodes (migration 007), loaded through LoadBatch.extra."""

    link_url: str
    source_url: str | None
    publisher_url: str | None
    error: str | None
    n_attempts: int
    first_tried_at: datetime
    last_tried_at: datetime


def read_link_decodes(warehouse: Warehouse) -> dict[str, LinkDecodeRow]:
    """link_url -> its row, for every link earlier runs decoded or tried."""
    sql = sql_text("queries/link_decodes.sql")
    rows = warehouse.connection.execute(sql).fetchall()
    return {row[0]: LinkDecodeRow(*row) for row in rows}


def decoded_links(known: dict[str, LinkDecodeRow]) -> dict[str, str]:
    """Links whose publisher is known: the crawl goes straight there."""
    return {url: row.publisher_url for url, row in known.items() if row.publisher_url}


def undecodable_links(known: dict[str, LinkDecodeRow]) -> list[str]:
    """Links that failed too often to ask again."""
    return sorted(url for url, row in known.items()
                  if row.publisher_url is None and row.n_attempts >= MAX_DECODE_ATTEMPTS)


def link_decode_rows(decodes: list[LinkDecode],
                     known: dict[str, LinkDecodeRow]) -> list[LinkDecodeRow]:
    """This run's attempts as rows, counted on from what earlier runs recorded."""
    rows: dict[str, LinkDecodeRow] = {}
    for decode in decodes:
        earlier = rows.get(decode.link_url) or known.get(decode.link_url)
        row = LinkDecodeRow(decode.link_url, decode.source_url, decode.publisher_url,
                            decode.error, 1, decode.tried_at, decode.tried_at)
        if earlier is not None:
            row = replace(row, n_attempts=earlier.n_attempts + 1,
                          first_tried_at=earlier.first_tried_at)
        rows[decode.link_url] = row
    return list(rows.values())
