"""NARMA-10, the standard benchmark of reservoir computing (Atiya & Parlos 2000): a nonlinear
system whose output depends on its last 10 outputs and on the input 10 steps back,

    y_{t+1} = 0.3 y_t + 0.05 y_t (y_t + ... + y_{t-9}) + 1.5 u_{t-9} u_t + 0.1,

driven by i.i.d. input u_t uniform in [0, 0.5]. To predict y a model must remember ten steps.
"""
import numpy as np

from ..validate import MAX_STEPS, Int, Seed, checked


@checked(steps=Int(20, MAX_STEPS), seed=Seed)
def make_narma10(steps, seed=0):
    """One run of NARMA-10. Returns u: (steps,) and y: (steps,) float64, y[t] the system's
    output after reading u[0..t] (so y[t] is predicted from the inputs up to t)."""
    if int(steps) != steps or steps < 20:
        raise ValueError(f"make_narma10: steps must be an int >= 20, got {steps!r}")
    for attempt in range(100):   # the system can diverge for rare inputs: draw again
        u = np.random.default_rng([seed, attempt]).uniform(0, 0.5, steps + 1)
        y = np.zeros(steps + 1)
        for t in range(9, steps):
            y[t + 1] = (0.3 * y[t] + 0.05 * y[t] * y[t - 9:t + 1].sum()
                        + 1.5 * u[t - 9] * u[t] + 0.1)
        if np.all(np.isfinite(y)) and np.abs(y).max() < 10:
            return u[:-1], y[1:]
    raise RuntimeError("make_narma10: no stable run in 100 draws")
