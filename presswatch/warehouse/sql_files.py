"""The warehouse's SQL files, read in one place: every query, view, check and migration is a
.sql file under presswatch/warehouse/, shipped as package data."""

from __future__ import annotations

from pathlib import Path

SQL_ROOT = Path(__file__).parent


def sql_text(relative: str) -> str:
    """The text of one SQL file, named from presswatch/warehouse/ ("queries/link_decodes.sql")."""
    return (SQL_ROOT / relative).read_text(encoding="utf-8")
