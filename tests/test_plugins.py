from __future__ import annotations

import json
from pathlib import Path

import pytest

from hybridnlg import Candidate, Engine, HybridNLGError
from hybridnlg.plugins import DEFAULT_PLUGINS, build_plugins
from hybridnlg.testing import FakeRealizer, make_engine, plugin_of
from tests.conftest import ROOT

SEGMENTS = [{"id": "a", "template": "Hi {{ name }}.", "facts": ["name"]}]


def test_builtins_are_registered_as_plugins() -> None:
    plugins = build_plugins(entrypoints=False)
    names = {info.name for info in plugins.infos if not info.error}
    assert {"core", "template"} <= names
    assert [name for name, _ in DEFAULT_PLUGINS][:2] == ["core", "template"]


def test_plugin_file_named_in_config_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDNLG_ALLOW_PLUGIN_FILES", "1")  # plugin files run only when allowed (test_trust.py)
    (tmp_path / "shout.py").write_text(
        "from hybridnlg import hookimpl\n"
        "@hookimpl\n"
        "def prepare_jinja2_environment(env, context):\n"
        "    env.filters['shout'] = lambda s: s.upper()\n"
    )
    engine = make_engine({"plugins": ["shout.py"], "validators": {},
                          "segments": [{"id": "a", "template": "{{ 'hi' | shout }}"}]}, config_dir=tmp_path)
    assert engine.render({}).text == "HI."


def test_broken_plugin_file_is_reported_by_name_and_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDNLG_ALLOW_PLUGIN_FILES", "1")  # plugin files run only when allowed (test_trust.py)
    (tmp_path / "broken.py").write_text("raise ImportError('missing dependency frobnicate')\n")
    (tmp_path / "typo.py").write_text("from hybridnlg import hookimpl\n@hookimpl\ndef register_realiser(register):\n    pass\n")
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
    assert any("failed in register_commands" in p and "no luck" in p for p in problems)


def test_plan_content_and_refine_plan_and_assemble_document_can_be_replaced() -> None:
    from hybridnlg import Plan, Segment

    def plan_content(record, index, context):
        seg = Segment("custom", "custom", index, {}, {"name": record["name"]}, template="Custom {{ name }}.",
                      realizer=context.config.routing.default)
        return Plan(index, record, [seg])

    def refine_plan(plan, context):
        return plan.with_segments(plan.segments * 2)

    def assemble_document(plan, results, context):
        text = " | ".join(r.text for r in results)
        return {"text": text, "markdown": text, "html": text}

    engine = make_engine({"validators": {}, "segments": SEGMENTS},
                         plugin_of(plan_content=plan_content, refine_plan=refine_plan, assemble_document=assemble_document))
    assert engine.render({"name": "Ada"}).text == "Custom Ada. | Custom Ada."


def test_select_realizer_can_be_replaced() -> None:
    from hybridnlg import Route

    def select_realizer(segment, available, context):
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


def test_implementations_may_declare_fewer_arguments_than_the_spec() -> None:
    seen: list[str] = []

    def refine_plan(plan):
        seen.append(plan.segments[0].id)

    def select_realizer(segment):
        return None

    engine = make_engine({"validators": {}, "segments": SEGMENTS},
                         plugin_of(refine_plan=refine_plan, select_realizer=select_realizer))
    assert engine.render({"name": "Ada"}).text == "Hi Ada."
    assert seen == ["a"]


def test_planner_router_and_assembler_plugins_that_raise_are_skipped_and_named() -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("boom")

    hooks = {"plan_content": lambda record: boom(), "refine_plan": lambda plan: boom(),
             "select_realizer": lambda segment: boom(), "assemble_document": lambda plan: boom()}
    plugin = plugin_of(**hooks)
    engine = make_engine({"validators": {}, "segments": SEGMENTS}, plugin)
    report = engine.render({"name": "Ada"})
    assert report.text == "Hi Ada."  # the built-ins took over
    name = plugin.__name__  # type: ignore[attr-defined]
    for hook in ("plan_content", "refine_plan", "assemble_document"):
        assert any(f"plugin '{name}' failed in {hook}: RuntimeError: boom" in n for n in report.notes), hook
    assert any(f"plugin '{name}' failed in select_realizer" in n for n in report.segments[0].segment.notes)


def test_a_plugin_that_fails_to_register_is_reported_and_the_others_still_register() -> None:
    def register_realizers(register):
        raise RuntimeError("cannot register")

    engine = make_engine({"validators": {}, "segments": SEGMENTS}, plugin_of(register_realizers=register_realizers))
    assert "template" in engine.realizers
    assert any("failed in register_realizers" in p and "cannot register" in p for p in engine.check())


def test_a_plugin_with_missing_dependencies_is_unavailable_with_its_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDNLG_ALLOW_PLUGIN_FILES", "1")  # plugin files run only when allowed (test_trust.py)
    (tmp_path / "needs.py").write_text(
        "from hybridnlg import hookimpl, require\n"
        "require('no_such_module_xyz', extra='xyz')\n"
        "@hookimpl\ndef register_realizers(register):\n    raise AssertionError('never registered')\n"
    )
    engine = make_engine({"plugins": ["needs.py"], "validators": {},
                          "segments": [{**SEGMENTS[0], "fallback": []}]}, config_dir=tmp_path)
    info = next(i for i in engine.plugins.infos if i.name == "needs")
    assert info.status == "unavailable"
    assert info.to_dict()["error"] == "needs no_such_module_xyz: pip install 'hybridnlg[xyz]'"
    assert engine.check() == []  # unavailable is not broken


