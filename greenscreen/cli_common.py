"""What every greenscreen command shares: one-line errors, sizes, loading a model file, quiet TensorFlow.

    from greenscreen.cli_common import UsageError, load_model_file, parse_size, run_command, size_argument

    def main(argv=None):
        return run_command(lambda: work(parse_args(argv)))   # `error: ...` on one line, exit status 2

Each CLI reports what the user can fix as one `error:` line (no traceback) and leaves nothing half
written; this module is where that rule lives.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import warnings
import zipfile
from pathlib import Path


class UsageError(Exception):
    """A mistake the user can fix (a path, a size, a file type): printed as one line."""


def file_sha256(path) -> str:
    """The file's SHA-256 (hex), read in 1 MiB blocks: names a checkpoint or teacher unambiguously."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def first_line(error: BaseException, limit: int = 300) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:limit]


def run_command(work, interrupted: str = "interrupted") -> int:
    """Run `work()` and turn user mistakes into one `error:` line on stderr (exit status 2).

    `work` may return an exit status; anything that is not an int (None, a report) counts as 0.
    UsageError and DataError (unusable data) end the same way; Ctrl+C gives status 130.
    """
    from greenscreen.data import DataError

    try:
        status = work()
        return status if isinstance(status, int) and not isinstance(status, bool) else 0
    except (UsageError, DataError) as error:
        print(f"error: {first_line(error, 1000)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nerror: {interrupted}", file=sys.stderr)
        return 130


def whole_number(low: int, high: int | None = None, what: str = "a whole number"):
    """An argparse `type` accepting whole numbers in [low, high]; its message names the range."""
    import argparse

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = (f"between {low} and {high}" if high is not None
                      else "a positive whole number" if low == 1 else f"at least {low}")
            raise argparse.ArgumentTypeError(f"{what} must be {bounds}, got {value}")
        return value

    return parse


def parse_size(text, multiple: int | None = 32) -> tuple[int, int]:
    """'320' -> (320, 320), '256x320' -> (256, 320) as (H, W); sides positive, and multiples of
    `multiple` when given (a preset's `greenscreen.model.required_multiple`). UsageError otherwise."""
    parts = str(text).strip().lower().split("x")
    try:
        sides = [int(part) for part in parts]
    except ValueError:
        raise UsageError(f"bad size {text!r}: use N or HxW, e.g. 224 or 160x256") from None
    if len(sides) == 1:
        sides *= 2
    if len(sides) != 2 or any(side <= 0 for side in sides):
        raise UsageError(f"bad size {text!r}: use N or HxW with positive sides")
    if multiple and any(side % multiple for side in sides):
        raise UsageError(f"size {sides[0]}x{sides[1]} does not work: height and width must be multiples of {multiple}")
    return sides[0], sides[1]


def size_argument(text: str) -> tuple[int, int]:
    """The argparse `type` of every --size N|HxW: sides positive; the preset's own multiple is checked
    once the model is known (on re-targeting)."""
    import argparse

    try:
        return parse_size(text, multiple=None)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def check_keras_file(path) -> Path:
    """Cheap checks before Keras is imported: the file exists and is a zip, as every .keras file is."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"model path is a folder, not a file: {path}")
    if not path.is_file():
        raise UsageError(f"model file not found: {path}")
    if path.suffix != ".keras":
        raise UsageError(f"not a Keras model file (expected .keras): {path}")
    if not zipfile.is_zipfile(path):  # Keras itself would call this "file not found"
        raise UsageError(f"not a Keras model file (a .keras file is a zip archive): {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            has_config = "config.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        has_config = False
    if not has_config:
        raise UsageError(f"not a Keras model file (no config.json inside): {path}")
    return path


def load_model_file(path, size: tuple[int, int] | None = None):
    """A saved greenscreen model, re-targeted to `size` (H, W) when given; UsageError for what the user can fix."""
    path = check_keras_file(path)
    keras = import_keras()
    import greenscreen.losses  # noqa: F401 - registers the loss and metric a training checkpoint names

    try:
        # compile=False: predicting needs no optimizer, loss or training metrics.
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # noqa: BLE001 - any failure here means "not a loadable model"
        raise UsageError(f"cannot load {path} as a Keras model: {first_line(error)}") from None
    if size is not None:
        from greenscreen.model import with_input_size

        try:
            model = with_input_size(model, size)
        except Exception as error:  # noqa: BLE001
            raise UsageError(f"cannot run {path} at {size[0]}x{size[1]}: {first_line(error)}") from None
    return model


def import_keras():
    """`import keras`, with TensorFlow's start-up chatter (cuDNN/cuBLAS factories, absl, oneDNN) kept
    off the user's terminal: on a CPU-only machine it is noise, and it lands between our own lines."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with quiet_native_logs():
        import keras
    return keras


@contextlib.contextmanager
def quiet_native_logs(stdout: bool = False):
    """Silence C++ logs written straight to the file descriptors (some before absl is initialised,
    so TF_CPP_MIN_LOG_LEVEL alone misses them), absl and Python warnings for the duration."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    descriptors = (1, 2) if stdout else (2,)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(fd) for fd in descriptors]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in descriptors:
            os.dup2(devnull, fd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in zip(descriptors, saved):
            os.dup2(copy, fd)
        for fd in (*saved, devnull):
            os.close(fd)
        try:
            from absl import logging as absl_logging

            absl_logging.set_verbosity(absl_logging.ERROR)
        except ImportError:
            pass
