"""greenscreen ship: a run's lineage becomes the card (read from the run folders, not written by hand),
then the session's tiny trained run (tests/conftest.py) is scored, saved under models/ and exported for the page."""

import json

import numpy as np
import pytest
from PIL import Image

from greenscreen import ship
from greenscreen.export import card
from greenscreen.run_folder import RunFolder
from tests.synthetic import make_mask_folder


def fake_run(path, options, state, hardware="x86_64, 2 cores; devices: cpu:0"):
    run = RunFolder(path)
    run.write_config({"options": options, "steps_per_epoch": 10,
                      "data": {"train": [{"path": "../shared/data/ccp", "subset": None, "count": 1003, "weight": 0.6}],
                               "val": [{"path": "../shared/data/coco-person/x.json", "subset": "kept", "count": 120}]},
                      "environment": {"hardware": hardware, "keras": "3.11.3", "backend": "jax"}})
    run.update_state(**state)
    return run


def test_the_card_follows_the_lineage_and_says_what_was_recorded(tmp_path):
    first = fake_run(tmp_path / "a", {"preset": "tiramisu_lite0", "size": [160, 160], "batch_size": 16, "lr": 1e-3,
                                      "optimizer": "adam", "schedule": "cosine", "freeze_encoder": "all",
                                      "dice_weight": 0.5},
                     {"epoch": 12, "best_epoch": 12, "best_val_miou": 85.3, "train_seconds": 1200})
    second = fake_run(tmp_path / "b", {"preset": "tiramisu_lite0", "size": [224, 224], "batch_size": 12, "lr": 4e-4,
                                       "optimizer": "adam", "schedule": "cosine", "freeze_encoder": 4,
                                       "init_weights": str(first.best)},
                      {"epoch": 30, "best_epoch": 28, "best_val_miou": 88.0, "train_seconds": 3600},
                      hardware="NVIDIA H200")
    lineage = second.lineage()
    assert [run.path for run in lineage] == [first.path, second.path]
    stages = [card.stage_record(run) for run in lineage]
    assert [s["minutes"] for s in stages] == [20.0, 60.0]
    assert stages[0]["samples_seen"] == 12 * 160 and stages[1]["samples_seen"] == 30 * 120
    assert "frozen up to all" in stages[0]["encoder"] and "stride 4" in stages[1]["encoder"]
    assert stages[1]["starts_from"] == str(first.best)
    assert stages[0]["encoder"].startswith("ImageNet weights") and stages[1]["encoder"].startswith("from the starting")
    # A checkpoint's stage that asks for no ImageNet weights still starts from that checkpoint, not at random.
    assert card.encoder_start({"pretrained": False, "init_weights": "models/live.keras"}) == "from the starting checkpoint"
    # Stages copied from cards written before that wording keep their facts, with the start corrected.
    old = {"starts_from": "runs/live-cpu-1/best.keras", "encoder": "ImageNet weights, frozen up to stride 4"}
    assert card.corrected_stage(old)["encoder"] == "from the starting checkpoint, frozen up to stride 4"
    first = {"starts_from": "ImageNet encoder + fresh up path", "encoder": "ImageNet weights, frozen up to all"}
    assert card.corrected_stage(first) == first
    assert card.encoder_start({"pretrained": False}) == "random"
    text = card.describe("photo", "tiramisu_lite0", card.encoder_facts({"encoder": "efficientnet_lite0",
                                                                       "encoder_blocks": 16}), stages)
    # The machine comes from the records: a GPU stage is never called CPU training.
    assert "NVIDIA H200" in text and "x86_64" in text and "80 minutes" in text and "Apache-2.0" in text
    assert set(card.data_licences(stages)) == {"ccp", "coco-person"}
    assert "context" not in text
    from greenscreen.model import preset_config
    grown = card.describe("live", "tiramisu_lite0_live_context",
                          card.encoder_facts(preset_config("tiramisu_lite0_live_context")), stages)
    assert "(11 blocks, Apache-2.0), 1 more block(s) at the next stride added to its deepest map as context" in grown


