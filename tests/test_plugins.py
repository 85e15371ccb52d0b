from __future__ import annotations

import json
from pathlib import Path

import pytest

from hybridnlg import Engine, HybridNLGError
from hybridnlg.plugins import DEFAULT_PLUGINS, build_plugins
from hybridnlg.testing import FakeRealizer, make_engine, plugin_of

SEGMENTS = [{"id": "a", "template": "Hi {{ name }}.", "facts": ["name"]}]


def test_builtins_are_registered_as_plugins() -> None:
    plugins = build_plugins(entrypoints=False)
    names = {info.name for info in plugins.infos if not info.error}
    assert {"core", "template"} <= names
    assert [name for name, _ in DEFAULT_PLUGINS][:2] == ["core", "template"]


def test_plugin_file_named_in_config_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "shout.py").write_text(
        "from hybridnlg import hookimpl\n"
        "@hookimpl\n"
        "def prepare_jinja2_environment(env, engine):\n"
        "    env.filters['shout'] = lambda s: s.upper()\n"
    )
    engine = make_engine({"plugins": ["shout.py"], "validators": {},
                          "segments": [{"id": "a", "template": "{{ 'hi' | shout }}"}]}, config_dir=tmp_path)
    assert engine.render({}).text == "HI."


def test_broken_plugin_file_is_reported_by_name_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("raise ImportError('missing dependency frobnicate')\n")
    (tmp_path / "typo.py").write_text("from hybridnlg import hookimpl\n@hookimpl\ndef register_realiser(register, engine):\n    pass\n")
    engine = make_engine({"plugins": ["broken.py", "typo.py", "missing.py"], "validators": {}, "segments": SEGMENTS},
                         config_dir=tmp_path)
    assert engine.render({"name": "Ada"}).text == "Hi Ada."
    problems = engine.check()
    assert any("plugin 'broken'" in p and "frobnicate" in p for p in problems)
    assert any("plugin 'typo'" in p and "register_realiser" in p for p in problems)  # check_pending caught it
    assert any("plugin 'missing'" in p and "not found" in p for p in problems)


def test_duplicate_realizer_names_are_rejected() -> None:
    class Other(FakeRealizer):
        name = "template"

    with pytest.raises(HybridNLGError, match="two plugins register a realizer named 'template'"):
        make_engine({"validators": {}, "segments": SEGMENTS}, plugin_of(Other))


def test_env_var_disables_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDNLG_NO_PLUGINS", "1")
    loaded = build_plugins()
    assert all(info.source != "entrypoint" for info in loaded.infos)
    monkeypatch.setenv("HYBRIDNLG_NO_PLUGINS", "0")
    sources = {info.name: info.source for info in build_plugins().infos}
    assert sources["template"] == "builtin"  # the entry point of a built-in is not loaded twice


def test_register_commands_hook_adds_cli_command_and_a_failing_one_is_reported() -> None:
    import click

    from hybridnlg.plugins import register_commands

    group = click.Group()

    def good(cli: click.Group) -> None:
        cli.add_command(click.Command("hello", callback=lambda: None))

    def bad(cli: click.Group) -> None:
        raise RuntimeError("no luck")

    plugins = build_plugins(extra=[plugin_of(register_commands=good), plugin_of(register_commands=bad)], entrypoints=False)
    problems = register_commands(plugins, group)
    assert "hello" in group.commands
    assert any("could not add its commands" in p and "no luck" in p for p in problems)


def test_plan_content_and_refine_plan_and_assemble_document_can_be_replaced() -> None:
    from hybridnlg.pipeline.plan import Plan
    from hybridnlg.types import Segment

    def plan_content(record, index, config, engine):  # noqa: ANN001
        seg = Segment("custom", "custom", index, {}, {"name": record["name"]}, template="Custom {{ name }}.")
        return Plan(index, record, [seg])

    def refine_plan(plan, engine):  # noqa: ANN001
        return plan.with_segments(plan.segments * 2)

    def assemble_document(plan, results, engine):  # noqa: ANN001
        text = " | ".join(r.text for r in results)
        return {"text": text, "markdown": text, "html": text}

    engine = make_engine({"validators": {}, "segments": SEGMENTS},
                         plugin_of(plan_content=plan_content, refine_plan=refine_plan, assemble_document=assemble_document))
    assert engine.render({"name": "Ada"}).text == "Custom Ada. | Custom Ada."


def test_select_realizer_can_be_replaced() -> None:
    from hybridnlg.pipeline.router import Route

    def select_realizer(segment, available, engine):  # noqa: ANN001
        return Route(realizers=["fake"], fallback=[])

    engine = make_engine({"validators": {}, "segments": SEGMENTS, "realizers": {"fake": {"texts": ["{name}!"]}}},
                         plugin_of(FakeRealizer, select_realizer=select_realizer))
    assert engine.render({"name": "Ada"}).segments[0].realizer == "fake"


def test_register_realizers_hook_makes_a_realizer_selectable_by_name() -> None:
    engine = make_engine({"validators": {}, "segments": [{**SEGMENTS[0], "realizer": "fake"}],
                          "realizers": {"fake": {"texts": ["{name} here"]}}}, plugin_of(FakeRealizer))
    assert engine.render({"name": "Ada"}).text == "Ada here."
    assert engine.get_realizer("fake").loaded


def test_register_validators_hook() -> None:
    from hybridnlg.testing import FakeValidator

    engine = make_engine({"segments": SEGMENTS}, plugin_of(FakeValidator))
    assert "fake" in engine.validators
    trace = engine.render({"name": "Ada"}).to_dict()["segments"][0]["candidates"][0]
    assert [r["validator"] for r in trace["reports"]] == list(engine.validators)


def test_engine_from_mapping_and_json_roundtrip(tmp_path: Path) -> None:
    engine = Engine.from_config({"validators": {}, "segments": SEGMENTS}, entrypoints=False)
    assert json.loads(engine.render({"name": "Ada"}, format="json").text)["text"] == "Hi Ada."
