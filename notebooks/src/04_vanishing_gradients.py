# %% [markdown]
# # 04 · Vanishing and exploding gradients: move a slider, watch a gradient explode
#
# After this notebook you will be able to
# - explain, with eigenvalues, why $h_t = W^\top h_{t-1}$ forgets or blows up, and which
#   eigen-direction wins (and correct the slide's formula for it);
# - state the condition that really holds for a nonlinear RNN (the largest **singular** value),
#   and show a matrix whose eigenvalues all lie inside the unit circle but whose powers grow;
# - measure $\|\partial h_T / \partial h_t\|$ in a real RNN with autograd, and see how tanh's
#   saturation pushes toward vanishing;
# - clip gradients correctly (the lecture's snippet has two bugs) and see why clipping matters at
#   a loss "cliff";
# - explore all of it with two interactive widgets.
#
# **Time to run:** under a minute on a laptop CPU. Two graded exercises (5 points).

# %%
import numpy as np
import torch
import torch.nn as nn
import matplotlib.pyplot as plt

from course_utils import checks, dynamics, plots, small_rnn, widgets
from course_utils.data.adding import BASELINE_MSE, make_adding
from course_utils.gradcheck import rel_error
from course_utils.models import cell_from_layer, load_last_state_model
from course_utils.runtime import device, seed_everything

seed_everything(0)
dev = device(max_threads=1)  # models of 32 units: too small for a second thread to pay
rng = np.random.default_rng(0)
colours = [plots.PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "purple", "sky")]

# %% [markdown]
# ## 1. The lecture's argument, computed
#
# Strip an RNN of its inputs and nonlinearity and one step is $h^{(t)} = W^\top h^{(t-1)}$, so
#
# $$h^{(t)} = (W^t)^\top h^{(0)}.$$
#
# **Which $W$ is this?** Without inputs, bias and tanh, the course's step
# $h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$ becomes $h_t = W_{hh} h_{t-1}$, so the slide's
# $W$ is $W_{hh}^\top$: exactly the matrix the code calls `Wh` (row-major, `h @ Wh`; see the table
# in [notebook 01, section 2](01_rnn_basics.ipynb#2.-The-vanilla-(Elman)-RNN-and-its-notation),
# which maps the column-vector maths to the code; from here on the code is row-major). The slide
# follows the Deep Learning book (section 10.7), whose RNN calls $W_{hh}$ itself $W$ and which
# writes this recurrence with $W^\top$ all the same. Either reading gives the same answers below:
# $W$ and $W^\top$ have the same eigenvalues and the same singular values, and backprop through
# time multiplies by $W_{hh}^\top$ at every step.
#
# If $W$ is symmetric it has an eigendecomposition $W = Q \Lambda Q^\top$ with orthogonal $Q$ (the
# eigenvectors are its *columns*), and powers only scale the eigenvalues:
# $W^t = Q \Lambda^t Q^\top$. In the eigen-coordinates $c = Q^\top h$, every component evolves on
# its own: $c_i^{(t)} = \lambda_i^t \, c_i^{(0)}$. Components with $|\lambda_i| > 1$ explode,
# those with $|\lambda_i| < 1$ vanish, and the largest $|\lambda_i|$ wins. Let us check each of
# those sentences on a $6 \times 6$ matrix.

# %%
eigenvalues = np.array([1.05, 0.98, 0.9, 0.7, -0.6, 0.3])
Q = dynamics.random_orthogonal(6, rng)
W = Q @ np.diag(eigenvalues) @ Q.T  # symmetric, with exactly these eigenvalues
t = 20
power_error = np.abs(np.linalg.matrix_power(W, t) - Q @ np.diag(eigenvalues ** t) @ Q.T).max()
print(f"max |W^{t} - Q Λ^{t} Qᵀ| = {power_error:.1e}")
assert power_error < 1e-12, "powers of W should only raise the eigenvalues to the power t"

# %%
steps = 80
h = np.empty((steps + 1, 6))
h[0] = rng.standard_normal(6)
for t in range(steps):
    h[t + 1] = W.T @ h[t]  # the lecture's recurrence, nothing else
components = h @ Q  # c^(t) = Qᵀ h^(t), one row per step
predicted = components[0] * eigenvalues ** np.arange(steps + 1)[:, None]
h_norms = np.linalg.norm(h, axis=1, keepdims=True)
assert np.all(np.abs(components - predicted) <= 1e-12 * h_norms), "c_i should scale by λ_i^t"
alignment = abs(h[-1] @ Q[:, 0]) / np.linalg.norm(h[-1])
print(f"after {steps} steps, h points along the top eigenvector: |cos angle| = {alignment:.4f}")
assert alignment > 0.99

# %% tags=["autograde-skip"]
fig, (ax_c, ax_dir) = plt.subplots(1, 2, figsize=(11, 3.8))
resolvable = np.abs(components) > 1e-13 * h_norms  # below this, float64 rounding of h shows
for i, (lam, colour) in enumerate(zip(eigenvalues, colours)):
    ax_c.plot(np.where(resolvable[:, i], np.abs(components[:, i]), np.nan), color=colour,
              label=f"λ = {lam:+.2f}")
ax_c.set(yscale="log", xlabel="step t", ylabel=r"$|c_i^{(t)}|$ (log scale)",
         title="Each eigen-component scales by $\\lambda_i^t$")
ax_c.legend(fontsize=8, ncol=2)
cosines = np.abs(h @ Q[:, 0]) / np.linalg.norm(h, axis=1)
ax_dir.plot(cosines, color=plots.PALETTE["blue"])
ax_dir.set(xlabel="step t", ylabel="|cos(h, top eigenvector)|", ylim=(0, 1.05),
           title="The largest eigenvalue wins the direction")
plt.tight_layout()
plt.show()

# %% [markdown]
# On the log axis every component is a straight line with slope $\log|\lambda_i|$ (each line stops
# where it falls below $10^{-13}\,\|h\|$, the rounding error of float64): the one with
# $\lambda = 1.05$ climbs, the rest sink, and $h$ turns toward the top eigenvector. Backprop
# through time multiplies by the same $W$ (transposed) at every step, so gradients obey the very
# same law: this is the **vanishing / exploding gradient** problem.

