"""A substring index on Party.search_text: pg_trgm GIN on PostgreSQL, an FTS5 trigram table
kept by triggers on SQLite (see tandem/parties/search_index.py)."""

from django.db import migrations

from tandem.parties import search_index


def create(apps, schema_editor):
    search_index.create(schema_editor.connection)


def drop(apps, schema_editor):
    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("parties", "0002_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
