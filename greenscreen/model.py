"""FC-DenseNet ("The One Hundred Layers Tiramisu", Jégou et al. 2017) for person segmentation.

    from greenscreen.model import build_model
    model = build_model("tiramisu56", input_size=(224, 224))
    photo = build_model("tiramisu_lite0", input_size=(256, 256), pretrained=True)   # ImageNet encoder

Two kinds of presets, one family. The paper's (`tiramisu56/67/103`, and `tiramisu_lite`) learn
their down path from scratch: dense blocks and transitions down. The pretrained ones
(`tiramisu_lite0`, `tiramisu_lite0_live`) take an ImageNet encoder as the down path
(greenscreen.encoders) and keep the Tiramisu's up path: a dense block on the deepest features,
then at each stride a transition up of the block's new features, the encoder's skip, a dense block.

Pure Keras 3 layers only: the same code trains on the TensorFlow backend here and on JAX on the
GPU host, and a saved `.keras` file loads with `keras.saving.load_model` and no custom objects.

Model contract (docs/model-contract.md): input float32 RGB 0-255, output softmax over
(background, person) at the input resolution.
"""

from __future__ import annotations

import keras
from keras import layers

# The first live model's preset (tiramisu_lite0_live), which the live candidates vary one field at a time.
_LIVE = dict(
    encoder="efficientnet_lite0",
    encoder_blocks=8,
    growth_rate=12,
    up_blocks=(3, 3, 3, 2),
    separable=True,
    dropout=0.0,
    bn_momentum=0.9,
)

# The from-scratch real-time preset (tiramisu_lite below), which the smoke-test preset shrinks.
_LITE = dict(
    growth_rate=10,
    layers_per_block=(2, 3, 4, 5, 6, 5, 4, 3, 2),
    first_filters=24,
    stem_stride=2,
    separable=True,
    compression=0.5,
    # A 150k-parameter net underfits long before it overfits: no dropout, and BatchNorm
    # statistics that follow the weights quickly (short CPU runs).
    dropout=0.0,
    bn_momentum=0.9,
)

# Presets are plain data so new ones (e.g. a lighter real-time model) are a dict entry, not code.
# The paper's three: growth rate k, layers per dense block (down path, bottleneck, up path mirrored).
PRESETS: dict[str, dict] = {
    "tiramisu56": dict(growth_rate=12, layers_per_block=(4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4)),
    "tiramisu67": dict(growth_rate=16, layers_per_block=(5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5)),
    "tiramisu103": dict(growth_rate=16, layers_per_block=(4, 5, 7, 10, 12, 15, 12, 10, 7, 5, 4)),
    # Real-time member of the family: a stride-2 stem (the dense path works at half resolution),
    # depthwise-separable 3x3 convolutions in the dense layers, compressed transitions and a
    # bilinear x2 on the logits. Same dense blocks + skip connections as the paper.
    "tiramisu_lite": _LITE,
    # Smoke tests and plumbing (multi-process training in seconds): one block down, one up, 1k parameters.
    # Learns little; its point is that building and compiling it is quick.
    "tiramisu_tiny": dict(_LITE, growth_rate=4, layers_per_block=(1, 1, 1), first_filters=8),
    # Pretrained down path: EfficientNet-Lite0 (ImageNet, Apache-2.0). `encoder_blocks` of its 16
    # MBConv blocks are kept; `up_blocks` = layers of the dense block on the deepest features, then
    # of one dense block per stride on the way up to stride 2 (the logits are upsampled x2 at the end).
    # Photo model, quality first: the whole encoder (stride 32, 3.4M parameters).
    "tiramisu_lite0": dict(
        encoder="efficientnet_lite0",
        encoder_blocks=16,
        growth_rate=16,
        up_blocks=(4, 4, 4, 3, 2),
        separable=True,
        dropout=0.0,
        bn_momentum=0.9,
    ),
    # The first live model (shipped until 2026-12-02): the first 8 blocks (stride 16, 80 channels; a
    # third of the encoder's work at 224 px, 0.25M of its parameters) and a thinner up path, for WASM in
    # real time and a download under 1 MB.
    "tiramisu_lite0_live": _LIVE,
    # Candidates for the next live model (issue 16; bench/README.md has their speed and scores after one
    # short distillation). Each changes one thing against tiramisu_lite0_live:
    # a deeper encoder (its 11th block: 112 channels at stride 16, the features the photo model's
    # bottleneck sees one stride later) ...
    "tiramisu_lite0_live_deep": dict(_LIVE, encoder_blocks=11),
    # ... a wider up path (growth 16, one more layer in the two deepest blocks) ...
    "tiramisu_lite0_live_wide": dict(_LIVE, growth_rate=16, up_blocks=(4, 4, 3, 2)),
    # ... or a cheaper upsampling op: bilinear x2 then a 1x1 conv instead of the 3x3 transposed conv.
    "tiramisu_lite0_live_bilinear": dict(_LIVE, upsample="bilinear"),
    # The two that won their short distillation together (bench/README.md, "Live candidates"): the deeper
    # encoder's features with the cheaper bilinear transition up: the long distillation trained it, and
    # it is the shipped live model since 2026-12-02.
    "tiramisu_lite0_live_deep_bilinear": dict(_LIVE, encoder_blocks=11, upsample="bilinear"),
    # More capacity for the shipped live model (issue 16): one more ImageNet block (the 12th, 192 channels at
    # stride 32: a 5x5 depthwise over a twice coarser grid, so whole-body context for +0.25M parameters) whose
    # map joins the stride-16 features through a zero-initialised 1x1 conv. The decoder is unchanged, so it
    # starts from a trained deep_bilinear model exactly where that model was, and learns what the context adds.
    "tiramisu_lite0_live_context": dict(_LIVE, encoder_blocks=11, upsample="bilinear", context_blocks=1),
}

