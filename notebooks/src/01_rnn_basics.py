# %% [markdown]
# # 01 · RNN basics: one cell, shared across time
#
# After this notebook you will be able to
# - say why sequences need a model of their own, and what a recurrent network shares across time;
# - write a vanilla (Elman) RNN step, its forward pass and backprop through time (BPTT) in NumPy,
#   and prove them right with numeric gradients and against `torch.nn.RNN`;
# - build many-to-one, many-to-many, one-to-many and seq2seq models and read their shapes;
# - train on long sequences with truncated BPTT, and batch sentences of different lengths;
# - show, with numbers, why one shared cell finds "2009" wherever it stands in a sentence.
#
# **Time to run:** under a minute on a laptop CPU. Three graded exercises (7 points).

# %%
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence
from tqdm.auto import trange

from course_utils import checks, layers, plots
from course_utils.data import years
from course_utils.gradcheck import rel_error, eval_numerical_gradient_array
from course_utils.runtime import SavedTensorMeter, Timer, device, seed_everything

seed_everything(0)
dev = device(max_threads=1)  # models of 32 units: too small for a second thread to pay

# %% [markdown]
# ## 1. Why sequences need their own model
#
# An EEG trace, a sentence or a heartbeat is a *sequence*. To model sequences we need to
#
# 1. handle **variable-length** sequences (sentences have 4 words or 40);
# 2. track **long-term** dependencies ("In 2009, ... Nepal" links words far apart);
# 3. keep information about **order** ("dog bites man" is not "man bites dog");
# 4. **share parameters** across the sequence, so that what is learned at one position works at
#    every other.
#
# A dense network that takes the whole sequence at once fails 1 and 4: it has a fixed input size,
# and a separate weight for every position. A recurrent network keeps a *state* $h_t$ that
# summarises what it has seen, and updates it with the **same function at every step**:
#
# $$h_t = f_W(h_{t-1}, x_t).$$
#
# Unrolled, $h_3 = f_W(f_W(f_W(h_0, x_1), x_2), x_3)$: a deep network whose layers all share $W$.

# %% tags=["autograde-skip"]
plots.draw_unfolded_rnn(steps=4)
plt.show()

# %% [markdown]
# The loop on the left *is* the chain on the right: one cell, applied once per time step, with the
# same weights $W_{xh}$ (input to state), $W_{hh}$ (state to state) and $W_{hy}$ (state to output).

# %% [markdown]
# ## 2. The vanilla (Elman) RNN and its notation
# <a id="notation-table" name="notation-table"></a>
#
# The lecture's many-to-many RNN, in column vectors:
#
# $$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h), \qquad y_t = W_{hy} h_t + b_y, \qquad
# \hat y_t = \mathrm{softmax}(y_t), \qquad L = \sum_t L_t.$$
#
# The Deep Learning book (Goodfellow et al., ch. 10) writes the same model as
# $a^{(t)} = b + W h^{(t-1)} + U x^{(t)}$, $h^{(t)} = \tanh(a^{(t)})$, $o^{(t)} = c + V h^{(t)}$.
# Code works on a *batch* of $N$ sequences at once, one row per sequence, so the matrices appear
# transposed: `next_h = tanh(x @ Wx + prev_h @ Wh + b)`.
#
# | meaning | lecture | Deep Learning book | this course's code | `torch.nn.RNN` |
# |---|---|---|---|---|
# | input → state | $W_{xh}$ | $U$ | `Wx`: (D, H) | `weight_ih_l0`: (H, D) = `Wx.T` |
# | state → state | $W_{hh}$ | $W$ | `Wh`: (H, H) | `weight_hh_l0`: (H, H) = `Wh.T` |
# | state bias | $b_h$ | $b$ | `b`: (H,) | `bias_ih_l0 + bias_hh_l0` |
# | state → output | $W_{hy}$ | $V$ | `Wy`: (H, V) | a separate `nn.Linear(H, V)` |
# | output bias | $b_y$ | $c$ | `by`: (V,) | its `bias` |
#
# One symbol, one meaning, in every notebook: $y_t$ is the model's output (the scores) at step
# $t$, $\hat y_t$ their softmax; a true label or target at step $t$ is $\ell_t$; a word a decoder
# reads or writes is $w_t$; the sampling temperature is $\tau$ (never $T$, the sequence length).
#
# Shapes: inputs `x` are `(N, T, D)` (batch, time, features), hidden states `h` are `(N, T, H)`.
# These are the names and signatures of the CS231n assignment, so its exercises fit this course.
# Later notebooks write the maths in column vectors and the code in rows, as here; they link back
# to this table (`01_rnn_basics.ipynb#notation-table`) where they switch.

