"""Other looks at one line crop, for fields a check or the master can judge.

A recogniser's misreads of a character under a seal or in an unfamiliar font
change with the pixels it is given: binarised, contrast-equalised, strokes
thickened or thinned, scaled up. None of these looks is better on its own
(each breaks some lines the plain crop reads right), so their readings are
never voted on; they are only *candidates* for a field whose right value
something independent recognises — a tax ID's GB 32100 check character, the
customer master's name. A misprint stays a misprint: no look turns a
character that is not on the paper into the master's.
"""
from __future__ import annotations

import numpy as np

#: Names of the looks, in the order :func:`looks` returns them after the plain crop.
LOOKS = ("otsu", "clahe", "thick", "thin", "scaled")


def looks(crop: np.ndarray) -> list[np.ndarray]:
    """The crop itself, then one RGB image per name in :data:`LOOKS`."""
    import cv2

    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    equalised = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(grey)
    kernel = np.ones((2, 2), np.uint8)
    thick = cv2.erode(grey, kernel)  # dark ink on light paper: eroding the paper thickens strokes
    thin = cv2.dilate(grey, kernel)
    scaled = cv2.resize(crop, None, fx=1.6, fy=1.6, interpolation=cv2.INTER_CUBIC)

    def rgb(g: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.dstack([g] * 3))

    return [crop, rgb(binary), rgb(equalised), rgb(thick), rgb(thin), np.ascontiguousarray(scaled)]
