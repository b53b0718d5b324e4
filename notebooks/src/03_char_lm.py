# %% [markdown]
# # 03 · A character-level language model: from "hello" to Shakespeare
#
# After this notebook you will be able to
# - train the lecture's "hello" model by hand in NumPy and read its output scores step by step;
# - sample text one character at a time, each fed back in as the next input;
# - train an LSTM language model on Shakespeare with truncated backprop through time, and measure
#   it in nats and bits per character against simple baselines;
# - steer sampling with temperature, top-k and a priming text;
# - find hidden units that track something you can name.
#
# **Time to run:** about 90 seconds on a quiet laptop CPU, most of it 450 steps of live training
# (a quarter to a half longer when another program keeps a core busy: the steps are fixed, the
# time is not). Two graded exercises (4 points).

# %%
import html
import time

import ipywidgets
import numpy as np
import torch
import torch.nn.functional as F
import matplotlib.pyplot as plt
from IPython.display import HTML, display
from tqdm.auto import tqdm

from course_utils import checks, layers, parallel, plots, sampling, train
from course_utils.data.text import Vocabulary, load_shakespeare
from course_utils.models import CharLM, detach_state, load_charlm
from course_utils.runtime import device, seed_everything

seed_everything(0)
dev = device()

# %% [markdown]
# ## 1. The lecture's example: "hello"
#
# Vocabulary `[h, e, l, o]`, one training sequence, "hello". Fed "h", "e", "l", "l" (one-hot
# vectors), the model should predict "e", "l", "l", "o". One step of the lecture's RNN:
#
# $$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t), \qquad y_t = W_{hy} h_t, \qquad
# \hat y_t = \mathrm{softmax}(y_t).$$
#
# The two "l"s are the interesting part: after the first the answer is "l", after the second
# "o". The input is the same; only the hidden state can tell them apart. We use 3 hidden units,
# as the lecture does, and the NumPy layers of `course_utils.layers` (notebook 01). The maths is
# written in column vectors, the code in rows (`x @ Wx`): notebook 01's
# [notation table](01_rnn_basics.ipynb#notation-table) maps one to the other.

# %%
chars = ["h", "e", "l", "o"]
inputs, targets = [0, 1, 2, 2], [1, 2, 2, 3]  # "hell" -> "ello"
x = np.eye(4)[inputs][None]  # (N=1, T=4, D=4) one-hot
y, mask = np.array([targets]), np.ones((1, 4), dtype=bool)
rng = np.random.default_rng(0)
H = 3
params = dict(Wx=rng.normal(0, 0.5, (4, H)), Wh=rng.normal(0, 0.5, (H, H)), b=np.zeros(H),
              Wy=rng.normal(0, 0.5, (H, 4)), by=np.zeros(4))


def loss_and_gradients(p):
    """Forward through the RNN and the output layer, then back. Returns loss, grads, scores."""
    h, rnn_cache = layers.rnn_forward(x, np.zeros((1, H)), p["Wx"], p["Wh"], p["b"])
    scores, out_cache = layers.temporal_affine_forward(h, p["Wy"], p["by"])
    loss, dscores = layers.temporal_softmax_loss(scores, y, mask)
    dh, dWy, dby = layers.temporal_affine_backward(dscores, out_cache)
    _, _, dWx, dWh, db = layers.rnn_backward(dh, rnn_cache)
    return loss, dict(Wx=dWx, Wh=dWh, b=db, Wy=dWy, by=dby), scores[0]

# %% [markdown]
# Training is a loop of "forward, backward, step". Like Karpathy's min-char-rnn we use Adagrad,
# which divides each step by the running size of that parameter's gradients:

