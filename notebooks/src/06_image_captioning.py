# %% [markdown]
# # 06 · Image captioning with a conditional RNN
#
# The lecture ends with a one-term change to the RNN:
#
# $$\text{before: } h = \tanh(W_{xh} x + W_{hh} h) \qquad
#   \text{now: } h = \tanh(W_{xh} x + W_{hh} h + W_{ih} v)$$
#
# where $v$ is what a CNN saw in the image. The RNN becomes a language model *conditioned on the
# image*: it writes a caption one word at a time, each word fed back in, as in notebook 03.
#
# After this notebook you will be able to
# - build a captioner from a small CNN and the lecture's conditional RNN (and an LSTM variant whose
#   initial state is set from the image), and say how Show and Tell feeds the image instead;
# - train it with teacher forcing, and decode greedily, by sampling, and with beam search;
# - score captions with BLEU-1..4 and exact match;
# - let the decoder *attend* to parts of the image, and see where it looks for each word;
# - find where it fails: a combination it never saw, and scenes busier than its training data,
#   in the spirit of the lecture's "a woman is holding a cat in her hand".
#
# **Time to run:** about a minute on a laptop CPU (trained models ship with the course; a short
# live run shows the loss falling). Two graded exercises (5 points).

# %%
import functools
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from course_utils import checks, decoding, plots, train
from course_utils.data.scenes import CaptionVocabulary, make_scenes
from course_utils.evaluation import bleu_scores, exact_match, objects_named
from course_utils.models import AttentionDecoder, Captioner, load_captioner
from course_utils.runtime import device, seed_everything

seed_everything(0)
dev = device()
vocab = CaptionVocabulary()

# %% [markdown]
# ## 1. A dataset that trains on a laptop
#
# COCO needs a download and hours; we *generate* scenes instead (`course_utils.data.scenes`):
# 64×64 images with one to three shapes (circle, square, triangle) in four colours and two
# sizes, and captions from a small grammar: one object ("a small red circle"), two in a spatial
# relation ("a big blue square to the left of a green triangle"), or several alike ("two yellow
# circles"). A scene usually has several correct captions (a relation can be said both ways,
# sizes can be left out); `references` holds them all, and the training caption is one of them
# at random, so the model meets paraphrases, as it would in COCO's five captions per image.
#
# **The compositional hold-out:** no training scene contains a *red triangle*. The model sees red
# things and triangles, never the two together.

# %%
train_images, train_captions, train_refs, train_scenes = make_scenes(2000, seed=0)
print("images:", train_images.shape, train_images.dtype)
print(f"vocabulary: {len(vocab)} words:", " ".join(vocab.words))
lengths = [len(c) for c in train_captions]
print(f"caption length: {min(lengths)} to {max(lengths)} words; references per scene: "
      f"{min(map(len, train_refs))} to {max(map(len, train_refs))}")
red_triangles = sum(any((o["colour"], o["shape"]) == ("red", "triangle") for o in scene)
                    for scene in train_scenes)
print("training scenes with a red triangle:", red_triangles)
assert red_triangles == 0

