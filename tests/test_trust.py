"""The trust model: a config from someone else runs no code and reads no file outside its folder, unless the engine
is built to trust it (`allow_plugin_files=True` / HYBRIDNLG_ALLOW_PLUGIN_FILES=1 for plugin files, `trusted=True` /
HYBRIDNLG_TRUSTED_CONFIG=1 for paths). Each attack is refused with an error that says what and how to allow it, and
works with the opt-in."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hybridnlg import ConfigError, Context, Engine, Failure, TemplateError
from tests.conftest import RunCli

SECRET = "TOP SECRET"
ALLOW_FILES = "HYBRIDNLG_ALLOW_PLUGIN_FILES"
TRUSTED = "HYBRIDNLG_TRUSTED_CONFIG"
HINT = "trusted=True"


@pytest.fixture(autouse=True)
def _no_opt_in_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_FILES, raising=False)
    monkeypatch.delenv(TRUSTED, raising=False)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, Path]:
    """A config folder `cfg` and, beside it, a folder `outside` holding secrets the config must not reach."""
    cfg, outside = tmp_path / "cfg", tmp_path / "outside"
    cfg.mkdir()
    outside.mkdir()
    (outside / "secret.j2").write_text(SECRET)
    (outside / "secret.txt").write_text(SECRET)
    return cfg, outside


def write_config(cfg: Path, text: str) -> Path:
    path = cfg / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# plugin files ---------------------------------------------------------------------------------------------------------

PLUGIN = (
    "from pathlib import Path\n"
    "from hybridnlg import hookimpl\n"
    "Path(__file__).with_name('ran.txt').write_text('the plugin file ran')\n"  # the side effect of an attack
    "@hookimpl\n"
    "def prepare_jinja2_environment(env, context):\n"
    "    env.filters['shout'] = lambda s: s.upper()\n"
)
PLUGIN_CONFIG = (
    "plugins: [evil.py]\nvalidators: {}\nsegments:\n"
    "  - {id: a, template: 'Hi {{ name }}.', facts: [name]}\n"
    "  - {id: b, template: \"{{ 'ok' | shout }}.\", facts: [loud]}\n"
)


def plugin_config(cfg: Path) -> Path:
    (cfg / "evil.py").write_text(PLUGIN)
    return write_config(cfg, PLUGIN_CONFIG)


def test_a_plugin_file_does_not_run_on_render_unless_allowed(site: tuple[Path, Path]) -> None:
    cfg, _ = site
    path = plugin_config(cfg)
    engine = Engine.from_config(path, entrypoints=False)
    assert engine.render({"name": "Ada"}).text == "Hi Ada."  # the other plugins still render
    assert not (cfg / "ran.txt").exists()
    info = next(i for i in engine.plugins.infos if i.name == "evil")
    assert info.status == "not allowed" and info.to_dict()["status"] == "not allowed" and info.hooks == []
    assert info.error and "not loaded: plugin files run only when allowed" in info.error
    assert "--allow-plugin-files" in info.error and f"{ALLOW_FILES}=1" in info.error
    assert any("plugin 'evil'" in p and "not loaded" in p for p in engine.check())

    allowed = Engine.from_config(path, entrypoints=False, allow_plugin_files=True)
    assert (cfg / "ran.txt").exists()
    assert allowed.render({"name": "Ada", "loud": 1}).text == "Hi Ada. OK."
    assert allowed.check() == []


def test_the_environment_allows_plugin_files_and_an_explicit_false_wins(
    site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, _ = site
    path = plugin_config(cfg)
    monkeypatch.setenv(ALLOW_FILES, "1")
    refused = Engine.from_config(path, entrypoints=False, allow_plugin_files=False)
    assert not (cfg / "ran.txt").exists() and any("not loaded" in p for p in refused.check())
    engine = Engine.from_config(path, entrypoints=False)
    assert (cfg / "ran.txt").exists() and engine.render({"name": "Ada", "loud": 1}).text == "Hi Ada. OK."


def test_a_plugin_file_does_not_run_on_check(site: tuple[Path, Path], run_cli: RunCli,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, _ = site
    path = plugin_config(cfg)
    assert any("not loaded" in p for p in Engine.from_config(path, entrypoints=False).check())
    done = run_cli("check", str(path))
    assert done.exit_code == 1
    assert "plugin 'evil'" in done.stderr and "plugin files run only when allowed" in done.stderr
    assert not (cfg / "ran.txt").exists()

    monkeypatch.setenv(ALLOW_FILES, "1")
    done = run_cli("check", str(path))
    assert done.exit_code == 0, done.stderr
    assert (cfg / "ran.txt").exists()


def test_objects_passed_in_python_are_trusted_as_before(site: tuple[Path, Path]) -> None:
    from hybridnlg.testing import plugin_of

    def prepare_jinja2_environment(env: Any, context: Context) -> None:
        env.filters["shout"] = lambda s: s.upper()

    config = {"validators": {}, "segments": [{"id": "a", "template": "{{ 'ok' | shout }}."}]}
    engine = Engine.from_config(config, plugins=[plugin_of(prepare_jinja2_environment=prepare_jinja2_environment)],
                                entrypoints=False, config_dir=site[0])
    assert engine.render({}).text == "OK."


# template folders ----------------------------------------------------------------------------------------------------


def folder_attacks(cfg: Path, outside: Path) -> dict[str, str]:
    """`templates:` value -> the template name that reaches the secret through it."""
    (cfg / "linked").symlink_to(outside, target_is_directory=True)
    return {
        "/": str(outside / "secret.j2").lstrip("/"),
        "..": "outside/secret.j2",
        "../outside": "secret.j2",
        str(outside): "secret.j2",
        "linked": "secret.j2",  # a folder inside the config's folder that is a link to one outside
    }


@pytest.mark.parametrize("attack", range(5))
def test_template_folders_outside_the_config_folder_are_refused(site: tuple[Path, Path], attack: int) -> None:
    cfg, outside = site
    folder, template = list(folder_attacks(cfg, outside).items())[attack]
    config = {"templates": folder, "validators": {}, "segments": [{"id": "a", "template": template}]}
    with pytest.raises(ConfigError) as info:
        Engine.from_config(config, config_dir=cfg, entrypoints=False)
    message = str(info.value)
    assert f"templates: {folder}" in message and f"outside the config's folder {cfg}" in message
    assert HINT in message and SECRET not in message

    trusted = Engine.from_config(config, config_dir=cfg, entrypoints=False, trusted=True)
    assert trusted.render({}).text == f"{SECRET}."


def test_a_config_file_without_trust_is_refused_by_hybridnlg_check(site: tuple[Path, Path], run_cli: RunCli) -> None:
    cfg, _ = site
    path = write_config(cfg, "templates: /\nvalidators: {}\nsegments:\n  - {id: a, template: etc/passwd.j2}\n")
    done = run_cli("check", str(path))
    assert done.exit_code == 1 and "templates: / is outside the config's folder" in done.stderr


def test_a_mapping_config_is_confined_to_the_working_directory(
    site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, outside = site
    (cfg / "tpl").mkdir()
    (cfg / "tpl" / "hi.j2").write_text("Hi.")
    monkeypatch.chdir(cfg)
    ok = {"templates": "tpl", "validators": {}, "segments": [{"id": "a", "template": "hi.j2"}]}
    assert Engine.from_config(ok, entrypoints=False).render({}).text == "Hi."
    bad = {"templates": str(outside), "validators": {}, "segments": [{"id": "a", "template": "secret.j2"}]}
    with pytest.raises(ConfigError, match="outside the config's folder"):
        Engine.from_config(bad, entrypoints=False)
    monkeypatch.setenv(TRUSTED, "1")  # the environment trusts it
    assert Engine.from_config(bad, entrypoints=False).render({}).text == f"{SECRET}."


# template files: links inside a template folder ----------------------------------------------------------------------


def link_targets(outside: Path) -> list[Path]:
    return [outside / "secret.j2", *([Path("/etc/passwd")] if Path("/etc/passwd").is_file() else [])]


@pytest.mark.parametrize("which", [0, 1])
def test_a_link_in_the_template_folder_to_a_file_outside_is_refused(site: tuple[Path, Path], which: int) -> None:
    cfg, outside = site
    targets = link_targets(outside)
    if which >= len(targets):
        pytest.skip("no /etc/passwd here")
    target = targets[which]
    content = target.read_text()
    tpl = cfg / "tpl"
    tpl.mkdir()
    (tpl / "evil.j2").symlink_to(target)
    config = {"templates": "tpl", "validators": {}, "segments": [{"id": "a", "template": "evil.j2"}]}
    engine = Engine.from_config(config, config_dir=cfg, entrypoints=False)
    problems = engine.check()
    assert len(problems) == 1 and f"(it leads to {target}) is outside its folder {tpl}" in problems[0], problems
    assert "segments[0] (id=a).template" in problems[0] and HINT in problems[0]
    with pytest.raises(TemplateError) as info:
        engine.render({})
    assert "is outside its folder" in str(info.value)
    assert content.splitlines()[0] not in str(info.value)

    trusted = Engine.from_config(config, config_dir=cfg, entrypoints=False, trusted=True)
    assert trusted.check() == []
    assert content.split()[0][1:8] in trusted.render({}).text  # (the first letter is capitalised)


@pytest.mark.parametrize("include", ["inc.txt", "sub/secret.txt"])
def test_an_include_of_a_linked_file_is_refused(site: tuple[Path, Path], include: str) -> None:
    cfg, outside = site
    tpl = cfg / "tpl"
    tpl.mkdir()
    (tpl / "inc.txt").symlink_to(outside / "secret.txt")
    (tpl / "sub").symlink_to(outside, target_is_directory=True)
    (tpl / "page.j2").write_text("Page: {% include '" + include + "' %}")
    config = {"templates": "tpl", "validators": {}, "segments": [{"id": "a", "template": "page.j2"}]}
    engine = Engine.from_config(config, config_dir=cfg, entrypoints=False)
    with pytest.raises(TemplateError) as info:
        engine.render({})
    assert info.value.segment == "a" and info.value.template == "page.j2"
    message = str(info.value)
    assert f"(it leads to {outside / 'secret.txt'}) is outside its folder {tpl}" in message and HINT in message
    assert SECRET not in message

    trusted = Engine.from_config(config, config_dir=cfg, entrypoints=False, trusted=True)
    assert trusted.render({}).text == f"Page: {SECRET}."


def test_links_that_stay_inside_the_folder_work(site: tuple[Path, Path]) -> None:
    cfg, _ = site
    tpl = cfg / "tpl"
    (tpl / "parts").mkdir(parents=True)
    (tpl / "parts" / "hi.txt").write_text("Hi {{ name }}")
    (tpl / "hi.j2").symlink_to(tpl / "parts" / "hi.txt")
    (tpl / "page.j2").write_text("{% include 'hi.j2' %}, {{ 'hello' | capfirst }}")
    config = {"templates": "tpl", "validators": {}, "segments": [{"id": "a", "template": "page.j2"}]}
    engine = Engine.from_config(config, config_dir=cfg, entrypoints=False)
    assert engine.check() == [] and engine.render({"name": "Ada"}).text == "Hi Ada, Hello."


# lexicon files -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ["absolute", "../outside/lex.yaml", "link.yaml"])
def test_lexicon_files_outside_the_config_folder_are_refused(site: tuple[Path, Path], attack: str) -> None:
    pytest.importorskip("spacy")
    cfg, outside = site
    (outside / "lex.yaml").write_text("priceRange:\n  cheap: [inexpensive]\n")
    (cfg / "link.yaml").symlink_to(outside / "lex.yaml")
    name = str(outside / "lex.yaml") if attack == "absolute" else attack
    config = {"segments": [{"id": "a", "template": "It is {{ priceRange }}.", "facts": ["priceRange"]}],
              "validators": {"spacy": {"model": "blank", "lexicon_files": [name]}}}
    engine = Engine.from_config(config, config_dir=cfg, entrypoints=False)
    problems = engine.check()
    assert any(f"lexicon_files: {name}" in p and f"outside the config's folder {cfg}" in p and HINT in p
               for p in problems), problems
    with pytest.raises(ConfigError, match="outside the config's folder"):
        engine.validators["spacy"].lexicon_data()
    result = engine.render({"priceRange": "cheap"}).segments[0]  # the validator cannot run: flagged, said why
    assert result.flagged and "outside the config's folder" in str(result.candidates[0].reports)

    trusted = Engine.from_config(config, config_dir=cfg, entrypoints=False, trusted=True)
    assert trusted.check() == []
    assert trusted.validators["spacy"].lexicon_data() == {"priceRange": {"cheap": ["inexpensive"]}}


@pytest.mark.parametrize("attack", ["absolute", "../outside/nlp", "linked"])
def test_spacy_pipeline_folders_outside_the_config_folder_are_refused(site: tuple[Path, Path], attack: str) -> None:
    spacy = pytest.importorskip("spacy")
    cfg, outside = site
    spacy.blank("en").to_disk(outside / "nlp")
    (cfg / "linked").symlink_to(outside / "nlp", target_is_directory=True)
    name = str(outside / "nlp") if attack == "absolute" else attack
    config = {"segments": [{"id": "a", "template": "It is {{ food }}.", "facts": ["food"]}],
              "validators": {"spacy": {"model": name}}}
    engine = Engine.from_config(config, config_dir=cfg, entrypoints=False)
    problems = engine.check()
    assert any(f"validators.spacy.model: {name}" in p and "outside the config's folder" in p and HINT in p
               for p in problems), problems
    result = engine.render({"food": "Thai"}).segments[0]
    assert result.flagged and "outside the config's folder" in str(result.candidates[0].reports)

    trusted = Engine.from_config(config, config_dir=cfg, entrypoints=False, trusted=True)
    assert trusted.check() == []
    assert not trusted.render({"food": "Thai"}).segments[0].flagged
    inside = Engine.from_config({**config, "validators": {"spacy": {"model": "nlp"}}}, config_dir=outside,
                                entrypoints=False)
    assert inside.check() == [] and inside.render({"food": "Thai"}).text == "It is Thai."


# GPT-2: prompt templates and local models ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    from gpt2_fixtures import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("gpt2") / "tiny")


def gpt2(cfg: Path, trusted: bool, **settings: Any) -> Any:
    from hybridnlg_gpt2.realizer import GPT2Realizer

    config = GPT2Realizer.Config(**{"max_new_tokens": 4, "local_files_only": True, **settings})
    return GPT2Realizer(config, Context.standalone(cfg, trusted=trusted))


@pytest.mark.parametrize("attack", ["link", "include", "cwd"])
def test_prompt_templates_outside_the_config_folder_are_refused(
    site: tuple[Path, Path], tiny_model: Path, attack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpt2_fixtures import segment

    from hybridnlg_gpt2.loading import load_model

    cfg, outside = site
    (outside / "prompt.j2").write_text(SECRET + " {{ data }}")
    if attack == "link":  # prompt.j2 beside the config is a link to a file outside
        (cfg / "prompt.j2").symlink_to(outside / "prompt.j2")
    elif attack == "include":
        (cfg / "secret.txt").symlink_to(outside / "secret.txt")
        (cfg / "prompt.j2").write_text("{% include 'secret.txt' %} {{ data }}")
    else:  # only in the working directory, which the prompt used to be looked up in too
        monkeypatch.chdir(outside)
    record = segment({"name": "Zizzi", "food": "Italian"})
    loaded = load_model(str(tiny_model), None, "cpu", "auto", True)  # the model is not what is tested here

    refused = gpt2(cfg, False, format="prompt", prompt="prompt.j2")
    [failure] = refused._inputs([record], loaded)
    assert isinstance(failure, Failure) and SECRET not in failure.reason
    if attack == "cwd":
        assert "TemplateNotFound" in failure.reason and f"(searched {cfg})" in failure.reason
    else:
        assert "outside its folder" in failure.reason and HINT in failure.reason, failure.reason

    trusted = gpt2(cfg, True, format="prompt", prompt="prompt.j2")
    [(text, _, fmt)] = trusted._inputs([record], loaded)
    assert fmt == "prompt" and text.startswith(SECRET)


@pytest.mark.parametrize("attack", ["absolute", "../outside/tiny", "linked", "cwd"])
def test_model_folders_outside_the_config_folder_are_refused(
    site: tuple[Path, Path], tiny_model: Path, attack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, outside = site
    (outside / "tiny").symlink_to(tiny_model, target_is_directory=True)
    (cfg / "linked").symlink_to(outside / "tiny", target_is_directory=True)
    name = {"absolute": str(outside / "tiny"), "cwd": "tiny"}.get(attack, attack)
    if attack == "cwd":  # a name that looks like a hub id, which transformers would load from the working directory
        monkeypatch.chdir(outside)
    refused = gpt2(cfg, False, model=name)
    [problem] = refused.check()
    assert "is outside the config's folder" in problem and HINT in problem and refused.model is None
    assert f"model: {name}" in problem or f"model {name!r}" in problem

    trusted = gpt2(cfg, True, model=name)
    assert trusted.check() == [] and trusted.model is not None


def test_shipped_and_hub_names_are_always_allowed(site: tuple[Path, Path]) -> None:
    pytest.importorskip("transformers")
    from hybridnlg_gpt2.loading import resolve, short_names

    cfg, _ = site
    context = Context.standalone(cfg, trusted=False)
    for name, folder in short_names().items():
        assert resolve(name, None, context)[0] == str(folder)
    assert resolve("openai-community/gpt2", None, context)[0] == "openai-community/gpt2"
    assert os.path.isdir(Path(__file__).parent.parent / "plugins" / "hybridnlg_template" / "shipped")
    config = {"validators": {}, "segments": [{"id": "a", "template": "{% import 'nlg.j2' as nlg %}ok"}]}
    assert Engine.from_config(config, config_dir=cfg, entrypoints=False).render({}).text == "Ok."


def test_context_resolve_is_the_one_check(site: tuple[Path, Path]) -> None:
    cfg, outside = site
    context = Context.standalone(cfg)
    assert context.resolve("a/b.txt", "x") == cfg / "a" / "b.txt"
    assert context.resolve(".", "x") == cfg
    for bad in ("..", "../outside", str(outside), "~"):
        with pytest.raises(ConfigError, match=r"^x: .* is outside the config's folder"):
            context.resolve(bad, "x")
    assert Context.standalone(cfg, trusted=True).resolve(str(outside), "x") == outside


def test_the_cli_flags_opt_in_and_reach_the_engine(tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HYBRIDNLG_ALLOW_PLUGIN_FILES", "HYBRIDNLG_TRUSTED_CONFIG"):
        monkeypatch.setenv(name, "0")  # restored after the test, whatever the CLI flags set
    (tmp_path / "shout.py").write_text("from hybridnlg import hookimpl\n@hookimpl\n"
                                       "def prepare_jinja2_environment(env):\n    env.filters['shout'] = str.upper\n")
    (tmp_path / "c.yaml").write_text("validators: {}\nplugins: [shout.py]\nsegments:\n  - {id: a, template: '{{ name | shout }}'}\n")
    (tmp_path / "r.json").write_text('{"name": "ada"}')
    refused = run_cli("render", str(tmp_path / "c.yaml"), str(tmp_path / "r.json"))
    assert refused.exit_code == 1 and "No filter named 'shout'" in refused.stderr
    allowed = run_cli("render", str(tmp_path / "c.yaml"), str(tmp_path / "r.json"), "--allow-plugin-files")
    assert allowed.exit_code == 0 and allowed.stdout.strip() == "ADA."


def test_ray_actors_get_the_drivers_trust_not_the_clusters(site: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """An actor on a cluster sees the cluster's environment, not the driver's flags: run_ray hands them over."""
    from hybridnlg.runtime.batch import RenderOptions
    from hybridnlg.runtime.ray_runner import RenderActor

    cfg, outside = site
    config = write_config(cfg, f"templates: {outside}\nvalidators: {{}}\nsegments:\n  - {{id: a, template: secret.j2}}\n")
    monkeypatch.setenv(TRUSTED, "1")  # the cluster's environment
    monkeypatch.setenv(ALLOW_FILES, "1")
    with pytest.raises(ConfigError, match="outside the config's folder"):
        RenderActor(str(config), RenderOptions())
    (cfg / "ok.j2").write_text("Fine.")
    inside = cfg / "inside.yaml"
    inside.write_text("validators: {}\nsegments:\n  - {id: a, template: ok.j2}\n")
    assert not RenderActor(str(inside), RenderOptions()).engine.allow_plugin_files

    monkeypatch.delenv(TRUSTED)
    trusted = RenderActor(str(config), RenderOptions(), trusted=True)
    batch = {"index": [0], "raw": [b"{}"], "path": ["in.jsonl"]}
    assert json.loads(trusted(batch)["json"][0])["text"] == SECRET + "."
