"""Training losses and the in-graph person-IoU metric (keras.ops only: TF and JAX backends).

Targets are `float32[B, H, W, 1]` with 1 = person, or `[B, H, W, 2]` with a teacher's person
probability as the second channel (distillation); predictions the model's softmax `[B, H, W, 2]`.
Registered as serializable so a `last.keras` checkpoint with its optimizer reloads for --resume.
"""

from __future__ import annotations

import keras
from keras import ops

from greenscreen.contract import PERSON_CHANNEL

_EPS = 1e-6


@keras.saving.register_keras_serializable(package="greenscreen")
class SegmentationLoss(keras.losses.Loss):
    """Pixel cross-entropy (the write-up's loss) plus an optional soft-Dice term on the person map.

    Dice optimises overlap directly, which helps thin structures and small people where plain
    cross-entropy is dominated by the background majority (Milletari et al. 2016, V-Net).

    teacher_weight (distillation, Hinton et al. 2015): when the targets carry a teacher's probability
    as a second channel, the cross-entropy becomes (1 - w) x CE(mask) + w x CE(teacher's soft
    probability). Dice stays on the hand-made mask.
    """

    def __init__(self, dice_weight: float = 0.0, teacher_weight: float = 0.0, name="segmentation_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dice_weight = float(dice_weight)
        self.teacher_weight = float(teacher_weight)

    def call(self, y_true, y_pred):
        person = ops.cast(y_true[..., 0], "float32")
        y_pred = ops.cast(y_pred, "float32")
        p_person = ops.clip(y_pred[..., PERSON_CHANNEL], _EPS, 1 - _EPS)

        def cross_entropy(target):
            return -(target * ops.log(p_person) + (1 - target) * ops.log(1 - p_person))

        pixel_loss = cross_entropy(person)
        if self.teacher_weight and y_true.shape[-1] > 1:
            soft = ops.cast(y_true[..., 1], "float32")
            pixel_loss = (1 - self.teacher_weight) * pixel_loss + self.teacher_weight * cross_entropy(soft)
        loss = ops.mean(pixel_loss, axis=(1, 2))
        if self.dice_weight:
            intersection = ops.sum(person * p_person, axis=(1, 2))
            total = ops.sum(person, axis=(1, 2)) + ops.sum(p_person, axis=(1, 2))
            dice = (2 * intersection + 1.0) / (total + 1.0)
            loss = loss + self.dice_weight * (1 - dice)
        return loss

    def get_config(self):
        return {**super().get_config(), "dice_weight": self.dice_weight, "teacher_weight": self.teacher_weight}


@keras.saving.register_keras_serializable(package="greenscreen")
class PersonIoU(keras.metrics.Metric):
    """Dataset IoU of the person class at threshold 0.5 (intersections and unions summed)."""

    def __init__(self, name="person_iou", **kwargs):
        super().__init__(name=name, **kwargs)
        self.intersection = self.add_variable(shape=(), initializer="zeros", name="intersection")
        self.union = self.add_variable(shape=(), initializer="zeros", name="union")

    def update_state(self, y_true, y_pred, sample_weight=None):
        truth = ops.cast(y_true[..., 0] > 0.5, "float32")
        pred = ops.cast(ops.cast(y_pred[..., PERSON_CHANNEL], "float32") > 0.5, "float32")
        self.intersection.assign_add(ops.sum(truth * pred))
        self.union.assign_add(ops.sum(ops.maximum(truth, pred)))

    def result(self):
        return self.intersection / ops.maximum(self.union, 1.0)

    def reset_state(self):
        self.intersection.assign(0.0)
        self.union.assign(0.0)