# %% [markdown]
# ### Where the slide goes wrong
# The slide (like the book's eq. 10.39) writes $h^{(t)} = Q^\top \Lambda^t Q\, h^{(0)}$, and says
# that "if the eigenvector is large, it will explode". Both need correcting:
#
# - The order. $(W^t)^\top = (Q \Lambda^t Q^\top)^\top = Q \Lambda^t Q^\top$, so
#   $h^{(t)} = Q \Lambda^t Q^\top h^{(0)}$. The slide's $Q^\top \Lambda^t Q$ is right only if
#   its $Q$ holds the eigenvectors in its *rows* (the transpose of the $Q$ in
#   $W = Q\Lambda Q^\top$ one line above), or by accident when $Q^2$ commutes with $\Lambda$,
#   e.g. for a reflection ($Q = Q^\top$).
# - For a $W$ that is not symmetric there is no orthogonal $Q$ at all. If $W$ is
#   diagonalisable, $W = V \Lambda V^{-1}$ with the eigenvectors in the columns of $V$,
#   $W^t = V \Lambda^t V^{-1}$, and
#   $h^{(t)} = (W^t)^\top h^{(0)} = V^{-\top} \Lambda^t V^\top h^{(0)}$.
# - Eigenvectors have no size (scale one and it is still an eigenvector). What explodes is the
#   component along an eigenvector whose **eigenvalue** has $|\lambda| > 1$.
#
# Computed against the recurrence itself, 20 steps of $h \leftarrow W^\top h$:

# %%
k = 20
right = Q @ np.diag(eigenvalues ** k) @ Q.T @ h[0]
slide = Q.T @ np.diag(eigenvalues ** k) @ Q @ h[0]
reflection = np.eye(6) - 2 * np.outer(Q[:, 0], Q[:, 0])  # orthogonal AND symmetric: Q = Qᵀ
W_reflected = reflection @ np.diag(eigenvalues) @ reflection.T
by_recurrence = np.linalg.matrix_power(W_reflected.T, k) @ h[0]
slide_reflected = reflection.T @ np.diag(eigenvalues ** k) @ reflection @ h[0]
print(f"generic orthogonal Q: right form {rel_error(right, h[k]):.0e}, "
      f"slide's form {rel_error(slide, h[k]):.2f}")
print(f"a reflection (Q = Qᵀ): slide's form {rel_error(slide_reflected, by_recurrence):.0e}")
assert rel_error(right, h[k]) < 1e-12 and rel_error(slide, h[k]) > 0.1, \
    "Q Λ^t Qᵀ h0 is the recurrence; the slide's Qᵀ Λ^t Q h0 is not"
assert rel_error(slide_reflected, by_recurrence) < 1e-12, "... unless Q = Qᵀ"

# %% [markdown]
# Now a $W$ that is not symmetric, with the same six eigenvalues: $W = V \Lambda V^{-1}$ for a
# random (not orthogonal) $V$.

# %%
V = np.random.default_rng(1).standard_normal((6, 6))  # own generator: rng unchanged
W_general = V @ np.diag(eigenvalues) @ np.linalg.inv(V)
by_recurrence = np.linalg.matrix_power(W_general.T, k) @ h[0]
forms = {"V^-T Λ^t V^T h0 (right)": np.linalg.inv(V).T @ np.diag(eigenvalues ** k) @ V.T @ h[0],
         "V^T Λ^t V h0 (slide's order)": V.T @ np.diag(eigenvalues ** k) @ V @ h[0],
         "V Λ^t V^T h0 (symmetric form)": V @ np.diag(eigenvalues ** k) @ V.T @ h[0]}
errors = {name: rel_error(form, by_recurrence) for name, form in forms.items()}
for name, error in errors.items():
    print(f"{name:30s} rel_error {error:.1e}")
right_error, *wrong_errors = errors.values()
assert right_error < 1e-9 and min(wrong_errors) > 0.1, "only V^-T Λ^t V^T h0 is the recurrence"

# %% [markdown]
# Only $V^{-\top} \Lambda^t V^\top h^{(0)}$ (which is $Q \Lambda^t Q^\top h^{(0)}$ when $V = Q$ is
# orthogonal) reproduces the recurrence. The lesson of the slide survives the correction: powers of
# $W$ only raise the eigenvalues to the power $t$, so a component explodes when its eigenvalue has
# $|\lambda| > 1$ and vanishes when $|\lambda| < 1$. The next section shows what the eigenvalues
# leave out when $W$ is not symmetric.

# %% [markdown]
# ## 2. Beyond the slide: singular values, and matrices that are not normal
#
# A real RNN has a nonlinearity: $h_t = \phi(a_t)$ with $a_t = W_{hh} h_{t-1} + W_{xh} x_t$.
# One step back multiplies the gradient by the Jacobian
# $\partial h_t / \partial h_{t-1} = \mathrm{diag}(\phi'(a_t))\, W_{hh}$. If $|\phi'| \le \gamma$
# ($\gamma = 1$ for tanh and ReLU, $\gamma = 1/4$ for the sigmoid) then
#
# $$\Big\|\frac{\partial h_T}{\partial h_t}\Big\|_2 \le \big(\gamma\, \|W_{hh}\|_2\big)^{T-t},$$
#
# where $\|W_{hh}\|_2 = \sigma_{\max}$ is the **largest singular value** (Pascanu, Mikolov &
# Bengio, 2013). So $\|W_{hh}\|_2 < 1/\gamma$ is *sufficient* for vanishing, and
# $\|W_{hh}\|_2 > 1/\gamma$ is *necessary* (not sufficient) for exploding. The spectral radius
# $\rho(W) = \max_i |\lambda_i|$ is never larger than $\sigma_{\max}$; the two are equal when $W$ is
# *normal* ($W W^\top = W^\top W$, e.g. symmetric or orthogonal), and can be far apart when it
# is not. Then the eigenvalues tell you where $W^t$ ends up, but not what it does on the way.
#
# The smallest example fits in a $2 \times 2$ matrix. A triangular matrix has its eigenvalues on
# the diagonal, so
#
# $$W_2 = \begin{pmatrix} 0.9 & 2 \\ 0 & 0.8 \end{pmatrix}, \qquad
# W_2^t = \begin{pmatrix} 0.9^t & 20\,(0.9^t - 0.8^t) \\ 0 & 0.8^t \end{pmatrix}$$
#
# has eigenvalues 0.9 and 0.8, both inside the unit circle. The off-diagonal 2 couples the two
# units at every step, and that corner of $W_2^t$ first *grows* (the difference $0.9^t - 0.8^t$
# widens, multiplied by 20) before both powers shrink and it decays:

