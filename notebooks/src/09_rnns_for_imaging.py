# %% [markdown]
# # 09 · RNNs for imaging: sweeping an image, reading a time-lapse, and a recurrent physical layer
#
# The imaging lectures mention recurrent networks in four places: **ReNet**, which replaces
# convolution by RNNs that sweep across the image; a CNN feeding an RNN that reads **time-lapse
# microscopy** and tells a cell's fate before any marker shows (Buggenthin et al. 2017);
# **convolutional recurrent cells** for image sequences such as dynamic MRI; and the question of
# what a *physical* layer of an RNN could be. Here each one runs, small enough for a laptop, and
# each claim is measured.
#
# After this notebook you will be able to
# - build ReNet's four directional sweeps, and *measure* a receptive field as a gradient: one
#   ReNet layer sees the whole image, one convolution a 3 x 3 patch;
# - read a time-lapse with a per-frame CNN and a GRU, and answer "how early can it tell?" from
#   the accuracy after 1, 2, ... frames, where single frames and their average know nothing;
# - write a convolutional GRU step and show what its state buys when predicting the next frame;
# - build an echo-state network (a fixed random reservoir, a ridge-regression read-out), see the
#   echo-state property and the memory capacity move with the spectral radius, and compare it
#   with a GRU trained by backprop through time.
#
# **Time to run:** about a minute on a laptop CPU (every model trains live, for a fixed number
# of steps). Two graded exercises (5 points).

# %%
import time

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from course_utils import checks, imaging, plots, reservoir, train
from course_utils.data.blobs import make_moving_blobs
from course_utils.data.digits import load_digits_split
from course_utils.data.narma import make_narma10
from course_utils.data.timelapse import make_timelapse
from course_utils.imaging import LESSON
from course_utils.runtime import device, seed_everything

seed_everything(0)
dev = device()
P = plots.PALETTE

# %% [markdown]
# ## 1. ReNet: sweep the image instead of convolving it
#
# A convolution looks at a small window; only a stack of convolutions and poolings lets a unit
# see the whole image. **ReNet** (Visin et al. 2015) gets there in one layer. Cut the image into
# $p \times p$ patches $x_{i,j}$ (a grid of $R \times C$). An RNN sweeps every row of patches,
# left to right and right to left,
#
# $$\overrightarrow{h}_{i,j} = f\big(\overrightarrow{h}_{i,j-1}, x_{i,j}\big), \qquad
#   \overleftarrow{h}_{i,j} = f\big(\overleftarrow{h}_{i,j+1}, x_{i,j}\big),$$
#
# and the pair $[\overrightarrow{h}_{i,j}, \overleftarrow{h}_{i,j}]$ has seen its whole row.
# A second bidirectional RNN then sweeps every *column* of those features, top-down and
# bottom-up, so each output $v_{i,j}$ has seen every row, hence every pixel. Four directional
# sweeps, in place of convolution and pooling. (Here $f$ is a GRU; Exercise 2 writes one sweep
# with a plain tanh cell.)
#
# The data: scikit-learn's bundled handwritten digits, 8 x 8 grey pixels, 1,797 of them. One
# ReNet layer on 2 x 2 patches, and a CNN (two 3 x 3 convolutions with pooling) of about the same
# number of parameters, both with a linear read-out over all positions:

# %% tags=["autograde-skip"]
x_train, y_train, x_test, y_test = map(torch.from_numpy, load_digits_split())
torch.manual_seed(0)
models = {"ReNet (one layer)": imaging.ReNet(hidden_size=10).to(dev),
          "CNN (two conv + pool)": imaging.SmallCNN(width=(16, 32)).to(dev)}
count = {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()}
print(f"{len(x_train)} training and {len(x_test)} test digits; parameters: {count}")
assert max(count.values()) < 1.2 * min(count.values()), "the two models are about the same size"

# %% tags=["autograde-skip"]
def digit_loss(model, generator, batch=64):
    """A cross-entropy loss on a fresh mini-batch of training digits, for train.train_steps."""
    def loss(step):
        rows = torch.randint(len(x_train), (batch,), generator=generator)
        return F.cross_entropy(model(x_train[rows].to(dev)), y_train[rows].to(dev))
    return loss

digit_acc = {}
for name, model in models.items():
    train.train_steps(model, digit_loss(model, torch.Generator().manual_seed(0)),
                      LESSON["digits_steps"], lr=3e-3, desc=name)
    with torch.no_grad():
        digit_acc[name] = (model(x_test.to(dev)).argmax(1).cpu() == y_test).float().mean().item()
    print(f"{name}: test accuracy {digit_acc[name]:.3f} after {LESSON['digits_steps']} steps")
