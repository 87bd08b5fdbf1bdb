"""Every command-line tool, fed the mistakes people make, answers with one line and leaves nothing half-written.

Each case of the table runs the tool's `main(argv)` in this process (what the command runs, minus the
interpreter start-up) and checks: a non-zero exit, stderr ending in an `error:` line (ours, or argparse's
`prog: error:` with exit 2), no Python traceback anywhere, and no output file or folder created or changed.
One real subprocess per entry point shows the commands themselves (`python -m ...`, the script) end the same
way. Data that is only partly bad (one unreadable photo, a photo without its mask, ...) is skipped with a
warning that names the file, and the run goes on.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.synthetic import MIXED_PROBLEMS, coco_json, empty_mask_folder, mixed_folder, save_pair

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# tool -> (the module whose main(argv) it runs, the command a user types)
ENTRY_POINTS = {
    "train": ("greenscreen.train", [PYTHON, "-m", "greenscreen.train"]),
    "evaluate": ("greenscreen.evaluate", [PYTHON, "-m", "greenscreen.evaluate"]),
    "data": ("greenscreen.data.__main__", [PYTHON, "-m", "greenscreen.data"]),
    "convert": ("greenscreen.export.tfjs", [PYTHON, str(REPO_ROOT / "convert" / "export_tfjs.py")]),
    "greenscreen": ("greenscreen.cli", [PYTHON, "-m", "greenscreen.cli"]),
}
ERROR_LINE = re.compile(r"^([\w.\- ]+: )?error: \S")  # ours ("error: ...") or argparse's ("prog: error: ...")


def run_tool(tool: str, args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """The real command, in a subprocess, as a user runs it."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(REPO_ROOT), CUDA_VISIBLE_DEVICES="",
               OMP_NUM_THREADS="1", TF_NUM_INTEROP_THREADS="1", TF_NUM_INTRAOP_THREADS="1")
    return subprocess.run(ENTRY_POINTS[tool][1] + args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def call_main(tool: str, args: list[str], capsys) -> subprocess.CompletedProcess:
    """The tool's main(argv) in this process, its exit status and output as a subprocess would give them."""
    main = importlib.import_module(ENTRY_POINTS[tool][0]).main
    capsys.readouterr()
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's errors (and --help) end this way
        status = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, captured.out, captured.err)


def assert_one_line_failure(result: subprocess.CompletedProcess, message: str | tuple[str, ...]) -> None:
    context = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode != 0, context
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, context
    lines = result.stderr.strip().splitlines()
    assert lines, context
    assert ERROR_LINE.match(lines[-1]), context
    for fragment in (message,) if isinstance(message, str) else message:
        assert fragment.lower() in lines[-1].lower(), f"expected {fragment!r} in the error line\n{context}"


def assert_error_line_alone(result: subprocess.CompletedProcess) -> None:
    """Our own errors: the `error:` line is all of stderr, exit 2 (the converter's own: 1 or 2).
    argparse's: its usage, then its error line, exit 2."""
    lines = result.stderr.strip().splitlines()
    if lines[0].startswith("usage:"):
        assert result.returncode == 2, result.stderr
        return
    assert len(lines) == 1, result.stderr
    if lines[0].startswith("export_tfjs: error: "):
        assert result.returncode in (1, 2), result.stderr
    else:
        assert lines[0].startswith("error: ") and result.returncode == 2, result.stderr


def snapshot(path: Path) -> dict[str, str] | None:
    """Relative path -> content hash of everything under `path` (None when it does not exist)."""
    if not path.exists():
        return None
    if path.is_file():
        return {".": hashlib.sha256(path.read_bytes()).hexdigest()}
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(path.rglob("*"))}


# ------------------------------------------------------------------ the inputs the tests make themselves

