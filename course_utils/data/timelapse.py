"""Time-lapse "microscopy" for notebook 09: one cell per movie, whose fate shows only in how it
changes over time, never in a single frame.

A cell is an elongated bright body (a Gaussian ellipse) at a random angle, drifting by a small
random walk on a dark, noisy field. A fluorescent reporter inside it pulses (in real cells,
the frequency of such pulses, e.g. of p53 or ERK, can decide a fate): fast in fate 1 (a period
of 3 or 4 frames), slow in fate 0 (one period over the whole movie). Any one frame shows a cell
whose brightness is drawn from the same distribution in both fates (the phase is random), and
the average of all frames is the same too (a whole number of periods averages to the mean
brightness). Only how the brightness *changes* from frame to frame tells the fates apart.
"""
import numpy as np

from ..validate import MAX_COUNT, Int, Number, Seed, checked

SIZE, FRAMES = 12, 12


@checked(n=Int(1, MAX_COUNT), frames=Int(1, 10_000), size=Int(8, 1024), noise=Number(0, 1e6),
         slow_period=Number(0, 1e6, low_open=True), seed=Seed,
         _size=lambda a: a["n"] * a["frames"] * a["size"] ** 2)
def make_timelapse(n, frames=FRAMES, size=SIZE, noise=0.2, slow_period=None, seed=0):
    """n movies of one pulsing cell each; slow_period: the slow fate's period in frames (default
    `frames`: one period per movie).

    Returns x: (n, frames, 1, size, size) float32, fate: (n,) int64 in {0, 1} (1: fast pulses)
    and brightness: (n, frames) float64, the reporter's level in each frame.
    """
    rng = np.random.default_rng(seed)
    fate = rng.integers(0, 2, n)
    period = np.where(fate == 1, rng.choice([3, 4], n), slow_period or frames)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    brightness = 1 + rng.uniform(0.4, 0.6, (n, 1)) * np.sin(
        phase + 2 * np.pi * np.arange(frames) / period[:, None])
    angle = rng.uniform(0, np.pi, (n, 1))
    centre = (size - 1) / 2 + rng.uniform(-1.5, 1.5, (n, 1, 2)) \
        + np.cumsum(0.3 * rng.standard_normal((n, frames, 2)), axis=1)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    dx = x - centre[..., 0, None, None]                               # (n, frames, size, size)
    dy = y - centre[..., 1, None, None]
    c, s = np.cos(angle)[..., None, None], np.sin(angle)[..., None, None]
    along, across = dx * c - dy * s, dx * s + dy * c
    body = np.exp(-0.5 * ((along / 2.5) ** 2 + (across / 1.2) ** 2))
    movie = brightness[..., None, None] * body + noise * rng.standard_normal(body.shape)
    return movie[:, :, None].astype(np.float32), fate.astype(np.int64), brightness
