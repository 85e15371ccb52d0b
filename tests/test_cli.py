"""The command line: in this process through click's CliRunner (the `run_cli` fixture), and a few `slow` smoke tests
through a real subprocess, as users run it (`main()`, the real consoles, a fresh interpreter, worker processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PACKS, ROOT, RunCli

BUSINESS = PACKS / "business" / "config.yaml"
BUSINESS_RECORD = PACKS / "business" / "record.json"
BAD_REALIZER_CONFIG = "segments:\n  - id: a\n    template: x\n    realizer: gtp2\n"


def run_subprocess(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hybridnlg.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.slow
def test_command_line_renders_to_stdout_and_reports_errors_on_stderr(tmp_path: Path) -> None:
    done = run_subprocess("render", str(BUSINESS), str(BUSINESS_RECORD))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Northwind Traders Inc.: Q3 2026 results")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_REALIZER_CONFIG)
    done = run_subprocess("render", str(bad), str(BUSINESS_RECORD))
    assert done.returncode == 1 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert "No realizer named 'gtp2'. Available:" in done.stderr and "template" in done.stderr


def test_render_markdown_and_json(tmp_path: Path, run_cli: RunCli) -> None:
    done = run_cli("render", str(BUSINESS), str(BUSINESS_RECORD))
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("# Northwind Traders Inc.: Q3 2026 results")
    out = tmp_path / "r.json"
    done = run_cli("render", str(BUSINESS), str(BUSINESS_RECORD), "--format", "json", "--out", str(out), "--seed", "3")
    assert done.exit_code == 0, done.stderr
    data = json.loads(out.read_text())
    assert data["segments"][0]["candidates"][0]["realizer"] == "template"
    assert "revenue" in data["segments"][0]["facts"]


def test_render_bad_config_prints_location_without_traceback(tmp_path: Path, run_cli: RunCli) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_REALIZER_CONFIG)
    done = run_cli("render", str(bad), str(BUSINESS_RECORD))  # an uncaught exception would fail the test here
    assert done.exit_code == 1
    assert "Traceback" not in done.stderr
    assert "No realizer named 'gtp2'. Available:" in done.stderr and "template" in done.stderr


def test_render_missing_field_names_field_segment_and_line(tmp_path: Path, run_cli: RunCli) -> None:
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"company": "X", "quarter": "Q1", "revenue": 1, "revenue_prev": 2}))
    done = run_cli("render", str(BUSINESS), str(record))
    assert done.exit_code == 1 and "Traceback" not in done.stderr
    assert "segment 'summary'" in done.stderr and "'currency' is undefined" in done.stderr and "summary.j2 line 1" in done.stderr


def test_batch_writes_one_line_per_input_line(tmp_path: Path, run_cli: RunCli) -> None:
    good = json.loads(BUSINESS_RECORD.read_text())
    lines = [json.dumps(good), "{not json", json.dumps({**good, "revenue": "lots"}), json.dumps(good)]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    done = run_cli("batch", str(BUSINESS), str(src), "--out", str(out))
    assert done.exit_code == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["index"] for row in rows] == [0, 1, 2, 3]
    assert "text" in rows[0] and "text" in rows[3]
    assert rows[1]["error"]["message"].startswith(f"{src}:2:2: invalid JSON")
    assert rows[2]["error"]["field"] == "revenue"
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_check_reports_all_problems(tmp_path: Path, run_cli: RunCli) -> None:
    assert run_cli("check", str(BUSINESS)).exit_code == 0
    (tmp_path / "bad.j2").write_text("{% if %}")
    cfg = tmp_path / "c.yaml"
    cfg.write_text("templates: .\nsegments:\n  - {id: a, template: bad.j2}\n  - {id: b, template: gone.j2, when: 'x ==='}\n"
                   "plugins: [nothere.py]\n")
    done = run_cli("check", str(cfg))
    assert done.exit_code == 1
    for expected in ("bad.j2 line 1", "gone.j2", "segments[1] (id=b).when", "plugin 'nothere'", "4 problem(s)"):
        assert expected in done.stderr.replace("\n", " "), (expected, done.stderr)


def test_plugins_json_and_schema(run_cli: RunCli) -> None:
    done = run_cli("plugins", "--json")
    assert done.exit_code == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["template"]["registers"]["realizers"] == ["template"]
    assert rows["template"]["source"] == "builtin" and "register_realizers" in rows["template"]["hooks"]
    schema = json.loads(run_cli("schema").stdout)
    assert "segments" in schema["properties"]


@pytest.mark.slow
def test_template_only_render_does_not_import_torch(tmp_path: Path) -> None:
    # needs a fresh interpreter: this one has long since imported torch for other tests
    code = (
        "import sys, json\n"
        "from hybridnlg import Engine\n"
        f"engine = Engine.from_config({str(BUSINESS)!r})\n"
        f"print(engine.render(json.load(open({str(BUSINESS_RECORD)!r}))).text[:20])\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def _batch_input(tmp_path: Path, n: int) -> Path:
    good = json.loads(BUSINESS_RECORD.read_text())
    rows = [json.dumps({**good, "revenue": good["revenue"] + i}) if i % 7 else "{broken" for i in range(n)]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(rows) + "\n")
    return src


@pytest.mark.slow
def test_batch_workers_give_the_same_output_as_a_plain_run(tmp_path: Path, run_cli: RunCli) -> None:
    # a real subprocess: --workers forks a process pool, which this (threaded) test process should not do
    src = _batch_input(tmp_path, 30)
    plain, parallel = tmp_path / "plain.jsonl", tmp_path / "par.jsonl"
    assert run_cli("batch", str(BUSINESS), str(src), "--out", str(plain), "--window", "4").exit_code == 0
    done = run_subprocess("batch", str(BUSINESS), str(src), "--out", str(parallel), "--window", "4", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert parallel.read_bytes() == plain.read_bytes()
    assert len(plain.read_text().splitlines()) == 30


def test_batch_resume_gives_the_same_output_as_a_plain_run(tmp_path: Path, run_cli: RunCli) -> None:
    src = _batch_input(tmp_path, 30)
    plain, resumed = tmp_path / "plain.jsonl", tmp_path / "res.jsonl"
    assert run_cli("batch", str(BUSINESS), str(src), "--out", str(plain), "--window", "4").exit_code == 0
    # an interrupted run: 11 whole lines and half of the 12th, never renamed to the final name
    from hybridnlg.runtime.batch import fingerprint

    lines = plain.read_bytes().splitlines(keepends=True)
    (tmp_path / "res.jsonl.partial").write_bytes(b"".join(lines[:11]) + lines[11][:20])
    stamp = fingerprint(src, str(BUSINESS), fmt=None, realizer=None, trace=False, strict=None)
    (tmp_path / "res.jsonl.partial.fingerprint").write_text(stamp + "\n")
    assert not resumed.exists()
    other_format = run_cli("batch", str(BUSINESS), str(src), "--out", str(resumed), "--resume", "--format", "html")
    assert other_format.exit_code == 1 and "was written for another input, config or options" in other_format.stderr
    done = run_cli("batch", str(BUSINESS), str(src), "--out", str(resumed), "--window", "4", "--resume")
    assert done.exit_code == 0, done.stderr
    assert "11 kept" in done.stderr
    assert resumed.read_bytes() == plain.read_bytes()
    assert len(plain.read_text().splitlines()) == 30
    assert not (tmp_path / "res.jsonl.partial.fingerprint").exists()


def test_resume_refuses_a_partial_of_another_input(tmp_path: Path, run_cli: RunCli) -> None:
    src = _batch_input(tmp_path, 6)
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").write_text("{}\n")  # no fingerprint: written by something else
    refused = run_cli("batch", str(BUSINESS), str(src), "--out", str(out), "--resume")
    assert refused.exit_code == 1 and "delete it to start again" in refused.stderr
    assert run_cli("batch", str(BUSINESS), str(src), "--out", str(out)).exit_code == 0  # without --resume: anew
    assert len(out.read_text().splitlines()) == 6


def test_rerun_with_the_same_seed_is_byte_identical_and_matches_render_many(tmp_path: Path, run_cli: RunCli) -> None:
    from hybridnlg import Engine

    src = _batch_input(tmp_path, 12)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (first, second):
        assert run_cli("batch", str(BUSINESS), str(src), "--out", str(out)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # the same records through the Python API give the same texts (lexical choice is seeded per record index)
    good = [line for line in src.read_text().splitlines() if not line.startswith("{broken")]
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(good) + "\n")
    assert run_cli("batch", str(BUSINESS), str(clean), "--out", str(tmp_path / "c.jsonl")).exit_code == 0
    texts = [r.text for r in Engine.from_config(BUSINESS).render_many([json.loads(line) for line in good], window=5)]
    assert texts == [json.loads(line)["text"] for line in (tmp_path / "c.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_eval_on_e2e_records_prints_a_table_and_writes_json(tmp_path: Path, run_cli: RunCli) -> None:
    records = [line for line in (PACKS / "e2e" / "records.jsonl").read_text().splitlines() if line.strip()]
    refs = [json.dumps([f"{json.loads(r)['name']} is a place to eat."]) for r in records]
    (tmp_path / "data.jsonl").write_text("\n".join(records) + "\n")
    (tmp_path / "refs.jsonl").write_text("\n".join(refs) + "\n")
    out = tmp_path / "metrics.json"
    done = run_cli("eval", str(PACKS / "e2e" / "config.yaml"), str(tmp_path / "data.jsonl"), "--refs",
                   str(tmp_path / "refs.jsonl"), "--out", str(out))
    assert done.exit_code == 0, done.stderr
    assert "fact_error_rate" in done.stderr and "bleu" in done.stderr  # the table
    metrics = json.loads(out.read_text())
    assert metrics["records"] == len(records) and metrics["errors"] == 0
    assert 0 <= metrics["bleu"] <= 100 and metrics["fact_error_rate"] == 0.0
    assert abs(sum(metrics["realizer_share"].values()) - 1) < 1e-6
    forced = run_cli("eval", str(PACKS / "e2e" / "config.yaml"), str(tmp_path / "data.jsonl"), "--realizer", "template")
    assert json.loads(forced.stdout)["realizer_share"] == {"template": 1.0}
    every = json.loads(run_cli("eval", str(PACKS / "e2e" / "config.yaml"), str(tmp_path / "data.jsonl"),
                               "--validate", "all").stdout)
    assert every["validated_candidates"] == every["candidates"] > metrics["validated_candidates"]


def test_data_is_printed_as_it_is_no_emoji_codes_or_markup(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "c.yaml").write_text("validators: {}\nsegments:\n  - {id: a, template: '{{ name }} says {{ word }}'}\n")
    (tmp_path / "r.json").write_text(json.dumps({"name": "Ada", "word": "(:thumbs_up:) [bold]hi[/bold]"}))
    done = run_cli("render", str(tmp_path / "c.yaml"), str(tmp_path / "r.json"))
    assert done.exit_code == 0, done.stderr
    assert done.stdout.strip() == "Ada says (:thumbs_up:) [bold]hi[/bold]."


def test_check_with_a_sample_record_names_what_it_lacks(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "c.yaml").write_text(
        "validators: {}\nsegments:\n  - {id: a, template: '{{ name }} serves {{ food }}.', facts: [name, fodo]}\n"
        "  - {id: r, foreach: regions, template: '{{ item.name }} made {{ item.revenue }}.', facts: [item.revnue]}\n"
        "  - {id: t, template: '{{ name }} is in {{ town }}.', facts: [name]}\n")
    (tmp_path / "r.json").write_text(json.dumps({"name": "Ada", "food": "Thai", "regions": [{"name": "N", "revenue": 3}]}))
    done = run_cli("check", str(tmp_path / "c.yaml"), "--record", str(tmp_path / "r.json"))
    assert done.exit_code == 1
    assert "segments[0] (id=a).facts: 'fodo' has no field 'fodo' in the sample (did you mean 'food'?)" in done.stderr
    assert "segments[1] (id=r).facts: 'item.revnue' has no field 'revnue' in the sample (did you mean 'revenue'?)" \
        in done.stderr
    assert "'town' is undefined" in done.stderr  # a template field the sample lacks, found by rendering it
    assert "turns validation off" not in done.stderr  # no segment can reach gpt2 here