# %%
W2 = np.array([[0.9, 2.0], [0.0, 0.8]])
powers_2x2 = np.array([np.linalg.norm(np.linalg.matrix_power(W2, t), 2) for t in range(61)])
print(f"eigenvalues {np.linalg.eigvals(W2)}, largest singular value {np.linalg.norm(W2, 2):.2f}")
print("||W2^t||_2 for t = 0, 1, 2, 5, 10, 20, 40, 60:",
      np.round(powers_2x2[[0, 1, 2, 5, 10, 20, 40, 60]], 2))
print(f"peak {powers_2x2.max():.2f} at t = {powers_2x2.argmax()}, "
      f"back below 1 from t = {np.argmax((powers_2x2 < 1) & (np.arange(61) > 0))}")
assert np.abs(np.linalg.eigvals(W2)).max() < 1, "both eigenvalues inside the unit circle"
assert powers_2x2.max() > 5 and powers_2x2[-1] < 0.1, "transient growth above 5, then decay"

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(powers_2x2, "o-", ms=3, color=plots.PALETTE["vermillion"], label="$\\|W_2^t\\|_2$")
ax.plot(0.9 ** np.arange(61), "k:", label=r"$\rho^t = 0.9^t$")
ax.axhline(1, color="0.6", lw=0.8)
ax.set(yscale="log", xlabel="power t", ylabel="$\\|W_2^t\\|_2$ (log scale)",
       title="A 2×2 non-normal W: eigenvalues 0.9 and 0.8, yet it grows first")
ax.legend()
plt.show()

# %% [markdown]
# The same happens, stronger, in 32 dimensions: below, two matrices with the same 32 eigenvalues
# (spectral radius 0.9), one normal and one not.

# %%
normal = dynamics.matrix_with_spectrum(32, radius=0.9, spread=0.3, angle=0.3, seed=0)
skewed = dynamics.matrix_with_spectrum(32, radius=0.9, spread=0.3, angle=0.3, non_normal=1.0,
                                       seed=0)
every_step = np.arange(201)
power_logs = {}
for name, matrix in [("normal", normal), ("non-normal", skewed)]:
    rho, sigma = np.abs(np.linalg.eigvals(matrix)).max(), np.linalg.norm(matrix, 2)
    power_logs[name] = dynamics.power_log_norms(matrix, 200, every_step)[1]
    print(f"{name:10s}: spectral radius {rho:.3f}, largest singular value {sigma:.3f}, "
          f"max_t ||W^t|| = {10 ** power_logs[name].max():.1f}")

# %% tags=["autograde-skip"]
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(every_step, 10.0 ** power_logs["normal"], color=plots.PALETTE["blue"],
        label="normal W: $\\|W^t\\|_2$")
ax.plot(every_step, 10.0 ** power_logs["non-normal"], color=plots.PALETTE["vermillion"],
        label="non-normal W, same eigenvalues")
ax.plot(every_step, 0.9 ** every_step, "k:", label=r"$\rho^t = 0.9^t$")
ax.axhline(1, color="0.6", lw=0.8)
ax.set(yscale="log", xlabel="power t", ylabel="$\\|W^t\\|_2$ (log scale)",
       title="Same eigenvalues (ρ = 0.9), different transients")
ax.legend()
plt.show()

# %%
normal_log, skewed_log = power_logs["normal"], power_logs["non-normal"]
assert np.allclose(normal_log, every_step * np.log10(0.9), atol=1e-9), "normal: ||W^t|| = ρ^t"
assert 10 ** skewed_log.max() > 10, "the non-normal W should grow more than tenfold first"
assert skewed_log[-1] < 0, "... and still decay in the end, since ρ < 1"
peak = every_step[skewed_log.argmax()]
print(f"non-normal W grows to {10 ** skewed_log.max():.1f}x at t = {peak}, "
      f"then decays to {10 ** skewed_log[-1]:.1e} at t = 200")

# %% [markdown]
# With all eigenvalues inside the unit circle, the non-normal matrix still amplifies by more than
# ten before it decays: over a few dozen steps, a gradient through it *explodes*. Trained RNN
# weight matrices are generally not normal, so look at singular values as well as eigenvalues.
#
# The bound above is easy to test: give a tanh RNN $\|W_{hh}\|_2 = 0.95$ and every Jacobian
# norm must stay under $0.95^{T-t}$, whatever the inputs. The Jacobians come from the chain rule,
# one step back at a time. In the course's row-major code a step is
# $h_t = \phi(h_{t-1}$ `@ Wh` $+ \dots)$ with `Wh` $= W_{hh}^\top$, so
# $\partial h_{t+1} / \partial h_t = \mathrm{diag}(\phi'(a_{t+1}))\,$`Wh.T` and
#
# $$\frac{\partial h_T}{\partial h_t} = \frac{\partial h_T}{\partial h_{t+1}}\,
# \mathrm{diag}(\phi'(a_{t+1}))\, W_{hh}.$$
#
# Here it is, to read and change (the widgets use `dynamics.jacobian_log_norms`, the same
# product kept on a log scale so that nothing overflows; a test checks that the two agree):

