"""ipywidgets apps for the course. Compute lives in course_utils.dynamics and small_rnn; this
module only wires sliders to it and draws.

Every app is an `Explorer`: controls, a PNG image of a matplotlib figure, and a status line.
The figure's axes never move (fixed limits; the time axis snaps to 50, 100, 200 or 500
steps), so each update redraws only the curves onto a cached background: fast enough to
follow a slider. Values beyond the plotted range are clipped to its edge and labelled
"exploded" or "vanished", so no setting draws NaN or warns.

    explorer = eigenvalue_explorer()
    explorer             # shows it in a notebook
    explorer.set(radius=1.1)   # what moving the slider does; explorer.state has the numbers
"""
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from . import dynamics, small_rnn
from .plots import PALETTE
from .validate import MAX_STEPS, Array, Choice, Int, Number, Seed, checked

LOG_RANGE = 15  # plots show 10**-15 .. 10**15
TIME_AXES = (50, 100, 200, 500)

def _log_value(fn, arg, value):
    """A log10 value: a number, or +-inf for an overflow or an exact zero (not NaN)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or np.isnan(value):
        raise ValueError(f"{fn}: {arg} must be a log10 value (a number, or inf), got {value!r}")


def _threshold(fn, arg, value):
    """A clipping threshold: "off" or a positive number (the explorer's menu gives strings)."""
    try:
        ok = value == "off" or float(value) > 0 and np.isfinite(float(value))
    except (TypeError, ValueError):
        ok = False
    if not ok or isinstance(value, bool):
        raise ValueError(f"{fn}: {arg} must be 'off' or a positive number, got {value!r}")




@checked(T=Int(1, MAX_STEPS))
def time_axis_length(T):
    """The x-range, in steps, used for a sequence of length T (the first of TIME_AXES >= T)."""
    return next((length for length in TIME_AXES if length >= T), T)


@checked(value=_log_value)
def describe_log(value):
    """'1e-37' style text for a log10 value; 'inf' and '0' for the infinities."""
    if np.isposinf(value):
        return "inf"
    if np.isneginf(value):
        return "0"
    return f"1e{value:+.0f}" if abs(value) >= 3 else f"{10 ** value:.3g}"


@checked(log_values=Array(finite=False))
def clipped_log_curve(log_values):
    """log10 values clipped to the plot's range, with a verdict for the caption.

    Returns (clipped, verdict) where verdict is "exploded", "vanished" or "".
    """
    log_values = np.asarray(log_values, float)
    verdict = ""
    if np.any(log_values > LOG_RANGE):
        verdict = "exploded"
    elif np.any(log_values < -LOG_RANGE):
        verdict = "vanished"
    return np.clip(np.nan_to_num(log_values, nan=LOG_RANGE, posinf=LOG_RANGE,
                                 neginf=-LOG_RANGE), -LOG_RANGE, LOG_RANGE), verdict


class BlitFigure:
    """A figure drawn once per set of axis limits; updates redraw only its `animated` artists.

    fig: a matplotlib Figure whose moving artists were made with animated=True.
    """

    def __init__(self, fig):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self._backgrounds = {}

    def prime(self, keys, apply_key):
        """Draw and cache the background of each key now (apply_key(key) sets its limits),
        so that no later update pays for a full draw."""
        for key in keys:
            apply_key(key)
            self.canvas.draw()
            self._backgrounds[key] = self.canvas.copy_from_bbox(self.fig.bbox)

    def png(self, key, artists):
        """Render: background for `key` (drawn on first use), then `artists`. Returns PNG bytes."""
        if key not in self._backgrounds:
            self.canvas.draw()
            self._backgrounds[key] = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self._backgrounds[key])
        for artist in artists:
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", self.canvas.get_width_height(), self.canvas.buffer_rgba()) \
            .save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class Explorer:
    """Controls + image + status line. compute(**values) -> state; draw(state) -> (png, text)."""

    def __init__(self, controls, compute, draw):
        self.controls, self._compute, self._draw = controls, compute, draw
        self.defaults = self.values()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.status = widgets.HTML()
        boxes = [widgets.HBox(list(controls.values())[i:i + 3]) for i in range(0, len(controls), 3)]
        self.widget = widgets.VBox([*boxes, self.image, self.status])
        self._holding = False
        for control in controls.values():
            control.observe(lambda change: self._holding or self.update(), names="value")
        self.state = None
        self.update()

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def update(self):
        self.state = self._compute(**self.values())
        self.image.value, self.status.value = self._draw(self.state)

    def set(self, **values):
        """Move controls as a student would (each move triggers one update)."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"set: no control named {name!r}; controls: {list(self.controls)}")
            self.controls[name].value = value

    def reset(self, **values):
        """Every control back to where it started, then `values` (one update in all): what a
        cell below an explorer calls, so its result does not depend on how the sliders were left."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"reset: no control named {sorted(unknown)[0]!r}; controls: "
                             f"{list(self.controls)}")
        self._holding = True
        try:
            for name, value in {**self.defaults, **values}.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _slider(kind, description, **kwargs):
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="300px")
    return kind(description=description, continuous_update=True, style=style, layout=layout,
                **kwargs)


