from __future__ import annotations

import re
from pathlib import Path

import pytest

from hybridnlg import TemplateError
from hybridnlg.testing import make_engine


def engine_with(tpl_dir: Path, segments: list[dict], **extra: object):
    # the config's folder is the folder above tpl_dir: a template folder must lie inside it
    return make_engine({"templates": str(tpl_dir), "segments": segments, "validators": {}, **extra},
                       config_dir=tpl_dir.parent)


def test_missing_field_names_field_segment_template_and_line(tpl_dir: Path) -> None:
    (tpl_dir / "intro.j2").write_text("{{ name }} is here.\n{% if True %}\nIt serves {{ food }}.\n{% endif %}\n")
    engine = engine_with(tpl_dir, [{"id": "intro", "template": "intro.j2", "facts": ["name"]}])
    with pytest.raises(TemplateError) as info:
        engine.render({"name": "The Eagle"}, )
    error = info.value
    assert (error.field, error.segment, error.template, error.line) == ("food", "intro", "intro.j2", 3)
    assert "'food' is undefined" in str(error) and "intro.j2 line 3" in str(error)


def test_sandbox_blocks_attribute_walking(tpl_dir: Path) -> None:
    engine = engine_with(tpl_dir, [{"id": "evil", "template": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}])
    with pytest.raises(TemplateError) as info:
        engine.render({})
    assert "sandbox" in str(info.value) or "unsafe" in str(info.value)


def test_user_folder_overrides_shipped_templates(tpl_dir: Path) -> None:
    engine = engine_with(tpl_dir, [{"id": "a", "template": "{% from 'nlg.j2' import clause_list %}{{ clause_list(['x', '', 'y']) }}"}])
    assert engine.render({}).text == "X and y."
    (tpl_dir / "nlg.j2").write_text("{% macro clause_list(c) %}mine{% endmacro %}")
    engine = engine_with(tpl_dir, [{"id": "a", "template": "{% from 'nlg.j2' import clause_list %}{{ clause_list([]) }}"}])
    assert engine.render({}).text == "Mine."


def test_templates_are_compiled_once(tpl_dir: Path) -> None:
    (tpl_dir / "a.j2").write_text("A {{ n }}.")
    engine = engine_with(tpl_dir, [{"id": "a", "template": "a.j2", "facts": ["n"]}])
    realizer = engine.get_realizer("template")
    first = realizer.template("a.j2")
    list(engine.render_many([{"n": i} for i in range(5)]))
    assert realizer.template("a.j2") is first


def test_missing_template_file_lists_searched_folders(tpl_dir: Path) -> None:
    engine = engine_with(tpl_dir, [{"id": "a", "template": "nope.j2"}])
    problems = engine.check()
    assert any("nope.j2" in p and str(tpl_dir) in p and "shipped" in p for p in problems)


def test_syntax_error_is_reported_by_check_with_line(tpl_dir: Path) -> None:
    (tpl_dir / "bad.j2").write_text("ok\n{% if %}\n")
    engine = engine_with(tpl_dir, [{"id": "a", "template": "bad.j2"}])
    assert any("bad.j2 line 2" in p for p in engine.check())


def test_output_size_limit(tpl_dir: Path) -> None:
    engine = engine_with(tpl_dir, [{"id": "a", "template": "{{ 'x' * 50 }}"}],
                         realizers={"template": {"max_output_chars": 10}})
    with pytest.raises(TemplateError, match="max_output_chars"):
        engine.render({})


def test_prepare_jinja2_environment_hook_adds_filters(tpl_dir: Path) -> None:
    from hybridnlg.testing import plugin_of

    def prepare_jinja2_environment(env):
        env.filters["shout"] = lambda s: s.upper() + "!"

    plugin = plugin_of(prepare_jinja2_environment=prepare_jinja2_environment)
    engine = make_engine({"validators": {}, "segments": [{"id": "a", "template": "{{ 'hi' | shout }}"}]}, plugin)
    assert engine.render({}).text == "HI!"


@pytest.mark.parametrize(("value", "message"), [
    (["pub"], "a list was printed as it is (['pub'])"), ({"a": 1}, "a dict was printed as it is"),
    (float("nan"), "the number nan was printed"), (float("inf"), "the number inf was printed"),
])
def test_containers_and_non_finite_numbers_are_never_printed_as_python_reprs(value: object, message: str) -> None:
    engine = make_engine({"validators": {}, "segments": [{"id": "a", "template": "It is a {{ kind }}."}]})
    with pytest.raises(TemplateError, match=re.escape(message)):
        engine.render({"kind": value})
    assert engine.render({"kind": "pub"}).text == "It is a pub."


def test_a_template_name_with_a_typo_in_its_suffix_is_not_rendered_as_text() -> None:
    engine = make_engine({"validators": {}, "segments": [{"id": "a", "template": "wind.jj2"}]})
    with pytest.raises(TemplateError, match=r"template 'wind.jj2' not found.*looks like a file name"):
        engine.render({})
    assert make_engine({"validators": {}, "segments": [{"id": "a", "template": "e.g."}]}).render({}).text == "E.g."
