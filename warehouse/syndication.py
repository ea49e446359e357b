"""Reads for syndication: the stored signatures a batch of new articles must be matched with."""

from __future__ import annotations

from pathlib import Path

from warehouse.store import Warehouse

QUERIES_DIR = Path(__file__).with_name("queries")


def signature_candidates(warehouse: Warehouse, text_hashes: set[str],
                         band_keys: set[str]) -> list[tuple]:
    """Rows (article_id, published_at, first_seen_at, text_hash, n_shingles, minhash,
    cluster_id) of stored signatures sharing a hash or band with the new ones, and their roots.

    Cost grows with the new articles and their matches, not with the warehouse's size.
    """
    if not text_hashes and not band_keys:
        return []
    sql = (QUERIES_DIR / "signature_candidates.sql").read_text(encoding="utf-8")
    return warehouse.connection.execute(sql, [sorted(text_hashes), sorted(band_keys)]).fetchall()
