# %% [markdown]
# # 10 · RNNs come back: linear recurrences, parallel scans and selective state spaces
#
# Notebook 04 showed that the eigenvalues of the recurrence decide what survives; notebook 07
# said RNNs lost to transformers because they run one step after another. Since 2022 linear
# recurrent models (S4, the LRU, Mamba, minGRU) answer both: they make the eigenvalues the
# parameters, train in parallel over time with a *scan*, and still run as an RNN at inference.
#
# After this notebook you will be able to
# - turn a dense linear RNN into a diagonal complex one with the same outputs, and read each
#   eigenvalue as a memory time scale (the LRU's parametrisation);
# - compute one recurrence three ways (loop, parallel scan, FFT convolution), prove them equal,
#   and say honestly what each costs on a CPU;
# - write minGRU, whose gates read only $x_t$, and run it in parallel;
# - show on selective copying why an input-dependent (selective) recurrence beats a
#   time-invariant one;
# - explain the "curse of memory": why eigenvalues near 1 make training touchy.
#
# **Time to run:** about a minute on a laptop CPU. Two graded exercises (5 points).

# %%
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt
from tqdm.auto import tqdm

from course_utils import checks, linear_rnn, plots, scan, widgets
from course_utils.data.adding import BASELINE_MSE, make_adding
from course_utils.data.selective_copy import make_selective_copy
from course_utils.runtime import device, seed_everything
from course_utils.train import train_one_cycle

