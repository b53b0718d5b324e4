"""Notebook 03's character-level language model on the Shakespeare validation text.

charlm_60s_val_nats: the model the notebook trains live (train.QUICK_CHARLM: a fixed 450 steps,
about a minute on 2 quiet cores; the name keeps its history), in nats per character;
charlm_tokens_per_s: that run's training speed in characters per second;
charlm_checkpoint_val_nats: the shipped checkpoint (scripts/train_charlm.py).
"""
import torch

from . import result


def _data():
    from course_utils.data.text import Vocabulary, load_shakespeare

    train_text, valid_text, provenance = load_shakespeare()
    vocab = Vocabulary(provenance["vocabulary"])
    return vocab, torch.tensor(vocab.encode(train_text)), torch.tensor(vocab.encode(valid_text))


def quick_run():
    from course_utils import train
    from course_utils.models import CharLM
    from course_utils.runtime import seed_everything

    vocab, train_ids, valid_ids = _data()
    config = train.QUICK_CHARLM
    seed_everything(0)
    model = CharLM(len(vocab), **config["model"])
    run = train.train_tbptt(model, train_ids, config["steps"], config["batch"], config["seq"],
                            config["lr"])
    return train.evaluate_nats(model, valid_ids), run["chars_per_second"]


def checkpoint_nats():
    from course_utils import train
    from course_utils.models import load_charlm

    _, _, valid_ids = _data()
    model, _ = load_charlm("charlm_lstm.pt")
    return train.evaluate_nats(model, valid_ids)


def benchmarks():
    cache = {}

    def quick():
        if "run" not in cache:
            cache["run"] = quick_run()
        return cache["run"]

    return {
        "charlm_60s_val_nats": lambda: result("charlm_60s_val_nats", quick()[0], "nats/char",
                                              "lower", 1.85),
        "charlm_tokens_per_s": lambda: result("charlm_tokens_per_s", quick()[1], "chars/s",
                                              "higher"),
        "charlm_checkpoint_val_nats": lambda: result("charlm_checkpoint_val_nats",
                                                     checkpoint_nats(), "nats/char", "lower", 1.45),
    }
