"""Person-segmentation data: sources (mask folders, COCO), the COCO person filter, augmentation, PyDataset.

`python -m greenscreen.data --help` lists the data tools (filter-coco, check, pack).
Importing this package does not import Keras; `greenscreen.data.dataset` does.
"""

from .errors import DataError
from .images import load_image, load_mask
from .source import Source
from .sources import open_source

__all__ = ["DataError", "Source", "load_image", "load_mask", "open_source"]
