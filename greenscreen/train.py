"""Train an FC-DenseNet person segmenter.

    python -m greenscreen.train --train ../shared/data/portraits/train --val-split 0.1 \\
        --preset tiramisu56 --size 224 --epochs 30 --out runs/portraits56

Reads top to bottom like the 2017 write-up: data -> model -> compile (RMSProp, lr 1e-3 with a
small exponential decay, cross-entropy) -> fit, keeping the checkpoint with the best validation
person IoU and the last one. Everything a run needs to be understood or resumed lands in its
folder: config.json, log.csv, curves.png, previews/epoch_NNN.jpg, best.keras, last.keras,
summary.json. `--config FILE` reads the same options from JSON (the command line wins).

Several processes (machines) train one model with `--distributed` (greenscreen.distributed,
docs/distributed-training.md): every process runs this same command, process 0 writes the folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from greenscreen.cli_common import UsageError, check_keras_file, import_keras, parse_size, run_command
from greenscreen.distributed import Cluster, cluster_arguments
from greenscreen.run_folder import RunFolder, RunFolderError

DEFAULTS = dict(
    train=[],
    val=[],
    val_split=0.0,
    preset="tiramisu56",
    size="224",
    val_size=None,  # validation (and so best.keras) at this input size; default --size
    epochs=30,
    batch_size=8,
    steps_per_epoch=None,
    lr=1e-3,
    lr_decay=0.995,  # per epoch, the write-up's "small exponential decay"
    schedule="exponential",
    warmup_epochs=0,
    dice_weight=0.0,
    seed=0,
    workers=2,
    cache=True,
    mixed_precision=False,
    data_parallel=False,
    distributed=False,  # jax.distributed: several processes, each a shard of every batch
    coordinator=None,  # HOST:PORT of process 0 (default: from SLURM/Kubernetes/Cloud TPU)
    num_processes=None,
    process_id=None,
    preview_count=6,
    out=None,
    resume=False,
    init_weights=None,
    optimizer="rmsprop",  # the write-up's; "adam" suits pretrained encoders
    freeze_encoder=None,  # pretrained presets: "all", or a stride (encoder layers up to it stay fixed)
    pretrained=True,  # pretrained presets start from the encoder's ImageNet weights
    teacher=None,  # folder of a teacher's probability maps (python -m greenscreen.teach): distillation
    teacher_weight=0.5,  # share of the cross-entropy taken against the teacher's soft targets
    average_last=0,  # tail.keras: the mean of the weights after each of the last N epochs
    paste_people=0.0,  # share of training samples that get a second person pasted in (greenscreen.data.paste)
    paste_blend=False,  # ... with a feathered outline and colours pulled toward the sample's (else a hard cut)
)
# Where and on what a run trains, not what it learns: a resumed run takes these from its command line.
MACHINE_OPTIONS = ("workers", "data_parallel", "distributed", "coordinator", "num_processes", "process_id")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m greenscreen.train",
        description="Train an FC-DenseNet person segmenter on mask folders and/or COCO person data.",
    )
    parser.add_argument("--config", help="JSON file with any of these options (command line wins)")
    parser.add_argument("--train", action="append", metavar="SPEC[@WEIGHT]",
                        help="training data: mask folder or COCO folder/json, optional :kept|:dropped|:all, "
                             "optional @weight for mixing (repeatable)")
    parser.add_argument("--val", action="append", metavar="SPEC", help="validation data (repeatable)")
    parser.add_argument("--val-split", type=float, help="hold out this fraction of each mask-folder --train source")
    parser.add_argument("--preset", help="model preset (see greenscreen.model.PRESETS)")
    parser.add_argument("--size", help="training input size: N or HxW, multiples of 32")
    parser.add_argument("--val-size", metavar="N|HxW",
                        help="validate at this input size (the size the model ships at), not --size: best.keras "
                             "and the tail's score are then chosen the way the model will run")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps-per-epoch", type=int, help="default: one pass over the training samples")
    parser.add_argument("--lr", type=float, help="initial learning rate")
    parser.add_argument("--optimizer", choices=["rmsprop", "adam"], help="rmsprop (the write-up's, default) or adam")
    parser.add_argument("--freeze-encoder", metavar="all|STRIDE",
                        help="pretrained presets: keep the whole encoder fixed (all) or its layers up to this "
                             "stride (2, 4, 8, 16); its BatchNorm statistics stay fixed either way")
    parser.add_argument("--no-pretrained", dest="pretrained", action="store_false", default=None,
                        help="pretrained presets: start the encoder from random weights instead of ImageNet")
    parser.add_argument("--lr-decay", type=float, help="exponential decay factor per epoch")
    parser.add_argument("--schedule", choices=["exponential", "cosine"])
    parser.add_argument("--warmup-epochs", type=float, help="linear learning-rate warm-up")
    parser.add_argument("--dice-weight", type=float, help="add a soft-Dice term with this weight (0 = off)")
    parser.add_argument("--seed", type=int)
    add_machine_arguments(parser)
    parser.add_argument("--preview-count", type=int, help="validation photos in each epoch's preview grid")
    parser.add_argument("--init-weights", help="start from the weights of this .keras model (fine-tuning)")
    parser.add_argument("--teacher", metavar="DIR",
                        help="distil: a teacher's probability maps for the --train photos (python -m greenscreen.teach)")
    parser.add_argument("--teacher-weight", type=float,
                        help="share of the cross-entropy taken against the teacher's maps (default 0.5)")
    parser.add_argument("--average-last", type=int, metavar="N",
                        help="also write tail.keras: the mean of the weights after each of the last N epochs "
                             "(stochastic weight averaging), scored on the validation set at the end")
    parser.add_argument("--paste-people", type=float, metavar="P",
                        help="paste a person cut from another training photo (by its mask) beside, behind or in "
                             "front of the subject in this share of the samples, labelled person (0 = off)")
    parser.add_argument("--paste-blend", action="store_true", default=None,
                        help="blend the pasted person in: a feathered outline and colours pulled toward the "
                             "sample's (default: a hard cut)")
    parser.add_argument("--out", help="run folder (default runs/<preset>-<time>)")
    parser.add_argument("--resume", action="store_true", default=None,
                        help="continue the run in --out from its last.keras")
    return parser


def add_machine_arguments(parser: argparse.ArgumentParser) -> None:
    """Where and how fast a run trains (MACHINE_OPTIONS and the data loading), not what it learns."""
    parser.add_argument("--workers", type=int, help="data-loading threads")
    parser.add_argument("--no-cache", dest="cache", action="store_false", default=None,
                        help="decode photos every time instead of keeping them in memory")
    parser.add_argument("--mixed-precision", action="store_true", default=None, help="bfloat16 compute")
    parser.add_argument("--data-parallel", action="store_true", default=None,
                        help="split batches over all local accelerators (keras.distribution, JAX backend)")
    parser.add_argument("--distributed", action="store_true", default=None,
                        help="train in several processes (jax.distributed): run the same command in each; "
                             "the cluster comes from SLURM, Kubernetes or Cloud TPU, or the three options below")
    parser.add_argument("--coordinator", metavar="HOST:PORT", help="--distributed: process 0's address")
    parser.add_argument("--num-processes", type=int, help="--distributed: how many processes train")
    parser.add_argument("--process-id", type=int, help="--distributed: this process's index, 0 .. N-1")


def resolve_options(argv) -> dict:
    """DEFAULTS <- --config file <- command line."""
    args = build_parser().parse_args(argv)
    options = dict(DEFAULTS)
    if args.config:
        try:
            from_file = json.loads(Path(args.config).read_text())
        except (OSError, ValueError) as error:
            raise UsageError(f"cannot read config {args.config}: {error}") from None
        if not isinstance(from_file, dict):
            raise UsageError(f"config {args.config} must hold a JSON object of options, not {type(from_file).__name__}")
        unknown = set(from_file) - set(DEFAULTS)
        if unknown:
            raise UsageError(f"unknown option(s) in {args.config}: {', '.join(sorted(unknown))}")
        options.update(from_file)
    for key, value in vars(args).items():
        if key != "config" and value is not None:
            options[key] = value
    if not options["train"] and not options["resume"]:
        raise UsageError("no training data: give --train SPEC (a mask folder or COCO data)")
    if options["epochs"] < 1 or options["batch_size"] < 1:
        raise UsageError("--epochs and --batch-size must be at least 1")
    if options["steps_per_epoch"] is not None and options["steps_per_epoch"] < 1:
        raise UsageError("--steps-per-epoch must be at least 1")
    if not 0 <= options["average_last"] <= options["epochs"]:
        raise UsageError(f"--average-last must be from 0 to --epochs ({options['epochs']}), got {options['average_last']}")
    if not 0 <= options["paste_people"] <= 1:
        raise UsageError(f"--paste-people must be from 0 to 1, got {options['paste_people']}")
    if options["paste_blend"] and not options["paste_people"]:
        raise UsageError("--paste-blend blends pasted people in: give --paste-people P too")
    if not 0 <= options["val_split"] < 1:
        raise UsageError(f"--val-split must be at least 0 and below 1, got {options['val_split']}")
    options["size"] = list(parse_size(options["size"], multiple=None))  # the preset's multiple is checked later
    if options["val_size"] is not None:
        options["val_size"] = list(parse_size(options["val_size"], multiple=None))
    if options["out"] is None:
        options["out"] = f"runs/{options['preset']}-{time.strftime('%Y%m%d-%H%M%S')}"
    if Path(options["out"]).exists() and not Path(options["out"]).is_dir():
        raise UsageError(f"--out {options['out']} exists and is not a folder")
    if options["init_weights"]:
        check_keras_file(options["init_weights"])
    options["freeze_encoder"] = parse_freeze(options["freeze_encoder"])
    if not 0 <= options["teacher_weight"] <= 1:
        raise UsageError(f"--teacher-weight must be between 0 and 1, got {options['teacher_weight']}")
    if options["optimizer"] not in ("rmsprop", "adam"):
        raise UsageError(f"unknown optimizer {options['optimizer']!r}: choose rmsprop or adam")
    if any(options[key] is not None for key in ("coordinator", "num_processes", "process_id")):
        options["distributed"] = True
        cluster_arguments(options)  # a bad address or index is a one-line error now, not a wait later
    if options["resume"] and args.epochs is None:
        options["epochs"] = None  # resuming without --epochs: the run's own count
    return options


def parse_freeze(value):
    """None, "all" or a stride 2/4/8/16 from the command line or a config file."""
    if value is None or value == "all":
        return value
    try:
        stride = int(value)
    except (TypeError, ValueError):
        stride = -1
    if stride not in (0, 2, 4, 8, 16, 32):
        raise UsageError(f"bad --freeze-encoder {value!r}: use all or a stride (2, 4, 8, 16)")
    return "all" if stride == 32 else (stride or None)


def parse_weighted(spec: str) -> tuple[str, float]:
    """`PATH[:SUBSET][@WEIGHT]` -> (data spec, weight)."""
    if "@" in spec and not Path(spec).exists():
        path, _, weight = spec.rpartition("@")
        try:
            return path, float(weight)
        except ValueError:
            raise UsageError(f"bad weight in {spec!r}: expected SPEC@NUMBER") from None
    return spec, 1.0


def expand(spec: str) -> str:
    """$GREENSCREEN_DATA (default ../shared/data) and ~ in data specs, so configs travel between machines."""
    os.environ.setdefault("GREENSCREEN_DATA", str(Path("..") / "shared" / "data"))
    return os.path.expanduser(os.path.expandvars(spec))


def open_datasets(options: dict):
    """(training [(Source, weight)], validation [Source]) with --val-split applied."""
    from greenscreen.data import DataError, open_source

    try:
        train, val = [], []
        for spec in options["train"]:
            path, weight = parse_weighted(spec)
            source = open_source(expand(path), allow_unlabeled=True)
            if not source.has_masks and not options.get("teacher"):
                raise UsageError(f"{path} has no masks: train on it with a teacher's maps (--teacher DIR, "
                                 "written by python -m greenscreen.teach)")
            if options["val_split"] and source.kind == "mask-folder":
                pairs = len(source)
                source, held_out = source.split(options["val_split"], seed=options["seed"])
                if not len(source) or not len(held_out):
                    raise UsageError(f"--val-split {options['val_split']} of the {pairs} pairs in {path} "
                                     "leaves nothing to train on or nothing to validate with")
                val.append(held_out)
            train.append((source, weight))
        val += [open_source(expand(spec)) for spec in options["val"]]
    except DataError as error:
        raise UsageError(str(error)) from None
    if not val:
        raise UsageError("no validation data: give --val SPEC or --val-split FRACTION")
    return train, val


def open_teachers(options: dict, train_sources):
    """One TeacherMaps per training source (distillation), or None; UsageError when maps are missing."""
    if not options.get("teacher"):
        return None
    from greenscreen.data.teacher import TeacherMaps

    teachers = []
    for source, _ in train_sources:
        maps = TeacherMaps(expand(options["teacher"]), source)
        missing = maps.missing()
        if missing:
            raise UsageError(f"the teacher has no map for {len(missing)} photos of {source.path} (first: {missing[0]}): "
                             f"run python -m greenscreen.teach for this data")
        teachers.append(maps)
    return teachers


def learning_rate_schedule(options: dict, steps_per_epoch: int):
    """Per-step schedule: the write-up's exponential decay, or cosine to zero; optional warm-up."""
    import keras

    lr, total = options["lr"], options["epochs"] * steps_per_epoch
    warmup = int(options["warmup_epochs"] * steps_per_epoch)
    if options["schedule"] == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else lr, decay_steps=max(1, total - warmup),
            warmup_target=lr if warmup else None, warmup_steps=warmup,
        )
    decay = keras.optimizers.schedules.ExponentialDecay(lr, steps_per_epoch, options["lr_decay"])
    return decay


