"""Every attack class against hybridnlg, measured: does each case end in its clean outcome, how long does it take,
and how much memory does it add?

    python benchmarks/attacks.py [--quick] [--json OUT]

A case is *blocked* when it ends in the outcome expected of it and has no side effect: a `hybridnlg.HybridNLGError`
subclass (TemplateError, DataError, ConfigError, ...), an error record for its line in `hybridnlg batch`, a 413 from
`serve`, or, for data that is odd but harmless, an ordinary rendering. The requirement shown: every case within its
time limit plus one second (the template's `timeout_s`, 1 s in the corpora, otherwise the default 2 s) and under
256 MB. The script exits with status 1 when a case is not blocked or goes past either.

The corpora are the tests' own, imported rather than copied: the template-injection payloads of tests/test_sandbox.py,
the template and expression payloads of tests/test_limits.py, the poisoned records of tests/test_isolation.py, the
YAML alias bomb of tests/test_config.py and the path attacks of tests/test_trust.py; only classes those lack get
small lists here.

How it measures. The parent imports hybridnlg, the template plugin and (when installed) spaCy, renders once with each
to finish lazy imports, and loads the E2E pack's spaCy pipeline; each case then runs in a fresh child forked from it
(multiprocessing's "fork" start method), so no case pays for imports or model loading and no case sees another's
leftovers. The child resets its peak resident set (writing "5" to /proc/self/clear_refs, which Linux supports since
4.0), reads VmRSS, runs the case, and reports its wall time and VmHWM minus that VmRSS: the memory the case itself
added. Where the reset is refused, the peak is the one inherited from the parent at fork, so a case that stays below
the parent's own earlier peak shows 0 (the JSON says `peak_reset: false`). A child that does not answer within
HANG_S seconds is killed and counted as not blocked.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the corpora live in tests/
os.environ.setdefault("HYBRIDNLG_NO_PLUGINS", "1")  # only the built-in plugins, as in the tests
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
for _opt_in in ("HYBRIDNLG_ALLOW_PLUGIN_FILES", "HYBRIDNLG_TRUSTED_CONFIG"):  # measure the default, untrusted setting
    os.environ.pop(_opt_in, None)

from hybridnlg import ConfigError, DataError, Engine, HybridNLGError, Report, TemplateError  # noqa: E402
from hybridnlg.limits import DEFAULT_TIMEOUT_S, EXPRESSION_TIMEOUT_S  # noqa: E402
from hybridnlg.testing import make_engine  # noqa: E402


def _tests(module: str) -> Any:
    """A test module, imported by name: its corpora are reused here, and type-checking this script does not
    type-check the tests (which the project does not hold to mypy)."""
    return importlib.import_module(f"tests.{module}")


_sandbox, _limits, _isolation, _config_tests, _trust = map(
    _tests, ["test_sandbox", "test_limits", "test_isolation", "test_config", "test_trust"])
PAYLOADS: dict[str, str] = _sandbox.PAYLOADS  # template injection
MARK: str = _sandbox.MARK  # the file the shell payloads would create
TEMPLATES: dict[str, tuple[str, dict[str, Any]]] = _limits.TEMPLATES  # template resource limits
EXPRESSIONS: dict[str, tuple[str, str]] = _limits.EXPRESSIONS  # the config's own expressions
limits_config: Callable[[str, str], dict[str, Any]] = _limits._config
BOMB: str = _config_tests.BOMB  # the YAML alias bomb
GOOD: list[dict[str, Any]] = _isolation.GOOD
POISON: list[tuple[dict[str, Any], str]] = _isolation.POISON  # poisoned records and their messages
poison_engine: Callable[[Path], Engine] = _isolation.engine
SECRET: str = _trust.SECRET
folder_attacks: Callable[[Path, Path], dict[str, str]] = _trust.folder_attacks
plugin_config: Callable[[Path], Path] = _trust.plugin_config

PACKS = ROOT / "templates"
CORPUS_TIMEOUT_S = 1.0  # realizers.template.timeout_s in the tests' corpora
LIMIT_MB = 256.0
HANG_S = 30.0  # a child still running after this is killed: not blocked
QUICK = 4  # cases per class with --quick
MB = 1024 * 1024


class NotBlocked(Exception):
    """The case did not end in its expected outcome (or had a side effect)."""


@dataclass(frozen=True)
class Case:
    attack: str  # the attack class (a row of the table)
    name: str
    run: Callable[[Path], str]  # given a fresh empty folder: the outcome, or NotBlocked
    timeout_s: float  # the limit that applies; the case must finish within timeout_s + 1 s
    skip: str = ""  # why it cannot run here (not counted)


@dataclass
class Row:
    attack: str
    case: str
    blocked: bool
    outcome: str
    time_s: float
    memory_mb: float
    limit_s: float
    within_limits: bool
    peak_reset: bool


# helpers ------------------------------------------------------------------------------------------------------------


def _short(text: str, size: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def raises(call: Callable[[], object], error: type[HybridNLGError], *words: str,
           check: Callable[[HybridNLGError], bool] | None = None) -> str:
    """The outcome of `call` when it raises `error` whose message holds one of `words` (any, if none given)."""
    try:
        result = call()
    except error as exc:
        message = str(exc)
        if words and not any(word in message for word in words):
            raise NotBlocked(f"{type(exc).__name__} without {' / '.join(words)}: {_short(message)}") from None
        if check is not None and not check(exc):
            raise NotBlocked(f"{type(exc).__name__} failed its check: {_short(message)}") from None
        return f"{type(exc).__name__}: {_short(message, 100)}"
    except HybridNLGError as exc:
        raise NotBlocked(f"{type(exc).__name__} instead of {error.__name__}: {_short(str(exc))}") from None
    raise NotBlocked(f"no error: {_short(repr(result))}")


def renders(call: Callable[[], Report], expect: Callable[[Report], bool], what: str) -> str:
    report = call()
    if not isinstance(report, Report) or not expect(report):
        raise NotBlocked(f"unexpected rendering: {_short(repr(getattr(report, 'text', report)))}")
    return f"rendered ({what}, {len(report.text):,} characters)"


def template_engine(template: str, timeout_s: float = CORPUS_TIMEOUT_S) -> Engine:
    return make_engine({"validators": {}, "segments": [{"id": "evil", "template": template}],
                        "realizers": {"template": {"timeout_s": timeout_s}}})


def one_segment(template: str) -> Engine:
    return make_engine({"validators": {}, "segments": [{"id": "a", "template": template, "facts": ["x"]}]})


# template injection (tests/test_sandbox.py) -------------------------------------------------------------------------


def ssti(payload: str) -> Callable[[Path], str]:
    def run(_: Path) -> str:
        Path(MARK).unlink(missing_ok=True)
        outcome = raises(lambda: template_engine(payload).render({}), TemplateError,
                         check=lambda exc: getattr(exc, "segment", None) == "evil")
        if Path(MARK).exists():
            Path(MARK).unlink()
            raise NotBlocked(f"a shell command ran ({MARK} was created); {outcome}")
        return outcome
    return run


# resource limits (tests/test_limits.py) ------------------------------------------------------------------------------


def template_limit(template: str, record: dict[str, Any]) -> Callable[[Path], str]:
    return lambda _: raises(lambda: make_engine(limits_config("template", template)).render(record), TemplateError,
                            "limit", "max_output_chars")


def expression_limit(where: str, source: str) -> Callable[[Path], str]:
    return lambda _: raises(lambda: make_engine(limits_config(where, source)).render({}), DataError, "limit")


# YAML bombs and odd files ---------------------------------------------------------------------------------------------

SEGMENTS = "validators: {}\nsegments: [{id: a, template: 'Hi {{ name }}.'}]\n"


def yaml_config(text: str | bytes, *words: str) -> Callable[[Path], str]:
    def run(folder: Path) -> str:
        path = folder / "config.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return raises(lambda: Engine.from_config(path, entrypoints=False), ConfigError, *words)
    return run


def config_from(path: str, *words: str) -> Callable[[Path], str]:
    return lambda _: raises(lambda: Engine.from_config(path, entrypoints=False), ConfigError, *words)


def lexicon_refused(engine: Engine, *words: str) -> str:
    """A spaCy lexicon file that cannot be read: `check` names it, and rendering publishes the template text flagged
    with the reason (the validator's failure is its candidates' `validator_error`), never reading it whole."""
    problems = [p for p in engine.check() if any(word in p for word in words)]
    if not problems:
        raise NotBlocked(f"check does not say {' / '.join(words)}: {_short(repr(engine.check()))}")
    segment = engine.render({"priceRange": "cheap"}).segments[0]
    reports = str(segment.candidates[0].reports) if segment.candidates else ""
    if not segment.flagged or not any(word in reports for word in words):
        raise NotBlocked(f"rendered unflagged or without the reason: {_short(reports)}")
    return f"check: {_short(problems[0], 90)}; render: flagged, validator_error"


def lexicon_config(name: str) -> dict[str, Any]:
    return {"segments": [{"id": "a", "template": "It is {{ priceRange }}.", "facts": ["priceRange"]}],
            "validators": {"spacy": {"model": "blank", "lexicon_files": [name]}}}


def lexicon_bomb(folder: Path) -> str:
    """A spaCy lexicon file that is an alias bomb: read by the same read_yaml, refused the same way."""
    (folder / "lexicon.yaml").write_text(BOMB.replace("segments: *i", "priceRange: {cheap: *i}"))
    engine = Engine.from_config(lexicon_config("lexicon.yaml"), config_dir=folder, entrypoints=False)
    return lexicon_refused(engine, "through its aliases")


# bad data -----------------------------------------------------------------------------------------------------------


def poisoned(record: dict[str, Any], message: str) -> Callable[[Path], str]:
    """A poisoned record beside good ones: its own typed error; the others render as they do alone."""
    def run(folder: Path) -> str:
        engine = poison_engine(folder)
        outputs = list(engine.render_many([GOOD[0], record, GOOD[1]], errors="record"))
        good = [o.text for o in (outputs[0], outputs[2]) if isinstance(o, Report)]
        alone = [r.text for r in engine.render_many(GOOD)]
        error = outputs[1]
        if good != alone or not isinstance(error, dict) or message not in error["error"]["message"]:
            raise NotBlocked(f"outputs: {_short(repr(outputs))}")
        return f"{error['error']['type']} for record 1 only: {_short(error['error']['message'], 90)}"
    return run


def business_nan(_: Path) -> str:
    config = yaml.safe_load((PACKS / "business" / "config.yaml").read_text())
    engine = make_engine({**config, "validators": {}}, config_dir=PACKS / "business")
    record = json.loads((PACKS / "business" / "record.json").read_text())
    return raises(lambda: engine.render({**record, "revenue": math.nan}), DataError, "revenue")


E2E_RECORD = json.loads((PACKS / "e2e" / "record.json").read_text())
E2E_ENGINE: Engine | None = None  # the E2E pack with its spaCy validator, loaded in the parent


def e2e_spacy_engine() -> Engine | None:
    import importlib.util

    if importlib.util.find_spec("spacy") is None or importlib.util.find_spec("hybridnlg_spacy") is None:
        return None
    engine = Engine.from_config(PACKS / "e2e" / "config.yaml", entrypoints=False)
    try:
        engine.render(E2E_RECORD, realizer="template")  # loads the spaCy pipeline here, before any fork
    except HybridNLGError:
        return None
    return engine if "spacy" in engine.validators else None


def unused_huge_field(_: Path) -> str:
    assert E2E_ENGINE is not None
    engine = E2E_ENGINE
    expected = engine.render(E2E_RECORD, realizer="template").text
    return renders(lambda: engine.render({**E2E_RECORD, "notes": "x" * 10_000_000}, realizer="template"),
                   lambda report: report.text == expected and not report.flagged,
                   "the same text as without the field, validated by spaCy")


def em_spaces(_: Path) -> str:
    name = "a" + "\u2003" * 19_000 + "b"
    return renders(lambda: one_segment("{{ x }} is here .").render({"x": name}),
                   lambda report: report.text.endswith("b is here."), "tidied")


def odd_unicode(_: Path) -> str:
    name = "\u202eCafé\u200b 🍕 {{ x }} <script>"
    return renders(lambda: one_segment("{{ x }} opened.").render({"x": name}),
                   lambda report: report.text.startswith(name), "kept as it is")


# bad JSONL lines through `hybridnlg batch` ---------------------------------------------------------------------------

BATCH_CONFIG = ("validators: {}\nsegments:\n"
                "  - {id: a, template: '{{ name }} costs {{ price }}.', facts: [name, price]}\n")


def batch_line(line: bytes, *words: str) -> Callable[[Path], str]:
    """`hybridnlg batch` on a good line, the bad one, a good line: an error record for the bad one alone."""
    def run(folder: Path) -> str:
        from click.testing import CliRunner

        from hybridnlg.cli import cli

        (folder / "c.yaml").write_text(BATCH_CONFIG)
        good = json.dumps({"name": "Ada", "price": 12}).encode()
        (folder / "in.jsonl").write_bytes(good + b"\n" + line + b"\n" + good + b"\n")
        out = folder / "out.jsonl"
        done = CliRunner().invoke(cli, ["batch", str(folder / "c.yaml"), str(folder / "in.jsonl"), "--out", str(out)],
                                  prog_name="hybridnlg", catch_exceptions=True)
        if done.exit_code != 0 or not out.exists():
            raise NotBlocked(f"exit code {done.exit_code}: {_short(done.output + repr(done.exception))}")
        rows = [json.loads(text) for text in out.read_text(encoding="utf-8").splitlines()]
        message = rows[1].get("error", {}).get("message", "") if len(rows) == 3 else ""
        if ([r.get("text") for r in rows[::2]] != ["Ada costs 12."] * 2 or not message
                or not any(word in message for word in words)):
            raise NotBlocked(f"lines written: {_short(repr(rows))}")
        return f"error record for line 2 only: {_short(message, 90)}"
    return run


# path escapes and plugin files (tests/test_trust.py) -----------------------------------------------------------------


def site(folder: Path) -> tuple[Path, Path]:
    """A config folder `cfg` and beside it `outside`, holding secrets (as tests/test_trust.py's fixture)."""
    cfg, outside = folder / "cfg", folder / "outside"
    cfg.mkdir()
    outside.mkdir()
    (outside / "secret.j2").write_text(SECRET)
    (outside / "secret.txt").write_text(SECRET)
    return cfg, outside


def no_secret(outcome: str, *secrets: str) -> str:
    for secret in (SECRET, *secrets):
        if secret and secret in outcome:
            raise NotBlocked(f"the secret leaked: {outcome}")
    return outcome


def template_folder(which: int) -> Callable[[Path], str]:
    def run(folder: Path) -> str:
        cfg, outside = site(folder)
        name, template = list(folder_attacks(cfg, outside).items())[which]
        config = {"templates": name, "validators": {}, "segments": [{"id": "a", "template": template}]}
        return no_secret(raises(lambda: Engine.from_config(config, config_dir=cfg, entrypoints=False), ConfigError,
                                "outside the config's folder"))
    return run


def linked_template(target: str) -> Callable[[Path], str]:
    def run(folder: Path) -> str:
        cfg, outside = site(folder)
        path = Path(target) if target.startswith("/") else outside / target
        (cfg / "tpl").mkdir()
        (cfg / "tpl" / "evil.j2").symlink_to(path)
        config = {"templates": "tpl", "validators": {}, "segments": [{"id": "a", "template": "evil.j2"}]}
        engine = Engine.from_config(config, config_dir=cfg, entrypoints=False)
        first = path.read_text().splitlines()[0] if path.is_file() else ""
        return no_secret(raises(lambda: engine.render({}), TemplateError, "is outside its folder"), first)
    return run


def include_escape(reference: str) -> Callable[[Path], str]:
    def run(folder: Path) -> str:
        (folder / "secret.j2").write_text(SECRET)
        (folder / "tpl").mkdir()
        (folder / "tpl" / "page.j2").write_text("{% include '" + reference + "' %}")
        config = {"templates": "tpl", "validators": {}, "segments": [{"id": "s", "template": "page.j2"}]}
        engine = Engine.from_config(config, config_dir=folder, entrypoints=False)
        return no_secret(raises(lambda: engine.render({}), TemplateError, "not found", "outside"))
    return run


def lexicon_file(name: str, trusted: bool, *words: str) -> Callable[[Path], str]:
    def run(folder: Path) -> str:
        cfg, outside = site(folder)
        (outside / "lex.yaml").write_text(f"priceRange:\n  cheap: [{SECRET}]\n")
        engine = Engine.from_config(lexicon_config(name), config_dir=cfg, entrypoints=False, trusted=trusted)
        return no_secret(lexicon_refused(engine, *words))
    return run


def plugin_file(folder: Path) -> str:
    cfg, _ = site(folder)
    engine = Engine.from_config(plugin_config(cfg), entrypoints=False)
    text = engine.render({"name": "Ada"}).text
    if (cfg / "ran.txt").exists() or text != "Hi Ada.":
        raise NotBlocked(f"the plugin file ran: {text!r}")
    return "not imported (listed as 'not allowed'); the config renders without it"


# serve ----------------------------------------------------------------------------------------------------------------


def _response(sock: Any) -> tuple[int, str]:
    """The status and body of the HTTP response on `sock` (read until the server closes or the body is complete)."""
    data = b""
    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
        try:
            piece = sock.recv(65_536)
        except OSError:
            break
        if not piece:
            break
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head.startswith(b"HTTP/") else 0
    return status, body.decode("utf-8", "replace")


def _length(data: bytes) -> int:
    found = re.search(rb"(?im)^content-length:\s*(\d+)", data)
    return int(found.group(1)) if found else 0


def _post(port: int, size: int, chunked: bool) -> tuple[int, str, int]:
    """POST a /render body of `size` bytes over a raw socket, as a client that keeps sending would, stopping when the
    server answers or hangs up: (status, body, bytes sent). Only the server's memory is in the measurement."""
    import select
    import socket

    prefix, suffix = b'{"record": {"name": "', b'", "price": 12}}'
    length = len(prefix) + size + len(suffix)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    head = f"POST /render HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    piece = b"y" * 65_536
    pieces = [prefix, *[piece] * (size // len(piece)), suffix]
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        for data in pieces:
            if select.select([sock], [], [], 0.05 if sent == 0 else 0)[0]:
                break  # the server has answered (or hung up) before the body was all sent
            try:
                sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
            except OSError:
                break
            sent += len(data)
        else:
            if chunked:
                try:
                    sock.sendall(b"0\r\n\r\n")
                except OSError:
                    pass
        status, body = _response(sock)
    return status, body, sent


def serve_body(chunked: bool, size: int) -> Callable[[Path], str]:
    def run(_: Path) -> str:
        import threading
        import urllib.request

        import uvicorn

        server_tests = _tests("test_server")
        port = server_tests._free_port()
        app = server_tests._template_app()  # the default --max-body-bytes, 1 MB
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            status, body, sent = _post(port, size, chunked)
            if status != 413:
                raise NotBlocked(f"status {status} after {sent:,} bytes sent: {_short(body)}")
            request = urllib.request.Request(f"http://127.0.0.1:{port}/render", method="POST",
                                             data=json.dumps({"record": {"name": "Ada", "price": 12}}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                text = json.loads(response.read())["text"]
            if text != "Ada costs 12.":
                raise NotBlocked(f"the next request got {text!r}")
        finally:
            server.should_exit = True
            thread.join(10)
        message = json.loads(body)["error"]["message"]
        return f"413 after {sent:,} bytes sent: {_short(message, 60)}; the next request renders"
    return run


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# the cases ------------------------------------------------------------------------------------------------------------


def cases() -> list[Case]:
    out: list[Case] = []
    t1, t2 = CORPUS_TIMEOUT_S, DEFAULT_TIMEOUT_S
    spacy = "" if _has("spacy") and _has("hybridnlg_spacy") else "spaCy is not installed"

    cls = "template injection (SSTI, tests/test_sandbox.py)"
    out += [Case(cls, name, ssti(payload), t1) for name, payload in PAYLOADS.items()]

    cls = "template resource limits (tests/test_limits.py)"
    out += [Case(cls, name, template_limit(template, record), t1) for name, (template, record) in TEMPLATES.items()]
    loops = TEMPLATES["empty-nested-loops"][0]  # the corpus runs at timeout_s 1 s; this is the default, 2 s
    out.append(Case(cls, "empty-nested-loops at the default timeout_s", lambda _: raises(
        lambda: template_engine(loops, t2).render({}), TemplateError, "time limit"), t2))

    cls = "config expression limits (`when`, titles, entity names)"
    out += [Case(cls, name, expression_limit(where, source), EXPRESSION_TIMEOUT_S)
            for name, (where, source) in EXPRESSIONS.items()]

    cls = "YAML bombs and odd config files"
    out += [
        Case(cls, f"alias bomb ({len(BOMB)} bytes, 9**9 values)", yaml_config(BOMB, "through its aliases"), t2),
        Case(cls, "self-referencing alias", yaml_config("a: &a [*a]\n" + SEGMENTS, "contains itself"), t2),
        Case(cls, "config over 10 MB", yaml_config(SEGMENTS + "#" + "x" * (11 * MB) + "\n", "at most"), t2),
        Case(cls, "deeply nested YAML (100,000 levels)", yaml_config("a: " + "[" * 100_000 + "]" * 100_000 + "\n"
                                                                      + SEGMENTS), t2),
        Case(cls, "config is /dev/zero", config_from("/dev/zero", "not a regular file"), t2),
        Case(cls, "config is a folder", config_from(str(ROOT), "not a regular file", "file not found"), t2),
        Case(cls, "lexicon file that is an alias bomb", lexicon_bomb, t2, spacy),
    ]

    cls = "bad data (records)"
    out += [Case(cls, f"poisoned record: {message}", poisoned(record, message), t2) for record, message in POISON]
    out += [
        Case(cls, "NaN printed", lambda _: raises(lambda: one_segment("{{ x }}").render({"x": math.nan}),
                                                  TemplateError), t2),
        Case(cls, "inf printed", lambda _: raises(lambda: one_segment("{{ x }}").render({"x": math.inf}),
                                                  TemplateError), t2),
        Case(cls, "list printed", lambda _: raises(lambda: one_segment("{{ x }}").render({"x": [1, 2]}),
                                                   TemplateError), t2),
        Case(cls, "dict printed", lambda _: raises(lambda: one_segment("{{ x }}").render({"x": {"a": 1}}),
                                                   TemplateError), t2),
        Case(cls, "NaN in a computed fact (business pack)", business_nan, t2),
        Case(cls, "1 MB string printed", lambda _: raises(lambda: one_segment("{{ x }}").render({"x": "y" * MB}),
                                                          TemplateError, "max_output_chars"), t2),
        Case(cls, "19,000 em spaces in a name (tidy)", em_spaces, t2),
        Case(cls, "odd Unicode (RTL override, zero width, emoji, braces)", odd_unicode, t2),
        Case(cls, "10 MB string in an unused field, E2E pack with spaCy", unused_huge_field, t2,
             spacy or ("" if E2E_ENGINE is not None else "the E2E pack's spaCy validator did not load")),
    ]

    cls = "bad JSONL lines (`hybridnlg batch`)"
    out += [
        Case(cls, "lone surrogate \\ud800", batch_line(b'{"name": "x\\ud800y", "price": 11}', "lone surrogate"), t2),
        Case(cls, "not UTF-8", batch_line(b'{"name": "\xff\xfe", "price": 11}', "not UTF-8"), t2),
        Case(cls, "100,000 nested brackets", batch_line(b"[" * 100_000 + b"]" * 100_000, "too deeply nested"), t2),
        Case(cls, "a 2 MB line", batch_line(json.dumps({"name": "y" * 2 * MB, "price": 11}).encode(), "over"), t2),
        Case(cls, "NaN literal printed", batch_line(b'{"name": NaN, "price": 11}', "nan", "NaN"), t2),
        Case(cls, "not an object", batch_line(b'[1, 2, 3]', "object", "mapping", "dict"), t2),
    ]

    cls = "path escapes and plugin files (tests/test_trust.py)"
    out += [Case(cls, f"templates: {name}", template_folder(i), t2)
            for i, name in enumerate(["/", "..", "../outside", "OUTSIDE (absolute)", "a link to a folder outside"])]
    out += [
        Case(cls, "template file linked to /etc/passwd", linked_template("/etc/passwd"), t2,
             "" if Path("/etc/passwd").is_file() else "no /etc/passwd here"),
        Case(cls, "template file linked to a file outside", linked_template("secret.j2"), t2),
    ]
    out += [Case(cls, f"{{% include '{ref}' %}}", include_escape(ref), t2)
            for ref in ["../secret.j2", "/etc/hostname", "tpl/../../secret.j2", "..\\secret.j2"]]
    out += [
        Case(cls, "lexicon_files: [/dev/zero]", lexicon_file("/dev/zero", False, "outside the config's folder"), t2,
             spacy),
        Case(cls, "lexicon_files: [/dev/zero], trusted", lexicon_file("/dev/zero", True, "not a regular file"), t2,
             spacy),
        Case(cls, "lexicon_files: [../outside/lex.yaml]",
             lexicon_file("../outside/lex.yaml", False, "outside the config's folder"), t2, spacy),
        Case(cls, "plugins: [evil.py] writing a file on import", plugin_file, t2),
    ]

    cls = "`serve` request bodies (1 MB limit)"
    serve = "" if _has("fastapi") and _has("uvicorn") else "fastapi or uvicorn is not installed"
    out += [
        Case(cls, "2 MB body with Content-Length", serve_body(False, 2 * MB), t2, serve),
        Case(cls, "2 MB chunked body", serve_body(True, 2 * MB), t2, serve),
        Case(cls, "64 MB body with Content-Length", serve_body(False, 64 * MB), t2, serve),
        Case(cls, "64 MB chunked body", serve_body(True, 64 * MB), t2, serve),
    ]
    return out


# measuring ------------------------------------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    found = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 0


def _child(case: Case, folder: Path, conn: multiprocessing.connection.Connection) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)  # the CLI's progress and summaries
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        reset = True
    except OSError:
        reset = False
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    try:
        outcome, blocked = case.run(folder), True
    except NotBlocked as exc:
        outcome, blocked = str(exc), False
    except BaseException as exc:  # noqa: BLE001 (anything else, HybridNLGError of an unexpected kind included)
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
        outcome, blocked = f"unexpected {type(exc).__name__}{where}: {_short(str(exc))}", False
    elapsed = time.perf_counter() - started
    added_kb = _status_kb("VmHWM") - before
    conn.send({"blocked": blocked, "outcome": outcome, "time_s": elapsed, "memory_mb": max(added_kb, 0) / 1024,
               "peak_reset": reset})
    conn.close()


def measure(case: Case) -> Row:
    with tempfile.TemporaryDirectory(prefix="hybridnlg-attack-") as folder:  # removed even if the child is killed
        return _measure(case, Path(folder))


def _measure(case: Case, folder: Path) -> Row:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(case, folder, send), daemon=True)
    started = time.perf_counter()
    process.start()
    send.close()
    result: dict[str, Any]
    if receive.poll(HANG_S):
        try:
            result = receive.recv()
        except EOFError:
            process.join(5)
            result = {"blocked": False, "outcome": f"the child died (exit code {process.exitcode})",
                      "time_s": time.perf_counter() - started, "memory_mb": math.nan, "peak_reset": False}
    else:
        process.kill()
        result = {"blocked": False, "outcome": f"still running after {HANG_S:.0f} s: killed",
                  "time_s": time.perf_counter() - started, "memory_mb": math.nan, "peak_reset": False}
    process.join(10)
    receive.close()
    limit = case.timeout_s + 1.0
    within = result["time_s"] < limit and result["memory_mb"] < LIMIT_MB  # NaN memory is not within
    return Row(case.attack, case.name, result["blocked"], result["outcome"], result["time_s"], result["memory_mb"],
               limit, within, result["peak_reset"])


def warm_up() -> None:
    """Finish lazy imports (Jinja2 plugin, babel, inflect, the CLI) in the parent, so that no child pays for them."""
    global E2E_ENGINE
    make_engine({"validators": {}, "segments": [{"id": "a", "template": "{{ n|number }} {{ w|plural }}, {{ d }}."}]}) \
        .render({"n": 1234, "w": "shop", "d": "x"})
    import hybridnlg.cli
    import hybridnlg.runtime.batch

    if _has("fastapi"):
        import hybridnlg.runtime.server  # noqa: F401
    E2E_ENGINE = e2e_spacy_engine()


def table(rows: list[Row], classes: list[str]) -> list[dict[str, Any]]:
    summary = []
    for attack in classes:
        mine = [r for r in rows if r.attack == attack]
        if mine:
            slowest = max(mine, key=lambda r: r.time_s)
            biggest = max(mine, key=lambda r: -1.0 if math.isnan(r.memory_mb) else r.memory_mb)
            summary.append({"attack": attack, "cases": len(mine), "blocked": sum(r.blocked for r in mine),
                            "worst_time_s": slowest.time_s, "slowest": slowest.case,
                            "worst_memory_mb": biggest.memory_mb, "biggest": biggest.case,
                            "within_limits": sum(r.within_limits for r in mine)})
    return summary


def select(quick: bool) -> tuple[list[Case], list[tuple[Case, str]]]:
    """The cases to run (all, or the first QUICK of each class) and those that cannot run here, with why."""
    selected: list[Case] = []
    skipped: list[tuple[Case, str]] = []
    per_class: dict[str, int] = {}
    for case in cases():
        if case.skip:
            skipped.append((case, case.skip))
            continue
        per_class[case.attack] = per_class.get(case.attack, 0) + 1
        if not quick or per_class[case.attack] <= QUICK:
            selected.append(case)
    return selected, skipped


def report(rows: list[Row], skipped: list[tuple[Case, str]], seconds: float, json_out: Path | None) -> bool:
    """Print the table and what went wrong; write the JSON. True when every case was blocked within the limits."""
    summary = table(rows, list(dict.fromkeys(row.attack for row in rows)))
    print("| attack class | cases tried | blocked | worst time (s) | worst memory (MB) |")
    print("|---|---|---|---|---|")
    for line in summary:
        print(f"| {line['attack']} | {line['cases']} | {line['blocked']} | {line['worst_time_s']:.2f} "
              f"| {line['worst_memory_mb']:.1f} |")
    bad = [r for r in rows if not r.blocked]
    over = [r for r in rows if r.blocked and not r.within_limits]
    print()
    print(f"{len(rows)} cases in {seconds:.0f} s; {len(rows) - len(bad)} blocked; "
          f"{sum(r.within_limits for r in rows)} within their timeout_s + 1 s and {LIMIT_MB:.0f} MB.")
    if not all(r.peak_reset for r in rows):
        print("Note: /proc/self/clear_refs refused the peak reset; small cases may show 0 MB.")
    for row in bad:
        print(f"NOT BLOCKED: {row.attack} / {row.case} ({row.time_s:.2f} s, {row.memory_mb:.1f} MB): {row.outcome}")
    for row in over:
        print(f"OVER THE LIMITS: {row.attack} / {row.case}: {row.time_s:.2f} s (limit {row.limit_s:.0f} s), "
              f"{row.memory_mb:.1f} MB: {row.outcome}")
    for case, why in skipped:
        print(f"skipped: {case.attack} / {case.name}: {why}")
    if json_out is not None:
        def finite(row: dict[str, Any]) -> dict[str, Any]:
            return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}

        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps({
            "classes": [finite(line) for line in summary], "cases": [finite(asdict(r)) for r in rows],
            "seconds": seconds, "limit_mb": LIMIT_MB, "hang_s": HANG_S,
            "skipped": [{"attack": c.attack, "case": c.name, "why": why} for c, why in skipped],
        }, indent=2) + "\n")
    return not bad and not over


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"at most {QUICK} cases per attack class")
    parser.add_argument("--json", dest="json_out", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every case as it ends (on stderr)")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        parser.error("needs Linux (/proc/self/status)")

    warm_up()
    selected, skipped = select(args.quick)
    started = time.perf_counter()
    rows: list[Row] = []
    for case in selected:
        row = measure(case)
        rows.append(row)
        if args.verbose or not row.blocked or not row.within_limits:
            mark = "ok" if row.blocked and row.within_limits else "!!"
            print(f"{mark} {row.attack} / {row.case}: {row.time_s:.3f} s, {row.memory_mb:.1f} MB: {row.outcome}",
                  file=sys.stderr, flush=True)
    return 0 if report(rows, skipped, time.perf_counter() - started, args.json_out) else 1


if __name__ == "__main__":
    sys.exit(main())
