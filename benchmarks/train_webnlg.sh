#!/usr/bin/env bash
# Reproduces the shipped checkpoint plugins/hybridnlg_gpt2/checkpoints/webnlg-small (about 50 minutes on 2 CPU
# cores; `--device cuda` on a GPU). Food, Monument and SportsTeam are held out of training so that benchmarks/webnlg_dev.py can
# measure categories the model never saw. The data (WebNLG 3.0, CC BY-NC-SA 4.0) is read from ../shared as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${WEBNLG_DATA:-../shared/data/webnlg}"
OUT="${1:-plugins/hybridnlg_gpt2/checkpoints/webnlg-small}"
python -m hybridnlg_gpt2.train \
  --pairs "$DATA/train.jsonl" \
  --dev "$DATA/dev.jsonl" \
  --hold-out Food,Monument,SportsTeam \
  --base scratch:small \
  --out "$OUT" \
  --format data \
  --epochs 20 --lr 1e-3 --batch-size 32 --warmup 300 \
  --max-minutes "${MAX_MINUTES:-50}" --seed 42 --threads 2 \
  --vocab-size 4000 --save-dtype float16
