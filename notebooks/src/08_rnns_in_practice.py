# %% [markdown]
# # 08 · RNNs in practice: Markov chains, clinics, confidence and cameras
#
# The lecture closes by leaving the toy problems: how an RNN differs from the counting models
# that came before it, what recurrent models do with patients' records and with MRI scans, what
# a machine's "99 % confident" should mean to the person in front of it, and how the camera
# itself can become a layer of the network. Each of those claims gets a measurement here.
#
# After this notebook you will be able to
# - build a smoothed character n-gram model and show, in bits per character, why an RNN beats
#   it: no Markov assumption, long-range context, no sparse counts to smooth;
# - generate visit-sequence health records in which *order* carries the risk, and show that a
#   GRU reads what a bag-of-codes model cannot;
# - draw a reliability diagram, compute the expected calibration error (ECE), fix it with
#   temperature scaling, and watch the fix fail when the data shift;
# - train a physical acquisition step (a colour filter) jointly with a CNN, and say what it
#   learned.
#
# **Time to run:** about a minute on a laptop CPU (every model trains live, in seconds; the
# character model ships with the course). Two graded exercises (5 points).

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from course_utils import calibration, checks, ngram, plots, train
from course_utils.data import eeg
from course_utils.data.ehr import CODES, ORDER_PAIR, make_ehr
from course_utils.data.scenes import COLOURS, SHAPES, render
from course_utils.data.text import Vocabulary, load_shakespeare
from course_utils.models import RNNClassifier, load_charlm
from course_utils.runtime import device, seed_everything

seed_everything(0)
dev = device()
P = plots.PALETTE

# %% [markdown]
# ## 1. RNN vs Markov
#
# Before RNNs, a language model was a table of counts. An **n-gram** model makes the *Markov
# assumption*: the next character depends only on the $n - 1$ before it,
#
# $$p(x_t \mid x_1, \dots, x_{t-1}) \approx p(x_t \mid x_{t-n+1}, \dots, x_{t-1}),$$
#
# estimated by counting in the training text. An RNN makes no such cut: its state $h_{t-1}$ is a
# summary of *everything* read so far. The lecture's slide ("RNN vs Markov", deck 003) lists five
# differences: **(1) no Markov assumption**, **(2) long-term dependencies**, **(3) representational
# power**, **(4) "intelligent smoothing** by taking into account syntactic and semantic
# features", and **(5) transfer learning**. This section measures the first four on the same
# text and ends with the fifth. Smoothing first, which counts need: a context of 6 characters has
# $76^6 \approx 2 \times 10^{11}$ possible values, and a million characters of Shakespeare show a
# vanishing fraction of them. Count the sparsity on the course's split:

# %% tags=["autograde-skip"]
train_text, valid_text, provenance = load_shakespeare()
vocab = Vocabulary(provenance["vocabulary"])
train_ids, valid_ids = vocab.encode(train_text), vocab.encode(valid_text)
V, max_order = len(vocab), 7
counts = ngram.count_ngrams(train_ids, max_order, V)
print(f"{len(train_ids):,} training characters; {V}^6 = {float(V) ** 6:.1e} possible contexts "
      "of 6 characters")
for length, table in enumerate(counts["tables"]):
    seen = np.isin(ngram.context_codes(valid_ids, length, V), table["contexts"]).mean()
    print(f"contexts of {length} characters: {len(table['contexts']):>8,} distinct in training; "
          f"{1 - seen:6.1%} of validation positions have a context never seen in training")

# %% [markdown]
# An unseen context has no counts at all, and a context seen once or twice has unreliable ones.
# **Smoothing** moves probability towards what was not seen. Two ways (`course_utils.ngram`):
#
# - **add-$k$**: $p(x \mid c) = \dfrac{\mathrm{count}(c, x) + k}{\mathrm{count}(c) + kV}$, as if
#   every character had been seen $k$ extra times after every context;
# - **interpolated** (Witten-Bell): mix the $n$-gram's estimate with the $(n-1)$-gram's,
#   trusting a context more the more often it was seen,
#   $p_n(x \mid c) = \dfrac{\mathrm{count}(c, x) + u(c)\, p_{n-1}(x \mid c')}{\mathrm{count}(c) + u(c)}$,
#   with $u(c)$ the number of distinct characters seen after $c$, and $c'$ the context one
#   character shorter.
#
# Now the RNN: the two-layer LSTM of notebook 03, shipped with the course. We score every
# character of the validation text the way `train.evaluate_nats` does (16 streams, the state
# carried), but keep each character's loss, so the n-grams can be scored on exactly the same
# characters.