seed_everything(0)
dev = device()
colours = [plots.PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky")]

# %% [markdown]
# ## 1. From notebook 04 to the Linear Recurrent Unit
#
# Drop the nonlinearity from an RNN and one step is $h_t = W h_{t-1} + U x_t$, $y_t = V h_t$.
# If $W$ is diagonalisable, $W = P \Lambda P^{-1}$ with a diagonal, generally **complex**
# $\Lambda$. In the coordinates $\tilde h = P^{-1} h$ every state channel evolves on its own:
#
# $$\tilde h_t = \Lambda \tilde h_{t-1} + B x_t, \qquad y_t = C \tilde h_t, \qquad B = P^{-1} U,\; C = V P.$$
#
# A dense $H \times H$ recurrence *is* $H$ independent scalar recurrences
# $\tilde h_{t,i} = \lambda_i \tilde h_{t-1,i} + (B x_t)_i$. Check it on a random $W$:

# %%
rng = np.random.default_rng(0)
H, D, T = 6, 2, 60
W = rng.standard_normal((H, H)) / np.sqrt(H)
W *= 0.95 / np.abs(np.linalg.eigvals(W)).max()  # spectral radius 0.95, as in notebook 04
U, V = rng.standard_normal((H, D)), rng.standard_normal((1, H))
x = rng.standard_normal((T, D))
lam, P = np.linalg.eig(W)  # W = P diag(lam) P^-1, complex in general
B, C = np.linalg.solve(P, U), V @ P
h, h_diag, y_dense, y_diag = np.zeros(H), np.zeros(H, complex), [], []
for x_t in x:
    h = W @ h + U @ x_t  # dense
    h_diag = lam * h_diag + B @ x_t  # diagonal: one multiplication per channel
    y_dense.append(V @ h), y_diag.append(C @ h_diag)
gap = np.abs(np.array(y_dense) - np.array(y_diag)).max()
print(f"eigenvalues: {np.round(lam, 3)}\nlargest |y_dense - y_diag| = {gap:.1e}")
assert gap < 1e-10 and np.abs(np.array(y_diag).imag).max() < 1e-10

# %% [markdown]
# The imaginary parts cancel because complex eigenvalues of a real $W$ come in conjugate pairs.
# The **LRU** (Orvieto et al., 2023) learns $\Lambda$, $B$ and $C$ directly, keeps one of each
# conjugate pair and takes the real part: $y_t = \mathrm{Re}(C h_t) + D \odot x_t$. Two more
# ideas make it train:
#
# - **Stability by construction:** $\lambda = \exp(-e^{\nu} + i\theta)$ has
#   $|\lambda| = e^{-e^\nu} < 1$ for *every* real $\nu$, so no gradient step can make it explode.
#   Each eigenvalue is a **memory time scale**: $|\lambda|^t = e^{-t/\tau}$ with
#   $\tau = -1/\log|\lambda| = e^{-\nu}$ steps, and $\theta$ is how fast the state turns.
# - **Ring initialisation** puts the $\lambda_i$ uniformly on the ring
#   $r_{\min} \le |\lambda| \le r_{\max}$ with phases in $[0, \theta_{\max}]$; and
#   $\gamma = \sqrt{1 - |\lambda|^2}$ scales the input so that a state fed white noise keeps unit
#   variance however close $|\lambda|$ is to 1.
#
# The step itself is two lines. Read it (and change it, if you like: a test checks that it
# still matches `course_utils.linear_rnn.LRU`):

# %%
def lru_step(h, x_t, lam, B, C, D):
    """One LRU step: h_t = lam * h_{t-1} + B x_t,  y_t = Re(C h_t) + D * x_t.

    h: (N, P) complex   x_t: (N, D) real   lam: (P,) complex   B: (P, D) complex (γ included)
    C: (D, P) complex   D: (D,) real. Returns (h_t, y_t) with y_t: (N, D).
    """
    h = lam * h + x_t.to(B.dtype) @ B.T
    return h, (h @ C.T).real + D * x_t

# %%
lru = linear_rnn.LRU(D=4, P=8, r_min=0.5, r_max=0.95, seed=0)
x = torch.randn(3, 50, 4)
with torch.no_grad():
    lam, B, C = lru.eigenvalues(), lru.B(), lru.C()
    h, outputs = torch.zeros(3, 8, dtype=torch.complex64), []
    for x_t in x.unbind(1):
        h, y_t = lru_step(h, x_t, lam, B, C, lru.D)
        outputs.append(y_t)
    step_gap = (torch.stack(outputs, 1) - lru(x)).abs().max().item()
print(f"|λ| in [{lam.abs().min():.3f}, {lam.abs().max():.3f}]; "
      f"your lru_step vs the package's LRU: {step_gap:.1e}")
assert step_gap < 1e-5, "lru_step should reproduce linear_rnn.LRU"

# %% [markdown]
# Time scales and $\gamma$, measured: feed each scalar recurrence white noise for a long time
# and look at the variance of its state, with and without $\gamma$.

# %%
moduli = torch.tensor([0.5, 0.9, 0.99, 0.999], dtype=torch.float64)
noise = torch.randn(256, 6000, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
states = scan.parallel_scan(moduli.expand_as(noise), noise)[:, -1]  # h_T with |λ| = modulus
raw_var, gamma = states.var(0), torch.sqrt(1 - moduli ** 2)
for r, var, g in zip(moduli, raw_var, gamma):
    print(f"|λ| = {r:.3f}: time scale τ = {-1 / math.log(r):7.1f} steps, Var(h) = {var:8.2f} "
          f"(theory 1/(1-|λ|²) = {1 / (1 - r ** 2):8.2f}), with γ: {var * g ** 2:.2f}")
assert torch.allclose(raw_var * gamma ** 2, torch.ones(4, dtype=torch.float64), atol=0.2)

# %% [markdown]
# Without $\gamma$ the state's variance grows like $1/(1-|\lambda|^2)$: 500 times the input's at
# $|\lambda| = 0.999$. With it every channel stays near 1, whatever its memory.
#
# ## 2. One recurrence, three computations
#
# Take the recurrence every linear RNN above reduces to, element-wise over channels:
#
# $$h_t = a_t \odot h_{t-1} + b_t, \qquad h_0 = 0.$$
#
# **The loop** computes it in $T$ steps, each waiting for the last. **The scan** notices that
# one step is an affine map $h \mapsto a h + b$, and two affine maps compose into one:
# first $(a_1, b_1)$, then $(a_2, b_2)$ gives $h \mapsto a_2(a_1 h + b_1) + b_2$, so
#
# $$(a_1, b_1) \circ (a_2, b_2) = (a_1 a_2,\; a_2 b_1 + b_2).$$
#
# This operator is associative (not commutative: order matters), so the prefixes
# $(a_1,b_1) \circ \dots \circ (a_t, b_t)$ can be grouped any way we like, in $\log_2 T$ parallel
# rounds. The second component of prefix $t$ is $h_t$.
#
# ### Exercise 1 (2 points): the combine operator
# Write `combine(left, right)` for `left = (a1, b1)` (the earlier steps) and `right = (a2, b2)`
# (the later ones). It must work element-wise on arrays or tensors of any shape.

# %% nbgrader={"grade": false, "grade_id": "combine", "locked": false, "schema_version": 3, "solution": true, "task": false}
def combine(left, right):
    """(a1, b1) o (a2, b2) = (a1 * a2, a2 * b1 + b2), element-wise. Returns a pair."""
    ### BEGIN SOLUTION
    (a1, b1), (a2, b2) = left, right
    return a1 * a2, a2 * b1 + b2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_combine", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_combine(combine)

# %% [markdown]
# With `combine`, the Hillis–Steele scan is five lines: in round $k$ every position combines
# itself with the summary $2^k$ positions earlier (the identity $(1, 0)$ where there is none).
# The picture shows which summaries meet, for $T = 8$:

# %%
def hillis_steele_scan(a, b):
    """h_t = a_t * h_{t-1} + b_t for a, b: (N, T, H), in ceil(log2 T) rounds of `combine`."""
    offset = 1
    while offset < a.shape[1]:
        earlier = (F.pad(a[:, :-offset], (0, 0, offset, 0), value=1.0),  # identity: a = 1
                   F.pad(b[:, :-offset], (0, 0, offset, 0), value=0.0))  # ... and b = 0
        a, b = combine(earlier, (a, b))
        offset *= 2
    return b

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(9, 3.2))
T_pic, rounds = 8, 3
for level in range(rounds + 1):
    for t in range(T_pic):
        low = max(0, t - 2 ** level + 1)
        ax.text(t, -level, f"{low + 1}..{t + 1}" if low < t else f"{t + 1}", ha="center",
                va="center", fontsize=9, bbox=dict(boxstyle="round", fc=plots.PALETTE["sky"]))
        if level < rounds:
            ax.annotate("", (t, -level - 0.75), (t, -level - 0.25), arrowprops=dict(arrowstyle="->"))
            if t >= 2 ** level:
                ax.annotate("", (t, -level - 0.75), (t - 2 ** level, -level - 0.25),
                            arrowprops=dict(arrowstyle="->", color=plots.PALETTE["vermillion"]))
ax.set(xlim=(-0.7, T_pic - 0.3), ylim=(-rounds - 0.5, 0.5),
       title="Hillis–Steele scan, T = 8: after round k each box summarises 2^k steps "
             "(red: combine with the box 2^k earlier)")
ax.set_yticks([-k for k in range(rounds + 1)], [f"round {k}" for k in range(rounds + 1)])
ax.set_xticks(range(T_pic), [f"t = {t + 1}" for t in range(T_pic)])
plt.show()

# %% [markdown]
# **The convolution view.** When $a_t = \lambda$ does not depend on $t$ (a *time-invariant*
# model), unrolling gives $h_t = \sum_{k=0}^{t} \lambda^k b_{t-k}$: a convolution of the input
# with the kernel $K_k = \lambda^k$. For the whole LRU the kernel is $K_k = \mathrm{Re}(C \Lambda^k B)$,
# a $D \times D$ matrix per lag: S4's view. An FFT applies it in $O(T \log T)$. All of them on
# the same numbers (float64, $T = 1000$), with the package's faster *work-efficient* scan
# (`scan.parallel_scan`: pair neighbours, recurse on half) and Heinsen's log-space scan beside:

# %%
N, T, H = 4, 1000, 8
gen = torch.Generator().manual_seed(2)
lam = 0.9 + 0.099 * torch.rand(H, dtype=torch.float64, generator=gen)  # time-invariant a
a, b = lam.expand(N, T, H), torch.randn(N, T, H, dtype=torch.float64, generator=gen)
kernel = lam ** torch.arange(T, dtype=torch.float64)[:, None]  # K_k = λ^k: (T, H)
ways = {"loop": scan.linear_recurrence_loop(a, b), "Hillis–Steele (yours)": hillis_steele_scan(a, b),
        "work-efficient scan": scan.parallel_scan(a, b),
        "log-space scan": scan.log_space_scan(a.log(), b),
        "FFT convolution": scan.fft_convolution(kernel, b)}
for name, h in ways.items():
    print(f"{name:22s} max |h - h_loop| = {(h - ways['loop']).abs().max():.1e}")
    assert torch.allclose(h, ways["loop"], atol=1e-9), name

# %%
lru = linear_rnn.LRU(D=4, P=8, seed=1).double()
x = torch.randn(2, 300, 4, dtype=torch.float64)
outputs = {mode: lru(x, mode=mode) for mode in ("loop", "scan", "conv")}
grads = {mode: torch.autograd.grad(out.square().sum(), lru.nu)[0] for mode, out in outputs.items()}
for mode in ("scan", "conv"):
    print(f"LRU {mode} vs loop: outputs {(outputs[mode] - outputs['loop']).abs().max():.1e}, "
          f"gradients wrt ν {(grads[mode] - grads['loop']).abs().max():.1e}")
    assert torch.allclose(outputs[mode], outputs["loop"], atol=1e-8)
    assert torch.allclose(grads[mode], grads["loop"], rtol=1e-6, atol=1e-8)

# %% [markdown]
# Same outputs, same gradients: the loop, the scan and the convolution are one model.
#
# ### What does each cost on this machine?
# Batch 16, width 64, forward alone (no autograd, as at inference) and forward + backward (as in
# training), against $T$, beside `nn.GRU` and `nn.LSTM` of the same width. The median of a few
# runs (one run from $T = 1024$); the slowest methods stop early. **Timings depend on the machine and on what else it is
# doing**: run it on yours.

# %% tags=["autograde-skip"]
N, H = 16, 64
lengths = [64, 256, 1024, 4096, 16384]
gru, lstm = nn.GRU(H, H, batch_first=True), nn.LSTM(H, H, batch_first=True)
methods = {"loop": (scan.linear_recurrence_loop, 16384),
           "Hillis–Steele": (hillis_steele_scan, 1024),
           "work-efficient scan": (scan.parallel_scan, 16384),
           "log-space scan": (lambda a, b: scan.log_space_scan(a.log(), b), 1024),
           "FFT (time-invariant)": (lambda a, b: scan.fft_convolution(a[0], b), 4096),
           "nn.GRU": (lambda a, b: gru(b)[0], 1024), "nn.LSTM": (lambda a, b: lstm(b)[0], 4096)}
timings = {name: {} for name in methods}
for T in tqdm(lengths, desc="T"):
    a = 0.5 + 0.5 * torch.rand(N, T, H, generator=gen)
    b = torch.randn(N, T, H, generator=gen)
    for name, (fn, longest) in methods.items():
        if T <= longest:
            timings[name][T] = scan.time_forward_backward(fn, (a, b), repeats=3 if T <= 256 else 1)

# %% tags=["autograde-skip"]
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
styles = dict(zip(methods, ["o-", "s-", "^-", "v-", "D-", "x--", "+--"]))
for name, colour in zip(methods, colours + ["black"]):
    Ts = sorted(timings[name])
    for ax, which in zip(axes, (0, 1)):
        ax.plot(Ts, [timings[name][T][which] for T in Ts], styles[name], color=colour, label=name)
for ax, title in zip(axes, ("forward only (inference)", "forward + backward (training)")):
    ax.set(xscale="log", yscale="log", xlabel="sequence length T", title=title)
    ax.set_xticks(lengths, [str(T) for T in lengths])
axes[0].set_ylabel("seconds (median; log scale)")
fig.suptitle(f"h_t = a_t h_(t-1) + b_t, batch {N}, width {H}, on this machine's CPU "
             f"({torch.get_num_threads()} thread(s))", fontsize=10)
axes[1].legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% tags=["autograde-skip"]
t_loop, t_pair = (timings[k][4096][1] for k in ("loop", "work-efficient scan"))
print(f"T = 4096, forward + backward: loop {t_loop:.2f} s, work-efficient scan {t_pair:.2f} s "
      f"-> loop / scan = {t_loop / t_pair:.1f}x; forward only: loop {timings['loop'][4096][0]:.3f} s, "
      f"scan {timings['work-efficient scan'][4096][0]:.3f} s")
t_hs, t_pair_1024 = timings["Hillis–Steele"][1024][1], timings["work-efficient scan"][1024][1]
print(f"T = 1024, forward + backward: Hillis–Steele {t_hs:.3f} s, work-efficient {t_pair_1024:.3f} s")
assert t_hs > 2 * t_pair_1024, "T log T work (Hillis–Steele) should cost clearly more than ~2T work"
assert timings["loop"][16384][1] > 20 * timings["loop"][64][1], "the loop grows with T"

# %% [markdown]
# What to read from it, honestly:
# - On a CPU with two cores there is little parallel hardware for the scan to use. In training
#   the work-efficient scan and a well-written loop end up within a small factor of each other
#   (the ratio is printed above): autograd records $T$ tiny operations for the loop and about
#   $2\log_2 T$ big ones for the scan. The Hillis–Steele scan does $T \log_2 T$ work and loses.
# - Forward alone, a plain loop is competitive: that is why these models run **as an RNN at
#   inference**, one cheap step per token, with a state of fixed size.
# - On a GPU, thousands of cores take a scan's rounds at once, and the gap opens to orders of
#   magnitude: that is where Mamba's and minGRU's reported speed-ups come from.
# - A trap worth knowing: writing the loop with `a[:, t]` instead of `a.unbind(1)` makes its
#   backward pass $O(T^2)$ (each index's gradient is a full-size tensor). Measured:

# %% tags=["autograde-skip"]
def indexing_loop(a, b):
    h, states = torch.zeros_like(b[:, 0]), []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]  # each a[:, t] backward allocates a full (N, T, H) gradient
        states.append(h)
    return torch.stack(states, 1)