assert min(digit_acc.values()) > 0.9, "both read digits well"

# %% [markdown]
# Both read digits well; sweeping is a real alternative to convolving. The difference is in what
# one layer sees. **Measure it**: the receptive field of an output unit is the set of input
# pixels it depends on, and the gradient says how much, $\big|\partial v_{i,j,c} / \partial
# x_{\text{pixel}}\big|$, averaged over the channels $c$ and 100 test digits
# (`imaging.receptive_field`). For the ReNet layer we take the output of the patch at row 1,
# column 1 (pixels 2-3); for the first convolution the output at pixel (3, 3):

# %% tags=["autograde-skip"]
probe = x_test[:100].to(dev)
fields = {"ReNet layer, patch (1, 1)": imaging.receptive_field(models["ReNet (one layer)"].layer,
                                                               probe, 1, 1),
          "first convolution, pixel (3, 3)": imaging.receptive_field(
              models["CNN (two conv + pool)"].layer, probe, 3, 3)}
covered = {name: float((f > 1e-6 * f.max()).mean()) for name, f in fields.items()}
for name, fraction in covered.items():
    print(f"{name}: depends on {fraction:.0%} of the 64 pixels")
assert covered["ReNet layer, patch (1, 1)"] == 1.0, "one ReNet layer sees every pixel"
assert covered["first convolution, pixel (3, 3)"] == 9 / 64, "one 3 x 3 convolution sees 9"

# %% tags=["autograde-skip"]
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
axes[0].imshow(x_test[0, 0], cmap="gray_r")
axes[0].set_title(f"a test digit ({y_test[0].item()})")
for ax, (name, field) in zip(axes[1:], fields.items()):
    shown = ax.imshow(np.log10(field + 1e-12), cmap="viridis", vmin=np.log10(field.max()) - 4)
    ax.set_title(f"{name}\nlog10 |d output / d pixel|", fontsize=9)
    fig.colorbar(shown, ax=ax, fraction=0.046)
for (r, c, s), ax in zip([(2, 2, 2), (3, 3, 1)], axes[1:]):
    ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), s, s, fill=False, ec=P["vermillion"], lw=2,
                               label="where the unit sits"))
    ax.legend(fontsize=7, loc="lower right")
for ax in axes:
    ax.set(xlabel="pixel column", ylabel="pixel row")
fig.suptitle("Receptive fields measured as gradients: one sweep layer sees everything")
plt.tight_layout()
plt.show()

# %% [markdown]
# The ReNet map is non-zero everywhere, strongest near the unit's own patch (a GRU remembers
# recent patches best) and fading with distance; the convolution's map is a 3 x 3 square and
# exactly zero outside. A CNN needs depth (or pooling) to grow its field; ReNet has global
# context in one layer, at the price of a sequential sweep: $R + C$ steps that cannot run in
# parallel, where a convolution computes every position at once.
#
# ## 2. Reading a time-lapse: how early can it tell?
#
# Buggenthin et al. (2017) filmed blood stem cells and trained a CNN on each frame and an RNN
# over the frames to predict which lineage a cell would take, **before** the lineage marker
# appeared: the answer lay in how the cell behaved over time. Our stand-in
# (`course_utils.data.timelapse`): one cell per movie, drifting, with a fluorescent reporter that
# **pulses** fast in one fate and slowly in the other (in real cells the frequency of pulses of
# p53 or ERK can decide a fate). The generator makes sure that a single frame cannot tell (the
# pulse's phase is random, so every brightness is equally likely in both fates) and neither can
# the average of the frames (a whole number of periods averages out).

# %% tags=["autograde-skip"]
movies, fates, reporter = make_timelapse(LESSON["movies"], seed=1)
test_movies, test_fates, _ = make_timelapse(1000, seed=2)
T = movies.shape[1]
print(f"{len(movies)} training movies of {T} frames, {movies.shape[-1]} x {movies.shape[-1]} "
      f"pixels; {len(test_movies)} test movies")