# %%
memory = {k: np.zeros_like(v) for k, v in params.items()}
for iteration in range(201):
    loss, grads, scores = loss_and_gradients(params)
    for k in params:
        memory[k] += grads[k] ** 2
        params[k] -= 0.3 * grads[k] / np.sqrt(memory[k] + 1e-8)
    if iteration % 50 == 0:
        predicted = "".join(chars[i] for i in scores.argmax(1))
        print(f"iteration {iteration:3d}: loss {loss:.4f}, predicts '{predicted}' from 'hell'")

# %% [markdown]
# The output layer's scores at each step, as on the lecture's slide (the target is framed):

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(5.5, 3.6))
image = ax.imshow(scores.T, cmap="cividis")
for t, target in enumerate(targets):
    ax.add_patch(plt.Rectangle((t - 0.5, target - 0.5), 1, 1, fill=False, lw=2.5,
                               color=plots.PALETTE["vermillion"]))
    for v in range(4):
        ax.text(t, v, f"{scores[t, v]:.1f}", ha="center", va="center", fontsize=9,
                color="white" if scores[t, v] < scores.max() / 2 else "black")
ax.set(xticks=range(4), xticklabels=[f"input '{chars[i]}'" for i in inputs], yticks=range(4),
       yticklabels=chars, ylabel="output score for", title="Scores y_t after training")
fig.colorbar(image, ax=ax)
plt.show()
assert "".join(chars[i] for i in scores.argmax(1)) == "ello", "the model should predict 'ello'"

# %% [markdown]
# At test time the model writes: give it "h", take its prediction, **feed it back in** as the next
# input, and repeat. Taking the most likely character each time (greedy) reproduces "hello";
# sampling from the softmax instead gives the model room to vary (here it has learned so well that
# it rarely does).

# %%
def generate_hello(p, first="h", length=4, greedy=True, seed=0):
    rng, h, text = np.random.default_rng(seed), np.zeros((1, H)), first
    for _ in range(length):
        h, _ = layers.rnn_step_forward(np.eye(4)[[chars.index(text[-1])]], h, p["Wx"], p["Wh"], p["b"])
        probs = sampling.softmax_with_temperature((h @ p["Wy"] + p["by"])[0])
        text += chars[probs.argmax() if greedy else rng.choice(4, p=probs)]
    return text


print("greedy :", generate_hello(params))
print("sampled:", [generate_hello(params, greedy=False, seed=s) for s in range(4)])
assert generate_hello(params) == "hello"

# %% [markdown]
# ## 2. Real text: Shakespeare
#
# The course ships about a megabyte of Shakespeare's plays in `data/shakespeare/`, made once by
# `scripts/make_shakespeare.py` from Project Gutenberg's public-domain texts (its
# `PROVENANCE.json` says where from). The last 10 % of every play is held out for validation.
# Loading checks each file's sha256.

# %% tags=["autograde-skip"]
train_text, valid_text, provenance = load_shakespeare()
vocab = Vocabulary(provenance["vocabulary"])
train_ids, valid_ids = (torch.tensor(vocab.encode(t)) for t in (train_text, valid_text))
print(f"train: {len(train_text):,} characters, validation: {len(valid_text):,} characters")
print(f"vocabulary: {len(vocab)} characters: {vocab.chars!r}")
for name, info in provenance["files"].items():
    print(f"sha256 {name}: {info['sha256']}")
print("---\n" + train_text[2000:2300])

# %% [markdown]
# How good is good? A model is scored by its average **cross-entropy** on the validation text, in
# nats per character ($-\ln p$ of the right character), or in bits ($-\log_2 p$; divide nats by
# $\ln 2$). Two baselines: guessing uniformly among the characters, $\ln V$ nats, and the
# **unigram** model that knows only how often each character occurs.

# %% tags=["autograde-skip"]
counts = np.bincount(train_ids.numpy(), minlength=len(vocab)) + 1  # +1: no zero probabilities
unigram = counts / counts.sum()
baselines = {"uniform": np.log(len(vocab)), "unigram": -np.log(unigram[valid_ids.numpy()]).mean()}
for name, nats in baselines.items():
    print(f"{name:8s}: {nats:.3f} nats/char = {nats / np.log(2):.3f} bits/char")