def compile_model(model, options: dict, steps_per_epoch: int):
    import keras

    from greenscreen.losses import PersonIoU, SegmentationLoss

    schedule = learning_rate_schedule(options, steps_per_epoch)
    optimizer = (keras.optimizers.Adam(schedule) if options.get("optimizer") == "adam"
                 else keras.optimizers.RMSprop(schedule))
    model.compile(
        optimizer=optimizer,
        loss=SegmentationLoss(dice_weight=options["dice_weight"],
                              teacher_weight=options["teacher_weight"] if options.get("teacher") else 0.0),
        metrics=[PersonIoU()],
    )


def start_cluster(options: dict) -> Cluster:
    """Join the other processes (--distributed) before anything touches a device. Both data-parallel
    modes run on JAX: it is the backend unless KERAS_BACKEND says otherwise (then configure_backend stops)."""
    if options["distributed"] or options["data_parallel"]:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    if not options["distributed"]:
        return Cluster()
    from greenscreen.distributed import join_cluster

    cluster = join_cluster(options)
    print(f"joined the cluster as {cluster.describe()}", flush=True)
    return cluster


def configure_backend(options: dict, cluster: Cluster = Cluster()) -> None:
    import keras

    if options["mixed_precision"]:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    if options["data_parallel"] or options["distributed"]:
        if keras.backend.backend() != "jax":
            raise UsageError(f"--data-parallel and --distributed need the JAX backend (KERAS_BACKEND=jax), "
                             f"not {keras.backend.backend()}")
        from greenscreen.distributed import use_data_parallel

        devices = use_data_parallel(options["batch_size"], cluster)
        if cluster.is_chief:
            print(f"data-parallel over {len(devices)} devices in {cluster.process_count} process(es): "
                  f"{options['batch_size'] // len(devices)} photos per device per step", flush=True)
    keras.utils.set_random_seed(options["seed"])