# %% tags=["autograde-skip"]
fig, axes = plt.subplots(2, T + 1, figsize=(13, 2.9), gridspec_kw=dict(wspace=0.08))
for row, fate in enumerate([0, 1]):
    movie = movies[np.flatnonzero(fates == fate)[0], :, 0]
    for t in range(T):
        axes[row, t].imshow(movie[t], cmap="magma", vmin=-0.3, vmax=1.6)
        axes[0, t].set_title(f"frame {t + 1}", fontsize=8)
    axes[row, T].imshow(movie.mean(0), cmap="magma", vmin=-0.3, vmax=1.6)
    axes[row, 0].set_ylabel(f"fate {fate}\n({'fast' if fate else 'slow'} pulses)", fontsize=8)
axes[0, T].set_title("average", fontsize=8)
for ax in axes.ravel():
    ax.set(xticks=[], yticks=[])
fig.suptitle("Two cells, one of each fate: no single frame (nor the average) shows which")
plt.show()

# %% [markdown]
# The model, `imaging.TimelapseReader`: a small CNN turns each frame into features (it finds
# the cell wherever it is: the mean and max of each channel over the image), a GRU reads the
# features in order, and a read-out scores the fate **after every frame**, $s_t = w^\top h_t + b$.
# Training on the loss of every step makes each $s_t$ a prediction from frames $1..t$, so one
# model answers how early it can tell. Two baselines with the same CNN: one trained on a single
# random frame of each movie, and one on the average of the frames.

# %% tags=["autograde-skip"]
x, y = torch.from_numpy(movies).to(dev), torch.from_numpy(fates).to(dev)
generator = torch.Generator().manual_seed(0)
torch.manual_seed(0)
reader, single, average = (imaging.TimelapseReader().to(dev), imaging.FrameClassifier().to(dev),
                           imaging.FrameClassifier().to(dev))

def reader_loss(step):
    rows = torch.randint(len(x), (32,), generator=generator).to(dev)
    scores = reader.step_logits(x[rows])                               # (32, T)
    return F.binary_cross_entropy_with_logits(scores, y[rows, None].float().expand_as(scores))

def frame_loss(model, frames):
    def loss(step):
        rows = torch.randint(len(x), (64,), generator=generator).to(dev)
        return F.binary_cross_entropy_with_logits(model(frames(rows)), y[rows].float())
    return loss

pick = lambda rows: x[rows, torch.randint(T, (len(rows),), generator=generator).to(dev)]
train.train_steps(reader, reader_loss, LESSON["reader_steps"], lr=5e-3, desc="CNN + GRU")
train.train_steps(single, frame_loss(single, pick), LESSON["frame_steps"], desc="single frame")
train.train_steps(average, frame_loss(average, lambda rows: x[rows].mean(1)),
                  LESSON["frame_steps"], desc="frame average");

# %% tags=["autograde-skip"]
xt, yt = torch.from_numpy(test_movies).to(dev), torch.from_numpy(test_fates).to(dev)
with torch.no_grad():
    by_frames = ((reader.step_logits(xt) > 0).long() == yt[:, None]).float().mean(0).cpu().numpy()
    single_acc = np.mean([((single(xt[:, t]) > 0).long() == yt).float().mean().item()
                          for t in range(T)])
    average_acc = ((average(xt.mean(1)) > 0).long() == yt).float().mean().item()
reached = np.flatnonzero(by_frames >= 0.9)
frames_to_90 = int(reached[0]) + 1 if reached.size else None
print("CNN + GRU accuracy after 1..T frames:", by_frames.round(3))
print(f"single frame (mean over the {T} frames): {single_acc:.3f}; frame average: "
      f"{average_acc:.3f}; CNN + GRU reaches 90 % after {frames_to_90} frames")
assert by_frames[-1] > 0.9 and frames_to_90 is not None, "the GRU reads the fate"
assert max(single_acc, average_acc, by_frames[0]) < 0.6, "no single frame, nor the average, can"

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(8, 3.8))
ax.plot(np.arange(1, T + 1), by_frames, marker="o", color=P["blue"],
        label="CNN per frame + GRU, after frames 1..t")
ax.axhline(single_acc, color=P["orange"], ls="--", label="CNN on one frame")
ax.axhline(average_acc, color=P["green"], ls=":", lw=2, label="CNN on the average of all frames")
ax.axhline(0.9, color="0.6", lw=0.8)
ax.axvline(frames_to_90, color=P["vermillion"], lw=1, label=f"90 % after {frames_to_90} frames")
ax.set(xlabel="frames seen", ylabel="test accuracy (fate)", ylim=(0.4, 1.02),
       title="How early can it tell? Only from how the cell changes")
ax.legend(fontsize=8, loc="center right")
plt.show()