# %% [markdown]
# ## 3. An LSTM language model, trained live
#
# A many-to-many model: embedding → LSTM → scores over the vocabulary at every step, trained to
# predict each next character. The text is far too long to backprop through at once, so we use
# **truncated BPTT** (notebook 01): cut the text into parallel streams, read them in chunks,
# carry the state from chunk to chunk and stop the gradient at each boundary.
#
# Two things here are used before they are explained: the **LSTM** (a recurrent cell with gates
# and a separate memory $c_t$; notebook 05 builds it from its equations) and **gradient clipping**
# (`clip_grad_norm_` scales the gradient down when its norm passes `clip`; notebook 04 shows why
# recurrent nets need it). For now: the LSTM is a drop-in for `nn.RNN` that learns longer
# dependencies, and clipping keeps one bad step from throwing training off.
#
# Here is the whole training loop. It is yours to change: edit it and re-run the cells below.
# (`course_utils.train.train_tbptt` holds the same loop for the scripts and benchmarks; a test
# checks that the two agree.)

# %%
def train_tbptt(model, ids, steps, batch=64, seq=100, lr=3e-3, clip=1.0, on_step=None):
    """Train a CharLM for `steps` chunks of truncated BPTT on the text ids: (L,).
    on_step(step, loss) runs after every step; the model is left in eval mode. Returns losses,
    seconds, chars_per_second."""
    data = train.as_streams(ids, batch)  # (batch, L // batch): parallel streams of the text
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    position, state, losses = 0, None, []
    model.train()
    start = time.perf_counter()
    for step in tqdm(range(steps), desc="training", mininterval=1.0):
        if position + seq + 1 > data.shape[1]:  # end of the text: start again, fresh state
            position, state = 0, None
        x = data[:, position:position + seq]  # (batch, seq) inputs ...
        y = data[:, position + 1:position + seq + 1]  # ... and the next characters
        logits, state = model(x, detach_state(state))  # carry the state, stop the gradient
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)  # notebook 04
        optimizer.step()
        position += seq
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, loss.item())
    model.eval()  # done training: dropout off for evaluation and sampling
    seconds = time.perf_counter() - start
    return dict(losses=losses, seconds=seconds, chars_per_second=steps * batch * seq / seconds)

# %% [markdown]
# A fixed number of training steps (450 chunks of 64 × 100 characters), not a fixed time: a
# one-layer LSTM with 256 units (`CELL` can be `"gru"` or `"rnn"` too). On a quiet laptop CPU it
# takes about a minute; how long depends on the machine and on what else runs on it, but the
# result does not. The plot updates as it learns.
#
# One setting is about speed, not learning: `row_groups=4`. The 64 streams never meet (each row
# carries its own state), so the LSTM runs them as four groups of 16 on as many threads as there
# are cores, and puts the pieces back together: the outputs and gradients of one batch of 64, up
# to rounding, and the same numbers on one core or many. Torch's own threads would instead split
# every matrix product and wait for each other after each one; when another program keeps a core
# busy, one of them is nearly always waiting. The groups meet twice a step, and a thread that
# gets more of the machine simply takes more of them (`course_utils.parallel` has the
# measurements; a GPU takes the batch whole).

# %% tags=["autograde-skip"]
CELL = "lstm"
quick = train.QUICK_CHARLM
print(quick)
seed_everything(0)
quick_model = CharLM(len(vocab), **{**quick["model"], "cell": CELL}).to(dev)
QUICK_STEPS = quick["steps"]
print(f"{sum(p.numel() for p in quick_model.parameters()):,} parameters; its 64 streams run as "
      f"{quick_model.row_groups} groups on {parallel.group_workers(quick_model.row_groups)} threads")