# %% tags=["autograde-skip"]
lstm, entry = load_charlm()  # notebook 03's shipped model, sha256-checked, in eval mode
lstm = lstm.to(dev)
streams = torch.from_numpy(valid_ids[:len(valid_ids) // 16 * 16].reshape(16, -1))
with torch.no_grad():
    logits, _ = lstm(streams[:, :-1].to(dev))            # (16, S - 1, V), state carried
    lstm_nats = F.cross_entropy(logits.transpose(1, 2), streams[:, 1:].to(dev),
                                reduction="none").cpu().numpy()
positions = np.arange(streams.numel()).reshape(16, -1)[:, 1:]     # where each scored char is
lstm_bits = lstm_nats.mean() / np.log(2)
print(f"LSTM: {lstm_nats.mean():.4f} nats/char = {lstm_bits:.3f} bits/char on "
      f"{lstm_nats.size:,} characters (the manifest says {entry['valid_nats']:.4f} nats/char)")
assert abs(lstm_nats.mean() - entry["valid_nats"]) < 0.01, "the same score as notebook 03"

# %% [markdown]
# And the n-grams, for $n = 1$ to 7, on the same characters (each with the text before it as
# context, as the LSTM had):

# %% tags=["autograde-skip"]
orders = np.arange(1, max_order + 1)
smoothings = {"add-k, k = 1": ("add_k", 1.0), "add-k, k = 0.01": ("add_k", 0.01),
              "interpolated (Witten-Bell)": ("interpolated", 1.0)}
ngram_nats = {name: {n: -ngram.log_probs(counts, valid_ids, n, smoothing, k) for n in orders}
              for name, (smoothing, k) in smoothings.items()}      # nats for every character
bits = {name: [per_n[n][positions.ravel()].mean() / np.log(2) for n in orders]
        for name, per_n in ngram_nats.items()}                  # on the LSTM's characters
print("n    " + "  ".join(f"{name:>26}" for name in bits))
for i, n in enumerate(orders):
    print(f"{n}    " + "  ".join(f"{values[i]:>26.3f}" for values in bits.values()))
print(f"LSTM {lstm_bits:.3f} bits/char")

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(8, 4))
for (name, values), colour, marker in zip(bits.items(), ["orange", "sky", "green"], "osD"):
    ax.plot(orders, values, marker=marker, color=P[colour], label=f"{name} n-gram")
ax.axhline(lstm_bits, color=P["blue"], lw=2, ls="--", label="LSTM (notebook 03, shipped)")
ax.axhline(np.log2(V), color="0.5", ls=":", label=f"uniform over {V} characters")
ax.set(xlabel="n (the model reads the n - 1 characters before)",
       ylabel="bits per character (validation)", ylim=(1.5, 6.6),
       title="Counting contexts gets better, then worse; it never reaches the RNN")
ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
plt.show()
best = {name: (orders[int(np.argmin(v))], min(v)) for name, v in bits.items()}
for name, (n, value) in best.items():
    print(f"{name}: best at n = {n}, {value:.3f} bits/char, {value - lstm_bits:.3f} above the LSTM")
assert all(value > lstm_bits + 0.1 for _, value in best.values()), "no n-gram reaches the LSTM"
assert all(values[-1] > min(values) + 0.05 for values in bits.values()), "long contexts hurt"

# %% [markdown]
# Each curve falls while longer contexts add information, then rises once most contexts are too
# rare to count (add-$k$, which spreads the same $k$ over 76 characters however little it knows,
# turns first and worst). Interpolation softens the turn but cannot remove it.
#
# **Where does the LSTM's lead come from?** Give it a Markov assumption too: start it from a
# zero state a fixed number of characters before the one it must predict, so it sees no more
# than that many. On 1,500 validation characters drawn at random:

# %% tags=["autograde-skip"]
sample = np.sort(np.random.default_rng(0).choice(positions.ravel()[positions.ravel() >= 64],
                                                 1500, replace=False))
truncated = {}
for context in (4, 8, 16, 32):
    windows = torch.from_numpy(np.stack([valid_ids[i - context:i + 1] for i in sample])).to(dev)
    with torch.no_grad():
        logits, _ = lstm(windows[:, :-1])                       # a fresh state, `context` chars
    truncated[context] = F.cross_entropy(logits[:, -1], windows[:, -1]).item() / np.log(2)
lstm_at = np.full(len(valid_ids), np.nan)                     # the LSTM's nats, by position
lstm_at[positions.ravel()] = lstm_nats.ravel()
lstm_sample_bits = lstm_at[sample].mean() / np.log(2)
ngram_sample_bits = {n - 1: ngram_nats["interpolated (Witten-Bell)"][n][sample].mean() / np.log(2)
                     for n in orders}                           # context n - 1
print("bits/char with a context of " + ", ".join(f"{k}: {v:.3f}" for k, v in truncated.items())
      + f" characters (LSTM), whole text: {lstm_sample_bits:.3f} (LSTM, state carried)")
print("bits/char with a context of "
      + ", ".join(f"{k}: {v:.3f}" for k, v in ngram_sample_bits.items())
      + " characters (interpolated n-gram)")

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(8, 3.6))
ax.plot(list(ngram_sample_bits)[1:], list(ngram_sample_bits.values())[1:], marker="D",
        color=P["green"], label="interpolated n-gram (context n - 1)")
ax.plot(list(truncated), list(truncated.values()), marker="o", color=P["blue"],
        label="LSTM, from a zero state")
ax.axhline(lstm_sample_bits, color=P["blue"], ls="--", label="LSTM, state carried (whole text)")
ax.set_xscale("log", base=2)
ax.set_xticks([1, 2, 4, 8, 16, 32], ["1", "2", "4", "8", "16", "32"])
ax.set(xlabel="characters of context the model sees", ylabel="bits per character",
       title="The LSTM's lead comes from context longer than any n-gram's")
ax.legend(fontsize=8)
plt.show()
assert truncated[32] < min(ngram_sample_bits.values()) - 0.1 < truncated[4], "long context wins"

# %% [markdown]
# Held to a few characters (and started from a zero state, which it never met in training) the
# LSTM does worse than counting; given a little more context than any useful n-gram it passes
# the best of them, and with its state carried through the whole text it does better still.
# An n-gram cannot use a context of 32 characters: the table at the top of this section shows
# how fast even 6-character contexts run out.
#
# **The slide's five differences, one by one**, with this section's numbers (the cell below
# computes the two not yet printed):

# %% tags=["autograde-skip"]
lstm_weights = sum(p.numel() for p in lstm.parameters())
table_numbers = {n: sum(len(t["pairs"]) + len(t["contexts"]) for t in counts["tables"][:n])
                 for n in orders}                     # counts an n-gram model keeps
