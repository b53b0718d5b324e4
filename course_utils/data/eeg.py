"""Synthetic EEG for the lecture's question "was the mouse scared?".

A recording is `seconds` long at `fs` Hz (10 s at 100 Hz: T = 1000 samples). The background is
what any EEG shows: 1/f ("pink") noise plus an alpha rhythm (8-12 Hz) that waxes and wanes,
scaled to unit standard deviation. Two tasks:

- kind="burst": a scared mouse's recording carries a theta burst (6 Hz, 1 s, Hann-shaped)
  somewhere; a calm mouse's does not. `where` says where the burst may start, as fractions of
  the recording, so training and test events can fall at different times.
- kind="two_part": every recording has a startle (a short 20 Hz beta burst, 0.4 s) and a
  theta burst, `gap` seconds apart (onset to onset). Scared: the startle first, then the theta
  burst. Calm: the theta burst first, then the startle. Each part alone says nothing; only the order of two events seconds apart
  does, so a model that looks through a window shorter than the gap cannot tell.

artefacts=True adds eye-blink-like slow deflections to some recordings of both classes.
"""
import numpy as np

from ..validate import MAX_COUNT, Array, Choice, Flag, Int, Number, Pair, Seed, checked

FS = 100  # sampling rate, Hz
SECONDS = 10.0
BURST_HZ, BURST_SECONDS = 6.0, 1.0
STARTLE_HZ, STARTLE_SECONDS = 20.0, 0.4
# Notebook 02's experiment (and the eeg_* benchmarks): recordings per training set and per
# test set, epochs, and the events' peak in units of the background's standard deviation.
LESSON = dict(train=2000, test=1000, epochs=30, amplitude=2.0)


def pink_noise(rng, n, length):
    """n rows of 1/f noise, each with zero mean and unit standard deviation: (n, length)."""
    freqs = np.fft.rfftfreq(length)
    scale = np.zeros_like(freqs)
    scale[1:] = 1 / np.sqrt(freqs[1:])  # power ~ 1/f
    spectrum = scale * (rng.standard_normal((n, freqs.size)) + 1j * rng.standard_normal((n, freqs.size)))
    noise = np.fft.irfft(spectrum, n=length, axis=1)
    noise -= noise.mean(axis=1, keepdims=True)
    return noise / noise.std(axis=1, keepdims=True)


def background(rng, n, length, fs=FS, alpha_amplitude=0.7):
    """Resting EEG: pink noise plus a waxing and waning alpha rhythm, unit std: (n, length)."""
    t = np.arange(length) / fs
    alpha_hz = rng.uniform(8, 12, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.1, 0.3, (n, 1)) * t + phase * 3)
    signal = pink_noise(rng, n, length) + alpha_amplitude * envelope * np.sin(
        2 * np.pi * alpha_hz * t + phase)
    return signal / signal.std(axis=1, keepdims=True)


@checked(fs=Int(1, 100_000), seconds=Number(0, 1000, low_open=True), hz=Number(0, low_open=True),
         _size=lambda a: a["fs"] * a["seconds"])
def theta_burst(fs=FS, seconds=BURST_SECONDS, hz=BURST_HZ):
    """The fear signature: a Hann-shaped 6 Hz burst with peak 1: (round(seconds * fs),)."""
    t = np.arange(int(round(seconds * fs))) / fs
    return np.hanning(t.size) * np.sin(2 * np.pi * hz * t)


@checked(fs=Int(1, 100_000), seconds=Number(0, 1000, low_open=True), hz=Number(0, low_open=True),
         _size=lambda a: a["fs"] * a["seconds"])
def startle_burst(fs=FS, seconds=STARTLE_SECONDS, hz=STARTLE_HZ):
    """The startle: a short Hann-shaped 20 Hz (beta) burst with peak 1: (round(seconds * fs),)."""
    return theta_burst(fs, seconds, hz)


def _check(name, value, ok, expected):
    if not ok:
        raise ValueError(f"make_eeg: {name} must be {expected}, got {value!r}")


@checked(n=Int(1, MAX_COUNT), kind=Choice("burst", "two_part"), where=Pair(0, 1),
         amplitude=Number(0), gap=Pair(0, 1000), artefacts=Flag, fs=Int(1, 100_000),
         seconds=Number(0, 10_000, low_open=True), seed=Seed,
         _size=lambda a: a["n"] * a["fs"] * a["seconds"])
