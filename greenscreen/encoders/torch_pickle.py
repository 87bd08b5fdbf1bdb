"""Read a PyTorch checkpoint (`.pth`) into NumPy arrays, without PyTorch and without running its pickle.

    from greenscreen.encoders.torch_pickle import read_state_dict
    arrays = read_state_dict("efficientnet-lite0-57934424.pth")   # {"_conv_stem.weight": float32[32, 3, 3, 3], ...}

Both layouts torch.save has written are understood:
- the zip layout (PyTorch >= 1.6): `ARCHIVE/data.pkl` plus one raw file per storage in `ARCHIVE/data/`;
- the legacy layout (older wheels, such as the EfficientNet-Lite0 one): five pickles in a row (magic
  number, protocol, system info, the state dict, the storage keys), then each storage as a little-endian
  int64 element count followed by its raw bytes.

The unpickler is restricted: it builds only OrderedDicts, tensors and storages, and refuses every
other global, so a checkpoint cannot run code on the machine that reads it.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# torch storage class name -> NumPy dtype
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": None,  # no NumPy dtype: refused with a message below
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """The file is not a PyTorch checkpoint this reader understands."""


class _StorageType:
    def __init__(self, name: str):
        if _STORAGE_DTYPES.get(name) is None:
            raise CheckpointError(f"unsupported tensor storage {name}")
        self.name, self.dtype = name, np.dtype(_STORAGE_DTYPES[name])


class _Storage:
    """A storage referenced by the pickle; its bytes are filled in once they have been read."""

    def __init__(self, key: str, storage_type: _StorageType, count: int | None):
        self.key, self.dtype, self.count = key, storage_type.dtype, count
        self.array: np.ndarray | None = None


class _PendingTensor:
    def __init__(self, storage: _Storage, offset: int, shape: tuple, stride: tuple):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)

    def materialize(self) -> np.ndarray:
        flat = self.storage.array
        if flat is None:
            raise CheckpointError(f"storage {self.storage.key} was never written in the file")
        itemsize = flat.dtype.itemsize
        needed = self.offset + 1 + sum((size - 1) * step for size, step in zip(self.shape, self.stride)) if self.shape else self.offset + 1
        if needed > flat.size:
            raise CheckpointError(f"a tensor of shape {self.shape} runs past its storage {self.storage.key}")
        view = np.lib.stride_tricks.as_strided(
            flat[self.offset:], shape=self.shape, strides=[step * itemsize for step in self.stride]
        )
        return np.array(view)  # a compact copy that owns its memory


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    return _PendingTensor(storage, storage_offset, size, stride)


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, handle, storages: dict[str, _Storage]):
        super().__init__(handle)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"refusing to load {module}.{name} from a checkpoint (only tensors are read)")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, numel[, view_metadata])
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise CheckpointError(f"unexpected persistent id {pid!r}")
        storage_type, key = pid[1], str(pid[2])
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"unexpected storage type {storage_type!r}")
        if key not in self.storages:
            count = int(pid[4]) if len(pid) > 4 else None
            self.storages[key] = _Storage(key, storage_type, count)
        return self.storages[key]


def _materialize(obj):
    if isinstance(obj, _PendingTensor):
        return obj.materialize()
    if isinstance(obj, dict):
        return collections.OrderedDict((k, _materialize(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialize(v) for v in obj)
    return obj


def _read_legacy(handle) -> dict:
    try:
        magic = pickle.load(handle)
    except Exception as error:  # noqa: BLE001 - anything unreadable here is "not a checkpoint"
        raise CheckpointError(f"not a PyTorch checkpoint ({type(error).__name__})") from None
    if magic != _LEGACY_MAGIC:
        raise CheckpointError("not a PyTorch checkpoint (wrong magic number)")
    pickle.load(handle)  # protocol version
    pickle.load(handle)  # system info (endianness, type sizes)
    storages: dict[str, _Storage] = {}
    state = _RestrictedUnpickler(handle, storages).load()
    keys = pickle.load(handle)
    for key in keys:
        storage = storages.get(str(key))
        if storage is None:
            raise CheckpointError(f"storage {key} is listed but never used")
        (count,) = struct.unpack("<q", handle.read(8))
        raw = handle.read(count * storage.dtype.itemsize)
        if len(raw) != count * storage.dtype.itemsize:
            raise CheckpointError(f"the checkpoint is truncated (storage {key})")
        storage.array = np.frombuffer(raw, dtype=storage.dtype.newbyteorder("<")).astype(storage.dtype)
    return state


def _read_zip(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if not pickles:
            raise CheckpointError(f"{path} is a zip archive without data.pkl: not a PyTorch checkpoint")
        prefix = pickles[0][: -len("data.pkl")]
        storages: dict[str, _Storage] = {}
        state = _RestrictedUnpickler(io.BytesIO(archive.read(pickles[0])), storages).load()
        for key, storage in storages.items():
            member = f"{prefix}data/{key}"
            if member not in names:
                raise CheckpointError(f"{path} lacks storage {member}")
            storage.array = np.frombuffer(archive.read(member), dtype=storage.dtype.newbyteorder("<")).astype(storage.dtype)
    return state


def read_state_dict(path) -> dict[str, np.ndarray]:
    """{parameter name: NumPy array} of a `.pth` file; CheckpointError for anything else."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        state = _read_zip(path)
    else:
        with path.open("rb") as handle:
            state = _read_legacy(handle)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} holds a {type(state).__name__}, not a state dict")
    arrays = _materialize(state)
    return {str(k): v for k, v in arrays.items() if isinstance(v, np.ndarray)}
