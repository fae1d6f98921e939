"""Turn a page image upright and straight, and recognise blank pages.

Everything here works on a small binarised copy of the page, so it costs a
few tens of milliseconds against a second or more for OCR. Quarter turns are
found from text lines (sideways pages have vertical lines); upright and
upside down look alike to a projection, so the reader tells them apart by
OCR confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

WORK_SIDE = 1000
MAX_SKEW_DEGREES = 8.0
COARSE_STEP = 0.5
FINE_STEP = 0.1
MIN_CORRECTED_SKEW = 0.2
SIDEWAYS_RATIO = 1.6
BLANK_MARGIN = 0.06
BLANK_MAX_MARKS = 2
# A word or two cannot show which way lines run or how they slant.
MIN_MARKS_FOR_LAYOUT = 40

Pixels = NDArray[np.uint8]


@dataclass(frozen=True)
class Layout:
    """How the text lies on a page: sideways or not, and its skew in degrees.

    `skew` is the counter-clockwise turn that straightens the lines, measured
    after a sideways page has been turned.
    """

    sideways: bool
    skew: float
    blank: bool


def measure_layout(pixels: Pixels) -> Layout:
    """Measure blankness, text direction and skew of a grayscale page."""
    ink = _binarise_small(pixels)
    marks = _count_marks(ink)
    if marks < BLANK_MAX_MARKS:
        return Layout(sideways=False, skew=0.0, blank=True)
    if marks < MIN_MARKS_FOR_LAYOUT:
        return Layout(sideways=False, skew=0.0, blank=False)

    across_angle, across_score = _best_angle(ink)
    down_angle, down_score = _best_angle(np.ascontiguousarray(ink.T))
    if down_score > across_score * SIDEWAYS_RATIO:
        return Layout(sideways=True, skew=down_angle, blank=False)
    return Layout(sideways=False, skew=across_angle, blank=False)


def turn(pixels: Pixels, degrees: int) -> Pixels:
    """Turn a page clockwise by a multiple of 90 degrees."""
    quarter_turns = (degrees // 90) % 4
    if quarter_turns == 0:
        return pixels
    return np.ascontiguousarray(np.rot90(pixels, k=-quarter_turns))


def straighten(pixels: Pixels, skew: float) -> Pixels:
    """Rotate a page by `skew` degrees counter-clockwise, filling with white."""
    if abs(skew) < MIN_CORRECTED_SKEW:
        return pixels

    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
    rotated = cv2.warpAffine(
        pixels,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
    return np.asarray(rotated, dtype=np.uint8)


def _binarise_small(pixels: Pixels) -> Pixels:
    """Shrink the page and mark ink as 1, tolerant of uneven lighting."""
    height, width = pixels.shape
    scale = min(1.0, WORK_SIDE / max(height, width))
    small = pixels
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.asarray(
            cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), dtype=np.uint8
        )

    ink = cv2.adaptiveThreshold(
        small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )
    return np.asarray(ink, dtype=np.uint8)


def _count_marks(ink: Pixels) -> int:
    """Count character-sized marks away from the edges; specks do not count."""
    height, width = ink.shape
    top, left = round(height * BLANK_MARGIN), round(width * BLANK_MARGIN)
    inner = np.ascontiguousarray(ink[top : height - top, left : width - left])
    count, _, stats, _ = cv2.connectedComponentsWithStats(inner, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    if count <= 1:
        return 0
    return int(np.count_nonzero((areas >= 6) & (heights >= 3) & (heights <= 60)))


def _best_angle(ink: Pixels) -> tuple[float, float]:
    """Find the angle whose row profile is sharpest: text lines lie along it."""
    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 1e-9, COARSE_STEP)
    angle, _ = _sharpest(ink, coarse)
    fine = np.arange(angle - COARSE_STEP, angle + COARSE_STEP + 1e-9, FINE_STEP)
    return _sharpest(ink, fine)


def _sharpest(ink: Pixels, angles: NDArray[np.float64]) -> tuple[float, float]:
    height, width = ink.shape
    centre = (width / 2, height / 2)
    best_angle, best_score = 0.0, -1.0
    for angle in angles:
        matrix = cv2.getRotationMatrix2D(centre, float(angle), 1.0)
        rotated = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
        rows = rotated.sum(axis=1, dtype=np.int64)
        score = float(np.sum(np.diff(rows).astype(np.float64) ** 2))
        if score > best_score:
            best_angle, best_score = float(angle), score
    return round(best_angle, 2), best_score
