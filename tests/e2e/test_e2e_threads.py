"""Threaded WASM: the page is cross-origin isolated and TF.js runs the thread count we choose
(static/js/segmenter/wasmThreads.js), in the page and in a dedicated Worker; without isolation it
falls back to one thread and says so. `pytest tests/e2e/test_e2e_threads.py`
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

READY_S = 120

WASM_FILES = """() => performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()).filter((n) => n.endsWith('.wasm'))"""


def test_page_is_cross_origin_isolated_and_runs_the_chosen_thread_count(open_page, server):
    app = open_page(server, backend="wasm")
    app.wait_for("() => document.getElementById('status-backend').textContent.includes('thread')", READY_S,
                 "the backend line to name the WASM threads")
    facts = app.evaluate(
        """async () => {
            const threads = await import('/js/segmenter/wasmThreads.js');
            return {
                isolated: globalThis.crossOriginIsolated,
                sharedMemory: typeof SharedArrayBuffer === 'function',
                expected: threads.chooseThreadCount({cores: navigator.hardwareConcurrency}),
                pill: document.getElementById('status-backend').textContent,
                status: document.getElementById('status').innerText,
            };
        }"""
    )
    assert facts["isolated"] is True and facts["sharedMemory"] is True
    noun = "thread" if facts["expected"] == 1 else "threads"
    assert facts["pill"] == f"backend: wasm · {facts['expected']} {noun}", facts
    assert "not cross-origin isolated" not in facts["status"]
    assert not [e for e in app.console_errors if "Content Security Policy" in e], app.console_errors


@pytest.mark.parametrize("where", ["worker", "main"])
def test_threads_in_the_address_override_the_default_where_tfjs_runs(open_page, server, where):
    app = open_page(server, backend="wasm", where=where, query="threads=2")
    app.wait_for("() => document.getElementById('status-backend').textContent.includes('thread')", READY_S,
                 "the backend line to name the WASM threads")
    assert app.page.inner_text("#status-backend") == "backend: wasm · 2 threads"


def test_a_thread_count_that_is_not_one_is_named_and_the_default_used(open_page, server):
    app = open_page(server, backend="wasm", where="worker", query="threads=lots")
    app.wait_for("() => document.getElementById('status-backend').textContent.includes('thread')", READY_S,
                 "the backend line to name the WASM threads")
    expected = app.evaluate("""async () => (await import('/js/segmenter/wasmThreads.js'))
        .chooseThreadCount({cores: navigator.hardwareConcurrency})""")
    noun = "thread" if expected == 1 else "threads"
    assert app.page.inner_text("#status-backend") == f"backend: wasm · {expected} {noun}"
    assert "?threads=lots is not a thread count" in app.page.inner_text("#status")


def _bench_page(browser, server, query: str):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}bench/index.html?{query}")
    page.wait_for_function("() => !!window.bench", timeout=30_000)
    info = page.evaluate(f"() => Promise.race([window.bench.ready, new Promise((_, no) => setTimeout(() => no(new Error('not ready')), {READY_S * 1000}))])")
    return context, page, info, errors


def _mask(page) -> list[float]:
    return page.evaluate(
        """async () => {
            const canvas = document.createElement('canvas');
            canvas.width = 320; canvas.height = 240;
            const g = canvas.getContext('2d');
            g.fillStyle = '#3a5f8a'; g.fillRect(0, 0, 320, 240);
            g.fillStyle = '#c89b7b'; g.beginPath(); g.ellipse(160, 110, 50, 70, 0, 0, 2 * Math.PI); g.fill();
            const added = await window.bench.addImage(canvas.toDataURL('image/png').split(',')[1], 'image/png');
            const mask = await window.bench.segmentImage(added.id, false);
            const bytes = Uint8Array.from(atob(mask.data), (c) => c.charCodeAt(0));
            return Array.from(new Float32Array(bytes.buffer));
        }"""
    )


def test_threaded_build_runs_two_threads_and_gives_the_single_threaded_masks(browser, server):
    context, page, info, errors = _bench_page(browser, server, "system=ours&backend=wasm&model=live&threads=2")
    try:
        assert info["crossOriginIsolated"] is True
        assert info["wasm"]["build"] == "threaded-simd" and info["wasm"]["threads"] == 2
        assert page.evaluate(WASM_FILES) == ["tfjs-backend-wasm-threaded-simd.wasm"]
        threaded = _mask(page)
    finally:
        context.close()
    context, page, info, _ = _bench_page(browser, server, "system=ours&backend=wasm&model=live&build=single")
    try:
        assert info["wasm"]["build"] == "simd" and info["wasm"]["threads"] == 1
        assert page.evaluate(WASM_FILES) == ["tfjs-backend-wasm-simd.wasm"]
        single = _mask(page)
    finally:
        context.close()
    assert len(threaded) == len(single) > 0
    assert max(abs(a - b) for a, b in zip(threaded, single)) < 1e-3  # same model, same masks
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_wasm_threads_start_inside_a_dedicated_worker(browser, server):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}bench/index.html?system=none")
        reply = page.evaluate(
            f"""() => new Promise((resolve, reject) => {{
                const worker = new Worker('/bench/wasmThreadsWorker.js');
                const timer = setTimeout(() => reject(new Error('the worker never answered')), {READY_S * 1000});
                worker.onmessage = ({{data}}) => {{ clearTimeout(timer); worker.terminate(); resolve(data); }};
                worker.onerror = (event) => {{ clearTimeout(timer); reject(new Error(event.message)); }};
                worker.postMessage({{threads: 2}});
            }})"""
        )
    finally:
        context.close()
    assert "error" not in reply, reply
    assert reply["crossOriginIsolated"] is True
    assert reply["build"] == "threaded-simd" and reply["threads"] == 2
    assert reply["product"] == 64  # a matMul ran on the threaded backend


def test_without_isolation_the_page_uses_one_thread_and_says_so(browser, server):
    context = browser.new_context()
    # The document without COEP: not cross-origin isolated, so no SharedArrayBuffer (as when the
    # page is served by a host that does not send the headers).
    def strip_coep(route):
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "cross-origin-embedder-policy"}
        route.fulfill(response=response, headers=headers)

    context.route(lambda url: urlsplit(url).path in ("/", "/index.html"), strip_coep)
    context.add_init_script("localStorage.setItem('greenscreen.settings.v1', JSON.stringify({backend: 'wasm'}))")
    try:
        page = context.new_page()
        page.goto(server.url + "?framepath=main")  # TF.js on the page itself (the Worker has its own)
        page.wait_for_function(
            "() => document.getElementById('status-backend').textContent.includes('thread')", timeout=READY_S * 1000
        )
        facts = page.evaluate(
            """() => ({
                isolated: globalThis.crossOriginIsolated,
                threads: tf.wasm.getThreadsCount(),
                pill: document.getElementById('status-backend').textContent,
                notice: document.getElementById('status').innerText,
            })"""
        )
        wasm = page.evaluate(WASM_FILES)
    finally:
        context.close()
    assert facts["isolated"] is False
    assert facts["threads"] == 1
    assert "backend: wasm · 1 thread (not cross-origin isolated)" in facts["pill"], json.dumps(facts)
    assert wasm == ["tfjs-backend-wasm-simd.wasm"]