# %%
def jacobian_norms(Wh, derivs):
    """||dh_T/dh_t||_2 for t = 0..T, by the chain rule going back one step at a time.

    Wh: (H, H), the step h_t = phi(h_{t-1} @ Wh + ...)   derivs: (T, H) = phi'(a_t), t = 1..T
    Returns norms: (T + 1,), norms[T] = 1.
    """
    T, H = derivs.shape
    jacobian, norms = np.eye(H), [1.0]  # dh_T/dh_T = I
    for t in range(T - 1, -1, -1):  # derivs[t] holds phi'(a_{t+1})
        jacobian = jacobian @ np.diag(derivs[t]) @ Wh.T  # dh_T/dh_t
        norms.append(np.linalg.norm(jacobian, 2))
    return np.array(norms[::-1])


# %%
T = 100
Wh_small = 0.95 * dynamics.random_orthogonal(32, rng)  # all singular values 0.95
x_noise = rng.standard_normal((1, T, 1))
_, derivs = dynamics.rnn_trajectory(Wh_small, rng.standard_normal((1, 32)), x_noise,
                                    np.zeros((1, 32)), "tanh")
jac_norms = jacobian_norms(Wh_small, derivs[:, 0])
bound = 0.95 ** (T - np.arange(T + 1))
assert np.all(jac_norms <= bound * (1 + 1e-9)), "Pascanu's bound must hold at every step"
print(f"||dh_T/dh_0|| = {jac_norms[0]:.1e} <= 0.95^{T} = {0.95 ** T:.1e}")
t_steps, jac_log = dynamics.jacobian_log_norms(Wh_small, derivs[:, 0])
assert np.allclose(np.log10(jac_norms[t_steps]), jac_log), "the package computes the same"

# %% [markdown]
# ## 3. Measured in a real RNN, with autograd
#
# Now a real tanh RNN in PyTorch (`nn.RNN`, hidden size 32), its $W_{hh}$ a random Gaussian
# matrix rescaled to a chosen spectral radius. We keep every hidden state and ask autograd for
# the whole Jacobian $\partial h_T / \partial h_t$ at once, then take its spectral norm. With
# `is_grads_batched=True` that is one vectorised call: autograd maps a single backward pass over
# the 32 rows of an identity matrix (with `torch.vmap`) rather than running 32 backward passes.

# %%
def autograd_jacobian_norms(rnn_cell, x):
    """||dh_T/dh_t||_2 for t = 0..T, from torch autograd. x: (T, input_size)."""
    states = [torch.zeros(1, rnn_cell.hidden_size, requires_grad=True)]
    for x_t in x:
        states.append(rnn_cell(x_t[None], states[-1]))
    eye = torch.eye(rnn_cell.hidden_size)[:, None, :]  # one row per unit of h_T, one call
    jacobians = torch.autograd.grad(states[-1], states, grad_outputs=eye, is_grads_batched=True)
    return torch.stack([torch.linalg.matrix_norm(j[:, 0, :], ord=2) for j in jacobians])


def cell_with_radius(radius, nonlinearity="tanh", hidden=32, seed=0):
    torch.manual_seed(seed)
    cell = nn.RNNCell(1, hidden, nonlinearity=nonlinearity)
    with torch.no_grad():
        W = torch.randn(hidden, hidden) / hidden ** 0.5
        cell.weight_hh.copy_(W * radius / torch.linalg.eigvals(W).abs().max())
    return cell

# %% tags=["autograde-skip"]
T = 100
x_seq = torch.randn(T, 1, generator=torch.Generator().manual_seed(1))
radii = [0.5, 0.9, 1.0, 1.1, 1.5, 2.0]
measured = {}
for radius in radii:
    measured[radius] = autograd_jacobian_norms(cell_with_radius(radius), x_seq).detach().numpy()
for radius in radii:
    print(f"radius {radius:3.1f}: ||dh_T/dh_0|| = {measured[radius][0]:.1e}")
assert measured[0.5][0] < 1e-10 < 1 < measured[2.0][0], "small radii vanish, large ones grow"

# %% [markdown]
# The widgets below compute the same Jacobians in NumPy (`course_utils.dynamics`), which is fast
# enough to follow a slider. Before trusting them, compare with autograd:

# %% tags=["autograde-skip"]
def numpy_trajectory(cell, x):
    """The cell's states in NumPy via course_utils.dynamics; the bias rides as a constant input."""
    Wh = cell.weight_hh.detach().double().numpy().T  # course convention: h @ Wh
    Wx_and_b = np.vstack([cell.weight_ih.detach().double().numpy().T,
                          (cell.bias_ih + cell.bias_hh).detach().double().numpy()])
    inputs = np.concatenate([x.double().numpy(), np.ones((len(x), 1))], axis=1)[None]
    hs, derivs = dynamics.rnn_trajectory(Wh, Wx_and_b, inputs, np.zeros((1, cell.hidden_size)))
    return Wh, hs[:, 0], derivs[:, 0], (hs[:-1, 0] @ Wh + inputs[0] @ Wx_and_b)


Wh_np, _, derivs, _ = numpy_trajectory(cell_with_radius(1.5), x_seq)
t_steps, numpy_log = dynamics.jacobian_log_norms(Wh_np, derivs)
difference = np.abs(numpy_log - np.log10(measured[1.5][t_steps])).max()
print(f"NumPy vs autograd, largest difference in log10 norm: {difference:.1e}")
assert difference < 1e-4, "course_utils.dynamics should match torch autograd"

# %% tags=["autograde-skip"]
fig, (ax_t, ax_r) = plt.subplots(1, 2, figsize=(11, 3.8))
for radius, colour in zip(radii, colours):
    ax_t.plot(T - np.arange(T + 1), measured[radius], color=colour, label=f"ρ = {radius}")
ax_t.set(yscale="log", xlabel="distance T - t (steps back)",
         ylabel=r"$\|\partial h_T / \partial h_t\|_2$", title="tanh RNN, T = 100")
ax_t.legend(fontsize=8, ncol=2)
sweep = np.linspace(0.3, 2.5, 23)
for nonlinearity, colour in zip(["linear", "tanh", "relu"], colours):
    logs = [small_rnn.gradient_survival(s, T, nonlinearity) for s in sweep]
    ax_r.plot(sweep, logs, "o-", ms=3, color=colour, label=nonlinearity)