# %% [markdown]
# One frame is a coin toss for every model, and the average of all twelve frames is too: the
# information is in how the frames change, one after the other. From the second frame the recurrent model
# starts to read the change, and a few frames later it is nearly always right, long before the
# movie ends. That is Buggenthin et al.'s question made measurable: the fate is predictable as
# soon as the dynamics that carry it have been seen, and an RNN over per-frame features is the
# model that can see dynamics.
#
# ## 3. A convolutional recurrent cell
#
# For image sequences the state itself can be an image. A **convolutional** GRU (Shi et al.
# 2015 did it for the LSTM, to forecast rain radar; Ballas et al. 2016 for the GRU) replaces every
# matrix product of the GRU by a convolution $*$, so the state $H_t$ has channels *and*
# pixels, and each pixel's memory is updated from its neighbourhood:
#
# $$z_t, r_t = \sigma\big(W_{zr} * [X_t, H_{t-1}] + b_{zr}\big), \quad
#   N_t = \tanh\big(W_n * [X_t, r_t \odot H_{t-1}] + b_n\big), \quad
#   H_t = (1 - z_t) \odot N_t + z_t \odot H_{t-1}.$$
#
# (Qin et al. 2019 use such cells to reconstruct dynamic MRI from undersampled k-space, frame
# after frame.) The step, as the course's `imaging.ConvGRUCell` computes it (edit it here and
# rerun to experiment):

# %%
def convgru_step(x, h, W_zr, b_zr, W_n, b_n):
    """x: (N, C, S, S), h: (N, K, S, S); W_zr: (2K, C + K, k, k), W_n: (K, C + K, k, k) -> (N, K, S, S)."""
    pad = W_n.shape[-1] // 2                            # 'same' size; the frame wraps around
    conv = lambda inp, W, b: F.conv2d(F.pad(inp, (pad,) * 4, mode="circular"), W, b)
    z, r = torch.sigmoid(conv(torch.cat([x, h], 1), W_zr, b_zr)).chunk(2, dim=1)
    n = torch.tanh(conv(torch.cat([x, r * h], 1), W_n, b_n))
    return (1 - z) * n + z * h

# %%
cell = imaging.ConvGRUCell(channels=3, hidden_size=4)
x_probe, h_probe = torch.randn(2, 3, 6, 6), torch.randn(2, 4, 6, 6)
mine = convgru_step(x_probe, h_probe, cell.zr.weight, cell.zr.bias, cell.n.weight, cell.n.bias)
difference = (mine - cell(x_probe, h_probe)).abs().max().item()
print(f"largest difference from imaging.ConvGRUCell: {difference:.1e}")
assert difference < 1e-5, "the notebook's step and the course's cell compute the same thing"

# %% [markdown]
# The task: **predict the next frame** of two bright blobs drifting at constant speed across a
# 12 x 12 frame that wraps around (`course_utils.data.blobs`). From one frame the next cannot be
# known: the velocity is not in it. `imaging.NextFrame` is a 3 x 3 convolution, the ConvGRU cell
# and a 1 x 1 convolution back to a frame; its per-frame twin has the same layers but resets the
# state before every frame, so it sees one frame at a time.

# %% tags=["autograde-skip"]
blobs = torch.from_numpy(make_moving_blobs(LESSON["blob_sequences"], size=12, frames=8, seed=1))
test_blobs = torch.from_numpy(make_moving_blobs(300, size=12, frames=8, seed=2)).to(dev)
torch.manual_seed(0)
predictors = {"ConvGRU": imaging.NextFrame(hidden_size=8).to(dev),
              "per-frame (state reset)": imaging.NextFrame(hidden_size=8, recurrent=False).to(dev)}

def next_frame_loss(model):
    def loss(step):
        rows = torch.randint(len(blobs), (16,), generator=generator)
        seq = blobs[rows].to(dev)
        return F.mse_loss(model(seq[:, :-1]), seq[:, 1:])   # output t predicts frame t + 1
    return loss

for (name, model), steps in zip(predictors.items(), LESSON["next_frame_steps"]):
    train.train_steps(model, next_frame_loss(model), steps, lr=5e-3, desc=name)

# %% tags=["autograde-skip"]
with torch.no_grad():
    predicted = {name: m(test_blobs[:, :-1]) for name, m in predictors.items()}
