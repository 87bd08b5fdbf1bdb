"""The `greenscreen` command: one entry point for the tools.

    greenscreen serve [--host 127.0.0.1] [--port 5000]     the dev server for the page
    greenscreen train --config configs/photo-cpu-1-160.json  train a model
    greenscreen evaluate --model M.keras --data ROOT       score a model
    greenscreen data filter-coco ANNOTATIONS.json          data tools (filter-coco, check, pack)
    greenscreen export [--model M.keras] [--out DIR]       Keras -> TF.js (= python convert/export_tfjs.py)
    greenscreen ship runs/photo-cpu-3 --name photo         score a run, write models/photo.keras + card, export
    greenscreen teach --model models/photo.keras ...       a teacher's maps for distillation
    greenscreen average OUT.keras A.keras B.keras          the mean of several checkpoints of one preset
"""

from __future__ import annotations

import importlib
import sys

# name: (module, its main(argv) -> exit status, what it does). Modules are imported only when their
# command runs, so `greenscreen serve` needs no Keras or TensorFlow.
COMMANDS = {
    "serve": ("web.serve", "serve_main", "start the dev server that serves the page (no inference on the server)"),
    "train": ("greenscreen.train", "main", "train an FC-DenseNet (python -m greenscreen.train)"),
    "evaluate": ("greenscreen.evaluate", "main",
                 "score a .keras model on a mask folder or COCO data (python -m greenscreen.evaluate)"),
    "data": ("greenscreen.data.__main__", "main", "data tools: filter-coco, check, pack (python -m greenscreen.data)"),
    "export": ("greenscreen.export.tfjs", "main", "convert .keras models to TF.js (python convert/export_tfjs.py)"),
    "ship": ("greenscreen.ship", "main",
             "score a training run and ship it as models/NAME.keras + card + static/model/NAME/"),
    "teach": ("greenscreen.teach", "main", "write a teacher model's maps for distillation (python -m greenscreen.teach)"),
    "average": ("greenscreen.average", "main",
                "average the weights of checkpoints of one preset (a model soup; python -m greenscreen.average)"),
}


def usage() -> str:
    lines = ["usage: greenscreen COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<9} {text}" for name, (_, _, text) in COMMANDS.items()]
    lines += ["", "`greenscreen COMMAND --help` shows each command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command in COMMANDS:
        module, function, _ = COMMANDS[command]
        return getattr(importlib.import_module(module), function)(rest)
    print(f"{usage()}\n\nerror: unknown command {command!r}", file=sys.stderr)  # the error line last
    return 2


if __name__ == "__main__":
    sys.exit(main())