ax_r.axhline(0, color="0.6", lw=0.8)
ax_r.set(xlabel=r"weight scale $\|W_{hh}\|_2$", ylabel=r"$\log_{10}\|\partial h_T/\partial h_0\|_2$",
         title="After 100 steps: linear vs tanh vs ReLU")
ax_r.legend()
plt.tight_layout()
plt.show()
survival = {nl: small_rnn.gradient_survival(1.0, T, nl) for nl in ("linear", "tanh")}
assert abs(survival["linear"]) < 1e-9, "linear, orthogonal W: the norm is exactly 1"
assert survival["tanh"] < -10, "tanh at the same scale: the gradient has vanished"

# %% [markdown]
# Left: the further back, the smaller the gradient for small radii (straight lines on the log
# axis: exponential decay) and the larger for big ones. Right: the same network with every
# singular value of $W_{hh}$ equal to the weight scale (an orthogonal matrix, scaled). A linear
# RNN crosses from vanishing to exploding exactly at scale 1; tanh needs a far larger scale
# before anything survives 100 steps. Why? Its derivative:

# %% tags=["autograde-skip"]
a = np.linspace(-4, 4, 200)
pre_activations = {}
for radius in (0.9, 2.0):
    _, _, derivs, pre_activations[radius] = numpy_trajectory(cell_with_radius(radius), x_seq)
    print(f"radius {radius}: mean tanh'(a) over all units and steps = {derivs.mean():.2f}")

# %% tags=["autograde-skip"]
fig, (ax_f, ax_h) = plt.subplots(1, 2, figsize=(11, 3.6))
ax_f.plot(a, np.tanh(a), color=plots.PALETTE["blue"], label="tanh(a)")
ax_f.plot(a, 1 - np.tanh(a) ** 2, color=plots.PALETTE["vermillion"], label="tanh'(a) = 1 - tanh²(a)")
ax_f.set(xlabel="pre-activation a", ylabel="value", title="tanh saturates; its slope dies")
ax_f.legend()
for radius, colour in zip(pre_activations, colours[::3]):
    ax_h.hist(np.clip(pre_activations[radius], -6, 6).ravel(), bins=60, range=(-6, 6), alpha=0.6,
              color=colour, label=f"ρ = {radius}")
ax_h.set(xlabel="pre-activation a (clipped to ±6)", ylabel="count (all units and steps)",
         title="Bigger weights push units into saturation")
ax_h.legend()
plt.tight_layout()
plt.show()

# %% tags=["autograde-skip"]
saturation = {r: np.mean(1 - np.tanh(pre_activations[r]) ** 2) for r in pre_activations}
assert saturation[2.0] < 0.6 * saturation[0.9], "larger weights should saturate tanh more"

# %% [markdown]
# A bigger $W_{hh}$ makes bigger pre-activations, and there $\tanh' \approx 0$: each step back
# multiplies the gradient by a small $\mathrm{diag}(\tanh'(a_t))$. Saturation fights the growth of
# $W$, which is why tanh RNNs more often vanish than explode.
#
# *An aside on speed.* Vanishing gradients can make training slow as well as useless: numbers
# below about $10^{-38}$ in float32 become *subnormal*, and many CPUs compute with them far more
# slowly. `torch.set_flush_denormal(True)` rounds them to zero (notebook 05 uses it).

# %% [markdown]
# ### A trained RNN: $\sigma_{\max} > 1$ is necessary, not sufficient
# Notebook 05 ships a tanh RNN (128 units) trained on the adding problem with $T = 100$ by
# `scripts/train_longrange.py`. Training made its $W_{hh}$ large, far beyond the unit circle, yet
# the RNN never solved the task. Its eigenvalues and singular values, and the gradient that
# reaches $h_0$ from $h_{100}$ on a few of the task's sequences (in float64 and on a log scale:
# it lies far below float32's smallest number, about $10^{-45}$):

# %% tags=["autograde-skip"]
adding_rnn, adding_entry = load_last_state_model("longrange", "adding_rnn_T100.pt")
adding_cell = cell_from_layer(adding_rnn.rnn)
W_trained = adding_rnn.rnn.weight_hh_l0.detach().double().numpy()  # W_hh, column convention
rho_trained = np.abs(np.linalg.eigvals(W_trained)).max()
sigma_trained = np.linalg.norm(W_trained, 2)
linear_log = dynamics.power_log_norms(W_trained, 100, np.array([100]))[1][0]  # ||W_hh^100||
x_adding = torch.tensor(make_adding(4, 100, seed=5)[0])
trained_logs, trained_slopes = [], []
for x_one in x_adding:
    Wh_trained, _, trained_derivs, _ = numpy_trajectory(adding_cell, x_one)
    _, log_at_h0 = dynamics.jacobian_log_norms(Wh_trained, trained_derivs, np.array([0]))
    trained_logs.append(log_at_h0[0])
    trained_slopes.append(trained_derivs.mean())
print(f"spectral radius {rho_trained:.2f}, largest singular value {sigma_trained:.2f}; "
      f"validation MSE {adding_entry['validation']:.3f} (a constant guess: {BASELINE_MSE:.3f})")
print(f"without tanh: ||W_hh^100|| = 1e{linear_log:.0f};  with tanh: ||dh_100/dh_0|| = "
      f"1e{max(trained_logs):.0f} at most over {len(x_adding)} sequences; "
      f"mean tanh'(a) = {np.mean(trained_slopes):.3f}")

# %% tags=["autograde-skip"]
assert 6.2 < rho_trained < 6.5 and 7.2 < sigma_trained < 7.5, "ρ ≈ 6.3 and σ_max ≈ 7.4"
assert linear_log > 50, "a linear RNN with this W_hh would explode"
assert max(trained_logs) < -30, "... yet through tanh the gradient from h_100 to h_0 vanishes"
assert np.mean(trained_slopes) < 0.1, "because the units sit deep in tanh's flat tails"