# Paper defaults; a preset overrides only what differs.
PRESET_DEFAULTS = dict(
    first_filters=48,
    dropout=0.2,
    stem_stride=1,  # 2 = strided stem, output upsampled x2 at the end
    separable=False,  # depthwise-separable 3x3 convs in dense layers
    compression=1.0,  # channel factor of the 1x1 conv in transition down
    bn_momentum=0.99,  # Keras' default
    upsample="transposed",  # transition up: "transposed" (3x3, stride 2, the paper's) or "bilinear" (x2 + 1x1 conv)
    context_blocks=0,  # encoder blocks past `encoder_blocks` whose deepest map is added to the decoder's input
)


def preset_config(preset: str) -> dict:
    """The full hyper-parameters of a preset (defaults filled in)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    config = dict(PRESET_DEFAULTS)
    config.update(PRESETS[preset])
    if config.get("encoder"):
        from greenscreen.encoders import ENCODERS

        if config["encoder"] not in ENCODERS:
            raise ValueError(f"preset {preset!r}: unknown encoder {config['encoder']!r}")
        expected = _encoder_stride(config).bit_length() - 1  # one up block per halving down to stride 2, + bottleneck
        if len(config["up_blocks"]) != expected:
            raise ValueError(f"preset {preset!r}: up_blocks needs {expected} entries (bottleneck + one per stride "
                             f"from {_encoder_stride(config)} up to 2)")
        return config
    blocks = config["layers_per_block"]
    if len(blocks) % 2 != 1:
        raise ValueError(f"preset {preset!r}: layers_per_block needs an odd length (down, bottleneck, up)")
    return config


def is_pretrained_preset(preset: str) -> bool:
    """True when the preset's down path is an ImageNet encoder (greenscreen.encoders)."""
    return bool(preset_config(preset).get("encoder"))


def _encoder_stride(config: dict, context: bool = False) -> int:
    """The stride of the features the up path starts from (with context=True: of the deepest block run)."""
    from greenscreen.encoders import ENCODERS
    from greenscreen.encoders.efficientnet_lite import output_stride

    blocks = config["encoder_blocks"] + (config["context_blocks"] if context else 0)
    return output_stride(blocks, ENCODERS[config["encoder"]]["stages"])