trap = {T: scan.time_forward_backward(indexing_loop, (a[:, :T], b[:, :T]), repeats=1)[1]
        for T in (128, 512)}
fair = {T: scan.time_forward_backward(scan.linear_recurrence_loop, (a[:, :T], b[:, :T]), 1)[1]
        for T in (128, 512)}
print(f"forward + backward, indexing loop: T = 128 {trap[128]:.3f} s, T = 512 {trap[512]:.3f} s "
      f"({trap[512] / trap[128]:.0f}x for 4x the length); unbind loop: {fair[128]:.3f} s, "
      f"{fair[512]:.3f} s ({fair[512] / fair[128]:.0f}x)")
assert trap[512] > 2 * fair[512], "the indexing loop should be clearly slower"

# %% [markdown]
# ## 3. minGRU and minLSTM: gates that read only $x_t$
#
# A GRU's gates read $h_{t-1}$, which is what makes it nonlinear in $h$ and sequential. Feng et
# al. (2024, "Were RNNs all we needed?") drop that dependence:
#
# $$z_t = \sigma(x_t W_z + b_z),\quad \tilde h_t = g(x_t W_h + b_h),\quad
# h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t,$$
#
# with $g(v) = v + \tfrac12$ for $v \ge 0$ and $\sigma(v)$ below (positive, so logs exist).
# Now $h_t = a_t \odot h_{t-1} + b_t$ with $a_t = 1 - z_t$ and $b_t = z_t \tilde h_t$: the
# recurrence of section 2, so it runs with a scan. The gate still depends on the *input*: the
# model chooses, token by token, what to keep. minLSTM does the same with a forget and an input
# gate normalised to sum to 1. Feng et al. run the scan in **log space**, Heinsen's (2023)
# $\log h_t = A_t + \mathrm{logcumsumexp}(\log b_t - A_t)$ with $A_t = \sum_{s \le t} \log a_s$,
# which never multiplies many small numbers together.
#
# ### Exercise 2 (3 points): the minGRU step
# Write one step of minGRU, the way it runs at inference. `W` holds both gates' weights side by
# side: `W[:, :H]` for $z$ and `W[:, H:]` for $\tilde h$ (and likewise `b`).

