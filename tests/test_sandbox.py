"""Server-side template injection corpus: each payload ends in a clear TemplateError and has no side effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from hybridnlg import TemplateError
from hybridnlg.testing import make_engine

MARK = "/tmp/hybridnlg-ssti-pwned"
SHELL = f"touch {MARK}"

PAYLOADS = {
    "class-mro-subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "class-base-subclasses": "{{ ().__class__.__base__.__subclasses__() }}",
    "globals-via-method": "{{ ''.join.__globals__ }}",
    "builtins-via-self": "{{ self.__init__.__globals__.__builtins__ }}",
    "self-dict": "{{ self.__dict__ }}",
    "cycler-os": "{{ cycler.__init__.__globals__.os.popen('" + SHELL + "').read() }}",
    "joiner-os": "{{ joiner.__init__.__globals__.os.system('" + SHELL + "') }}",
    "namespace-os": "{{ namespace.__init__.__globals__.os.system('" + SHELL + "') }}",
    "lipsum-os": "{{ lipsum.__globals__['os'].popen('" + SHELL + "').read() }}",
    "lipsum-builtins-import": "{{ lipsum.__globals__.__builtins__.__import__('os').system('" + SHELL + "') }}",
    "config-global": "{{ config.items() }}",
    "request-global": "{{ request.application.__globals__ }}",
    "attr-filter-dunder": "{{ ''|attr('__class__')|attr('__mro__') }}",
    "attr-filter-escaped-dunder": "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "format-string-attr": "{{ '{0.__class__.__mro__}'.format('') }}",
    "format-map": "{{ '{x.__class__}'.format_map({'x': ''}) }}",
    "percent-format-dict": "{{ '%(a)s' % {'a': ''.__class__} }}",
    "getattr-chain-func-code": "{{ (lambda_x).__code__ if false else ''.upper.__self__.__class__.__subclasses__() }}",
    "huge-range": "{% for i in range(10**9) %}x{% endfor %}",
    "nested-loops": "{% for i in range(9999) %}{% for j in range(9999) %}{% for k in range(9999) %}{% endfor %}{% endfor %}{% endfor %}",
    "string-multiplication": "{{ 'x' * 10**9 }}",
    "list-multiplication": "{{ ([1] * 10**8) | length }}",
    "power-bomb": "{{ 2 ** 10000000 }}",
    "output-flood": "{% for i in range(9999) %}{{ 'abcdefghij' * 9 }}{% endfor %}",
    "mro-via-getitem": "{{ ''['__class__'] }}",
    "func-globals-filter": "{{ (''|attr('upper'))|attr('__globals__') }}",
    "import-statement": "{% import 'os' as os %}{{ os }}",
}


@pytest.fixture(autouse=True)
def no_mark() -> None:
    Path(MARK).unlink(missing_ok=True)
    yield
    assert not Path(MARK).exists(), "a payload ran a shell command"


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payload_is_blocked_with_a_clear_error(payload: str) -> None:
    engine = make_engine({"validators": {}, "segments": [{"id": "evil", "template": payload}],
                          "realizers": {"template": {"timeout_s": 1.0}}})
    with pytest.raises(TemplateError) as info:
        engine.render({})
    assert info.value.segment == "evil"
    message = str(info.value)
    assert any(word in message for word in ("sandbox", "undefined", "unsafe", "limit", "not found", "max_output_chars", "no attribute")), message


def test_corpus_size() -> None:
    assert len(PAYLOADS) >= 20


@pytest.mark.parametrize("reference", ["../secret.j2", "/etc/hostname", "tpl/../../secret.j2", "..\\secret.j2"])
def test_templates_cannot_read_outside_their_folders(tmp_path: Path, reference: str) -> None:
    (tmp_path / "secret.j2").write_text("TOP SECRET")
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "page.j2").write_text("{% include '" + reference + "' %}")
    for template in ("page.j2", reference if reference.endswith(".j2") else "x.j2"):
        engine = make_engine({"templates": str(folder), "validators": {}, "segments": [{"id": "s", "template": template}]},
                             config_dir=tmp_path)  # the template folder must lie inside the config's folder
        with pytest.raises(TemplateError) as info:
            engine.render({})
        assert "not found" in str(info.value) and "TOP SECRET" not in str(info.value)