print(f"LSTM: {lstm_weights:,} weights; n-gram tables: "
      + ", ".join(f"n = {n}: {table_numbers[n]:,}" for n in (5, 7)) + " counts")
unseen = ~np.isin(ngram.context_codes(valid_ids, 6, V), counts["tables"][6]["contexts"])
unseen = unseen[positions.ravel()]                    # on the LSTM's characters
unseen_bits = {n: ngram_nats["interpolated (Witten-Bell)"][n][positions.ravel()][unseen].mean()
               / np.log(2) for n in orders}
lstm_unseen_bits = lstm_nats.ravel()[unseen].mean() / np.log(2)
print(f"{unseen.mean():.1%} of the characters follow a 6-character context never seen in "
      f"training; there the LSTM scores {lstm_unseen_bits:.3f} bits/char, the interpolated "
      f"7-gram {unseen_bits[7]:.3f}, 6-gram {unseen_bits[6]:.3f}, the best n-gram (n = "
      f"{min(unseen_bits, key=unseen_bits.get)}) {min(unseen_bits.values()):.3f}")
assert lstm_unseen_bits < min(unseen_bits.values()) - 0.1, "the RNN smooths better"

# %% [markdown]
# 1. **No Markov assumption.** An n-gram's prediction is a function of the last $n - 1$
#    characters and nothing else; the LSTM's is a function of its state, which the whole text
#    so far has written. Cut the LSTM to a fixed window (the plot above) and it loses its lead.
# 2. **Long-term dependencies.** The n-grams stop gaining at $n = 4$ or 5 and then get *worse*;
#    the LSTM keeps gaining from 4 to 32 characters of context, and more with its state carried
#    (the plot's blue points and dashed line).
# 3. **Representational power.** The 7-gram keeps about as many numbers as the LSTM has weights
#    (printed above), yet scores worse than the 5-gram: its counts are a lookup table, one entry
#    per context it happened to see, and most are seen once. The LSTM's weights compute a
#    function of any history, so its numbers are shared by every context.
# 4. **Intelligent smoothing.** The n-gram smooths by rule: an unseen context falls back to a
#    shorter one (for those characters the 7-gram scores the same as the 6-gram, and worse than
#    the 5-gram). The LSTM's state is not a lookup key: histories that are alike in spelling,
#    grammar or meaning give nearby states, so an unseen context is treated like the seen ones
#    it resembles. On the characters after an unseen 6-character context it beats the best
#    n-gram by the margin printed above.
# 5. **Transfer learning.** Counts of Shakespeare say nothing about a context Shakespeare never
#    wrote, and cannot be reused for another task. An RNN's weights can start another model
#    and be fine-tuned on a little new data. Choi et al. (2016) report that Doctor AI (section
#    2), trained on one health system's records, could be adapted this way to another
#    institution's much smaller data set (MIMIC-II), starting from the trained weights.
#
# ## 2. In the clinic
#
# A patient's record is a sequence: visits, each a *set* of codes (diagnoses, prescriptions).
# **Doctor AI** (Choi et al. 2016) fed such sequences to a GRU to predict the next visit's codes;
# Choi et al. (2017) used the same kind of model for **early detection of heart-failure onset**,
# and found that it beat models that see only counts of codes. The reason, in miniature: in a
# bag of codes, *order* is lost.
#
# `course_utils.data.ehr.make_ehr` generates such records (synthetic; the codes have medical
# names to read easily, but the rule behind the label is invented, not medicine). The log-odds
# of future heart failure are a base value, plus a little for a few risk codes wherever they
# appear, plus `order_effect` if code A comes at an earlier visit than code B. Most patients
# have both A and B, in either order with equal chance. The recipe's knobs are visits per
# patient (min, max), background codes per visit (min, max) and `order_effect`, in log-odds:

# %% tags=["autograde-skip"]
recipe = dict(visits=(4, 12), codes_per_visit=(1, 3), order_effect=3.0)  # make_ehr's defaults
x_ehr, lengths, y_ehr, pattern = make_ehr(3000, **recipe, seed=0)
x_ehr_test, _, y_ehr_test, pattern_test = make_ehr(2000, **recipe, seed=1)
print("x:", x_ehr.shape, "= (patients, visits, codes); A, B =", ORDER_PAIR)
print(f"heart failure in {y_ehr.mean():.0%} of patients; A then B: {(pattern == 1).mean():.0%}, "
      f"B then A: {(pattern == -1).mean():.0%}, not both: {(pattern == 0).mean():.0%}")
patient = int(np.flatnonzero(pattern == 1)[0])
for t in range(x_ehr.shape[1] - lengths[patient], x_ehr.shape[1]):
    print(f"  visit {t - x_ehr.shape[1] + lengths[patient] + 1}:",
          ", ".join(CODES[c] for c in np.flatnonzero(x_ehr[patient, t])))

# %% [markdown]
# Two models, trained with the same loop as notebook 02 (`train.fit_classifier`):
#
# - **bag of codes**: logistic regression on how often each code appears, $\sigma(w^\top
#   \sum_t x_t + b)$. It sees *what* happened, not *when*;
# - **GRU**: reads the visits in order, $h_t = \mathrm{GRU}(h_{t-1}, x_t)$, and scores the last
#   state (`RNNClassifier(readout="last")`; records are left-padded, so the last step is the
#   latest visit).
#
# (The epochs were set once, by hand, for each model: 30 for the logistic regression, 15 for
# the GRU, which has more weights and starts to memorise patients sooner.)
# We score each on 2,000 new patients with the **AUROC**: the chance that a random patient who
# develops heart failure gets a higher score than a random one who does not (0.5 is a coin).

