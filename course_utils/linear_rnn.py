"""Linear recurrent layers (notebook 10): the LRU, minGRU, minLSTM, and a residual stack of them.

    LRU        h_t = Λ h_{t-1} + γ ⊙ B x_t,  y_t = Re(C h_t) + D ⊙ x_t, complex diagonal Λ
               (Orvieto et al. 2023): time-invariant, so also a convolution with K_k = C Λ^k B
    MinGRU     h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t, z_t and h̃_t from x_t only (Feng et al. 2024)
    MinLSTM    h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t, with f' + i' = 1 (Feng et al. 2024)
    Stack      embedding or linear in -> [x + layer(norm(x)), x + MLP(norm(x))] x depth -> out

Every layer maps x: (N, T, D) to (N, T, D) and runs in mode "scan" (parallel over time) or
"loop" (one step at a time, as at inference); the LRU also as "conv", minGRU and minLSTM also
as "log" (a log-space scan). All modes agree (tests/test_linear_rnn.py).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import scan
from .validate import (MAX_STEPS, MAX_WIDTH, Choice, Flag, Int, Number, Seed, Tensor, checked,
                       expect_elements, expect_shape)

MODES = ("scan", "loop")


def _expect_input(name, x, D):
    if x.ndim != 3 or x.shape[-1] != D:
        raise ValueError(f"{name}: x must have shape (N, T, D) = (N, T, {D}), got {tuple(x.shape)}")


def _expect_mode(name, mode, modes=MODES):
    if mode not in modes:
        raise ValueError(f"{name}: mode must be one of {list(modes)}, got {mode!r}")


# ------------------------------------------------------------------------ LRU

def _generator(fn, arg, value):
    if not isinstance(value, torch.Generator):
        raise ValueError(f"{fn}: {arg} must be a torch.Generator or None, got {type(value).__name__}")


RING = dict(r_min=Number(0, 1), r_max=Number(0, 1), max_phase=Number(0, 2 * math.pi))


@checked(P=Int(1, MAX_WIDTH), generator=_generator, **RING)
def ring_init(P, r_min, r_max, max_phase, generator=None):
    """P eigenvalues spread uniformly over the ring r_min <= |λ| <= r_max, phases in [0, max_phase].

    Returns (nu, theta), each (P,), with λ = exp(-exp(nu) + i theta).
    """
    if not 0 <= r_min < r_max < 1:
        raise ValueError(f"ring_init: need 0 <= r_min < r_max < 1, got r_min={r_min}, r_max={r_max}")
    u1, u2 = torch.rand(2, P, generator=generator, dtype=torch.float64)
    modulus = torch.sqrt(u1 * (r_max ** 2 - r_min ** 2) + r_min ** 2)  # uniform on the ring's area
    return torch.log(-torch.log(modulus)).float(), (max_phase * u2).float()


def _lru_eigenvalues(nu, theta):
    return torch.exp(torch.complex(-torch.exp(nu), theta))


@checked(nu=Tensor("P"), theta=Tensor("P"))
def lru_eigenvalues(nu, theta):
    """λ = exp(-exp(nu) + i theta): inside the unit circle for every real nu, theta. (P,) -> (P,)."""
    expect_shape("lru_eigenvalues", "theta", theta, "P", tuple(nu.shape))
    if nu.dtype != theta.dtype:
        raise ValueError(f"lru_eigenvalues: nu and theta must have the same dtype, got {nu.dtype} "
                         f"and {theta.dtype}")
    return _lru_eigenvalues(nu, theta)


class LRU(nn.Module):
    """The Linear Recurrent Unit: D inputs and outputs, P complex state channels.

    λ = exp(-exp(ν) + iθ) starts on the ring r_min <= |λ| <= r_max with phases in [0, max_phase];
    γ = sqrt(1 - |λ|²) normalises the input so every channel's state has about unit variance.
    forward(x: (N, T, D), mode="scan" | "loop" | "conv") -> y: (N, T, D).
    """

    @checked(D=Int(1, 8192), P=Int(1, 8192), seed=Seed, _size=lambda a: a["D"] * a["P"], **RING)
    def __init__(self, D, P, r_min=0.4, r_max=0.99, max_phase=math.pi, seed=0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        nu, theta = ring_init(P, r_min, r_max, max_phase, gen)
        self.nu, self.theta = nn.Parameter(nu), nn.Parameter(theta)
        self.B_re = nn.Parameter(torch.randn(P, D, generator=gen) / math.sqrt(2 * D))
        self.B_im = nn.Parameter(torch.randn(P, D, generator=gen) / math.sqrt(2 * D))
        self.C_re = nn.Parameter(torch.randn(D, P, generator=gen) / math.sqrt(P))
        self.C_im = nn.Parameter(torch.randn(D, P, generator=gen) / math.sqrt(P))
        self.D = nn.Parameter(torch.randn(D, generator=gen))
        self.d_model, self.d_state = D, P

    def eigenvalues(self):
        return _lru_eigenvalues(self.nu, self.theta)

    def gamma(self):
        return torch.sqrt(1 - self.eigenvalues().abs() ** 2)

    def B(self):
        """γ-normalised complex input matrix, (P, D)."""
        return torch.complex(self.B_re, self.B_im) * self.gamma()[:, None]

    def C(self):
        return torch.complex(self.C_re, self.C_im)

    @checked(T=Int(1, MAX_STEPS))
    def kernel(self, T):
        """K_k = Re(C Λ^k B) for k = 0..T-1: (T, D, D), the layer as a convolution."""
        expect_elements("LRU.kernel", "T", T * (self.d_model ** 2 + self.d_state))
        powers = self.eigenvalues()[None] ** torch.arange(T, device=self.nu.device)[:, None]
        return torch.einsum("dp,tp,pe->tde", self.C(), powers, self.B()).real

    def forward(self, x, mode="scan"):
        _expect_input("LRU", x, self.d_model)
        _expect_mode("LRU", mode, MODES + ("conv",))
        if mode == "conv":
            K = self.kernel(x.shape[1])  # y_t = sum_k K_k x_{t-k}, one FFT per channel pair
            T = x.shape[1]
            spectrum = torch.einsum("fde,nfe->nfd", torch.fft.rfft(K, n=2 * T, dim=0),
                                    torch.fft.rfft(x, n=2 * T, dim=1))
            return torch.fft.irfft(spectrum, n=2 * T, dim=1)[:, :T] + self.D * x
        u = torch.complex(x, torch.zeros_like(x)) @ self.B().T  # (N, T, P)
        lam = self.eigenvalues().expand_as(u)
        run = scan._parallel if mode == "scan" else scan._loop
        h = run(lam, u)
        return (h @ self.C().T).real + self.D * x


# ------------------------------------------------------------------------ minGRU, minLSTM

def _g(x):
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def _log_g(x):
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


@checked(x=Tensor())
def g(x):
    """Feng et al.'s positive activation: x + 0.5 for x >= 0, sigmoid(x) below. Any shape."""
    return _g(x)


