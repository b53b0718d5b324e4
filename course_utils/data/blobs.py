"""Moving blobs for notebook 09's convolutional recurrent cell: bright Gaussian spots drifting
at constant velocity across a small frame that wraps around (a torus), so no blob ever leaves.

From one frame the next cannot be known (the velocity is not in it); from two or more it can.
"""
import numpy as np

SIZE, FRAMES = 16, 10


def make_moving_blobs(n, frames=FRAMES, size=SIZE, blobs=2, speed=(0.7, 1.6), width=1.3, seed=0):
    """n sequences of `blobs` spots, each moving `speed` pixels per frame in a random direction.

    Returns x: (n, frames, 1, size, size) float32 in [0, 1] (spots add up, clipped at 1).
    """
    for arg, value, low in [("n", n, 1), ("frames", frames, 2), ("size", size, 4),
                            ("blobs", blobs, 1)]:
        if int(value) != value or value < low:
            raise ValueError(f"make_moving_blobs: {arg} must be an int >= {low}, got {value!r}")
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, size, (n, blobs, 2))
    heading = rng.uniform(0, 2 * np.pi, (n, blobs))
    velocity = rng.uniform(*speed, (n, blobs))[..., None] * np.stack(
        [np.cos(heading), np.sin(heading)], axis=-1)
    where = start[:, None] + np.arange(frames)[None, :, None, None] * velocity[:, None]
    grid = np.arange(size, dtype=np.float64)
    # distance on the torus, per axis: the shorter way round
    d = (grid - where[..., None]) % size                              # (n, T, blobs, 2, size)
    d = np.minimum(d, size - d)
    spots = np.exp(-0.5 * (d[..., 0, None, :] ** 2 + d[..., 1, :, None] ** 2) / width ** 2)
    return np.clip(spots.sum(axis=2), 0, 1)[:, :, None].astype(np.float32)
