"""SQL of the dedup stage that only SQLite speaks (see `newsarchive.dedup.postgres`)."""

# A read snapshot for the story pass: in WAL mode a deferred transaction reads one
# snapshot from its first read to its COMMIT, and never blocks the writer.
READ_SNAPSHOT = "BEGIN"