# %% tags=["autograde-skip"]
def gallery(images, titles, columns=6, size=2.0, colours=None):
    """Images (N, 3, 64, 64) in a grid with a caption under each."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * (size + 0.45)))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < len(images):
            ax.imshow(np.asarray(images[i]).transpose(1, 2, 0))
            ax.set_title(textwrap.fill(titles[i], 26), fontsize=7,
                         color="black" if colours is None else colours[i])
    plt.tight_layout()
    plt.show()


gallery(train_images[:12], [" ".join(caption) for caption in train_captions[:12]])

# %% [markdown]
# ## 2. The model: a CNN sees, an RNN writes
#
# The **encoder** is a small CNN (`course_utils.models.ImageEncoder`): four stride-2
# convolutions take the 64×64 image down to a 4×4 grid of 64 channels (printed and asserted
# below), which is flattened (so *where* things are survives, which the relations need) and
# projected to $v \in \mathbb{R}^{128}$.
#
# The **decoder** is the lecture's conditional RNN. At step $t$ it reads the embedding $x_t$ of
# the previous word, updates $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + W_{ih} v)$, and scores
# every word of the vocabulary, $y_t = W_{hy} h_t$. Here it is, in a cell you can edit and
# re-run (the package keeps the same class, `course_utils.models.ConditionalRNNDecoder`, for the
# scripts and tests; `tests/test_captioning.py` checks that the two agree):

# %%
class ConditionalRNNDecoder(nn.Module):
    """h_t = tanh(W_xh x_t + W_hh h_{t-1} + W_ih v), y_t = W_hy h_t.
    init_state(v: (N, D)) -> h: (N, H); step(words: (N,), h, v) -> (scores (N, V), h)."""

    def __init__(self, vocab_size, D=128, embed_size=32, hidden_size=128):
        super().__init__()
        E, H = embed_size, hidden_size             # the sizes of x_t and h_t
        self.embed = nn.Embedding(vocab_size, E)   # x_t: the previous word, as a vector
        self.W_xh = nn.Linear(E, H)                # its bias is the b of the recurrence
        self.W_hh = nn.Linear(H, H, bias=False)
        self.W_ih = nn.Linear(D, H, bias=False)    # the one new term: the image
        self.W_hy = nn.Linear(H, vocab_size)
        self.hidden_size = H

    def init_state(self, v):
        return v.new_zeros(v.shape[0], self.hidden_size)  # h_0 = 0: the image enters via W_ih v

    def step(self, words, h, v):
        h = torch.tanh(self.W_xh(self.embed(words)) + self.W_hh(h) + self.W_ih(v))
        return self.W_hy(h), h

# %% [markdown]
# The captioner is the package's CNN with this decoder plugged in:

# %%
model = Captioner(len(vocab), decoder="rnn")
model.decoder = ConditionalRNNDecoder(len(vocab))      # the class above
images = torch.from_numpy(train_images[:4])
grid = model.encoder.conv(images)                      # the CNN before its projection
v = model.encoder(images)
print("images", tuple(images.shape), "-> grid", tuple(grid.shape), "-> v", tuple(v.shape))
assert tuple(grid.shape[1:]) == (64, 4, 4), "a 4x4 grid of 64 channels"
for name, p in model.decoder.named_parameters():
    print(f"  {name:14} {tuple(p.shape)}")
print(f"{sum(p.numel() for p in model.parameters()):,} parameters in all")

# %% [markdown]
# **Three ways to give the image to the decoder.** They are easy to mix up, so here they are
# side by side:
#
# | design | where the image enters | who |
# |---|---|---|
# | $W_{ih} v$ in **every** step | $h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + W_{ih} v)$ | the lecture's slide (CS231n); LRCN (Donahue et al. 2015) also gives the LSTM the image features at every step |
# | the image as the **first input**, once | $x_{-1} = W_e\,\mathrm{CNN}(I)$, then the words; $h$ starts at zero | Show and Tell (Vinyals et al. 2015) |
# | the image sets the **initial state** | $h_0 = \tanh(W_{h0} v),\; c_0 = W_{c0} v$, never seen again | Show, Attend and Tell (Xu et al. 2015) sets $h_0, c_0$ from the image this way; many tutorials too |
#
# Our `"lstm"` decoder (`course_utils.models.LSTMDecoder`) is the third design, not Show and
# Tell's: the two differ only in how the image reaches the first state (through the LSTM's gates
# as an input, or written directly into $h_0, c_0$). Vinyals et al. report that giving the image
# at *every* step, as the lecture does, did worse for them: the network could exploit noise in
# the image and overfitted more easily. Section 6 compares our first and third designs.

# %% [markdown]
# ## 3. Teacher forcing
#
# To train, we do not let the model read its own (at first, random) words. We feed the *true*
# caption, shifted by one: at step $t$ it reads word $t$ and is scored on word $t + 1$. A
# caption `<start> a red circle <end>` gives four predictions in one pass:
#
# | step | reads | should say |
# |---|---|---|
# | 1 | `<start>` | `a` |
# | 2 | `a` | `red` |
# | 3 | `red` | `circle` |
# | 4 | `circle` | `<end>` |
#
# **Exercise 1 (2 points).** Split a batch of encoded captions `ids: (N, L)` (each row
# `<start> words <end> <pad> ...`) into what the model reads and what it should say.

# %% nbgrader={"grade": false, "grade_id": "teacher_forcing_pairs", "locked": false, "schema_version": 3, "solution": true, "task": false}
def teacher_forcing_pairs(ids):
    """ids: (N, L) int64 tensor -> (inputs: (N, L - 1), targets: (N, L - 1)), a tuple or list;
    each a tensor, a NumPy array or nested lists of the ids."""
    ### BEGIN SOLUTION
    return ids[:, :-1], ids[:, 1:]
    ### END SOLUTION
    raise NotImplementedError()

# %% nbgrader={"grade": true, "grade_id": "check_teacher_forcing_pairs", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_teacher_forcing_pairs(teacher_forcing_pairs, vocab)

# %% [markdown]
# The loss is the mean cross-entropy of the targets, padding ignored,
# $\mathcal{L} = -\frac{1}{\#\text{targets}} \sum_{n, t} \log p(w_{n,t+1} \mid w_{n,\le t}, v_n)$.
# Here it is (the package's `train.caption_loss`, which the training loop below calls, is the
# same function):

# %%
def caption_loss(model, images, ids):
    """images: (N, 3, 64, 64), ids: (N, L) from <start> to <end>, then padding (id 0) ->
    mean cross-entropy in nats per target word."""
    scores = model(images, ids[:, :-1])                    # (N, L - 1, V): reads <start> .. w_L-1
    targets = ids[:, 1:]                                   # (N, L - 1): should say w_1 .. <end>
    return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), targets.reshape(-1),
                           ignore_index=0)

# %% [markdown]
# An untrained model should be near $\ln V$ (uniform over the vocabulary). A short live run
# (150 steps of 64 captions, about 20 s on a laptop) shows it fall:

# %%
ids = torch.from_numpy(vocab.encode(train_captions, length=16))
images = torch.from_numpy(train_images)
torch.manual_seed(0)
model = Captioner(len(vocab), decoder="rnn")  # a fresh one, also when this cell runs again
model.decoder = ConditionalRNNDecoder(len(vocab))
with torch.no_grad():
    untrained = caption_loss(model, images[:500], ids[:500]).item()
print(f"untrained: {untrained:.2f} nats per word; ln V = {np.log(len(vocab)):.2f}")
assert abs(untrained - np.log(len(vocab))) < 0.3, "an untrained model should be near uniform"

# %% tags=["autograde-skip"]
torch.manual_seed(0)
LIVE_STEPS = 150  # a number of steps, not seconds: the same result on a fast or a slow machine
live = train.fit_captioner(model.to(dev), images.to(dev), ids.to(dev), epochs=100,
                           steps=LIVE_STEPS)
print(f"{len(live['losses'])} steps ({live['epochs']:.1f} epochs) in {live['seconds']:.0f} s; "
      f"loss {np.mean(live['losses'][:10]):.2f} -> {np.mean(live['losses'][-10:]):.2f}")
assert np.mean(live["losses"][-10:]) < 0.6 * untrained, "150 steps should cut the loss"

# %% [markdown]
# ## 4. The models trained for longer
#
# `scripts/train_captioner.py` trained both decoders for the same time on a 2-core CPU, on
# 8,000 *fresh* scenes every half minute (a fixed set let the model memorise which paraphrase
# went with which image: its training loss fell below what paraphrases allow while validation
# stalled), scoring 500 validation scenes after each half minute and keeping the best.
# `data/captioning/manifest.json` records how; the files are sha256-checked and loaded
# weights-only. (The third model, with attention, is section 7's.)

# %%
captioners, entries = {}, {}
for decoder in ("rnn", "lstm", "attention"):
    captioners[decoder], entries[decoder] = load_captioner(f"captioner_{decoder}.pt")
    e = entries[decoder]
    print(f"{decoder}: {e['seconds'] / 60:.0f} min, {e['steps']:,} steps; validation BLEU-4 "
          f"{e['valid_bleu4']:.3f}, exact {e['valid_exact']:.3f}")

# %% [markdown]
# The shipped conditional RNN was trained with the package's decoder. Its weights fit the class
# you read in section 2 (same names, same shapes), and give the same scores:

# %%
yours = ConditionalRNNDecoder(len(vocab))
yours.load_state_dict(captioners["rnn"].decoder.state_dict())
with torch.no_grad():
    v = captioners["rnn"].encoder(torch.from_numpy(train_images[:8]))
    words = torch.full((8,), vocab.index["<start>"])
    gap = (yours.step(words, yours.init_state(v), v)[0]
           - captioners["rnn"].decoder.step(words, captioners["rnn"].decoder.init_state(v), v)[0])
print(f"largest difference in the first step's scores: {gap.abs().max():.1e}")
assert gap.abs().max() < 1e-5, "section 2's decoder should be the package's"

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(8, 3))
shipped = entries["rnn"]["losses_every_10_steps"]
ax.plot(np.arange(len(shipped)) * 10 + 1, shipped, color=plots.PALETTE["sky"],
        label=f"shipped conditional RNN ({entries['rnn']['seconds'] / 60:.0f} min, script)")
ax.plot(np.arange(1, len(live["losses"]) + 1), live["losses"], color=plots.PALETTE["blue"],
        label=f"the {LIVE_STEPS}-step live run above")
ax.axhline(np.log(len(vocab)), color="0.5", ls=":", label="uniform guess, ln V")
ax.set(xlabel="training step (64 captions each)", ylabel="cross-entropy (nats / word)",
       xscale="log", title="Teacher-forced training loss")
ax.legend()
plt.show()

# %% [markdown]
# ## 5. Decoding: greedy, sampled, beam
#
# At test time there is no true caption to feed. The model reads `<start>`, picks a word, reads
# that word, and so on until it says `<end>`. **Greedy** decoding picks the likeliest word at
# every step.
#
# **Exercise 2 (3 points).** Write greedy decoding for one batch. Use `model.encoder(images)`
# for $v$, `model.decoder.init_state(v)` for the first state, and
# `scores, state = model.decoder.step(words, state, v)` for one step (`words`: `(N,)` ids).
# Return the ids you chose, `(N, max_length)`; `vocab.index["<start>"]` is the first input.

# %% nbgrader={"grade": false, "grade_id": "greedy_ids", "locked": false, "schema_version": 3, "solution": true, "task": false}
@torch.no_grad()
def greedy_ids(model, images, vocab, max_length=16):
    """images: (N, 3, 64, 64) -> chosen word ids: (N, max_length) integers (a tensor, a NumPy
    array or nested lists). Step the decoder yourself: course_utils.decoding does not count."""
    ### BEGIN SOLUTION
    v = model.encoder(images)
    state = model.decoder.init_state(v)
    words = torch.full((len(images),), vocab.index["<start>"], dtype=torch.long)
    chosen = []
    for _ in range(max_length):
        scores, state = model.decoder.step(words, state, v)
        words = scores.argmax(dim=1)
        chosen.append(words)
    return torch.stack(chosen, dim=1)
    ### END SOLUTION
    raise NotImplementedError()

# %% nbgrader={"grade": true, "grade_id": "check_greedy_ids", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_greedy_ids(greedy_ids, captioners["rnn"], vocab)

# %% [markdown]
# **Sampling** draws each word from $\text{softmax}(y_t / \tau)$ instead, as in notebook 03: low
# temperature is near greedy, high temperature invents. Five samples per temperature, for one
# test scene:

# %% tags=["autograde-skip"]
test_images, test_captions, test_refs, test_scenes = make_scenes(500, seed=10)
test_x = torch.from_numpy(test_images)
shown = next(i for i, refs in enumerate(test_refs) if len(refs) == 4)  # a two-object scene
plt.figure(figsize=(1.6, 1.6)); plt.imshow(test_images[shown].transpose(1, 2, 0)); plt.axis("off")
plt.show()
print("its references:", " | ".join(" ".join(r) for r in test_refs[shown]))
generator = torch.Generator().manual_seed(0)
for temperature in (0.5, 2.0, 5.0):
    samples = decoding.sample(captioners["rnn"], test_x[shown:shown + 1].expand(5, -1, -1, -1),
                              vocab, temperature, generator=generator)
    print(f"τ = {temperature}:")
    for words in samples:
        print("   ", " ".join(words), "" if words in test_refs[shown] else "   <- not a reference")

# %% [markdown]
# **Beam search** keeps the `beam` likeliest *partial* captions at every step instead of one,
# scoring each by its total log-probability $\sum_t \log p(w_t \mid w_{<t}, v)$. Greedy is beam
# search with `beam=1`. The tree below shows, for one scene, the partial captions kept at each
# step (width 3), best first; a caption that says `<end>` is finished and leaves the beam.

# %% tags=["autograde-skip"]
finished, history = decoding.beam_search(captioners["rnn"], test_x[7], vocab, beam=3)
best = finished[0][0] + ["<end>"]
fig, ax = plt.subplots(figsize=(11, 3.4))
for step, kept in enumerate(history):
    for rank, (words, log_p) in enumerate(kept):
        on_best_path = words == best[:len(words)]
        ax.annotate(f"{words[-1]}\n{log_p:.2f}", (step, -rank), ha="center", va="center",
                    fontsize=8, bbox=dict(boxstyle="round",
                                          fc=plots.PALETTE["sky"] if on_best_path else "white"))
        if step:
            parent = next(r for r, (w, _) in enumerate(history[step - 1]) if w == words[:-1])
            ax.plot([step - 1, step], [-parent, -rank], color="0.6", lw=0.8, zorder=0)
ax.set(xlim=(-0.6, len(history) - 0.4), ylim=(-2.6, 0.6), xlabel="step",
       title="Beam search (width 3): last word and total log-probability; blue: the best caption")
ax.set_yticks([])
plt.show()
for words, log_p in finished:
    print(f"{log_p:7.3f}  {' '.join(words)}")

# %% [markdown]
# ## 6. How good are the captions?
#
# **BLEU-$n$** (Papineni et al. 2002) counts how many of the caption's $n$-grams appear in *some*
# reference, clipped so repeating a good word does not pay, combines $n = 1..4$ geometrically,
# and penalises captions shorter than the references. We use NLTK's implementation rather than
# our own. **Exact match** is stricter: is the caption one of the references, word for word?

# %% tags=["autograde-skip"]
def evaluate(model, images, references, decode="greedy"):
    if decode == "greedy":
        generated = decoding.greedy(model, images, vocab)
    else:
        generated = [decoding.beam_search(model, image, vocab, beam=3)[0][0][0] for image in images]
    return generated, bleu_scores(references, generated), exact_match(references, generated)


scores, captions = {}, {}  # (decoder, test) -> scores, and the captions written
for decoder in ("rnn", "lstm", "attention"):
    for decode in ("greedy", "beam 3") if decoder != "attention" else ("greedy",):
        images_used = test_x if decode == "greedy" else test_x[:200]
        refs_used = test_refs if decode == "greedy" else test_refs[:200]
        generated, bleu, exact = evaluate(captioners[decoder], images_used, refs_used, decode)
        scores[(decoder, decode)], captions[(decoder, decode)] = dict(bleu, exact=exact), generated
        print(f"{decoder:>4}, {decode:>6}: " + "  ".join(f"BLEU-{n} {bleu[n]:.3f}" for n in (1, 2, 3, 4))
              + f"  exact {exact:.3f}")
assert scores[("rnn", "greedy")][4] >= 0.9, "the course's goal: BLEU-4 at least 0.9 on test scenes"

# %% [markdown]
# Why is BLEU-4 *below* the exact-match rate? NLTK gives a caption shorter than four words
# ("two blue squares") one 4-gram slot that nothing can fill. Even the references themselves
# do not score 1:

# %% tags=["autograde-skip"]
ceiling = bleu_scores(test_refs, [refs[0] for refs in test_refs])
short = np.mean([len(refs[0]) < 4 for refs in test_refs])
print(f"BLEU-4 of the first reference of each test scene: {ceiling[4]:.3f} "
      f"({short:.0%} of the scenes have a caption shorter than 4 words)")
assert ceiling[4] < 1 and abs(ceiling[3] - 1) < 1e-9

# %% tags=["autograde-skip"]
generated = captions[("rnn", "greedy")][:18]
right = [g in refs for g, refs in zip(generated, test_refs)]
gallery(test_images[:18], [" ".join(g) for g in generated],
        colours=["black" if ok else plots.PALETTE["vermillion"] for ok in right])
print(f"black: one of the references; red: not ({len(right) - sum(right)} of {len(right)} here).")
for g, refs, ok in zip(generated, test_refs, right):
    if not ok:
        print(f"  said: {' '.join(g)!r:60}  a reference: {' '.join(refs[0])!r}")

# %% [markdown]
# ## 7. Attention: where does it look?
#
# The conditional RNN squeezes the whole image into one vector $v$ and adds the same $W_{ih} v$
# at every step. **Soft attention** (Show, Attend and Tell; Xu et al. 2015) keeps the CNN's
# 4×4 grid, 16 vectors $a_i$, one per 16×16-pixel cell, and lets each step choose what to look
# at:
#
# $$e_{t,i} = w^\top \tanh(W_a a_i + W_h h_{t-1}), \qquad
#   \alpha_t = \text{softmax}(e_t), \qquad z_t = \sum_i \alpha_{t,i}\, a_i,$$
# $$h_t = \tanh(W_{xh} x_t + W_{hh} h_{t-1} + W_{ih} z_t).$$
#
# The lecture's equation, with $v$ replaced by $z_t$: an image summary that changes with every
# word. The same idea, with the decoder's own past words as the things attended to, is the
# heart of the transformer (notebook 07). Here is one step, written with the shipped attention
# decoder's weights (`decoder.W_a` is $W_a$, and so on; its first state is
# $h_0 = \tanh(W_\text{init}\, \bar a)$, from the mean of the grid, as in Xu et al.):

# %%
def attention_step(decoder, words, h, grid):
    """words: (N,), h: (N, H), grid: (N, 16, D), the a_i ->
    (scores (N, V), the new h (N, H), alpha (N, 16))."""
    e = decoder.w(torch.tanh(decoder.W_a(grid) + decoder.W_h(h)[:, None])).squeeze(2)  # (N, 16)
    alpha = torch.softmax(e, dim=1)
    z = (alpha[:, :, None] * grid).sum(dim=1)                                           # (N, D)
    h = torch.tanh(decoder.W_xh(decoder.embed(words)) + decoder.W_hh(h) + decoder.W_ih(z))
    return decoder.W_hy(h), h, alpha

# %% [markdown]
# It agrees with the package's `AttentionDecoder.step_with_attention`, so we let the shipped
# model step with it from here on: edit `attention_step`, re-run these cells and the maps below
# follow your version.

# %%
attention_decoder = captioners["attention"].decoder
with torch.no_grad():
    a = captioners["attention"].encoder(torch.from_numpy(train_images[:8]))     # (8, 16, D)
    h0, words = attention_decoder.init_state(a), torch.full((8,), vocab.index["<start>"])
    ours = attention_step(attention_decoder, words, h0, a)
    package = AttentionDecoder.step_with_attention(attention_decoder, words, h0, a)
gaps = [float((x - y).abs().max()) for x, y in zip(ours, package)]
print("largest differences (scores, h, alpha):", ", ".join(f"{g:.1e}" for g in gaps))
assert max(gaps) < 1e-5
attention_decoder.step_with_attention = functools.partial(attention_step, attention_decoder)

# %% tags=["autograde-skip"]
def show_attention(index):
    """The attention model's caption of test scene `index`, one attention map per word."""
    words, alphas = decoding.attention_maps(captioners["attention"], test_x[index], vocab)
    fig, axes = plt.subplots(1, len(alphas), figsize=(1.45 * len(alphas), 1.9))
    for ax, word, alpha in zip(axes, words + ["<end>"], alphas):
        ax.imshow(test_images[index].transpose(1, 2, 0))
        ax.imshow(np.kron(alpha, np.ones((16, 16))), cmap="gray", alpha=0.6, vmin=0, vmax=alpha.max())
        ax.set_title(word, fontsize=9)
        ax.axis("off")
    plt.show()