def required_multiple(preset: str) -> int:
    """Input sides must be divisible by this: 2 ** number of poolings (times the stem stride),
    or the encoder's output stride."""
    config = preset_config(preset)
    if config.get("encoder"):
        return _encoder_stride(config, context=True)
    return config["stem_stride"] * 2 ** (len(config["layers_per_block"]) // 2)


def check_input_size(preset: str, input_size) -> tuple[int, int]:
    """(H, W) if the preset can take that input size; ValueError naming the size otherwise."""
    height, width = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    multiple = required_multiple(preset)
    if height % multiple or width % multiple or height <= 0 or width <= 0:
        raise ValueError(
            f"input size {height}x{width} does not work for {preset}: "
            f"height and width must be positive multiples of {multiple}"
        )
    return int(height), int(width)


def _bn_relu_conv(x, filters, kernel_size, dropout, separable, name, bn_momentum=0.99):
    """The paper's layer: BatchNorm -> ReLU -> conv -> dropout."""
    x = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn")(x)
    x = layers.ReLU(name=f"{name}_relu")(x)
    if separable and kernel_size > 1:
        x = layers.SeparableConv2D(
            filters, kernel_size, padding="same", depthwise_initializer="he_uniform",
            pointwise_initializer="he_uniform", name=f"{name}_sepconv",
        )(x)
    else:
        x = layers.Conv2D(
            filters, kernel_size, padding="same", kernel_initializer="he_uniform", name=f"{name}_conv"
        )(x)
    if dropout:
        x = layers.Dropout(dropout, name=f"{name}_drop")(x)
    return x


def dense_block(x, num_layers, growth_rate, dropout=0.2, separable=False, name="block", bn_momentum=0.99):
    """Each layer sees the concatenation of all earlier maps. Returns (stack, new_features)."""
    new_features = []
    for i in range(num_layers):
        feature = _bn_relu_conv(x, growth_rate, 3, dropout, separable, name=f"{name}_l{i}", bn_momentum=bn_momentum)
        new_features.append(feature)
        x = layers.Concatenate(name=f"{name}_cat{i}")([x, feature])
    return x, new_features


def transition_down(x, filters, dropout=0.2, name="td", bn_momentum=0.99):
    """1x1 conv then 2x2 max-pool: halve the resolution."""
    x = _bn_relu_conv(x, filters, 1, dropout, separable=False, name=name, bn_momentum=bn_momentum)
    return layers.MaxPooling2D(2, name=f"{name}_pool")(x)


def transition_up(skip, features, filters, name="tu", upsample="transposed"):
    """Upsample only the block's new features (keeps the up path cheap), then join the skip.

    upsample="bilinear" trades the paper's learned 3x3 transposed conv for a fixed bilinear x2 and a
    1x1 conv (9x fewer multiply-adds in this layer; a transposed conv is a slow op in TF.js's WASM).
    """
    x = features[0] if len(features) == 1 else layers.Concatenate(name=f"{name}_in")(features)
    if upsample == "bilinear":
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"{name}_upsample")(x)
        x = layers.Conv2D(filters, 1, kernel_initializer="he_uniform", name=f"{name}_conv")(x)
    elif upsample == "transposed":
        x = layers.Conv2DTranspose(
            filters, 3, strides=2, padding="same", kernel_initializer="he_uniform", name=f"{name}_deconv"
        )(x)
    else:
        raise ValueError(f"unknown upsample {upsample!r}: 'transposed' or 'bilinear'")
    return layers.Concatenate(name=f"{name}_skip")([x, skip])


