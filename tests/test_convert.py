"""convert/export_tfjs.py (greenscreen.export): Keras -> TF.js graph model, model card, atomic output, Node parity.

Quick tests cover the user errors (one line, no traceback, no output folder), the card and
the output-folder checks. The round trips (export, then run the graph model with TF.js in
Node and compare with Keras) are marked slow.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from greenscreen.cli_common import parse_size
from greenscreen.export.card import CONTRACT, build_card, read_training_card, render_markdown
from greenscreen.export.graph_folder import GraphFolderError, swap_into_place, verify_graph_model
from greenscreen.export.tfjs import main as tfjs_main

REPO_ROOT = Path(__file__).resolve().parent.parent

PARITY_SCRIPT = REPO_ROOT / "tests" / "parity_scripts" / "parity.mjs"


def run_converter(capsys, *args) -> subprocess.CompletedProcess:
    """convert/export_tfjs.py's main in this process (tests/test_cli_robustness.py runs the script itself)."""
    capsys.readouterr()
    try:
        status = tfjs_main([str(arg) for arg in args])
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, captured.out, captured.err)


def run_converter_command(*args) -> subprocess.CompletedProcess:
    """The script itself, in a subprocess: what reaches the terminal includes TensorFlow's native start-up logs."""
    return subprocess.run([sys.executable, str(REPO_ROOT / "convert" / "export_tfjs.py"), *map(str, args)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def no_staging_left(folder: Path) -> bool:
    return not any(p.name.startswith(".") for p in folder.iterdir())


# ---------------------------------------------------------------- user errors (quick; the CLI table in
# tests/test_cli_robustness.py holds the cases every tool shares: missing file, text renamed .keras, bad flags)

def test_zip_that_is_not_a_model_is_rejected(tmp_path, capsys):
    import zipfile
    fake = tmp_path / "weights.keras"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Nothing", "config": {}}))
    out = tmp_path / "out"
    result = run_converter(capsys, "--model", fake, "--out", out)
    assert_one_line_error(result, "could not be loaded")
    assert not out.exists()


@pytest.fixture(scope="module")
def wrong_models(tmp_path_factory):
    """Keras models that break the contract: 3 output channels, and half-resolution output."""
    keras = pytest.importorskip("keras")
    folder = tmp_path_factory.mktemp("wrong")
    inputs = keras.Input((64, 64, 3))
    keras.Model(inputs, keras.layers.Conv2D(3, 1)(inputs)).save(folder / "three_channels.keras")
    inputs = keras.Input((64, 64, 3))
    half = keras.layers.Conv2D(2, 1, strides=2, activation="softmax")(inputs)
    keras.Model(inputs, half).save(folder / "half_size.keras")
    return folder


@pytest.mark.parametrize("name, shape", [("three_channels", "[N,64,64,3]"),
                                         ("half_size", "[N,32,32,2]")])
def test_model_breaking_the_output_contract_is_rejected(wrong_models, tmp_path, capsys, name, shape):
    out = tmp_path / "out"
    result = run_converter(capsys, "--model", wrong_models / f"{name}.keras", "--out", out)
    assert_one_line_error(result, "output must be [N,64,64,2]", shape)
    assert not out.exists()
    assert no_staging_left(tmp_path)


def test_failed_conversion_leaves_previous_output_untouched(wrong_models, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "model.json").write_text("previous")
    result = run_converter(capsys, "--model", wrong_models / "three_channels.keras", "--out", out)
    assert result.returncode != 0
    assert [p.name for p in out.iterdir()] == ["model.json"]
    assert (out / "model.json").read_text() == "previous"
    assert no_staging_left(tmp_path)


def test_parse_size_accepts_h_by_w_or_a_square():
    assert parse_size("256x192") == (256, 192)
    assert parse_size("128") == (128, 128)


# ---------------------------------------------------------------- card and folder (quick)

def fake_model_json(h=64, w=64) -> dict:
    def dims(*sizes):
        return {"dim": [{"size": str(s)} for s in sizes]}
    return {"format": "graph-model", "modelTopology": {}, "signature": {
        "inputs": {"image": {"name": "image:0", "dtype": "DT_FLOAT", "tensorShape": dims(-1, h, w, 3)}},
        "outputs": {"output_0": {"name": "Identity:0", "dtype": "DT_FLOAT",
                                 "tensorShape": dims(-1, h, w, 2)}}}}


def conversion_facts(**overrides) -> dict:
    facts = {"quantize": "float16", "shard_mb": 4, "tensorflowjs": "4.22.0",
             "source": {"path": "models/greenscreen.keras", "bytes": 10, "sha256": "ab" * 32},
             "out": "static/model", "resized": False}
    facts.update(overrides)
    return facts


def test_card_merges_training_facts_under_measured_ones():
    training = {"preset": "tiramisu56", "input_size": [224, 224], "params": 1,
                "training": {"epochs": 40, "data": "portraits"},
                "metrics": {"portraits_test": {"miou": 95.1}},
                "licences": ["COCO: CC BY 4.0 (annotations)"]}
    card = build_card(training_card=training, name="greenscreen", preset="tiramisu56",
                      input_size=(256, 192), params=1_396_226, flops=12_000_000_000,
                      conversion=conversion_facts(resized=True),
                      files=[("model.json", 100), ("group1-shard1of1.bin", 900)],
                      model_json=fake_model_json(256, 192))
    for key in ("name", "preset", "input_size", "params", "flops", "training", "metrics",
                "conversion", "files", "total_bytes", "inputs", "outputs", "contract"):
        assert key in card, key
    assert card["input_size"] == [256, 192]
    assert card["trained_input_size"] == [224, 224]
    assert card["params"] == 1_396_226  # measured beats the training card
    assert card["metrics"] == {"portraits_test": {"miou": 95.1}}
    assert card["total_bytes"] == 1000
    assert card["files"][1] == {"path": "group1-shard1of1.bin", "bytes": 900}
    assert card["inputs"] == [{"name": "image", "tensor": "image:0", "dtype": "float32",
                               "shape": [-1, 256, 192, 3]}]
    assert card["outputs"][0]["shape"] == [-1, 256, 192, 2]
    assert card["contract"]["person_channel"] == 1 == CONTRACT["person_channel"]
    json.dumps(card)  # the page reads it: must be plain JSON

    text = render_markdown(card)
    assert text.startswith("# Model card: greenscreen")
    for fragment in ("tiramisu56", "1,396,226", "12.00 GFLOPs", "epochs: 40", "miou: 95.1",
                     "CC BY 4.0", "group1-shard1of1.bin", "--size 256x192", "--quantize float16"):
        assert fragment in text, fragment


def test_card_without_training_card_says_so():
    card = build_card(training_card={}, name="greenscreen", preset=None, input_size=(64, 64),
                      params=10, flops=None, conversion=conversion_facts(), files=[("model.json", 5)],
                      model_json=fake_model_json())
    assert card["preset"] is None and card["flops"] is None
    text = render_markdown(card)
    assert "No training facts" in text and "No measured metrics" in text


def test_training_card_is_read_from_beside_the_model(tmp_path):
    model = tmp_path / "greenscreen.keras"
    assert read_training_card(model) == ({}, None)
    (tmp_path / "greenscreen.card.json").write_text('{"metrics": {"miou": 90}}')
    assert read_training_card(model)[0] == {"metrics": {"miou": 90}}
    (tmp_path / "greenscreen.card.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        read_training_card(model)


def write_graph_folder(folder: Path, shard_bytes: int = 8) -> None:
    folder.mkdir()
    spec = fake_model_json()
    spec["weightsManifest"] = [{"paths": ["group1-shard1of1.bin"],
                                "weights": [{"name": "w", "shape": [2], "dtype": "float32"}]}]
    (folder / "model.json").write_text(json.dumps(spec))
    (folder / "group1-shard1of1.bin").write_bytes(bytes(shard_bytes))


def test_verify_graph_model_lists_files_and_catches_broken_folders(tmp_path):
    good = tmp_path / "good"
    write_graph_folder(good)
    assert verify_graph_model(good)[1] == ("group1-shard1of1.bin", 8)

    short = tmp_path / "short"
    write_graph_folder(short, shard_bytes=6)
    with pytest.raises(GraphFolderError, match="declares 8"):
        verify_graph_model(short)

    (good / "group1-shard1of1.bin").unlink()
    with pytest.raises(GraphFolderError, match="missing shard"):
        verify_graph_model(good)

    (good / "model.json").write_text("{not json")
    with pytest.raises(GraphFolderError, match="does not parse"):
        verify_graph_model(good)


def test_swap_into_place_replaces_the_whole_folder(tmp_path):
    dest = tmp_path / "model"
    dest.mkdir()
    (dest / "stale-shard.bin").write_bytes(b"old")
    new = tmp_path / "new"
    write_graph_folder(new)
    swap_into_place(new, dest)
    assert sorted(p.name for p in dest.iterdir()) == ["group1-shard1of1.bin", "model.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


# ---------------------------------------------------------------- round trips (slow)

def node_available() -> bool:
    return shutil.which("node") is not None and (REPO_ROOT / "node_modules/@tensorflow/tfjs").is_dir()


def run_in_node(model_dir: Path, x: np.ndarray, tmp_path: Path, graph: str = "model.json") -> np.ndarray:
    np.save(tmp_path / "x.npy", x.astype(np.float32))
    result = subprocess.run(["node", str(PARITY_SCRIPT), str(model_dir), str(tmp_path / "x.npy"),
                             str(tmp_path / "y.npy"), graph], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert '"backend":"cpu"' in result.stdout
    return np.load(tmp_path / "y.npy")


@pytest.fixture(scope="module")
def tiny_tiramisu(tmp_path_factory):
    """A random-weight tiramisu56 at 64x64 saved as .keras, with a training card beside it."""
    keras = pytest.importorskip("keras")
    from greenscreen.model import build_model
    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("tiny")
    model = build_model("tiramisu56", (64, 64))
    model.save(folder / "tiny.keras")
    (folder / "tiny.card.json").write_text(json.dumps(
        {"training": {"epochs": 0, "note": "random weights"}, "metrics": {"test": {"miou": 1.0}}}))
    return folder / "tiny.keras"


@pytest.fixture(scope="module")
def test_images(astronaut):
    """A real photo and a noise image, stretched to 64x64 like the page does."""
    from PIL import Image
    photo = np.asarray(Image.fromarray(astronaut).resize((64, 64), Image.BILINEAR), np.float32)
    noise = np.random.default_rng(0).uniform(0, 255, (64, 64, 3)).astype(np.float32)
    return np.stack([photo, noise])


@pytest.mark.slow
@pytest.mark.skipif(not node_available(), reason="node or node_modules/@tensorflow/tfjs missing")
def test_float32_export_matches_keras_in_node(tiny_tiramisu, test_images, tmp_path):
    import keras
    from greenscreen.export.batchnorm_fold import without_batchnorm
    from greenscreen.export.person_output import person_probability_model
    from greenscreen.model import count_flops
    out = tmp_path / "model"
    result = run_converter_command("--model", tiny_tiramisu, "--out", out, "--quantize", "none")
    assert result.returncode == 0, result.stderr
    assert "total" in result.stdout and "group1-shard1of" in result.stdout
    assert result.stderr == ""  # TensorFlow's noise is silenced

    model = keras.saving.load_model(tiny_tiramisu)
    expected = model.predict(test_images, verbose=0)
    got = run_in_node(out, test_images, tmp_path)
    # The graph gives the person probability alone: the softmax's channel 1, folded at export.
    assert expected.shape == (2, 64, 64, 2) and got.shape == (2, 64, 64, 1)
    assert np.abs(got[..., 0] - expected[..., 1]).max() <= 1e-4

    card = json.loads((out / "model-card.json").read_text())
    assert card["preset"] == "tiramisu56" and card["name"] == "tiny"
    assert card["input_size"] == [64, 64]
    # The BNs are folded away and the head's background channel is gone: the graph holds fewer weights.
    exported = person_probability_model(without_batchnorm(model))
    assert card["params"] == exported.count_params() < model.count_params()
    assert card["conversion"]["batchnorm"].startswith("49 BatchNormalization layers removed at export")
    graph = json.loads((out / "model.json").read_text())["modelTopology"]["node"]
    assert not [node["name"] for node in graph if "/batchnorm/" in node["name"]]
    assert card["flops"] == count_flops(exported)
    assert card["conversion"]["output"].startswith("person probability [N, H, W, 1]")
    assert card["outputs"][0]["shape"] == [-1, 64, 64, 1]
    assert card["training"]["note"] == "random weights"  # merged from tiny.card.json
    assert card["conversion"]["quantize"] == "none"
    assert card["conversion"]["tensorflowjs"] == "4.22.0"
    assert card["inputs"][0]["shape"] == [-1, 64, 64, 3]
    for entry in card["files"]:
        assert (out / entry["path"]).stat().st_size == entry["bytes"]
    assert card["total_bytes"] == sum(f["bytes"] for f in card["files"])
    assert (out / "MODEL_CARD.md").read_text().startswith("# Model card: tiny")


@pytest.mark.slow
@pytest.mark.skipif(not node_available(), reason="node or node_modules/@tensorflow/tfjs missing")
def test_float16_resized_export_agrees_on_argmax(tiny_tiramisu, test_images, tmp_path, capsys):
    import keras
    from greenscreen.model import with_input_size
    out = tmp_path / "model"
    out.mkdir()
    (out / "group9-shard1of1.bin").write_bytes(b"stale")  # replaced along with the folder
    result = run_converter(capsys, "--model", tiny_tiramisu, "--out", out, "--size", "96x64")
    assert result.returncode == 0, result.stderr
    assert not (out / "group9-shard1of1.bin").exists()

    model = with_input_size(keras.saving.load_model(tiny_tiramisu), (96, 64))
    x = np.concatenate([test_images, test_images[:, :32]], axis=1)  # 96x64 inputs
    expected = model.predict(x, verbose=0)
    got = run_in_node(out, x, tmp_path)
    assert got.shape == (2, 96, 64, 1)
    agreement = ((got[..., 0] > 0.5) == (expected.argmax(-1) == 1)).mean()
    assert agreement >= 0.999, agreement

    card = json.loads((out / "model-card.json").read_text())
    assert card["input_size"] == [96, 64] and card["conversion"]["quantize"] == "float16"
    float32_weight_bytes = 4 * model.count_params()
    shard_bytes = sum(f["bytes"] for f in card["files"] if f["path"].endswith(".bin"))
    assert shard_bytes < 0.6 * float32_weight_bytes  # float16 halves the download


@pytest.mark.slow
@pytest.mark.slow
@pytest.mark.skipif(not node_available(), reason="node or node_modules/@tensorflow/tfjs missing")
def test_an_extra_input_size_is_a_second_graph_on_the_same_shards(tiny_tiramisu, astronaut, tmp_path):
    """The training card's extra_input_sizes (the photo model's multi-scale pass) become model-HxW.json:
    the same weights at that size, reading model.json's shards, plus a few bytes of shape constants."""
    import shutil as copying

    import keras
    from PIL import Image

    from greenscreen.model import with_input_size
    source = tmp_path / "ms" / "tiny.keras"
    source.parent.mkdir()
    copying.copy(tiny_tiramisu, source)
    (source.parent / "tiny.card.json").write_text(json.dumps({"extra_input_sizes": [[32, 32]]}))
    out = tmp_path / "model"
    result = run_converter_command("--model", source, "--out", out, "--quantize", "none")
    assert result.returncode == 0, result.stderr
    assert "model-32x32.json" in result.stdout and "size-32x32.bin" in result.stdout

    main = json.loads((out / "model.json").read_text())
    extra = json.loads((out / "model-32x32.json").read_text())
    assert extra["weightsManifest"][:-1] == main["weightsManifest"]  # the same shards, nothing copied
    own = extra["weightsManifest"][-1]
    assert own["paths"] == ["size-32x32.bin"] and all(w["name"].endswith("@32x32") for w in own["weights"])
    assert sorted(path.name for path in out.glob("*.bin")) == sorted(
        [path for group in main["weightsManifest"] for path in group["paths"]] + ["size-32x32.bin"])

    x = np.asarray(Image.fromarray(astronaut).resize((32, 32), Image.BILINEAR), np.float32)[None]
    expected = with_input_size(keras.saving.load_model(tiny_tiramisu), (32, 32)).predict(x, verbose=0)
    got = run_in_node(out, x, tmp_path, graph="model-32x32.json")
    assert got.shape == (1, 32, 32, 1) and np.abs(got[..., 0] - expected[..., 1]).max() <= 1e-4
    card = json.loads((out / "model-card.json").read_text())
    assert card["extra_input_sizes"] == [[32, 32]] and card["input_size"] == [64, 64]
    assert {entry["path"] for entry in card["files"]} >= {"model-32x32.json", "size-32x32.bin"}
    assert card["total_bytes"] == sum(f["bytes"] for f in card["files"])


def test_two_exports_of_one_model_are_byte_for_byte_the_same(tiny_tiramisu, tmp_path):
    """The committed static/model/ files change only when the model does: the converter's attribute order
    and the conversion date used to make every export differ."""
    out, first = tmp_path / "model", {}
    for export in range(2):
        result = run_converter_command("--model", tiny_tiramisu, "--out", out)
        assert result.returncode == 0, result.stderr
        files = {path.name: path.read_bytes() for path in out.iterdir()}
        first = first or files
    assert "model.json" in files and sorted(files) == sorted(first)
    for name, data in files.items():
        assert data == first[name], name