for index in [i for i, refs in enumerate(test_refs) if len(refs) == 4][:2]:
    show_attention(index)

# %% [markdown]
# Bright cells got the most weight when the word above was written. The grid is coarse (one
# cell is 16×16 pixels) and each cell's features come from a neighbourhood of the image, so the
# brightest cell often sits beside an object rather than on it. Is it looking at the object it
# names? For every test scene with a single object, take the step that writes the
# *shape* word and measure how much of $\alpha$ falls on the cells the object covers, against
# what a uniform glance would give:

# %% tags=["autograde-skip"]
def object_cells(image):
    """(16,) booleans: cells where over a fifth of the pixels belong to a shape (not background)."""
    saturated = image.max(axis=0) - image.min(axis=0) > 0.3                  # (64, 64)
    return saturated.reshape(4, 16, 4, 16).mean(axis=(1, 3)).ravel() > 0.2


on_object, uniform = [], []
for index in [i for i, scene in enumerate(test_scenes) if len(scene) == 1][:100]:
    words, alphas = decoding.attention_maps(captioners["attention"], test_x[index], vocab)
    step = words.index(test_scenes[index][0]["shape"]) if test_scenes[index][0]["shape"] in words else -1
    cells = object_cells(test_images[index])
    on_object.append(alphas[step].ravel()[cells].sum())
    uniform.append(cells.mean())
