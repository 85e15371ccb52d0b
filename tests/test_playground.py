"""The playground page at `/`, mounted on the real app: the page, the explain endpoint, and a real browser."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from fastapi.testclient import TestClient  # noqa: E402

from hybridnlg import Engine  # noqa: E402
from hybridnlg.runtime.playground import sample_records  # noqa: E402
from hybridnlg.runtime.server import create_app  # noqa: E402
from hybridnlg.testing import FakeRealizer, FakeValidator, make_engine, plugin_of  # noqa: E402
from tests.conftest import PACKS  # noqa: E402

HOSTILE = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>"
CONFIG = {
    "realizers": {"fake": {"texts": ["{name} serves {food} food.", "{name} is a BAD place for {food}."]}},
    "validators": {"fake": {"reject": ["BAD"]}},
    "routing": {"auto": ["fake", "template"]},
    "document": {"title": "About {{ name }}"},
    "segments": [{"id": "intro", "template": "{{ name }} has {{ food }}.", "facts": ["name", "food"],
                  "realizer": "auto"}],
    "decision": {"validate": "all", "prefer": ["fake", "template"]},
}


def engine_in(folder: Path) -> Engine:
    (folder / "record.json").write_text(json.dumps({"name": "Zizzi", "food": "Italian"}), encoding="utf-8")
    (folder / "records.jsonl").write_text('{"name": "Cotto", "food": "Thai"}\nnot json\n[1]\n', encoding="utf-8")
    return make_engine(CONFIG, plugin_of(FakeRealizer, FakeValidator), config_dir=folder)


def app_for(engine: Engine) -> Any:
    app = create_app(engine)
    return app


def test_sample_records_come_from_beside_the_config(tmp_path: Path) -> None:
    engine_in(tmp_path)
    assert [s["label"] for s in sample_records(tmp_path)] == ["record.json: Zizzi", "records.jsonl: Cotto"]
    assert [s["label"] for s in sample_records(PACKS / "e2e")][:2] == ["record.json: The Eagle", "records.jsonl #1: The Eagle"]
    assert sample_records(tmp_path / "nowhere") == []


def test_page_is_self_contained_static_and_locked_down(tmp_path: Path) -> None:
    with TestClient(app_for(engine_in(tmp_path))) as client:
        response, again = client.get("/"), client.get("/")
        offer = client.get("/playground/samples").json()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    policy = response.headers["content-security-policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert page.count(f'nonce="{nonce}"') == 2  # the one <style> and the one script that runs
    assert nonce not in again.text  # a fresh nonce per answer
    assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere
    assert "Zizzi" not in page  # the page holds no data: it can stay open where the API wants a key
    assert offer["realizers"][0] == "auto" and {"fake", "template"} <= set(offer["realizers"])
    assert offer["samples"][0] == {"label": "record.json: Zizzi", "record": {"name": "Zizzi", "food": "Italian"}}


def test_explain_turns_a_render_answer_into_the_trace_view(tmp_path: Path) -> None:
    with TestClient(app_for(engine_in(tmp_path))) as client:
        answer = client.post("/render", json={"record": {"name": HOSTILE, "food": "Thai"}, "format": "html",
                                              "trace": True}).json()
        view = client.post("/playground/explain", json=answer)
        assert client.post("/playground/explain", json={"segments": "no"}).status_code == 422
    assert view.status_code == 200
    html = view.json()["html"]
    assert html.startswith('<section class="trace">') and '<tr class="chosen">' in html
    assert "<img" not in html and "<script" not in html and "&lt;img src=x onerror=" in html


def _chromium() -> str | None:
    for candidate in (os.environ.get("HYBRIDNLG_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app_for(engine_in(tmp_path)), host="127.0.0.1", port=_free_port(),
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started or not thread.is_alive():
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_playground_renders_a_record_in_chromium(served: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium found: `apt-get install chromium` (scripts/run.sh does it where apt-get exists) or "
                    "set HYBRIDNLG_CHROMIUM to a Chromium or Chrome binary")
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page()
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("dialog", lambda dialog: (problems.append("dialog: " + dialog.message), dialog.dismiss()))
            page.goto(served + "/")
            page.wait_for_selector("#input[data-state=ready]")
            assert page.locator("#sample option").all_text_contents() == ["record.json: Zizzi", "records.jsonl: Cotto"]
            page.select_option("#sample", "1")
            assert json.loads(page.input_value("#record")) == {"name": "Cotto", "food": "Thai"}
            page.click("#render")
            page.wait_for_selector("#input[data-state=done]")
            assert page.inner_text("#document h1") == "About Cotto"
            assert page.inner_text("#document p") == "Cotto serves Thai food."
            assert page.locator("#trace section.trace details.segment").count() == 1
            assert page.locator("#trace tr.chosen mark.fact").all_text_contents() == ["Cotto", "Thai"]
            assert page.locator("#trace mark.issue").first.inner_text() == "BAD"

            page.fill("#record", json.dumps({"name": HOSTILE, "food": "Thai"}))  # a record that tries to run code
            page.select_option("#realizer", "template")
            page.click("#render")
            page.wait_for_selector("#input[data-state=done]")
            assert HOSTILE in page.inner_text("#document p")  # shown as text, never parsed as markup
            assert page.locator("#document img, #document script, #trace img").count() == 0
            assert page.evaluate("window.__xss") is None
            assert page.locator("#trace tr.chosen td").nth(1).inner_text() == "template"

            page.fill("#record", "[1, 2]")
            page.click("#render")
            page.wait_for_selector("#input[data-state=error]")
            assert "JSON object" in page.inner_text("#status")
        finally:
            browser.close()
    assert problems == []  # no script error, no dialog, no Content-Security-Policy violation
