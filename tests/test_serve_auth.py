"""Access control of `hybridnlg serve`: API keys from the environment or a file, Bearer, 401, open probes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hybridnlg.runtime.auth import ENV_API_KEYS, ApiKeyError, load_api_keys, match_key
from tests.conftest import RunCli
from tests.serve_fixtures import KEY_A, KEY_B, log_lines, template_app

RECORD = {"name": "Ada", "price": 12}
KEYS = (SecretStr(KEY_A), SecretStr(KEY_B))


def test_keys_come_from_the_environment_and_a_file(tmp_path: Path) -> None:
    file = tmp_path / "keys"
    file.write_text(f"# the billing service\n{KEY_B}\n\n{KEY_A}\n")
    assert load_api_keys(environ={ENV_API_KEYS: f" {KEY_A} ,"}) == (KEY_A,)
    assert load_api_keys(file, environ={ENV_API_KEYS: KEY_A}) == (KEY_A, KEY_B)  # duplicates once
    assert load_api_keys(environ={}) == ()


@pytest.mark.parametrize(("content", "message"), [
    ("short", "key 1 has 5 characters; use at least 16"),
    ("has a space in it here", "spaces, commas or characters outside printable ASCII"),
    ("# only a comment\n", "no API key in the file"),
])
def test_weak_or_empty_keys_are_refused_without_printing_them(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "keys"
    file.write_text(content)
    with pytest.raises(ApiKeyError, match=message) as caught:
        load_api_keys(file, environ={})
    assert content.strip() not in str(caught.value)
    with pytest.raises(ApiKeyError, match="cannot read the API key file"):
        load_api_keys(tmp_path / "missing", environ={})


def test_match_key_names_the_key_by_position_only() -> None:
    keys = (KEY_A.encode(), KEY_B.encode())
    assert match_key(f"Bearer {KEY_B}".encode(), keys) == 1
    assert match_key(f"bearer {KEY_A}".encode(), keys) == 0
    assert match_key(KEY_A.encode(), keys) is None  # no scheme
    assert match_key(f"Basic {KEY_A}".encode(), keys) is None
    assert match_key(f"Bearer {KEY_A}x".encode(), keys) is None
    assert match_key(None, keys) is None


def test_without_a_valid_key_every_endpoint_but_the_probes_is_401() -> None:
    with TestClient(template_app(api_keys=KEYS)) as client:
        check_every_endpoint(client)


def check_every_endpoint(client: TestClient) -> None:
    for method, path in [("post", "/render"), ("post", "/batch"), ("post", "/verify"), ("get", "/plugins"),
                         ("get", "/docs"), ("get", "/openapi.json"), ("get", "/nowhere"),
                         ("get", "/playground/samples"), ("post", "/playground/explain")]:
        answer = client.request(method, path, json={"record": RECORD})
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"] == 'Bearer realm="hybridnlg"'
        assert "Authorization: Bearer KEY" in answer.json()["error"]["message"]
    wrong = client.post("/render", json={"record": RECORD}, headers={"Authorization": "Bearer not-a-key-0123456789"})
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["www-authenticate"]
    for key in (KEY_A, KEY_B):
        ok = client.post("/render", json={"record": RECORD}, headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200 and ok.json()["text"] == "Ada costs 12."
        assert client.get("/openapi.json", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    for path in ("/health", "/health/live", "/health/ready", "/metrics"):
        assert client.get(path).status_code == 200, path
    # the playground page holds no data: it stays open, and its calls need the key
    page = client.get("/")
    assert page.status_code == 200 and "<!doctype html>" in page.text.lower()


def test_probes_and_metrics_can_be_protected_too() -> None:
    with TestClient(template_app(api_keys=KEYS, protect_health=True, protect_metrics=True)) as client:
        for path in ("/health", "/health/live", "/health/ready", "/metrics"):
            assert client.get(path).status_code == 401, path
            assert client.get(path, headers={"Authorization": f"Bearer {KEY_A}"}).status_code == 200, path


def test_without_keys_the_service_is_open() -> None:
    assert TestClient(template_app()).post("/render", json={"record": RECORD}).status_code == 200


def test_keys_are_never_logged_nor_shown_in_settings() -> None:
    app = template_app(api_keys=KEYS, log_json=True)
    with log_lines() as logs:
        client = TestClient(app)
        client.post("/render", json={"record": RECORD}, headers={"Authorization": f"Bearer {KEY_B}"})
        client.post("/render", json={"record": RECORD}, headers={"Authorization": f"Bearer {KEY_A}zz"})
    lines = logs.parsed()
    assert [line["status"] for line in lines] == [200, 401]
    assert [line["api_key"] for line in lines] == [1, "invalid"]
    assert KEY_A not in "".join(logs.lines) and KEY_B not in "".join(logs.lines)
    assert KEY_A not in repr(app.state.service.settings)


def test_serve_refuses_a_weak_key_before_starting(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PACKS

    monkeypatch.setenv(ENV_API_KEYS, "tiny-secret")
    done = run_cli("serve", str(PACKS / "business" / "config.yaml"))
    assert done.exit_code == 1 and "key 1 has 11 characters; use at least 16" in done.stderr
    assert "tiny-secret" not in done.stderr and "Traceback" not in done.stderr


def test_an_open_root_page_opens_nothing_under_it() -> None:
    from hybridnlg.runtime.auth import BearerAuth

    auth = BearerAuth(None, (KEY_A.encode(),), open_paths=("/", "/health"))
    assert auth._is_open("/") and auth._is_open("/health/ready")
    assert not auth._is_open("/render") and not auth._is_open("/healthz")