@checked(x=Tensor())
def log_g(x):
    """log g(x), computed without taking the log of a small number. Any shape."""
    return _log_g(x)


class MinGRU(nn.Module):
    """minGRU: z_t = σ(x_t W_z + b_z), h̃_t = g(x_t W_h + b_h), h_t = (1 - z_t) h_{t-1} + z_t h̃_t.

    The gates read only x_t, so the recurrence is linear in h: mode="scan" runs it with
    parallel_scan, "log" in log space (Heinsen 2023, as Feng et al. do), "loop" one step at a
    time. x: (N, T, D) -> h: (N, T, H).
    """

    @checked(D=Int(1, 8192), H=Int(1, 8192))
    def __init__(self, D, H):
        super().__init__()
        self.linear = nn.Linear(D, 2 * H)  # [z | h̃] pre-activations
        self.d_model, self.hidden = D, H

    def forward(self, x, mode="scan"):
        _expect_input("MinGRU", x, self.d_model)
        _expect_mode("MinGRU", mode, MODES + ("log",))
        k, pre_h = self.linear(x).chunk(2, dim=-1)
        if mode != "log":
            z, h_tilde = torch.sigmoid(k), _g(pre_h)
            run = scan._parallel if mode == "scan" else scan._loop
            return run(1 - z, z * h_tilde)
        log_z, log_keep = -F.softplus(-k), -F.softplus(k)  # log z, log(1 - z)
        return torch.exp(scan._log_space_positive(log_keep, log_z + _log_g(pre_h)))


