"""python convert/export_tfjs.py [--model M.keras] [--out DIR] ...: Keras -> TF.js (see greenscreen.export.tfjs).

The entry point users know; the code lives in the package (`greenscreen export` runs the same),
so it also works from an installed greenscreen.
"""
import sys

from greenscreen.export.tfjs import main

if __name__ == "__main__":
    sys.exit(main())
