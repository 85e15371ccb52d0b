"""One bad record never harms another: its failure is a typed error for that record alone (issue 13, part 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hybridnlg import DataError, Engine, HybridNLGError, Report
from hybridnlg.runtime.batch import read_jsonl, run_batch
from hybridnlg.testing import make_engine
from tests.conftest import RunCli

GOOD = [{"name": "Ada", "price": 12, "units": 5, "units_prev": 4}, {"name": "Bo", "price": 3, "units": 9, "units_prev": 9}]


def engine(tmp_path: Path) -> Engine:
    (tmp_path / "loop.j2").write_text("{% include 'loop.j2' %}")
    return make_engine({
        "templates": str(tmp_path), "validators": {},
        "segments": [
            {"id": "price", "template": "{{ name }} costs {{ price }}.", "facts": ["name", "price"], "when": "price > 10"},
            {"id": "trend", "template": "Units changed by {{ change }}%.", "facts": ["change"],
             "compute": {"change": {"op": "percent_change", "of": ["units", "units_prev"]}}},
            {"id": "loop", "template": "loop.j2", "when": "recursive is defined"},
        ],
    }, config_dir=tmp_path)


POISON: list[tuple[dict[str, Any], str]] = [
    ({"name": "Cy", "price": "cheap", "units": 1, "units_prev": 1}, "cannot evaluate `price > 10`: TypeError"),
    ({"name": "Di", "price": 1, "units": 10**400, "units_prev": 1}, "'units' is too large to compute with"),
    ({"name": "Ed", "price": 1, "units": 1, "units_prev": 1, "recursive": True}, "RecursionError"),
]


def texts(outputs: list[Report | dict[str, Any]]) -> list[str | None]:
    return [o.text if isinstance(o, Report) else None for o in outputs]


def test_each_poisoned_record_is_its_own_typed_error_and_the_others_render_as_alone(tmp_path: Path) -> None:
    alone = texts(list(engine(tmp_path).render_many(GOOD)))
    for poison, message in POISON:
        outputs = list(engine(tmp_path).render_many([GOOD[0], poison, GOOD[1]], errors="record"))
        assert texts([outputs[0], outputs[2]]) == alone, message
        error = outputs[1]
        assert isinstance(error, dict) and error["index"] == 1, message
        assert error["error"]["type"] in {"DataError", "TemplateError"} and message in error["error"]["message"]


def test_render_raises_the_typed_error(tmp_path: Path) -> None:
    for poison, message in POISON:
        try:
            engine(tmp_path).render(poison)
        except DataError as exc:
            assert message in str(exc) and exc.record == 0
        else:
            raise AssertionError(f"no error for {message}")


def test_a_planner_bug_is_a_record_error_not_a_window_failure(tmp_path: Path) -> None:
    def plan_content(record):  # a plugin planner that only knows dicts with 'name'
        raise KeyError("boom") if "name" not in record else None

    from hybridnlg.testing import plugin_of

    broken = make_engine({"validators": {}, "segments": [{"id": "a", "template": "Hi {{ name }}."}]},
                         plugin_of(plan_content=plan_content))
    outputs = list(broken.render_many([{"name": "Ada"}, {}], errors="record"))
    assert isinstance(outputs[0], Report) and outputs[0].text == "Hi Ada."
    # the failing plugin was skipped and named; the built-in planner then planned the record, whose template failed
    assert isinstance(outputs[1], dict) and outputs[1]["error"]["type"] == "TemplateError"


def test_batch_writes_every_line_when_one_has_a_lone_surrogate(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [json.dumps(GOOD[0]), '{"name": "x\\ud800y", "price": 11, "units": 1, "units_prev": 1}',
             json.dumps(GOOD[1]), '{"name": "\\ud83d\\ude00", "price": 11, "units": 1, "units_prev": 1}']
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    counts = run_batch(engine(tmp_path), read_jsonl(source), out)
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert counts == {"ok": 3, "errors": 1, "skipped": 0, "flagged": 0, "dropped": 0, "left_out": 0}
    assert [w["index"] for w in written] == [0, 1, 2, 3]
    assert "lone surrogate" in written[1]["error"]["message"] and "in.jsonl:2" in written[1]["error"]["message"]
    assert written[3]["text"].startswith("😀 costs 11.")


def test_errors_are_hybridnlg_errors() -> None:
    assert issubclass(DataError, HybridNLGError)


def test_batch_refuses_outputs_that_would_destroy_something(tmp_path: Path, run_cli: RunCli) -> None:
    import os

    config = tmp_path / "c.yaml"
    config.write_text("validators: {}\nsegments:\n  - {id: a, template: 'Hi {{ name }}.'}\n")
    source = tmp_path / "in.jsonl"
    source.write_text('{"name": "Ada"}\n')
    os.mkfifo(tmp_path / "pipe")  # renaming over it would replace it; writing to it would block
    for out, message in ((source, "is the input file"), (tmp_path / "pipe", "is not a regular file"),
                         (tmp_path / "nowhere" / "out.jsonl", "does not exist; create it first")):
        done = run_cli("batch", str(config), str(source), "--out", str(out))
        assert done.exit_code == 1 and message in done.stderr and "Traceback" not in done.stderr, message
    assert source.read_text() == '{"name": "Ada"}\n'


def test_an_io_error_while_writing_is_one_line_naming_the_file(tmp_path: Path, monkeypatch: Any) -> None:
    import os

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "out.jsonl.partial"))

    monkeypatch.setattr(os, "replace", full)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD[0]) + "\n")
    try:
        run_batch(engine(tmp_path), read_jsonl(source), tmp_path / "out.jsonl")
    except HybridNLGError as exc:
        assert str(exc) == f"{tmp_path / 'out.jsonl.partial'}: No space left on device"
    else:
        raise AssertionError("no error")
    assert (tmp_path / "out.jsonl.partial").read_text().count("\n") == 1  # kept for --resume


@pytest.mark.slow
def test_batch_workers_die_with_their_parent(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    config = tmp_path / "c.yaml"
    config.write_text("validators: {}\nsegments:\n  - {id: a, template: 'Hi {{ name }}.'}\n")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"name": f"n{i}"}) + "\n" for i in range(2_000_000)))
    parent = subprocess.Popen([sys.executable, "-m", "hybridnlg.cli", "batch", str(config), str(source), "--out",
                               str(tmp_path / "out.jsonl"), "--workers", "2", "--window", "8"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[int] = []
    for _ in range(600):  # the pool starts once the engine is built
        found = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split()
        children = [int(pid) for pid in found]
        if len(children) >= 2:
            break
        time.sleep(0.1)
    assert children, "the workers never started"
    time.sleep(1.0)  # the workers are in their initializer or rendering
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    alive = children
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists()
                 and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
        time.sleep(0.2)
    assert not alive, f"workers {alive} outlived their parent"


def test_nothing_is_published_silently_and_strict_makes_it_an_error(tmp_path: Path, run_cli: RunCli) -> None:
    config = {"validators": {"fake": {"reject": ["bad"]}}, "decision": {"on_failure": "flag"},
              "segments": [{"id": "a", "template": "bad {{ name }}.", "facts": ["name"]},
                           {"id": "b", "template": "{{ rating }} stars.", "facts": ["rating"]}]}
    from hybridnlg.testing import FakeValidator, plugin_of

    engine = make_engine(config, plugin_of(FakeValidator))
    report = engine.render({"name": "Ada"})
    assert report.text == "Bad Ada." and report.flagged == ["a"] and report.left_out == ["b (none of rating)"]
    assert report.notes[-1] == "published flagged: a; left out for lack of data: b (none of rating)"
    assert report.to_output()["flagged"] == ["a"] and report.to_output()["left_out"] == ["b (none of rating)"]
    with pytest.raises(HybridNLGError, match=r"record 0 \(strict\): published flagged: a; left out"):
        engine.render({"name": "Ada"}, strict=True)
    strict = make_engine({**config, "strict": True}, plugin_of(FakeValidator))
    assert isinstance(list(strict.render_many([{"name": "Ada"}], errors="record"))[0], dict)


def test_the_cli_says_what_was_flagged_or_left_out(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "c.yaml").write_text("validators: {}\nsegments:\n  - {id: a, template: 'Hi {{ name }}.', facts: [name]}\n"
                                     "  - {id: b, template: '{{ rating }} stars.', facts: [rating]}\n")
    (tmp_path / "r.json").write_text('{"name": "Ada"}')
    done = run_cli("render", str(tmp_path / "c.yaml"), str(tmp_path / "r.json"))
    assert done.exit_code == 0 and done.stdout.strip() == "Hi Ada." and "left out for lack of data: b" in done.stderr
    strict = run_cli("render", str(tmp_path / "c.yaml"), str(tmp_path / "r.json"), "--strict")
    assert strict.exit_code == 1 and "(strict): left out for lack of data: b (none of rating)" in strict.stderr
    (tmp_path / "in.jsonl").write_text('{"name": "Ada"}\n{"name": "Bo", "rating": 4}\n')
    batch = run_cli("batch", str(tmp_path / "c.yaml"), str(tmp_path / "in.jsonl"), "--out", str(tmp_path / "o.jsonl"))
    assert batch.exit_code == 0 and "left out for lack of data: 1" in batch.stderr
    lines = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert lines[0]["left_out"] == ["b (none of rating)"] and "left_out" not in lines[1]


def test_a_line_over_the_limit_is_an_error_record_and_the_next_lines_are_read(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD[0]) + "\n" + json.dumps({"name": "x" * 5_000}) + "\n" + json.dumps(GOOD[1]) + "\n")
    rows = list(read_jsonl(source, max_line_bytes=1_000))
    assert [i for i, _ in rows] == [0, 1, 2]
    assert rows[0][1] == GOOD[0] and rows[2][1] == GOOD[1]
    assert isinstance(rows[1][1], HybridNLGError) and "in.jsonl:2: the line is over 1,000 bytes" in str(rows[1][1])


def test_a_failing_template_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A template that fails (here past its time limit) is not asked again as the flag fallback: once cost
    `timeout_s` twice over."""
    from hybridnlg_template.realizer import TemplateRealizer

    calls: list[str] = []
    original = TemplateRealizer.render_segment

    def counting(self: TemplateRealizer, segment: Any, variation: Any) -> str:
        calls.append(segment.id)
        return original(self, segment, variation)

    monkeypatch.setattr(TemplateRealizer, "render_segment", counting)
    loops = "{% for a in range(9999) %}{% for b in range(9999) %}{% endfor %}{% endfor %}"
    config = {"validators": {}, "realizers": {"template": {"timeout_s": 0.2}},
              "segments": [{"id": "slow", "template": loops}, {"id": "ok", "template": "Fine."}]}
    with pytest.raises(HybridNLGError, match="time limit"):
        make_engine(config).render({})
    assert calls.count("slow") == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_poisoned_lines_in_a_batch_change_nothing_in_the_good_ones(tmp_path: Path, workers: int) -> None:
    """Byte for byte: each good line is what it is in a batch of good lines only, with one process or several."""
    import yaml

    e = engine(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(e.config.model_dump(mode="json", by_alias=True, exclude_unset=True)))

    def run(records: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        source = tmp_path / f"{name}.jsonl"
        source.write_text("".join(json.dumps(r) + "\n" for r in records))
        run_batch(None if workers > 1 else e, read_jsonl(source), tmp_path / f"{name}.out", window=3,
                  workers=workers, config=str(config))
        return [json.loads(line) for line in (tmp_path / f"{name}.out").read_text().splitlines()]

    good = GOOD * 3
    mixed: list[dict[str, Any]] = []
    for i, record in enumerate(good):
        mixed += [record, POISON[i % len(POISON)][0]]
    clean, poisoned = run(good, "clean"), run(mixed, "mixed")
    assert len(poisoned) == len(mixed) and all("error" in line for line in poisoned[1::2])
    for line in [*clean, *poisoned]:
        line.pop("index")
    assert [json.dumps(line) for line in poisoned[0::2]] == [json.dumps(line) for line in clean]
