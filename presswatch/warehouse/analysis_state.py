"""Reads the analysis stage needs from earlier runs: stored copies' signatures and statements'
vocabularies. Rows come back as plain tuples; presswatch/nlp/ turns them into its own records."""

from __future__ import annotations

from presswatch.warehouse.sql_files import sql_text
from presswatch.warehouse.store import Warehouse


def _query(name: str) -> str:
    return sql_text(f"queries/{name}")


def signature_candidates(warehouse: Warehouse, text_hashes: set[str],
                         band_keys: set[str]) -> list[tuple]:
    """Rows (article_id, published_at, first_seen_at, text_hash, n_shingles, minhash,
    cluster_id) of stored signatures sharing a hash or band with the new ones, and their roots.

    Cost grows with the new articles and their matches, not with the warehouse's size.
    """
    if not text_hashes and not band_keys:
        return []
    params = [sorted(text_hashes), sorted(band_keys)]
    return warehouse.connection.execute(_query("signature_candidates.sql"), params).fetchall()


def statement_fingerprints(warehouse: Warehouse) -> list[tuple[str, list[str]]]:
    """(statement_id, words) of every stored statement."""
    return warehouse.connection.execute(_query("statement_fingerprints.sql")).fetchall()


def statements_first_seen_in(warehouse: Warehouse, article_ids: list[str]) -> list[str]:
    """Ids of the statements first seen in these articles."""
    if not article_ids:
        return []
    rows = warehouse.connection.execute(_query("statements_first_seen_in.sql"),
                                        {"article_ids": sorted(article_ids)}).fetchall()
    return [statement_id for (statement_id,) in rows]
