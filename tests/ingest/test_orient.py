from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ingest.orient import measure_layout, straighten, turn


def load(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.uint8)


def test_upright_page_is_neither_sideways_nor_skewed(samples: Path) -> None:
    layout = measure_layout(load(samples / "typed_page.png"))

    assert not layout.blank
    assert not layout.sideways
    assert abs(layout.skew) < 0.3


def test_page_turned_a_quarter_is_found_sideways(samples: Path) -> None:
    layout = measure_layout(load(samples / "turned_90.png"))

    assert layout.sideways


def test_skew_of_three_degrees_is_measured_and_corrected(samples: Path) -> None:
    pixels = load(samples / "skewed_3_degrees.png")

    layout = measure_layout(pixels)
    straightened = measure_layout(straighten(pixels, layout.skew))

    assert layout.skew == pytest.approx(-3.0, abs=0.3)
    assert abs(straightened.skew) < 0.3


def test_blank_page_is_recognised(samples: Path) -> None:
    assert measure_layout(load(samples / "blank_page.png")).blank


def test_speckled_blank_page_is_still_blank() -> None:
    generator = np.random.default_rng(3)
    pixels = np.full((1100, 850), 255, dtype=np.uint8)
    rows = generator.integers(0, 1100, 300)
    columns = generator.integers(0, 850, 300)
    pixels[rows, columns] = 0

    assert measure_layout(pixels).blank


@pytest.mark.parametrize("degrees", [0, 90, 180, 270, 360])
def test_turning_four_quarters_returns_the_page(degrees: int) -> None:
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)

    turned = turn(turn(pixels, degrees), 360 - degrees)

    assert np.array_equal(turned, pixels)


def test_turn_is_clockwise() -> None:
    pixels = np.array([[1, 2], [3, 4]], dtype=np.uint8)

    assert turn(pixels, 90).tolist() == [[3, 1], [4, 2]]
