"""The COCO person filter on a hand-written annotation file, the COCO Source, the data CLI."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from greenscreen.data import DataError, open_source
from greenscreen.data.__main__ import main
from greenscreen.data.coco import CocoFilter, filter_coco, person_mask, read_coco

SIZE = 100  # every test image is 100 x 100, so 2,500 person pixels = 25 % cover


def _box(x0, y0, x1, y1, image_id, ann_id, category=1, crowd=0):
    return {"id": ann_id, "image_id": image_id, "category_id": category, "iscrowd": crowd,
            "segmentation": [[x0, y0, x1, y0, x1, y1, x0, y1]], "area": float((x1 - x0) * (y1 - y0)),
            "bbox": [x0, y0, x1 - x0, y1 - y0]}


def _crowd(image_id, ann_id, first_column, columns):
    """Uncompressed RLE (column-major) covering whole columns, as COCO stores crowds."""
    before, inside = first_column * SIZE, columns * SIZE
    return {"id": ann_id, "image_id": image_id, "category_id": 1, "iscrowd": 1,
            "segmentation": {"counts": [before, inside, SIZE * SIZE - before - inside], "size": [SIZE, SIZE]},
            "area": float(inside), "bbox": [first_column, 0, columns, SIZE]}


# image id -> (annotations, expected decision)
CASES = {
    1: ([_box(10, 10, 60, 60, 1, 101)], "kept"),                                     # one person, 25 %
    2: ([_box(0, 0, 40, 30, 2, 201), _box(50, 50, 90, 80, 2, 202)], "kept"),         # two people, 24 %
    3: ([_box(0, 0, 20, 40, 3, 301), _box(30, 0, 50, 40, 3, 302), _box(60, 0, 80, 40, 3, 303)], "too_many_people"),
    4: ([_box(10, 10, 40, 60, 4, 401), _crowd(4, 402, 60, 10)], "too_many_people"),  # a crowd means many people
    5: ([_box(40, 40, 50, 50, 5, 501)], "too_small"),                                # 1 % of the image
    6: ([_box(5, 5, 95, 95, 6, 601)], "too_large"),                                  # 81 %
    7: ([_box(0, 0, 60, 60, 7, 701, category=18)], "no_person"),                     # only a dog
    8: ([_box(0, 0, 80, 80, 8, 801, category=18), _box(40, 40, 50, 50, 8, 802)], "too_small"),  # dog not counted
    9: ([_box(0, 0, 100, 20, 9, 901)], "kept"),                                      # exactly 20 %: bounds inclusive
}


@pytest.fixture
def coco_root(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "annotations").mkdir()
    images, annotations = [], []
    for image_id, (anns, _) in CASES.items():
        name = f"{image_id:012d}.jpg"
        images.append({"id": image_id, "file_name": name, "width": SIZE, "height": SIZE, "license": 1})
        annotations += anns
        Image.fromarray(np.full((SIZE, SIZE, 3), 10 * image_id, np.uint8)).save(tmp_path / "images" / name)
    dataset = {"images": images, "annotations": annotations,
               "categories": [{"id": 1, "name": "person", "supercategory": "person"},
                              {"id": 2, "name": "bicycle", "supercategory": "vehicle"},
                              {"id": 18, "name": "dog", "supercategory": "animal"}]}
    (tmp_path / "annotations" / "instances.json").write_text(json.dumps(dataset))
    return tmp_path


def test_filter_decisions_match_the_write_up_rules(coco_root):
    result = filter_coco(read_coco(coco_root / "annotations" / "instances.json"))
    assert result.reason_by_id == {image_id: expected for image_id, (_, expected) in CASES.items()}
    assert [record["id"] for record in result.kept] == [1, 2, 9]
    assert result.dropped_counts() == {"too_many_people": 2, "too_small": 2, "too_large": 1, "no_person": 1}
    assert result.cover_by_id[1] == pytest.approx(0.25, abs=0.02)


def test_filter_thresholds_are_options(coco_root):
    coco = read_coco(coco_root / "annotations" / "instances.json")
    loose = filter_coco(coco, CocoFilter(max_people=3, min_cover=0.01, max_cover=0.9))
    assert {record["id"] for record in loose.kept} == {1, 2, 3, 5, 6, 8, 9}
    strict = filter_coco(coco, CocoFilter(min_people=2))
    assert [record["id"] for record in strict.kept] == [2] and strict.reason_by_id[1] == "too_few_people"
    with pytest.raises(DataError):
        CocoFilter(min_cover=0.8, max_cover=0.7)


def test_union_mask_includes_crowd_pixels(coco_root):
    anns, _ = CASES[4]
    mask = person_mask(anns, SIZE, SIZE)
    assert mask.dtype == np.uint8 and mask[:, 60:70].all()  # the crowd columns
    assert mask[30, 20] == 1 and mask[5, 5] == 0
    assert abs(int(mask.sum()) - (30 * 50 + 10 * SIZE)) < 150


def test_coco_source_subsets_and_specs(coco_root):
    kept = open_source(str(coco_root))
    assert [kept.name(i) for i in range(len(kept))] == ["000000000001.jpg", "000000000002.jpg", "000000000009.jpg"]
    image, mask = kept.load(0)
    assert image.shape == (SIZE, SIZE, 3) and mask.shape == (SIZE, SIZE)
    assert 0.22 < mask.mean() < 0.28 and mask[35, 35] == 1
    json_file = coco_root / "annotations" / "instances.json"
    assert len(open_source(f"{json_file}:dropped")) == 6
    every = open_source(f"{coco_root}:all")
    assert len(every) == 9 and every.describe()["subset"] == "all"
    assert every.load(6)[1].sum() == 0  # the dog-only image has an empty person mask


def test_missing_coco_images_are_reported_not_fatal(coco_root):
    (coco_root / "images" / "000000000002.jpg").unlink()
    source = open_source(str(coco_root))
    assert len(source) == 2 and source.problems == [f"000000000002.jpg: missing image in {coco_root / 'images'}"]


def test_cli_filter_coco(coco_root, capsys):
    json_file = str(coco_root / "annotations" / "instances.json")
    assert main(["filter-coco", json_file, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kept"] == ["000000000001.jpg", "000000000002.jpg", "000000000009.jpg"]
    assert report["dropped"]["too_many_people"] == 2 and sum(report["dropped"].values()) == 6
    assert main(["filter-coco", json_file]) == 0
    human = capsys.readouterr().out
    assert "kept 3, dropped 6" in human and "too_large" in human


def test_cli_pack_turns_coco_into_a_mask_folder(coco_root, tmp_path, capsys):
    out = tmp_path / "packed"
    assert main(["pack", f"{coco_root}:all", "--out", str(out), "--max-side", "50"]) == 0
    packed = open_source(str(out / f"{coco_root.name}-all"))
    assert len(packed) == 9
    image, mask = packed.load(0)
    assert image.shape == (50, 50, 3) and 0.22 < mask.mean() < 0.28
    assert json.loads((out / f"{coco_root.name}-all" / "source.json").read_text())["count"] == 9
    assert main(["check", str(out / f"{coco_root.name}-all")]) == 0
    assert "9 usable pairs, 0 skipped" in capsys.readouterr().out


DATA = Path(os.environ.get("GREENSCREEN_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
REAL_COCO = DATA / "coco-person" / "annotations" / "instances_person.json"


@pytest.mark.skipif(not REAL_COCO.is_file(), reason="shared COCO person data not present")
def test_real_coco_filter_keeps_exactly_120():
    result = filter_coco(read_coco(REAL_COCO))
    assert len(result.kept) == 120
    assert len(result.kept) + sum(result.dropped_counts().values()) == 924