def describe_hardware() -> str:
    import keras

    devices = []
    try:
        devices = keras.distribution.list_devices()
    except Exception:  # noqa: BLE001 - only for the record
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; devices: {', '.join(devices) or 'cpu'}"


def start_from(model, path: str) -> dict:
    """Load `path`'s weights into `model`: all of them for the same architecture, else (another preset of
    the family) every layer whose name and shapes match (greenscreen.model.load_matching_weights), the
    rest keeping their own start. Returns what was carried over, for config.json."""
    import keras

    from greenscreen.cli_common import file_sha256
    from greenscreen.model import load_matching_weights

    try:
        source = keras.saving.load_model(path, compile=False)
    except Exception as error:  # noqa: BLE001 - not a model
        raise UsageError(f"cannot start from {path}: {str(error).strip().splitlines()[0]}") from None
    if source.name == model.name and [w.shape for w in source.weights] == [w.shape for w in model.weights]:
        model.set_weights(source.get_weights())
        return {"path": path, "sha256": file_sha256(path), "preset": source.name, "layers": "all"}
    copied, kept = load_matching_weights(model, source)
    if not copied:
        raise UsageError(f"cannot start from {path}: no layer of its {source.name} matches {model.name}")
    print(f"starting from {path} ({source.name}): {len(copied)} layers carried over, {len(kept)} keep their own "
          f"start ({', '.join(kept[:6])}{', ...' if len(kept) > 6 else ''})", flush=True)
    # The SHA-256 names the start even after the file is replaced (models/live.keras when a new model ships).
    return {"path": path, "sha256": file_sha256(path), "preset": source.name, "layers_copied": len(copied),
            "layers_kept": kept}