# %% nbgrader={"grade": false, "grade_id": "min_gru_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def min_gru_step(x_t, h_prev, W, b):
    """One minGRU step: h_t = (1 - z_t) * h_prev + z_t * g(x_t W_h + b_h), z_t = σ(x_t W_z + b_z).

    x_t: (N, D)   h_prev: (N, H)   W: (D, 2H) = [W_z | W_h]   b: (2H,) = [b_z | b_h]
    g(v) = v + 0.5 for v >= 0, sigmoid(v) for v < 0. Returns h_t: (N, H) (torch tensors in, out).
    """
    ### BEGIN SOLUTION
    H = h_prev.shape[-1]
    pre = x_t @ W + b
    z, v = torch.sigmoid(pre[:, :H]), pre[:, H:]
    h_tilde = torch.where(v >= 0, v + 0.5, torch.sigmoid(v))
    return (1 - z) * h_prev + z * h_tilde
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_min_gru_step", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_min_gru_step(min_gru_step)

# %% [markdown]
# The package's `MinGRU` holds the same weights in one `nn.Linear`. Its three modes (your step
# in a loop, the scan, the log-space scan) must agree, and so must minLSTM's:

# %% tags=["autograde-skip"]
model = linear_rnn.MinGRU(D=5, H=7).double()
x = torch.randn(3, 200, 5, dtype=torch.float64)
W, bias = model.linear.weight.T.detach(), model.linear.bias.detach()
h, yours = torch.zeros(3, 7, dtype=torch.float64), []
for x_t in x.unbind(1):
    h = min_gru_step(x_t, h, W, bias)
    yours.append(h)