print(f"attention on the object's cells: {np.mean(on_object):.2f} "
      f"(a uniform glance would put {np.mean(uniform):.2f} there)")
assert np.mean(on_object) > 2 * np.mean(uniform), "the attention should find the object"

# %% [markdown]
# ## 8. Failure cases
#
# The lecture shows neuraltalk2 captioning a woman in a fur coat as *"a woman is holding a cat
# in her hand"*, and a spider web as *"a bird is perched on a tree branch"*. The model says what
# its training data made likely, not what is there. Our two small versions of that:
#
# **An unseen combination.** Test scenes that all contain a red triangle:

# %% tags=["autograde-skip"]
holdout_images, _, holdout_refs, holdout_scenes = make_scenes(300, seed=11, only_holdout=True)
holdout_x = torch.from_numpy(holdout_images)
for decoder in ("rnn", "lstm", "attention"):
    generated, bleu, exact = evaluate(captioners[decoder], holdout_x, holdout_refs)
    scores[(decoder, "holdout")], captions[(decoder, "holdout")] = dict(bleu, exact=exact), generated
    said_red_triangle = np.mean([objects_named([dict(colour="red", shape="triangle")], g)[0]
                                 for g in generated])
    scores[(decoder, "holdout")]["says red triangle"] = said_red_triangle
    print(f"{decoder:>4}: BLEU-4 {bleu[4]:.3f}, exact {exact:.3f}, "
          f"says 'red triangle' in {said_red_triangle:.1%} of captions")