truth = test_blobs[:, 1:]
mse = {name: ((p - truth) ** 2).mean(dim=(0, 2, 3, 4)).cpu().numpy() for name, p in predicted.items()}
mse["copy the last frame"] = ((test_blobs[:, :-1] - truth) ** 2).mean(dim=(0, 2, 3, 4)).cpu().numpy()
psnr = {name: 10 * np.log10(1 / m[2:].mean()) for name, m in mse.items()}   # peak 1
gain = mse["per-frame (state reset)"][2:].mean() / mse["ConvGRU"][2:].mean()
for name, m in mse.items():
    print(f"{name:>24}: MSE from the 3rd prediction on {m[2:].mean():.4f}, PSNR {psnr[name]:.1f} dB")
print(f"the ConvGRU's error is {gain:.1f} times smaller than the per-frame model's")
assert gain > 2 and mse["ConvGRU"][0] > 0.5 * mse["per-frame (state reset)"][0], \
    "the state helps once it has seen two frames, not before"
assert mse["per-frame (state reset)"][2:].mean() > 0.8 * mse["copy the last frame"][2:].mean(), \
    "one frame at a time, a model can do little better than copy it"

# %% tags=["autograde-skip"]
fig, axes = plt.subplot_mosaic("AAIT\nAAGP", figsize=(11, 4.8))
for (name, m), colour, marker in zip(mse.items(), [P["blue"], P["orange"], "0.5"], "os^"):
    axes["A"].plot(np.arange(1, len(m) + 1), m, marker=marker, color=colour, label=name)
axes["A"].set(xlabel="frames seen before the prediction", ylabel="mean squared error per pixel",
              title="Next-frame error on 300 test sequences", ylim=(0, None))
axes["A"].legend(fontsize=8)
shown, t = 0, 5
for key, title, frame in [("I", f"frame {t + 1} (the last input)", test_blobs[shown, t]),
                          ("T", f"frame {t + 2}, the truth", truth[shown, t]),
                          ("G", "ConvGRU's prediction", predicted["ConvGRU"][shown, t]),
                          ("P", "per-frame prediction",
                           predicted["per-frame (state reset)"][shown, t])]:
    axes[key].imshow(frame[0].cpu(), cmap="gray", vmin=0, vmax=1)
    axes[key].set_title(title, fontsize=8)
    axes[key].set(xticks=[], yticks=[])
fig.suptitle("Predicting the next frame: a state that remembers where the blobs were")
plt.tight_layout()
plt.show()

# %% [markdown]
# After the first frame both models can only guess (the velocity is unknown) and blur the blobs
# in place. From the second frame on the ConvGRU's state holds where each blob *was*, so it can
# move it on; the per-frame model never can, and does no better than copying the last frame. The same reasoning is why a recurrent reconstruction of dynamic MRI can undersample
# each frame more: what the previous frames showed need not be measured again.
#
# ## 4. A recurrent physical layer: reservoir computing
#
# Notebook 04 showed that a recurrence $h_t = \tanh(h_{t-1} W + x_t W_x)$ forgets at a rate set
# by the eigenvalues of $W$: powers of $W$ shrink when its spectral radius $\rho$ (the largest
# $|\lambda|$) is below 1. An **echo-state network** (Jaeger 2001) turns that into a design: do
# not train the recurrence at all. Draw $W$ at random, scale it to a chosen $\rho$, drive it
# with the input, and train only a linear read-out $y_t = h_t W_{out}$ by **ridge regression**,
#
# $$W_{out} = \big(S^\top S + \alpha I\big)^{-1} S^\top Y,$$
#
# with the states $S$ (one row per time step) and the targets $Y$: one linear solve, no
# backprop through time. Because nothing inside is trained, the reservoir can be *anything*
# that has rich, fading dynamics: a bucket of water, a photonic chip, a delay loop of light.
# Optical and photonic reservoirs are real hardware; only their read-out is learned.
#
# **The echo-state property.** The state must depend on the input, not on where it started:
# drive the same reservoir twice with the same input from two different states, and the
# difference should fade. **Memory capacity** (Jaeger 2002): fit one read-out per delay $k$ to
# recall $u_{t-k}$ from $h_t$, score it by the squared correlation $r^2_k$, and add them up:
# $MC = \sum_k r^2_k \leq H$, the number of units. Move the sliders:

