"""Copy-paste augmentation (greenscreen.data.paste, --paste-people): a person cut from another photo by its mask
lands in the sample labelled person, behind or in front of the sample's own person; bad donors are skipped."""

import numpy as np
import pytest

from greenscreen.data import DataError, open_source
from greenscreen.data.dataset import SegmentationDataset
from greenscreen.data.paste import PasteConfig, paste_person, usable_donor
from tests.synthetic import make_mask_folder


def donor(height=40, width=20):
    image = np.full((height, width, 3), 200, np.uint8)
    mask = np.zeros((height, width), np.uint8)
    mask[5:35, 5:15] = 1
    return image, mask


def round_donor():
    """A donor whose person (an ellipse) leaves photo pixels inside their box, as a real person's outline does."""
    image = np.full((40, 20, 3), 200, np.uint8)
    rows, cols = np.mgrid[:40, :20]
    mask = ((((rows - 20) / 15) ** 2 + ((cols - 10) / 5) ** 2) <= 1).astype(np.uint8)
    return image, mask


def sample(size=64):
    photo = np.full((size, size, 3), 10.0, np.float32)
    matte = np.zeros((size, size), np.uint8)
    matte[20:64, 24:40] = 1
    return photo, matte


@pytest.mark.parametrize("behind", [True, False])
def test_the_pasted_person_is_labelled_person_and_only_their_pixels_change(behind):
    photo, matte = sample()
    soft = matte.astype(np.float32) * 0.9
    config = PasteConfig(behind_prob=1.0 if behind else 0.0)
    over_the_subject = []
    for seed in range(20):
        new_photo, new_matte, new_soft = paste_person(photo, matte, *donor(), np.random.default_rng(seed), soft=soft,
                                                      config=config)
        changed = (new_photo != photo).any(axis=2)
        assert changed.any(), seed
        assert (new_photo[changed] == 200).all() and (new_matte[changed] == 1).all() and (new_soft[changed] == 1).all()
        assert (new_matte >= matte).all()  # nobody is taken away
        over_the_subject.append(bool((changed & (matte == 1)).any()))
        assert (photo == 10).all() and matte.sum() == 16 * 44  # the inputs are untouched
        assert new_photo.dtype == np.float32 and new_matte.dtype == np.uint8
    assert any(over_the_subject) != behind  # behind: always hidden by the subject where they overlap


@pytest.mark.parametrize("behind", [True, False])
def test_a_blended_person_gets_the_hard_cuts_label_a_soft_outline_and_nearer_colours(behind):
    photo, matte = sample()
    soft = matte.astype(np.float32) * 0.9
    hard_config = PasteConfig(behind_prob=1.0 if behind else 0.0)
    blend_config = PasteConfig(behind_prob=1.0 if behind else 0.0, blend=True, feather=(1.5, 1.5), colour_pull=(0.5, 0.5))
    for seed in range(10):
        hard = paste_person(photo, matte, *round_donor(), np.random.default_rng(seed), soft=soft, config=hard_config)
        blended = paste_person(photo, matte, *round_donor(), np.random.default_rng(seed), soft=soft, config=blend_config)
        assert np.array_equal(hard[1], blended[1])  # the same person, labelled the same
        person = (hard[0] != photo).any(axis=2)  # the pasted person's pixels, in front of the subject too
        changed = (blended[0] != photo).any(axis=2)
        inside = blended[0][person][:, 0]
        # Colours pulled half way from 200 toward the sample's mean (about 10): about 105, the edges feathered lower.
        assert (hard[0][person] == 200).all()
        assert 10 < inside.min() and inside.max() < 110
        outline = changed & ~person
        assert outline.any()  # the feather reaches past the outline ...
        assert (blended[2][outline] < 1).all() and (blended[2][outline] > 0).any()  # ... as a soft target, not a label
        assert (blended[2][person] == 1).all() and (blended[2] >= soft).all()
        if behind:
            assert not (changed & (matte == 1)).any()  # the subject in front stays untouched
        assert (photo == 10).all()


def test_a_donor_cut_off_by_its_photos_bottom_stands_on_the_samples_bottom():
    photo, matte = sample()
    image, mask = donor()
    mask[5:, 5:15] = 1  # reaches the bottom edge: a portrait's shoulders
    for seed in range(5):
        _, new_matte, _ = paste_person(photo, np.zeros_like(matte), image, mask, np.random.default_rng(seed))
        assert new_matte[-1].any() and new_matte.sum() > 0


def test_empty_whole_or_scattered_masks_are_no_donors():
    _, mask = donor()
    assert usable_donor(mask)
    assert not usable_donor(np.zeros_like(mask)) and not usable_donor(np.ones_like(mask))
    scattered = np.zeros((40, 40), np.uint8)
    scattered[::8, ::8] = 1  # pieces of a person behind a fence
    assert not usable_donor(scattered)


def test_the_dataset_pastes_in_the_share_asked_and_stays_reproducible(tmp_path):
    source = open_source(str(make_mask_folder(tmp_path / "data", count=6)))
    plain = SegmentationDataset([(source, 1.0)], batch_size=6, input_size=(32, 32), augment=True, seed=3)
    pasted = SegmentationDataset([(source, 1.0)], batch_size=6, input_size=(32, 32), augment=True, seed=3, paste_people=1.0)
    again = SegmentationDataset([(source, 1.0)], batch_size=6, input_size=(32, 32), augment=True, seed=3, paste_people=1.0)
    (x0, y0), (x1, y1), (x2, y2) = plain[0], pasted[0], again[0]
    assert (y1 >= y0).all() and y1.sum() > y0.sum()  # more person, none taken away
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    off = SegmentationDataset([(source, 1.0)], batch_size=6, input_size=(32, 32), augment=True, seed=3, paste_people=0.0)
    assert np.array_equal(off[0][0], x0)  # 0 draws nothing: runs without it are the batches they were
    blended = SegmentationDataset([(source, 1.0)], batch_size=6, input_size=(32, 32), augment=True, seed=3,
                                  paste_people=1.0, paste_blend=True)
    xb, yb = blended[0]
    assert np.array_equal(yb, y1) and not np.array_equal(xb, x1)  # the same people, blended in
    assert np.array_equal(blended[0][0], xb)


def test_paste_people_needs_a_share_and_a_source_with_masks(tmp_path):
    source = open_source(str(make_mask_folder(tmp_path / "data", count=2)))
    with pytest.raises(DataError, match="paste_people must be in"):
        SegmentationDataset([(source, 1.0)], batch_size=2, augment=True, paste_people=1.5)