# %% tags=["autograde-skip"]
def redraw(step, loss):
    """Called after every training step: redraw the live plot every 50 steps."""
    live_losses.append(loss)
    if step % 50 == 0 or step == QUICK_STEPS - 1:
        ax.clear()
        ax.plot(live_losses, color=plots.PALETTE["blue"], label="training loss")
        for (name, nats), style in zip(baselines.items(), ("--", ":")):
            ax.axhline(nats, color="0.5", ls=style, label=name)
        ax.set(xlabel="step", ylabel="nats per character", title="Training, live", ylim=(0, 4.5))
        ax.legend(loc="upper right")
        handle.update(fig)

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(7, 3.3))
handle, live_losses = display(fig, display_id=True), []  # one plot, redrawn in place
result = train_tbptt(quick_model, train_ids.to(dev), QUICK_STEPS, quick["batch"], quick["seq"],
                     quick["lr"], on_step=redraw)
plt.close(fig)  # already shown above
quick_nats = train.evaluate_nats(quick_model, valid_ids.to(dev))
print(f"{QUICK_STEPS} steps in {result['seconds']:.0f} s on this machine "
      f"({result['chars_per_second']:,.0f} chars/s); "
      f"validation: {quick_nats:.3f} nats/char = {quick_nats / np.log(2):.3f} bits/char")

# %% tags=["autograde-skip"]
assert quick_nats < baselines["unigram"] - 1, "450 steps of training should beat the unigram model"
assert quick_nats <= 1.85, "the course's goal for 450 steps of training"

# %% [markdown]
# What it writes after 450 steps (we will meet `sampling.sample` properly in section 5):

# %% tags=["autograde-skip"]
print(sampling.sample(quick_model.cpu(), vocab, "Ham.\n", 300, temperature=0.8))

# %% [markdown]
# ## 4. A model trained for longer, shipped with the course
#
# `scripts/train_charlm.py` trained a two-layer LSTM (384 units) for much longer on a 2-core CPU;
# `data/shakespeare/manifest.json` records how (seed, steps, time, characters seen, machine). We
# load it and score it on the same validation text. Loading checks the file's sha256 against the
# manifest and uses `torch.load(..., weights_only=True)`, which unpickles tensors and plain
# containers only, not arbitrary objects. That makes a malicious file much harder to build, but
# it is not a proof that loading cannot run code: in torch up to 2.5.1 a crafted file could run
# code even with `weights_only=True` (CVE-2025-32434, fixed in 2.6). Load checkpoints only from
# sources you trust, with a current torch; the checksum ties this one to the file the script made.

# %% tags=["autograde-skip"]
model, entry = load_charlm()  # sha256 checked, weights_only=True; float16 on disk, float32 here
checkpoint_nats = train.evaluate_nats(model, valid_ids)
print(f"trained {entry['seconds'] / 60:.0f} min, {entry['chars_seen'] / 1e6:.0f} M characters seen")
print(f"validation: {checkpoint_nats:.3f} nats/char = {checkpoint_nats / np.log(2):.3f} bits/char")
assert checkpoint_nats <= 1.45, "the shipped model should reach 1.45 nats/char"

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(7, 3))
names = ["uniform", "unigram", f"LSTM, {QUICK_STEPS} steps", "LSTM, shipped"]
values = [baselines["uniform"], baselines["unigram"], quick_nats, checkpoint_nats]
bars = ax.barh(names, values, color=[plots.PALETTE[c] for c in ("sky", "sky", "orange", "blue")])
ax.bar_label(bars, labels=[f"{v:.2f} nats = {v / np.log(2):.2f} bits" for v in values], padding=3)
ax.set(xlabel="validation cross-entropy (nats per character; lower is better)",
       xlim=(0, 5.8), title="How well each model predicts the next character")
ax.invert_yaxis()
plt.show()

