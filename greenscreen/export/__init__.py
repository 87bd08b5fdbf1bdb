"""Turn a trained Keras greenscreen model into what the browser loads: `tfjs` converts, `card` builds both
model cards (the training card `greenscreen ship` writes, and the exported one), `graph_folder` checks the
result and swaps it into place (python convert/export_tfjs.py)."""