def coco_folder(root, count=3, size=(48, 64)):
    """A COCO-layout folder whose photos all pass the write-up's filter (one person, ~30% cover)."""
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    images, annotations = [], []
    for i in range(count):
        picture = np.full((*size, 3), 30, np.uint8)
        picture[10:38, 16:48] = 220
        Image.fromarray(picture).save(root / "images" / f"{i}.jpg")
        images.append({"id": i + 1, "file_name": f"{i}.jpg", "height": size[0], "width": size[1]})
        annotations.append({"id": i + 1, "image_id": i + 1, "category_id": 1, "iscrowd": 0, "area": 28 * 32,
                            "bbox": [16, 10, 32, 28], "segmentation": [[16, 10, 48, 10, 48, 38, 16, 38]]})
    (root / "annotations" / "instances.json").write_text(json.dumps(
        {"images": images, "annotations": annotations, "categories": [{"id": 1, "name": "person"}]}))
    return root


@pytest.mark.slow
def test_ship_scores_saves_and_exports_a_run(tiny_run, tmp_path, capsys):
    data = tmp_path / "data"
    make_mask_folder(data / "portraits" / "test", count=3)
    coco_folder(data / "coco-person")
    root = tmp_path / "project"
    (root / "static" / "model").mkdir(parents=True)
    assert ship.main([str(tiny_run.path), "--name", "live", "--data", str(data), "--root", str(root)]) == 0
    card = json.loads((root / "models" / "live.card.json").read_text())
    assert (root / "models" / "live.keras").is_file()
    assert card["name"] == "live" and card["preset"] == "tiramisu_tiny" and card["encoder"] is None
    assert card["metrics"]["portraits_test"]["n"] == 3 and card["metrics"]["coco_person_120"]["n"] == 3
    assert card["metrics"]["portraits_test"]["target"] == 96.2
    live = card["metrics"]["portraits_test"]
    assert live["miou"] == live["miou_without_flip_tta"]  # the live model is scored as the webcam runs it
    # A second person pasted beside each test portrait's: how much of them the mask keeps, as the page runs it.
    second = card["metrics"]["second_person"]
    assert second["composites"] >= 1 and second["composites"] + second["left_out"] == 3
    assert 0 <= second["kept_percent"] <= 100 and 0 <= second["dropped"] <= second["composites"]
    assert "portraits/test" in second["how"] and "mediapipe_selfie_general" in second["reference"]
    assert card["training"]["stages"][0]["epochs"] == 1
    exported = json.loads((root / "static" / "model" / "live" / "model-card.json").read_text())
    assert exported["name"] == "live" and exported["metrics"] == card["metrics"]
    assert (root / "static" / "model" / "live" / "model.json").is_file()
    assert "trained_input_size" not in card  # shipped at the size it trained at

    # The shipped model again, at another size: its run folder may be gone; its card keeps the lineage.
    assert ship.main([str(root / "models" / "live.keras"), "--name", "live", "--size", "64", "--data", str(data),
                      "--root", str(root)]) == 0
    again = json.loads((root / "models" / "live.card.json").read_text())
    assert again["input_size"] == [64, 64] and again["trained_input_size"] == [32, 32]
    assert again["training"]["stages"] == card["training"]["stages"]
    exported = json.loads((root / "static" / "model" / "live" / "model-card.json").read_text())
    assert exported["input_size"] == [64, 64] and exported["metrics"] == again["metrics"]
    # At its own size the shipped file stays as it is (no new bytes in git); only the card is written.
    before = (root / "models" / "live.keras").read_bytes()
    assert ship.main([str(root / "models" / "live.keras"), "--name", "live", "--data", str(data), "--root", str(root),
                      "--no-export"]) == 0
    assert (root / "models" / "live.keras").read_bytes() == before


def test_shipping_a_run_without_best_keras_is_one_line(tmp_path, capsys):
    (tmp_path / "run").mkdir()
    assert ship.main([str(tmp_path / "run"), "--name", "photo"]) == 2
    assert "nothing to ship" in capsys.readouterr().err


