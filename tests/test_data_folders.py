"""Mask folders, image/mask readers, open_source and split."""

import numpy as np
import pytest
from PIL import Image

from greenscreen.data import DataError, load_image, load_mask, open_source
from greenscreen.data.folders import MaskFolderSource
from tests.synthetic import make_mask_folder


def _save_pair(root, stem, size=(32, 24), mask_size=None, image_ext=".jpg"):
    width, height = size
    Image.fromarray(np.full((height, width, 3), 120, np.uint8)).save(root / "images" / f"{stem}{image_ext}")
    mask_w, mask_h = mask_size or size
    mask = np.zeros((mask_h, mask_w), np.uint8)
    mask[: mask_h // 2] = 255
    Image.fromarray(mask).save(root / "masks" / f"{stem}.png")


@pytest.fixture
def messy_folder(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    _save_pair(tmp_path, "good")
    _save_pair(tmp_path, "good_png", image_ext=".png")
    _save_pair(tmp_path, "mismatch", mask_size=(16, 24))
    _save_pair(tmp_path, "no_mask")
    (tmp_path / "masks" / "no_mask.png").unlink()
    _save_pair(tmp_path, "no_image")
    (tmp_path / "images" / "no_image.jpg").unlink()
    _save_pair(tmp_path, "broken")
    (tmp_path / "images" / "broken.jpg").write_bytes(b"not a jpeg at all")
    (tmp_path / "images" / "notes.txt").write_text("ignored")
    return tmp_path


def test_mask_folder_skips_and_reports_bad_pairs(messy_folder):
    source = MaskFolderSource(messy_folder)
    assert [source.name(i) for i in range(len(source))] == ["good.jpg", "good_png.png"]
    problems = "\n".join(source.problems)
    assert len(source.problems) == 4
    assert "no_mask.jpg: missing mask" in problems
    assert "no_image.png: missing image" in problems
    assert "mismatch.jpg: size mismatch: image 32x24, mask 16x24" in problems
    assert "broken.jpg: unreadable" in problems
    image, mask = source.load(0)
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8
    assert mask.shape == (24, 32) and set(np.unique(mask)) == {0, 1}
    assert mask[:12].all() and not mask[12:].any()
    assert source.describe() == {"kind": "mask-folder", "path": str(messy_folder), "subset": None,
                                 "count": 2, "skipped": 4}


def test_open_source_errors_are_one_line_data_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        open_source(str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="neither a mask folder"):
        open_source(str(tmp_path))
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    with pytest.raises(DataError, match="no usable image/mask pairs"):
        open_source(str(tmp_path))
    assert len(open_source(str(tmp_path), allow_empty=True)) == 0
    _save_pair(tmp_path, "a")
    with pytest.raises(DataError, match="only applies to COCO"):
        open_source(f"{tmp_path}:kept")


def test_load_image_applies_exif_orientation_and_drops_alpha(tmp_path):
    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, :20] = (255, 0, 0)  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers rotate 90 degrees clockwise
    Image.fromarray(pixels).save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    image = load_image(tmp_path / "rotated.jpg")
    assert image.shape == (40, 20, 3)
    assert image[:20, :, 0].mean() > 200 and image[20:, :, 0].mean() < 50  # red half is now on top

    Image.fromarray(np.full((5, 6, 4), 200, np.uint8), "RGBA").save(tmp_path / "alpha.png")
    Image.fromarray(np.full((5, 6), 90, np.uint8), "L").save(tmp_path / "grey.png")
    assert load_image(tmp_path / "alpha.png").shape == (5, 6, 3)
    grey = load_image(tmp_path / "grey.png")
    assert grey.shape == (5, 6, 3) and (grey == 90).all()


def test_load_image_names_the_unreadable_file(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\x00" * 10)
    with pytest.raises(DataError, match="bad.jpg"):
        load_image(bad)
    with pytest.raises(DataError, match="missing.png"):
        load_mask(tmp_path / "missing.png")


def test_load_mask_accepts_0_255_0_1_and_palette(tmp_path):
    values = np.array([[0, 1], [1, 0]], np.uint8)
    Image.fromarray(values * 255).save(tmp_path / "a.png")
    Image.fromarray(values).save(tmp_path / "b.png")
    palette = Image.fromarray(values * 2, "P")
    palette.putpalette([0, 0, 0, 9, 9, 9, 128, 0, 0] + [0] * 759)
    palette.save(tmp_path / "c.png")
    for name in ("a.png", "b.png", "c.png"):
        mask = load_mask(tmp_path / name)
        assert mask.dtype == np.uint8 and (mask == values).all(), name


def test_split_is_deterministic_by_name(messy_folder):
    for stem in "cdefghij":
        _save_pair(messy_folder, stem)
    source = MaskFolderSource(messy_folder)
    rest, held = source.split(0.3, seed=1)
    assert len(held) == round(0.3 * len(source)) and len(rest) + len(held) == len(source)
    names = lambda s: {s.name(i) for i in range(len(s))}
    assert not names(rest) & names(held)
    assert names(source.split(0.3, seed=1)[1]) == names(held)
    reordered = source.with_items(list(reversed(source.items)), None)
    assert names(reordered.split(0.3, seed=1)[1]) == names(held)
    assert names(source.split(0.3, seed=2)[1]) != names(held) or len(source) < 4
    with pytest.raises(DataError):
        source.split(1.5)


def test_check_flags_an_all_person_mask_and_counts_empty_ones(tmp_path, capsys):
    import json as json_module

    from greenscreen.data.__main__ import main as data_main

    root = make_mask_folder(tmp_path / "data", count=4)
    Image.fromarray(np.full((48, 64), 255, np.uint8)).save(root / "masks" / "p01.png")  # all person
    Image.fromarray(np.zeros((48, 64), np.uint8)).save(root / "masks" / "p02.png")  # nobody in the photo
    assert data_main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "1 suspect, 1 without a person" in out
    assert "suspect p01.png: the mask marks every pixel as person" in out
    assert data_main(["check", str(root), "--json"]) == 0
    report = json_module.loads(capsys.readouterr().out)
    assert len(report["suspect"]) == 1 and report["masks_without_person"] == 1