# %%
class BagOfCodes(nn.Module):
    """Logistic regression on code counts: x (N, T, C) -> logits (N,)."""

    def __init__(self, codes):
        super().__init__()
        self.linear = nn.Linear(codes, 1)

    def forward(self, x):
        return self.linear(x.sum(dim=1)).squeeze(1)


def auroc(scores, labels):
    """P(score of a random positive > score of a random negative), ties counted half."""
    positive, negative = scores[labels == 1][:, None], scores[labels == 0][None, :]
    return (positive > negative).mean() + 0.5 * (positive == negative).mean()

# %% tags=["autograde-skip"]
ehr_train = torch.from_numpy(x_ehr).to(dev), torch.from_numpy(y_ehr).to(dev)
ehr_test = torch.from_numpy(x_ehr_test).to(dev)
clinic = {}
models = {"bag of codes": (lambda: BagOfCodes(len(CODES)), 30),                # (make, epochs)
          "GRU": (lambda: RNNClassifier(len(CODES), 16, "gru", readout="last"), 15)}
for name, (make, epochs) in models.items():
    torch.manual_seed(0)
    model = make().to(dev)
    train.fit_classifier(model, *ehr_train, epochs=epochs)
    with torch.no_grad():
        risk = torch.sigmoid(model(ehr_test)).cpu().numpy()
    clinic[name] = dict(risk=risk, auroc=auroc(risk, y_ehr_test),
                        accuracy=((risk > 0.5) == y_ehr_test).mean())
    print(f"{name:>12}: AUROC {clinic[name]['auroc']:.3f}, accuracy {clinic[name]['accuracy']:.3f}")
assert clinic["GRU"]["auroc"] > clinic["bag of codes"]["auroc"] + 0.08, "order matters"

# %% [markdown]
# Where does the GRU's advantage come from? Split the test patients by the order of A and B and
# compare each model's mean predicted risk with how often heart failure really followed:

# %% tags=["autograde-skip"]
groups = [(1, "A then B"), (-1, "B then A"), (0, "not both")]
fig, ax = plt.subplots(figsize=(7.5, 3.5))
for i, (name, colour) in enumerate([("observed", "0.6"), ("bag of codes", P["orange"]),
                                    ("GRU", P["blue"])]):
    values = [(y_ehr_test if name == "observed" else clinic[name]["risk"])[pattern_test == g].mean()
              for g, _ in groups]
    bars = ax.bar(np.arange(3) + (i - 1) * 0.27, values, 0.27, color=colour,
                  label="observed rate" if name == "observed" else f"{name}, mean predicted")
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
ax.set(xticks=range(3), xticklabels=[label for _, label in groups], ylim=(0, 1),
       xlabel="test patients, grouped by the order of codes A and B",
       ylabel="heart failure (fraction of patients)",
       title="The bag of codes gives both orders the same risk; the GRU does not")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The bag of codes sees the same counts for "A then B" and "B then A", so it must predict the
# average of the two; the GRU follows the observed rates in both groups.
#
# **Beyond records: dynamic MRI.** A cardiac MRI acquires a sequence of frames of the beating
# heart. Each frame is measured in **k-space** (its Fourier transform), line by line, and to be
# fast the scanner skips most lines: $k_t = M_t \mathcal{F} x_t + \text{noise}$, with $M_t$ a
# sampling mask. Filling the skipped lines with zeros and inverting gives images full of
# **aliasing** (folded copies of the anatomy). Qin et al., *Convolutional Recurrent Neural
# Networks for Dynamic MR Image Reconstruction* (IEEE TMI 2019), reconstruct with a
# **convolutional RNN**: the weights of an iterative reconstruction algorithm are unrolled into
# a network, with recurrence in two directions: **over time frames** (a bidirectional
# convolutional RNN, since neighbouring frames of a heartbeat look alike and were sampled with
# different masks, so one frame's missing lines are another's measured ones), and **over
# iterations** (hidden states carried from one refinement to the next, like an RNN's state
# carried from step to step). After each refinement a **data-consistency** step puts the
# measured k-space lines back, so the network only fills in what was not measured. Section 4
# asks the question one step earlier: could the mask itself be learned?
#
# ## 3. What does "99 % confident" mean?
#
# The lecture asks us to imagine four visits to a clinic a few years from now, each with a
# worrying spot on the skin:
#
# 1. No doctor is free; an imaging terminal looks at your arm and says you are fine. Do you
#    leave?
# 2. This time it adds that it is **99 % confident**, based on earlier marks that doctors
#    confirmed as benign, and shows you some: similar to yours, not identical.
# 3. A doctor glances at the machine's answer for ten seconds and agrees.
# 4. A purpose-built scanner reports 98 %, offers another scan with different lighting, then
#    reports 99 %, and offers to go on scanning.
#
# What would "99 %" have to mean for you to leave? At least this: among all the cases where the
# machine says 99 %, it is right 99 % of the time. That is **calibration**, and it can be
# measured. Take the RNN of notebook 02 (an LSTM reading EEG spectrograms, scared mouse or
# not), with one change to make its job hard enough to err: the theta bursts are half as loud
# (amplitude 1 instead of 2). Everything else is `eeg.LESSON`'s recipe. Besides the training and
# test sets we draw a **validation** set from the same distribution, to fit the fix on.

# %% tags=["autograde-skip"]
settings = dict(eeg.LESSON, amplitude=1.0)
print("notebook 02:", eeg.LESSON, "\nhere:       ", settings)