FONT = dict(title=12, label=11, ticks=10, legend=10, verdict=13)  # readable at 100 % zoom
DPI = 100
BAND = 7  # log10 units above and below the plotted range: the legend's and the verdict's room


def _style(ax, title):
    ax.set_title(title, fontsize=FONT["title"])
    ax.xaxis.label.set_size(FONT["label"])
    ax.yaxis.label.set_size(FONT["label"])
    ax.tick_params(labelsize=FONT["ticks"])


def _time_axes(ax, title, ylabel):
    """Log-norm axes from 1e-15 to 1e15, with an empty band above (for the legend) and below
    (for the "vanished"/"exploded" verdict), where the clipped curves never go."""
    ax.set_xlabel("time step t")
    ax.set_ylabel(ylabel)
    _style(ax, title)
    ax.set_ylim(-LOG_RANGE - BAND, LOG_RANGE + BAND)
    ticks = np.arange(-LOG_RANGE, LOG_RANGE + 1, 5)
    ax.set_yticks(ticks, [f"$10^{{{t}}}$" for t in ticks])
    ax.axhline(0, color="0.7", lw=0.8)
    for edge in (-LOG_RANGE, LOG_RANGE):
        ax.axhline(edge, color="0.85", lw=0.8, ls=":")


# ---------------------------------------------------------------- eigenvalue explorer

@checked(size=Int(2, 200), radius=Number(0, 10), spread=Number(0, 1),
         angle_degrees=Number(-360, 360), structure=Choice("normal", "non-normal"),
         T=Int(1, 10_000), seed=Seed)
def eigenvalue_state(size, radius, spread, angle_degrees, structure, T, seed=0):
    """Everything the eigenvalue explorer shows, for the lecture's h_t = W.T h_{t-1}.

    Returns a dict: W (size, size), eigenvalues, singular_values, steps and log10 norms of
    h_t (state_log) and of d h_T / d h_t = (W^(T-t)).T (jacobian_log at jacobian_steps,
    ascending in t, so jacobian_log[0] is for d h_T / d h_0).
    """
    W = dynamics.matrix_with_spectrum(size, radius, spread, np.radians(angle_degrees),
                                      non_normal=1.0 if structure == "non-normal" else 0.0,
                                      seed=seed)
    h0 = np.random.default_rng(seed).standard_normal(size)
    distances, power_log = dynamics.power_log_norms(W, T)
    return dict(W=W, T=T, eigenvalues=np.linalg.eigvals(W),
                singular_values=np.linalg.svd(W, compute_uv=False),
                state_log=dynamics.state_log_norms(W, h0 / np.linalg.norm(h0), T),
                jacobian_steps=(T - distances)[::-1], jacobian_log=power_log[::-1])


