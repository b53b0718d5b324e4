"""Dates written the ways people write them, to be rewritten as ISO 8601: notebook 07's seq2seq
task, "22 November 2026" -> "2026-11-22".

Every date between 1950-01-01 and 2049-12-31 can be drawn; the input format is chosen at random
among FORMATS. Characters are the tokens; index 0 is padding, 1 starts and 2 ends an output.
"""
import datetime

import numpy as np

from .text import Vocabulary
from ..validate import MAX_COUNT, MAX_STEPS, Flag, Indices, Int, Seed, Words, checked

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_month = lambda d: MONTHS[d.month - 1]
_weekday = lambda d: WEEKDAYS[d.weekday()]
FORMATS = {  # English names whatever the machine's locale
    "day month year": lambda d: f"{d.day} {_month(d)} {d.year}",                # 22 November 2026
    "month day, year": lambda d: f"{_month(d)} {d.day}, {d.year}",              # November 22, 2026
    "weekday, day month year": lambda d: f"{_weekday(d)}, {d.day} {_month(d)} {d.year}",
    "short": lambda d: f"{_weekday(d)[:3]} {d.day} {_month(d)[:3]} {d.year}",    # Sun 22 Nov 2026
    "lower case": lambda d: f"{_month(d)[:3]} {d.day} {d.year}".lower(),        # nov 22 2026
    "day/month/year": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",          # 22/11/2026
}
FIRST, DAYS = datetime.date(1950, 1, 1), 36524  # up to 2049-12-31
PAD, START, END = "\0", "^", "$"
CHARACTERS = PAD + START + END + " ,/-0123456789" + "".join(sorted(set(
    "".join(MONTHS + WEEKDAYS) + "abcdefghijklmnopqrstuvwxyz")))
VOCAB = Vocabulary(CHARACTERS)
SOURCE_LENGTH = max(len(f(datetime.date(2024, 9, 25))) for f in FORMATS.values())  # Wednesday...
TARGET_LENGTH = len("2026-11-22") + 1  # the ten characters, then END


def iso(date):
    """The target: '2026-11-22'. date: a datetime.date."""
    if not isinstance(date, datetime.date):
        raise ValueError(f"iso: date must be a datetime.date, got {date!r}"[:120])
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


@checked(n=Int(1, MAX_COUNT), seed=Seed)
def make_dates(n, seed=0, formats=None):
    """n random dates, each written in a random format.

    formats: names from FORMATS to draw from (default: all).
    Returns (sources, targets, dates): two lists of n strings ("22 November 2026",
    "2026-11-22") and the n datetime.date objects.
    """
    if n < 1:
        raise ValueError(f"make_dates: n must be >= 1, got {n}")
    formats = list(FORMATS) if formats is None else list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"make_dates: formats must be names from {list(FORMATS)}, got {unknown or formats}")
    rng = np.random.default_rng(seed)
    dates = [FIRST + datetime.timedelta(days=int(k)) for k in rng.integers(0, DAYS, n)]
    chosen = rng.integers(0, len(formats), n)
    sources = [FORMATS[formats[k]](d) for k, d in zip(chosen, dates)]
    return sources, [iso(d) for d in dates], dates


@checked(texts=Words(1), length=Int(1, MAX_STEPS), end=Flag,
         _size=lambda a: len(a["texts"]) * a["length"])
def encode(texts, length, end=False):
    """Strings -> (N, length) int64 character ids, padded with 0; end=True appends END."""
    ids = np.zeros((len(texts), length), dtype=np.int64)
    for row, text in enumerate(texts):
        text = text + END if end else text
        if len(text) > length:
            raise ValueError(f"encode: {text!r} is longer than length={length}")
        ids[row, :len(text)] = VOCAB.encode(text)
    return ids


@checked(ids=Indices("N, L"))
def decode(ids):
    """(N, L) ids -> N strings, each cut at its first END or padding."""
    texts = []
    for row in np.asarray(ids):
        stops = np.flatnonzero((row == VOCAB.index[PAD]) | (row == VOCAB.index[END]))
        texts.append(VOCAB.decode(row[:stops[0]] if stops.size else row))
    return texts