# %% [markdown]
# With $\sigma_{\max} \approx 7.4$ the bound of section 2 allows a gradient to grow by $7.4^{100}$,
# and a linear RNN with this $W_{hh}$ would indeed explode. But the weights drive the
# pre-activations far into tanh's tails, where $\tanh'(a)$ averages about 0.05, so each step back
# multiplies by $\mathrm{diag}(\tanh'(a_t))\,W_{hh}$, which shrinks. $|\lambda| > 1$ or
# $\sigma_{\max} > 1$ is **necessary** for an exploding gradient, not sufficient: the derivative of
# the nonlinearity has its say. Notebook 05 shows the cells that get around it.

# %% [markdown]
# ## 4. Gradient clipping, and the cliff
#
# For exploding gradients the lecture offers a remedy, *gradient clipping*:
#
# ```python
# grad_norm = np.sum(grad * grad)
# if grad_norm > threshold:
#     grad *= (threshold / grad_norm)
# ```
#
# Look closely: `np.sum(grad * grad)` is the **squared** norm $\|g\|^2$, not $\|g\|$, and the
# snippet uses it twice, so it is wrong twice:
#
# 1. **the test** `grad_norm > threshold` asks whether $\|g\|^2 > c$ (write $c$ for the threshold),
#    i.e. $\|g\| > \sqrt{c}$: a gradient of norm 3 with threshold 5 is clipped ($9 > 5$),
#    to norm $5 \cdot 3 / 9 \approx 1.67$, although $3 < 5$ and it should pass untouched;
# 2. **the rescaling** by $c / \|g\|^2$ leaves a norm of $c / \|g\|$ instead of $c$: a gradient of
#    norm 10 with threshold 5 ends at norm $5 \cdot 10 / 100 = 0.5$, not 5.
#
# Both, computed with the snippet as the slide has it:

# %%
def lecture_clip(grad, threshold):
    grad_norm = np.sum(grad * grad)  # the squared norm!
    return grad * (threshold / grad_norm) if grad_norm > threshold else grad


for grad in (np.array([1.8, 2.4]), np.array([6.0, 8.0])):  # norms 3 and 10
    print(f"||g|| = {np.linalg.norm(grad):4.1f}, threshold 5: the slide's snippet returns norm "
          f"{np.linalg.norm(lecture_clip(grad, 5.0)):.3g} (correct: "
          f"{min(np.linalg.norm(grad), 5.0):g})")
assert np.isclose(np.linalg.norm(lecture_clip(np.array([1.8, 2.4]), 5.0)), 5 / 3), \
    "norm 3 < 5 should pass untouched, but the squared test clips it to 5/3"
assert np.isclose(np.linalg.norm(lecture_clip(np.array([6.0, 8.0]), 5.0)), 0.5), \
    "norm 10 should be clipped to 5, but dividing by the squared norm leaves 0.5"

# %% [markdown]
# ### Exercise 1 (2 points): clip by the norm
# Write `clip_by_norm(grad, threshold)`: if $\|g\| > $ `threshold`, return
# $g \cdot \text{threshold} / \|g\|$; otherwise return $g$ unchanged. The check compares it with
# `torch.nn.utils.clip_grad_norm_`.

# %% nbgrader={"grade": false, "grade_id": "clip_by_norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
def clip_by_norm(grad, threshold):
    """Rescale grad (a NumPy float64 array, any shape) to norm `threshold` if its norm is larger.

    Returns an array of grad's shape, NumPy or torch, float64 or float32. By hand: torch's
    clip_grad_norm_ does not count.
    """
    ### BEGIN SOLUTION
    norm = np.sqrt(np.sum(grad * grad))
    return grad * (threshold / norm) if norm > threshold else grad
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_clip_by_norm", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
checks.check_clip_by_norm(clip_by_norm)

# %% [markdown]
# In PyTorch the same thing is one call, applied to the norm of *all* parameters' gradients taken
# together, between `loss.backward()` and `optimizer.step()`:
#
# ```python
# torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=threshold)
# ```
#
# Why does clipping help? Pascanu et al. show that an RNN's loss surface can have **cliffs**: walls
# where the loss changes abruptly. Their one-unit RNN, $h_t = w\,\sigma(h_{t-1}) + b$ with
# $h_0 = 0.5$ and loss $(h_T - 0.7)^2$, is enough to see one. Past $w \approx 4$ the recurrence
# has two stable states, and a tiny change of $(w, b)$ flips which one $h_T$ ends in. The whole
# model, to read and change (the descent below uses `dynamics.cliff_loss_and_grad`, which also
# carries the exact derivatives along; a test checks that the two agree):

# %%
def cliff_loss(w, b, T=20, h0=0.5, target=0.7):
    """Pascanu et al.'s one-unit RNN: h_t = w * sigmoid(h_{t-1}) + b for t = 1..T, from h0;
    loss (h_T - target)².

    w, b: numbers, or arrays of one shape (a grid). Returns the loss, shaped like w.
    """
    h = np.full(np.broadcast(w, b).shape, h0)
    for _ in range(T):
        h = w * dynamics.activate(h, "sigmoid")[0] + b
    return (h - target) ** 2


# %% tags=["autograde-skip"]
w_grid, b_grid = np.meshgrid(np.linspace(2, 10, 321), np.linspace(-6, 1, 281))
surface = cliff_loss(w_grid, b_grid, T=20)
start, lr, threshold = (7.0, -2.0), 0.01, 20.0
paths = {"plain gradient descent": dynamics.descend_cliff(start, lr, 80, None, T=20),
         f"clipped at norm {threshold:g}": dynamics.descend_cliff(start, lr, 80, threshold, T=20)}
for name, (path, losses) in paths.items():
    jumps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    print(f"{name:25s}: largest step {jumps.max():6.2f}, final loss {losses[-1]:.3f}")

# %% tags=["autograde-skip"]
fig, (ax_s, ax_l) = plt.subplots(1, 2, figsize=(12, 4.2), width_ratios=(1.3, 1))
mesh = ax_s.pcolormesh(w_grid, b_grid, np.log10(surface + 1e-6), cmap="cividis", shading="auto")
fig.colorbar(mesh, ax=ax_s, label="log10 loss")
for (name, (path, losses)), colour, style in zip(paths.items(), ["black", plots.PALETTE["orange"]],
                                                 ["o-", "s-"]):
    ax_s.plot(path[:, 0], path[:, 1], style, ms=2.5, lw=1, color=colour, label=name)
    ax_l.plot(losses, style, ms=3, color=colour, label=name)