class _EigenvalueFigure:
    LIMIT = 2.3

    def __init__(self):
        fig = Figure(figsize=(11, 4.8), dpi=DPI)
        self.ax_plane, self.ax_time = fig.subplots(1, 2, width_ratios=(1, 1.6))
        ax = self.ax_plane
        circle = np.linspace(0, 2 * np.pi, 200)
        ax.plot(np.cos(circle), np.sin(circle), color="black", lw=1, label="unit circle")
        # the band above |z| = LIMIT holds the legend; points are clipped to the square below
        ax.set(xlim=(-self.LIMIT, self.LIMIT), ylim=(-self.LIMIT, self.LIMIT + 1.5),
               aspect="equal", xlabel="real part", ylabel="imaginary part")
        ax.set_yticks([-2, -1, 0, 1, 2])
        _style(ax, "Eigenvalues and singular values of W")
        self.eig = ax.scatter([], [], s=18, color=PALETTE["blue"], label="eigenvalues λ",
                              animated=True, zorder=3)
        self.sing = ax.scatter([], [], s=30, marker="|", color=PALETTE["vermillion"],
                               label="singular values σ", animated=True, zorder=3)
        self.sigma_circle, = ax.plot([], [], ls="--", lw=1, color=PALETTE["vermillion"],
                                     label="|z| = largest σ", animated=True)
        ax.legend(loc="upper center", ncol=2, fontsize=FONT["legend"] - 1, columnspacing=0.8,
                  handletextpad=0.4, borderaxespad=0.2)
        _time_axes(self.ax_time, "How much survives: states and gradients",
                   "norm (log scale)")
        self.state_line, = self.ax_time.plot([], [], color=PALETTE["blue"], lw=2,
                                             label=r"$\|h_t\|$, $h_t = W^\top h_{t-1}$",
                                             animated=True)
        self.jac_line, = self.ax_time.plot([], [], color=PALETTE["orange"], lw=2, marker=".",
                                           label=r"$\|\partial h_T / \partial h_t\|_2$",
                                           animated=True)
        self.ax_time.legend(loc="upper center", ncol=2, fontsize=FONT["legend"])
        self.verdict = self.ax_time.text(0.98, -LOG_RANGE - BAND / 2, "",
                                         transform=self.ax_time.get_yaxis_transform(),
                                         ha="right", va="center", fontsize=FONT["verdict"],
                                         color=PALETTE["vermillion"], weight="bold",
                                         animated=True)
        fig.tight_layout()
        self.blit = BlitFigure(fig)
        self.blit.prime(TIME_AXES, lambda length: self.ax_time.set_xlim(0, length))

    def draw(self, state):
        eig, sing, T = state["eigenvalues"], state["singular_values"], state["T"]
        inside = lambda v: np.clip(v, -self.LIMIT, self.LIMIT)  # noqa: E731
        self.eig.set_offsets(np.column_stack([inside(eig.real), inside(eig.imag)]))
        self.sing.set_offsets(np.column_stack([inside(sing), np.zeros_like(sing)]))
        angles = np.linspace(0, 2 * np.pi, 100)
        self.sigma_circle.set_data(sing[0] * np.cos(angles), sing[0] * np.sin(angles))
        state_curve, state_verdict = clipped_log_curve(state["state_log"])
        jac_curve, jac_verdict = clipped_log_curve(state["jacobian_log"])
        self.state_line.set_data(np.arange(T + 1), state_curve)
        self.jac_line.set_data(state["jacobian_steps"], jac_curve)
        verdicts = {v for v in (state_verdict, jac_verdict) if v}
        self.verdict.set_text(" / ".join(sorted(verdicts)))
        length = time_axis_length(T)
        self.ax_time.set_xlim(0, length)
        return self.blit.png(length, [self.eig, self.sing, self.sigma_circle, self.state_line,
                                      self.jac_line, self.verdict])


def eigenvalue_explorer(seed=0):
    """Sliders for W's size, spectral radius, eigenvalue spread, complex angle, structure and T.

    Plots W's eigenvalues and singular values against the unit circle, and ||h_t|| and
    ||d h_T / d h_t||_2 of the linear recurrence h_t = W.T h_{t-1}, on a log axis.
    """
    controls = {
        # n starts at 3: a 2x2 W is a single rotation block, with no room for a non-normal
        # part or for a spread of eigenvalue magnitudes (both controls would do nothing).
        "size": _slider(widgets.IntSlider, "matrix size n", value=32, min=3, max=64),
        "radius": _slider(widgets.FloatSlider, "spectral radius ρ", value=0.95, min=0.5,
                          max=2.0, step=0.01),
        "spread": _slider(widgets.FloatSlider, "eigenvalue spread", value=0.5, min=0, max=1,
                          step=0.05),
        "angle_degrees": _slider(widgets.FloatSlider, "complex angle (°)", value=30, min=0,
                                 max=180, step=5),
        "structure": widgets.ToggleButtons(options=["normal", "non-normal"], value="normal",
                                           description="W is",
                                           style={"button_width": "100px",
                                                  "description_width": "initial"},
                                           layout=widgets.Layout(width="300px")),
        "T": _slider(widgets.IntSlider, "sequence length T", value=100, min=5, max=500),
    }
    figure = _EigenvalueFigure()

    def draw(state):
        png = figure.draw(state)
        rho, sigma = np.abs(state["eigenvalues"]).max(), state["singular_values"][0]
        text = (f"spectral radius ρ(W) = {rho:.3f} &nbsp; largest singular value ‖W‖₂ = "
                f"{sigma:.3f} &nbsp; ‖h_T‖ = {describe_log(state['state_log'][-1])} &nbsp; "
                f"‖∂h_T/∂h_0‖ = {describe_log(state['jacobian_log'][0])}")
        return png, text

    explorer = Explorer(controls, lambda **v: eigenvalue_state(**v, seed=seed), draw)
    explorer.figure = figure
    return explorer


