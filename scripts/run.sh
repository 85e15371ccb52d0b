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

case "${1:-}" in
  demo)
    setup
    shift
    "$VENV/bin/hybridnlg" demo "$@"
    ;;
  test)
    setup
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
