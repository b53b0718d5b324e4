"""The course's one training loop for language models: truncated backprop through time.

The text is cut into `batch` parallel streams and read in chunks of `seq` characters. The
state is carried from chunk to chunk (the model keeps its memory) and detached at each
boundary (backprop stops there). Nothing else is hidden: read it, it is short.
"""
import time

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .models import detach_state
from .validate import MAX_COUNT, Indices, Int, checked

# Notebook 03's live run (and the benchmark charlm_60s_val_nats): 450 steps take about 50 s
# on a 2-core laptop CPU (measured: ~58k characters per second).
QUICK_CHARLM = dict(model=dict(embed_size=32, hidden_size=256, layers=1, cell="lstm", row_groups=4),
                    steps=450, batch=64, seq=100, lr=3e-3)


def training_step(model, optimizer, loss, clip=1.0):
    """The one optimiser step every loop here takes: zero the gradients, backpropagate the scalar
    `loss`, clip the gradients of model's parameters to norm `clip`, step. Returns loss as a float."""
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item()


@checked(ids=Indices("T"), batch=Int(1, MAX_COUNT))
def as_streams(ids, batch):
    """ids: (L,) int64 -> (batch, L // batch): `batch` contiguous streams of the text."""
    if ids.ndim != 1:
        raise ValueError(f"as_streams: ids must have shape (L,), got {tuple(ids.shape)}")
    if not hasattr(ids, "view"):
        raise ValueError(f"as_streams: ids must be a torch tensor, got {type(ids).__name__}")
    if len(ids) < batch:
        raise ValueError(f"as_streams: batch must be at most len(ids) = {len(ids)}, got {batch}")
    length = len(ids) // batch
    return ids[:batch * length].view(batch, length)


def train_tbptt(model, ids, steps, batch=64, seq=100, lr=3e-3, clip=1.0, on_step=None):
    """Train `model` (a CharLM) for `steps` chunks of truncated BPTT on the text `ids`: (L,).

    on_step(step, loss) is called after every step (for live plots); the model is left in eval
    mode. Returns a dict: losses (per step, nats/char), seconds, chars_per_second.
    """
    data = as_streams(ids, batch)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    position, state, losses = 0, None, []
    model.train()
    start = time.perf_counter()
    for step in tqdm(range(steps), desc="training", mininterval=1.0):  # few widget messages
        if position + seq + 1 > data.shape[1]:  # end of the text: start again, fresh state
            position, state = 0, None
        x = data[:, position:position + seq]
        y = data[:, position + 1:position + seq + 1]
        logits, state = model(x, detach_state(state))  # carry the state, stop the gradient
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        training_step(model, optimizer, loss, clip)
        position += seq
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, loss.item())
    model.eval()
    seconds = time.perf_counter() - start
    return dict(losses=losses, seconds=seconds, chars_per_second=steps * batch * seq / seconds)


@torch.no_grad()
def evaluate_nats(model, ids, batch=16, seq=256):
    """Mean cross-entropy in nats per character over the whole text ids: (L,), state carried."""
    model.eval()
    data, state, total, count = as_streams(ids, batch), None, 0.0, 0
    for start in range(0, data.shape[1] - 1, seq):
        y = data[:, start + 1:start + seq + 1]
        x = data[:, start:start + y.shape[1]]
        logits, state = model(x, state)
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                 reduction="sum").item()
        count += y.numel()
    return total / count


def fit_classifier(model, x, y, epochs=10, batch=64, lr=3e-3, clip=1.0, seed=0, weight_decay=0.0,
                   on_epoch=None):
    """Train a binary classifier (logits (N,) from x) with Adam (AdamW when weight_decay > 0)
    on x: (N, ...) and y: (N,) in {0, 1}, shuffled mini-batches, gradients clipped at `clip`.

    on_epoch(epoch, mean_loss) is called after every epoch. Returns a dict: losses (per
    epoch), seconds.
    """
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"fit_classifier: x and y must have the same length N >= 1, got {len(x)} and {len(y)}")
    if not bool(((y == 0) | (y == 1)).all()):
        raise ValueError(f"fit_classifier: y must hold labels 0 or 1 (a binary classifier), got "
                         f"values from {y.min().item()} to {y.max().item()}")
    generator = torch.Generator().manual_seed(seed)
    optimizer = (torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
                 if weight_decay else torch.optim.Adam(model.parameters(), lr=lr))
    targets, losses = y.float(), []
    start = time.perf_counter()
    model.train()
    for epoch in tqdm(range(epochs), desc="epochs", mininterval=1.0):
        order, total = torch.randperm(len(x), generator=generator), 0.0
        for rows in order.split(batch):
            loss = F.binary_cross_entropy_with_logits(model(x[rows]), targets[rows])
            training_step(model, optimizer, loss, clip)
            total += loss.item() * len(rows)
        losses.append(total / len(x))
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
    model.eval()
    return dict(losses=losses, seconds=time.perf_counter() - start)


@torch.no_grad()
def accuracy(model, x, y, batch=256):
    """Fraction of x: (N, ...) that a binary classifier (logit > 0 means 1) gets right, y: (N,)."""
    model.eval()
    logits = torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])
    return ((logits > 0).long() == y).float().mean().item()


