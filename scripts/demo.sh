#!/usr/bin/env bash
# The demo: import the bundled sample of real mirror files about China's chip industry
# (samples/chips-sample.tar.gz, built by scripts/make_sample.py) into a fresh archive
# ./demo/newsarchive.db, print the import summary, the stats and the stories found,
# then serve the web app over it and print its URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f demo/newsarchive.db demo/newsarchive.db-wal demo/newsarchive.db-shm
mkdir -p demo
.venv/bin/newsarchive import --db demo/newsarchive.db samples/chips-sample.tar.gz
.venv/bin/newsarchive stats --db demo/newsarchive.db
# Stories and duplicates over the sample, then the web app over it (Ctrl-C stops it).
.venv/bin/newsarchive stories --db demo/newsarchive.db --limit 8
exec .venv/bin/newsarchive serve --db demo/newsarchive.db --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
