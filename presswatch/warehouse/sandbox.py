"""What keeps `presswatch sql` read-only: DuckDB's own guards, then a check of every statement.

The guards come first and hold on their own: with external access off a query cannot open any
file but the warehouse it was given (no COPY ... TO, read_text, glob, ATTACH, log or profile
files), and with the configuration locked it cannot raise its memory limit or thread count or
turn external access back on. The statement check then refuses, with a message that says why,
whatever is not a read, looking inside EXPLAIN (EXPLAIN ANALYZE runs its statement) and letting
only reading PRAGMAs and CALLs through. See docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# The CLI's and the console's entry points.
__all__ = ["SessionLimits", "guard_connection", "refused_statements"]

# PRAGMAs and CALLed functions that only read the catalog or the file's metadata.
_READING_PRAGMAS = frozenset({
    "table_info", "show", "show_tables", "show_tables_expanded", "show_databases",
    "database_size", "database_list", "storage_info", "metadata_info", "version",
    "platform", "functions", "collations", "user_agent",
})
_READING_CALL_PREFIXES = ("duckdb_", "pragma_")
_ALWAYS_READ = {duckdb.StatementType.SELECT, duckdb.StatementType.VARIABLE_SET}


@dataclass(frozen=True)
class SessionLimits:
    """What one analyst session may use; fixed before the first statement, then locked."""

    memory_limit: str = "1GB"
    threads: int = 2


def guard_connection(con: duckdb.DuckDBPyConnection, limits: SessionLimits) -> None:
    """Close the connection to everything but its own file, cap it, then lock its settings.

    Order matters: each setting is refused once external access is off or the lock is on.
    An empty temp_directory means a query over the memory limit fails instead of spilling
    files beside the warehouse. DuckDB shares one instance among a process's connections to a
    file, so a second session in the same process finds it already guarded and locked.
    """
    (locked, external) = con.execute(
        "select current_setting('lock_configuration'), current_setting('enable_external_access')"
    ).fetchone()
    if locked and not external:
        return
    con.execute("set temp_directory = ''")
    con.execute("set memory_limit = ?", [limits.memory_limit])
    con.execute("set threads = ?", [limits.threads])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def refused_statements(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """Why each statement of the query that is not a plain read is refused (empty: all read)."""
    reasons = []
    for statement in con.extract_statements(query):
        reason = _refusal(con, statement)
        if reason is not None:
            reasons.append(reason)
    return reasons


def _refusal(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement) -> str | None:
    kind = statement.type
    if kind in _ALWAYS_READ:
        return None
    words = _words(statement.query)
    if kind == duckdb.StatementType.EXPLAIN:
        inner = _explained(statement.query)
        try:
            inner_statements = con.extract_statements(inner) if inner else []
        except duckdb.Error:
            inner_statements = []
        if len(inner_statements) != 1:
            return "EXPLAIN of a statement presswatch cannot read"
        reason = _refusal(con, inner_statements[0])
        return None if reason is None else f"EXPLAIN {reason}"
    if kind == duckdb.StatementType.PRAGMA:
        name = words[1].lower() if len(words) > 1 else ""
        return None if name in _READING_PRAGMAS else f"PRAGMA {name}"
    if kind == duckdb.StatementType.CALL:
        name = _called(words)
        return None if name.startswith(_READING_CALL_PREFIXES) else f"CALL {name}"
    if kind == duckdb.StatementType.SET:
        if len(words) > 1 and words[1].lower() == "variable":
            return None  # SET VARIABLE names a value for getvariable(), not a setting
        return "SET (the session's settings are fixed)"
    return kind.name


def _tokens(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each token but comments, by DuckDB's own tokenizer."""
    found = duckdb.tokenize(text)
    tokens = []
    for i, (offset, kind) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        if kind != duckdb.token_type.comment:
            tokens.append((offset, text[offset:end].strip()))
    return tokens


def _words(text: str) -> list[str]:
    return [token.strip('"') for _, token in _tokens(text)]


def _explained(text: str) -> str:
    """The statement an EXPLAIN shows: the text after EXPLAIN, ANALYZE and any (options)."""
    tokens = _tokens(text)[1:]  # past EXPLAIN
    depth = 0
    for offset, token in tokens:
        if token == "(":
            depth += 1
        elif token == ")" and depth:
            depth -= 1
        elif not depth and token.lower() != "analyze":
            return text[offset:]
    return ""


def _called(words: list[str]) -> str:
    """The function a CALL names, without its schema: CALL main.duckdb_tables() -> duckdb_tables."""
    name = ""
    for word in words[1:]:
        if word == "(":
            break
        if word != ".":
            name = word.lower()
    return name