def main(argv=None) -> int:
    return run_command(lambda: train(resolve_options(argv)),
                       interrupted="interrupted: resume with --resume --out <run folder>")


def train(options: dict) -> int:
    """Resume or start the run in --out, open its data, load or build its model, then fit."""
    run = RunFolder(options["out"])
    options, initial_epoch = resume_or_start(run, options)

    # Data first: mistakes in it are reported in a second, before the slow Keras/TensorFlow import.
    train_sources, val_sources = open_datasets(options)
    for source in [s for s, _ in train_sources] + val_sources:
        source.report_problems()

    cluster = start_cluster(options)
    import_keras()
    configure_backend(options, cluster)
    size = checked_input_size(options)
    val_size = checked_input_size(options, "val_size")
    train_data, val_data = make_datasets(options, size, train_sources, val_sources, cluster, val_size=val_size)
    steps = len(train_data)

    if options["resume"]:
        model = load_checkpoint(run)
        train_data.epoch = initial_epoch  # continue the augmentation stream where it stopped
        print(f"resuming {run.path} at epoch {initial_epoch + 1}/{options['epochs']}", flush=True)
    else:
        model, started_from = new_model(options, size)
        compile_model(model, options, steps)
        if cluster.is_chief:
            run.write_config(run_record(options, model, train_sources, val_sources,
                                        size=size, steps=steps, started_from=started_from))
    print_model_and_data(options, model, train_sources, val_sources, size=size, steps=steps)
    return fit(model, train_data, val_data, run, options, initial_epoch, cluster)


