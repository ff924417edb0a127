#!/usr/bin/env bash
# The demo: import the bundled sample of real mirror files about China's chip industry
# (samples/chips-sample.tar.gz, built by scripts/make_sample.py) into a fresh archive
# ./demo/newsarchive.db, then print the import summary and the archive's stats.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -f demo/newsarchive.db demo/newsarchive.db-wal demo/newsarchive.db-shm
mkdir -p demo
.venv/bin/newsarchive import --db demo/newsarchive.db samples/chips-sample.tar.gz
.venv/bin/newsarchive stats --db demo/newsarchive.db