# %% [markdown]
# ### Perplexity: the same number, read as a number of choices
# Language models are often scored by **perplexity**, the exponential of the cross-entropy:
#
# $$\mathrm{PPL} = e^{\text{nats per character}} = 2^{\text{bits per character}}.$$
#
# Both forms agree, because bits are nats divided by $\ln 2$. A model with perplexity $k$ is as
# uncertain, on average, as one choosing uniformly among $k$ characters: the uniform guess over
# $V$ characters has perplexity exactly $V$.

# %% tags=["autograde-skip"]
perplexity = {name: np.exp(nats) for name, nats in zip(names, values)}
for name, nats in zip(names, values):
    print(f"{name:15s}: {nats:.3f} nats/char -> perplexity e^nats = {np.exp(nats):5.2f}"
          f" = 2^bits = {2 ** (nats / np.log(2)):5.2f}")
assert np.isclose(perplexity["uniform"], len(vocab)), "uniform guessing: perplexity = V"
assert all(np.isclose(np.exp(n), 2 ** (n / np.log(2))) for n in values), "e^nats = 2^bits"
assert 3.0 < perplexity["LSTM, shipped"] < 4.3, "the shipped model: about 3.8 choices per char"
assert 25 < perplexity["unigram"] < 31, "the unigram model: about 28 choices per char"

# %% [markdown]
# The shipped model (perplexity printed above, about 3.8) hesitates, on average, as if between
# fewer than four characters, where the unigram model hesitates among about 28 of the 76. Beware
# comparing perplexities across vocabularies: per character and per word are different scales.
#
# ### Dropout, and where it sits in a recurrent net
# The shipped model was trained with **dropout** (`dropout=0.25` in its manifest): while training,
# each unit's value is set to zero with probability $p$ and the rest scaled by $1/(1-p)$, so the
# network cannot lean on any single unit; in evaluation (`model.eval()`, which `evaluate_nats`
# and `sampling.sample` call) it is switched off. In `nn.LSTM(..., num_layers=2, dropout=p)` the
# dropout acts on the **outputs of every layer but the last**, that is on $h^{(1)}_t$ on its
# way *up* into layer 2, at every step. It is **not** on the recurrent connection
# $h_{t-1} \to h_t$ (nor on $c_t$). Why not: a fresh mask at every step would hit the memory
# $T$ times along a sequence of length $T$, and what the state should carry far would be worn
# away; between layers each value passes through dropout once (Zaremba et al., 2014, "Recurrent
# neural network regularization"). Dropping on the recurrent path is possible with the *same*
# mask at every step (Gal & Ghahramani, 2016, "variational" dropout), which `nn.LSTM` does not
# do. The one-layer quick model has no layer boundary inside its LSTM, hence no dropout.

# %% tags=["autograde-skip"]
print("shipped:", model.rnn, "| manifest:", entry["training"]["dropout"])
print("quick:  ", quick_model.rnn)
probe = valid_ids[:200][None]
with torch.no_grad():
    model.train()  # dropout on: two passes over the same text give different scores
    noisy = [model(probe)[0] for _ in range(2)]
    model.eval()  # dropout off: the same scores every time
    clean = [model(probe)[0] for _ in range(2)]
print(f"largest difference between two passes: train mode {(noisy[0] - noisy[1]).abs().max():.2f},"
      f" eval mode {(clean[0] - clean[1]).abs().max():.2f}")
assert model.rnn.dropout == entry["model"]["dropout"] == 0.25 and quick_model.rnn.dropout == 0
assert not torch.equal(*noisy) and torch.equal(*clean), "dropout acts in training only"

# %% [markdown]
# Its samples:

# %% tags=["autograde-skip"]
print(sampling.sample(model, vocab, "Ham.\n", 500, temperature=0.8))

