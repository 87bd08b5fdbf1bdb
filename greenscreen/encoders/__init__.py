"""Pretrained down paths for the FC-DenseNet family, and their ImageNet weights.

- `efficientnet_lite`: EfficientNet-Lite0 as Keras layers (the builder);
- `weights`: find the published file, convert it with NumPy, cache it (the importer);
- `torch_pickle`: a restricted, PyTorch-free reader of `.pth` checkpoints.

ENCODERS maps a preset's `encoder` name to its builder and facts; greenscreen.model uses it.
"""

from __future__ import annotations

from .efficientnet_lite import LITE0_STAGES, block_plan, efficientnet_lite

ENCODERS = {
    "efficientnet_lite0": dict(build=efficientnet_lite, stages=LITE0_STAGES, blocks=len(block_plan(LITE0_STAGES))),
}

__all__ = ["ENCODERS", "efficientnet_lite"]