def resume_or_start(run: RunFolder, options: dict) -> tuple[dict, int]:
    """(options, first epoch). A new run: the options as given, from epoch 0, never over another run.
    --resume: the run's own options from config.json (the machine ones and --epochs from this command
    line) and the epoch state.json says was saved last."""
    if not options["resume"]:
        if run.last.exists():
            raise UsageError(f"{run.path} already holds a run: pass --resume to continue it or choose another --out")
        return options, 0
    if not run.last.is_file():
        raise UsageError(f"nothing to resume: {run.last} does not exist")
    try:
        saved, state = run.options, run.state
    except RunFolderError as error:
        raise UsageError(f"cannot resume: {error}") from None
    if not isinstance(state.get("epoch"), int):
        raise UsageError(f"cannot resume: {run.path / 'state.json'} does not say which epoch was last saved")
    epochs = options["epochs"] or saved.get("epochs", DEFAULTS["epochs"])
    if state["epoch"] >= epochs:
        raise UsageError(f"{run.path} has finished {state['epoch']} epochs already: pass --epochs N above that "
                         "to train further")
    machine = {key: options[key] for key in MACHINE_OPTIONS}
    return {**DEFAULTS, **saved, **machine, "epochs": epochs, "resume": True}, state["epoch"]


def checked_input_size(options: dict, key: str = "size") -> tuple[int, int]:
    """--size (or --val-size, default --size) as (height, width), refused when the preset cannot take it."""
    from greenscreen.model import check_input_size

    size = tuple(options.get(key) or options["size"])
    try:
        check_input_size(options["preset"], size)
    except ValueError as error:
        raise UsageError(str(error)) from None
    return size


