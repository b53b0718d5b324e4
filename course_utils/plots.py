"""The course's figures. Each function draws on a matplotlib Axes and returns it."""
import matplotlib.pyplot as plt

# Okabe & Ito's colour-blind-safe palette, used by every figure in the course.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000",
}
_BOX_COLOURS = {"x": PALETTE["sky"], "h": PALETTE["orange"], "y": PALETTE["green"]}


def _node(ax, xy, text, kind):
    ax.annotate(text, xy, ha="center", va="center", fontsize=12,
                bbox=dict(boxstyle="round,pad=0.45", fc=_BOX_COLOURS[kind], ec="black", lw=1))


def _arrow(ax, start, end, label=None, label_offset=(0.0, 0.0), **style):
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", lw=1.4, color="black", shrinkA=14, shrinkB=14,
                                **style))
    if label:
        mid = ((start[0] + end[0]) / 2 + label_offset[0], (start[1] + end[1]) / 2 + label_offset[1])
        ax.text(*mid, label, fontsize=11, ha="center", va="center", color=PALETTE["vermillion"])


def draw_unfolded_rnn(steps=4, ax=None):
    """The recurrence h_t = f_W(h_{t-1}, x_t) drawn twice: folded (a loop) and unfolded in time.

    steps: how many time steps to unfold (1 to 8). Returns the Axes.
    """
    if not 1 <= int(steps) <= 8:
        raise ValueError(f"draw_unfolded_rnn: steps must be between 1 and 8, got {steps}")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * steps + 3.5, 3.6))
    # Folded: one cell with a self-loop.
    _node(ax, (0, 0), r"$x_t$", "x")
    _node(ax, (0, 1), r"$h_t$", "h")
    _node(ax, (0, 2), r"$y_t$", "y")
    _arrow(ax, (0, 0), (0, 1), r"$W_{xh}$", (-0.3, 0))
    _arrow(ax, (0, 1), (0, 2), r"$W_{hy}$", (-0.3, 0))
    ax.annotate("", xy=(0.2, 0.93), xytext=(0.2, 1.07),
                arrowprops=dict(arrowstyle="-|>", lw=1.4, shrinkA=0, shrinkB=0,
                                connectionstyle="arc,angleA=0,angleB=0,armA=28,armB=28,rad=6"))
    ax.text(0.75, 1.0, r"$W_{hh}$", fontsize=11, color=PALETTE["vermillion"], va="center")
    ax.text(1.35, 1.0, "=", fontsize=22, va="center", ha="center")
    # Unfolded: the same weights at every step.
    x0 = 2.2
    _node(ax, (x0, 1), r"$h_0$", "h")
    for t in range(1, steps + 1):
        col = x0 + 1.7 * t
        _node(ax, (col, 0), rf"$x_{t}$", "x")
        _node(ax, (col, 1), rf"$h_{t}$", "h")
        _node(ax, (col, 2), rf"$y_{t}$", "y")
        _arrow(ax, (col, 0), (col, 1), r"$W_{xh}$", (-0.38, 0))
        _arrow(ax, (col, 1), (col, 2), r"$W_{hy}$", (-0.38, 0))
        _arrow(ax, (col - 1.7, 1), (col, 1), r"$W_{hh}$", (0, 0.17))
    ax.set_xlim(-0.6, x0 + 1.7 * steps + 0.6)
    ax.set_ylim(-0.5, 2.5)
    ax.set_axis_off()
    ax.set_title("A recurrent network, folded (left) and unfolded in time: "
                 "the same $W_{xh}, W_{hh}, W_{hy}$ at every step")
    return ax
