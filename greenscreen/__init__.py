"""greenscreen: train an FC-DenseNet person segmenter, export it to TF.js, swap backgrounds in the browser."""

__version__ = "0.1.0"