def make_datasets(options: dict, size: tuple[int, int], train_sources, val_sources, cluster: Cluster,
                  val_size: tuple[int, int] | None = None):
    """(training, validation) PyDatasets: training augmented, with the teacher's maps when distilling,
    and cut to this process's rows of every batch; validation at `val_size` (default `size`)."""
    from greenscreen.data.dataset import SegmentationDataset

    train_data = SegmentationDataset(
        train_sources, batch_size=options["batch_size"], input_size=size, augment=True,
        steps_per_epoch=options["steps_per_epoch"], seed=options["seed"],
        workers=options["workers"], use_multiprocessing=False, cache=options["cache"],
        teachers=open_teachers(options, train_sources), paste_people=options.get("paste_people") or 0.0,
        paste_blend=bool(options.get("paste_blend")),
    )
    val_data = SegmentationDataset(
        [(source, 1.0) for source in val_sources], batch_size=options["batch_size"], input_size=val_size or size,
        augment=False, cache=True,
    )
    train_data.shard(cluster.process_index, cluster.process_count)
    return train_data, val_data


def load_checkpoint(run: RunFolder):
    """The run's last.keras, compiled as saved (optimizer state and learning-rate schedule included)."""
    import keras

    import greenscreen.losses  # noqa: F401 - registers the loss and metric for deserialization

    try:
        return keras.saving.load_model(run.last)
    except Exception as error:  # noqa: BLE001 - any failure here means "not a loadable checkpoint"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UsageError(f"cannot resume: {run.last} does not load ({first_line})") from None


def new_model(options: dict, size: tuple[int, int]):
    """(model, what --init-weights carried over or None): the preset at `size`, its encoder from ImageNet
    unless --no-pretrained, then --init-weights, then --freeze-encoder."""
    from greenscreen.model import build_model, freeze_encoder, is_pretrained_preset

    pretrained = is_pretrained_preset(options["preset"])
    try:
        model = build_model(options["preset"], size, pretrained=pretrained and options["pretrained"])
    except FileNotFoundError as error:  # the encoder's ImageNet weights are not installed: says how to get them
        raise UsageError(str(error)) from None
    started_from = start_from(model, options["init_weights"]) if options["init_weights"] else None
    if pretrained:
        frozen = options["freeze_encoder"]
        freeze_encoder(model, None if frozen == "all" else (frozen or 0))
    elif options["freeze_encoder"]:
        raise UsageError(f"--freeze-encoder needs a pretrained preset; {options['preset']} has no encoder")
    return model, started_from


