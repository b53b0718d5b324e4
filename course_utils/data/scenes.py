"""Captioned scenes for notebook 06, generated offline: small images of coloured shapes, each
with every caption a small grammar allows for it.

A scene is 64x64 RGB with 1 to 3 objects (circle, square, triangle; red, green, blue, yellow;
small or big), on a noisy light background:
- one object: "a small red circle", "a red circle";
- two different objects, side by side or one above the other: "a big blue square to the left
  of a green triangle", "a green triangle to the right of a big blue square", "... above ...",
  with or without sizes;
- two or three objects alike: "two yellow circles", "three red squares".
`references` holds every caption the grammar allows for a scene; the training caption is one of
them, drawn at random, so the model meets paraphrases. `holdout` names (colour, shape) pairs
that never appear in a scene unless asked for (the compositional hold-out), and `clutter`
draws 4-5 objects, more than any training scene has.
"""
import numpy as np

from ..validate import MAX_COUNT, MAX_STEPS, Flag, Int, Seed, Words, checked
from .vocabulary import Vocabulary

SIZE = 64
COLOURS = {"red": (0.85, 0.15, 0.1), "green": (0.1, 0.65, 0.2), "blue": (0.15, 0.3, 0.9),
           "yellow": (0.95, 0.8, 0.1)}
SHAPES = ("circle", "square", "triangle")
RADIUS = {"small": 6, "big": 10}
PAD, START, END = "<pad>", "<start>", "<end>"
WORDS = [PAD, START, END, "a", "two", "three", "small", "big", *COLOURS, *SHAPES,
         *[s + "s" for s in SHAPES], "to", "the", "left", "right", "of", "above", "below"]


def _mask(shape, cx, cy, r):
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    if shape == "circle":
        return (x - cx) ** 2 + (y - cy) ** 2 <= r ** 2
    if shape == "square":
        return (np.abs(x - cx) <= r * 0.85) & (np.abs(y - cy) <= r * 0.85)
    top = cy - r
    return (y >= top) & (y <= cy + r) & (np.abs(x - cx) <= (y - top) / 2 + 0.5)


def _phrase(obj, with_size):
    return ["a"] + ([obj["size"]] if with_size else []) + [obj["colour"], obj["shape"]]


def captions_for(objects, relation=None):
    """Every caption the grammar allows for a scene: a list of word lists."""
    first = objects[0]
    if len(objects) == 1:
        return [_phrase(first, True), _phrase(first, False)]
    if all((o["colour"], o["shape"]) == (first["colour"], first["shape"]) for o in objects):
        return [[{2: "two", 3: "three"}[len(objects)], first["colour"], first["shape"] + "s"]]
    a, b = objects
    inverse = {"left": "right", "right": "left", "above": "below", "below": "above"}
    said = lambda rel: ["to", "the", rel, "of"] if rel in ("left", "right") else [rel]
    return [_phrase(x, size) + said(rel) + _phrase(y, size)
            for x, y, rel in [(a, b, relation), (b, a, inverse[relation])]
            for size in (True, False)]


def _draw_objects(rng, n, allowed_pairs, alike):
    """n objects as dicts (shape, colour, size); `alike`: all the same colour and shape."""
    pairs = allowed_pairs
    chosen = [pairs[rng.integers(len(pairs))]]  # (colour, shape)
    for _ in range(n - 1):
        if alike:
            chosen.append(chosen[0])
        else:
            others = [p for p in pairs if p != chosen[0]]
            chosen.append(others[rng.integers(len(others))])
    sizes = [("small", "big")[rng.integers(2)] for _ in range(n)]
    if alike:
        sizes = [sizes[0]] * n
    return [dict(colour=c, shape=s, size=z) for (c, s), z in zip(chosen, sizes)]


def _place(rng, objects, relation):
    """Centres for the objects: two are set by the relation; alike ones go in a row."""
    n = len(objects)
    if n == 1:
        return [(rng.integers(14, 50), rng.integers(14, 50))]
    if relation in ("left", "right"):
        xs, y = [rng.integers(12, 24), rng.integers(40, 52)], rng.integers(14, 50)
        ys = [y + rng.integers(-3, 4), y + rng.integers(-3, 4)]
        xs = xs if relation == "left" else xs[::-1]
        return list(zip(xs, ys))
    if relation in ("above", "below"):
        ys, x = [rng.integers(12, 24), rng.integers(40, 52)], rng.integers(14, 50)
        xs = [x + rng.integers(-3, 4), x + rng.integers(-3, 4)]
        ys = ys if relation == "above" else ys[::-1]
        return list(zip(xs, ys))
    columns = np.linspace(11, 53, n).astype(int)  # alike objects, or clutter, in a loose row
    return [(int(c) + rng.integers(-2, 3), rng.integers(12, 52)) for c in columns]