# %% tags=["autograde-skip"]
generated = captions[("rnn", "holdout")]
gallery(holdout_images[:12], [" ".join(g) for g in generated[:12]])
named = {}
for g, scene in zip(generated, holdout_scenes):
    if len(scene) == 1:  # one red triangle: what did it call it?
        named[" ".join(g[-2:])] = named.get(" ".join(g[-2:]), 0) + 1
print("a lone red triangle was called:", dict(sorted(named.items(), key=lambda kv: -kv[1])))

# %% [markdown]
# It has the words "red" and "triangle", and it has seen both, but never together: it
# describes the red triangle as something red it *has* seen, or as a triangle of another colour.
# Nothing in the architecture composes "red" and "triangle" on demand; the training data never
# asked it to.
#
# **A busier scene than any in training.** Four or five small objects in a row. There is no
# grammar for these, so we ask a simpler question: how many of the objects does the caption
# name?

# %% tags=["autograde-skip"]
clutter_images, _, _, clutter_scenes = make_scenes(200, seed=12, clutter=True)
generated = decoding.greedy(captioners["rnn"], torch.from_numpy(clutter_images), vocab)
counts = np.array([objects_named(scene, g) for scene, g in zip(clutter_scenes, generated)])
clutter_recall = counts[:, 0].sum() / counts[:, 1].sum()
print(f"cluttered scenes: the caption names {clutter_recall:.0%} of the objects "
      f"(at most 2 of 4-5, since it only knows captions of one or two kinds of object)")
