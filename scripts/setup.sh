#!/usr/bin/env bash
# Create ./.venv with newsarchive and its dependencies (idempotent; re-run after pulls).
# Usage: source-free; other scripts call it. Set NEWSARCHIVE_EXTRAS to add extras.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.newsarchive-installed
extras=${NEWSARCHIVE_EXTRAS:-dev}
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$(cat "$stamp")" != "$extras" ]; then
  # The machine's pip is old; trafilatura's optional lxml_html_clean needs a new one.
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$extras" > "$stamp"
fi
