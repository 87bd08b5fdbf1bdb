"""The exported graph's one-channel output: the person probability, with the two-class softmax folded away.

A greenscreen Keras model ends  classifier (1x1 conv, 2 channels) -> [bilinear upsample] -> softmax, and the
page only ever reads channel 1. For two classes softmax(z)[1] = sigmoid(z1 - z0), and the 1x1 conv and the
bilinear upsample are linear, so one 1x1 conv with weights W1 - W0 and bias b1 - b0, the same upsample and a
sigmoid give the same map with half the output. In the browser this drops the full-size Softmax and the Slice
that picked channel 1 from it: about a tenth of the live model's WASM kernel time (bench/README, --profile).

    from greenscreen.export.person_output import person_probability_model
    exported = person_probability_model(model)   # None: not a greenscreen head, export it unchanged
"""

from __future__ import annotations

import numpy as np

from greenscreen.contract import PERSON_CHANNEL

# The largest difference allowed between the folded output and the softmax's person channel: both are
# float32 probabilities, and the fold only reorders a few additions.
FOLD_TOLERANCE = 1e-5


def person_probability_model(model):
    """`model` with its softmax head folded into one sigmoid channel, or None when its head is not
    classifier -> [upsample_logits] -> probabilities (two classes)."""
    import keras

    head = _head_layers(model)
    if head is None:
        return None
    classifier, upsample = head
    kernel, bias = classifier.get_weights()
    background = 1 - PERSON_CHANNEL
    # The bias goes after the upsample (bilinear weights sum to 1, so it commutes): a one-filter Conv2D's
    # bias reaches the TF.js graph as a rank-4 constant fused into the conv, which the WASM backend's
    # FusedConv2D refuses ("only supports rank-1 bias"). One Add on the H x W map costs next to nothing.
    person_logit = keras.layers.Conv2D(1, 1, use_bias=False, name="person_logit", dtype="float32")
    x = person_logit(classifier.input)
    person_logit.set_weights([kernel[..., PERSON_CHANNEL:PERSON_CHANNEL + 1] - kernel[..., background:background + 1]])
    if upsample is not None:
        x = keras.layers.UpSampling2D(upsample.size, interpolation=upsample.interpolation, name="upsample_person")(x)
    x = keras.layers.Rescaling(1.0, offset=float(bias[PERSON_CHANNEL] - bias[background]), name="person_bias")(x)
    outputs = keras.layers.Activation("sigmoid", name="person", dtype="float32")(x)
    return keras.Model(model.inputs, outputs, name=model.name)


def fold_error(model, folded, seed: int = 0) -> float:
    """Largest |softmax person channel - folded output| on one random 0-255 image at the model's size."""
    height, width = model.inputs[0].shape[1:3]
    image = np.random.default_rng(seed).uniform(0, 255, (1, height, width, 3)).astype(np.float32)
    expected = np.asarray(model([image], training=False))[..., PERSON_CHANNEL]
    got = np.asarray(folded([image], training=False))[..., 0]
    return float(np.max(np.abs(expected - got)))


def _head_layers(model):
    """(classifier, upsample or None) when the model ends as greenscreen's builders end it."""
    names = {layer.name: layer for layer in model.layers}
    classifier, softmax = names.get("classifier"), names.get("probabilities")
    if classifier is None or softmax is None or model.outputs[0] is not softmax.output:
        return None
    if classifier.filters != 2 or tuple(classifier.kernel_size) != (1, 1) or not classifier.use_bias:
        return None
    if classifier.get_config().get("activation") not in (None, "linear"):
        return None
    upsample = names.get("upsample_logits")
    feeds_softmax = upsample if upsample is not None else classifier
    if softmax.input is not feeds_softmax.output or (upsample is not None and upsample.input is not classifier.output):
        return None
    return classifier, upsample
