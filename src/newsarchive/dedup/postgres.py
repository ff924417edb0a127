"""SQL of the dedup stage that only PostgreSQL speaks (see `newsarchive.dedup.sqlite`)."""

# A read snapshot for the story pass: READ COMMITTED (the default) would see commits
# made between its statements; REPEATABLE READ sees one snapshot for the whole
# transaction, and READ ONLY says it takes no locks a writer could wait for.
READ_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