@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """Every kind of bad (and good) input, made once for the module."""
    root = tmp_path_factory.mktemp("inputs")
    paths = {"root": root, "missing": root / "does-not-exist", "empty_dir": root / "empty_dir"}
    paths["empty_dir"].mkdir()
    paths["good"] = empty_mask_folder(root / "good", good=4)
    paths["no_masks"] = empty_mask_folder(root / "no_masks")
    for i in range(2):
        Image.fromarray(np.zeros((48, 64, 3), np.uint8)).save(paths["no_masks"] / "images" / f"a{i}.png")
    paths["no_images"] = empty_mask_folder(root / "no_images")
    for i in range(2):
        Image.fromarray(np.zeros((48, 64), np.uint8)).save(paths["no_images"] / "masks" / f"a{i}.png")
    paths["only_mismatch"] = empty_mask_folder(root / "only_mismatch")
    save_pair(paths["only_mismatch"], "wrong", mask_size=(40, 64))
    paths["only_unreadable"] = empty_mask_folder(root / "only_unreadable")
    (paths["only_unreadable"] / "images" / "text.jpg").write_text("not a photo\n")
    Image.fromarray(np.zeros((48, 64), np.uint8)).save(paths["only_unreadable"] / "masks" / "text.png")

    # Mostly good, with one of each skippable problem: all must be named, none may stop the run.
    paths["mixed"] = mixed_folder(root / "mixed", good=6)
    for name in ("text.keras", "text.json", "text.jpg", "text.png"):
        paths[name] = root / name
        paths[name].write_text("this is just text\n")
    for name in ("empty.keras", "empty.json"):
        paths[name] = root / name
        paths[name].write_bytes(b"")
    paths["list.json"] = root / "list.json"
    paths["list.json"].write_text("[1, 2]")
    # A real (tiny) tiramisu56: a size it cannot take is refused naming the preset's own multiple.
    from greenscreen.model import build_model

    paths["tiny.keras"] = root / "tiny.keras"
    build_model("tiramisu56", (32, 32)).save(paths["tiny.keras"])
    paths["zip_no_config.keras"] = root / "zip_no_config.keras"
    with zipfile.ZipFile(paths["zip_no_config.keras"], "w") as archive:
        archive.writestr("readme.txt", "a zip, but not a Keras model")
    paths["zip_bad_config.keras"] = root / "zip_bad_config.keras"
    with zipfile.ZipFile(paths["zip_bad_config.keras"], "w") as archive:
        archive.writestr("config.json", '{"class_name": "Nothing", "config": {}}')
        archive.writestr("metadata.json", '{"keras_version": "3.0.0"}')

    # COCO layouts (ROOT/annotations/x.json + ROOT/images/) whose json is broken in different ways.
    for name, text in {
        "coco_not_coco": json.dumps({"hello": "world", "numbers": [1, 2, 3]}),
        "coco_truncated": '{"images": [{"id": 1, "file_name": "a.jpg", "height": 4',
        "coco_images_not_list": json.dumps({"images": "a.jpg", "annotations": [], "categories": []}),
        "coco_image_without_size": json.dumps({"images": [{"id": 1, "file_name": "a.jpg"}],
                                               "annotations": [], "categories": [{"id": 1, "name": "person"}]}),
    }.items():
        (root / name / "annotations").mkdir(parents=True)
        (root / name / "images").mkdir()
        (root / name / "annotations" / "instances.json").write_text(text)
        paths[name] = root / name
        paths[name + ".json"] = root / name / "annotations" / "instances.json"

    # A valid COCO set in which two photos in different sub-folders share a file stem: packing it
    # fails half-way (the second x.jpg would overwrite the first), after other pairs were written.
    dupes = root / "coco_dupes"
    for sub in ("a", "b"):
        (dupes / "images" / sub).mkdir(parents=True)
        Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(dupes / "images" / sub / "x.jpg")
    (dupes / "annotations").mkdir()
    person = [[5, 5, 30, 5, 30, 30, 5, 30]]  # 25x25 of 40x40: 39% cover, kept by the filter
    coco_json(dupes / "annotations" / "instances.json",
              [{"id": i + 1, "file_name": f"{sub}/x.jpg", "height": 40, "width": 40} for i, sub in enumerate("ab")],
              [{"id": i + 1, "image_id": i + 1, "category_id": 1, "iscrowd": 0, "segmentation": person,
                "area": 625, "bbox": [5, 5, 25, 25]} for i in range(2)])
    paths["coco_dupes"] = dupes

    # A finished-looking run folder whose config.json is gone (resume must say so, not crash).
    paths["run_no_config"] = root / "run_no_config"
    paths["run_no_config"].mkdir()
    (paths["run_no_config"] / "last.keras").write_text("x")
    # A run that already did its 4 epochs, and one whose state.json was cut short.
    for name, state_text in {"run_finished": '{"epoch": 4, "best_val_miou": 50.0}', "run_bad_state": '{"epo'}.items():
        paths[name] = root / name
        paths[name].mkdir()
        (paths[name] / "last.keras").write_text("x")
        (paths[name] / "config.json").write_text(json.dumps({"options": {"train": [str(paths["good"])],
                                                                         "val_split": 0.25, "epochs": 4}}))
        (paths[name] / "state.json").write_text(state_text)
    return paths