def caption_loss(model, images, ids):
    """Teacher forcing: read ids[:, :-1] (from <start>), score ids[:, 1:] (up to <end>); mean
    cross-entropy in nats per word, padding (id 0) ignored. images: (N, 3, 64, 64), ids: (N, L)."""
    scores = model(images, ids[:, :-1])
    return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), ids[:, 1:].reshape(-1),
                           ignore_index=0)


def fit_captioner(model, images, ids, epochs=10, batch=64, lr=2e-3, clip=1.0, seed=0,
                  steps=None):
    """Train a Captioner with Adam on images: (N, 3, 64, 64) and caption ids: (N, L), stopping
    after `epochs` or, if given, after `steps` optimiser steps (whichever comes first), so the
    result does not depend on the machine's speed. Returns a dict: losses (per step), seconds,
    epochs (completed, fractional)."""
    if len(images) != len(ids):
        raise ValueError(f"fit_captioner: images and ids must have the same length N, got "
                         f"{len(images)} and {len(ids)}")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise ValueError(f"fit_captioner: steps must be a positive int or None, got {steps!r}")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses, start, steps_per_epoch = [], time.perf_counter(), -(-len(images) // batch)
    total = epochs * steps_per_epoch if steps is None else min(steps, epochs * steps_per_epoch)
    model.train()
    with tqdm(total=total, desc="steps", mininterval=1.0) as bar:
        for epoch in range(epochs):
            for rows in torch.randperm(len(images), generator=generator).split(batch):
                loss = caption_loss(model, images[rows], ids[rows])
                training_step(model, optimizer, loss, clip)
                losses.append(loss.item())
                bar.update()
                if len(losses) == total:
                    break
            if len(losses) == total:
                break
    model.eval()
    return dict(losses=losses, seconds=time.perf_counter() - start,
                epochs=len(losses) / steps_per_epoch)


def train_steps(model, batch_loss, steps, lr=3e-3, clip=1.0, desc="training", on_step=None):
    """Notebooks 07 and 08's loop: `steps` Adam steps on loss = batch_loss(step), a scalar tensor
    computed on a fresh mini-batch, gradients clipped to norm `clip`.

    on_step(step, loss) is called after each step. Returns the list of losses (floats).
    """
    if steps < 1:
        raise ValueError(f"train_steps: steps must be >= 1, got {steps}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for step in tqdm(range(steps), desc=desc, mininterval=1.0, leave=False):
        loss = batch_loss(step)
        training_step(model, optimizer, loss, clip)
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, losses[-1])
    model.eval()
    return losses


def train_one_cycle(model, batch_loss, steps, lr, desc="training"):
    """Notebook 10's loop: `steps` Adam steps with a one-cycle learning rate (warm up over the
    first 20 %, then anneal to ~0), gradients clipped to norm 1; loss = batch_loss(model, step).

    Returns the list of losses (floats).
    """
    if steps < 1:
        raise ValueError(f"train_one_cycle: steps must be >= 1, got {steps}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps, pct_start=0.2)
    losses = []
    model.train()
    for step in tqdm(range(steps), desc=desc, mininterval=1.0, leave=False):
        loss = batch_loss(model, step)
        training_step(model, optimizer, loss, 1.0)
        schedule.step()
        losses.append(loss.item())
    model.eval()
    return losses


# --- Notebook 02's real EEG (SelfRegulationSCP1): augmented training (scripts/train_eeg.py) ---

def augment(x, generator, shift=2, noise=0.1):
    """A training batch x: (N, T, C) moved by a random whole number of steps in [-shift, shift]
    (each trial its own, edges repeated) plus Gaussian noise of std `noise`. Returns (N, T, C)."""
    n, t, _ = x.shape
    moves = torch.randint(-shift, shift + 1, (n, 1), generator=generator)
    index = (torch.arange(t).unsqueeze(0) - moves).clamp(0, t - 1)       # (N, T)
    moved = x.gather(1, index.unsqueeze(2).expand_as(x))
    return moved + noise * torch.randn(x.shape, generator=generator)


def fit_augmented(model, x, y, epochs=60, batch=32, lr=3e-3, weight_decay=1e-2, shift=2,
                  noise=0.1, clip=1.0, seed=0):
    """Train a binary classifier on x: (N, T, C), y: (N,) in {0, 1} with AdamW, each batch
    augmented (`augment`), gradients clipped at `clip`. Leaves the model in eval mode.
    Returns the mean training loss of each epoch (list)."""
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"fit_augmented: x and y must have the same length N >= 1, got "
                         f"{len(x)} and {len(y)}")
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    targets, losses = y.float(), []
    model.train()
    for _ in range(epochs):
        order, total = torch.randperm(len(x), generator=generator), 0.0
        for rows in order.split(batch):
            logits = model(augment(x[rows], generator, shift, noise))
            loss = F.binary_cross_entropy_with_logits(logits, targets[rows])
            training_step(model, optimizer, loss, clip)
            total += loss.item() * len(rows)
        losses.append(total / len(x))
    model.eval()
    return losses
