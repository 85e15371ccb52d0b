#!/usr/bin/env bash
# The wheel works on its own: built, installed without extras into a fresh venv (no torch, transformers or spaCy),
# it renders the shipped packs and lists gpt2 and spacy as unavailable with the extra that brings them.
set -euo pipefail
python=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m build --wheel --outdir "$work/dist" . >/dev/null
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$work/dist"/hybridnlg-*.whl
cd "$work"
for module in torch transformers spacy; do
  if "$work/venv/bin/python" -c "import $module" 2>/dev/null; then
    echo "wheel smoke: $module is installed without an extra" >&2
    exit 1
  fi
done
"$work/venv/bin/hybridnlg" plugins --json > plugins.json
"$work/venv/bin/python" - <<'PY'
import json
rows = {row["name"]: row for row in json.load(open("plugins.json"))}
for name, extra in (("gpt2", "gpt2"), ("spacy", "spacy")):
    assert rows[name]["status"] == "unavailable", rows[name]
    assert f"hybridnlg[{extra}]" in rows[name]["error"], rows[name]
assert rows["template"]["status"] == "loaded", rows["template"]
PY
"$work/venv/bin/hybridnlg" demo > demo.txt
grep -q "Northwind" demo.txt
grep -q "e2e" demo.txt
echo "wheel smoke: ok (core install renders the packs; gpt2 and spacy unavailable with their extras)"