# %% [markdown]
# It reads like (bad) Shakespeare: speaker names on their own lines, verse-like line lengths,
# archaic words, punctuation in plausible places, and no sense at all. Every character of it was
# chosen from the model's own predictions, one at a time.
#
# ## 5. Sampling: temperature, top-k, priming
#
# The model gives scores $y$ for the next character; sampling draws from
# $p = \mathrm{softmax}(y / \tau)$. The **temperature** $\tau$ reshapes the distribution: $\tau < 1$
# sharpens it (safer, more repetitive text), $\tau > 1$ flattens it (more surprising, more
# misspelled). $\tau \to 0$ is greedy decoding. (The course writes temperature $\tau$ everywhere;
# $T$ is the length of a sequence.)
#
# ### Exercise 1 (2 points): softmax with temperature
# Write `softmax_with_temperature(logits, temperature)`: the probabilities
# $\mathrm{softmax}(\text{logits} / \tau)$ for a 1-D array of scores. Subtract the maximum before
# exponentiating, so that large scores do not overflow.

# %% nbgrader={"grade": false, "grade_id": "softmax_with_temperature", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_with_temperature(logits, temperature=1.0):
    """logits: (V,) NumPy float64, temperature > 0 -> probabilities: (V,), NumPy or torch,
    float64 or float32. With exp and a sum: the course's, torch's or SciPy's softmax fails."""
    ### BEGIN SOLUTION
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = np.exp(z - z.max())
    return z / z.sum()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_softmax_with_temperature", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_softmax_with_temperature(softmax_with_temperature)

# %% [markdown]
# ### Exercise 2 (2 points): top-k
# Temperature still leaves every character some chance. **Top-k** sampling keeps only the $k$
# most likely characters and renormalises. Write `top_k_filter(probs, k)`.

# %% nbgrader={"grade": false, "grade_id": "top_k_filter", "locked": false, "schema_version": 3, "solution": true, "task": false}
def top_k_filter(probs, k):
    """probs: (V,) NumPy float64, k in 1..V -> (V,): all but the k largest set to 0, the rest
    renormalised to sum to 1; NumPy or torch, float64 or float32."""
    ### BEGIN SOLUTION
    keep = np.argsort(probs)[-k:]
    filtered = np.zeros_like(probs)
    filtered[keep] = probs[keep]
    return filtered / filtered.sum()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_top_k_filter", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_top_k_filter(top_k_filter)

# %% [markdown]
# How much choice does the model leave? The **entropy** of the next-character distribution,
# averaged over 2,000 positions of the validation text, as the temperature changes:

# %% tags=["autograde-skip"]
with torch.no_grad():
    logits, _ = model(valid_ids[:2001][None])
positions = logits[0, :-1].numpy()
temperatures = np.linspace(0.1, 2.0, 20)
mean_entropy = [np.mean([sampling.entropy_nats(sampling.softmax_with_temperature(row, t))
                         for row in positions]) for t in temperatures]
fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(temperatures, mean_entropy, "o-", ms=4, color=plots.PALETTE["blue"], label="model")
ax.axhline(np.log(len(vocab)), color="0.5", ls="--", label="uniform (most uncertain)")
ax.set(xlabel="temperature τ", ylabel="entropy of p (nats)",
       title="Temperature trades certainty for variety")
ax.legend()
plt.show()
assert np.all(np.diff(mean_entropy) > 0), "entropy should grow with temperature"

# %% [markdown]
# The same prime at four temperatures:

# %% tags=["autograde-skip"]
columns = [(t, sampling.sample(model, vocab, "Ham.\n", 220, temperature=t, seed=1))
           for t in (0.4, 0.8, 1.0, 1.5)]
cells = "".join(f"<td style='vertical-align:top; padding:6px'><b>τ = {t}</b><pre style='white-space:"
                f"pre-wrap'>{html.escape(text)}</pre></td>" for t, text in columns)
display(HTML(f"<table><tr>{cells}</tr></table>"))

# %% [markdown]
# Your turn: write a prime of as many lines as you like (characters outside the vocabulary are
# dropped), set the sliders, and press **Write** to sample 300 characters. Top-k 0 means "keep
# all".

