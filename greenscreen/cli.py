"""The `greenscreen` command: one entry point for the tools.

    greenscreen serve [--host 127.0.0.1] [--port 5000]     the dev server for the page
    greenscreen train --config configs/lite-cpu.json       train a model
    greenscreen evaluate --model M.keras --data ROOT       score a model
    greenscreen data filter-coco ANNOTATIONS.json          data tools (filter-coco, check, pack)
    greenscreen export [--model M.keras] [--out DIR]       Keras -> TF.js (convert/export_tfjs.py)
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

COMMANDS = {
    "serve": "start the dev server that serves the page (no inference on the server)",
    "train": "train an FC-DenseNet (python -m greenscreen.train)",
    "evaluate": "score a .keras model on a mask folder or COCO data (python -m greenscreen.evaluate)",
    "data": "data tools: filter-coco, check, pack (python -m greenscreen.data)",
    "export": "convert a .keras model to TF.js (python convert/export_tfjs.py)",
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
        script = Path(__file__).resolve().parent.parent / "convert" / "export_tfjs.py"
        if not script.is_file():
            print("error: convert/export_tfjs.py not found: run from a source checkout", file=sys.stderr)
            return 2
        sys.argv = [str(script), *rest]
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as done:
            return int(done.code or 0) if not isinstance(done.code, str) else 1
        return 0
    print(f"{usage()}\n\nerror: unknown command {command!r}", file=sys.stderr)  # the error line last
    return 2


if __name__ == "__main__":
    sys.exit(main())