def count_trainable(model) -> int:
    import numpy as np

    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


def run_record(options: dict, model, train_sources, val_sources, *, size, steps: int, started_from) -> dict:
    """config.json of a new run: its options, model, data and environment, enough to understand or resume it."""
    import keras

    from greenscreen.model import count_flops, preset_config

    record = {
        "options": options,
        "model": {"preset": options["preset"], "config": preset_config(options["preset"]),
                  "params": model.count_params(), "flops": count_flops(model), "input_size": list(size),
                  "trainable_params": count_trainable(model)},
        "data": {"train": [dict(s.describe(), weight=w) for s, w in train_sources],
                 "val": [s.describe() for s in val_sources]},
        "environment": {"keras": keras.__version__, "backend": keras.backend.backend(),
                        "python": platform.python_version(), "hardware": describe_hardware()},
        "steps_per_epoch": steps,
    }
    if started_from:
        record["model"]["started_from"] = started_from
    return record


def print_model_and_data(options: dict, model, train_sources, val_sources, *, size, steps: int) -> None:
    from greenscreen.model import count_flops

    print(f"{options['preset']}: {model.count_params():,} parameters ({count_trainable(model):,} trained), "
          f"{count_flops(model) / 1e9:.2f} GFLOPs "
          f"at {size[0]}x{size[1]}; {sum(len(s) for s, _ in train_sources)} training / "
          f"{sum(len(s) for s in val_sources)} validation photos; {steps} steps per epoch", flush=True)


def fit(model, train_data, val_data, run: RunFolder, options: dict, initial_epoch: int, cluster: Cluster) -> int:
    """model.fit with the run folder's callbacks; every process trains, process 0 alone writes and reports."""
    import keras

    from greenscreen.distributed import stop_together
    from greenscreen.training_callbacks import RunArtifacts, TailAverage, ValidationScorer

    # Order matters: the scorer adds val_miou to the logs the checkpoint and the CSV log read, and the tail
    # average swaps its mean in (to save and score it) only after last.keras is saved.
    scorer = ValidationScorer(val_data, run, preview_count=options["preview_count"], writes=cluster.is_chief,
                              input_size=val_data.input_size)
    callbacks = [scorer, RunArtifacts(run, writes=cluster.is_chief)]
    if options["average_last"]:
        callbacks.append(TailAverage(run, scorer, options["epochs"], options["average_last"], writes=cluster.is_chief))
    if cluster.is_chief:
        callbacks.append(keras.callbacks.CSVLogger(str(run.log), append=options["resume"]))
    started = time.time()
    # A progress bar on a terminal; one line per epoch in a log file (nohup ... &> run.log).
    verbose = (1 if sys.stdout.isatty() else 2) if cluster.is_chief else 0
    with stop_together(cluster, f"process 0 saved {run.last} after each epoch: continue with --resume --out "
                                f"{run.path} in every process"):
        model.fit(train_data, epochs=options["epochs"], initial_epoch=initial_epoch, callbacks=callbacks,
                  verbose=verbose)
    elapsed = time.time() - started
    if not cluster.is_chief:
        print(f"done in {elapsed / 60:.1f} min as {cluster.describe()}; process 0 wrote {run.path}", flush=True)
        return 0

    summary = run.write_summary()
    print(
        f"\ndone in {elapsed / 60:.1f} min: best val mIoU {summary['best_val_miou']:.2f} at epoch "
        f"{summary['best_epoch']} -> {run.best}\nlast: {run.last}\nplots and previews: {run.path}",
        flush=True,
    )
    if summary.get("tail_val_miou") is not None:
        print(f"tail: val mIoU {summary['tail_val_miou']:.2f}, the mean of epochs {summary['tail_epochs'][0]}-"
              f"{summary['tail_epochs'][-1]} -> {run.tail}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
