"""The event log is append-only: the database itself refuses UPDATE and DELETE on it.

(TRUNCATE is left to the database owner; production should run the app under a role without
TRUNCATE on this table — see docs/operations.md.)"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER platform_eventrecord_no_update BEFORE UPDATE ON platform_eventrecord
       BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
    """CREATE TRIGGER platform_eventrecord_no_delete BEFORE DELETE ON platform_eventrecord
       BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS platform_eventrecord_no_update",
    "DROP TRIGGER IF EXISTS platform_eventrecord_no_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION tandem_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$""",
    """CREATE TRIGGER platform_eventrecord_append_only BEFORE UPDATE OR DELETE ON platform_eventrecord
       FOR EACH ROW EXECUTE FUNCTION tandem_refuse_change()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS platform_eventrecord_append_only ON platform_eventrecord",
    "DROP FUNCTION IF EXISTS tandem_refuse_change()",
]


def run(statements: dict[str, list[str]]):
    def operation(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return operation


class Migration(migrations.Migration):
    dependencies = [("platform", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
