"""widget_update_ms: how long notebook 04's widgets take to respond to a slider, in ms.

Each explorer is built (not timed), then every control is moved through a sweep of values,
one at a time, with matrix size <= 64 and T <= 200; each move's update (compute, redraw, PNG)
is timed. Reported: the median over all moves (`widget_update_ms`, goal 50) and the slowest
move (`widget_update_ms:max`).
"""
import time

import numpy as np

from . import result

SWEEPS = {
    "eigenvalue_explorer": {
        "radius": [0.5, 0.8, 0.95, 1.0, 1.05, 1.3, 2.0],
        "size": [2, 8, 16, 48, 64],
        "spread": [0.0, 0.25, 0.75, 1.0],
        "angle_degrees": [0, 45, 90, 135, 180],
        "structure": ["non-normal", "normal"],
        "T": [5, 25, 50, 150, 200],
    },
    "explosion_explorer": {
        "scale": [0.25, 0.5, 0.9, 1.1, 1.5, 2.0, 3.0],
        "T": [5, 25, 50, 150, 200],
        "nonlinearity": ["relu", "linear", "sigmoid", "tanh"],
        "threshold": ["0.3", "3", "10", "30", "off"],
    },
}


def sweep_update_ms():
    """Milliseconds for each timed slider move, over both explorers."""
    from course_utils import widgets

    timings = []
    for name, sweep in SWEEPS.items():
        explorer = getattr(widgets, name)()
        for control, values in sweep.items():
            for value in values:
                start = time.perf_counter()
                explorer.set(**{control: value})
                timings.append(1000 * (time.perf_counter() - start))
    return np.array(timings)


def benchmarks():
    cache = {}

    def timings():
        if "ms" not in cache:
            cache["ms"] = sweep_update_ms()
        return cache["ms"]

    return {
        "widget_update_ms": lambda: result("widget_update_ms", np.median(timings()), "ms",
                                           "lower", 50),
        "widget_update_ms:max": lambda: result("widget_update_ms:max", timings().max(), "ms",
                                               "lower", 50),
    }
