"""The shipped template packs (one folder per domain), installed as package data: `hybridnlg demo` renders them."""

from pathlib import Path

PACKS = Path(__file__).resolve().parent