def eeg_frames(n, where, seed, amplitude=settings["amplitude"]):
    """n recordings -> (spectrogram frames (n, 48, 16), labels (n,)), as in notebook 02."""
    frames, labels, _ = eeg.make_frames(n, "burst", where, amplitude, seed)
    return frames, labels


eeg_train = eeg_frames(settings["train"], (0.0, 0.5), seed=1)
mean, std = eeg_train[0].mean(axis=(0, 1)), eeg_train[0].std(axis=(0, 1))
as_tensors = lambda data: (torch.from_numpy((data[0] - mean) / std).to(dev),
                           torch.from_numpy(data[1]).to(dev))
eeg_sets = {"validation": as_tensors(eeg_frames(settings["test"], (0.0, 0.5), seed=21)),
            "test": as_tensors(eeg_frames(settings["test"], (0.0, 0.5), seed=2)),
            "bursts at new times": as_tensors(eeg_frames(settings["test"], (0.5, 1.0), seed=3)),
            "another recording": as_tensors(eeg_frames(settings["test"], (0.0, 0.5), seed=22,
                                                       amplitude=0.6))}
print({name: tuple(x.shape) for name, (x, _) in eeg_sets.items()})

# %% tags=["autograde-skip"]
torch.manual_seed(0)
eeg_rnn = RNNClassifier(16, hidden_size=32, cell="lstm", readout="max").to(dev)
train.fit_classifier(eeg_rnn, *as_tensors(eeg_train), epochs=settings["epochs"])
with torch.no_grad():
    eeg_logits = {name: (eeg_rnn(x).cpu().numpy(), y.cpu().numpy())
                  for name, (x, y) in eeg_sets.items()}

# %% [markdown]
# A **reliability diagram** sorts the test recordings by the model's confidence (the
# probability of the class it predicts) into bins, and plots each bin's accuracy against its
# mean confidence. A calibrated model sits on the diagonal. The **expected calibration error**
# summarises the gaps, weighted by how many recordings each bin holds:
#
# $$\mathrm{ECE} = \sum_{b=1}^{B} \frac{n_b}{N} \left| \mathrm{acc}_b - \mathrm{conf}_b \right|.$$
#
# Here are the diagram's numbers, in a cell you can edit (the package's
# `calibration.reliability_bins` is the same function, with input checks; a test checks that they
# agree). You will write the ECE yourself in Exercise 1; until then we use the package's.

# %%
def reliability_bins(probs, labels, n_bins=10):
    """probs: (N, C) NumPy, labels: (N,) ints -> dict of (n_bins,) arrays: count, confidence
    (mean confidence in the bin), accuracy (fraction right); NaN in an empty bin."""
    confidence = probs.max(axis=1)                                       # (N,)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)        # (N,)
    # bin b holds confidences in (b / n_bins, (b + 1) / n_bins]; the first bin also holds 0
    which = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):                # 0 / 0 in empty bins
        return dict(count=count, confidence=np.bincount(which, confidence, n_bins) / count,
                    accuracy=np.bincount(which, correct, n_bins) / count)

# %% tags=["autograde-skip"]
logits_test, y_test = eeg_logits["test"]
probs_test = calibration.binary_probs(logits_test)
ece_before = calibration.expected_calibration_error(probs_test, y_test)
print(f"test accuracy {(probs_test.argmax(1) == y_test).mean():.3f}, mean confidence "
      f"{probs_test.max(1).mean():.3f}, ECE {ece_before:.3f}")

# %% [markdown]
# **Temperature scaling** (Guo et al. 2017) is the simplest fix: divide every logit by one
# number $\tau$ (the temperature of notebook 03's sampling), $\;p = \sigma(s / \tau)$, with
# $\tau$ chosen to minimise the negative log-likelihood on the *validation* set (never the test
# set, or the test would no longer test anything). $\tau > 1$ softens the probabilities; the
# predicted class, and so the accuracy, do not change.

# %% tags=["autograde-skip"]
tau = calibration.fit_temperature(*eeg_logits["validation"])
nll = {t: calibration.binary_nll(*eeg_logits["validation"], t) for t in (1.0, tau)}
print(f"fitted on validation: τ = {tau:.2f}; validation NLL {nll[1.0]:.3f} -> {nll[tau]:.3f} nats")
probs_scaled = calibration.binary_probs(logits_test, tau)
ece_after = calibration.expected_calibration_error(probs_scaled, y_test)
print(f"test ECE: {ece_before:.3f} before, {ece_after:.3f} after temperature scaling")
assert tau > 1, "the RNN is overconfident"
assert ece_after < 0.6 * ece_before, "temperature scaling should cut the in-distribution ECE"

# %%
def reliability_diagram(ax, probs, labels, title, colour):
    """Accuracy against mean confidence per bin (dots sized by count), and the diagonal."""
    bins = reliability_bins(probs, labels, n_bins=10)                 # the cell above
    full = bins["count"] > 0
    ax.plot([0.5, 1], [0.5, 1], color="0.5", ls=":", label="calibrated")
    ax.plot(bins["confidence"][full], bins["accuracy"][full], color=colour, marker="o",
            label="RNN, per bin")
    ax.scatter(bins["confidence"][full], bins["accuracy"][full], s=bins["count"][full] / 2,
               color=colour, alpha=0.3, label="bin size (area)")
    ece = calibration.expected_calibration_error(probs, labels)
    ax.set(xlim=(0.48, 1.01), ylim=(0.3, 1.01), xlabel="mean confidence in the bin",
           title=f"{title}\nECE {ece:.3f}")
    ax.legend(loc="upper left", fontsize=8)

