"""A training run's folder, and the one place that reads and writes its records.

    run = RunFolder("runs/photo-cpu-2")
    run.config["options"]["lr"], run.state["epoch"], run.best, run.last
    run.lineage()          # this run and the runs it started from (--init-weights), oldest first

Layout: config.json (every option, the data, the model, the machine: written once at the start),
state.json (epoch, best_val_miou, best_epoch, train_seconds: rewritten after every epoch, atomically),
log.csv, curves.png, previews/, best.keras, last.keras, tail.keras (--average-last), summary.json (at the end).
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class RunFolderError(ValueError):
    """A run folder whose records are missing or unreadable; the message names the file."""


def write_json_atomically(path: Path, data) -> None:
    """Write to a temporary name, then rename: a reader never sees half a file."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(temporary, path)


class RunFolder:
    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    # ------------------------------------------------------------ files
    @property
    def best(self) -> Path:
        return self.path / "best.keras"

    @property
    def last(self) -> Path:
        return self.path / "last.keras"

    @property
    def tail(self) -> Path:
        """The mean of the last epochs' weights (--average-last)."""
        return self.path / "tail.keras"

    @property
    def log(self) -> Path:
        return self.path / "log.csv"

    def _read(self, name: str, required: bool = True) -> dict:
        path = self.path / name
        if not path.is_file():
            if required:
                raise RunFolderError(f"{path} does not exist")
            return {}
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise RunFolderError(f"{name} of {self.path} is unreadable ({error})") from None
        if not isinstance(data, dict):
            raise RunFolderError(f"{name} of {self.path} does not hold a JSON object")
        return data

    # ------------------------------------------------------------ records
    @property
    def config(self) -> dict:
        return self._read("config.json")

    def write_config(self, record: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_json_atomically(self.path / "config.json", record)

    @property
    def options(self) -> dict:
        options = self.config.get("options")
        if not isinstance(options, dict):
            raise RunFolderError(f"{self.path / 'config.json'} has no options")
        return options

    @property
    def state(self) -> dict:
        """{} before the first epoch ends."""
        return self._read("state.json", required=False)

    def update_state(self, **changes) -> dict:
        state = {**self.state, **changes}
        write_json_atomically(self.path / "state.json", state)
        return state

    def write_summary(self) -> dict:
        state = self._read("state.json")
        summary = {
            "epochs": state["epoch"],
            "best_epoch": state.get("best_epoch"),
            "best_val_miou": state["best_val_miou"],
            "train_seconds": state.get("train_seconds", 0.0),
            "best": str(self.best),
            "last": str(self.last),
        }
        if state.get("tail_epochs"):
            summary |= {"tail": str(self.tail), "tail_epochs": state["tail_epochs"],
                        "tail_val_miou": state.get("tail_val_miou")}
        write_json_atomically(self.path / "summary.json", summary)
        return summary

    def train_seconds(self) -> float:
        """Seconds spent in fit(); runs from before this was recorded fall back on file times."""
        seconds = self.state.get("train_seconds")
        if seconds:
            return float(seconds)
        if self.last.is_file() and (self.path / "config.json").is_file():
            return self.last.stat().st_mtime - (self.path / "config.json").stat().st_mtime
        return 0.0

    def lineage(self) -> list["RunFolder"]:
        """This run and the runs it was started from with --init-weights (their folders), oldest first."""
        chain, seen, run = [], set(), self
        while run is not None and run.path.resolve() not in seen:
            seen.add(run.path.resolve())
            chain.append(run)
            start = run.options.get("init_weights") if (run.path / "config.json").is_file() else None
            parent = Path(start).parent if start else None
            run = RunFolder(parent) if parent is not None and (parent / "config.json").is_file() else None
        return chain[::-1]