# %%
def reservoir_explorer(rho=0.9, input_scale=0.1, units=50):
    """Three views of one random reservoir: its eigenvalues, the echo-state test, its memory."""
    W_in, W = reservoir.make_reservoir(units, rho, input_scale, seed=0)
    distance = reservoir.echo_distance(W_in, W, steps=100)
    r2 = reservoir.memory_curve(W_in, W)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    eig = np.linalg.eigvals(W)
    axes[0].add_patch(plt.Circle((0, 0), 1, fill=False, ls="--", color="0.4", label="unit circle"))
    axes[0].scatter(eig.real, eig.imag, s=10, color=P["blue"], label="eigenvalues of W")
    axes[0].set(xlim=(-1.7, 1.7), ylim=(-1.7, 1.7), aspect="equal", xlabel="real part",
                ylabel="imaginary part", title=f"spectral radius rho = {rho:.2f}")
    axes[1].semilogy(distance + 1e-17, color=P["vermillion"], label="same input, two starts")
    axes[1].semilogy(distance[0] * rho ** np.arange(100.0) + 1e-17, ls=":", color="0.4",
                     label="rho^t (linear, notebook 04)")
    axes[1].set(xlabel="time step t", ylabel="|h_t - h'_t| / sqrt(H)", ylim=(1e-17, 10),
                title="echo-state test")
    axes[2].bar(np.arange(1, len(r2) + 1), r2, color=P["green"], label="r^2 of recalling u_{t-k}")
    axes[2].set(xlabel="delay k (steps)", ylabel="r^2", ylim=(0, 1.05),
                title=f"memory capacity {r2.sum():.1f} of at most {units}")
    for ax, where in zip(axes, ["upper right", "lower left", "upper right"]):
        ax.legend(fontsize=7, loc=where)
    plt.tight_layout()
    plt.show()
    return r2.sum()

# %% tags=["autograde-skip"]
ipywidgets.interact(reservoir_explorer,
                    rho=ipywidgets.FloatSlider(0.9, min=0.1, max=1.6, step=0.05),
                    input_scale=ipywidgets.FloatLogSlider(0.1, base=10, min=-2, max=0.5, step=0.1),
                    units=ipywidgets.fixed(50));

# %% [markdown]
# Below $\rho \approx 1$ the two runs meet (the red curve falls like $\rho^t$ or faster: tanh
# only shrinks); above it, with a small input, they never do: the reservoir keeps its own
# dynamics and its state says more about where it started than about the input. A large input
# scale pushes the units into saturation, where tanh's slope is small, which shrinks the
# effective gain: a strongly driven reservoir forgets its start even at $\rho = 1.1$, but below
# $\rho = 1$ it also remembers less of the input. The same measurements, as numbers:

# %% tags=["autograde-skip"]
rhos = np.array([0.3, 0.6, 0.8, 0.9, 0.95, 1.0, 1.1, 1.3, 1.5])
units, scales = 50, (0.1, 1.0)
memory = {scale: [reservoir.memory_curve(*reservoir.make_reservoir(units, r, scale)).sum()
                  for r in rhos] for scale in scales}
remains = {scale: [reservoir.echo_distance(*reservoir.make_reservoir(units, r, scale))[-1]
                   for r in rhos] for scale in scales}
print("rho    MC (input 0.1)  MC (input 1.0)  difference after 100 steps (input 0.1, 1.0)")
for i, r in enumerate(rhos):
    print(f"{r:.2f}  {memory[0.1][i]:14.1f}  {memory[1.0][i]:14.1f}  "
          f"{remains[0.1][i]:14.1e}  {remains[1.0][i]:9.1e}")
best_rho = rhos[int(np.argmax(memory[0.1]))]
at = lambda r: list(rhos).index(r)
assert max(remains[0.1][:at(0.9) + 1]) < 1e-3 < 0.1 < min(remains[0.1][at(1.1):]), \
    "fading memory below rho 1, not above (small input)"
assert remains[1.0][at(1.1)] < 1e-3, "a strong input restores fading memory above rho 1"
assert 0.8 <= best_rho <= 1.1 and max(memory[0.1]) < units, "memory peaks near rho 1, below H"

# %% [markdown]
# Memory capacity grows as $\rho$ approaches 1 (slower forgetting keeps older inputs) and then
# collapses once the reservoir stops echoing its input: the "edge of stability" that reservoir
# designers aim for. It stays well below its bound of 50: the tanh's nonlinearity and the
# random $W$'s correlated directions waste some of the units.
#
# **Against backprop through time.** The reservoir's standard test is **NARMA-10**
# (`course_utils.data.narma`), a nonlinear system whose output depends on its last ten outputs
# and on the input ten steps back, so a model must remember. An echo-state network of 200 units
# (its read-out sees the state and a constant), against a GRU of 32 units trained by BPTT
# through windows of 60 steps. Error is the normalised root-mean-square error (NRMSE: 1 means
# no better than predicting the mean):