# %% tags=["autograde-skip"]
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
reliability_diagram(axes[0], probs_test, y_test, "test, as trained (τ = 1)", P["vermillion"])
reliability_diagram(axes[1], probs_scaled, y_test, f"test, temperature scaled (τ = {tau:.2f})",
                    P["blue"])
axes[0].set_ylabel("accuracy in the bin")
plt.tight_layout()
plt.show()

# %% [markdown]
# As trained, the RNN sits below the diagonal: in almost every bin it is right less often than
# it claims, most visibly in the right-most bin, which holds most recordings. After scaling, its
# bins lie near the diagonal. But $\tau$ was fitted on data like the test set. Now two shifts,
# with the same $\tau$: bursts at times never seen in training (notebook 02's shift), and
# **another recording**, where the same bursts reach the electrode more weakly (amplitude 0.6
# instead of 1, as from an electrode placed further from the source). "(τ)" marks numbers
# after scaling with the fitted $\tau$:

# %% tags=["autograde-skip"]
shift_table = {}
print(f"{'test set':>22} {'accuracy':>9} {'confidence (τ)':>15} {'ECE, τ = 1':>11} "
      f"{'ECE (τ)':>8}")
for name in ["test", "bursts at new times", "another recording"]:
    logits, labels = eeg_logits[name]
    before, after = (calibration.binary_probs(logits, t) for t in (1.0, tau))
    shift_table[name] = dict(accuracy=(before.argmax(1) == labels).mean(),
                             confidence=after.max(1).mean(),
                             before=calibration.expected_calibration_error(before, labels),
                             after=calibration.expected_calibration_error(after, labels))
    row = shift_table[name]
    print(f"{name:>22} {row['accuracy']:9.3f} {row['confidence']:15.3f} {row['before']:11.3f} "
          f"{row['after']:8.3f}")
assert shift_table["another recording"]["after"] > 2 * shift_table["test"]["after"], \
    "a temperature fitted in distribution does not survive another recording"

# %% tags=["autograde-skip"]
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, name, colour in zip(axes, ["bursts at new times", "another recording"],
                            [P["green"], P["orange"]]):
    logits, labels = eeg_logits[name]
    reliability_diagram(ax, calibration.binary_probs(logits, tau), labels,
                        f"{name}, temperature scaled (τ = {tau:.2f})", colour)
axes[0].set_ylabel("accuracy in the bin")
plt.tight_layout()
plt.show()

# %% [markdown]
# The two shifts behave differently. Bursts at new times cost some accuracy, but the RNN's
# weights are shared across time, so its confidence falls with its accuracy and the fitted $\tau$
# still holds. On another recording the evidence itself is weaker, the model's accuracy falls
# further than its confidence, and the ECE grows again, with a temperature that was right a
# moment ago. Nothing in the model's output warns you which case you are in.
#
# Read the table against the four situations:
#
# - **Situation 2.** "99 % confident, given previous examples" is a statement about cases *like
#   the previous examples*. Our model's confidence means what it says on data like its
#   validation set; on another recording it claims more than it delivers. When the examples it
#   shows you "don't look 100 % like" your mark, that may be the shift, made visible. What would
#   you ask the machine to report besides its confidence?
# - **Situation 1.** Without any confidence, you cannot tell a sure answer from a guess. Is a
#   calibrated 90 % more useful to you than an uncalibrated 99 %?
# - **Situation 3.** A ten-second glance checks the answer, not the confidence. What would a
#   check of the *calibration* look like, and who should run it, how often?
# - **Situation 4.** Scanning again until the number is high enough is choosing among answers:
#   if each scan were an independent, calibrated 98 %, the second would add information; if the
#   scans are not independent (same lesion, same model, same blind spots) or the machine stops
#   when it likes the number, the 99 % means less than it says. Who should decide when to stop?
#
# ## 4. Physical layers: design the sensor with the network
#
# The lecture's brainstorm: *design an optimal X to produce the best image captions.* The X can
# be part of the camera. If the acquisition is a differentiable function of some parameters
# $\phi$, the image the network sees is $\tilde{x} = A_\phi(x) + \text{noise}$, and one gradient
# trains both: $\min_{\phi, \theta} \; \mathcal{L}(f_\theta(A_\phi(x)), y)$. In MRI, $\phi$ is
# the k-space sampling mask; in microscopy, the illumination pattern (the lecture's "Tissue
# Scanner 3000").
#
# Our version: a single-channel sensor behind a **colour filter**. The filter passes a fraction
# $w_R, w_G, w_B \geq 0$ of each colour, with $w_R + w_G + w_B = 1$ (the same light budget as any
# other filter; we write $w = \mathrm{softmax}(\phi)$ to keep it so), and the sensor adds read
# noise. The scenes are notebook 06's, one object each, at 32×32 pixels; a small CNN must name
# the object's colour and shape. The fixed baseline is an ordinary grey-scale camera, with the
# **luminance** response $w = (0.299, 0.587, 0.114)$.

# %% tags=["autograde-skip"]
def single_object_scenes(n, seed):
    """n scenes with one object each: images (n, 3, 32, 32), colour ids (n,), shape ids (n,)."""
    rng = np.random.default_rng(seed)
    colour, shape = rng.integers(0, len(COLOURS), n), rng.integers(0, len(SHAPES), n)
    images = [render([dict(colour=list(COLOURS)[c], shape=SHAPES[s],
                           size=("small", "big")[rng.integers(2)])],
                     [tuple(rng.integers(14, 50, 2))], rng) for c, s in zip(colour, shape)]
    images = F.avg_pool2d(torch.from_numpy(np.stack(images)), 2)
    return images.to(dev), torch.from_numpy(colour).to(dev), torch.from_numpy(shape).to(dev)