gallery(clutter_images[:6], [" ".join(g) for g in generated[:6]])
assert clutter_recall < 0.5

# %% [markdown]
# ## 9. Summary

# %% tags=["autograde-skip"]
print(f"{'':>22} {'BLEU-1':>7} {'BLEU-4':>7} {'exact':>7}")
for (decoder, test), s in scores.items():
    print(f"{decoder + ', ' + test:>22} {s[1]:7.3f} {s[4]:7.3f} {s['exact']:7.3f}")
assert scores[("rnn", "holdout")]["exact"] < scores[("rnn", "greedy")]["exact"] - 0.3, \
    "the unseen combination should be much harder"

# %% [markdown]
# - The image enters the recurrence as one more term, $W_{ih} v$; everything else is the
#   language model of notebook 03.
# - Teacher forcing trains every step in one pass; at test time the model must live with its own
#   words (notebook 07 measures the cost of that, *exposure bias*).
# - Greedy, sampling and beam search trade speed, variety and likelihood.
# - BLEU rewards overlap with references; exact match is stricter. Neither says the caption is
#   *true*: a fluent caption of a red circle scores well on a scene that holds a red triangle.
# - Attention replaces the one summary $v$ with a summary $z_t$ chosen at every step, and shows
#   where the model looked.
# - A model trained on a distribution describes that distribution. An unseen combination and a
#   busier scene are our version of the lecture's cat in a fur coat.
#
# ## Review questions
#
# The lecture's summary questions (deck 002) that this notebook can answer; try them before
# moving on.
#
# 1. *What is a feedforward neural network?* Which part of the captioner is one, and which part
#    is not, and why must it not be?
# 2. *Why do we need a convolutional neural network?* A dense layer from the 64×64×3 image to
#    the encoder's first 32×32×32 output would need how many weights, against the
#    $3 \cdot 3 \cdot 3 \cdot 32 + 32$ of its first convolution?
# 3. *What is the main component of CNNs?* Name it in `ImageEncoder`, and say what the stride of
#    2 does to the grid at each of the four layers.
# 4. *How does an RNN handle the data?* Trace the caption `<start> a red circle <end>` through
#    `ConditionalRNNDecoder.step` during training (teacher forcing) and at test time (greedy).
# 5. *What is the main difference between an RNN and an LSTM?* Write both decoders' state
#    updates, and use section 6's table to say which wrote better captions here.
