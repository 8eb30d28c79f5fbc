from django.db import migrations

# News and parent meetings are on the diary's week too: their writes bump the class's version
# (news to the whole school: the school's), with the journal's trigger function (journal 0018).
WATCH = "\n".join(
    f"CREATE TRIGGER diary_touched_{event.lower()} AFTER {event} ON {table} REFERENCING {tables} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION journal_diary_touched('c', 'school_class_id');"
    for table in ("diary_news", "diary_parentmeeting")
    for event, tables in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    )
)
UNWATCH = "\n".join(
    f"DROP TRIGGER IF EXISTS diary_touched_{event} ON {table};"
    for table in ("diary_news", "diary_parentmeeting")
    for event in ("insert", "update", "delete")
)


class Migration(migrations.Migration):
    dependencies = [
        ("diary", "0006_people_without_constraints"),
        ("journal", "0018_diary_versions"),
    ]

    operations = [migrations.RunSQL(WATCH, UNWATCH)]
