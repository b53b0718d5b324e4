"""Notebook 06's captioner (the lecture's conditional RNN decoder), from the shipped checkpoint.

caption_bleu4_test and caption_exact_test: greedy captions of 1,000 fresh test scenes (seed
10, as in the notebook) against all their references; caption_bleu4_holdout: 1,000 scenes that
each hold a red triangle, a combination absent from training (reported, expected lower);
caption_train_seconds: the training time recorded by scripts/train_captioner.py.
"""
import functools

import torch

from . import result

SCENES = 1000


@functools.lru_cache(maxsize=None)
def bleu4_and_exact(holdout):
    from course_utils import decoding
    from course_utils.data.scenes import CaptionVocabulary, make_scenes
    from course_utils.evaluation import bleu_scores, exact_match
    from course_utils.models import load_captioner

    model, _ = load_captioner("captioner_rnn.pt")
    images, _, references, _ = make_scenes(SCENES, seed=11 if holdout else 10,
                                           only_holdout=holdout)
    generated = decoding.greedy(model, torch.from_numpy(images), CaptionVocabulary())
    return bleu_scores(references, generated)[4], exact_match(references, generated)


def benchmarks():
    from course_utils.checkpoints import manifest

    return {
        "caption_bleu4_test": lambda: result("caption_bleu4_test", bleu4_and_exact(False)[0],
                                             "BLEU-4", "higher", 0.9),
        "caption_exact_test": lambda: result("caption_exact_test", bleu4_and_exact(False)[1],
                                             "fraction", "higher"),
        "caption_bleu4_holdout": lambda: result("caption_bleu4_holdout", bleu4_and_exact(True)[0],
                                                "BLEU-4", "higher"),
        "caption_train_seconds": lambda: result(
            "caption_train_seconds", manifest("captioning")["captioner_rnn.pt"]["seconds"], "s",
            "lower"),
    }