def fill(args: list[str], inputs: dict[str, Path], out: Path) -> list[str]:
    """Replace {name} placeholders by fixture paths and {out} by this case's output path."""
    names = {**{k: str(v) for k, v in inputs.items()}, "out": str(out)}
    return [re.sub(r"\{([\w.]+)\}", lambda m: names[m[1]], a) for a in args]


# ------------------------------------------------------------------ the table: (tool, args, words in the error line)
# `{out}` is where the case would write; it must not exist afterwards (or be unchanged when it existed).

FAST_CASES = [
    # training (all caught before Keras/TensorFlow is imported)
    ("train", ["--train", "{missing}", "--val-split", "0.2", "--out", "{out}"], "not found"),
    ("train", ["--train", "{text.jpg}", "--val-split", "0.2", "--out", "{out}"], "expected a folder"),
    ("train", ["--train", "{empty_dir}", "--val-split", "0.2", "--out", "{out}"], "neither a mask folder"),
    ("train", ["--train", "{no_masks}", "--val-split", "0.2", "--out", "{out}"], "missing mask"),
    ("train", ["--train", "{no_images}", "--val-split", "0.2", "--out", "{out}"], "missing image"),
    ("train", ["--train", "{only_unreadable}", "--val-split", "0.2", "--out", "{out}"], "unreadable"),
    ("train", ["--train", "{only_mismatch}", "--val-split", "0.2", "--out", "{out}"], "size mismatch"),
    ("train", ["--train", "{coco_not_coco}", "--val", "{good}", "--out", "{out}"], "not a COCO"),
    ("train", ["--train", "{coco_truncated}", "--val", "{good}", "--out", "{out}"], "not valid JSON"),
    ("train", ["--train", "{good}", "--val", "{missing}", "--out", "{out}"], "not found"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--epochs", "0", "--out", "{out}"], "--epochs"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--batch-size", "-1", "--out", "{out}"], "--batch-size"),
    ("train", ["--train", "{good}", "--val-split", "2", "--out", "{out}"], "--val-split"),
    ("train", ["--train", "{good}", "--val-split", "1", "--out", "{out}"], "--val-split"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--epochs", "many", "--out", "{out}"], "invalid int"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--size", "big", "--out", "{out}"], "bad size"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--steps-per-epoch", "0", "--out", "{out}"],
     "--steps-per-epoch"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--out", "{text.jpg}"], "not a folder"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--init-weights", "{text.keras}", "--out", "{out}"],
     "not a Keras model"),
    ("train", ["--train", "{good}", "--val-split", "0.2", "--init-weights", "{missing}", "--out", "{out}"],
     "not found"),
    ("train", ["--config", "{missing}", "--out", "{out}"], "cannot read config"),
    ("train", ["--config", "{text.json}", "--out", "{out}"], "cannot read config"),
    ("train", ["--config", "{list.json}", "--out", "{out}"], "JSON object"),
    ("train", ["--config", "{empty_dir}", "--out", "{out}"], "cannot read config"),
    ("train", ["--resume", "--out", "{empty_dir}"], "nothing to resume"),
    ("train", ["--resume", "--out", "{run_no_config}"], "config.json"),
    ("train", ["--resume", "--out", "{run_bad_state}", "--epochs", "8"], "state.json"),
    ("train", ["--resume", "--out", "{run_finished}", "--epochs", "4"], "finished 4 epochs"),
    # evaluation (data is opened first, the model file checked before Keras is imported)
    ("evaluate", ["--model", "{missing}", "--data", "{good}", "--json", "{out}"], "not found"),
    ("evaluate", ["--model", "{empty_dir}", "--data", "{good}", "--json", "{out}"], "not a file"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{good}", "--json", "{out}"], "not a Keras model"),
    ("evaluate", ["--model", "{empty.keras}", "--data", "{good}", "--json", "{out}"], "not a Keras model"),
    ("evaluate", ["--model", "{text.json}", "--data", "{good}", "--json", "{out}"], "not a Keras model"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{missing}", "--json", "{out}"], "not found"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{text.png}", "--json", "{out}"], "expected a folder"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{empty_dir}", "--json", "{out}"], "neither"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{no_masks}", "--json", "{out}"], "missing mask"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{no_images}", "--json", "{out}"], "missing image"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{only_mismatch}", "--json", "{out}"], "size mismatch"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{coco_not_coco.json}", "--json", "{out}"], "not a COCO"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{coco_truncated.json}", "--json", "{out}"], "not valid JSON"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{good}", "--json", "{empty_dir}"], "is a folder"),
    ("evaluate", ["--model", "{tiny.keras}", "--data", "{good}", "--json", "{out}", "--size", "33"], "multiples of 32"),
    ("evaluate", ["--model", "{tiny.keras}", "--data", "{good}", "--json", "{out}", "--size", "3x"], "bad size"),
    ("evaluate", ["--model", "{text.keras}", "--data", "{good}", "--json", "{out}", "--limit", "0"], "positive"),
    # data tools
    ("data", ["filter-coco", "{missing}"], "not found"),
    ("data", ["filter-coco", "{empty_dir}"], "not found"),
    ("data", ["filter-coco", "{text.json}"], "not valid JSON"),
    ("data", ["filter-coco", "{empty.json}"], "not valid JSON"),
    ("data", ["filter-coco", "{coco_truncated.json}"], "not valid JSON"),
    ("data", ["filter-coco", "{coco_not_coco.json}"], "not a COCO"),
    ("data", ["filter-coco", "{list.json}"], "not a COCO"),
    ("data", ["filter-coco", "{coco_images_not_list.json}"], "not a COCO"),
    ("data", ["filter-coco", "{coco_image_without_size.json}"], "not a COCO"),
    ("data", ["filter-coco", "{coco_not_coco.json}", "--min-cover", "0.9", "--max-cover", "0.1"], "min_cover"),
    ("data", ["check", "{missing}"], "not found"),
    ("data", ["check", "{text.png}"], "expected a folder"),
    ("data", ["check", "{empty_dir}"], "neither"),
    ("data", ["check", "{no_masks}"], "no usable"),
    ("data", ["check", "{no_images}"], "no usable"),
    ("data", ["check", "{coco_image_without_size}"], "not a COCO"),
    ("data", ["pack", "{missing}", "--out", "{out}"], "not found"),
    ("data", ["pack", "{no_masks}", "--out", "{out}"], "missing mask"),
    ("data", ["pack", "{good}", "{empty_dir}", "--out", "{out}"], "neither"),
    ("data", ["pack", "{good}", "--out", "{out}", "--max-side", "8"], "--max-side"),
    ("data", ["pack", "{good}", "--out", "{out}", "--quality", "10"], "invalid choice"),
    ("data", ["pack", "{good}", "--out", "{text.jpg}"], "not a folder"),
    ("data", ["pack", "{good}", "{coco_dupes}:all", "--out", "{out}"], "two pairs named x"),
    # converter (all caught before TensorFlow is imported)
    ("convert", ["--model", "{missing}", "--out", "{out}"], ("not found", "does-not-exist")),
    ("convert", ["--model", "{empty_dir}", "--out", "{out}"], "not a file"),
    ("convert", ["--model", "{text.keras}", "--out", "{out}"], "not a Keras model file"),
    ("convert", ["--model", "{empty.keras}", "--out", "{out}"], "not a Keras model"),
    ("convert", ["--model", "{text.json}", "--out", "{out}"], "not a Keras model file"),
    ("convert", ["--model", "{zip_no_config.keras}", "--out", "{out}"], "no config.json"),
    ("convert", ["--model", "{text.keras}", "--out", "{out}", "--quantize", "int4"], "invalid choice"),
    ("convert", ["--model", "{tiny.keras}", "--out", "{out}", "--size", "33"], ("33x33", "multiples of 32")),
    ("convert", ["--model", "{text.keras}", "--out", "{out}", "--shard-mb", "0"], "above 0"),
    ("convert", ["--model", "{text.keras}", "--out", "{out}", "--size", "0x100"], "positive sides"),
    ("convert", ["--model", "{text.keras}", "--out", "{out}", "--size", "abc"], "bad size"),
    ("convert", ["--out", "{out}"], "--out needs --model"),
    ("convert", ["--model", "{zip_bad_config.keras}", "--out", "{text.png}"], "not a folder"),
    # the `greenscreen` entry point passes the same errors through
    ("greenscreen", ["bake"], "unknown command"),
    ("greenscreen", ["train", "--train", "{good}", "--val-split", "0.2", "--epochs", "0", "--out", "{out}"],
     "--epochs"),
    ("greenscreen", ["evaluate", "--model", "{text.keras}", "--data", "{good}", "--json", "{out}"],
     "not a Keras model"),
    ("greenscreen", ["data", "check", "{missing}"], "not found"),
    ("greenscreen", ["export", "--model", "{text.keras}", "--out", "{out}"], "not a Keras model"),
    ("greenscreen", ["export", "--model", "{text.keras}", "--quantize", "int4", "--out", "{out}"], "invalid choice"),
]


