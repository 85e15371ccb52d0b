"""`verify`: texts the engine did not write, checked against their records with the E2E pack's spaCy validator
through the Python API, the CLI and HTTP."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from hybridnlg import (
    Candidate,
    DataError,
    Engine,
    NoValidatorError,
    Segment,
    ValidationReport,
    Validator,
    VerifyReport,
)
from hybridnlg.testing import FakeValidator, FakeValidatorConfig, make_engine, plugin_of
from hybridnlg.verify import verify_lines
from tests.conftest import PACKS, RunCli

E2E_CONFIG = PACKS / "e2e" / "config.yaml"
RECORD = {"name": "The Eagle", "eatType": "pub", "food": "Chinese", "area": "riverside", "familyFriendly": "no"}
FAITHFUL = "The Eagle is a Chinese pub in the riverside area. It is not family-friendly."
WRONG = "The Eagle is a Japanese pub in the riverside area. It is not family-friendly."
MISSING = "The Eagle is a Chinese pub. It is not family-friendly."  # no area
ADDED = "The Eagle is a Chinese pub in the riverside area near Burger King. It is not family-friendly."


@pytest.fixture(scope="module")
def e2e() -> Engine:
    return Engine.from_config(E2E_CONFIG)


def codes(report: VerifyReport) -> list[str]:
    return [issue.code for issue in report.issues]


# the Python API --------------------------------------------------------------------------------------------------


def test_a_faithful_human_text_passes_with_every_fact_expressed(e2e: Engine) -> None:
    report = e2e.verify(RECORD, FAITHFUL)
    assert report.passed and report.issues == []
    assert {name: v.status for name, v in report.facts.items()} == dict.fromkeys(RECORD, "expressed")
    assert {v.validator for v in report.facts.values()} == {"spacy"}
    assert report.validators == {"spacy": {"passed": True, "score": 1.0}}
    line = report.to_output()
    assert line["index"] == 0 and line["passed"] is True and line["facts"]["food"]["value"] == "Chinese"
    json.dumps(line)  # a JSON line as it is


def test_a_wrong_value_fails_naming_the_fact_and_where_it_is_said(e2e: Engine) -> None:
    report = e2e.verify(RECORD, WRONG)
    assert not report.passed
    issue = next(i for i in report.issues if i.code == "wrong_value")
    assert (issue.fact, issue.validator, issue.severity) == ("food", "spacy", "error")
    assert issue.span is not None and WRONG[slice(*issue.span)] == "Japanese"
    food = report.facts["food"]
    assert (food.status, food.value, food.span, food.validator) == ("wrong", "Chinese", issue.span, "spacy")
    assert report.facts["area"].status == "expressed"
    assert report.validators["spacy"]["passed"] is False


def test_a_missing_fact_fails_naming_it(e2e: Engine) -> None:
    report = e2e.verify(RECORD, MISSING)
    assert not report.passed
    assert [(i.code, i.fact) for i in report.issues] == [("missing_fact", "area")]
    assert report.facts["area"].status == "missing"
    assert all(v.status == "expressed" for name, v in report.facts.items() if name != "area")


def test_an_added_fact_fails_with_its_span(e2e: Engine) -> None:
    report = e2e.verify(RECORD, ADDED)
    assert not report.passed
    added = [i for i in report.issues if i.code == "added_fact"]
    assert added and added[0].span is not None and ADDED[slice(*added[0].span)] == "Burger King"
    assert all(v.status == "expressed" for v in report.facts.values())  # every fact of the record is there


def test_the_text_is_checked_against_the_plan_not_every_field_of_the_record(e2e: Engine) -> None:
    record = {**RECORD, "owner": "Ada Lovelace", "internal_id": 7}  # fields no segment uses
    report = e2e.verify(record, FAITHFUL)
    assert report.passed and set(report.facts) == set(RECORD)


def test_a_whole_document_is_one_unit_and_repeated_fact_names_are_qualified() -> None:
    engine = Engine.from_config(PACKS / "business" / "config.yaml")
    record = json.loads((PACKS / "business" / "record.json").read_text())
    text = engine.render(record, format="text").text  # headings included: the titles come from the config
    report = engine.verify(record, text)
    assert report.passed, report.to_output()["issues"]
    # every region's revenue is its own fact; computed facts (percent change) are checked too
    assert report.facts["region[1].revenue"].value == 4_100_000
    assert report.facts["region[1].revenue"].path == "regions[1].revenue"
    assert report.facts["revenue_change"].status == "expressed"
    changed = text.replace("$4.1M", "$4.9M")
    wrong = engine.verify(record, changed)
    assert not wrong.passed and wrong.facts["region[1].revenue"].status in ("wrong", "missing")
    assert all(v.status == "expressed" for name, v in wrong.facts.items() if not name.startswith("region[1]"))


def test_validators_are_called_once_per_window(e2e: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    spacy = e2e.get_validator("spacy")
    calls: list[int] = []
    real = spacy.validate

    def spy(items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        calls.append(len(items))
        return real(items)

    monkeypatch.setattr(spacy, "validate", spy)
    rows = [(i, {"record": RECORD, "text": [FAITHFUL, WRONG][i % 2]}) for i in range(10)]
    rows[3] = (3, {"record": RECORD})  # an error line costs nothing and keeps its place
    lines = list(verify_lines(e2e, rows, window=4))
    assert calls == [3, 4, 2]  # the error line left its window one text short
    assert [line["index"] for line in lines] == list(range(10))
    assert "error" in lines[3] and "missing 'text'" in lines[3]["error"]["message"]
    assert [line.get("passed") for line in lines] == [True, False, True, None, True, False, True, False, True, False]


# bad input -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("record", "text", "message"), [
    (["The Eagle"], FAITHFUL, "the record must be a JSON object, got an array"),
    (RECORD, None, "the text must be a string, got null"),
    (RECORD, 42, "the text must be a string, got a number"),
])
def test_a_record_not_an_object_or_a_text_not_a_string_is_a_data_error(
    e2e: Engine, record: Any, text: Any, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        e2e.verify(record, text)


def test_a_1_mb_text_is_too_long_without_being_parsed(e2e: Engine) -> None:
    text = FAITHFUL * (1_000_000 // len(FAITHFUL))
    report = e2e.verify(RECORD, text)
    assert not report.passed and codes(report) == ["too_long"]
    assert report.issues[0].span == (2000, len(text))
    assert {v.status for v in report.facts.values()} == {"unchecked"}  # no validator looked at the facts


def test_a_record_with_no_fact_the_config_knows_fails_with_no_facts(e2e: Engine) -> None:
    report = e2e.verify({"colour": "red"}, "The Eagle is a pub.")
    assert not report.passed and codes(report) == ["no_facts"]
    assert "eatType" in report.issues[0].message and report.facts == {} and report.validators == {}


class Boom(Validator[FakeValidatorConfig]):
    name = "boom"
    Config = FakeValidatorConfig

    def validate(self, items: Sequence[tuple[Segment, Candidate]]) -> list[ValidationReport]:
        raise RuntimeError("checkpoint is corrupt")


SEGMENTS = [{"id": "a", "template": "{{ name }} serves {{ food }}.", "facts": ["name", "food"]}]


def test_a_raising_validator_is_a_validator_error_and_the_others_still_run() -> None:
    engine = make_engine({"segments": SEGMENTS, "validators": {"fake": {}, "boom": {}}}, plugin_of(FakeValidator, Boom))
    report = engine.verify({"name": "Ada", "food": "Thai"}, "Ada serves Thai food.")
    assert not report.passed
    assert [(i.code, i.validator) for i in report.issues] == [("validator_error", "boom")]
    assert "checkpoint is corrupt" in report.issues[0].message
    assert report.validators == {"fake": {"passed": True, "score": 1.0}, "boom": {"passed": False, "score": 0.0}}
    missing = engine.verify({"name": "Ada", "food": "Thai"}, "Ada serves food.")
    assert (missing.facts["food"].status, missing.facts["food"].validator) == ("missing", "fake")
    assert missing.facts["name"].status == "unchecked"  # the fake validator reports only what is missing


def test_an_unavailable_validator_is_named_and_the_others_decide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDNLG_ALLOW_PLUGIN_FILES", "1")
    (tmp_path / "needs.py").write_text("from hybridnlg import require\nrequire('no_such_module_xyz', extra='xyz')\n")
    config = {"plugins": ["needs.py"], "segments": SEGMENTS, "validators": {"fake": {}, "needs": {}}}
    report = make_engine(config, plugin_of(FakeValidator), config_dir=tmp_path).verify({"name": "Ada", "food": "Thai"}, "Ada serves Thai food.")
    assert report.passed and list(report.validators) == ["fake"]
    [issue] = report.issues
    assert (issue.code, issue.severity) == ("validator_error", "warning")
    assert "'needs' is unavailable" in issue.message and "hybridnlg[xyz]" in issue.message
    alone = make_engine({**config, "validators": {"needs": {}}}, plugin_of(FakeValidator), config_dir=tmp_path)
    with pytest.raises(NoValidatorError, match=r"no validator available: install hybridnlg\[spacy\].*hybridnlg\[xyz\]"):
        alone.verify({"name": "Ada", "food": "Thai"}, "Ada serves Thai food.")


def test_with_no_validator_verify_never_says_passed() -> None:
    off = make_engine({"segments": SEGMENTS, "validators": {}})
    with pytest.raises(NoValidatorError, match=r"turns validation off"):
        off.verify({"name": "Ada", "food": "Thai"}, "Ada serves Thai food.")
    none = make_engine({"segments": SEGMENTS})
    none.validators.clear()  # as on an installation without the spacy extra
    with pytest.raises(NoValidatorError, match=r"install hybridnlg\[spacy\]"):
        none.verify({"name": "Ada", "food": "Thai"}, "Ada serves Thai food.")


# the command line ------------------------------------------------------------------------------------------------


def write_pairs(path: Path, *lines: Any) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def test_cli_exits_0_when_every_text_passed(tmp_path: Path, run_cli: RunCli) -> None:
    pairs = write_pairs(tmp_path / "pairs.jsonl", {"record": RECORD, "text": FAITHFUL},
                        {"record": {"name": "Alimentum", "area": "city centre"},
                         "text": "Alimentum is in the city centre."})
    done = run_cli("verify", str(E2E_CONFIG), str(pairs))
    assert done.exit_code == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(line["index"], line["passed"]) for line in lines] == [(0, True), (1, True)]
    assert lines[1]["facts"]["area"]["status"] == "expressed"
    assert "2 passed, 0 failed, 0 errors" in done.stderr


def test_cli_exits_1_on_a_failed_text_or_an_error_line_and_keeps_going(tmp_path: Path, run_cli: RunCli) -> None:
    pairs = write_pairs(
        tmp_path / "pairs.jsonl",
        {"record": RECORD, "text": WRONG},
        "{not json",
        {"record": ["The Eagle"], "text": FAITHFUL},
        {"record": RECORD, "text": 3},
        {"record": RECORD},
        {"record": RECORD, "text": FAITHFUL, "id": 9},
        {"record": RECORD, "text": FAITHFUL},
    )
    out = tmp_path / "out.jsonl"
    done = run_cli("verify", str(E2E_CONFIG), str(pairs), "--out", str(out), "--window", "2")
    assert done.exit_code == 1 and "Traceback" not in done.stderr
    assert done.stdout == "" and "1 passed, 1 failed, 5 errors" in done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["index"] for line in lines] == list(range(7))
    assert lines[0]["passed"] is False
    assert [(i["code"], i["fact"]) for i in lines[0]["issues"]] == [("wrong_value", "food")]
    messages = [line["error"]["message"] for line in lines[1:6]]
    assert messages == [
        f"{pairs}:2:2: invalid JSON: Expecting property name enclosed in double quotes",
        f"{pairs}:3: 'record' must be an object, got an array",
        f"{pairs}:4: 'text' must be a string, got a number",
        f"{pairs}:5: missing 'text' (an item has exactly 'record' and 'text')",
        f"{pairs}:6: unknown 'id' (an item has exactly 'record' and 'text')",
    ]
    assert lines[6]["passed"] is True
    failed_only = write_pairs(tmp_path / "one.jsonl", {"record": RECORD, "text": MISSING})
    assert run_cli("verify", str(E2E_CONFIG), str(failed_only)).exit_code == 1


def test_cli_exits_2_on_usage_errors(tmp_path: Path, run_cli: RunCli) -> None:
    pairs = write_pairs(tmp_path / "pairs.jsonl", {"record": RECORD, "text": FAITHFUL})
    assert run_cli("verify", str(E2E_CONFIG)).exit_code == 2  # no PAIRS
    assert run_cli("verify", str(E2E_CONFIG), str(tmp_path / "absent.jsonl")).exit_code == 2
    done = run_cli("verify", str(E2E_CONFIG), str(pairs), "--window", "0")
    assert done.exit_code == 2 and "--window" in done.stderr


def test_cli_without_a_validator_says_so_and_writes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("validators: {}\nsegments:\n  - id: a\n    template: '{{ name }}.'\n    facts: [name]\n")
    pairs = write_pairs(tmp_path / "pairs.jsonl", {"record": {"name": "Ada"}, "text": "Ada."})
    out = tmp_path / "out.jsonl"
    done = run_cli("verify", str(config), str(pairs), "--out", str(out))
    assert done.exit_code == 1 and "no validator available" in done.stderr and not out.exists()


# HTTP ------------------------------------------------------------------------------------------------------------


def test_http_verify_answers_like_the_cli(e2e: Engine) -> None:
    from fastapi.testclient import TestClient

    from hybridnlg.runtime.server import create_app

    client = TestClient(create_app(e2e, max_body_bytes=20_000))
    one = client.post("/verify", json={"record": RECORD, "text": WRONG})
    assert one.status_code == 200
    assert one.json() == e2e.verify(RECORD, WRONG).to_output()
    many = client.post("/verify", json=[{"record": RECORD, "text": FAITHFUL}, {"record": 5, "text": "x"},
                                        {"record": RECORD, "text": MISSING}])
    assert many.status_code == 200
    body = many.json()
    assert [line.get("passed") for line in body] == [True, None, False]
    assert body[1] == {"index": 1, "error": {"type": "DataError",
                                             "message": "item 1: 'record' must be an object, got a number"}}
    for bad, message in [({"record": [], "text": "x"}, "body: 'record' must be an object, got an array"),
                         ({"record": RECORD, "text": None}, "body: 'text' must be a string, got null"),
                         ({"record": RECORD}, "body: missing 'text'"),
                         ("a string", "the body must be")]:
        answer = client.post("/verify", json=bad)
        assert answer.status_code == 422 and message in answer.json()["error"]["message"], answer.json()
    garbled = client.post("/verify", content=b"{nope", headers={"content-type": "application/json"})
    assert garbled.status_code == 422 and "not JSON" in garbled.json()["error"]["message"]
    big = client.post("/verify", json={"record": RECORD, "text": "x" * 30_000})
    assert big.status_code == 413


def test_http_verify_without_a_validator_is_503() -> None:
    from fastapi.testclient import TestClient

    from hybridnlg.runtime.server import create_app

    client = TestClient(create_app(make_engine({"segments": SEGMENTS, "validators": {}})))
    answer = client.post("/verify", json={"record": {"name": "Ada", "food": "Thai"}, "text": "Ada serves Thai."})
    assert answer.status_code == 503 and "no validator available" in answer.json()["error"]["message"]
