""""Lisa was born in the USA ... she speaks English": a cue at the start, the answer at the end.

A sentence names a person and a country, then `gap` filler words, then "she speaks"; the
target is the country's language. Fillers never name a country, so the only way to answer is
to carry the cue across the gap. Chance is 1 in len(LANGUAGES).
"""
import numpy as np

from ..validate import MAX_COUNT, MAX_STEPS, Int, Seed, checked
from .vocabulary import Vocabulary

NAMES = ["Lisa", "Amira", "Keiko", "Lucia", "Ana", "Greta", "Mei", "Chloe"]
COUNTRIES = ["the USA", "France", "Japan", "Brazil", "Germany", "China", "Italy", "Spain"]
LANGUAGES = ["English", "French", "Japanese", "Portuguese", "German", "Chinese", "Italian",
             "Spanish"]
FILLER = ("and then she moved away , worked hard , read many books , liked long walks by the "
          "river with her old dog , cooked soup on cold days , sang songs , met friends , "
          "painted the kitchen yellow , and learned to swim").split()
WORDS = ["<pad>", "was", "born", "in", "she", "speaks", *NAMES, *COUNTRIES, *sorted(set(FILLER))]
# "she" stands twice in WORDS (a fixed word and a filler word); the shipped checkpoints were
# trained with its later id, so the earlier slot is kept, unused, under a placeholder.
VOCABULARY = Vocabulary(["<unused>" if i == WORDS.index("she") else w for i, w in enumerate(WORDS)])
INDEX = VOCABULARY.index  # word -> id, the name scripts and notebooks use


@checked(n=Int(1, MAX_COUNT), gap=Int(0, MAX_STEPS), seed=Seed,
         _size=lambda a: a["n"] * (a["gap"] + 20))
def make_birthplace(n, gap, seed=0):
    """n sentences with `gap` filler words between the cue and the question.

    The filler is a stretch of FILLER's text starting at a random word. Returns tokens:
    (n, gap + 7) int64, labels: (n,) int64 (an index into LANGUAGES), and the first sentence.
    """
    if gap < 0:
        raise ValueError(f"make_birthplace: gap must be >= 0, got {gap}")
    rng = np.random.default_rng(seed)
    labels = rng.integers(len(COUNTRIES), size=n)
    names = rng.integers(len(NAMES), size=n)
    filler_ids = np.array([INDEX[w] for w in FILLER])
    starts = rng.integers(len(FILLER), size=(n, 1))
    tokens = np.empty((n, gap + 7), dtype=np.int64)
    tokens[:, 0] = [INDEX[NAMES[i]] for i in names]
    tokens[:, 1:4] = [INDEX["was"], INDEX["born"], INDEX["in"]]
    tokens[:, 4] = [INDEX[COUNTRIES[i]] for i in labels]
    tokens[:, 5:5 + gap] = filler_ids[(starts + np.arange(gap)) % len(FILLER)]
    tokens[:, -2:] = [INDEX["she"], INDEX["speaks"]]
    return tokens, labels, " ".join(WORDS[t] for t in tokens[0])