def case_id(case) -> str:
    tool, args, _ = case
    words = [a.strip("{}") for a in args if a not in ("--out", "{out}", "--json")]
    return "-".join([tool, *words])[:90]


@pytest.mark.parametrize("tool, args, message", FAST_CASES, ids=[case_id(c) for c in FAST_CASES])
def test_mistake_is_one_line_error_and_writes_nothing(inputs, tmp_path, monkeypatch, capsys, tool, args, message):
    out = tmp_path / "out" / "result"
    watched = [p for p in inputs.values() if isinstance(p, Path)]
    before = {p: snapshot(p) for p in watched if str(p) in " ".join(fill(args, inputs, out))}
    monkeypatch.chdir(tmp_path)
    result = call_main(tool, fill(args, inputs, out), capsys)
    assert_one_line_failure(result, message)
    assert_error_line_alone(result)
    assert not (tmp_path / "out").exists(), f"a failed run left {sorted((tmp_path / 'out').rglob('*'))}"
    for path, state in before.items():  # inputs named on the command line are never touched
        assert snapshot(path) == state, f"{path} changed"
    assert not any(p.name.startswith(".") for p in inputs["root"].iterdir()), "a temporary file was left behind"


# One real subprocess per entry point: the command a user types reaches the same main and ends the same way.
COMMAND_CASES = {
    "train": (["--train", "{good}", "--val-split", "0.2", "--epochs", "0", "--out", "{out}"], "--epochs"),
    "evaluate": (["--model", "{missing}", "--data", "{good}"], "model file not found"),
    "data": (["check", "{missing}"], "not found"),
    "convert": (["--model", "{text.keras}", "--out", "{out}"], "not a Keras model"),
    "greenscreen": (["bake"], "unknown command"),
}