# ---------------------------------------------------------------- gradient explosion explorer

CLIP_CHOICES = ("0.3", "1", "3", "10", "30", "off")


@checked(scale=Number(0, 100), T=Int(1, 10_000),
         nonlinearity=Choice("linear", "tanh", "relu", "sigmoid"), threshold=_threshold,
         seed=Seed)
def explosion_state(scale, T, nonlinearity, threshold, seed=0):
    """Train a small RNN twice on the recent-sum task, without and with clipping.

    Returns a dict: grad_log (T + 1,) = log10 ||dL/dh_t|| at the start, and losses (2, iters)
    for ("no clipping", "clipped at threshold").
    """
    clip = None if threshold == "off" else float(threshold)
    losses, grad_norms = small_rnn.train_recent_sum_rnn(scale, T, nonlinearity,
                                                       thresholds=(None, clip), iterations=12,
                                                       seed=seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad_log = np.where(np.isnan(grad_norms), np.inf, np.log10(grad_norms))  # inf - inf
    return dict(T=T, grad_log=grad_log, losses=losses, threshold=threshold,
                nonlinearity=nonlinearity, scale=scale)


class _ExplosionFigure:
    LOSS_RANGE = (-2, 4)  # log10 of the loss axis

    def __init__(self):
        fig = Figure(figsize=(11, 4.8), dpi=DPI)
        self.ax_grad, self.ax_loss = fig.subplots(1, 2, width_ratios=(1.6, 1))
        _time_axes(self.ax_grad, "Gradient reaching each step, at initialisation",
                   r"$\|\partial L / \partial h_t\|$ (log scale)")
        self.grad_line, = self.ax_grad.plot([], [], color=PALETTE["orange"], lw=2,
                                            animated=True)
        self.ax_grad.legend([self.grad_line], [r"$\|\partial L / \partial h_t\|$"],
                            loc="upper center", fontsize=FONT["legend"])
        self.verdict = self.ax_grad.text(0.02, -LOG_RANGE - BAND / 2, "",
                                         transform=self.ax_grad.get_yaxis_transform(),
                                         va="center", fontsize=FONT["verdict"],
                                         color=PALETTE["vermillion"], weight="bold",
                                         animated=True)
        ax = self.ax_loss
        low, high = self.LOSS_RANGE
        # bands above (legend) and below (notes) the plotted range, where no curve goes
        ax.set(xlim=(-0.5, 11.5), ylim=(low - 1.9, high + 1.3), xlabel="SGD iteration",
               ylabel="mean squared error (log scale)")
        ticks = np.arange(low, high + 1, 2)
        ax.set_yticks(ticks, [f"$10^{{{t}}}$" for t in ticks])
        ax.axhline(np.log10(2), color="0.7", lw=0.8, ls="--", label="predict 0 (error 2)")
        _style(ax, "Short training run: recent-sum task")
        self.loss_lines = [ax.plot([], [], marker="o", ms=4, lw=2, color=c, label=label,
                                   animated=True)[0]
                           for c, label in ((PALETTE["vermillion"], "no clipping"),
                                            (PALETTE["blue"], "clipped"))]
        ax.legend(loc="upper center", ncol=2, fontsize=FONT["legend"] - 1, columnspacing=0.8,
                  handletextpad=0.4, borderaxespad=0.2)
        self.loss_notes = [ax.text(0.03, y, "", transform=ax.get_yaxis_transform(),
                                   fontsize=FONT["legend"] - 1, color=c, va="center",
                                   animated=True)
                           for y, c in ((low - 0.65, PALETTE["vermillion"]),
                                        (low - 1.4, PALETTE["blue"]))]
        fig.tight_layout()
        self.blit = BlitFigure(fig)
        self.blit.prime(TIME_AXES, lambda length: self.ax_grad.set_xlim(0, length))

    def draw(self, state):
        T = state["T"]
        curve, verdict = clipped_log_curve(state["grad_log"])
        self.grad_line.set_data(np.arange(T + 1), curve)
        self.verdict.set_text(verdict)
        self.ax_grad.set_xlim(0, time_axis_length(T))
        low, high = self.LOSS_RANGE
        clipped = "threshold off" if state["threshold"] == "off" else f"clipped at {state['threshold']}"
        names = ("no clipping", clipped)
        for line, note, losses, name in zip(self.loss_lines, self.loss_notes, state["losses"],
                                            names):
            finite = np.isfinite(losses)
            with np.errstate(divide="ignore"):
                log_loss = np.log10(losses[finite])
            line.set_data(np.flatnonzero(finite), np.clip(log_loss, low, high))
            message = ""
            if not finite.all():
                message = f"{name}: diverged at iteration {np.flatnonzero(~finite)[0]}"
            elif np.any(log_loss > high):
                message = f"{name}: error above 1e{high} (off the chart)"
            note.set_text(message)
        if np.array_equal(*state["losses"], equal_nan=True):  # say why the curves coincide
            self.loss_notes[1].set_text(
                "threshold off: the same run as without clipping" if state["threshold"] == "off"
                else f"clipped at {state['threshold']}: never triggered, the same run")
        return self.blit.png(time_axis_length(T), [self.grad_line, self.verdict,
                                                   *self.loss_lines, *self.loss_notes])


def explosion_explorer(seed=0):
    """Sliders for a real RNN's weight scale, sequence length, nonlinearity and clipping.

    Wh = scale * (random orthogonal), so every singular value of Wh equals the scale. Plots
    ||dL/dh_t|| against t, and the loss of a short SGD run with and without clipping.
    """
    controls = {
        "scale": _slider(widgets.FloatSlider, "weight scale ‖W_hh‖₂", value=1.0, min=0.25,
                         max=3.0, step=0.05),
        "T": _slider(widgets.IntSlider, "sequence length T", value=100, min=5, max=500),
        "nonlinearity": widgets.Dropdown(options=list(dynamics.NONLINEARITIES), value="tanh",
                                         description="nonlinearity"),
        "threshold": _slider(widgets.SelectionSlider, "clip gradient norm at",
                             options=list(CLIP_CHOICES), value="1"),
    }
    figure = _ExplosionFigure()

    def draw(state):
        png = figure.draw(state)
        gamma = dynamics.GAMMA[state["nonlinearity"]]
        text = (f"‖∂L/∂h_0‖ = {describe_log(state['grad_log'][0])} &nbsp; "
                f"‖∂L/∂h_T‖ = {describe_log(state['grad_log'][-1])} &nbsp; "
                f"vanishing is guaranteed when ‖W_hh‖₂ &lt; 1/γ = {1 / gamma:g} "
                f"({state['nonlinearity']}: |φ'| ≤ γ = {gamma:g})")
        return png, text

    explorer = Explorer(controls, lambda **v: explosion_state(**v, seed=seed), draw)
    explorer.figure = figure
    return explorer


# ---------------------------------------------------------------- LRU explorer (notebook 10)

LRU_TIME_AXES = (50, 100, 200, 500, 1000, 2000)


class _LRUFigure:
    def __init__(self):
        fig = Figure(figsize=(12, 3.9), dpi=100)
        self.ax_plane, self.ax_kernel, self.ax_impulse = fig.subplots(1, 3,
                                                                      width_ratios=(1, 1.3, 1.3))
        ax = self.ax_plane
        circle = np.linspace(0, 2 * np.pi, 200)
        ax.plot(np.cos(circle), np.sin(circle), color="black", lw=1, label="unit circle")
        ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), aspect="equal", xlabel="real part",
               ylabel="imaginary part")
        ax.set_title("Eigenvalues λ on the ring", fontsize=10)
        self.rings = [ax.plot([], [], ls="--", lw=1, color=PALETTE["orange"], animated=True)[0]
                      for _ in range(2)]
        self.eig = ax.scatter([], [], s=18, color=PALETTE["blue"], label="λ (and conjugates)",
                              animated=True, zorder=3)
        ax.legend(loc="lower left", fontsize=7)
        ax = self.ax_kernel
        ax.set(yscale="log", ylim=(1e-4, 1.5), xlabel="time step t",
               ylabel=r"$|\lambda_i|^t$ (log scale)")
        ax.set_title("Memory kernels: how fast each state forgets", fontsize=10)
        self.kernel_lines = [ax.plot([], [], lw=1, color=PALETTE["blue"], alpha=0.6,
                                     animated=True)[0] for _ in range(16)]
        ax = self.ax_impulse
        ax.set(ylim=(-1.2, 1.2), xlabel="time step t", ylabel="output (scaled to max 1)")
        ax.set_title("Impulse response Re(C Λ^t γB)", fontsize=10)
        ax.axhline(0, color="0.7", lw=0.8)
        self.impulse_line, = ax.plot([], [], lw=1.2, color=PALETTE["vermillion"], animated=True)
        fig.tight_layout()
        self.blit = BlitFigure(fig)
        self.blit.prime(LRU_TIME_AXES, self._set_length)

    def _set_length(self, length):
        self.ax_kernel.set_xlim(0, length)
        self.ax_impulse.set_xlim(0, length)

    def draw(self, state):
        lam, T = state["eigenvalues"], state["T"]
        both = np.concatenate([lam, lam.conj()])
        self.eig.set_offsets(np.column_stack([both.real, both.imag]))
        angles = np.linspace(0, 2 * np.pi, 100)
        for line, radius in zip(self.rings, (state["r_min"], state["r_max"])):
            line.set_data(radius * np.cos(angles), radius * np.sin(angles))
        stride = max(1, T // 400)  # kernels are smooth: 400 points per line are plenty
        t = np.arange(T + 1)
        for line, kernel in zip(self.kernel_lines, state["kernels"]):
            line.set_data(t[::stride], np.maximum(kernel[::stride], 1e-5))
        impulse = state["impulse"]
        self.impulse_line.set_data(t, impulse / max(np.abs(impulse).max(), 1e-12))
        length = next((n for n in LRU_TIME_AXES if n >= T), LRU_TIME_AXES[-1])
        self._set_length(length)
        return self.blit.png(length, [*self.rings, self.eig, *self.kernel_lines,
                                      self.impulse_line])


def lru_explorer(seed=0):
    """Sliders for the LRU's ring (r_min, r_max), phase range and T. Plots the eigenvalues in
    the complex plane, the memory kernels |λ_i|^t and a random LRU's impulse response."""
    from .linear_rnn import lru_explorer_state

    controls = {
        "r_min": _slider(widgets.FloatSlider, "r_min", value=0.5, min=0.0, max=0.99, step=0.01),
        "r_max": _slider(widgets.FloatSlider, "r_max", value=0.95, min=0.01, max=0.999,
                         step=0.001, readout_format=".3f"),
        "max_phase": _slider(widgets.FloatSlider, "phase range θ_max (rad)", value=0.6, min=0.0,
                             max=float(np.pi), step=0.02),
        "T": _slider(widgets.IntSlider, "sequence length T", value=200, min=10, max=2000),
    }
    figure = _LRUFigure()

    def compute(r_min, r_max, max_phase, T):
        r_min = min(r_min, r_max - 0.001)  # the ring needs r_min < r_max
        return lru_explorer_state(r_min, r_max, max_phase, T, seed=seed)

    def draw(state):
        png = figure.draw(state)
        scales = state["time_scales"]
        text = (f"memory time scales −1/log|λ|: from {scales.min():.1f} to {scales.max():.1f} "
                f"steps &nbsp; |λ|^T of the slowest state: {state['kernels'][:, -1].max():.2e}")
        return png, text

    return Explorer(controls, compute, draw)


def time_updates(explorer, sweep):
    """Move each control of `explorer` through its values, {control: [values]}, one move at a
    time, as a student would. Returns the milliseconds each move's update took (a list)."""
    import time

    timings = []
    for control, values in sweep.items():
        for value in values:
            start = time.perf_counter()
            explorer.set(**{control: value})
            timings.append(1000 * (time.perf_counter() - start))
    return timings