# %% tags=["autograde-skip"]
def write(prime="ROMEO.\nBut soft", temperature=0.8, top_k=0, seed=0):
    prime = "".join(c for c in prime if c in vocab.index) or "\n"
    text = sampling.sample(model, vocab, prime, 300, temperature, top_k or None, seed)
    print(prime + text)


wide = dict(style={"description_width": "initial"}, layout=ipywidgets.Layout(width="420px"))
ipywidgets.interact_manual.options(manual_name="Write")(
    write, prime=ipywidgets.Textarea("ROMEO.\nBut soft", rows=4, description="prime", **wide),
    temperature=ipywidgets.FloatSlider(0.8, min=0.1, max=2.0, step=0.1,
                                       description="temperature τ", **wide),
    top_k=ipywidgets.IntSlider(0, 0, 20, description="top-k (0 = all)", **wide),
    seed=ipywidgets.IntSlider(0, 0, 9, description="seed", **wide));

# %% [markdown]
# ## 6. What do the hidden units learn?
#
# Karpathy's "The Unreasonable Effectiveness of Recurrent Neural Networks" found single LSTM cells
# that track quotes, brackets or the position in a line. Let us look for ours. We run the shipped
# model over 20,000 characters of validation text, keep the cell state $c_t$ of its top layer
# (the LSTM's long-term memory), and correlate every unit with three things we can name:
# being **inside square brackets** (stage directions like `[Exit.]`), the **position in the line**,
# and being **at the start of a line**.

# %% tags=["autograde-skip"]
def top_layer_cells(model, ids):
    """Cell states c_t of the top LSTM layer, step by step: (T, hidden). torch's LSTM returns
    every h_t but only the last c_t; with every h_t known, the top layer's gates come from one
    matrix product, and c_t = f * c_{t-1} + i * g is a loop of element-wise products."""
    rnn = model.rnn
    lower = torch.nn.LSTM(rnn.input_size, rnn.hidden_size, batch_first=True)
    upper = torch.nn.LSTM(rnn.hidden_size, rnn.hidden_size, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lower, f"{name}_l0").copy_(getattr(rnn, f"{name}_l0"))
            getattr(upper, f"{name}_l0").copy_(getattr(rnn, f"{name}_l1"))
        below = lower(model.embed(ids[None]))[0][0]  # the top layer's inputs: (T, hidden)
        above, (_, c_last) = upper(below[None])
        above = above[0]  # its outputs h_t: (T, hidden); c_last: torch's own c_T
        h_before = torch.cat([torch.zeros_like(above[:1]), above[:-1]])  # h_{t-1}
        z = (below @ rnn.weight_ih_l1.T + rnn.bias_ih_l1
             + h_before @ rnn.weight_hh_l1.T + rnn.bias_hh_l1)  # every step's gates: (T, 4 hidden)
        i, f, g, _ = z.chunk(4, dim=1)  # torch's gate order: i, f, g, o
        i, f, g = torch.sigmoid(i).numpy(), torch.sigmoid(f).numpy(), torch.tanh(g).numpy()
    cells, c = np.empty_like(g), np.zeros_like(g[0])
    for t in range(len(g)):
        c = cells[t] = f[t] * c + i[t] * g[t]
    assert np.allclose(c, c_last[0, 0].numpy(), rtol=1e-4, atol=1e-3), "c_T should be torch's"
    return cells


snippet = valid_text[:20000]
cells_c = top_layer_cells(model, torch.tensor(vocab.encode(snippet)))
depth = np.cumsum([(ch == "[") - (ch == "]") for ch in snippet])
features = {
    "inside [brackets]": (depth > 0).astype(float),
    "position in line": np.array([i - snippet.rfind("\n", 0, i + 1) for i in range(len(snippet))],
                                 dtype=float),
    "start of a line": np.array([i == 0 or snippet[i - 1] == "\n" for i in range(len(snippet))],
                                dtype=float),
}


