"""Synthetic longitudinal health records for notebook 08, in the spirit of "Doctor AI" (Choi et
al. 2016) and of predicting heart-failure onset from visit sequences with GRUs (Choi et al.
2017). Generated, not real: the codes carry medical-sounding names to read easily, and the
rule that makes the label is invented for teaching. It is not medical knowledge.

A patient is a sequence of 4 to 12 visits; a visit is a set of 1 to 3 codes (diagnoses "D:",
medications "M:") drawn from a background distribution. The future-heart-failure label is
drawn from a logistic risk model in which
- a few codes raise the risk wherever they appear (RISK_CODES), and
- the pair ORDER_PAIR = (A, B) raises it by `order_effect` (on the log-odds scale) only when A
  comes at an earlier visit than B. B then A, or A or B alone, adds nothing.
Most patients hold both A and B (in either order, with equal chance), so counting codes says
little about the pair's part of the risk: only the order does.
"""
import numpy as np

from ..numerics import sigmoid
from ..validate import MAX_COUNT, MAX_STEPS, Int, Number, Pair, Seed, checked

CODES = ("D:hypertension", "D:type 2 diabetes", "D:obesity", "D:atrial fibrillation",
         "D:chronic kidney disease", "D:COPD", "D:anaemia", "D:sleep apnoea", "D:back pain",
         "D:influenza", "D:depression", "D:asthma", "M:beta blocker", "M:statin", "M:metformin",
         "M:inhaler", "M:antidepressant", "M:anticoagulant", "M:antibiotic", "M:analgesic",
         "M:proton pump inhibitor", "M:antihistamine", "D:myocardial infarction", "M:NSAID")
ORDER_PAIR = ("D:myocardial infarction", "M:NSAID")     # A then B raises the risk
RISK_CODES = {"D:hypertension": 0.8, "D:type 2 diabetes": 0.6, "D:obesity": 0.5}
BASE_LOG_ODDS = -2.0
# Patients holding both codes of the pair, only A, only B (the rest hold neither).
PAIR_SHARES = (0.7, 0.1, 0.1)


def _check(name, value, ok, expected):
    if not ok:
        raise ValueError(f"make_ehr: {name} must be {expected}, got {value!r}")


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@checked(n=Int(1, MAX_COUNT), visits=Pair(1, MAX_STEPS, "int"),
         codes_per_visit=Pair(1, 1000, "int"), order_effect=Number(), seed=Seed,
         _size=lambda a: a["n"] * a["visits"][1] * a["codes_per_visit"][1])
def make_ehr(n, visits=(4, 12), codes_per_visit=(1, 3), order_effect=3.0, seed=0):
    """n synthetic patients, their visits as multi-hot code vectors, and a future-HF label.

    visits: (min, max) visits per patient, 2 <= min <= max; T = max.
    codes_per_visit: (min, max) background codes per visit, 1 <= min <= max.
    order_effect: log-odds added when A (ORDER_PAIR[0]) comes at an earlier visit than B.
    Returns
    - x: (n, T, C) float32, C = len(CODES): x[i, t, c] = 1 if code c was recorded at visit t.
      Left-padded: a patient with L visits has them in rows T - L .. T - 1 (the last row is the
      most recent visit), zeros before;
    - lengths: (n,) int64, visits per patient;
    - y: (n,) int64, 1 = heart failure follows;
    - pattern: (n,) int64, 1 = A then B, -1 = B then A, 0 = not both.
    The same seed gives the same patients.
    """
    _check("n", n, _is_int(n) and n > 0, "a positive integer")
    _check("visits", visits, len(visits) == 2 and all(_is_int(v) for v in visits)
           and 2 <= visits[0] <= visits[1], "(min, max) integers with 2 <= min <= max")
    _check("codes_per_visit", codes_per_visit, len(codes_per_visit) == 2
           and all(_is_int(v) for v in codes_per_visit)
           and 1 <= codes_per_visit[0] <= codes_per_visit[1] <= len(CODES) - 2,
           f"(min, max) integers with 1 <= min <= max <= {len(CODES) - 2}")
    _check("order_effect", order_effect, isinstance(order_effect, (int, float, np.number))
           and np.isfinite(order_effect), "a finite number")
    rng = np.random.default_rng(seed)
    C, T = len(CODES), visits[1]
    a, b = (CODES.index(code) for code in ORDER_PAIR)
    background = np.array([i for i in range(C) if i not in (a, b)])
    popularity = rng.dirichlet(np.full(len(background), 2.0))   # some codes are common
    x = np.zeros((n, T, C), dtype=np.float32)
    lengths = rng.integers(visits[0], visits[1] + 1, size=n)
    pattern = np.zeros(n, dtype=np.int64)
    holds = rng.choice(4, size=n, p=[*PAIR_SHARES, 1 - sum(PAIR_SHARES)])  # both, A, B, neither
    for row in range(n):
        first = T - lengths[row]
        for t in range(first, T):
            k = rng.integers(codes_per_visit[0], codes_per_visit[1] + 1)
            x[row, t, rng.choice(background, size=k, replace=False, p=popularity)] = 1
        if holds[row] == 0:
            early, late = np.sort(rng.choice(np.arange(first, T), size=2, replace=False))
            a_first = rng.random() < 0.5
            x[row, early, a if a_first else b] = 1
            x[row, late, b if a_first else a] = 1
            pattern[row] = 1 if a_first else -1
        elif holds[row] in (1, 2):
            x[row, rng.integers(first, T), a if holds[row] == 1 else b] = 1
    risk = np.array([RISK_CODES.get(code, 0.0) for code in CODES])
    log_odds = BASE_LOG_ODDS + x.max(axis=1) @ risk + order_effect * (pattern == 1)
    y = (rng.random(n) < sigmoid(log_odds)).astype(np.int64)
    return x, lengths.astype(np.int64), y, pattern