def make_eeg(n, kind="burst", where=(0.0, 1.0), amplitude=2.0, gap=(2.0, 3.5),
             artefacts=False, fs=FS, seconds=SECONDS, seed=0):
    """n recordings, half of them scared (shuffled).

    kind: "burst" or "two_part" (see the module's docstring).
    where: (start, end) fractions of the recording; each event pattern starts and ends inside.
    amplitude: the events' peak, in units of the background's standard deviation.
    gap: (min, max) seconds from the first part's onset to the second's (two_part only).
    Returns x: (n, T) float32 with T = round(seconds * fs), y: (n,) int64 (1 = scared), and
    onsets: (n, 2) int64, the samples where the startle and the theta burst start (-1: absent).
    """
    _check("kind", kind, kind in ("burst", "two_part"), '"burst" or "two_part"')
    _check("where", where, len(where) == 2 and 0 <= where[0] < where[1] <= 1,
           "(start, end) with 0 <= start < end <= 1")
    _check("n", n, isinstance(n, (int, np.integer)) and n > 0, "a positive integer")
    rng = np.random.default_rng(seed)
    T = int(round(seconds * fs))
    burst, startle = amplitude * theta_burst(fs), amplitude * startle_burst(fs)
    lo, hi = int(where[0] * T), int(where[1] * T)
    longest = burst.size if kind == "burst" else int(gap[1] * fs) + burst.size
    _check("where", where, hi - lo >= longest,
           f"at least {longest / fs:.1f} s wide, to hold the event pattern")
    x = background(rng, n, T, fs)
    y = rng.permutation(np.arange(n) % 2).astype(np.int64)
    onsets = np.full((n, 2), -1, dtype=np.int64)
    for row in range(n):
        if kind == "burst":
            if not y[row]:
                continue
            start = rng.integers(lo, hi - burst.size + 1)
            x[row, start:start + burst.size] += burst
            onsets[row, 1] = start
        else:
            delay = int(rng.uniform(*gap) * fs)
            first, second = (startle, burst) if y[row] else (burst, startle)
            span = delay + second.size
            start = rng.integers(lo, hi - span + 1)
            x[row, start:start + first.size] += first
            x[row, start + delay:start + delay + second.size] += second
            onsets[row] = (start, start + delay) if y[row] else (start + delay, start)
    if artefacts:
        t = np.arange(T)
        for row in np.flatnonzero(rng.random(n) < 0.3):
            centre, width = rng.integers(0, T), rng.uniform(0.1, 0.2) * fs
            x[row] += rng.uniform(2, 4) * np.exp(-0.5 * ((t - centre) / width) ** 2)
    return x.astype(np.float32), y, onsets


@checked(n=Int(1, MAX_COUNT), kind=Choice("burst", "two_part"), where=Pair(0, 1),
         amplitude=Number(0), seed=Seed, _size=lambda a: a["n"] * 1000)
def make_frames(n, kind="burst", where=(0.0, 1.0), amplitude=2.0, seed=0):
    """make_eeg, then spectrogram: what the notebooks' models read.

    Returns frames: (n, 48, 16) float32, y: (n,) int64 and onsets: (n, 2) int64 (see make_eeg).
    """
    x, y, onsets = make_eeg(n, kind, where=where, amplitude=amplitude, seed=seed)
    return spectrogram(x)[0], y, onsets


@checked(x=Array("N, T"), fs=Int(1, 100_000), frame_seconds=Number(0, low_open=True),
         hop_seconds=Number(0, low_open=True), max_hz=Number(0, low_open=True))
def spectrogram(x, fs=FS, frame_seconds=0.5, hop_seconds=0.2, max_hz=30.0):
    """Short-time log power: x: (N, T) samples -> (N, frames, F) with F frequencies from 0 to
    max_hz (a Hann-windowed FFT every hop_seconds over frame_seconds), and the frequencies (F,).

    10 s at 100 Hz gives 48 frames of 16 frequencies (2 Hz apart), each frame 0.5 s wide.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"spectrogram: x must have shape (N, T), got {x.shape}")
    frame, hop = int(round(frame_seconds * fs)), int(round(hop_seconds * fs))
    if x.shape[1] < frame:
        raise ValueError(f"spectrogram: x must have T >= {frame} samples (one frame), got {x.shape[1]}")
    frames = np.lib.stride_tricks.sliding_window_view(x, frame, axis=1)[:, ::hop]
    power = np.abs(np.fft.rfft(frames * np.hanning(frame), axis=2)) ** 2
    freqs = np.fft.rfftfreq(frame, 1 / fs)
    keep = freqs <= max_hz
    return np.log1p(power[:, :, keep]).astype(np.float32), freqs[keep]