def correlations(activations, feature):
    a = (activations - activations.mean(0)) / (activations.std(0) + 1e-8)
    f = (feature - feature.mean()) / (feature.std() + 1e-8)
    return a.T @ f / len(f)  # Pearson correlation of every unit with the feature


best = {}
for name, feature in features.items():
    r = correlations(cells_c, feature)
    unit = int(np.abs(r).argmax())
    best[name] = (unit, r[unit])
    print(f"{name:18s}: unit {unit:3d}, correlation {r[unit]:+.2f}")

# %% tags=["autograde-skip"]
def colour_text(text, values):
    """HTML: each character on a background from blue (low) through white to red (high)."""
    scale = np.abs(values).max() + 1e-8
    spans = []
    for ch, v in zip(text, values / scale):
        r, g, b = (255, int(255 * (1 - v)), int(255 * (1 - v))) if v > 0 else \
                  (int(255 * (1 + v)), int(255 * (1 + v)), 255)
        shown = "↵<br>" if ch == "\n" else html.escape(ch)
        spans.append(f"<span style='background:rgb({r},{g},{b})'>{shown}</span>")
    return "<div style='font-family:monospace; line-height:1.5'>" + "".join(spans) + "</div>"


window = slice(max(0, snippet.find("[") - 120), snippet.find("[") + 280)
for name, (unit, r) in best.items():
    display(HTML(f"<p><b>unit {unit}</b> ({name}, correlation {r:+.2f})</p>"
                 + colour_text(snippet[window], cells_c[window, unit] * np.sign(r))))

# %% tags=["autograde-skip"]
assert abs(best["inside [brackets]"][1]) > 0.5, "some unit should track stage directions"
assert abs(best["position in line"][1]) > 0.5, "some unit should track the position in the line"

# %% [markdown]
# Nobody told the model about brackets or lines: these units exist because tracking them helps
# predict the next character (after `[`, expect `Exit.` or `Enter`; late in a line, expect a
# newline). Most units are harder to name: the code is spread across many of them.
#
# ## Exercises
# Graded (checked above): **1** `softmax_with_temperature` (2 points), **2** `top_k_filter`
# (2 points).
#
# To explore (not graded):
# 3. Set `CELL = "rnn"` (or `"gru"`) in section 3 and rerun: how far does a vanilla RNN get in the
#    same 450 steps? Which is fastest per step on your machine?
# 4. Prime the shipped model with a name that appears in these plays (`"Mac."`, `"Oth."`,
#    `"Jul."`) and with one that does not. Does the style change?
# 5. Find a unit for "inside a quotation" or "after a question mark". Does one exist?
# 6. Change the training loop in section 3 (no clipping, or a plain SGD optimizer) and rerun it.
#    What happens to the live loss curve?
#
# ### Review questions (from the lecture's summary)
# Answer them in your own words first; then open the answer.
# 1. How does an RNN handle a text?
#    <details><summary>Answer</summary>One character at a time: each is embedded (one-hot in
#    section 1), the state $h_t$ is updated from $h_{t-1}$ and it with the same weights at every
#    step, and the scores $y_t$ predict the next character. Training reads the text in chunks,
#    carrying the state and stopping the gradient between them (truncated BPTT); writing feeds
#    each sampled character back in as the next input.</details>
# 2. What is the main difference between an RNN and an LSTM?
#    <details><summary>Answer</summary>The LSTM adds a cell state $c_t$ that is updated
#    additively, $c_t = f \odot c_{t-1} + i \odot g$, under input, forget and output gates that
#    the network computes itself. Gradients can flow along $c_t$ without being multiplied by the
#    same matrix at every step, so the LSTM learns much longer dependencies than the vanilla RNN,
#    whose gradients vanish or explode (notebooks 04 and 05).</details>
#
# **What's next:** notebook 04 explains why the vanilla RNN needs help: gradients that vanish and
# explode. Notebook 05 shows how the LSTM you used here gets that help.