def build_model(preset: str = "tiramisu56", input_size=(224, 224), num_classes: int = 2,
                pretrained: bool = False) -> keras.Model:
    """An FC-DenseNet for `preset` at `input_size` (H, W); output softmax (N, H, W, num_classes).

    pretrained: load the encoder's ImageNet weights (presets with an `encoder` only; the rest of the
    net starts from its initialisers). Off by default: restoring a trained model sets every weight anyway.
    """
    config = preset_config(preset)
    height, width = check_input_size(preset, input_size)
    if config.get("encoder"):
        model = _build_encoder_model(preset, config, height, width, num_classes)
        if pretrained:
            from greenscreen.encoders.weights import load_imagenet_weights

            load_imagenet_weights(model, config["encoder"])
        return model
    if pretrained:
        raise ValueError(f"preset {preset!r} has no pretrained encoder: it trains from scratch")
    blocks = config["layers_per_block"]
    num_pools = len(blocks) // 2
    growth, dropout, separable = config["growth_rate"], config["dropout"], config["separable"]
    momentum = config["bn_momentum"]

    inputs = keras.Input((height, width, 3), name="image")
    # The model owns its normalisation so every runtime feeds raw 0-255 pixels.
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="normalize")(inputs)
    x = layers.Conv2D(
        config["first_filters"], 3, strides=config["stem_stride"], padding="same",
        kernel_initializer="he_uniform", name="stem_conv",
    )(x)

    skips = []
    for level in range(num_pools):
        x, _ = dense_block(x, blocks[level], growth, dropout, separable, name=f"down{level}", bn_momentum=momentum)
        skips.append(x)
        filters = max(growth, int(round(x.shape[-1] * config["compression"])))
        x = transition_down(x, filters, dropout, name=f"td{level}", bn_momentum=momentum)

    _, features = dense_block(x, blocks[num_pools], growth, dropout, separable, name="bottleneck",
                              bn_momentum=momentum)

    for level in range(num_pools):
        block_index = num_pools + 1 + level
        x = transition_up(
            skips[num_pools - 1 - level], features, growth * blocks[block_index - 1], name=f"tu{level}"
        )
        x, features = dense_block(x, blocks[block_index], growth, dropout, separable, name=f"up{level}",
                                  bn_momentum=momentum)

    x = layers.Conv2D(num_classes, 1, kernel_initializer="he_uniform", name="classifier")(x)
    if config["stem_stride"] > 1:
        x = layers.UpSampling2D(config["stem_stride"], interpolation="bilinear", name="upsample_logits")(x)
    # float32 softmax even under mixed precision: probabilities are compared with 0.5.
    outputs = layers.Softmax(name="probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=preset)


def _build_encoder_model(preset, config, height, width, num_classes) -> keras.Model:
    """Pretrained down path + the Tiramisu's up path (see the module docstring)."""
    from greenscreen.encoders import ENCODERS

    encoder = ENCODERS[config["encoder"]]
    growth, dropout, separable = config["growth_rate"], config["dropout"], config["separable"]
    momentum, up_blocks = config["bn_momentum"], config["up_blocks"]

    inputs = keras.Input((height, width, 3), name="image")
    # The encoder's ImageNet training saw RGB scaled to [-1, 1]: the same normalisation as the paper presets.
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="normalize")(inputs)
    features = encoder["build"](x, num_blocks=config["encoder_blocks"] + config["context_blocks"],
                                stages=encoder["stages"], name="enc")
    if config["context_blocks"]:
        features = _join_context(features, _encoder_stride(config))
    strides = sorted(features, reverse=True)  # deepest first: e.g. 32, 16, 8, 4, 2

    _, new = dense_block(features[strides[0]], up_blocks[0], growth, dropout, separable, name="bottleneck",
                         bn_momentum=momentum)
    for level, stride in enumerate(strides[1:]):
        x = transition_up(features[stride], new, growth * up_blocks[level], name=f"tu{level}",
                          upsample=config["upsample"])
        _, new = dense_block(x, up_blocks[level + 1], growth, dropout, separable, name=f"up{level}",
                             bn_momentum=momentum)
        last = x, new
    # Classify on everything the last block saw (the skip, the upsampled features, its new maps).
    x = layers.Concatenate(name="head_in")([last[0], *last[1]])
    x = layers.BatchNormalization(momentum=momentum, name="head_bn")(x)
    x = layers.ReLU(name="head_relu")(x)
    x = layers.Conv2D(num_classes, 1, kernel_initializer="he_uniform", name="classifier")(x)
    x = layers.UpSampling2D(strides[-1], interpolation="bilinear", name="upsample_logits")(x)
    outputs = layers.Softmax(name="probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=preset)


def _join_context(features: dict, stride: int) -> dict:
    """Add the deepest encoder map to the one at `stride` (1x1 conv, bilinear up); drop the strides between.

    The conv starts at zero, so a model grown from a trained one (load_matching_weights) first computes
    exactly what that one did."""
    deepest = max(features)
    channels = features[stride].shape[-1]
    x = layers.Conv2D(channels, 1, kernel_initializer="zeros", name="context_proj")(features[deepest])
    x = layers.UpSampling2D(deepest // stride, interpolation="bilinear", name="context_upsample")(x)
    joined = {s: f for s, f in features.items() if s < stride}
    joined[stride] = layers.Add(name="context_add")([features[stride], x])
    return joined


def encoder_layers(model: keras.Model, up_to_stride: int | None = None) -> list:
    """The model's encoder layers (`enc_*`), optionally only those that work at strides <= up_to_stride."""
    from greenscreen.encoders.efficientnet_lite import block_plan

    plan = block_plan()
    chosen = []
    for layer in model.layers:
        if not layer.name.startswith("enc_"):
            continue
        if up_to_stride is not None:
            part = layer.name.split("_")[1]  # "stem" or "b<index>"
            stride = 2 if part == "stem" else plan[int(part[1:])]["out_stride"]
            if stride > up_to_stride:
                continue
        chosen.append(layer)
    return chosen


def freeze_encoder(model: keras.Model, up_to_stride: int | None = None, batchnorm: bool = True) -> int:
    """Freeze the encoder layers working at strides <= up_to_stride (all when None; none when 0).

    batchnorm=True also keeps every encoder BatchNorm in inference mode with its ImageNet statistics
    (a Keras BatchNormalization with trainable=False normalises with its moving averages): batches of
    8-16 photos are too small to re-estimate them, and the frozen statistics are what pretrained
    features expect. Returns how many layers are frozen. Re-compile the model afterwards.
    """
    frozen = 0
    if up_to_stride != 0:
        for layer in encoder_layers(model, up_to_stride):
            layer.trainable = False
            frozen += 1
    if batchnorm:
        for layer in encoder_layers(model):
            if isinstance(layer, layers.BatchNormalization) and layer.trainable:
                layer.trainable = False
                frozen += 1
    return frozen


def model_input_size(model: keras.Model) -> tuple[int, int]:
    """(H, W) the model was built for."""
    _, height, width, _ = model.input_shape
    return int(height), int(width)


def with_input_size(model: keras.Model, input_size) -> keras.Model:
    """The same weights at another input size (the network is fully convolutional)."""
    if tuple(input_size) == model_input_size(model):
        return model
    if model.name not in PRESETS:
        raise ValueError(f"cannot resize model {model.name!r}: not built from a known preset")
    num_classes = int(model.output_shape[-1])
    resized = build_model(model.name, input_size, num_classes)
    resized.set_weights(model.get_weights())
    return resized


def load_matching_weights(model: keras.Model, source: keras.Model) -> tuple[list[str], list[str]]:
    """Copy `source`'s weights into `model` layer by layer, by name, wherever the shapes agree.

    Starts a changed architecture of the family from a trained one (a deeper encoder, another
    transition up): the layers both share keep what they learned, the others keep their own start
    (ImageNet for encoder blocks, the initialiser for the rest). Returns (copied, kept) layer names.
    """
    by_name = {layer.name: layer for layer in source.layers}
    copied, kept = [], []
    for layer in model.layers:
        if not layer.weights:
            continue
        other = by_name.get(layer.name)
        ours = [tuple(w.shape) for w in layer.weights]
        if other is not None and [tuple(w.shape) for w in other.weights] == ours:
            layer.set_weights(other.get_weights())
            copied.append(layer.name)
        else:
            kept.append(layer.name)
    return copied, kept


def count_flops(model: keras.Model) -> int:
    """Floating-point operations of one forward pass, multiply and add counted separately.

    Counts convolutions (incl. separable and transposed) and dense layers, which are >99% of the
    work; BatchNorm, ReLU, pooling and concatenation are left out (they fold or are memory-bound).
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.SeparableConv2D):
            _, h, w, c_out = layer.output.shape
            c_in = layer.input.shape[-1]
            kh, kw = layer.kernel_size
            total += 2 * h * w * c_in * kh * kw  # depthwise
            total += 2 * h * w * c_in * c_out  # pointwise
        elif isinstance(layer, layers.Conv2DTranspose):
            # Every input pixel scatters a kh x kw x c_out patch.
            _, h, w, c_in = layer.input.shape
            c_out = layer.output.shape[-1]
            kh, kw = layer.kernel_size
            total += 2 * h * w * c_in * kh * kw * c_out
        elif isinstance(layer, layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            c_in = layer.input.shape[-1]
            kh, kw = layer.kernel_size
            total += 2 * h * w * c_in * kh * kw * c_out
        elif isinstance(layer, layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return int(total)