def test_naming_an_unavailable_realizer_says_which_extra_brings_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDNLG_ALLOW_PLUGIN_FILES", "1")  # plugin files run only when allowed (test_trust.py)
    (tmp_path / "needs.py").write_text("from hybridnlg import require\nrequire('no_such_module_xyz', extra='xyz')\n")
    with pytest.raises(HybridNLGError, match=r"realizer 'needs' is unavailable: .*pip install 'hybridnlg\[xyz\]'"):
        make_engine({"plugins": ["needs.py"], "validators": {}, "segments": [{**SEGMENTS[0], "realizer": "needs"}]},
                    config_dir=tmp_path)


def test_with_no_validator_available_only_safe_realizers_are_published() -> None:
    config = {"segments": [{**SEGMENTS[0], "realizer": "fake"}], "realizers": {"fake": {"texts": ["{name} rocks"]}}}
    engine = make_engine(config, plugin_of(FakeRealizer))
    engine.validators.clear()  # as on an installation without the spacy extra
    result = engine.render({"name": "Ada"}).segments[0]
    assert result.realizer == "template" and result.text == "Hi Ada." and result.flagged is False
    assert result.candidates[0].reports[0].issues[0].code == "unvalidated"
    assert any("validators: none is available" in p and "fake" in p for p in engine.check())
    opted_out = make_engine({**config, "validators": {}}, plugin_of(FakeRealizer))
    assert opted_out.render({"name": "Ada"}).text == "Ada rocks."
    assert any("turns validation off" in n and "fake" in n for n in opted_out.notices())


def test_routing_defaults_come_from_the_realizers_and_config_overrides_them() -> None:
    class Fluent(FakeRealizer):
        name = "fluent"
        auto = True
        priority = 5

    engine = make_engine({"validators": {}, "segments": SEGMENTS}, plugin_of(Fluent))
    auto, prefer = engine.config.routing.auto or [], engine.config.decision.prefer or []
    assert auto[0] == "fluent" and auto[-1] == "template" and "fake" not in auto  # gpt2 between them when installed
    assert engine.config.routing.fallback == ["template"] and engine.config.routing.default == "template"
    assert prefer[0] == "fluent" and prefer[-1] == "template"  # priorities 5, (gpt2 10,) 90
    custom = make_engine({"validators": {}, "segments": SEGMENTS, "routing": {"auto": ["template"]}}, plugin_of(Fluent))
    assert custom.config.routing.auto == ["template"]


def test_plugins_import_only_the_public_api() -> None:
    import ast

    offenders = []
    for path in (ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith("hybridnlg.")]
    assert not offenders, "plugins must import only `hybridnlg` (the public API): " + ", ".join(offenders)


def test_an_installed_entry_point_plugin_is_discovered_listed_and_selectable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a distribution's metadata on sys.path is what `pip install` leaves; nothing is installed into this environment
    dist = tmp_path / "hybridnlg_example-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hybridnlg-example\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[hybridnlg]\nexample = hybridnlg_example\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(ROOT / "plugins" / "hybridnlg-example"))
    monkeypatch.delenv("HYBRIDNLG_NO_PLUGINS", raising=False)
    from hybridnlg.inventory import plugin_inventory

    rows = {row["name"]: row for row in plugin_inventory()}
    assert rows["example"]["source"] == "entrypoint" and rows["example"]["version"] == "0.1.0"
    assert rows["example"]["registers"]["realizers"] == ["phrases"]
    engine = Engine.from_config({
        "entities": {"venue": {"name": "name"}},
        "segments": [{"id": "intro", "facts": ["name", "food", "area"], "subject": "venue", "realizer": "phrases",
                      "template": "{{ name }} is here."}],
        "realizers": {"phrases": {"phrases": {"food": "serves {value} food", "area": "is in the {value}"}}},
        "validators": {"spacy": {"model": "blank"}},
    })
    segment = engine.render({"name": "The Eagle", "food": "Italian", "area": "riverside"}).segments[0]
    assert segment.realizer == "phrases"
    assert segment.text == "The Eagle serves Italian food and is in the riverside."
    assert segment.candidates[0].reports, "the plugin's text was validated"


def test_register_hookspecs_lets_a_plugin_declare_a_hook_that_others_implement() -> None:
    from hybridnlg import Context, hookspec

    class Specs:
        @hookspec
        def describe_weather(self, city: str, context: Context) -> str | None:
            """A plugin's own hook."""

    class Reporter(FakeRealizer):
        name = "reporter"

        def realize(self, segments):
            return [[Candidate(self.name, " ".join(self.context.call_hook("describe_weather", city="Oslo",
                                                                            context=self.context)))] for _ in segments]

    def register_hookspecs(add):
        add(Specs)

    def describe_weather(city):
        return f"It rains in {city}."

    declaring = plugin_of(Reporter, register_hookspecs=register_hookspecs)
    engine = make_engine({"validators": {}, "segments": [{**SEGMENTS[0], "realizer": "reporter"}]},
                         declaring, plugin_of(describe_weather=describe_weather))
    assert engine.render({"name": "Ada"}).text == "It rains in Oslo."
