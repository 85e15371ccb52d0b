from __future__ import annotations

import json
from pathlib import Path

import pytest

from hybridnlg import ConfigError, Engine
from hybridnlg.config import json_schema, read_config

MINIMAL = """\
templates: ./tpl
segments:
  - id: intro
    template: intro.j2
    facts: [name, eatType]
    when: "eatType is defined"
    realizer: template
"""


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_form_from_the_issue_renders(tmp_path: Path, tpl_dir: Path) -> None:
    (tpl_dir / "intro.j2").write_text("{{ name }} is a {{ eatType }}.")
    engine = Engine.from_config(write(tmp_path, MINIMAL), entrypoints=False)
    assert engine.render({"name": "The Eagle", "eatType": "pub"}).text == "The Eagle is a pub."
    assert engine.render({"name": "The Eagle"}).text == ""  # `when` false: nothing planned


def test_json_config_is_accepted(tmp_path: Path, tpl_dir: Path) -> None:
    (tpl_dir / "intro.j2").write_text("Hello {{ name }}.")
    config = {"templates": "./tpl", "segments": [{"id": "intro", "template": "intro.j2", "facts": ["name"]}]}
    path = write(tmp_path, json.dumps(config), "config.json")
    assert Engine.from_config(path, entrypoints=False).render({"name": "Ada"}).text == "Hello Ada."


def test_errors_name_file_line_location_and_alternatives(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "segments:\n  - id: intro\n    template: x.j2\n    realiser: template\noutput:\n  format: pdf\n",
    )
    with pytest.raises(ConfigError) as info:
        read_config(path)
    problems = info.value.problems
    assert f"{path}:4: segments[0] (id=intro).realiser: Extra inputs are not permitted (unknown key: did you mean 'realizer'?)" in problems
    assert any(p.startswith(f"{path}:6: output.format") and "'markdown'" in p for p in problems)
    assert len(problems) == 2  # every problem at once


def test_unknown_realizer_lists_available(tmp_path: Path) -> None:
    path = write(tmp_path, "segments:\n  - id: a\n    template: 'x'\n    realizer: gtp2\n")
    with pytest.raises(ConfigError) as info:
        Engine.from_config(path, entrypoints=False)
    assert "No realizer named 'gtp2'. Available:" in str(info.value)
    assert "template" in str(info.value)


def test_unknown_realizer_settings_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "segments:\n  - id: a\n    template: 'x'\nrealizers:\n  template:\n    trim: true\n")
    with pytest.raises(ConfigError) as info:
        Engine.from_config(path, entrypoints=False)
    assert "realizers.template.trim" in str(info.value)


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    path = write(tmp_path, "segments:\n  - id: a\n   template: [\n")
    with pytest.raises(ConfigError) as info:
        read_config(path)
    assert str(info.value).startswith(f"{path}:")
    assert "invalid YAML" in str(info.value)


def test_unknown_subject_and_duplicate_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "segments:\n  - {id: a, template: x, subject: shop}\n  - {id: a, template: y}\n")
    with pytest.raises(ConfigError) as info:
        read_config(path)
    assert "duplicate segment id 'a'" in str(info.value)


def test_schema_is_valid_json_schema_with_every_top_level_field() -> None:
    schema = json_schema()
    assert schema["additionalProperties"] is False
    for key in ("templates", "segments", "locale", "seed", "output", "document", "realizers", "validators",
                "decision", "routing", "entities", "plugins"):
        assert key in schema["properties"]


def test_lexicon_files_merge_and_unknown_slot_is_a_check_problem(tmp_path: Path) -> None:
    (tmp_path / "lex.yaml").write_text("priceRange:\n  cheap: [inexpensive]\ncolour:\n  red: [crimson]\n")
    path = write(
        tmp_path,
        "segments:\n  - {id: a, template: 'x {{ priceRange }}', facts: [priceRange]}\n"
        "validators:\n  spacy:\n    model: blank\n    lexicon_files: [lex.yaml]\n"
        "    lexicon:\n      priceRange:\n        high: [expensive]\n",
    )
    engine = Engine.from_config(path, entrypoints=False)
    assert engine.validators["spacy"].lexicon_data()["priceRange"] == {"cheap": ["inexpensive"], "high": ["expensive"]}
    problems = engine.check()
    assert any("lexicon.colour" in p and "priceRange" in p for p in problems)


def test_a_lexicon_in_the_core_config_says_where_it_moved(tmp_path: Path) -> None:
    path = write(tmp_path, "segments:\n  - {id: a, template: x}\nlexicon_files: [lex.yaml]\n")
    with pytest.raises(ConfigError, match=r"lexicon_files: .*moved: put it under `validators.spacy.lexicon_files`"):
        read_config(path)


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi")) + "segments: *i\n"


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    import time

    path = write(tmp_path, BOMB)
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="expands to more than 200,000 values through its aliases"):
        read_config(path)
    assert time.perf_counter() - started < 5  # 9**9 values were never built
    with pytest.raises(ConfigError, match="contains itself through an alias"):
        read_config(write(tmp_path, "a: &a [*a]\nsegments: [{id: x, template: y}]\n", "rec.yaml"))
    with pytest.raises(ConfigError, match="nested too deeply to read"):  # no alias at all: not "contains itself"
        read_config(write(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n", "deep.yaml"))
    shared = "segments: [{id: a, template: &t 'Hi {{ name }}.', facts: &f [name]}, {id: b, template: *t, facts: *f}]\n"
    config, _ = read_config(write(tmp_path, shared, "ok.yaml"))  # ordinary aliases are fine
    assert [s.template for s in config.segments] == ["Hi {{ name }}.", "Hi {{ name }}."]


def test_configs_and_lexicons_must_be_regular_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="/dev/zero: not a regular file"):
        read_config("/dev/zero")
    path = write(tmp_path, "segments: [{id: a, template: x}]\nvalidators: {spacy: {lexicon_files: [/dev/zero]}}\n")
    # trusted: /dev/zero is outside the config's folder (refused by tests/test_trust.py); here the file check is tested
    problems = Engine.from_config(path, entrypoints=False, trusted=True).check()
    assert any("lexicon_files: /dev/zero: not a regular file" in p for p in problems)
