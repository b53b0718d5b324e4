"""Moving blobs for notebook 09's convolutional recurrent cell: bright Gaussian spots drifting
at constant velocity across a small frame that wraps around (a torus), so no blob ever leaves.

From one frame the next cannot be known (the velocity is not in it); from two or more it can.
"""
import numpy as np

from ..validate import MAX_COUNT, Int, Number, Pair, Seed, checked

SIZE, FRAMES = 16, 10


@checked(n=Int(1, MAX_COUNT), frames=Int(2, 10_000), size=Int(4, 1024), blobs=Int(1, 1000),
         speed=Pair(0, 1000), width=Number(0, 1000, low_open=True), seed=Seed,
         _size=lambda a: a["n"] * a["frames"] * a["blobs"] * a["size"] ** 2)
def make_moving_blobs(n, frames=FRAMES, size=SIZE, blobs=2, speed=(0.7, 1.6), width=1.3, seed=0):
    """n sequences of `blobs` spots, each moving `speed` pixels per frame in a random direction.

    Returns x: (n, frames, 1, size, size) float32 in [0, 1] (spots add up, clipped at 1).
    """
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
