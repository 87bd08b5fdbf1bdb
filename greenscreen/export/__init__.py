"""Turn a trained Keras greenscreen model into what the browser loads (see export_tfjs.py)."""