scene_train, scene_test = single_object_scenes(2000, seed=0), single_object_scenes(1000, seed=1)
LUMINANCE = torch.tensor([0.299, 0.587, 0.114])

# %% tags=["autograde-skip"]
class FilterSensor(nn.Module):
    """A colour filter on a grey-scale sensor: images (N, 3, H, W) -> (N, 1, H, W) + read noise.
    learn=False: the fixed luminance response; learn=True: w = softmax(phi), phi trained."""

    def __init__(self, learn, noise=0.15):
        super().__init__()
        self.phi = nn.Parameter(torch.zeros(3)) if learn else None
        self.register_buffer("fixed", LUMINANCE.clone())
        self.noise = noise

    def response(self):
        return torch.softmax(self.phi, 0) if self.phi is not None else self.fixed

    def forward(self, images):
        grey = torch.einsum("c,nchw->nhw", self.response(), images)[:, None]
        return grey + self.noise * torch.randn_like(grey)

# %% [markdown]
# The camera and the CNN are one model, trained by one optimiser; the loss is the sum of the
# colour and shape cross-entropies:

# %% tags=["autograde-skip"]
K = len(COLOURS)        # scores[:, :K] are the colours', scores[:, K:] the shapes'


def camera_and_cnn(learn):
    cnn = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1),
                        nn.Flatten(), nn.Linear(32, K + len(SHAPES)))
    return nn.Sequential(FilterSensor(learn), cnn).to(dev)

# %% tags=["autograde-skip"]
def camera_loss(model, rows):
    """The colour and the shape cross-entropy, summed, on training scenes `rows`."""
    images, colour, shape = (part[rows] for part in scene_train)
    scores = model(images)
    return F.cross_entropy(scores[:, :K], colour) + F.cross_entropy(scores[:, K:], shape)


shuffle = torch.Generator().manual_seed(0)
camera_batches = [rows for epoch in range(15)                  # 15 epochs of 64 scenes a batch
                  for rows in torch.randperm(len(scene_train[0]), generator=shuffle).split(64)]

# %% tags=["autograde-skip"]
cameras, camera_scores = {}, {}
for name, learn in [("fixed luminance", False), ("learned filter", True)]:
    torch.manual_seed(0)
    model = cameras[name] = camera_and_cnn(learn)
    # one optimiser for both parts: the filter's phi (if learned) and the CNN's weights
    train.train_steps(model, lambda step: camera_loss(model, camera_batches[step]),
                      len(camera_batches), clip=float("inf"), desc=name)
    with torch.no_grad():
        scores = cameras[name](scene_test[0])             # read noise at test time too
    colour_ok = scores[:, :K].argmax(1) == scene_test[1]
    shape_ok = scores[:, K:].argmax(1) == scene_test[2]
    outcomes = {"colour": colour_ok, "shape": shape_ok, "both": colour_ok & shape_ok}
    camera_scores[name] = {what: ok.float().mean().item() for what, ok in outcomes.items()}
    print(f"{name:>16}: accuracy "
          + ", ".join(f"{what} {value:.3f}" for what, value in camera_scores[name].items()))
learned_w = cameras["learned filter"][0].response().detach().cpu().numpy()
print("learned response (R, G, B):", learned_w.round(3))
assert camera_scores["learned filter"]["colour"] > camera_scores["fixed luminance"]["colour"] + 0.1

# %% [markdown]
# What did it learn? The grey level each colour (and the background) produces is
# $w^\top \mathrm{rgb}$. Under luminance, red and blue come out almost the same grey, which read
# noise then blurs together; the learned filter spreads the colours apart:

# %%
palette_rgb = np.array(list(COLOURS.values()) + [(0.9, 0.9, 0.9)])      # 4 colours + background
names = list(COLOURS) + ["background"]

# %% tags=["autograde-skip"]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw=dict(width_ratios=[1, 1.4]))
for i, (label, w, colour) in enumerate([("fixed luminance", LUMINANCE.numpy(), P["orange"]),
                                         ("learned filter", learned_w, P["blue"])]):
    axes[0].bar(np.arange(3) + (i - 0.5) * 0.38, w, 0.38, color=colour, label=label)
    levels = palette_rgb @ w
    axes[1].scatter(levels, np.full(5, i), s=160, c=palette_rgb, edgecolors="black")
    for rank, (level, name) in enumerate(sorted(zip(levels, names))):
        axes[1].annotate(name, (level, i), (0, 11 if rank % 2 else -17), textcoords="offset points",
                         ha="center", fontsize=8)
    print(f"{label}: smallest gap between two grey levels {np.diff(np.sort(levels)).min():.3f}")
axes[0].set(xticks=range(3), xticklabels=["red", "green", "blue"], ylabel="fraction transmitted",
            xlabel="colour channel", title="Spectral response of the filter")
axes[0].legend(fontsize=8)
axes[1].set(yticks=[0, 1], yticklabels=["fixed luminance", "learned filter"], ylim=(-0.5, 1.6),
            xlabel="grey level on the sensor (0 = black, 1 = white)",
            title=f"Where each colour lands on the sensor (read noise std "
                  f"{cameras['learned filter'][0].noise})")
plt.tight_layout()
plt.show()

# %% tags=["autograde-skip"]
fig, axes = plt.subplots(3, 6, figsize=(11, 6))
torch.manual_seed(1)
with torch.no_grad():
    seen = {name: cameras[name][0](scene_test[0][:6]).cpu() for name in cameras}