class MinLSTM(nn.Module):
    """minLSTM: f_t, i_t = σ(x_t W_f + b_f), σ(x_t W_i + b_i), normalised f' = f / (f + i),
    i' = i / (f + i); h̃_t = g(x_t W_h + b_h); h_t = f'_t h_{t-1} + i'_t h̃_t.
    mode: "scan", "log" or "loop", as for MinGRU. x: (N, T, D) -> h: (N, T, H).
    """

    @checked(D=Int(1, 8192), H=Int(1, 8192))
    def __init__(self, D, H):
        super().__init__()
        self.linear = nn.Linear(D, 3 * H)  # [f | i | h̃] pre-activations
        self.d_model, self.hidden = D, H

    def forward(self, x, mode="scan"):
        _expect_input("MinLSTM", x, self.d_model)
        _expect_mode("MinLSTM", mode, MODES + ("log",))
        k_f, k_i, pre_h = self.linear(x).chunk(3, dim=-1)
        if mode != "log":
            f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
            run = scan._parallel if mode == "scan" else scan._loop
            return run(f / (f + i), i / (f + i) * _g(pre_h))
        diff = F.softplus(-k_f) - F.softplus(-k_i)  # log i - log f
        log_f, log_i = -F.softplus(diff), -F.softplus(-diff)  # log f', log i'
        return torch.exp(scan._log_space_positive(log_f, log_i + _log_g(pre_h)))


# ------------------------------------------------------------------------ a selective SSM

class Selective(nn.Module):
    """A small Mamba-style selective state space layer (Gu & Dao 2023's S6, without the gate
    branch and the short convolution): D channels, each with S real states.

    Δ_t = softplus(x_t W_Δ + b_Δ) (D,), B_t = x_t W_B (S,), C_t = x_t W_C (S,), A = -exp(A_log) (D, S):
    h_t = exp(Δ_t A) ⊙ h_{t-1} + (Δ_t x_t) B_t,   y_t = h_t C_t + skip ⊙ x_t.
    A small Δ_t keeps the state (ignore this input), a large one overwrites it (store it): the
    step size, and so the memory, depends on the input. x: (N, T, D) -> y: (N, T, D).
    """

    @checked(D=Int(1, 8192), S=Int(1, 1024), _size=lambda a: a["D"] * a["S"])
    def __init__(self, D, S=8):
        super().__init__()
        self.to_delta = nn.Linear(D, D)
        self.to_BC = nn.Linear(D, 2 * S, bias=False)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, S + 1, dtype=torch.float32)).repeat(D, 1))
        self.skip = nn.Parameter(torch.ones(D))
        with torch.no_grad():  # initial step sizes between 0.001 and 0.1, as in Mamba
            dt = torch.exp(torch.empty(D).uniform_(math.log(1e-3), math.log(0.1)))
            self.to_delta.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # softplus^-1(dt)
        self.d_model, self.d_state = D, S

    def forward(self, x, mode="scan"):
        _expect_input("Selective", x, self.d_model)
        _expect_mode("Selective", mode)
        N, T, D = x.shape
        delta = F.softplus(self.to_delta(x))  # (N, T, D)
        B, C = self.to_BC(x).chunk(2, dim=-1)  # (N, T, S) each
        a = torch.exp(delta[..., None] * -torch.exp(self.A_log))  # (N, T, D, S)
        b = (delta * x)[..., None] * B[:, :, None, :]
        run = scan._parallel if mode == "scan" else scan._loop
        h = run(a.reshape(N, T, -1), b.reshape(N, T, -1)).reshape(N, T, D, -1)
        return (h * C[:, :, None, :]).sum(-1) + self.skip * x


# ------------------------------------------------------------------------ a residual stack