plain_path = paths["plain gradient descent"][0]
jump = np.linalg.norm(np.diff(plain_path, axis=0), axis=1).argmax()
(w0, b0), (w1, b1) = plain_path[jump], plain_path[jump + 1]
exit_w = w0 + (w1 - w0) * (1 - b0) / (b1 - b0)  # where the jump crosses the top edge, b = 1
ax_s.annotate(f"plain descent jumps to\n(w, b) = ({w1:.0f}, {b1:.0f}), off the map",
              xy=(exit_w, 1), xytext=(3.2, 0.0), fontsize=8, arrowprops=dict(arrowstyle="->"))
ax_s.set(xlim=(2, 10), ylim=(-6, 1), xlabel="w", ylabel="b",
         title="The cliff: loss of a one-unit RNN (T = 20)")
ax_s.legend(loc="lower left", fontsize=8)
ax_l.set(yscale="log", xlabel="iteration", ylabel="loss (log scale)",
         title="Hitting the wall throws plain descent away")
ax_l.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% tags=["autograde-skip"]
(plain_path, plain_losses), (clip_path, clip_losses) = paths.values()
plain_jump = np.linalg.norm(np.diff(plain_path, axis=0), axis=1).max()
clip_jump = np.linalg.norm(np.diff(clip_path, axis=0), axis=1).max()
assert clip_jump <= lr * threshold + 1e-9, "a clipped step is at most lr * threshold long"
assert plain_jump > 10 * clip_jump, "on the wall, the plain gradient step should be huge"
assert clip_losses[-1] < plain_losses[-1], "clipping should end at a lower loss here"

# %% [markdown]
# Both runs start at the same point and walk downhill toward the wall. There the gradient is
# enormous: plain gradient descent takes one giant step and lands far away, on a plateau it
# then crawls back across. The clipped run takes steps of at most `lr × threshold`, so it stays
# in the narrow valley beside the wall (its loss bounces as it steps across) and ends far lower.
# Clipping only changes the length of a step, never its direction.

# %% [markdown]
# ## 5. Play: two explorers
#
# ### The eigenvalue explorer
# The lecture's linear recurrence $h_t = W^\top h_{t-1}$ for a matrix you design: its size, its
# spectral radius $\rho$, how spread out the eigenvalue magnitudes are, how far they turn into
# complex pairs, and whether $W$ is normal. Left: the eigenvalues (dots) and singular values
# (ticks on the real axis) against the unit circle. Right: $\|h_t\|$ and
# $\|\partial h_T / \partial h_t\|_2$ on a log axis. Things to try:
# - Move $\rho$ across 1 and watch both curves tilt from falling to rising.
# - Make $W$ non-normal: the singular values spread beyond the unit circle while the eigenvalues
#   stay put, and the curves bulge up before they fall.
# - Lengthen $T$ to 500 with $\rho = 2$: the plot says "exploded" instead of overflowing.
#
# (The size starts at 3: the explorer builds $W$ from $2 \times 2$ rotation blocks and couples
# *different* blocks to make it non-normal, so a $2 \times 2$ $W$ would be one block, with no room
# for a spread of eigenvalue magnitudes or a non-normal part. Section 2's $W_2$ was made by hand.)

# %% tags=["autograde-skip"]
eigen_explorer = widgets.eigenvalue_explorer()
eigen_explorer

# %% [markdown]
# The claims above, checked on the explorer itself (this is what moving its sliders does).
# `reset` first puts *every* control back where it started, so the checks hold however you left
# the sliders:

# %% tags=["autograde-skip"]
eigen_explorer.reset(structure="normal", T=100, radius=0.9)
vanishing = eigen_explorer.state["jacobian_log"][0]
eigen_explorer.set(radius=1.1)
exploding = eigen_explorer.state["jacobian_log"][0]
print(f"ρ = 0.9: ||dh_T/dh_0|| = 1e{vanishing:.1f};  ρ = 1.1: 1e{exploding:+.1f}  (T = 100)")
assert np.isclose(vanishing, 100 * np.log10(0.9)) and np.isclose(exploding, 100 * np.log10(1.1)), \
    "a normal W: ||dh_T/dh_0|| = ρ^T exactly"
eigen_explorer.set(radius=0.9, structure="non-normal")
state = eigen_explorer.state
assert state["singular_values"][0] > 1 > np.abs(state["eigenvalues"]).max(), \
    "non-normal: the largest singular value leaves the unit circle, the eigenvalues stay inside"
assert state["jacobian_log"].max() > 0, "non-normal: some gradient grows although ρ < 1"
eigen_explorer.set(radius=2.0, T=500)
assert "exploded" in widgets.clipped_log_curve(eigen_explorer.state["state_log"])[1], \
    "ρ = 2 for 500 steps should leave the plotted range"
eigen_explorer.reset()  # back to the start

# %% [markdown]
# ### The gradient explosion explorer
# A real RNN (16 units) with $W_{hh}$ = weight scale × an orthogonal matrix, so every singular
# value equals the scale. Left: the gradient $\|\partial L / \partial h_t\|$ reaching each step at
# initialisation. Right: twelve steps of SGD on a short-range task (predict $x_{T-1} + x_T$),
# once without clipping and once clipped at the threshold you choose. Things to try:
# - tanh at scale 1: the gradient reaching early steps vanishes, yet training works. This task
#   needs only the last two steps; vanishing hurts *long-range* learning (notebook 05).
# - Switch to ReLU and raise the scale to 1.2: the gradient now *grows* as it goes back, and
#   without clipping the run diverges; with clipping it trains.
# - Linear at scale 3: everything overflows, and the plot says so.
# - Surprise: ReLU at scale 1 with $T = 200$. The gradient at $h_0$ has vanished, yet the run
#   without clipping still diverges. Look at the middle of the curve, and at the forward pass.

