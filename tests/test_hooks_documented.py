"""Every hook spec is tested and documented: adding a hook without both fails here."""

from __future__ import annotations

import inspect

from hybridnlg import hookspecs
from tests.conftest import ROOT

HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "hybridnlg_spec")]


def test_there_are_hooks() -> None:
    assert len(HOOKS) >= 8


def test_every_hook_has_a_test() -> None:
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py") if p.name != "test_hooks_documented.py")
    untested = [hook for hook in HOOKS if hook not in tests]
    assert not untested, f"hooks without a test: {untested}"


def test_every_hook_is_in_the_readme_with_its_signature() -> None:
    readme = (ROOT / "README.md").read_text()
    for hook in HOOKS:
        params = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
        assert f"{hook}({params})" in readme, f"README lacks `{hook}({params})`"


def test_every_hook_has_a_docstring_with_each_argument() -> None:
    for hook in HOOKS:
        fn = getattr(hookspecs, hook)
        doc = inspect.getdoc(fn) or ""
        for param in inspect.signature(fn).parameters:
            assert f"{param}:" in doc, f"{hook} docstring lacks '{param}:'"
        assert "Stops at the first" in doc or "All implementations" in doc