modes = {mode: model(x, mode=mode).detach() for mode in ("loop", "scan", "log")}
print("minGRU: your steps vs scan", f"{(torch.stack(yours, 1) - modes['scan']).abs().max():.1e};",
      "log-space vs loop", f"{(modes['log'] - modes['loop']).abs().max():.1e}")
assert torch.allclose(torch.stack(yours, 1), modes["scan"]) and torch.allclose(modes["log"], modes["loop"])
min_lstm = linear_rnn.MinLSTM(5, 7).double()
lstm_modes = [min_lstm(x, mode=m) for m in ("loop", "scan", "log")]
assert all(torch.allclose(m, lstm_modes[0]) for m in lstm_modes[1:]), "minLSTM: modes agree"

# %%
count = lambda module: sum(p.numel() for p in module.parameters())  # noqa: E731
for D, H in [(64, 64), (64, 256), (256, 256)]:
    sizes = {"minGRU": count(linear_rnn.MinGRU(D, H)), "minLSTM": count(linear_rnn.MinLSTM(D, H)),
             "nn.GRU": count(nn.GRU(D, H)), "nn.LSTM": count(nn.LSTM(D, H))}
    print(f"D = {D:3d}, H = {H:3d}: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()) +
          f"  (minGRU / GRU = {sizes['minGRU'] / sizes['nn.GRU']:.2f})")
    assert sizes["minGRU"] == 2 * H * (D + 1) and sizes["nn.GRU"] == 3 * H * (D + H + 2)
    assert sizes["minGRU"] < sizes["nn.GRU"] / 2 + 3 * H

# %% [markdown]
# minGRU has $2H(D+1)$ parameters against the GRU's $3H(D + H + 2)$: no $H \times H$ matrix at
# all. The state still mixes across channels, but only *between* layers (the MLPs of the
# residual stack below), not inside the recurrence.
#
# ## 4. Why selection matters
#
# The LRU is **time-invariant**: $\Lambda$, $B$, $C$ are the same at every step, so the layer is
# a fixed filter (its kernel $K_k$). minGRU is **selective**: $z_t$ depends on $x_t$, so it can
# keep its state through tokens that do not matter and overwrite it on the ones that do.
# Gu & Dao (2023) made the point with **selective copying**: a few data tokens scattered at
# random among noise, then "recall" tokens at which the model must repeat them, in order.
# Our CPU-sized version: 32 positions with 4 data tokens from a vocabulary of 4 (chance: 25 %),
# then 4 recall steps.

