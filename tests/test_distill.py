"""Distillation: a teacher's maps are written once per photo, travel through the same crop as the photo,
and enter the loss as soft targets; a tiny student trains on them end to end (the teacher: the session's
tiny trained run)."""

import json

import numpy as np
import pytest
from PIL import Image

from greenscreen import teach, train
from greenscreen.data import open_source
from greenscreen.data.augment import AugmentConfig, augment
from greenscreen.data.dataset import SegmentationDataset
from greenscreen.data.teacher import TeacherMaps, source_key
from tests.synthetic import make_mask_folder, photo_folder


def test_a_teacher_map_goes_through_the_same_crop_as_the_photo():
    rng_image = np.random.default_rng(1)
    image = rng_image.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    mask = np.zeros((60, 80), np.uint8)
    mask[10:50, 20:45] = 1
    config = AugmentConfig(color_prob=0, gamma_prob=0, low_light_prob=0, blur_prob=0, noise_prob=0, jpeg_prob=0,
                           rotate_prob=1.0, flip_prob=0.5)
    for seed in range(8):
        photo, matte, soft = augment(image, mask, (32, 32), np.random.default_rng(seed), config, soft=mask * np.uint8(255))
        plain_photo, plain_matte = augment(image, mask, (32, 32), np.random.default_rng(seed), config)
        np.testing.assert_array_equal(photo, plain_photo)  # the teacher map changes nothing else
        np.testing.assert_array_equal(matte, plain_matte)
        assert soft.dtype == np.float32 and 0 <= soft.min() and soft.max() <= 1
        assert np.mean((soft >= 0.5) == (matte == 1)) > 0.99  # a map equal to the mask lands on the mask


def test_loss_takes_the_teachers_share_of_the_cross_entropy():
    from greenscreen.losses import SegmentationLoss

    truth = np.zeros((1, 4, 4, 1), np.float32)
    truth[0, :2] = 1
    soft = np.full((1, 4, 4, 1), 0.3, np.float32)
    prediction = np.stack([np.full((1, 4, 4), 0.4), np.full((1, 4, 4), 0.6)], -1).astype(np.float32)
    hard_only = float(SegmentationLoss()(truth, prediction))
    both = np.concatenate([truth, soft], -1)
    assert float(SegmentationLoss(teacher_weight=0.0)(both, prediction)) == pytest.approx(hard_only, rel=1e-5)
    soft_only = float(SegmentationLoss(teacher_weight=1.0)(both, prediction))
    expected_soft = -(0.3 * np.log(0.6) + 0.7 * np.log(0.4))
    assert soft_only == pytest.approx(expected_soft, rel=1e-4)
    half = float(SegmentationLoss(teacher_weight=0.5)(both, prediction))
    assert half == pytest.approx((hard_only + expected_soft) / 2, rel=1e-4)


def test_dataset_with_teacher_maps_gives_a_second_target_channel(tmp_path):
    data = make_mask_folder(tmp_path / "data", count=3)
    source = open_source(str(data))
    maps = TeacherMaps(tmp_path / "teacher", source)
    for i in range(len(source)):
        _, mask = source.load(i)
        maps.save(source.name(i), np.full(mask.shape, 0.25, np.float32))
    dataset = SegmentationDataset([(source, 1.0)], batch_size=3, input_size=(32, 32), augment=True,
                                  teachers=[maps], cache=True)
    x, y = dataset[0]
    assert y.shape == (3, 32, 32, 2)
    assert set(np.unique(y[..., 0])) <= {0.0, 1.0}
    np.testing.assert_allclose(y[..., 1], 64 / 255, atol=1e-6)  # 0.25 stored as 8 bits


def test_a_map_of_the_wrong_size_is_a_clear_error(tmp_path):
    data = make_mask_folder(tmp_path / "data", count=1)
    source = open_source(str(data))
    maps = TeacherMaps(tmp_path / "teacher", source)
    maps.save(source.name(0), np.zeros((5, 5), np.float32))
    with pytest.raises(Exception, match="rerun python -m greenscreen.teach"):
        maps.load(source.name(0), (48, 64))


