#!/usr/bin/env bash
# Reproduces the shipped checkpoint plugins/hybridnlg_gpt2/checkpoints/e2e-small (about 35 minutes on 2 CPU cores).
# `hybridnlg train ...` takes the same options once the core CLI is installed. Every option is a field of
# hybridnlg_gpt2.train.TrainSettings (same name, - for _); the library call is train(TrainSettings(...)).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${E2E_DATA:-../shared/data/e2e}"
python -m hybridnlg_gpt2.train \
  --pairs "$DATA/train-cleaned.csv" \
  --dev "$DATA/dev-cleaned.csv" \
  --base scratch:small \
  --out plugins/hybridnlg_gpt2/checkpoints/e2e-small \
  --format data \
  --epochs 20 --lr 1e-3 --batch-size 32 --warmup 300 \
  --max-minutes 35 --seed 42 --threads 2 \
  --verbatim name,near --vocab-size 2000 --save-dtype float16