def test_a_shipped_model_ships_again_with_the_stages_its_card_recorded(tmp_path):
    stages = [{"run": "runs/photo-cpu-1", "minutes": 7.0}, {"run": "runs/photo-boxes-320", "minutes": 60.0}]
    (tmp_path / "photo.keras").write_bytes(b"")
    (tmp_path / "photo.card.json").write_text(json.dumps({"training": {"stages": stages}}))
    assert ship.weights_and_stages(tmp_path / "photo.keras") == (tmp_path / "photo.keras", stages)
    # A card written before the encoder wording was fixed gets it fixed when the model ships again.
    old = [{"run": "runs/live-cpu-1", "starts_from": "ImageNet encoder + fresh up path",
            "encoder": "ImageNet weights, frozen up to all"},
           {"run": "runs/live-cpu-2", "starts_from": "runs/live-cpu-1/best.keras",
            "encoder": "ImageNet weights, frozen up to stride 4"}]
    (tmp_path / "photo.card.json").write_text(json.dumps({"training": {"stages": old}}))
    _, again = ship.weights_and_stages(tmp_path / "photo.keras")
    assert again[0] == old[0] and again[1]["encoder"] == "from the starting checkpoint, frozen up to stride 4"


@pytest.mark.parametrize("card_text, message", [
    (None, "photo.card.json does not exist: ship the run folder"),
    ("{not json", "photo.card.json is not a model card"),
    ('{"training": {"stages": []}}', "records no training stages"),
])
def test_a_shipped_model_without_a_usable_card_is_one_line(tmp_path, capsys, card_text, message):
    (tmp_path / "photo.keras").write_bytes(b"")
    if card_text is not None:
        (tmp_path / "photo.card.json").write_text(card_text)
    assert ship.main([str(tmp_path / "photo.keras"), "--name", "photo"]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1


def test_shipping_a_missing_model_file_is_one_line(tmp_path, capsys):
    assert ship.main([str(tmp_path / "nope.keras"), "--name", "photo"]) == 2
    assert "nope.keras does not exist: nothing to ship" in capsys.readouterr().err


def test_the_card_says_when_the_shipped_size_is_not_the_trained_one():
    stages = [{"run": "runs/a", "minutes": 1.0, "samples_seen": 10, "loss": "pixel cross-entropy",
               "input_size": [320, 320], "train": [], "validation": []}]
    made = [card.training_card(name="photo", preset="tiramisu_lite0", input_size=size, encoder=None, stages=stages,
                               metrics={}, flops=None, shipped="2026-12-03") for size in ((288, 288), (320, 320))]
    assert made[0]["trained_input_size"] == [320, 320] and made[0]["input_size"] == [288, 288]
    assert "trained_input_size" not in made[1]
    # The photo model's page runs a second size: the card says so, for the export and the page.
    assert made[1]["extra_input_sizes"] == [[256, 256]] and "a pass at 256x256" in made[1]["metrics"]["how"]
    live = card.training_card(name="live", preset="p", input_size=(192, 192), encoder=None, stages=stages,
                              metrics={}, flops=None, shipped="2026-12-03")
    assert "extra_input_sizes" not in live and "no TTA" in live["metrics"]["how"]


def test_a_run_started_from_a_shipped_model_keeps_that_models_stages(tmp_path):
    """The shipped model's run folders are gone; its card still tells how it was trained, and shipping the
    same campaign again (midway, then at its end) does not count its own earlier stage twice."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "live.keras").write_bytes(b"")
    earlier = [{"run": f"runs/live-cpu-{n}", "minutes": minutes, "samples_seen": 12800 * n, "loss": "pixel cross-entropy",
                "hardware": "x86_64, 2 cores; devices: cpu:0", "train": [], "validation": []}
               for n, minutes in ((1, 7.0), (3, 49.2))]
    (models / "live.card.json").write_text(json.dumps({"training": {"stages": earlier}}))
    options = {"preset": "tiramisu_lite0_live", "size": [224, 224], "batch_size": 12, "lr": 5e-4,
               "optimizer": "adam", "schedule": "cosine", "init_weights": str(models / "live.keras")}
    run = fake_run(tmp_path / "runs" / "live-long", options,
                   {"epoch": 32, "best_epoch": 31, "best_val_miou": 85.3, "train_seconds": 3510})
    run.best.write_bytes(b"")
    stages = ship.lineage_stages(run)
    assert [stage["run"] for stage in stages] == ["runs/live-cpu-1", "runs/live-cpu-3", str(run.path)]
    assert "3 stage(s), 115 minutes" in card.describe("live", "tiramisu_lite0_live", None, stages)

    # The campaign was shipped over models/live.* at 32 epochs; shipping it again at 60 keeps 3 stages.
    (models / "live.card.json").write_text(json.dumps({"training": {"stages": stages}}))
    run.update_state(epoch=60)
    again = ship.lineage_stages(run)
    assert [stage["run"] for stage in again] == ["runs/live-cpu-1", "runs/live-cpu-3", str(run.path)]
    assert again[-1]["epochs"] == 60


def test_a_start_replaced_since_does_not_lend_its_new_card(tmp_path, capsys):
    """models/live.keras is replaced when a new model ships: a run that recorded the SHA-256 of the file it
    started from must not claim the new model's stages as its own ancestry."""
    from greenscreen.cli_common import file_sha256

    models = tmp_path / "models"
    models.mkdir()
    start = models / "live.keras"
    start.write_bytes(b"the model shipped then")
    (models / "live.card.json").write_text(json.dumps({"training": {"stages": [
        {"run": "runs/live-long", "minutes": 56.0, "samples_seen": 72000, "loss": "pixel cross-entropy",
         "hardware": "cpu", "train": [], "validation": []}]}}))
    run = fake_run(tmp_path / "runs" / "stage", {"preset": "tiramisu_lite0_live", "size": [192, 192],
                                                 "batch_size": 12, "init_weights": str(start)},
                   {"epoch": 2, "best_epoch": 2, "best_val_miou": 80.0, "train_seconds": 60})
    config = run.config
    config["model"] = {"started_from": {"path": str(start), "sha256": file_sha256(start), "layers": "all"}}
    run.write_config(config)
    run.best.write_bytes(b"")
    assert [stage["run"] for stage in ship.lineage_stages(run)] == ["runs/live-long", str(run.path)]
    assert ship.lineage_stages(run)[-1]["starts_from_sha256"] == file_sha256(start)

    start.write_bytes(b"a model shipped over it later")
    assert [stage["run"] for stage in ship.lineage_stages(run)] == [str(run.path)]
    assert "no longer the checkpoint this run started from" in capsys.readouterr().err


def test_a_run_started_from_weights_without_a_card_has_only_its_own_stages(tmp_path):
    (tmp_path / "weights.keras").write_bytes(b"")
    run = fake_run(tmp_path / "run", {"preset": "tiramisu_lite0", "size": [160, 160], "batch_size": 8,
                                      "init_weights": str(tmp_path / "weights.keras")},
                   {"epoch": 2, "best_epoch": 2, "best_val_miou": 50.0, "train_seconds": 60})
    run.best.write_bytes(b"")
    assert [stage["run"] for stage in ship.lineage_stages(run)] == [str(run.path)]


def test_a_distilled_stage_names_the_model_that_made_its_maps(tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "teacher.json").write_text(json.dumps({"model": "models/photo.keras", "model_name": "tiramisu_lite0",
                                                   "model_sha256": "9000ad99" * 8, "flip_tta": True, "data": []}))
    assert card.teacher_record(str(maps)) == {"maps": str(maps), "model": "models/photo.keras",
                                              "model_name": "tiramisu_lite0", "model_sha256": "9000ad99" * 8,
                                              "flip_tta": True}
    assert card.teacher_record(str(tmp_path / "elsewhere")) == {"maps": str(tmp_path / "elsewhere")}


def test_the_description_names_every_teacher_in_stage_order():
    def stage(loss):
        return {"minutes": 10.0, "loss": loss, "hardware": "x86_64, 2 cores"}

    stages = [stage("pixel cross-entropy"),
              stage("pixel cross-entropy; 0.5 of the cross-entropy against a teacher's maps (runs/teacher-photo)"),
              stage("pixel cross-entropy; 0.5 of the cross-entropy against a teacher's maps (runs/teacher-photo)"),
              stage("pixel cross-entropy; 0.5 of the cross-entropy against a teacher's maps (runs/teacher-photo-5)")]
    text = card.describe("live", "tiramisu_lite0_live", None, stages)
    assert text.endswith("distilled from a teacher's maps (runs/teacher-photo), then a teacher's maps "
                         "(runs/teacher-photo-5).")
    assert "distilled" not in card.describe("live", "tiramisu_lite0_live", None, stages[:1])
