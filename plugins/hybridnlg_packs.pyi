# Type stub for the `hybridnlg_packs` package, whose source is templates/__init__.py: pyproject's package-dir maps the
# folder to that name on install, a mapping mypy cannot follow. Keep in step with templates/__init__.py.
from pathlib import Path

PACKS: Path
