"""The index behind party search: substring matches on `Party.search_text` without reading every
row. PostgreSQL: a pg_trgm GIN index, which `LIKE '%word%'` uses by itself. SQLite: an FTS5
table with the trigram tokenizer, kept in step with parties_party by triggers.

SQLite drops a table's triggers when a migration rebuilds the table (how it alters most
columns), so after every `migrate` the triggers are put back and, if any was missing, the index
is rebuilt from the table.
"""

import sqlite3

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.signals import post_migrate
from django.dispatch import receiver

SQLITE_TABLE = "parties_party_search"
# Trigram matching needs at least three characters; shorter words are matched without the index.
MIN_INDEXED_LENGTH = 3

SQLITE_TRIGGERS = {
    "parties_party_search_insert": """
        CREATE TRIGGER IF NOT EXISTS parties_party_search_insert AFTER INSERT ON parties_party BEGIN
          INSERT INTO parties_party_search(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "parties_party_search_delete": """
        CREATE TRIGGER IF NOT EXISTS parties_party_search_delete AFTER DELETE ON parties_party BEGIN
          INSERT INTO parties_party_search(parties_party_search, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        END""",
    "parties_party_search_update": """
        CREATE TRIGGER IF NOT EXISTS parties_party_search_update AFTER UPDATE OF search_text ON parties_party
        BEGIN
          INSERT INTO parties_party_search(parties_party_search, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
          INSERT INTO parties_party_search(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS parties_party_search USING fts5("
    "search_text, content='parties_party', content_rowid='id', tokenize='trigram')"
)
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS parties_party_search",
]
# The ids of parties whose search text matches an FTS5 expression (see sqlite_match_expression).
SQLITE_MATCHING_IDS = "SELECT rowid FROM parties_party_search WHERE parties_party_search MATCH %s"

POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS party_search_trgm_idx ON parties_party USING gin (search_text gin_trgm_ops)",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS party_search_trgm_idx"]


def create(connection: BaseDatabaseWrapper) -> None:
    """Create the index for the connection's database and fill it (idempotent)."""
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 34):
        raise ImproperlyConfigured(
            f"Tandem needs SQLite 3.34 or newer (FTS5 trigram search); this Python has {sqlite3.sqlite_version}."
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in POSTGRES_CREATE:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_CREATE)
            ensure_sqlite_triggers(connection, rebuild=True)


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}.get(connection.vendor, []):
            cursor.execute(statement)


def ensure_sqlite_triggers(connection: BaseDatabaseWrapper, *, rebuild: bool = False) -> bool:
    """Put back missing triggers; if any was missing (or `rebuild`), refill the index from the
    table. Returns whether a trigger was missing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'parties_party'"
        )
        missing = set(SQLITE_TRIGGERS) - {name for (name,) in cursor.fetchall()}
        for name in sorted(missing):
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing or rebuild:
            cursor.execute("INSERT INTO parties_party_search(parties_party_search) VALUES ('rebuild')")
    return bool(missing)


def sqlite_match_expression(words: list[str]) -> str:
    """An FTS5 query matching text that contains every word as a substring."""
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in words)


@receiver(post_migrate, dispatch_uid="tandem.parties.search_index")
def _repair_after_migrate(sender, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if getattr(sender, "label", None) != "parties" or connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [SQLITE_TABLE])
        exists = cursor.fetchone() is not None
    if exists:
        ensure_sqlite_triggers(connection)