# %%
LENGTH, K, VOCAB = 32, 4, 4
tokens, targets = map(torch.from_numpy, make_selective_copy(20_000, LENGTH, K, VOCAB, seed=0))
test_tokens, test_targets = map(torch.from_numpy, make_selective_copy(1000, LENGTH, K, VOCAB, seed=1))
print("one sequence:", tokens[0].tolist(), "-> targets", targets[0].tolist())
print("(0 = noise, 1..4 = data tokens, 5 = recall)")

# %% [markdown]
# Both models are the same residual stack (embedding, then 2 blocks of
# [recurrent layer, MLP], width 32), trained the same way: Adam with a one-cycle learning rate
# for 300 steps of 32 sequences (`course_utils.train.train_one_cycle`, 15 lines), loss on the 4
# recall steps:

# %%
def copy_loss(model, step, batch=32):
    rows = slice(step * batch, (step + 1) * batch)
    scores = model(tokens[rows].to(dev))[:, -K:]  # (batch, K, VOCAB + 1)
    return F.cross_entropy(scores.reshape(-1, VOCAB + 1), targets[rows].to(dev).reshape(-1))

# %% tags=["autograde-skip"]
copy_curves, copy_accuracy, copy_seconds = {}, {}, {}
for name, layer in [("LRU (time-invariant)", "lru"), ("minGRU (selective)", "mingru")]:
    model = linear_rnn.Stack(layer, width=32, depth=2, outputs=VOCAB + 1, vocab_size=VOCAB + 2).to(dev)
    start = time.perf_counter()
    copy_curves[name] = train_one_cycle(model, copy_loss, 300, lr=1e-2, desc=name)
    copy_seconds[name] = time.perf_counter() - start
    with torch.no_grad():
        predicted = model(test_tokens.to(dev))[:, -K:].argmax(-1).cpu()
    copy_accuracy[name] = (predicted == test_targets).float().mean().item()
    print(f"{name}: test accuracy {copy_accuracy[name]:.3f} per token "
          f"({copy_seconds[name]:.0f} s)")

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(7, 3.8))
smooth = lambda v: np.convolve(v, np.ones(10) / 10, mode="valid")  # noqa: E731
for (name, curve), colour in zip(copy_curves.items(), colours):
    ax.plot(smooth(curve), color=colour, label=f"{name}: test accuracy {copy_accuracy[name]:.2f}")
ax.axhline(math.log(VOCAB), color="0.5", ls=":", label="guessing (log 4)")
ax.set(xlabel="training step", ylabel="cross-entropy (nats, 10-step mean)",
       title=f"Selective copying: {K} tokens among {LENGTH} positions")
ax.legend()
plt.show()

# %% tags=["autograde-skip"]
lti, selective = copy_accuracy["LRU (time-invariant)"], copy_accuracy["minGRU (selective)"]
assert selective > 0.85, "the selective model should copy most tokens"
assert selective > lti + 0.15, "... clearly better than the time-invariant one"

# %% [markdown]
# The selective model pulls ahead in the same number of steps. The time-invariant one is not
# hopeless on such short sequences: with 16 complex states per layer (32 real numbers, as many
# as minGRU's) and an MLP between layers it can
# partly memorise *where* things were. Gu & Dao's sequences are 4,096 long (section 6), and
# there their time-invariant S4 layer scored 18 %; a selective gate does not care how much
# noise lies between the tokens.
#
# **The adding problem at $T = 1000$** (notebook 05's task, ten times longer than its shipped
# LSTM handled). First the cost of one training step on 16 sequences (width 16), then 40 steps:

# %% tags=["autograde-skip"]
T_ADD = 1000
ADD_STEPS = 40
x_add, y_add = map(torch.from_numpy, make_adding(16 * ADD_STEPS, T_ADD, seed=0))
add_models = {"LRU": linear_rnn.Stack("lru", 16, 1, 1, input_size=2).to(dev),
              "minGRU": linear_rnn.Stack("mingru", 16, 2, 1, input_size=2).to(dev)}
lstm_add = nn.LSTM(2, 16, batch_first=True).to(dev)
step_seconds = {"nn.LSTM": scan.time_forward_backward(lambda x: lstm_add(x)[0], (x_add[:16],), 1)[1]}
for name, model in add_models.items():
    step_seconds[name] = scan.time_forward_backward(model, (x_add[:16],), 1)[1]
print(", ".join(f"{k}: {v:.2f} s" for k, v in step_seconds.items()), "per forward + backward")


def adding_loss(model, step, batch=16):
    rows = slice(step * batch, (step + 1) * batch)
    return F.mse_loss(model(x_add[rows].to(dev))[:, -1, 0], y_add[rows].to(dev))


