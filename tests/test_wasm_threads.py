"""static/js/segmenter/wasmThreads.js in Node with a stand-in TF.js (no browser): `pytest tests/test_wasm_threads.py`.

The browser side (isolation, the real threaded build, a Worker, the fallback) is tests/e2e/test_e2e_threads.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[1] / "static" / "js" / "segmenter" / "wasmThreads.js"

# A stand-in for the parts of TF.js the module touches, and a scope like a page's (or a Worker's).
HARNESS = """
import * as threads from %(module)s;
const seen = {flags: {}, threadsCount: null, coresDuringStart: null, registered: null};
const navigatorProto = {get hardwareConcurrency() { return %(cores)d; }};
const scope = {crossOriginIsolated: %(isolated)s, SharedArrayBuffer: %(sab)s, navigator: Object.create(navigatorProto)};
let factory = async () => { seen.coresDuringStart = scope.navigator.hardwareConcurrency; return {}; };
const tf = {
  env: () => ({set: (name, value) => { seen.flags[name] = value; }}),
  wasm: {setThreadsCount: (n) => { seen.threadsCount = n; }, getThreadsCount: () => seen.threadsCount ?? 1},
  findBackendFactory: (name) => (name === 'wasm' ? factory : null),
  removeBackend: () => {},
  registerBackend: (name, f, priority) => { factory = f; seen.registered = {name, priority}; },
};
threads.setWasmThreadOptions(%(options)s);
const plan = threads.configureWasmThreads(tf, scope);
await factory();
seen.coresAfterStart = scope.navigator.hardwareConcurrency;
const info = threads.describeWasmThreads(tf, scope);
console.log(JSON.stringify({plan, info, seen, label: threads.wasmThreadsLabel(),
  counts: [1, 2, 4, 8, 16, 64].map((cores) => threads.chooseThreadCount({cores})),
  asked: [threads.chooseThreadCount({cores: 2, requested: 3}), threads.chooseThreadCount({cores: 16, requested: 12}),
          threads.chooseThreadCount({cores: 8, threads: false})]}));
"""


def run(cores: int = 2, isolated: bool = True, sab: bool = True, options: dict | None = None) -> dict:
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    script = HARNESS % {
        "module": json.dumps(MODULE.as_uri()), "cores": cores, "isolated": json.dumps(isolated),
        "sab": "SharedArrayBuffer" if sab else "undefined", "options": json.dumps(options or {}),
    }
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_default_count_is_half_the_logical_cores_at_most_four():
    found = run(cores=8)
    assert found["counts"] == [1, 1, 2, 4, 4, 4]
    assert found["asked"] == [2, 8, 1]  # asked for: at most the cores and TF.js's 8 workers; 1 without threads
    assert found["plan"] == {"threads": 4, "isolated": True, "build": "threaded-simd", "note": None}
    assert found["seen"]["threadsCount"] == 4 and "WASM_HAS_MULTITHREAD_SUPPORT" not in found["seen"]["flags"]
    assert found["seen"]["registered"] is None  # 8 cores: TF.js's own cap (4) already allows 4 threads
    assert found["label"] == "4 threads"


def test_asking_above_tfjs_cap_reports_more_cores_only_while_the_module_starts():
    found = run(cores=2, options={"threads": 2})
    assert found["plan"]["threads"] == 2 and found["seen"]["threadsCount"] == 2
    assert found["seen"]["registered"] == {"name": "wasm", "priority": 2}
    assert found["seen"]["coresDuringStart"] == 4  # TF.js keeps half of what it reads
    assert found["seen"]["coresAfterStart"] == 2  # the real value again
    assert found["label"] == "2 threads"


def test_without_shared_memory_one_thread_on_the_single_threaded_build_and_a_note():
    found = run(cores=8, isolated=False, sab=False)
    assert found["plan"]["threads"] == 1 and found["plan"]["build"] == "simd"
    assert found["seen"]["flags"] == {"WASM_HAS_MULTITHREAD_SUPPORT": False}
    assert "not cross-origin isolated" in found["plan"]["note"]
    assert found["label"] == "1 thread (not cross-origin isolated)"


def test_the_single_threaded_build_on_request_needs_no_note():
    found = run(cores=8, options={"build": "single"})
    assert found["plan"] == {"threads": 1, "isolated": True, "build": "simd", "note": None}
    assert found["seen"]["flags"] == {"WASM_HAS_MULTITHREAD_SUPPORT": False}