@pytest.mark.slow
def test_teach_then_train_a_student_on_the_maps(tiny_run, tmp_path, capsys):
    data = make_mask_folder(tmp_path / "data", count=4)
    teacher = tiny_run.model  # the session's tiny trained run (tests/conftest.py) is the teacher
    maps_dir = tmp_path / "maps"
    people = photo_folder(tmp_path / "people")  # photos without masks: the teacher labels them too
    assert teach.main(["--model", str(teacher), "--data", str(data),
                       "--data", f"{people}:unlabeled", "--out", str(maps_dir)]) == 0
    assert len(list((maps_dir / source_key(open_source(f"{people}:unlabeled", allow_unlabeled=True))).glob("*.png"))) == 4
    folder = maps_dir / source_key(open_source(str(data)))
    assert sorted(p.name for p in folder.glob("*.png")) == [f"p{i:02d}.png" for i in range(4)]
    first = np.asarray(Image.open(folder / "p00.png"))
    assert first.shape == (48, 64) and first.dtype == np.uint8
    assert json.loads((maps_dir / "teacher.json").read_text())["flip_tta"] is True
    # Running it again writes nothing new (an interrupted run continues where it stopped).
    capsys.readouterr()
    assert teach.main(["--model", str(teacher), "--data", str(data), "--out", str(maps_dir)]) == 0
    assert "0 new maps" in capsys.readouterr().out
    # Another teacher into the same folder is refused before it writes anything: maps of two never mix.
    other = tiny_run.path / "last.keras"
    assert teach.file_sha256(other) != teach.file_sha256(teacher)
    before = {path: path.stat().st_mtime_ns for path in maps_dir.rglob("*")}
    assert teach.main(["--model", str(other), "--data", str(data), "--out", str(maps_dir)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "made by another teacher" in error and f"remove {maps_dir}" in error, error
    assert {path: path.stat().st_mtime_ns for path in maps_dir.rglob("*")} == before

    student = tmp_path / "student"
    assert train.main(["--train", str(data), "--train", f"{people}:unlabeled", "--val", str(data),
                       "--preset", "tiramisu_tiny", "--size", "32", "--epochs", "1", "--batch-size", "2",
                       "--workers", "0", "--teacher", str(maps_dir), "--out", str(student)]) == 0
    options = json.loads((student / "config.json").read_text())["options"]
    assert options["teacher"] == str(maps_dir) and options["teacher_weight"] == 0.5


def test_training_on_photos_the_teacher_has_not_seen_is_refused(tmp_path, capsys):
    data = make_mask_folder(tmp_path / "data", count=2)
    (tmp_path / "maps").mkdir()
    code = train.main(["--train", str(data), "--val", str(data), "--teacher", str(tmp_path / "maps"),
                       "--out", str(tmp_path / "run")])
    assert code == 2
    assert "python -m greenscreen.teach" in capsys.readouterr().err


def test_maps_of_an_unrecorded_teacher_are_refused(tiny_run, tmp_path, capsys):
    maps_dir = tmp_path / "maps"
    (maps_dir / "somesource").mkdir(parents=True)  # maps from before teachers were fingerprinted
    data = make_mask_folder(tmp_path / "data", count=2)
    assert teach.main(["--model", str(tiny_run.model), "--data", str(data), "--out", str(maps_dir)]) == 2
    assert "no teacher.json" in capsys.readouterr().err
    assert sorted(path.name for path in maps_dir.iterdir()) == ["somesource"]


def test_teach_processes_sharing_a_folder_each_add_their_sources_to_its_record(tmp_path):
    """distil_live.sh runs one teach process per source into one folder: the record must name every source
    and say the maps are complete only once each source's are."""
    teacher = {"model": "models/photo.keras", "model_sha256": "ab" * 32, "flip_tta": True, "model_name": "t"}
    portraits = {"kind": "mask-folder", "path": "/p", "subset": None, "count": 3}
    street = {"kind": "photos-without-masks", "path": "/s", "subset": "unlabeled", "count": 2}

    def record():
        return json.loads((tmp_path / "teacher.json").read_text())

    teach.write_record(tmp_path, teacher, [portraits], complete=False)
    teach.write_record(tmp_path, teacher, [street], complete=True)
    assert [(entry["path"], entry["complete"]) for entry in record()["data"]] == [("/p", False), ("/s", True)]
    assert record()["complete"] is False and record()["model_sha256"] == "ab" * 32
    teach.write_record(tmp_path, teacher, [portraits | {"count": 2}], complete=True)  # one photo skipped
    assert record()["complete"] is True
    assert {entry["path"]: entry["count"] for entry in record()["data"]} == {"/s": 2, "/p": 2}
    assert sorted(path.name for path in tmp_path.iterdir()) == [".teacher.lock", "teacher.json"]
    # The lock file alone does not make the folder look like maps of an unknown teacher.
    (tmp_path / "teacher.json").unlink()
    teach.check_same_teacher(tmp_path, teacher)


def test_a_record_from_before_the_merge_keeps_its_folder_wide_flag(tmp_path):
    teacher = {"model": "m", "model_sha256": "cd" * 32, "flip_tta": True, "model_name": "t"}
    (tmp_path / "teacher.json").write_text(json.dumps(
        teacher | {"data": [{"path": "/old", "subset": None}], "complete": True}))
    teach.write_record(tmp_path, teacher, [{"path": "/new", "subset": None}], complete=False)
    saved = json.loads((tmp_path / "teacher.json").read_text())
    assert [(entry["path"], entry["complete"]) for entry in saved["data"]] == [("/old", True), ("/new", False)]


def test_a_boxed_photo_padded_to_one_batch_shape_gets_the_same_map(tiny_run):
    """Under JAX the teacher pads a photo's views to one batch shape (a new shape is a new compilation):
    the padding must not change the map."""
    import keras

    model = keras.saving.load_model(tiny_run.path / "best.keras", compile=False)
    image = (np.random.default_rng(0).random((40, 60, 3)) * 255).astype(np.uint8)
    boxes = [[5, 4, 20, 30], [30, 6, 22, 30]]
    exact = teach.boxed_probability(model, image, boxes, tta=True)
    padded = teach.boxed_probability(model, image, boxes, tta=True, pad_to=8)
    assert np.allclose(exact, padded, atol=1e-5)


def test_photos_that_share_batches_of_views_get_their_own_maps(tiny_run):
    import keras

    model = keras.saving.load_model(tiny_run.path / "best.keras", compile=False)
    rng = np.random.default_rng(1)
    images = [(rng.random(shape) * 255).astype(np.uint8) for shape in ((40, 60, 3), (50, 30, 3), (36, 36, 3))]
    boxes = [[[5, 4, 20, 30]], [[2, 3, 20, 30], [8, 10, 18, 25]], []]
    together = teach.boxed_probabilities(model, images, boxes, tta=True, pad_to=4)
    for image, its_boxes, found in zip(images, boxes, together):
        assert found.shape == image.shape[:2]
        assert np.allclose(found, teach.boxed_probability(model, image, its_boxes, tta=True), atol=1e-5)


@pytest.mark.parametrize("backend_pads", [False, True], ids=["cpu-one-photo", "jax-shared-batches"])
def test_an_unreadable_boxed_photo_is_skipped_by_name(tiny_run, tmp_path, capsys, monkeypatch, backend_pads):
    people = photo_folder(tmp_path / "people")
    (people / "images" / "p01.png").write_bytes(b"not a png")  # opens by name, fails once read
    monkeypatch.setattr(teach, "fixed_shapes", lambda: backend_pads)
    maps_dir = tmp_path / "maps"
    assert teach.main(["--model", str(tiny_run.model), "--data", f"{people}:unlabeled", "--out", str(maps_dir),
                       "--batch-size", "2"]) == 0
    folder = maps_dir / source_key(open_source(f"{people}:unlabeled", allow_unlabeled=True))
    assert sorted(p.name for p in folder.glob("*.png")) == ["p00.png", "p02.png", "p03.png"]
