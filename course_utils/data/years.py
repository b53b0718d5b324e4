"""Sentences in the spirit of "I went to Nepal in 2009." / "In 2009, I went to Nepal.".

Each sentence holds one year (after "in") and sometimes a distractor number from the same
range ("with 2011 rupees"), so a model must read the context, not just spot a number.
"""
import numpy as np

from ..validate import MAX_COUNT, Int, IntList, Seed, checked
from .vocabulary import Vocabulary

SUBJECTS = [["I"], ["we"], ["my", "sister"], ["my", "parents", "and", "I"], ["our", "team"],
            ["the", "old", "climber"]]
VERBS = [["went", "to"], ["travelled", "to"], ["flew", "to"], ["moved", "to"],
         ["returned", "to"]]
PLACES = ["Nepal", "Peru", "Japan", "Kenya", "Chile", "Iceland", "Mongolia"]
TIME_PHRASES = [["last", "time"], ["after", "college"], ["as", "a", "student"], ["once"],
                ["long", "ago"]]
DISTRACTORS = [["with", "{n}", "rupees"], ["for", "{n}", "dollars"], ["paying", "{n}", "pesos"]]
NUMBERS = [str(n) for n in range(1990, 2025)]
PAD, UNK = "<pad>", "<unk>"


def _one_sentence(rng):
    year = str(rng.choice(NUMBERS))
    subject = list(SUBJECTS[rng.integers(len(SUBJECTS))])
    verb = list(VERBS[rng.integers(len(VERBS))])
    place = [str(rng.choice(PLACES))]
    when = ["in", year]
    extra = []
    if rng.random() < 0.5:
        template = DISTRACTORS[rng.integers(len(DISTRACTORS))]
        extra = [w.format(n=rng.choice(NUMBERS)) for w in template]
    phrase = list(TIME_PHRASES[rng.integers(len(TIME_PHRASES))]) if rng.random() < 0.6 else []
    prefix, suffix = (phrase + [","], []) if rng.random() < 0.5 else ([], phrase)
    layout = rng.integers(3)
    if layout == 0:    # "long ago , I went to Nepal in 2009 ."
        words = prefix + subject + verb + place + when + extra + suffix
    elif layout == 1:  # "in 2009 , I went to Nepal after college ."
        words = when + [","] + subject + verb + place + extra + phrase
    else:              # "I went to Nepal with 2011 rupees in 2009 ."
        words = prefix + subject + verb + place + extra + when + suffix
    words.append(".")
    return words, words.index("in") + 1


@checked(n=Int(1, MAX_COUNT), year_positions=IntList(0, 100), seed=Seed)
def make_year_sentences(n, year_positions, seed=0):
    """n sentences whose year stands at one of `year_positions` (0-based word index).

    year_positions: an iterable of allowed indices of the year word, e.g. range(1, 7).
    Returns (sentences, positions): a list of n word lists and an int array (n,) with the
    index of the year in each.
    """
    allowed = set(int(p) for p in year_positions)
    if not allowed:
        raise ValueError("make_year_sentences: year_positions must name at least one position")
    if n < 1:
        raise ValueError(f"make_year_sentences: n must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    sentences, positions = [], []
    for _ in range(200 * n):
        words, position = _one_sentence(rng)
        if position in allowed:
            sentences.append(words)
            positions.append(position)
            if len(sentences) == n:
                return sentences, np.array(positions)
    raise ValueError(f"make_year_sentences: year_positions: the grammar rarely puts a year at {sorted(allowed)}; "
                     "positions 1 to 17 are possible")


def build_vocabulary():
    """Map every word of the grammar to an integer; 0 is padding, 1 stands for unknown words.

    Returns a Vocabulary (a mapping word -> index, as a dict reads: vocab[word], len(vocab)).
    """
    phrases = SUBJECTS + VERBS + TIME_PHRASES + DISTRACTORS + [PLACES, NUMBERS, ["in", ",", "."]]
    words = sorted({w for phrase in phrases for w in phrase} - {"{n}"})
    return Vocabulary([PAD, UNK, *words], unknown=UNK)


def encode(sentences, vocabulary, length=None):
    """Turn word lists into a padded integer batch.

    sentences: list of N word lists; vocabulary: from build_vocabulary (or a dict word -> id
    with UNK).
    length: the padded length T (default: the longest sentence).
    Returns tokens: (N, T) int64 with 0 for padding, and lengths: (N,) int64.
    """
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    T = int(lengths.max()) if length is None else int(length)
    if lengths.max() > T:
        raise ValueError(f"encode: length must be >= the longest sentence ({lengths.max()}), got {T}")
    tokens = np.zeros((len(sentences), T), dtype=np.int64)
    for row, words in enumerate(sentences):
        tokens[row, :len(words)] = [vocabulary.get(w, vocabulary[UNK]) for w in words]
    return tokens, lengths