add_curves = {name: train_one_cycle(model, adding_loss, ADD_STEPS, lr=3e-3, desc=name)
              for name, model in add_models.items()}
x_test, y_test = map(torch.from_numpy, make_adding(256, T_ADD, seed=1))
with torch.no_grad():
    add_mse = {name: F.mse_loss(m(x_test.to(dev))[:, -1, 0], y_test.to(dev)).item()
               for name, m in add_models.items()}
print(f"test MSE after {ADD_STEPS} steps:", {k: round(v, 3) for k, v in add_mse.items()},
      f"(predicting 1 scores {BASELINE_MSE:.3f})")

# %% tags=["autograde-skip"]
assert all(v > 0.5 * BASELINE_MSE for v in add_mse.values()), \
    "after 40 steps neither model has learned to add yet (as measured)"

# %% [markdown]
# Two honest surprises. First, on this CPU one step of `nn.LSTM` (PyTorch's fused C++ kernel)
# costs *less* than one of our Python-level scan models: the scan's advantage is parallel
# hardware, and a 2-core CPU does not have it. Second, in 40 steps (what fits this notebook's
# budget) neither linear model gets below the baseline of always answering 1. At
# initialisation the two marked values are 2 of 1,000 inputs summed into the state, and the
# gradient that would teach the model to single them out is buried under the other 998.
# Longer training, `r_min` close to 1 for the LRU and a closed initial gate for minGRU are the
# usual cures; `python -m benchmarks adding_T1000_linear_mse` trains longer and reports where
# it lands.
#
# ## 5. Explore the LRU's eigenvalues, and the curse of memory
#
# Move the ring and watch the memory. Left: the eigenvalues (and their conjugates, which the
# real part $\mathrm{Re}(C h)$ brings in) against the unit circle. Middle: each state's memory
# kernel $|\lambda_i|^t$. Right: the response of a random LRU (one input, one output, 16 states)
# to a single impulse. Things to try:
# - push `r_max` to 0.999: one state now remembers for a thousand steps (look at $T = 2000$);
# - set the phase range to 0: the impulse response stops ringing;
# - pull `r_min` up to `r_max`: every state has the same time scale.

# %% tags=["autograde-skip"]
explorer = widgets.lru_explorer()
explorer

# %% tags=["autograde-skip"]
update_ms = widgets.time_updates(explorer, {"r_min": [0.0, 0.3, 0.9], "r_max": [0.9, 0.99, 0.999],
                                             "max_phase": [0.0, 1.0, 3.0], "T": [50, 500, 2000]})
print(f"slider update: median {np.median(update_ms):.0f} ms, slowest {max(update_ms):.0f} ms "
      "(goal: 50 ms; on a busy machine more)")
explorer.set(r_max=0.999, r_min=0.99, max_phase=0.0, T=2000)
state = explorer.state
assert state["time_scales"].min() > 90 and state["time_scales"].max() > 300, "τ = -1/log|λ|"
assert np.all(state["eigenvalues"].imag == 0), "phase range 0: real eigenvalues"
explorer.set(r_min=0.5, r_max=0.95, max_phase=0.6, T=200)  # back to the start

# %% [markdown]
# **The curse of memory** (Zucchet & Orvieto, 2024). Long memory means $|\lambda|$ near 1,
# and there the state becomes very sensitive to $\lambda$ itself. For $h_t = \lambda h_{t-1} + x_t$
# with white-noise input, $\partial h_t / \partial \lambda = \sum_k k \lambda^{k-1} x_{t-k}$, whose
# variance is $(1 + \lambda^2)/(1 - \lambda^2)^3$: it grows without bound as $\lambda \to 1$,
# so a tiny step in $\lambda$ moves the output a lot and learning rates must shrink. The LRU's two
# tricks tame it: $\gamma$ divides the state's scale by $1/\sqrt{1-\lambda^2}$, and learning
# $\nu$ instead of $\lambda$ multiplies the gradient by $|\partial\lambda/\partial\nu| = \lambda
# |\log \lambda|$. Measured with autograd:

# %% tags=["autograde-skip"]
lams = torch.tensor([0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995], dtype=torch.float64)
x_noise = torch.randn(200, 4000, len(lams), dtype=torch.float64,
                      generator=torch.Generator().manual_seed(3))


def final_state(parameter, kind):
    """h_T for each sequence and λ, as a function of the learned parameter (λ or ν)."""
    lam = torch.exp(-torch.exp(parameter)) if kind == "nu" else parameter
    gain = torch.sqrt(1 - lam ** 2) if kind != "raw" else torch.ones_like(lam)
    return scan.parallel_scan(lam.expand_as(x_noise), gain * x_noise)[:, -1]  # (200, 7)