# %% tags=["autograde-skip"]
u_train, y_train_narma = make_narma10(4000, seed=1)
u_test, y_test_narma = make_narma10(1000, seed=2)
washout = 100
nrmse = lambda p, target: float(np.sqrt(np.mean((p - target) ** 2) / np.var(target)))
with_bias = lambda S: np.concatenate([S, np.ones((len(S), 1))], axis=1)
start = time.perf_counter()
W_in, W = reservoir.make_reservoir(200, **LESSON["narma_reservoir"])
S = with_bias(reservoir.run_reservoir((u_train - 0.25)[None, :, None], W_in, W)[0])
W_out = reservoir.ridge_readout(S[washout:], y_train_narma[washout:, None], alpha=1e-6)
esn_seconds = time.perf_counter() - start
S_test = with_bias(reservoir.run_reservoir((u_test - 0.25)[None, :, None], W_in, W)[0])
esn_pred = (S_test @ W_out)[:, 0]
esn_nrmse = nrmse(esn_pred[washout:], y_test_narma[washout:])
print(f"echo-state network: NRMSE {esn_nrmse:.3f}, trained in {esn_seconds:.2f} s")

# %% tags=["autograde-skip"]
torch.manual_seed(0)
gru, head = nn.GRU(1, 32, batch_first=True).to(dev), nn.Linear(32, 1).to(dev)
U = torch.tensor(u_train - 0.25, dtype=torch.float32, device=dev)
Y = torch.tensor(y_train_narma, dtype=torch.float32, device=dev)

def narma_loss(step, window=60, skip=20):
    starts = torch.randint(0, len(U) - window, (32,), generator=generator).to(dev)
    idx = starts[:, None] + torch.arange(window, device=dev)
    out = head(gru(U[idx][..., None])[0])[..., 0]
    return F.mse_loss(out[:, skip:], Y[idx][:, skip:])        # the first steps warm the state up

start = time.perf_counter()
train.train_steps(nn.ModuleList([gru, head]), narma_loss, LESSON["narma_gru_steps"], lr=5e-3,
                  desc="GRU, BPTT")
gru_seconds = time.perf_counter() - start
with torch.no_grad():
    u_in = torch.tensor(u_test - 0.25, dtype=torch.float32, device=dev)[None, :, None]
    gru_pred = head(gru(u_in)[0])[0, :, 0].cpu().numpy()
gru_nrmse = nrmse(gru_pred[washout:], y_test_narma[washout:])
print(f"GRU (BPTT, {LESSON['narma_gru_steps']} steps): NRMSE {gru_nrmse:.3f}, trained in "
      f"{gru_seconds:.1f} s; the reservoir trained {gru_seconds / esn_seconds:.0f} times faster")
assert esn_nrmse < gru_nrmse and esn_seconds < gru_seconds / 5, "the reservoir: better and faster"

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(10, 3.5))
shown = slice(500, 620)
ax.plot(np.arange(1000)[shown], y_test_narma[shown], color="black", lw=2, label="NARMA-10 output")
ax.plot(np.arange(1000)[shown], esn_pred[shown], color=P["blue"],
        label=f"echo-state network (NRMSE {esn_nrmse:.2f}, {esn_seconds:.2f} s to train)")
ax.plot(np.arange(1000)[shown], gru_pred[shown], color=P["orange"], ls="--",
        label=f"GRU by BPTT (NRMSE {gru_nrmse:.2f}, {gru_seconds:.0f} s to train)")
ax.set(xlabel="time step (test run)", ylabel="y_t", title="A fixed random reservoir and one "
       "linear solve, against a trained GRU")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# On this task the untrained reservoir with its one linear solve beats the GRU that backprop
# trained for far longer. That is not a law: the GRU is still improving when we stop it, a
# network trained by gradient descent for long enough, with a good schedule, usually matches or
# beats a fixed reservoir, and a reservoir's dynamics cannot adapt to the task. What the
# reservoir offers is the trade that makes physical reservoirs attractive: if the recurrence is
# done by light or by a material, for free and at its own speed, then training only the
# read-out is one linear solve.
#
# ## Exercises
#
# **Exercise 1 (3 points). The ridge read-out.** Write `ridge_readout(states, targets, alpha)`
# with NumPy: `states` is $S$ of shape `(T, H)`, `targets` is $Y$ of shape `(T, K)`; return
# $W_{out}$ of shape `(H, K)` minimising $\|S W_{out} - Y\|^2 + \alpha \|W_{out}\|^2$, that is
# $W_{out} = (S^\top S + \alpha I)^{-1} S^\top Y$. Prefer `np.linalg.solve` to an inverse.

