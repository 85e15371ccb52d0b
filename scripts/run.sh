#!/usr/bin/env bash
# One entry point for a fresh machine: sets up .venv (once) and runs the demo, the tests or the wheel check.
#   bash scripts/run.sh demo      render the shipped examples offline
#   bash scripts/run.sh test      lint (ruff), type-check (mypy) and run the test suite (fails when no test ran)
#   bash scripts/run.sh wheel     build the wheel, install it without extras in a fresh venv, run the demo there
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${HYBRIDNLG_VENV:-.venv}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
  fi
  # A stamp of the install inputs: reinstall only when they change.
  stamp="$VENV/.hybridnlg-installed"
  want=$(cat pyproject.toml scripts/run.sh | sha256sum | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # The CPU build of torch 2.13.0 lies on this workplace's disk; an unpinned torch would pull a CUDA build.
    "$VENV/bin/python" -m pip install -q "torch==2.13.0"
    "$VENV/bin/python" -m pip install -q -e ".[all,test]"
    echo "$want" > "$stamp"
  fi
}

# The playground's browser test drives Debian's Chromium through Playwright (which downloads no browser here). Best
# effort and quiet: only where apt-get exists, Chromium is missing and we are root (or have password-less sudo).
setup_browser() {
  command -v apt-get >/dev/null 2>&1 || return 0
  command -v chromium >/dev/null 2>&1 && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else return 0; fi
  fi
  { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
    >/dev/null 2>&1 || echo "note: could not install chromium; the playground's browser test will be skipped" >&2
}

case "${1:-}" in
  demo)
    setup
    shift
    "$VENV/bin/hybridnlg" demo "$@"
    ;;
  test)
    setup
    setup_browser
    shift
    "$VENV/bin/ruff" check hybridnlg plugins tests benchmarks scripts examples templates
    "$VENV/bin/mypy" hybridnlg plugins
    set +e
    "$VENV/bin/python" -m pytest "$@"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then
      echo "error: pytest collected no tests" >&2
      exit 1
    fi
    exit "$rc"
    ;;
  wheel)
    setup
    bash scripts/wheel_smoke.sh "$VENV/bin/python"
    ;;
  *)
    echo "usage: bash scripts/run.sh demo|test|wheel [args...]" >&2
    exit 2
    ;;
esac