def render(objects, centres, rng):
    """The scene as a float32 image (3, 64, 64) in [0, 1]."""
    image = 0.9 + 0.05 * rng.standard_normal((3, SIZE, SIZE))
    for obj, (cx, cy) in zip(objects, centres):
        r = RADIUS[obj["size"]] if len(objects) < 4 else 5
        mask = _mask(obj["shape"], cx, cy, r)
        for channel, value in enumerate(COLOURS[obj["colour"]]):
            image[channel][mask] = value + 0.03 * rng.standard_normal(mask.sum())
    return np.clip(image, 0, 1).astype(np.float32)


@checked(n=Int(1, MAX_COUNT), seed=Seed, only_holdout=Flag, clutter=Flag,
         _size=lambda a: a["n"] * 3 * 64 * 64)
def make_scenes(n, seed=0, holdout=(("red", "triangle"),), only_holdout=False, clutter=False):
    """n captioned scenes.

    holdout: (colour, shape) pairs left out of every scene (the compositional hold-out);
    only_holdout=True makes every scene contain one of them instead (to test on).
    clutter=True draws 4-5 different objects in a row (their captions are not defined: the
    references list the objects, one phrase each).
    Returns images: (n, 3, 64, 64) float32, captions: list of n word lists (one of the
    references, drawn at random), references: list of n lists of word lists, and scenes: list
    of n lists of object dicts.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"make_scenes: n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    every_pair = [(c, s) for c in COLOURS for s in SHAPES]
    held = [tuple(p) for p in holdout]
    unknown = [p for p in held if p not in every_pair]
    if unknown:
        raise ValueError(f"make_scenes: holdout must hold (colour, shape) pairs from "
                         f"{list(COLOURS)} x {list(SHAPES)}, got {unknown}")
    allowed = [p for p in every_pair if p not in held]
    images, captions, references, scenes = [], [], [], []
    for _ in range(n):
        if clutter:
            picks = rng.choice(len(allowed), size=int(rng.integers(4, 6)), replace=False)
            objects = [dict(colour=allowed[i][0], shape=allowed[i][1], size="small") for i in picks]
            relation, refs = None, [_phrase(o, False) for o in objects]
        else:
            kind = rng.choice(["one", "two", "alike"], p=[0.3, 0.5, 0.2])
            count = {"one": 1, "two": 2, "alike": int(rng.integers(2, 4))}[kind]
            objects = _draw_objects(rng, count, allowed, alike=kind == "alike")
            if only_holdout:
                colour, shape = held[rng.integers(len(held))]
                objects[0] = dict(objects[0], colour=colour, shape=shape)
                if kind == "alike":
                    objects = [dict(o, colour=colour, shape=shape) for o in objects]
                elif kind == "two" and (objects[1]["colour"], objects[1]["shape"]) == (colour, shape):
                    objects[1] = dict(objects[1], shape=SHAPES[(SHAPES.index(shape) + 1) % 3])
            relation = rng.choice(["left", "right", "above", "below"]) if kind == "two" else None
            refs = captions_for(objects, relation)
        centres = _place(rng, objects, relation)
        images.append(render(objects, centres, rng))
        references.append(refs)
        captions.append(refs[rng.integers(len(refs))])
        scenes.append(objects)
    return np.stack(images), captions, references, scenes


class CaptionVocabulary(Vocabulary):
    """Words <-> ids for the scene grammar (data.vocabulary.Vocabulary over words); id 0 is
    <pad>. words: the words in id order."""

    @checked(words=Words(1))
    def __init__(self, words=WORDS):
        super().__init__(words)
        self.words = self.tokens

    @checked(captions=Words(2), length=Int(1, MAX_STEPS))
    def encode(self, captions, length=None):
        """captions: list of N word lists -> ids: (N, L) int64, each <start> words <end> <pad>...,
        L = length or the longest caption + 2."""
        unknown = sorted({w for c in captions for w in c} - set(self.index))
        if unknown:
            raise ValueError(f"encode: words not in the vocabulary: {unknown}")
        length = length or max(len(c) for c in captions) + 2
        ids = np.zeros((len(captions), length), dtype=np.int64)
        for row, caption in enumerate(captions):
            tokens = [START, *caption, END][:length]
            ids[row, :len(tokens)] = self.ids(tokens)
        return ids

    def decode(self, ids):
        """ids: (L,) ints in [0, len(self)) -> the words up to <end>, without <start> / <pad>."""
        words = []
        for word in self.tokens_of(ids):
            if word == END:
                break
            if word not in (START, PAD):
                words.append(word)
        return words