for j in range(6):
    axes[0, j].imshow(scene_test[0][j].cpu().numpy().transpose(1, 2, 0))
    title = f"{list(COLOURS)[scene_test[1][j]]} {SHAPES[scene_test[2][j]]}"
    axes[0, j].set_title(title, fontsize=8)
    for row, name in [(1, "fixed luminance"), (2, "learned filter")]:
        axes[row, j].imshow(seen[name][j, 0], cmap="gray", vmin=0, vmax=1)
for ax in axes.ravel():
    ax.axis("off")
for row, label in enumerate(["scene (colour)", "fixed luminance", "learned filter"]):
    axes[row, 0].text(-4, 16, label, rotation=90, va="center", ha="right", fontsize=9)
fig.suptitle("The same scenes as the CNN sees them: one grey channel, with read noise")
plt.tight_layout()
plt.show()

# %% [markdown]
# The camera learned to spend its one channel on what the task needs: grey levels far enough
# apart that read noise cannot confuse them, while every object still differs from the
# background so its shape stays visible. A k-space mask is learned the same way: make the
# choice of lines differentiable (a relaxed, probabilistic mask), put it in front of the
# reconstruction network, and train both. In both cases the design is only as good as the task
# and data it was trained on, which brings back the questions of section 3: a scanner designed
# for one kind of lesion carries that choice into every image it will ever take.
#
# ## Exercises
#
# **Exercise 1 (3 points). Expected calibration error.** Write `expected_calibration_error`
# with NumPy: `probs` has shape `(N, C)`, `labels` shape `(N,)`. Confidence is the largest
# probability of a row, the prediction its class. Use `n_bins` equal-width bins over $[0, 1]$;
# bin $b$ (from 0) holds confidences in $(b / B, (b + 1) / B]$, and the first bin also holds 0.
# Return $\sum_b (n_b / N) |\mathrm{acc}_b - \mathrm{conf}_b|$ over the non-empty bins.

# %% nbgrader={"grade": false, "grade_id": "expected_calibration_error", "locked": false, "schema_version": 3, "solution": true, "task": false}
def expected_calibration_error(probs, labels, n_bins=10):
    """probs: (N, C) NumPy float64, labels: (N,) ints, n_bins: int -> ECE, one number (a float,
    a NumPy scalar or a 0-d tensor). With NumPy: course_utils.calibration does not count."""
    ### BEGIN SOLUTION
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    which = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    total = 0.0
    for b in np.unique(which):
        in_bin = which == b
        total += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return total
    ### END SOLUTION
    raise NotImplementedError()

# %% nbgrader={"grade": true, "grade_id": "check_expected_calibration_error", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_expected_calibration_error(expected_calibration_error)

# %% [markdown]
# **Exercise 2 (2 points). Design the filter yourself.** Section 4's network found its filter by
# gradient descent. Design one by reasoning instead: choose `sensor_filter`, three fractions
# $(w_R, w_G, w_B)$, each $\geq 0$, summing to 1, so that the **smallest gap** between the five
# grey levels $w^\top \mathrm{rgb}$ (the four colours in `COLOURS` and the background, grey 0.9)
# is as large as possible: the more evenly they are spread, the less read noise confuses them.
# The check accepts a filter within 10 % of the best possible gap. A search over a grid of
# filters is one way; an argument on paper is another.

# %% nbgrader={"grade": false, "grade_id": "sensor_filter", "locked": false, "schema_version": 3, "solution": true, "task": false}
sensor_filter = None  # three numbers (w_R, w_G, w_B): a tuple, list, array or tensor
### BEGIN SOLUTION
grid = [(r, g, 1 - r - g) for r in np.linspace(0, 1, 101) for g in np.linspace(0, 1, 101)
        if r + g <= 1 + 1e-9]
sensor_filter = max(grid, key=lambda w: np.diff(np.sort(palette_rgb @ np.array(w))).min())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_sensor_filter", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_sensor_filter(sensor_filter)

# %% [markdown]
# ## What to take away
#
# - An n-gram model is a lookup table over the last $n - 1$ characters: longer contexts help
#   until they are too rare to count, and smoothing only softens that. An RNN's state has no
#   fixed horizon and shares what it learns across similar contexts.
# - When the order of events carries the signal (A then B, not B then A), a model over a bag of
#   codes cannot see it, and a GRU over the visits can.
# - Confidence is a claim that can be checked: a reliability diagram and the ECE measure it,
#   and temperature scaling, fitted on validation data, repairs it, for data like the
#   validation data only.
# - The acquisition can be a layer: trained with the network, a colour filter (or a k-space
#   mask) learns what the task needs, and inherits the task's and the data's limits.
#
# ## Review questions
#
# The lecture's summary questions (deck 002) that this notebook can answer:
#
# 1. *What are some examples of time-series data?* Name the three in this notebook (one is not
#    a series of numbers at equal time steps) and say what one step of each is.
# 2. *How does an RNN handle the data?* Contrast how the n-gram model and the LSTM of section 1
#    turn the characters before position $t$ into a prediction, and what each must store.
# 3. Which of the slide's five differences between RNNs and Markov models does section 2's
#    order effect (A then B) illustrate, and why can the bag of codes not learn it however long
#    it trains?
# 4. *What is the main difference between an RNN and an LSTM?* Section 3's EEG model is an
#    LSTM; what would you expect of a plain tanh RNN on recordings of 48 frames, and why?
#
# To go further: the lecture's reading (the Deep
# Learning Book's chapter 10, CS231n's lecture 10), Guo et al. (2017) *On Calibration of Modern
# Neural Networks*, and Qin et al. (2019) on convolutional RNNs for dynamic MRI.
