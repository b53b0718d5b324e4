"""One standardisation for recordings: every channel (EEG channel, spectrogram feature) to mean
0 and standard deviation 1, with statistics computed on the training set and applied unchanged
to every other set (so no test statistic leaks into training)."""
import numpy as np

from ..validate import Array, Int, checked


@checked(x=Array("N, T, F"), mean=Array("1, A, B"), std=Array("1, A, B"), channel_axis=Int(0, 2))
def standardise(x, mean=None, std=None, channel_axis=None):
    """x standardised per channel: (x - mean) / std, where mean and std are taken over every axis
    but `channel_axis` (the last when None; kept, size 1, so they broadcast) when not given.

    x: (N, T, F) spectrogram frames (channel_axis None or 2) or (N, C, T) raw channels (channel_axis=1).
    Returns (x_standardised, mean, std); give mean and std back to standardise another set.
    """
    x = np.asarray(x)
    channel_axis = x.ndim - 1 if channel_axis is None else channel_axis
    if x.ndim < 2 or not 0 <= channel_axis < x.ndim:
        raise ValueError(f"standardise: channel_axis must name an axis of x (shape {x.shape}), "
                         f"got {channel_axis}")
    if (mean is None) != (std is None):
        raise ValueError("standardise: mean and std must be given together (from the training "
                         f"set) or both left out, got mean {'None' if mean is None else 'set'} "
                         f"and std {'None' if std is None else 'set'}")
    if mean is None:
        axes = tuple(a for a in range(x.ndim) if a != channel_axis)
        mean, std = x.mean(axis=axes, keepdims=True), x.std(axis=axes, keepdims=True)
    return (x - mean) / std, mean, std