# %% nbgrader={"grade": false, "grade_id": "ridge_readout", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ridge_readout(states, targets, alpha=1e-6):
    """states: (T, H), targets: (T, K) -> W_out: (H, K)."""
    ### BEGIN SOLUTION
    S, Y = np.asarray(states, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    return np.linalg.solve(S.T @ S + alpha * np.eye(S.shape[1]), S.T @ Y)
    ### END SOLUTION
    raise NotImplementedError()

# %% nbgrader={"grade": true, "grade_id": "check_ridge_readout", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_ridge_readout(ridge_readout)

# %% [markdown]
# **Exercise 2 (2 points). One directional sweep.** Write ReNet's basic move with a tanh cell:
# `sweep(x, Wx, Wh, b, reverse=False)` reads a grid `x` of shape `(N, R, C, D)` (N images, R
# rows and C columns of patches, D numbers per patch) along each row, every row on its own, and
# returns the states `h` of shape `(N, R, C, H)`:
# $h_{:,i,j} = \tanh(x_{:,i,j} W_x + h_{:,i,j-1} W_h + b)$ from $j = 0$ with a zero state before
# it, or from the last column backwards ($h_{:,i,j+1}$ in place of $h_{:,i,j-1}$) when
# `reverse=True`. Shapes: `Wx (D, H)`, `Wh (H, H)`, `b (H,)`.

# %% nbgrader={"grade": false, "grade_id": "sweep", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sweep(x, Wx, Wh, b, reverse=False):
    """x: (N, R, C, D), Wx: (D, H), Wh: (H, H), b: (H,) -> h: (N, R, C, H)."""
    ### BEGIN SOLUTION
    N, R, C, _ = x.shape
    h, prev = np.zeros((N, R, C, Wh.shape[0])), np.zeros((N, R, Wh.shape[0]))
    for j in (range(C - 1, -1, -1) if reverse else range(C)):
        prev = np.tanh(x[:, :, j] @ Wx + prev @ Wh + b)
        h[:, :, j] = prev
    return h
    ### END SOLUTION
    raise NotImplementedError()

# %% nbgrader={"grade": true, "grade_id": "check_sweep", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_sweep(sweep)

# %% [markdown]
# **To think about (not graded).**
# - Transpose the grid (`x.transpose(0, 2, 1, 3)`), sweep, transpose back: that is a sweep down
#   the columns. Four calls of your `sweep` make one ReNet layer; which outputs of the first
#   two sweeps does the third one need?
# - In section 2, make the slow fate pulse with a period of 8 frames instead of 12
#   (`make_timelapse(..., slow_period=8)`). Which baseline stops being at chance, and why?
# - A physical reservoir is noisy. Add noise to the reservoir's states before the read-out in
#   section 4: what happens to the memory capacity, and which $\alpha$ works best now?
#
# ## What to take away
#
# - An RNN can replace convolution: four directional sweeps give every output the whole image
#   (measured as a gradient), where one convolution sees its window.
# - When a label lives in *dynamics*, no single frame and no average of frames can find it; a
#   per-frame CNN feeding an RNN can, and its accuracy after $t$ frames says how early.
# - A convolutional recurrent cell keeps an image-shaped memory: it predicts what a per-frame
#   model cannot know from one frame.
# - A reservoir needs no training inside, only a linear read-out; the spectral radius, as in
#   notebook 04, decides between fading memory and chaos, and memory capacity peaks near 1,
#   bounded by the number of units.
#
# ## What's next
#
# Notebook 10 diagonalises notebook 04's linear recurrence and makes its eigenvalues the
# parameters: the linear recurrences and state-space models that RNNs became after 2020.
# Further reading: Visin et al. (2015) *ReNet*; Buggenthin et al. (2017) *Prospective
# identification of hematopoietic lineage choice by deep learning*; Shi et al. (2015)
# *Convolutional LSTM network*; Qin et al. (2019) *Convolutional recurrent neural networks for
# dynamic MR image reconstruction*; Jaeger (2001, 2002) on echo states and short-term memory;
# Tanaka et al. (2019) *Recent advances in physical reservoir computing*.