# %% [markdown]
# ### Exercise 1 (2 points): one RNN step
# Write `rnn_step_forward`: compute `next_h` $= \tanh(x W_x + h_{t-1} W_h + b)$ for a batch, and
# return it with `cache = (x, prev_h, Wx, Wh, next_h)`: everything the backward pass
# (exercise 2) needs.

# %% nbgrader={"grade": false, "grade_id": "rnn_step_forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One step: next_h = tanh(x @ Wx + prev_h @ Wh + b).

    x: (N, D)   prev_h: (N, H)   Wx: (D, H)   Wh: (H, H)   b: (H,), NumPy float64 arrays
    Returns (next_h, cache), a tuple or list: next_h: (N, H), NumPy or torch, float64 or float32;
    cache for rnn_step_backward. Write it with NumPy: calling the course's or torch's RNN fails.
    """
    ### BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    cache = (x, prev_h, Wx, Wh, next_h)
    ### END SOLUTION
    return next_h, cache


# %% nbgrader={"grade": true, "grade_id": "check_rnn_step_forward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_rnn_step_forward(rnn_step_forward)

# %% [markdown]
# The forward pass over a whole sequence is just a loop over time that carries the state. Note
# that **the same** `Wx, Wh, b` are used at every step: this is the parameter sharing.

# %%
def rnn_forward_loop(x, h0, Wx, Wh, b):
    """x: (N, T, D), h0: (N, H) -> all hidden states h: (N, T, H) and the per-step caches."""
    hs, caches, h = [], [], h0
    for t in range(x.shape[1]):
        h, cache = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


rng = np.random.default_rng(0)
N, T, D, H = 2, 6, 3, 5
x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
Wx, Wh, b = 0.4 * rng.standard_normal((D, H)), 0.4 * rng.standard_normal((H, H)), np.zeros(H)
h, caches = rnn_forward_loop(x, h0, Wx, Wh, b)
print("x:", x.shape, "-> h:", h.shape)

# %% [markdown]
# ## 3. Backpropagation through time, by hand
#
# BPTT is ordinary backpropagation on the unrolled graph. Write one step as
# $a_t = x_t W_x + h_{t-1} W_h + b$, $h_t = \tanh(a_t)$. If $\delta_t = \partial L / \partial h_t$
# is the gradient arriving at $h_t$ (from its own loss *and* from step $t+1$), then, with
# $\tanh'(a) = 1 - \tanh^2(a)$:
#
# $$\frac{\partial L}{\partial a_t} = \delta_t \odot (1 - h_t^2), \quad
# \frac{\partial L}{\partial x_t} = \frac{\partial L}{\partial a_t} W_x^\top, \quad
# \frac{\partial L}{\partial h_{t-1}} \mathrel{+}= \frac{\partial L}{\partial a_t} W_h^\top,$$
#
# $$\frac{\partial L}{\partial W_x} \mathrel{+}= x_t^\top \frac{\partial L}{\partial a_t}, \quad
# \frac{\partial L}{\partial W_h} \mathrel{+}= h_{t-1}^\top \frac{\partial L}{\partial a_t}, \quad
# \frac{\partial L}{\partial b} \mathrel{+}= \textstyle\sum_n \frac{\partial L}{\partial a_t}.$$
#
# The weight gradients are **sums over time**, because the weights are shared; and each step
# back multiplies by $W_h^\top$, which notebook 04 will show makes gradients vanish or explode.
#
# ### Exercise 2 (3 points): one step backward

# %% nbgrader={"grade": false, "grade_id": "rnn_step_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rnn_step_backward(dnext_h, cache):
    """Backward of one step.

    dnext_h: (N, H) gradient of the loss with respect to next_h
    cache: (x, prev_h, Wx, Wh, next_h) from rnn_step_forward
    Returns dx: (N, D), dprev_h: (N, H), dWx: (D, H), dWh: (H, H), db: (H,), as a tuple or list,
    each NumPy or torch, float64 or float32. By hand: autograd or the course's backward fails.
    """
    ### BEGIN SOLUTION
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    dx, dprev_h = da @ Wx.T, da @ Wh.T
    dWx, dWh, db = x.T @ da, prev_h.T @ da, da.sum(axis=0)
    ### END SOLUTION
    return dx, dprev_h, dWx, dWh, db


# %% nbgrader={"grade": true, "grade_id": "check_rnn_step_backward", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_rnn_step_backward(rnn_step_backward)

# %% [markdown]
# BPTT walks the steps in reverse, adding the gradient that comes from the future
# (`dprev_h` of step $t+1$) to the one from the loss at step $t$ (`dh[:, t]`):

# %%
def rnn_backward_loop(dh, caches):
    """dh: (N, T, H) upstream gradients of every h_t -> dx, dh0, dWx, dWh, db."""
    N, T, H = dh.shape
    dx_steps, dprev_h = [], np.zeros((N, H))
    dWx, dWh, db = 0, 0, 0
    for t in reversed(range(T)):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, caches[t])
        dx_steps.append(dx_t)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return np.stack(dx_steps[::-1], axis=1), dprev_h, dWx, dWh, db

# %% [markdown]
# ### Is it right? A numeric gradient check
# For a scalar $L = \sum h \odot \mathrm{dh}$, the centred difference
# $\frac{L(W + \epsilon) - L(W - \epsilon)}{2\epsilon}$ approximates each entry of the gradient.
# In float64 the relative error between the two should be around $10^{-8}$ or smaller.

# %%
dh = rng.standard_normal((*x.shape[:2], h0.shape[1]))  # (N, T, H): one per hidden state
analytic = dict(zip(["x", "h0", "Wx", "Wh", "b"], rnn_backward_loop(dh, caches)))
inputs = dict(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b)
errors = {}
for name, value in inputs.items():
    def hidden_states(v, name=name):
        return rnn_forward_loop(**{**inputs, name: v})[0]
    numeric = eval_numerical_gradient_array(hidden_states, value.copy(), dh)
    errors[name] = rel_error(numeric, analytic[name])
    print(f"d{name:3s} relative error: {errors[name]:.1e}")
assert max(errors.values()) < 1e-7, "BPTT disagrees with the numeric gradient"

# %% [markdown]
# ### The same model in PyTorch
# `torch.nn.RNN` computes the same recurrence. Copy its weights into ours (transposed, biases
# summed) and both the hidden states and every gradient must agree to floating-point precision.
# From here on we use `course_utils.layers`, which holds the same functions as you just wrote.

# %%
torch_rnn = nn.RNN(*Wx.shape, batch_first=True, nonlinearity="tanh").double()  # (D, H)
print("weight_ih_l0:", tuple(torch_rnn.weight_ih_l0.shape), " weight_hh_l0:",
      tuple(torch_rnn.weight_hh_l0.shape))
Wx_t, Wh_t = torch_rnn.weight_ih_l0.detach().numpy().T, torch_rnn.weight_hh_l0.detach().numpy().T
b_t = (torch_rnn.bias_ih_l0 + torch_rnn.bias_hh_l0).detach().numpy()

x_torch = torch.tensor(x, requires_grad=True)
h0_torch = torch.tensor(h0[None], requires_grad=True)  # torch wants (layers, N, H)
out, _ = torch_rnn(x_torch, h0_torch)
(out * torch.tensor(dh)).sum().backward()

ours, cache = layers.rnn_forward(x, h0, Wx_t, Wh_t, b_t)
dx, dh0, dWx, dWh, db = layers.rnn_backward(dh, cache)
parity = {
    "h": rel_error(ours, out.detach().numpy()),
    "dx": rel_error(dx, x_torch.grad.numpy()),
    "dh0": rel_error(dh0, h0_torch.grad.numpy()[0]),
    "dWx": rel_error(dWx, torch_rnn.weight_ih_l0.grad.numpy().T),
    "dWh": rel_error(dWh, torch_rnn.weight_hh_l0.grad.numpy().T),
    "db": rel_error(db, torch_rnn.bias_ih_l0.grad.numpy()),
}
print({k: f"{v:.1e}" for k, v in parity.items()})
assert max(parity.values()) < 1e-6, "our RNN and torch.nn.RNN disagree"

# %% [markdown]
# ## 4. Four ways to wire an RNN
#
# The same cell serves very different problems; only what goes in and what is read out changes.
#
# | wiring | example | reads out |
# |---|---|---|
# | many-to-one | was the mouse scared? (one label for a whole EEG trace) | the last state $h_T$ |
# | many-to-many | tag every word (is this word the year?) | every state $h_t$ |
# | one-to-many | caption an image (one vector in, a sentence out) | each output, fed back in |
# | seq2seq | translate (a sentence in, another out) | an encoder's $h_T$ starts a decoder |
#
# The lecture draws seq2seq as "many to one + one to many" (Sutskever et al., 2014); the course
# calls it **seq2seq** everywhere.
#
# One tiny model of each, with the shapes printed (`N` = 2 sequences, `D` = 3 features,
# `H` = 8 hidden units, `C` = 4 classes or vocabulary size):

# %%
N, T, D, H, C = 2, 7, 3, 8, 4
cell = nn.RNN(D, H, batch_first=True)
readout = nn.Linear(H, C)
x_seq = torch.randn(N, T, D)
states, h_last = cell(x_seq)  # states: every h_t; h_last: the final one, (layers, N, H)
print("input x             ", tuple(x_seq.shape), " (N, T, D)")
print("all states          ", tuple(states.shape), " (N, T, H)")
print("many-to-one logits  ", tuple(readout(states[:, -1]).shape), " (N, C): one label each")
print("many-to-many logits ", tuple(readout(states).shape), " (N, T, C): one label per step")

# %% [markdown]
# **One-to-many** starts from a single vector (an image's features, say) and then feeds each
# output back in as the next input: this is how notebook 03 samples text and notebook 06 writes
# captions. **Seq2seq** is an encoder (many-to-one) whose final state starts a decoder
# (one-to-many).

# %%
def generate(decoder_cell, readout, h, first_input, steps):
    """Run decoder_cell for `steps` steps, feeding each output (one-hot) back in. -> (N, steps, C)"""
    inp, outputs = first_input, []
    for _ in range(steps):
        h = decoder_cell(inp, h)
        logits = readout(h)
        outputs.append(logits)
        inp = F.one_hot(logits.argmax(-1), C).float()
    return torch.stack(outputs, dim=1)


decoder_cell = nn.RNNCell(C, H)
image_features = torch.randn(N, H)  # one vector per example, used as the initial state
print("one-to-many outputs ", tuple(generate(decoder_cell, readout, image_features,
                                            torch.zeros(N, C), steps=5).shape), " (N, 5, C)")
_, encoder_state = cell(x_seq)  # seq2seq: the encoder reads all T = 7 inputs ...
print("seq2seq outputs     ", tuple(generate(decoder_cell, readout, encoder_state[0],
                                            torch.zeros(N, C), steps=4).shape),
      " (N, 4, C): 7 steps in, 4 out")

# %% [markdown]
# ## 5. Truncated backpropagation through time
#
# BPTT over a whole sequence costs time **and memory** proportional to its length $T$: every
# state is kept for the backward pass. For a long recording (or all of Shakespeare) we instead
# cut the sequence into chunks of $k$ steps:
# - **carry the state** forward from one chunk to the next (the model keeps its memory), but
# - **stop the gradient** at the chunk boundary (`h = h.detach()`), so backprop runs at most
#   $k$ steps back.
#
# Forget the `detach` and PyTorch reminds you that the previous chunk's graph is already gone:

# %%
long_rnn, head = nn.RNN(1, 32, batch_first=True), nn.Linear(32, 1)
t_axis = torch.linspace(0, 400, 2001)
waves = torch.sin(t_axis[None, :] * torch.linspace(0.5, 1.5, 16)[:, None])  # 16 series
inputs_long, targets_long = waves[:, :-1, None], waves[:, 1:, None]  # predict the next value

h = None
try:
    for start in (0, 50):
        out, h = long_rnn(inputs_long[:, start:start + 50], h)  # no detach!
        F.mse_loss(head(out), targets_long[:, start:start + 50]).backward()
except RuntimeError as error:
    print("RuntimeError:", str(error).split(".")[0])

# %% [markdown]
# With the `detach` the loop runs. We time one pass over 2,000 steps of 16 series for several
# chunk lengths $k$, and measure the memory autograd holds for one chunk's backward pass. Memory
# is exact and the same on every machine; time is not: it depends on the machine and on whatever
# else runs on it. So every pass is timed `REPEATS` times (the lengths taken in turn, so that a
# busy moment hits all of them alike) and we keep the **median**.

# %%
def tbptt_epoch(model, head, inputs, targets, k, optimizer):
    """One pass over the sequence in chunks of k steps. Returns bytes held for one backward."""
    h, held = None, 0
    for start in range(0, inputs.shape[1], k):
        if h is not None:
            h = h.detach()  # carry the state, stop the gradient
        with SavedTensorMeter() as meter:
            out, h = model(inputs[:, start:start + k], h)
            loss = F.mse_loss(head(out), targets[:, start:start + k])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        held = max(held, meter.bytes)
    return held

# %% tags=["autograde-skip"]
chunk_lengths, REPEATS = [10, 25, 100, 250, 1000, 2000], 3
timings, megabytes = {k: [] for k in chunk_lengths}, {}
for repeat in trange(REPEATS, desc="repeats"):
    for k in chunk_lengths:
        seed_everything(0)
        model, head = nn.RNN(1, 32, batch_first=True), nn.Linear(32, 1)
        optimizer = torch.optim.SGD([*model.parameters(), *head.parameters()], lr=0.01)
        with Timer() as timer:
            held = tbptt_epoch(model, head, inputs_long, targets_long, k, optimizer)
        timings[k].append(timer.seconds)
        megabytes[k] = held / 1e6
seconds = [float(np.median(timings[k])) for k in chunk_lengths]
megabytes = [megabytes[k] for k in chunk_lengths]
for k, sec, mb in zip(chunk_lengths, seconds, megabytes):
    print(f"k = {k:5d}: {sec:5.2f} s per pass (median of {REPEATS}; range "
          f"{min(timings[k]):.2f}-{max(timings[k]):.2f}), {mb:6.2f} MB held for backward")

# %% tags=["autograde-skip"]
fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(11, 3.6))
ax_time.plot(chunk_lengths, seconds, "o-", color=plots.PALETTE["blue"],
             label=f"median of {REPEATS}")
ax_time.fill_between(chunk_lengths, [min(timings[k]) for k in chunk_lengths],
                     [max(timings[k]) for k in chunk_lengths], color=plots.PALETTE["sky"],
                     alpha=0.4, label="fastest to slowest")
ax_time.set(xscale="log", xlabel="chunk length k (steps)", ylabel="seconds per pass (this machine)",
            title="Time: about the same work, fewer optimizer steps", ylim=(0, None))
ax_time.legend()
ax_mem.plot(chunk_lengths, megabytes, "o-", color=plots.PALETTE["vermillion"])
ax_mem.set(xscale="log", yscale="log", xlabel="chunk length k (steps)",
           ylabel="MB held for backward", title="Memory grows in proportion to k")
plt.tight_layout()
plt.show()

# %% tags=["autograde-skip"]
growth = megabytes[-1] / megabytes[0]
print(f"k = {chunk_lengths[-1]} holds {growth:.0f}x the memory of k = {chunk_lengths[0]} "
      f"({chunk_lengths[-1] // chunk_lengths[0]}x the steps)")
assert 0.5 * 200 < growth < 2 * 200, "memory for backward should grow in proportion to k"
spread = max(seconds) / min(seconds)
print(f"the slowest k takes {spread:.1f}x the time of the fastest (medians, this machine)")
assert spread < growth / 10, "time per pass should change far less than memory does"

# %% [markdown]
# Memory grows in proportion to the chunk length, while the time for a pass changes far less
# (the factor printed above, against about 200 for memory): the arithmetic is the same, only the
# number of optimizer steps (and small-call overhead) differs. Which $k$ is fastest depends on
# the machine and its load, so we assert no order among the times, only that they stay within a
# small factor of each other. The price of a short $k$: the gradient never sees further than $k$
# steps back, so a dependency longer than $k$ can only be learned through what the carried state
# happens to keep.

# %% [markdown]
# ## 6. Batches of different lengths: padding, masking, packing
#
# Sentences differ in length, but a batch is one rectangular tensor. We **pad** the short ones
# (with zeros, or a `<pad>` token), and then make sure the padding changes nothing:
# - a **mask** keeps padded steps out of the loss;
# - **packing** (`pack_padded_sequence`) makes the RNN stop at each sequence's real end, so the
#   final state is not computed from padding.

# %%
lengths = torch.tensor([5, 3, 2])
sequences = [torch.randn(int(n), 1) for n in lengths]
padded = pad_sequence(sequences, batch_first=True)  # (N, T_max, D), zeros after each end
mask = torch.arange(padded.shape[1])[None, :] < lengths[:, None]  # True on real steps
print("padded batch:", tuple(padded.shape))
print(mask.int())

# %% [markdown]
# ### Exercise 3 (2 points): a masked loss
# Write `masked_cross_entropy(scores, targets, lengths)`: the mean cross-entropy over the real
# steps only. `scores` is `(N, T, V)`, `targets` `(N, T)`, `lengths` `(N,)`. Hint:
# `F.cross_entropy(..., reduction="none")` gives one loss per step.

# %% nbgrader={"grade": false, "grade_id": "masked_cross_entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def masked_cross_entropy(scores, targets, lengths):
    """Mean cross-entropy over unpadded steps.

    scores: (N, T, V) float64 tensor, targets: (N, T) int64, lengths: (N,) int64.
    Returns one number: a 0-d (or one-element) tensor, float32 or float64, or a float.
    """
    ### BEGIN SOLUTION
    N, T, V = scores.shape
    per_step = F.cross_entropy(scores.reshape(N * T, V), targets.reshape(N * T), reduction="none")
    mask = torch.arange(T)[None, :] < lengths[:, None]
    return (per_step.reshape(N, T) * mask).sum() / mask.sum()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_masked_cross_entropy", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_masked_cross_entropy(masked_cross_entropy)

# %% [markdown]
# Now packing. Run the padded batch through an RNN twice, unpacked and packed, and compare the
# final state of each sequence with running that sequence alone:

# %%
rnn = nn.RNN(1, 4, batch_first=True)
_, h_unpacked = rnn(padded)
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
_, h_packed = rnn(packed)
for i, seq in enumerate(sequences):
    _, h_alone = rnn(seq[None])
    print(f"length {len(seq)}: packed differs by {(h_packed[0, i] - h_alone[0, 0]).abs().max():.1e},"
          f" unpacked by {(h_unpacked[0, i] - h_alone[0, 0]).abs().max():.1e}")
    assert torch.allclose(h_packed[0, i], h_alone[0, 0], atol=1e-6)
    if len(seq) < padded.shape[1]:
        assert not torch.allclose(h_unpacked[0, i], h_alone[0, 0], atol=1e-3)

# %% [markdown]
# Packed, each final state equals the state of the sequence run alone. Unpacked, the shorter
# sequences kept stepping through zeros and ended somewhere else; only the longest is unharmed.

# %% [markdown]
# ## 7. "I went to Nepal in 2009" / "In 2009, I went to Nepal"
#
# The lecture's example: extract the year from many sentences. The year is the 2nd word in one
# sentence and the 6th in the other. Our generated sentences also carry a distracting number
# ("with 2011 rupees"), so a model must read the *context*: the year is the number after "in".
#
# We ask the generator for training sentences whose year stands at word positions 1 to 7 and test
# sentences where it stands at positions 8 to 14. The grammar decides which of these it can make:
# the next cell counts where the years really stand (positions count from 0).

# %% tags=["autograde-skip"]
train_sentences, train_pos = years.make_year_sentences(3000, range(1, 8), seed=1)
same_sentences, same_pos = years.make_year_sentences(500, range(1, 8), seed=2)
moved_sentences, moved_pos = years.make_year_sentences(500, range(8, 15), seed=3)
vocab = years.build_vocabulary()  # every word of the grammar; only the positions are new
T_MAX = 18  # the longest sentence the grammar makes has 17 words
for words in train_sentences[:3] + moved_sentences[:2]:
    print(" ".join(f"[{w}]" if i == words.index("in") + 1 else w for i, w in enumerate(words)))
seen_positions = sorted(set(train_pos.tolist()))
print("year positions in training:", seen_positions, "| in the moved test:",
      sorted(set(moved_pos.tolist())))
assert seen_positions == [1, 5, 6, 7], "the grammar puts the year at 1 or 5-7 when asked for 1-7"
assert set(moved_pos.tolist()).isdisjoint(seen_positions)

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(7, 3))
bins = np.arange(0, 17) - 0.5
ax.hist(train_pos, bins=bins, color=plots.PALETTE["blue"],
        label=f"training (positions {', '.join(map(str, seen_positions))})")
ax.hist(moved_pos, bins=bins, color=plots.PALETTE["orange"], label="test: moved (8-14)")
ax.set(xlabel="word position of the year (0 = first word)", ylabel="sentences",
       title="Where the year stands")
ax.legend()
plt.show()


# %% tags=["autograde-skip"]
def to_tensors(sentences, positions):
    tokens, lengths = years.encode(sentences, vocab, length=T_MAX)
    return (torch.tensor(tokens, device=dev), torch.tensor(lengths, device=dev),
            torch.tensor(positions, device=dev))


train_set = to_tensors(train_sentences, train_pos)
same_set = to_tensors(same_sentences, same_pos)
moved_set = to_tensors(moved_sentences, moved_pos)

# %% [markdown]
# The year stands at position 1 ("in 2009 , I went to Nepal") or at 5 to 7 ("I went to Nepal in
# 2009"), never at 2 to 4: a year after "in" needs a subject, a verb and a place before it, at
# least four words. So training shows the year at four positions, and the test at seven others.
#
# Two models give one score per word position; a softmax over the sentence's positions picks
# the year. They differ in one thing only:
# - the **shared RNN tagger** runs one cell along the sentence and scores every word with the
#   same read-out (many-to-many);
# - the **position-wise model** feeds the whole (padded) sentence into a dense network with a
#   separate weight for every position: the lecture's "naive attempt #1".

# %% tags=["autograde-skip"]
class SharedRNNTagger(nn.Module):
    def __init__(self, vocab_size, embed_size=16, hidden_size=32):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.rnn = nn.RNN(embed_size, hidden_size, batch_first=True)
        self.score = nn.Linear(hidden_size, 1)  # the same read-out at every position

    def forward(self, tokens):  # tokens: (N, T) -> scores: (N, T)
        states, _ = self.rnn(self.embed(tokens))
        return self.score(states).squeeze(-1)


class PositionWiseModel(nn.Module):
    def __init__(self, vocab_size, length, embed_size=16, hidden_size=64):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(length * embed_size, hidden_size),
                                 nn.ReLU(), nn.Linear(hidden_size, length))  # one unit per position

    def forward(self, tokens):  # tokens: (N, T) -> scores: (N, T)
        return self.net(self.embed(tokens))

# %% [markdown]
# The training loop, in full: sample a batch, score, mask the padding, cross-entropy over
# positions, step.

# %% tags=["autograde-skip"]
def year_scores(model, tokens, lengths):
    scores = model(tokens)
    padding = torch.arange(tokens.shape[1], device=tokens.device)[None, :] >= lengths[:, None]
    return scores.masked_fill(padding, -1e9)  # padding can never be the year


def train_year_finder(model, data, steps=300, batch=128, lr=1e-2):
    tokens, lengths, positions = data
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in trange(steps, desc=type(model).__name__):
        idx = torch.randint(0, len(tokens), (batch,), device=tokens.device)
        loss = F.cross_entropy(year_scores(model, tokens[idx], lengths[idx]), positions[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses

# %% tags=["autograde-skip"]
seed_everything(0)
models = {"shared RNN tagger": SharedRNNTagger(len(vocab)).to(dev),
          "position-wise model": PositionWiseModel(len(vocab), T_MAX).to(dev)}
histories = {name: train_year_finder(model, train_set) for name, model in models.items()}


@torch.no_grad()
def accuracy(model, data):
    tokens, lengths, positions = data
    return (year_scores(model, tokens, lengths).argmax(1) == positions).float().mean().item()


results = {name: dict(parameters=sum(p.numel() for p in m.parameters()),
                      same=accuracy(m, same_set), moved=accuracy(m, moved_set))
           for name, m in models.items()}
for name, r in results.items():
    print(f"{name:20s} {r['parameters']:6d} parameters | year found: {r['same']:.1%} at "
          f"training positions, {r['moved']:.1%} at new positions")

# %% tags=["autograde-skip"]
fig, (ax_loss, ax_pos) = plt.subplots(1, 2, figsize=(11, 3.6))
colours = [plots.PALETTE["blue"], plots.PALETTE["vermillion"]]
styles = ["o-", "s--"]
for (name, losses), colour in zip(histories.items(), colours):
    ax_loss.plot(losses, color=colour, label=name)
ax_loss.set(yscale="log", xlabel="training step", ylabel="cross-entropy (nats)",
            title="Both models fit the training sentences")
ax_loss.legend()
all_set = [torch.cat(parts) for parts in zip(same_set, moved_set)]
test_positions = np.unique(all_set[2].cpu().numpy())
for (name, model), colour, style in zip(models.items(), colours, styles):
    with torch.no_grad():
        found = (year_scores(model, *all_set[:2]).argmax(1) == all_set[2]).cpu().numpy()
    per_position = [found[all_set[2].cpu().numpy() == p].mean() for p in test_positions]
    ax_pos.plot(test_positions, per_position, style, color=colour, label=name)
for i, p in enumerate(seen_positions):
    ax_pos.axvspan(p - 0.5, p + 0.5, color="0.9",
                   label="positions seen in training" if i == 0 else None)
ax_pos.set(xlabel="word position of the year", ylabel="year found (fraction)",
           title="Only the shared cell finds the year at new positions", ylim=(-0.05, 1.05))
ax_pos.legend(loc="center left", fontsize=8)
plt.tight_layout()
plt.show()

# %% tags=["autograde-skip"]
rnn_result, dense_result = results["shared RNN tagger"], results["position-wise model"]
assert rnn_result["same"] > 0.95 and dense_result["same"] > 0.95, \
    "both models should solve the sentences they were trained on"
assert rnn_result["moved"] > 0.95, "the shared cell should find the year at unseen positions"
assert dense_result["moved"] < 0.2, "the position-wise model should fail at unseen positions"
print(f"gap at new positions: {rnn_result['moved'] - dense_result['moved']:.1%}")

# %% [markdown]
# Both models learn the training sentences. At positions training never showed, the shared RNN
# tagger still finds the year, because "a number right after *in*" is the same pattern at every
# step, and its one cell learned it once. The position-wise model learned *separate* weights for
# each position; only the output units for positions 1 and 5 to 7 ever saw a year, so it cannot
# pick positions 8 to 14, however clear the sentence is. It also needs more parameters to do less.

# %% [markdown]
# Try it on a sentence of your own (words outside the grammar become `<unk>`):

# %% tags=["autograde-skip"]
def find_year(model, sentence):
    words = sentence.split()
    tokens, lengths = (torch.tensor(a, device=dev) for a in years.encode([words], vocab, T_MAX))
    with torch.no_grad():
        return words[year_scores(model, tokens, lengths).argmax(1).item()]


sentence = "after college , my parents and I flew to Peru with 2003 rupees in 2011 ."
for name, model in models.items():
    print(f"{name:20s} -> {find_year(model, sentence)}")

# %% [markdown]
# ## Exercises
# Graded (checked above): **1** `rnn_step_forward`, **2** `rnn_step_backward`,
# **3** `masked_cross_entropy`.
#
# To explore (not graded):
# 4. Train the position-wise model on positions 1 to 14 (the grammar gives 1 and 5 to 14). Does it now find the year everywhere?
#    What would it need to handle a sentence of 30 words?
# 5. Replace `nn.RNN` in the tagger by a model with no recurrence at all, a linear read-out of
#    each word's embedding alone. Does it still find the year? (Think about the distractor
#    numbers.)
# 6. In section 5, set `k = 2000` and `k = 10` and train both for several passes. Which one
#    learns the sine waves better, and why?
#
# ### Review questions (from the lecture's summary)
# Answer them in your own words first; then open the answer.
# 1. What is a feedforward neural network, and why does it fit sequences badly?
#    <details><summary>Answer</summary>A network whose layers map one fixed-size input to an
#    output with no state and no loop (the lecture's "vanilla", one-to-one network). Fed a whole
#    sequence, it needs a fixed length and a separate weight for every position: section 7's
#    position-wise model, which never finds a year where training did not put one.</details>
# 2. What are some examples of time-series data?
#    <details><summary>Answer</summary>Anything measured or written in order: EEG and ECG
#    recordings (notebook 02), a patient's visits, stock prices, speech, text as a series of
#    words or characters (notebook 03), the frames of a video.</details>
# 3. How does an RNN handle the data?
#    <details><summary>Answer</summary>One step per element: it keeps a state $h_t$ and updates
#    it with the same function and weights at every step, $h_t = f_W(h_{t-1}, x_t)$, reading the
#    output from the states it needs (many-to-one, many-to-many, one-to-many, seq2seq). Training
#    backpropagates through the unrolled steps (BPTT), truncated to chunks for long
#    sequences.</details>
#
# **What's next:** notebook 02 asks "was the mouse scared?" of an EEG recording, and shows with
# numbers where a dense network and a sliding-window CNN fall short and why an RNN that shares
# its parameters across time does not.
