"""Tests for bench/browser_bench.py: the pure parts (stats, bytes, scoring, ratios, Markdown, schema), a
small real run in headless Chromium on two systems (ours on WASM, MediaPipe on the CPU) and the other systems'
wiring up to their first mask (e2e + slow; skipped without chromium, ffmpeg, playwright or node_modules).

    pytest tests/test_browser_bench.py -m "not slow"     # the quick part
"""

from __future__ import annotations

import base64
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "bench" / "browser_bench.py"


def _load_bench():
    spec = importlib.util.spec_from_file_location("browser_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["browser_bench"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def _system(name, family, **values):
    base = {"name": name, "family": family, "backend": "webgl", "miou": 90.0, "ms_median": 10.0, "ms_p90": 20.0,
            "fps_webcam": 30.0, "first_mask_ms": 1000.0, "bytes": 1_000_000, "error": None}
    base.update(values)
    return base


# ---------------------------------------------------------------- stats


def test_percentiles_match_numpy_linear_interpolation():
    times = [5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 6.0, 7.0, 8.0, 9.0]
    stats = bench.time_stats(times)
    assert stats["ms_median"] == pytest.approx(5.5)
    assert stats["ms_p90"] == pytest.approx(9.1)  # 1..10: index 8.1 -> 9 + 0.1
    assert stats["ms_mean"] == pytest.approx(5.5)
    assert stats["frames_timed"] == 10


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        bench.percentile([], 50)


# ---------------------------------------------------------------- bytes


def test_download_bytes_counts_runtime_and_model_but_not_the_bench_page():
    resources = [
        {"url": "http://127.0.0.1:5000/bench/bench.js", "encodedBodySize": 9000},
        {"url": "http://127.0.0.1:5000/vendor/tfjs/tf.es2017.min.js", "encodedBodySize": 1000},
        {"url": "http://127.0.0.1:5000/js/segmenter/index.js", "encodedBodySize": 10},
        {"url": "http://127.0.0.1:5000/model/model.json", "encodedBodySize": 200},
        {"url": "http://127.0.0.1:5000/model/group1-shard1of1.bin", "encodedBodySize": 300},
        {"url": "http://127.0.0.1:5000/vendor/selfie_segmentation/selfie_segmentation.tflite", "encodedBodySize": 40},
    ]
    found = bench.download_bytes(resources)
    assert found["bytes"] == 1550
    assert found["bytes_model"] == 540
    assert found["bytes_runtime"] == 1010
    assert [f["path"] for f in found["files"]][0] == "/vendor/tfjs/tf.es2017.min.js"


# ---------------------------------------------------------------- masks and scoring


def _encoded(array: np.ndarray, dtype: str) -> dict:
    data = array.astype("<f4" if dtype == "float32" else np.uint8).tobytes()
    return {"dtype": dtype, "width": array.shape[1], "height": array.shape[0], "data": base64.b64encode(data).decode()}


def test_decode_mask_reads_float32_and_uint8():
    probability = np.array([[0.0, 0.25], [0.75, 1.0]], dtype=np.float32)
    assert np.array_equal(bench.decode_mask(_encoded(probability, "float32")), probability)
    eight_bit = np.array([[0, 255], [128, 64]], dtype=np.uint8)
    assert np.allclose(bench.decode_mask(_encoded(eight_bit, "uint8")), eight_bit / 255.0)
    with pytest.raises(ValueError):
        bench.decode_mask({"dtype": "float64", "width": 1, "height": 1, "data": ""})


def test_score_mask_upsamples_to_the_photo_and_thresholds_at_half():
    # Left half person in a 4x4 probability map; the photo is 8x8.
    probability = np.zeros((4, 4), dtype=np.float32)
    probability[:, :2] = 1.0
    truth = np.zeros((8, 8), dtype=np.uint8)
    truth[:, :4] = 1
    assert bench.score_mask(probability, truth) == pytest.approx(1.0)
    truth_right = np.zeros((8, 8), dtype=np.uint8)
    truth_right[:, 4:] = 1
    assert bench.score_mask(probability, truth_right) == pytest.approx(0.0)
    # 0.49 everywhere is background at threshold 0.5
    assert bench.score_mask(np.full((4, 4), 0.49, np.float32), truth) == pytest.approx(0.0)


def test_frame_path_stats_pair_the_frames_taken_in_turns():
    found = {"onePath": [10.0, 12.0, 11.0, 30.0], "twoPreparations": [14.0, 15.0, 16.0, 31.0], "width": 640, "height": 480}
    stats = bench.frame_path_stats(found)
    assert stats["one_path_ms_median"] == pytest.approx(11.5)
    assert stats["two_preparations_ms_median"] == pytest.approx(15.5)
    # per pair: 4, 3, 5, 1 -> median 3.5 (not the difference of medians, 4.0: pairs cancel the slow frame)
    assert stats["saving_ms_median"] == pytest.approx(3.5)
    assert stats["frames_each"] == 4 and stats["size"] == [640, 480]


def test_markdown_shows_the_frame_path_saving():
    system = _system("ours-wasm", "ours", backend="wasm", frame_path={
        "one_path_ms_median": 50.0, "two_preparations_ms_median": 58.5, "saving_ms_median": 8.0,
        "saving_ms_p10_p90": [2.0, 12.0], "frames_each": 30, "size": [640, 480]})
    text = bench.render_markdown({"systems": [system], "environment": {}, "ratios": {}})
    assert "| ours-wasm | 50.0 | 58.5 | 8.0 (2.0–12.0) |" in text


def test_photo_path_stats_leave_out_the_first_photo():
    stats = bench.photo_path_stats([900.0, 300.0, 320.0, 310.0], [(600, 800), (384, 512), (384, 512), (600, 800)], True)
    assert stats["ms_median"] == pytest.approx(310.0) and stats["photos_timed"] == 3
    assert stats["photo_size_median"] == [384, 512] and stats["flip"] is True
    assert bench.photo_path_stats([900.0], [(600, 800)], True) is None  # nothing left once the first is out


def test_markdown_shows_the_photo_path():
    system = _system("ours-wasm", "ours", backend="wasm", photo_path={
        "ms_median": 612.4, "ms_p90": 700.0, "photos_timed": 9, "photo_size_median": [600, 800], "flip": True})
    text = bench.render_markdown({"systems": [system], "environment": {}, "ratios": {}})
    assert "| ours-wasm | 612.4 | 700.0 | 9 | 600×800 | yes |" in text


# ---------------------------------------------------------------- ratios, Markdown, schema


def test_ratio_table_pairs_every_ours_with_every_mediapipe_and_skips_failures():
    systems = [
        _system("ours-webgl", "ours", ms_median=40.0, fps_webcam=10.0, bytes=2_000_000, miou=92.0),
        _system("mediapipe-general-gpu", "mediapipe", ms_median=10.0, fps_webcam=20.0, bytes=500_000, miou=96.0),
        _system("mediapipe-landscape-gpu", "mediapipe", ms_median=8.0, error="boom"),
    ]
    table = bench.ratio_table(systems)
    assert list(table) == ["ours-webgl / mediapipe-general-gpu"]
    row = table["ours-webgl / mediapipe-general-gpu"]
    assert row["ms_median"] == pytest.approx(4.0)
    assert row["fps_webcam"] == pytest.approx(0.5)
    assert row["bytes"] == pytest.approx(4.0)
    assert row["miou_points"] == pytest.approx(-4.0)


def test_markdown_has_a_row_per_system_the_ratios_and_the_note():
    systems = [
        _system("ours-wasm", "ours", backend="wasm"),
        _system("mediapipe-general-cpu", "mediapipe", backend="wasm-cpu"),
        _system("mediapipe-landscape-cpu", "mediapipe", backend="wasm-cpu", error="no WebGL"),
    ]
    report = {"systems": systems, "environment": {"images_scored": 3, "data": "x", "tta": True}, "ratios": bench.ratio_table(systems)}
    text = bench.render_markdown(report)
    assert "| ours-wasm | wasm | 90.00 | 10.0 | 20.0 | 30.00 | 1.00 | 1.00 |" in text
    assert "| mediapipe-landscape-cpu | wasm-cpu | failed: no WebGL |" in text
    assert "| ours-wasm / mediapipe-general-cpu | 1.00× |" in text
    assert "compare the ratios" in text


def test_schema_problems_finds_missing_and_bad_fields():
    good = {"systems": [_system("ours-webgl", "ours")], "environment": {}, "ratios": {}}
    assert bench.schema_problems(good) == []
    bad = {"systems": [_system("ours-webgl", "ours", ms_p90=None, bytes=0)], "environment": {}}
    problems = bench.schema_problems(bad)
    assert "missing top-level key 'ratios'" in problems
    assert any("ms_p90" in p for p in problems) and any("bytes" in p for p in problems)
    failed = {"systems": [_system("ours-webgl", "ours", miou=None, error="boom")], "environment": {}, "ratios": {}}
    assert bench.schema_problems(failed) == []  # a failed system only needs its keys


def test_system_specs_and_argument_validation():
    specs = bench.system_specs(["wasm"], ["cpu"])
    assert [s.name for s in specs] == ["ours-wasm", "mediapipe-general-cpu", "mediapipe-landscape-cpu"]
    assert specs[0].query == "system=ours&backend=wasm&model=live"
    assert bench.system_specs(["webgl"], [], "photo")[0].query == "system=ours&backend=webgl&model=photo"
    with pytest.raises(SystemExit):
        bench.parse_args(["--data", "x", "--json", "y", "--backends", "webgpu"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--data", "x", "--json", "y", "--frames", "0"])
    args = bench.parse_args(["--data", "x", "--json", "y", "--backends", "wasm,wasm", "--mediapipe", ""])
    assert args.backends == ["wasm"] and args.mediapipe == []
    assert args.mediapipe_variants == ["general", "landscape"]


def test_mediapipe_variants_choose_its_models():
    specs = bench.system_specs([], ["gpu", "cpu"], mediapipe_variants=["landscape"])
    assert [(s.name, s.backend, s.query) for s in specs] == [
        ("mediapipe-landscape-gpu", "wasm+webgl", "system=mediapipe&model=1"),
        ("mediapipe-landscape-cpu", "wasm-cpu", "system=mediapipe&model=1&cpu=1"),
    ]
    args = bench.parse_args(["--data", "x", "--json", "y", "--mediapipe-variants", "landscape,general"])
    assert args.mediapipe_variants == ["landscape", "general"]
    with pytest.raises(SystemExit):
        bench.parse_args(["--data", "x", "--json", "y", "--mediapipe-variants", "portrait"])
    with pytest.raises(SystemExit):  # nothing left to measure
        bench.parse_args(["--data", "x", "--json", "y", "--backends", "", "--mediapipe-variants", ""])


def test_threaded_and_single_threaded_wasm_and_thread_counts_are_systems():
    specs = bench.system_specs(["wasm", "wasm-single"], [])
    assert [s.name for s in specs] == ["ours-wasm", "ours-wasm-single"]
    assert specs[1].query.endswith("&build=single") and specs[1].backend == "wasm"
    counts = bench.system_specs(["wasm"], [], wasm_threads=[1, 2])
    assert [(s.name, s.query.split("&")[-1]) for s in counts] == [("ours-wasm-1t", "threads=1"), ("ours-wasm-2t", "threads=2")]
    assert bench.parse_args(["--data", "x", "--json", "y", "--wasm-threads", "2,1,2"]).wasm_threads == [2, 1]
    with pytest.raises(SystemExit):
        bench.parse_args(["--data", "x", "--json", "y", "--wasm-threads", "0"])


def _exported(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.json").write_text("{}")
    return folder


def test_model_dirs_are_model_folders_or_a_folder_holding_live_and_photo(tmp_path):
    shipped_like = tmp_path / "shipped"
    _exported(shipped_like / "live")
    models, served = bench.our_models([shipped_like], "live")
    assert served == shipped_like.resolve() and models[0].url is None and models[0].label == ""
    one, two = _exported(tmp_path / "cand-a"), _exported(tmp_path / "runs" / "cand-b" / "live").parent
    models, served = bench.our_models([one, two], "live")
    assert served is None
    assert [(m.label, m.url) for m in models] == [("cand-a", "/model/cand-a/model.json"), ("cand-b", "/model/cand-b/model.json")]
    names = [s.name for s in bench.system_specs(["wasm"], [], "live", models)]
    assert names == ["ours-cand-a-wasm", "ours-cand-b-wasm"]
    assert bench.system_specs(["wasm"], [], "live", models)[0].query.endswith("&modelUrl=/model/cand-a/model.json")
    root = bench.serve_copies(models, tmp_path / "served")
    assert (root / "cand-a" / "model.json").is_file() and (root / "cand-b" / "model.json").is_file()
    # DIR/live given itself is named after DIR (as the candidates' exports are passed)
    three = _exported(tmp_path / "cand-c" / "live")
    assert [m.label for m in bench.our_models([one, three], "live")[0]] == ["cand-a", "cand-c"]
    with pytest.raises(bench.BenchError, match="no model.json"):
        bench.our_models([tmp_path / "nothing-here"], "live")


def test_profile_table_sums_each_op_per_frame_and_skips_op_wrappers():
    kernels = [
        {"name": "fusedConv2d__op", "ms": 9.0, "outputShapes": [[1, 8, 8, 4]]},  # wraps the FusedConv2D below
        {"name": "FusedConv2D", "ms": 8.0, "outputShapes": [[1, 8, 8, 4]]},
        {"name": "Concat", "ms": 2.0, "outputShapes": [[1, 8, 8, 8]]},
        {"name": "FusedConv2D", "ms": 6.0, "outputShapes": [[1, 8, 8, 4]]},
        {"name": "Concat", "ms": 4.0, "outputShapes": [[1, 8, 8, 8]]},
    ]
    table = bench.profile_table({"kernels": kernels, "runs": 2, "wallMs": 30.0})
    assert table["kernel_ms_per_frame"] == pytest.approx(10.0) and table["wall_ms_per_frame"] == pytest.approx(15.0)
    assert [(r["op"], r["ms_per_frame"], r["calls_per_frame"]) for r in table["by_op"]] == [("FusedConv2D", 7.0, 1.0), ("Concat", 3.0, 1.0)]
    assert table["by_op"][0]["share"] == pytest.approx(0.7)
    assert table["by_layer"][0]["op"] == "FusedConv2D → 1x8x8x4"
    system = {"name": "ours-wasm", "backend": "wasm", "details": {"wasm": {"threads": 2, "build": "threaded-simd"}}, "profile": table}
    assert bench.backend_label(system) == "wasm · 2 threads"
    assert "| FusedConv2D | 7.00 | 70.0% | 1 |" in "\n".join(bench.profile_markdown(system))
    assert bench.backend_label({"backend": "wasm", "details": {"wasm": {"threads": 1, "build": "simd"}}}) == "wasm · single-threaded build"


def test_missing_data_folder_is_a_one_line_error(tmp_path, capsys):
    code = bench.main(["--data", str(tmp_path / "nowhere"), "--json", str(tmp_path / "out.json"), "--mediapipe", "cpu",
                       "--backends", ""])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: ") and "\n" not in err


# ---------------------------------------------------------------- a real run


def _mask_folder(root: Path, photo: np.ndarray) -> Path:
    """Three pairs: the photo and two crops, with a centred ellipse as the 'person' mask."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, (top, left) in enumerate([(0, 0), (32, 16), (64, 48)]):
        crop = photo[top : top + 384, left : left + 288]
        h, w = crop.shape[:2]
        yy, xx = np.mgrid[:h, :w]
        mask = (((yy - h * 0.55) / (h * 0.45)) ** 2 + ((xx - w / 2) / (w * 0.35)) ** 2 <= 1).astype(np.uint8) * 255
        Image.fromarray(crop).save(root / "images" / f"{i:05d}.jpg", quality=92)
        Image.fromarray(mask).save(root / "masks" / f"{i:05d}.png")
    return root


def _model_dir(tmp_path_factory) -> Path:
    """A folder holding live/ (the model the bench measures by default): the shipped one, or a fresh export."""
    shipped = REPO_ROOT / "static" / "model"
    if (shipped / "live" / "model.json").is_file():
        return shipped
    if importlib.util.find_spec("tensorflowjs") is None:  # not imported here: it pulls in TensorFlow
        pytest.skip("no exported model in static/model/live and no tensorflowjs to make one")
    folder = tmp_path_factory.mktemp("bench-model")
    script = (
        "from greenscreen.model import build_model;"
        f"build_model('tiramisu_lite', (224, 224)).save({str(folder / 'm.keras')!r})"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO_ROOT, timeout=600)
    subprocess.run([sys.executable, "convert/export_tfjs.py", "--model", str(folder / "m.keras"), "--out",
                    str(folder / "models" / "live")], check=True, cwd=REPO_ROOT, timeout=900, capture_output=True)
    return folder / "models"


def _skip_without_the_browser_tools():
    if not shutil.which("chromium"):
        pytest.skip("chromium not installed (apt-get install chromium)")
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed (apt-get install ffmpeg)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) not installed")
    for needed in ("@tensorflow/tfjs/dist", "@mediapipe/selfie_segmentation"):
        if not (REPO_ROOT / "node_modules" / needed).is_dir():
            pytest.skip(f"node_modules/{needed} missing: run `npm install`")


@pytest.mark.e2e
@pytest.mark.slow
def test_smoke_run_measures_ours_on_wasm_beside_mediapipe_on_the_cpu(tmp_path, tmp_path_factory, optional_data_dir,
                                                                     astronaut):
    _skip_without_the_browser_tools()
    real = optional_data_dir / "portraits" / "test" if optional_data_dir else None
    data = real if real is not None and (real / "masks").is_dir() else _mask_folder(tmp_path / "photos", astronaut)
    model_dir = _model_dir(tmp_path_factory)
    out, markdown = tmp_path / "bench.json", tmp_path / "bench.md"

    # A separate process: Playwright's sync API refuses to start inside another test's event loop.
    run = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "browser_bench.py"), "--data", str(data), "--json", str(out),
         "--markdown", str(markdown), "--frames", "5", "--limit-images", "3", "--webcam-seconds", "2", "--frame-path-frames", "3",
         "--model-dir", str(model_dir), "--backends", "wasm", "--mediapipe", "cpu", "--mediapipe-variants", "general"],
        capture_output=True, text=True, timeout=1200,
    )
    code = run.returncode
    assert out.is_file(), run.stderr[-2000:]

    report = json.loads(out.read_text())
    failures = {s["name"]: s["error"] for s in report["systems"] if s["error"]}
    assert code == 0 and not failures, failures
    assert bench.schema_problems(report) == []
    names = [s["name"] for s in report["systems"]]
    assert names == ["ours-wasm", "mediapipe-general-cpu"]
    # cross-origin isolated: the threaded build runs, and its thread count reaches the report
    assert report["environment"]["cross_origin_isolated"] is True
    ours = report["systems"][0]
    assert ours["details"]["wasm"]["build"] == "threaded-simd"
    assert report["environment"]["wasm_threads"]["ours-wasm"] == ours["details"]["wasm"]["threads"] >= 1
    for system in report["systems"]:
        assert system["images_scored"] == 3  # a mask came back for every photo
        assert system["frames_timed"] == 5
        assert system["csp_violations"] == []
        assert system["webcam"]["width"] == 640 and system["webcam"]["height"] == 480
    # every system's scored photos timed as the photo path (the first left out); ours with the flip pass
    assert ours["photo_path"]["photos_timed"] == 2 and ours["photo_path"]["flip"] is True
    assert report["systems"][1]["photo_path"]["flip"] is False
    # ours: the one frame path measured against two preparations
    assert ours["frame_path"]["frames_each"] == 3 and ours["frame_path"]["size"] == [640, 480]
    assert ours["backend"] == "wasm"
    assert any(f["path"] == "/model/live/model.json" for f in ours["files"])
    if data == real:  # MediaPipe finds the people in real portraits (96 mIoU on the full test set)
        assert all(s["miou"] > 80 for s in report["systems"] if s["family"] == "mediapipe")
    assert "ours-wasm / mediapipe-general-cpu" in report["ratios"]
    assert "| ours-wasm |" in markdown.read_text()


def print_first_masks(queries: list[str], model_dir: str) -> None:
    """Each bench page query in a fresh context up to its first mask (`window.bench.ready`); prints
    {query: what the page says of itself, or the error} as JSON. Run in its own process (see below)."""
    from playwright.sync_api import sync_playwright

    from web.harness import chromium_args, find_chromium, start_server

    server, stop = start_server({"MODEL_DIR": model_dir})
    found = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True, args=chromium_args())
            for query in queries:
                context = browser.new_context()
                page = context.new_page()
                try:
                    page.goto(f"{server.origin}{bench.BENCH_PAGE}?{query}")
                    bench.wait_for_bench(page)
                    info = bench.call(page, "window.bench.ready", timeout_s=bench.READY_TIMEOUT_S)
                    found[query] = {**info, "violations": page.evaluate("() => window.bench.violations")}
                except Exception as error:  # noqa: BLE001 - reported per query, the others still run
                    found[query] = {"error": str(error).strip().splitlines()[0]}
                finally:
                    context.close()
            browser.close()
    finally:
        stop()
    print(json.dumps(found))


@pytest.mark.e2e
@pytest.mark.slow
def test_the_other_systems_reach_their_first_mask(tmp_path_factory):
    """The smoke run measures two systems; the others' wiring (ours on WebGL and on the single-threaded
    WASM build, MediaPipe on the GPU and its landscape model) is checked here up to one mask each, with
    the queries browser_bench.py builds: a page load and one inference instead of a whole measurement."""
    _skip_without_the_browser_tools()
    specs = (bench.system_specs(["webgl", "wasm-single"], ["gpu"], mediapipe_variants=["general"])
             + bench.system_specs([], ["cpu"], mediapipe_variants=["landscape"]))
    assert [s.name for s in specs] == ["ours-webgl", "ours-wasm-single", "mediapipe-general-gpu", "mediapipe-landscape-cpu"]
    model_dir = _model_dir(tmp_path_factory)
    queries = [spec.query for spec in specs]
    code = f"from tests.test_browser_bench import print_first_masks; print_first_masks({queries!r}, {str(model_dir)!r})"
    # A separate process, as for the smoke run: Playwright's sync API refuses to start inside an event loop.
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    for spec in specs:
        info = found[spec.query]
        assert "error" not in info, (spec.name, info)
        assert info["backend"] == spec.backend and info["violations"] == [], (spec.name, info)
    webgl, single, gpu, landscape = (found[query] for query in queries)
    assert webgl["model"] == "live" and webgl["wasm"] is None
    assert single["wasm"]["build"] == "simd" and single["wasm"]["threads"] == 1  # what a page without isolation gets
    assert gpu["modelSelection"] == 0 and gpu["cpuInference"] is False
    assert landscape["modelSelection"] == 1 and landscape["cpuInference"] is True