LAYERS = {"lru": lambda D: LRU(D, max(1, D // 2)),  # P complex states = D real numbers
          "mingru": lambda D: MinGRU(D, D),
          "minlstm": lambda D: MinLSTM(D, D), "selective": lambda D: Selective(D)}


class Stack(nn.Module):
    """in -> depth x [x + layer(norm(x)), x + MLP(norm(x))] -> norm -> linear out.

    Float inputs pass through a small MLP first, so that the first recurrence can already
    sum a nonlinear feature of each step (the adding problem needs value x marker).

    layer: "lru", "mingru", "minlstm" or "selective". Token inputs (N, T) int64 with vocab_size, else float
    inputs (N, T, input_size). forward(x, mode) -> (N, T, outputs): a prediction at every step.
    """

    @checked(layer=Choice(*LAYERS), width=Int(1, 8192), depth=Int(1, 64), outputs=Int(1, MAX_WIDTH),
             vocab_size=Int(1, MAX_WIDTH), input_size=Int(1, MAX_WIDTH), seed=Seed, norm_first=Flag,
             _size=lambda a: a["depth"] * a["width"] ** 2 + (a["vocab_size"] or 0) * a["width"])
    def __init__(self, layer, width, depth, outputs, vocab_size=None, input_size=None, seed=0,
                 norm_first=True):
        super().__init__()
        self.norm_first = norm_first
        if layer not in LAYERS:
            raise ValueError(f"Stack: layer must be one of {list(LAYERS)}, got {layer!r}")
        if (vocab_size is None) == (input_size is None):
            raise ValueError("Stack: give exactly one of vocab_size (tokens) and input_size (floats)")
        torch.manual_seed(seed)
        self.embed = nn.Embedding(vocab_size, width) if vocab_size else nn.Sequential(
            nn.Linear(input_size, width), nn.GELU(), nn.Linear(width, width))  # nonlinear: x_t -> u_t
        self.layers = nn.ModuleList(LAYERS[layer](width) for _ in range(depth))
        self.mlps = nn.ModuleList(nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(),
                                                nn.Linear(2 * width, width)) for _ in range(depth))
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(2 * depth + 1))
        self.out = nn.Linear(width, outputs)
        self.vocab_size, self.input_size = vocab_size, input_size

    def forward(self, x, mode="scan"):
        if self.vocab_size is not None and x.ndim != 2:
            raise ValueError(f"Stack: token input x must have shape (N, T), got {tuple(x.shape)}")
        if self.input_size is not None:
            _expect_input("Stack", x, self.input_size)
        x = self.embed(x)
        for i, (layer, mlp) in enumerate(zip(self.layers, self.mlps)):
            x = x + layer(self.norms[2 * i](x) if self.norm_first else x, mode=mode)
            x = x + mlp(self.norms[2 * i + 1](x))
        return self.out(self.norms[-1](x))


# ------------------------------------------------------------------------ the explorer's numbers

@checked(T=Int(1, MAX_STEPS), P=Int(1, 4096), seed=Seed, _size=lambda a: a["P"] * (a["T"] + 1), **RING)
def lru_explorer_state(r_min, r_max, max_phase, T, P=16, seed=0):
    """What notebook 10's LRU explorer shows, for a random LRU (1 input, 1 output, P states)
    initialised on the ring r_min <= |λ| <= r_max with phases in [0, max_phase].

    Returns a dict: eigenvalues (P,) complex, time_scales (P,) = -1 / log|λ| in steps,
    kernels (P, T + 1) = |λ_i|^t, impulse (T + 1,) = Re(C Λ^t γB), the layer's response
    to x = (1, 0, 0, ...).
    """
    if not 0 <= r_min < r_max < 1:
        raise ValueError(f"lru_explorer_state: need 0 <= r_min < r_max < 1, got {r_min}, {r_max}")
    gen = torch.Generator().manual_seed(seed)
    nu, theta = ring_init(P, r_min, r_max, max_phase, gen)
    lam = _lru_eigenvalues(nu.double(), theta.double())
    B = torch.complex(*torch.randn(2, P, generator=gen, dtype=torch.float64)) / math.sqrt(2)
    C = torch.complex(*torch.randn(2, P, generator=gen, dtype=torch.float64)) / math.sqrt(P)
    steps = torch.arange(T + 1, dtype=torch.float64)
    kernels = lam.abs()[:, None] ** steps  # (P, T + 1)
    phases = torch.exp(1j * theta.double()[:, None] * steps)
    gamma = torch.sqrt(1 - lam.abs() ** 2)
    impulse = ((C * gamma * B)[:, None] * kernels * phases).sum(0).real
    return dict(eigenvalues=lam.numpy(), time_scales=(-1 / torch.log(lam.abs())).numpy(),
                kernels=kernels.numpy(), impulse=impulse.numpy(), T=T, r_min=r_min, r_max=r_max)
