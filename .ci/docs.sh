#!/usr/bin/env bash
# Docs, notebooks and the report as a user sees it. Usage: .ci/docs.sh /path/to/venv/bin/python
#   1. install the docs/notebook tools into that venv (and Debian chromium when missing)
#   2. mkdocs build --strict (API reference from the docstrings)
#   3. the markdown guides as doctests
#   4. every notebook executed (nbmake)
#   5. the HTML report rendered by headless Chromium (tests/report/test_report_browser.py)
set -euo pipefail
PY="${1:?usage: .ci/docs.sh /path/to/venv/bin/python}"
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 NO_MKDOCS_2_WARNING=1
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
started=$SECONDS
step() { echo "=== docs: $* ($((SECONDS - started)) s)"; }

step "install mkdocs-material, mkdocstrings, nbmake"
"$PY" -m pip install -q "mkdocs-material>=9.5" "mkdocstrings[python]>=0.26" \
  "nbmake>=1.5" "nbformat>=5.9" "nbclient>=0.10" "ipykernel>=6.29" "matplotlib>=3.7"

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
   && ! command -v google-chrome >/dev/null 2>&1; then
  step "install chromium"
  SUDO=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium; } >/dev/null 2>&1; then
    echo "WARNING: could not install chromium; the browser test will be skipped" >&2
  fi
fi

step "mkdocs build --strict"
"$PY" -m mkdocs build --strict -q --site-dir "$OUT/site"

# doctest flags: DataFrame reprs carry trailing spaces; long error messages end in "..."
FLAGS=(-p no:cacheprovider -o "doctest_optionflags=NORMALIZE_WHITESPACE ELLIPSIS")

step "markdown guides as doctests"
"$PY" -m pytest -q "${FLAGS[@]}" --doctest-glob="*.md" docs/

step "notebooks (nbmake)"
# the notebooks draw inline; CI's MPLBACKEND=Agg would only hide the figures
env -u MPLBACKEND "$PY" -m pytest -q -p no:cacheprovider --nbmake --nbmake-timeout=600 notebooks/

step "report in headless Chromium"
MPLBACKEND=Agg "$PY" -m pytest -q -p no:cacheprovider -rs tests/report/test_report_browser.py
step "done"
