"""Scoring generated captions: BLEU-1..4 (NLTK's corpus BLEU, not written here), exact match,
and which of a scene's objects a caption names."""
import numpy as np

from .validate import Captions, Words, checked


@checked(references=Words(3), hypotheses=Words(2))
def bleu_scores(references, hypotheses):
    """Corpus BLEU-1..4. references: N lists of reference word lists; hypotheses: N word lists.
    Returns {1: BLEU-1, 2: ..., 4: BLEU-4}, each in [0, 1]."""
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu

    if len(references) != len(hypotheses):
        raise ValueError(f"bleu_scores: references and hypotheses must have the same length N, "
                         f"got {len(references)} and {len(hypotheses)}")
    weights = {n: tuple([1 / n] * n) for n in (1, 2, 3, 4)}
    smooth = SmoothingFunction().method1  # a caption with no 4-gram match scores ~0, not an error
    return {n: corpus_bleu(references, hypotheses, weights=w, smoothing_function=smooth)
            for n, w in weights.items()}


@checked(references=Captions(2), hypotheses=Captions(1))
def exact_match(references, hypotheses):
    """The fraction of hypotheses equal to one of their references. references: N lists of
    references; hypotheses: N captions; a caption is a word list or one string."""
    if len(references) != len(hypotheses):
        raise ValueError(f"exact_match: references and hypotheses must have the same length N, "
                         f"got {len(references)} and {len(hypotheses)}")
    return float(np.mean([list(h) in [list(r) for r in refs]
                          for refs, h in zip(references, hypotheses)]))


def objects_named(scene, caption):
    """How many of a scene's objects (dicts with colour and shape) the caption names as
    "colour shape" (or "colour shapes"). Returns (named, total)."""
    pairs = {(a, b.rstrip("s")) for a, b in zip(caption, caption[1:])}
    return sum((o["colour"], o["shape"]) in pairs for o in scene), len(scene)