@pytest.mark.parametrize("tool", COMMAND_CASES)
def test_each_command_ends_a_mistake_with_one_error_line(inputs, tmp_path, tool):
    args, message = COMMAND_CASES[tool]
    result = run_tool(tool, fill(args, inputs, tmp_path / "out" / "result"), cwd=tmp_path)
    assert_one_line_failure(result, message)
    assert not (tmp_path / "out").exists()
    if tool == "evaluate":  # the whole line, path included
        assert result.returncode == 2
        assert result.stderr.strip().splitlines()[-1] == f"error: model file not found: {inputs['missing']}"


# ------------------------------------------------------------------ partly bad data: named warnings, the run goes on


def test_check_and_pack_skip_bad_pairs_by_name(inputs, tmp_path, capsys):
    check = call_main("data", ["check", str(inputs["mixed"])], capsys)
    assert check.returncode == 0, check.stderr
    for name in MIXED_PROBLEMS:
        assert name in check.stdout

    out = tmp_path / "packed"
    pack = call_main("data", ["pack", str(inputs["mixed"]), "--out", str(out)], capsys)
    assert pack.returncode == 0, pack.stderr
    assert "Traceback" not in pack.stderr
    for name in (*MIXED_PROBLEMS, "truncated.jpg"):  # truncated.jpg only fails once its pixels are read
        assert re.search(rf"^warning: .*{re.escape(name)}", pack.stderr, re.M), pack.stderr
    (label,) = [p for p in out.iterdir()]
    assert sorted(p.name for p in (label / "images").iterdir()) == [f"p{i:02d}.jpg" for i in range(6)]
    facts = json.loads((label / "source.json").read_text())
    assert facts["count"] == 6 and any("truncated.jpg" in p for p in facts["skipped_at_source"])


