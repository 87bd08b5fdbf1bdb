#!/usr/bin/env bash
# Run HERE (from the repo root): the Keras wheels for the GPU host's Python 3.12 into .whl/ (git ignores it).
# The host has JAX but no Keras; keras, namex and optree are what Keras adds to what is there.
set -euo pipefail
PY=${PYTHON:-.venv/bin/python}
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
rm -rf .whl && mkdir -p .whl
keras_version=$("$PY" -c "import keras; print(keras.__version__)")
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .whl "keras==$keras_version" namex optree
