"""A second person beside and behind the subject: how much of them a model keeps.

The portrait masks call people behind the subject background, so fine-tuning on them can teach a model to drop
bystanders, and no mean IoU over one-person photos shows it. Each composite is a portrait (its person the main
one) with a person cut out of a COCO-120 photo by their mask (greenscreen.data.paste.cut_out, as the
--paste-people augmentation cuts its donors), scaled to 45-70% of the portrait's height, at its left or right edge
with the head 10-40% down (cut off by the bottom edge), behind the main person where they overlap. Both people
are real and labelled; the join is a hard cut. Used by bench/second_person.py (models compared, MediaPipe's row)
and by `greenscreen ship` (the card's `second_person` entry, the model run as the page runs it).
"""

from __future__ import annotations

import numpy as np

HEIGHT_SHARES = (0.45, 0.7)  # the second person's height against the portrait's
TOP_SHARES = (0.1, 0.4)  # where their head is, down from the top
MOST_WIDTH = 0.45  # ... and their width at most this share of the portrait's
LEAST_VISIBLE = 0.01  # composites where less of the second person shows (share of the photo) are left out
DROPPED = 50.0  # a composite whose mask keeps less of the second person than this (percent) drops them
SEED = 0


def composite(main: np.ndarray, main_mask: np.ndarray, other: np.ndarray, other_mask: np.ndarray, *,
              side: str, height_share: float, top_share: float):
    """(photo, main person's truth, second person's visible truth): `other`'s person, cut by its mask and scaled
    to `height_share` of the photo's height (narrower when too wide), at the `side` ("left"/"right") edge with its
    top `top_share` of the height down, behind the main person; what falls below the photo is cut off."""
    from greenscreen.data.paste import cut_out

    height, width = main_mask.shape
    person, cut = cut_out(other, other_mask, height_share * height, MOST_WIDTH * width)
    size = (cut.shape[1], cut.shape[0])
    x = 0 if side == "left" else width - size[0]
    y = round(top_share * height)
    rows = min(size[1], height - y)
    window = (slice(y, y + rows), slice(x, x + size[0]))
    placed = np.zeros_like(main_mask, dtype=bool)
    placed[window] = cut[:rows]
    main_truth = main_mask.astype(bool)
    visible = placed & ~main_truth
    photo = main.copy()
    photo[window][visible[window]] = person[:rows][visible[window]]
    return photo, main_truth, visible


def build_composites(mains, others, seed: int = SEED):
    """[(photo, main truth, second person's visible truth)] for every main (image, mask) pair (the others taken in
    turn), leaving out those where too little of the second person shows; and how many were left out."""
    rng = np.random.default_rng(seed)
    made, left_out = [], 0
    for index, (image, mask) in enumerate(mains):
        other, other_mask = others[index % len(others)]
        share, top = float(rng.uniform(*HEIGHT_SHARES)), float(rng.uniform(*TOP_SHARES))
        photo, main_truth, visible = composite(image, np.asarray(mask) > 0, other, np.asarray(other_mask) > 0,
                                               side="left" if index % 2 == 0 else "right", height_share=share,
                                               top_share=top)
        if visible.mean() < LEAST_VISIBLE:
            left_out += 1
            continue
        made.append((photo, main_truth, visible))
    return made, left_out


def composite_scores(maps, composites) -> dict:
    """Per composite: the second person's share kept (percent) and both people's IoU (percent)."""
    from greenscreen.metrics import THRESHOLD, iou

    kept, both = [], []
    for probability, (_, main_truth, visible) in zip(maps, composites):
        person = np.asarray(probability) >= THRESHOLD
        kept.append(100.0 * (person & visible).sum() / visible.sum())
        both.append(100.0 * iou(person, main_truth | visible))
    return {"kept": np.array(kept), "iou": np.array(both)}


def load_pairs(spec: str) -> list:
    """Every (image, mask) of a mask folder or COCO set (greenscreen.evaluate's SPEC)."""
    from greenscreen.evaluate import open_data

    source = open_data(spec)
    return [source.load(index) for index in range(len(source))]


def measure(model, mains_spec: str, others_spec: str, flip_tta: bool, extra_models=()) -> dict:
    """The model card's `second_person` numbers: the composites of `mains_spec`'s photos with `others_spec`'s
    people, the model run as greenscreen.predict.person_probabilities runs it (flip pass, extra sizes)."""
    from greenscreen.predict import person_probabilities

    composites, left_out = build_composites(load_pairs(mains_spec), load_pairs(others_spec))
    if not composites:
        return {"composites": 0, "left_out": left_out}
    maps = person_probabilities(model, [photo for photo, _, _ in composites], flip_tta=flip_tta,
                                fixed_batch=True, extra_models=extra_models)
    scores = composite_scores(maps, composites)
    return {"kept_percent": round(float(scores["kept"].mean()), 2),
            "dropped": int((scores["kept"] < DROPPED).sum()),
            "composites": len(composites), "left_out": left_out,
            "both_people_iou": round(float(scores["iou"].mean()), 2)}
