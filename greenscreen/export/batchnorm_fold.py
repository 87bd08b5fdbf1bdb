"""The exported graph without BatchNormalization: every BN folded into the conv before it, or made one kernel.

A trained greenscreen model keeps 45 BatchNormalization layers (the live model). In inference each is a
per-channel `x * scale + shift`, and the SavedModel route leaves most of them as a `Mul` and an `AddV2`:
TensorFlow's optimiser folds a BN into a `Conv2D` before it but not into a `DepthwiseConv2D`, and the
decoder's pre-activation BNs (concat -> BN -> ReLU -> conv) have no conv before them at all. On TF.js's
WASM backend every kernel is a call through JavaScript: the live model ran 63 of its 164 kernels a frame
for these `Mul`/`AddV2`/`Relu` steps (bench/README, `--profile`). So before export:

- a BN whose input is a linear `Conv2D` or `DepthwiseConv2D` used by nothing else is folded into that
  conv's kernel and bias (exact: the conv is linear). The ReLU after it then fuses into the same kernel
  in the converter (`FusedDepthwiseConv2D` / `FusedConv2D` with bias and activation);
- every other BN becomes a 1x1 `DepthwiseConv2D` with the BN's scale as kernel and its shift as bias:
  one kernel instead of two, and three become one with the ReLU that follows (XNNPACK runs a 1x1
  depthwise as a per-channel multiply-add with the clamp fused).

    from greenscreen.export.batchnorm_fold import without_batchnorm
    exported = without_batchnorm(model)   # the same function, with no BatchNormalization layer left
                                          # (None: not a functional model, exported as it is)
"""

from __future__ import annotations

import numpy as np

# The largest difference allowed between the folded model's output and the original's: float32
# probabilities, the fold only reorders a multiply-add per BN (measured ~1e-6 on the shipped models).
BATCHNORM_FOLD_TOLERANCE = 1e-4


def without_batchnorm(model):
    """The functional `model` rebuilt to compute the same output with no BatchNormalization layer (folded
    into the conv before it, else a 1x1 depthwise scale-and-shift). Every layer of the copy is new (weights
    copied), so each is called once: later folds can follow the graph by `layer.output`. None when `model`
    is not a functional model (Keras clones only those with a call hook) or has no BatchNormalization."""
    import keras

    functional = isinstance(model, keras.Model) and hasattr(model, "_run_through_graph")
    if isinstance(model, keras.Sequential) or not functional:
        return None
    if not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers):
        return None

    folds = _foldable_pairs(model)  # conv layer name -> the BN layer folded into it
    folded_bns = {bn.name for bn in folds.values()}

    def call(layer, *args, **kwargs):
        if layer.name in folds:
            return _conv_with_bn(keras, layer, folds[layer.name])(*args, **kwargs)
        if layer.name in folded_bns:
            return args[0]  # its work is in the conv that produced args[0]
        if isinstance(layer, keras.layers.BatchNormalization):
            return _scale_shift_layer(keras, layer)(args[0])
        return _fresh_call(layer, *args, **kwargs)

    # clone_function=identity hands `call` the original layers; `call` decides what each becomes.
    clone = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call)
    return keras.Model(clone.inputs, clone.outputs, name=model.name)


def fold_summary(model) -> str:
    """One line for the model card: how `without_batchnorm` treats this model's BatchNormalization layers."""
    import keras

    total = sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    into_conv = len(_foldable_pairs(model))
    return (f"{total} BatchNormalization layers removed at export: {into_conv} folded into the conv before them, "
            f"{total - into_conv} made 1x1 depthwise scale-and-shift kernels (the same map, fewer kernels)")


def fold_error(model, folded, seed: int = 0) -> float:
    """Largest |model - folded| over the output on one random 0-255 image at the model's size."""
    height, width = model.inputs[0].shape[1:3]
    image = np.random.default_rng(seed).uniform(0, 255, (1, height, width, 3)).astype(np.float32)
    expected = np.asarray(model(image, training=False))
    got = np.asarray(folded(image, training=False))
    return float(np.max(np.abs(expected - got)))


def _foldable_pairs(model) -> dict:
    """{conv name: BN} for each BN whose only input is a linear conv whose only consumer is that BN."""
    import keras

    pairs = {}
    for bn in model.layers:
        if not isinstance(bn, keras.layers.BatchNormalization) or not _last_axis(bn):
            continue
        if len(bn._inbound_nodes) != 1:
            continue
        parents = bn._inbound_nodes[0].parent_nodes
        if len(parents) != 1:
            continue
        conv = parents[0].operation
        if type(conv) not in (keras.layers.Conv2D, keras.layers.DepthwiseConv2D):
            continue
        if len(conv._inbound_nodes) != 1 or len(conv._outbound_nodes) != 1:
            continue
        if conv.get_config().get("activation") not in (None, "linear"):
            continue
        pairs[conv.name] = bn
    return pairs


def _last_axis(bn) -> bool:
    axis = bn.axis if isinstance(bn.axis, int) else (bn.axis[0] if len(bn.axis) == 1 else None)
    return axis in (-1, 3)


def _scale_and_shift(bn) -> tuple[np.ndarray, np.ndarray]:
    """The BN's inference transform as y = x * scale + shift, per channel (float64 for the fold)."""
    mean = np.asarray(bn.moving_mean, dtype=np.float64)
    variance = np.asarray(bn.moving_variance, dtype=np.float64)
    gamma = np.asarray(bn.gamma, dtype=np.float64) if bn.scale else np.ones_like(mean)
    beta = np.asarray(bn.beta, dtype=np.float64) if bn.center else np.zeros_like(mean)
    scale = gamma / np.sqrt(variance + bn.epsilon)
    return scale, beta - mean * scale


def _conv_with_bn(keras, conv, bn):
    """A new conv like `conv` with `bn` folded into its kernel and bias."""
    scale, shift = _scale_and_shift(bn)
    weights = conv.get_weights()
    kernel = weights[0].astype(np.float64)
    bias = weights[1].astype(np.float64) if conv.use_bias else np.zeros_like(shift)
    if isinstance(conv, keras.layers.DepthwiseConv2D):  # output channel c * multiplier + m
        kernel = kernel * scale.reshape(kernel.shape[2], kernel.shape[3])
    else:
        kernel = kernel * scale
    config = dict(conv.get_config(), use_bias=True)
    folded = type(conv).from_config(config)
    folded.build(conv.input.shape)
    folded.set_weights([kernel.astype(np.float32), (bias * scale + shift).astype(np.float32)])
    return folded


def _scale_shift_layer(keras, bn):
    """`bn` as a 1x1 depthwise conv: kernel = its scale, bias = its shift (the same layer name)."""
    scale, shift = _scale_and_shift(bn)
    layer = keras.layers.DepthwiseConv2D(1, use_bias=True, name=bn.name, dtype=bn.dtype_policy)
    layer.build(bn.input.shape)
    layer.set_weights([scale.reshape(1, 1, -1, 1).astype(np.float32), shift.astype(np.float32)])
    return layer


def _fresh_call(layer, *args, **kwargs):
    """Call a new layer made like `layer`, with a copy of its weights."""
    copy = type(layer).from_config(layer.get_config())
    outputs = copy(*args, **kwargs)
    if layer.weights:
        copy.set_weights(layer.get_weights())
    return outputs
