"""EfficientNet-Lite0 (Tan & Le 2019, the "lite" variant for mobile) as plain Keras 3 layers.

    features = efficientnet_lite(x, num_blocks=16)   # {2: tensor, 4: ..., 8: ..., 16: ..., 32: ...}

The lite variant drops squeeze-and-excitation, uses ReLU6 and keeps stem and head fixed, which
makes it quantisation- and WASM-friendly: a good down path for a browser segmenter. Layers are
named `enc_*` so ImageNet weights map onto them by name (greenscreen.encoders.weights), whether the
network is whole or cut after fewer blocks (the live model keeps the first 8 of 16 blocks).
"""

from __future__ import annotations

from keras import layers

# (expand ratio, kernel, stride, output channels, repeats) per stage, as published.
LITE0_STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
                (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))
STEM_FILTERS = 32
HEAD_FILTERS = 1280
BN_EPSILON = 1e-3  # the TensorFlow original's; the BatchNorm statistics were estimated with it


def block_plan(stages=LITE0_STAGES) -> list[dict]:
    """One dict per MBConv block: expand, kernel, stride, filters, and the network stride after it."""
    plan, stride = [], 2  # the stem halves the resolution
    for expand, kernel, first_stride, filters, repeats in stages:
        for repeat in range(repeats):
            step = first_stride if repeat == 0 else 1
            stride *= step
            plan.append(dict(expand=expand, kernel=kernel, stride=step, filters=filters, out_stride=stride))
    return plan


def output_stride(num_blocks: int, stages=LITE0_STAGES) -> int:
    """The resolution divisor of the deepest feature map when only the first `num_blocks` blocks are kept."""
    return block_plan(stages)[num_blocks - 1]["out_stride"]


def _conv_bn(x, filters, kernel, stride, name, activation=True, depthwise=False):
    if depthwise:
        x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    else:
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    if activation:
        x = layers.ReLU(max_value=6.0, name=f"{name}_relu6")(x)
    return x


def mbconv(x, expand, kernel, stride, filters, name):
    """Inverted residual: 1x1 expand -> kxk depthwise -> 1x1 linear projection (+ identity when shapes allow)."""
    inputs, channels = x, x.shape[-1]
    if expand != 1:
        x = _conv_bn(x, channels * expand, 1, 1, f"{name}_expand")
    x = _conv_bn(x, None, kernel, stride, f"{name}_dw", depthwise=True)
    x = _conv_bn(x, filters, 1, 1, f"{name}_project", activation=False)
    if stride == 1 and channels == filters:
        x = layers.Add(name=f"{name}_add")([inputs, x])
    return x


def efficientnet_lite(x, num_blocks: int | None = None, stages=LITE0_STAGES, name: str = "enc") -> dict[int, object]:
    """Run the down path on normalised input x (RGB scaled to [-1, 1]).

    Returns {stride: the last feature map at that stride}, strides 2 .. 32 (fewer when cut short).
    """
    plan = block_plan(stages)
    num_blocks = len(plan) if num_blocks is None else num_blocks
    if not 1 <= num_blocks <= len(plan):
        raise ValueError(f"num_blocks must be within 1..{len(plan)}, got {num_blocks}")
    x = _conv_bn(x, STEM_FILTERS, 3, 2, f"{name}_stem")
    features = {}
    for index, block in enumerate(plan[:num_blocks]):
        x = mbconv(x, block["expand"], block["kernel"], block["stride"], block["filters"], f"{name}_b{index}")
        features[block["out_stride"]] = x
    return features


def efficientnet_lite_classifier(input_size=(224, 224), classes: int = 1000, name: str = "enc"):
    """The whole ImageNet classifier (stem, 16 blocks, 1x1 head, pooling, dense): used to check imported weights."""
    import keras

    inputs = keras.Input((*input_size, 3), name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="normalize")(inputs)
    x = efficientnet_lite(x, name=name)[32]
    x = _conv_bn(x, HEAD_FILTERS, 1, 1, f"{name}_head")
    x = layers.GlobalAveragePooling2D(name=f"{name}_pool")(x)
    x = layers.Dense(classes, name=f"{name}_fc")(x)
    return keras.Model(inputs, layers.Softmax(name="probabilities")(x), name="efficientnet_lite0")


def keras_weights_from_torch(state: dict, stages=LITE0_STAGES, name: str = "enc") -> dict[str, list]:
    """{Keras layer name: [arrays in Keras order]} from the PyTorch state dict of lukemelas-style
    EfficientNet-Lite (`_conv_stem`, `_bn0`, `_blocks.N._expand_conv` …, `_conv_head`, `_bn1`, `_fc`)."""
    def conv(key):  # (O, I, H, W) -> (H, W, I, O)
        return [state[f"{key}.weight"].transpose(2, 3, 1, 0)]

    def depthwise(key):  # (C, 1, H, W) -> (H, W, C, 1)
        return [state[f"{key}.weight"].transpose(2, 3, 0, 1)]

    def bn(key):
        return [state[f"{key}.{part}"] for part in ("weight", "bias", "running_mean", "running_var")]

    weights = {f"{name}_stem_conv": conv("_conv_stem"), f"{name}_stem_bn": bn("_bn0")}
    for index, block in enumerate(block_plan(stages)):
        torch_key, keras_key = f"_blocks.{index}", f"{name}_b{index}"
        if block["expand"] != 1:
            weights[f"{keras_key}_expand_conv"] = conv(f"{torch_key}._expand_conv")
            weights[f"{keras_key}_expand_bn"] = bn(f"{torch_key}._bn0")
        weights[f"{keras_key}_dw_conv"] = depthwise(f"{torch_key}._depthwise_conv")
        weights[f"{keras_key}_dw_bn"] = bn(f"{torch_key}._bn1")
        weights[f"{keras_key}_project_conv"] = conv(f"{torch_key}._project_conv")
        weights[f"{keras_key}_project_bn"] = bn(f"{torch_key}._bn2")
    weights[f"{name}_head_conv"] = conv("_conv_head")
    weights[f"{name}_head_bn"] = bn("_bn1")
    weights[f"{name}_fc"] = [state["_fc.weight"].T, state["_fc.bias"]]
    return {key: [np_array.astype("float32") for np_array in arrays] for key, arrays in weights.items()}