# %% tags=["autograde-skip"]
explosion_explorer = widgets.explosion_explorer()
explosion_explorer

# %% tags=["autograde-skip"]
explosion_explorer.reset(nonlinearity="relu", scale=1.2, threshold="1", T=100)
state = explosion_explorer.state
plain, clipped = state["losses"]
print(f"ReLU, scale 1.2: ||dL/dh_0|| = 1e{state['grad_log'][0]:.1f}, ||dL/dh_T|| = "
      f"1e{state['grad_log'][-1]:.1f}; final loss without clipping {plain[-1]:.3g}, "
      f"clipped {clipped[-1]:.3g}")
assert state["grad_log"][0] > state["grad_log"][-1], "the gradient should grow going back"
assert not np.isfinite(plain[-1]) and clipped[-1] < 2, "clipping should rescue this run"
explosion_explorer.set(nonlinearity="linear", scale=3.0)
assert widgets.clipped_log_curve(explosion_explorer.state["grad_log"])[1] == "exploded", \
    "a linear RNN at scale 3 should leave the plotted range"
explosion_explorer.reset()  # back to the start: tanh, scale 1
state = explosion_explorer.state
assert state["grad_log"][0] < -10 and state["losses"][0, -1] < 1, \
    "tanh at scale 1: early gradients vanish, yet the short-range task is learned"

# %% [markdown]
# ## Exercises
#
# ### Exercise 2 (3 points): how big must the weights be for a gradient to survive?
# For the explosion explorer's tanh RNN, find the **smallest weight scale** at which the gradient
# survives 100 steps: $\|\partial h_{100} / \partial h_0\|_2 \ge 10^{-3}$, to within 0.02.
# `small_rnn.gradient_survival(scale)` returns $\log_{10}\|\partial h_{100}/\partial h_0\|_2$.
# For a *linear* RNN the answer would be $(10^{-3})^{1/100} \approx 0.933$: is tanh's larger or
# smaller, and why?

# %% nbgrader={"grade": false, "grade_id": "smallest_surviving_scale", "locked": false, "schema_version": 3, "solution": true, "task": false}
smallest_surviving_scale = None  # one positive number (an int or a float, not a string)
### BEGIN SOLUTION
low, high = 0.25, 3.0  # bisection: survival < -3 below the answer, >= -3 everywhere above it
for _ in range(20):
    middle = (low + high) / 2
    low, high = (low, middle) if small_rnn.gradient_survival(middle) >= -3 else (middle, high)
smallest_surviving_scale = high
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_smallest_surviving_scale", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
checks.check_smallest_surviving_scale(smallest_surviving_scale)

# %% [markdown]
# Bisection needs only that survival is below $-3$ on one side of the answer and at least $-3$ on
# the other, not that it grows with the scale. It does grow, but only up to a scale of about 1.66;
# past that it wobbles up and down as the scale grows (staying above $-3$ at every scale measured
# below, up to 3, which is what keeps the bisection honest). Where it first turns:

# %% tags=["autograde-skip"]
scales = np.round(np.concatenate([np.arange(1.50, 1.80, 0.01), np.arange(1.80, 3.001, 0.05)]), 2)
survivals = np.array([small_rnn.gradient_survival(s) for s in scales])
turn = scales[np.argmax(np.diff(survivals) < 0)]  # the first scale after which survival drops
crossing = scales[np.argmax(survivals >= -3)]
print(f"survival grows with the scale up to {turn:.2f}, then wobbles; first >= -3 at {crossing:.2f}")
print(f"lowest survival above {crossing:.2f}: {survivals[scales >= crossing].min():.2f} (>= -3)")
assert 1.6 < turn < 1.75 and np.all(np.diff(survivals[scales <= turn]) > 0), \
    "survival should rise with the scale up to about 1.66, then fall for the first time"
assert np.all(survivals[scales >= crossing] >= -3), "above the answer, survival stays >= -3"

# %% [markdown]
# To explore (not graded):
# 3. In the eigenvalue explorer, set $\rho = 1$ exactly with a normal $W$. Why does $\|h_t\|$
#    stay flat? What happens to the *non-normal* version?
# 4. Find a setting of the explosion explorer where clipping at 0.3 trains *worse* than no
#    clipping. What does clipping cost?
# 5. The sigmoid has $\gamma = 1/4$. By the bound of section 2, how large must $\|W_{hh}\|_2$ be
#    before a sigmoid RNN *can* explode? Check with the explorer.
#
# ### Review questions
# The lecture's RNN deck (002) ends with summary questions; two of them are this notebook's
# business, asked here as gradients see them, with three more on its gradient-flow slides.
# Answer in a sentence or two, then check against the section named.
# 1. *How does an RNN handle the data?* It applies the same $W_{hh}$ at every step. Write
#    $\partial h_T / \partial h_0$ as a product: which factor repeats, and what does that
#    repetition do over 100 steps? (Sections 1 and 2.)
# 2. *What is the main difference between an RNN and an LSTM?* Answer it for the gradient: one step
#    back through a vanilla RNN multiplies by $\mathrm{diag}(\tanh'(a_t))\,W_{hh}$. What does
#    one step back through an LSTM's cell state $c_t = f \odot c_{t-1} + i \odot g$ multiply
#    by? (Deck 002's gradient-flow slide; notebook 05 measures it.)
# 3. The deck says "largest singular value > 1: exploding gradients". Name a network in this
#    notebook where that is false, and say why. (Section 3, the trained adding-problem RNN.)
# 4. "Largest singular value < 1: vanishing gradients" holds for tanh. Why does it not follow
#    from "all eigenvalues inside the unit circle"? (Section 2, $W_2$.)
# 5. Correct the deck's clipping snippet in its two places, and deck 000's
#    $h^{(t)} = Q^\top \Lambda^t Q\, h^{(0)}$. (Sections 4 and 1.)
#
# **What's next:** notebook 05 replaces the multiplication by $W$ with a gated, additive cell
# state (the LSTM and the GRU), and shows them remembering across 100 steps where this notebook's
# RNNs forget.
