"""Two tagging tasks for notebook 07, one label per input step.

make_name_sentences: "Jordan said hello" / "Jordan exports tea". Whether an ambiguous name is a
person or a place is decided by the word *after* it: a task for a bidirectional RNN.

make_mouse_states: what the mouse is doing each second (resting, exploring, freezing), seen
through three noisy sensors. States last about ten seconds, so the labels have structure of
their own: a task for a conditional RNN that is fed its past labels.
"""
import numpy as np

from ..validate import MAX_COUNT, MAX_STEPS, Int, Number, Pair, Seed, checked
from .vocabulary import Vocabulary

AMBIGUOUS = ["Jordan", "Georgia", "Chad", "Victoria", "Florence", "Sydney", "Austin", "Paris"]
PEOPLE = ["Alice", "Omar", "Mei", "Ravi", "Lisa"]
PLACES = ["Nepal", "Peru", "Kenya", "Chile", "Japan"]
PERSON_VERBS = [["said", "hello"], ["laughed"], ["wrote", "a", "letter"], ["sang", "loudly"],
                ["smiled"]]
PLACE_VERBS = [["exports", "tea"], ["borders", "the", "sea"], ["hosted", "the", "games"],
               ["lies", "north"], ["grows", "rice"]]
OPENERS = [[], [], ["yesterday"], ["in", "2009"], ["today"], ["they", "think"]]
JOINERS = ["and", "but", "while"]
TAGS = ["O", "PER", "LOC"]
WORDS = (["<pad>"] + sorted(set(AMBIGUOUS + PEOPLE + PLACES + JOINERS
                                + [w for group in PERSON_VERBS + PLACE_VERBS + OPENERS
                                   for w in group])))
VOCABULARY, TAG_VOCABULARY = Vocabulary(WORDS), Vocabulary(TAGS)
STATES = ["resting", "exploring", "freezing"]


def _clause(rng):
    """One clause and its tags; the name's kind follows from the verb that comes after it."""
    opener = OPENERS[rng.integers(len(OPENERS))]
    is_person = rng.random() < 0.5
    pool = AMBIGUOUS if rng.random() < 0.7 else (PEOPLE if is_person else PLACES)
    name = str(pool[rng.integers(len(pool))])
    verbs = PERSON_VERBS if is_person else PLACE_VERBS
    rest = verbs[rng.integers(len(verbs))]
    words = list(opener) + [name] + list(rest)
    tags = ["O"] * len(opener) + ["PER" if is_person else "LOC"] + ["O"] * len(rest)
    return words, tags


@checked(n=Int(1, MAX_COUNT), seed=Seed, clauses=Pair(1, 100, "int"))
def make_name_sentences(n, seed=0, clauses=(1, 3)):
    """n sentences of 1 to 3 clauses, "yesterday Jordan said hello and Georgia exports tea".

    Returns (sentences, tags): two lists of n word lists, tags from TAGS ("O", "PER", "LOC").
    """
    if n < 1:
        raise ValueError(f"make_name_sentences: n must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    sentences, tags = [], []
    for _ in range(n):
        words, labels = _clause(rng)
        for _ in range(rng.integers(clauses[0], clauses[1] + 1) - 1):
            more_words, more_labels = _clause(rng)
            words += [str(rng.choice(JOINERS))] + more_words
            labels += ["O"] + more_labels
        sentences.append(words)
        tags.append(labels)
    return sentences, tags


def encode_tagged(sentences, tags):
    """Word and tag lists -> word ids (N, T) and tag ids (N, T), padded with 0 / -1 (ignored by
    cross_entropy's ignore_index=-1), and a boolean (N, T) marking the ambiguous names."""
    length = max(map(len, sentences))
    words = np.zeros((len(sentences), length), dtype=np.int64)
    labels = np.full((len(sentences), length), -1, dtype=np.int64)
    ambiguous = np.zeros((len(sentences), length), dtype=bool)
    for row, (sentence, tag_list) in enumerate(zip(sentences, tags)):
        if len(sentence) != len(tag_list):
            raise ValueError(f"encode_tagged: sentence {row} has {len(sentence)} words but "
                             f"{len(tag_list)} tags")
        words[row, :len(sentence)] = VOCABULARY.ids(sentence)
        labels[row, :len(sentence)] = TAG_VOCABULARY.ids(tag_list)
        ambiguous[row, :len(sentence)] = [w in AMBIGUOUS for w in sentence]
    return words, labels, ambiguous


@checked(n=Int(1, MAX_COUNT), steps=Int(1, MAX_STEPS), stay=Number(0, 1), noise=Number(0),
         seed=Seed, _size=lambda a: a["n"] * a["steps"] * 4)
def make_mouse_states(n, steps=40, stay=0.9, noise=1.0, seed=0):
    """n recordings of `steps` seconds. The state follows a Markov chain that keeps its state
    with probability `stay` (else moves to one of the other two); each second three sensors
    read x_t = onehot(state_t) + noise * N(0, 1).

    Returns x: (n, steps, 3) float32 and states: (n, steps) int64 indices into STATES.
    """
    if n < 1 or steps < 2:
        raise ValueError(f"make_mouse_states: need n >= 1 and steps >= 2, got n={n}, steps={steps}")
    if not 0.0 <= stay <= 1.0:
        raise ValueError(f"make_mouse_states: stay must be a probability, got {stay}")
    rng = np.random.default_rng(seed)
    K = len(STATES)
    states = np.zeros((n, steps), dtype=np.int64)
    states[:, 0] = rng.integers(0, K, n)
    for t in range(1, steps):
        moves = rng.random(n) > stay
        states[:, t] = np.where(moves, (states[:, t - 1] + rng.integers(1, K, n)) % K,
                                states[:, t - 1])
    x = np.eye(K, dtype=np.float32)[states] + noise * rng.standard_normal((n, steps, K),
                                                                          dtype=np.float32)
    return x, states