sensitivity = {}  # forward-mode autograd: d h_T / d parameter for all 200 sequences at once
for name, kind, parameter in [("λ, no normalisation", "raw", lams), ("λ, with γ", "gamma", lams),
                              ("ν (LRU: γ and λ = exp(-exp ν))", "nu", torch.log(-torch.log(lams)))]:
    _, derivative = torch.func.jvp(lambda p: final_state(p, kind), (parameter,),
                                   (torch.ones_like(parameter),))
    sensitivity[name] = derivative.var(0).numpy()
theory = ((1 + lams ** 2) / (1 - lams ** 2) ** 3).numpy()

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(7, 4))
memory = (1 / (1 - lams)).numpy()
for (name, var), colour in zip(sensitivity.items(), colours):
    ax.plot(memory, var, "o-", color=colour, label=f"parameter {name}")
ax.plot(memory, theory, "k:", label=r"theory $(1+\lambda^2)/(1-\lambda^2)^3$")
ax.set(xscale="log", yscale="log", xlabel=r"memory $1/(1-\lambda)$ (steps, log scale)",
       ylabel=r"Var($\partial h_T / \partial$ parameter)", title="The curse of memory, measured")
ax.legend(fontsize=8)
plt.show()
raw, normed, lru_param = sensitivity.values()
ratio = raw / theory
print(f"measured / theory without normalisation: {ratio.min():.2f} .. {ratio.max():.2f}")
print(f"growth from λ = 0.5 to 0.995: raw x{raw[-1] / raw[0]:.0f}, with γ x{normed[-1] / normed[0]:.0f}, "
      f"LRU parametrisation x{lru_param[-1] / lru_param[0]:.1f}")

# %% tags=["autograde-skip"]
assert np.all((ratio > 0.6) & (ratio < 1.5)), "the measurement should follow the formula"
assert raw[-1] / raw[0] > 1e5, "without normalisation the sensitivity explodes as λ -> 1"
assert lru_param[-1] / lru_param[0] < 10, "γ and the exp-parametrisation keep it bounded here"

# %% [markdown]
# Without normalisation the sensitivity grows by more than $10^5$ between $\lambda = 0.5$ and
# $0.995$, exactly as the formula says. $\gamma$ takes away one of the three powers of
# $1/(1-\lambda^2)$, and learning $\nu$ the other two (since $|\partial\lambda/\partial\nu|
# \approx 1 - \lambda$): what is left stays flat. This is the
# quantitative reason the LRU's parametrisation matters, and one reason gated models (whose
# $a_t$ is itself a learned function) train well.
#
# ## 6. Published results beside ours
#
# | | published | this notebook |
# |---|---|---|
# | **Selective copying** (Gu & Dao 2023, Mamba paper, Table 1) | sequences of 4,096, 16 data tokens, vocabulary 16, 2-layer models; accuracy: S4 without gating 18.3 %, S6 (selective) without gating 97.0 %, Mamba 99.8 % | sequences of 32 + 4, 4 data tokens, vocabulary 4, 2-layer stacks of width 32, 300 steps of 32 on a CPU; accuracies printed in section 4 |
# | **Long Range Arena, Path-X** (Orvieto et al. 2023, LRU paper) | LRU 94.2 % on 16,384-pixel images, with a 6-layer model trained for many epochs on a GPU | not run: far beyond a CPU minute |
# | **Speed** (Feng et al. 2024; Gu & Dao 2023) | scans on a GPU, reported as orders of magnitude faster than a sequential loop at long $T$ | a 2-core CPU: the work-efficient scan and a well-written loop are within a small factor of each other in training (section 2), and at inference the model runs as a loop |
#
# Every difference is one of scale: our sequences are 100 times shorter, our models about 1000
# times smaller, our training 1000 times shorter, and our hardware has 2 cores instead of
# thousands. The *ordering* (selective beats time-invariant on selective copying) is the part
# that carries over; the absolute numbers do not.
#
# ## Exercises to explore (not graded)
# 3. Replace `combine` by the wrong order, `(a1 a2, a1 b2 + b1)`. Which of section 2's checks
#    fail, and why does the loop not care?
# 4. In the explorer, find the `r_max` at which the slowest state keeps 10 % of an input for
#    1,000 steps. Compare with $\tau = -1/\log r$.
# 5. Train the LRU on selective copying with `LENGTH = 64`. Does the gap to minGRU grow?
# 6. Make minGRU time-invariant (replace $z_t$ by a learned constant per channel). Which model
#    of section 4 does it now resemble, and how does it do?
# 7. Train `linear_rnn.Stack("selective", ...)` on selective copying: a small Mamba-style layer
#    (`linear_rnn.Selective`, whose step size $\Delta_t$, $B_t$ and $C_t$ depend on $x_t$). How
#    does it compare with minGRU per step of training, and per second?
#
# **Where next:** this is the course's last notebook. The papers named here (S4, the LRU, Mamba,
# minGRU, and xLSTM and RWKV beside them) are where RNNs are going.
