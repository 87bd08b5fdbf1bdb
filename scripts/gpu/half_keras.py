"""Copy a .keras file with its float32 weights stored as float16: half the bytes for the device tool to carry.

    python scripts/gpu/half_keras.py models/photo.keras .pack/models/photo.keras

Keras casts the stored arrays back to each variable's float32 when it loads the copy, so the model
is the one the page runs (the TF.js export stores float16 too). Used for a teacher and for the
weights a fine-tune starts from, never for a model that is shipped.
"""

import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import h5py
import numpy as np


def halve_datasets(group) -> int:
    halved = 0
    for name, item in list(group.items()):
        if isinstance(item, h5py.Group):
            halved += halve_datasets(item)
        elif item.dtype == np.float32:
            data, attrs = item[()], dict(item.attrs)
            del group[name]
            copy = group.create_dataset(name, data=data.astype(np.float16))
            copy.attrs.update(attrs)
            halved += 1
    return halved


def main(source: str, target: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        with zipfile.ZipFile(source) as archive:
            archive.extractall(work)
        with h5py.File(work / "model.weights.h5", "a") as weights:
            count = halve_datasets(weights)
        repacked = work / "repacked.h5"  # h5py leaves deleted datasets' space in the file: copy it out
        with h5py.File(work / "model.weights.h5", "r") as old, h5py.File(repacked, "w") as new:
            for key in old:
                old.copy(old[key], new, name=key)
            new.attrs.update(dict(old.attrs))
        shutil.move(repacked, work / "model.weights.h5")
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in ("metadata.json", "config.json", "model.weights.h5"):
                archive.write(work / name, name)
    print(f"{source} -> {target}: {count} float32 arrays stored as float16, "
          f"{Path(source).stat().st_size / 1e6:.1f} -> {Path(target).stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python scripts/gpu/half_keras.py MODEL.keras COPY.keras")
    main(sys.argv[1], sys.argv[2])
