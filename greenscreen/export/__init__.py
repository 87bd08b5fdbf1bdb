"""Turn a trained Keras greenscreen model into what the browser loads: `tfjs` converts, `card` writes the
model card, `graph_folder` checks the result and swaps it into place (python convert/export_tfjs.py)."""