def test_pack_replaces_an_earlier_copy_only_when_it_succeeds(inputs, tmp_path, capsys):
    out = tmp_path / "packed"
    assert call_main("data", ["pack", str(inputs["good"]), "--out", str(out)], capsys).returncode == 0
    before = snapshot(out)
    failed = call_main("data", ["pack", str(inputs["good"]), f"{inputs['coco_dupes']}:all", "--out", str(out)], capsys)
    assert_one_line_failure(failed, "two pairs named")
    assert snapshot(out) == before


# ------------------------------------------------------------------ the few cases that need TensorFlow

@pytest.mark.slow
def test_tensorflow_side_mistakes_are_one_line_errors(inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # A zip with a config.json that is no model: only Keras itself can tell.
    existing = tmp_path / "model"
    existing.mkdir()
    (existing / "model.json").write_text('{"previous": true}')
    before = snapshot(existing)
    result = call_main("convert", ["--model", str(inputs["zip_bad_config.keras"]), "--out", str(existing)], capsys)
    assert_one_line_failure(result, "could not be loaded")
    assert snapshot(existing) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"], "the converter left a staging folder"

    result = call_main("evaluate", ["--model", str(inputs["zip_bad_config.keras"]), "--data", str(inputs["good"]),
                                    "--json", str(tmp_path / "out" / "scores.json")], capsys)
    assert_one_line_failure(result, "cannot load")

    result = call_main("train", ["--train", str(inputs["good"]), "--val-split", "0.25", "--preset", "tiramisu_lite",
                                 "--size", "33", "--out", str(tmp_path / "out" / "run")], capsys)
    assert_one_line_failure(result, "multiples of 32")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_training_and_evaluation_skip_unreadable_photos_by_name(tiny_run, tmp_path, capsys):
    # tiny_run (tests/conftest.py) trained on a folder like inputs["mixed"] through train's main.
    assert "Traceback" not in tiny_run.stderr
    for name in (*MIXED_PROBLEMS, "truncated.jpg"):
        assert re.search(rf"^warning: .*{re.escape(name)}", tiny_run.stderr, re.M), tiny_run.stderr[-3000:]
    assert tiny_run.model.is_file()

    scores = tmp_path / "scores.json"
    evaluated = call_main("evaluate", ["--model", str(tiny_run.model), "--data", str(tiny_run.data),
                                       "--json", str(scores), "--worst", "0"], capsys)
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert "Traceback" not in evaluated.stderr
    for name in (*MIXED_PROBLEMS, "truncated.jpg"):
        assert re.search(rf"^warning: .*{re.escape(name)}", evaluated.stderr, re.M), evaluated.stderr[-3000:]
    report = json.loads(scores.read_text())
    assert report["n"] == 6 and sorted(r["name"] for r in report["per_image"]) == [f"p{i:02d}.png" for i in range(6)]
