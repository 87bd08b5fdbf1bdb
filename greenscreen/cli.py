"""The `greenscreen` command: one entry point for the tools.

    greenscreen serve [--host 127.0.0.1] [--port 5000]     the dev server for the page
    greenscreen train --config configs/lite-cpu.json       train a model
    greenscreen evaluate --model M.keras --data ROOT       score a model
    greenscreen data filter-coco ANNOTATIONS.json          data tools (filter-coco, check, pack)
    greenscreen export [--model M.keras] [--out DIR]       Keras -> TF.js (= python convert/export_tfjs.py)
    greenscreen ship runs/photo-cpu-3 --name photo         score a run, write models/photo.keras + card, export
    greenscreen teach --model models/photo.keras ...       a teacher's maps for distillation
"""

from __future__ import annotations

import sys

COMMANDS = {
    "serve": "start the dev server that serves the page (no inference on the server)",
    "train": "train an FC-DenseNet (python -m greenscreen.train)",
    "evaluate": "score a .keras model on a mask folder or COCO data (python -m greenscreen.evaluate)",
    "data": "data tools: filter-coco, check, pack (python -m greenscreen.data)",
    "export": "convert .keras models to TF.js (python convert/export_tfjs.py)",
    "ship": "score a training run and ship it as models/NAME.keras + card + static/model/NAME/",
    "teach": "write a teacher model's maps for distillation (python -m greenscreen.teach)",
}


def usage() -> str:
    lines = ["usage: greenscreen COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<9} {text}" for name, text in COMMANDS.items()]
    lines += ["", "`greenscreen COMMAND --help` shows each command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    command, rest = argv[0], argv[1:]
    if command == "serve":
        from web.serve import serve_main

        return serve_main(rest)
    if command == "train":
        from greenscreen.train import main as train_main

        return train_main(rest)
    if command == "evaluate":
        from greenscreen.evaluate import main as evaluate_main

        return evaluate_main(rest)
    if command == "data":
        from greenscreen.data.__main__ import main as data_main

        return data_main(rest)
    if command == "export":
        from greenscreen.export.tfjs import main as export_main

        return export_main(rest)
    if command == "ship":
        from greenscreen.ship import main as ship_main

        return ship_main(rest)
    if command == "teach":
        from greenscreen.teach import main as teach_main

        return teach_main(rest)
    print(f"{usage()}\n\nerror: unknown command {command!r}", file=sys.stderr)  # the error line last
    return 2


if __name__ == "__main__":
    sys.exit(main())
