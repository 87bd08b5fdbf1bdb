"""Photos without masks (`ROOT:unlabeled`): a teacher labels them, training reads its maps as the targets,
and nothing that scores a model can take them."""

import numpy as np
import pytest

from greenscreen.data import DataError, open_source
from greenscreen.data.dataset import SegmentationDataset
from greenscreen.data.teacher import TeacherMaps
from tests.synthetic import make_mask_folder, photo_folder


def test_a_photo_folder_opens_only_when_asked_for_unlabeled(tmp_path):
    root = photo_folder(tmp_path / "people")
    with pytest.raises(DataError, match=r"people:unlabeled"):
        open_source(str(root))  # the hint names the spec that works
    with pytest.raises(DataError, match="has no masks"):
        open_source(f"{root}:unlabeled")  # scoring and validation never take it
    source = open_source(f"{root}:unlabeled", allow_unlabeled=True)
    assert len(source) == 4 and not source.has_masks
    image, mask = source.load(0)
    assert image.shape == (48, 64, 3) and mask is None
    assert source.describe()["person_boxes"] == 4


def test_training_samples_take_the_teachers_map_as_mask_and_target(tmp_path):
    source = open_source(f"{photo_folder(tmp_path / 'people')}:unlabeled", allow_unlabeled=True)
    with pytest.raises(DataError, match="needs a teacher"):
        SegmentationDataset([(source, 1.0)], batch_size=2, input_size=(32, 32), augment=True)
    maps = TeacherMaps(tmp_path / "teacher", source)
    for i in range(len(source)):
        probability = np.zeros((48, 64), np.float32)
        probability[8:40, 10:30] = 0.9  # the teacher's person
        maps.save(source.name(i), probability)
    dataset = SegmentationDataset([(source, 1.0)], batch_size=4, input_size=(48, 64), augment=True,
                                  teachers=[maps], cache=True)
    _, y = dataset[0]
    hard, soft = y[..., 0], y[..., 1]
    assert set(np.unique(hard)) <= {0.0, 1.0} and hard.mean() > 0.05
    assert np.mean((soft >= 0.5) == (hard == 1)) > 0.98  # the mask is the map thresholded at 0.5
    assert soft.max() == pytest.approx(0.9, abs=0.01)  # and the target keeps the map's softness


def test_train_refuses_photos_without_masks_and_without_a_teacher(tmp_path):
    from greenscreen import train
    from greenscreen.cli_common import UsageError

    root = photo_folder(tmp_path / "people")
    options = train.resolve_options(["--train", f"{root}:unlabeled", "--val", str(make_mask_folder(tmp_path / "val")),
                                     "--out", str(tmp_path / "run")])
    with pytest.raises(UsageError, match="teacher"):
        train.open_datasets(options)


def test_a_box_guided_map_takes_the_crops_inside_boxes_and_is_background_outside():
    from greenscreen.data.boxes import combine, region, usable

    whole = np.full((100, 200), 0.3, np.float32)  # a teacher unsure everywhere
    boxes = [[20, 10, 40, 80], [150, 50, 2, 2]]  # a person, and one too small for a crop of its own
    assert usable(boxes, whole.shape) == [boxes[0]]
    crop_region = region(boxes[0], whole.shape, 0.25)
    assert crop_region == (0, 10, 100, 70)  # grown by a quarter per side, clipped to the photo
    top, left, bottom, right = crop_region
    crop_map = np.zeros((bottom - top, right - left), np.float32)
    crop_map[20:60, 20:40] = 0.95  # the crop sees the person clearly
    result = combine(whole, [(crop_region, crop_map)], boxes)
    assert result[30, 35] == pytest.approx(0.95)  # inside the box: the crop's higher probability
    assert result[12, 22] == pytest.approx(0.3)  # inside the box where the crop says less: the whole map's
    assert result[5, 100] == 0 and result[95, 190] == 0  # outside every box: background
    assert result[50, 150] == pytest.approx(0.3)  # the tiny box still keeps what the whole map saw


def test_pack_copies_photos_without_masks_with_their_boxes_scaled(tmp_path, capsys):
    import json

    from greenscreen.data.__main__ import main

    root = photo_folder(tmp_path / "people")  # 64x48 photos, a [1, 2, 10, 20] box each
    out = tmp_path / "packed"
    assert main(["pack", f"{root}:unlabeled", "--out", str(out), "--max-side", "32"]) == 0
    packed_root = out / "people" if (out / "people").is_dir() else next(out.iterdir())
    assert not (packed_root / "masks").exists()
    packed = open_source(f"{packed_root}:unlabeled", allow_unlabeled=True)
    assert len(packed) == 4
    image, mask = packed.load(0)
    assert image.shape == (24, 32, 3) and mask is None
    boxes = json.loads((packed_root / "person_boxes.json").read_text())["boxes"]
    assert boxes[packed.name(0)] == [[0.5, 1.0, 5.0, 10.0]]  # in the shrunk photo's pixels
