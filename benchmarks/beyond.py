"""Notebook 07, measured as the notebook does it (same data seeds, models, steps and batches).

beyond_bidir_gain: accuracy of a bidirectional tagger minus a one-direction tagger on the
ambiguous names of 1,000 test sentences ("Jordan said ..." / "Jordan exports ..."), both
trained 300 steps. beyond_attention_acc: exact match of the attention encoder-decoder on 1,000
test dates after 250 steps.
"""
import torch
import torch.nn.functional as F

from . import result


def bidirectional_gain():
    from course_utils.data import tagging
    from course_utils.models import Tagger
    from course_utils.train import train_steps

    words, labels, _ = map(torch.from_numpy,
                           tagging.encode_tagged(*tagging.make_name_sentences(3000, seed=0)))
    test_words, test_labels, test_ambiguous = map(
        torch.from_numpy, tagging.encode_tagged(*tagging.make_name_sentences(1000, seed=1)))
    accuracy = {}
    batches = torch.randint(0, len(words), (300, 64), generator=torch.Generator().manual_seed(0))
    for bidirectional in (False, True):
        torch.manual_seed(0)
        model = Tagger(len(tagging.WORDS), len(tagging.TAGS), bidirectional=bidirectional)

        def loss(step):
            scores = model(words[batches[step]])
            return F.cross_entropy(scores.reshape(-1, len(tagging.TAGS)),
                                   labels[batches[step]].reshape(-1), ignore_index=-1)

        train_steps(model, loss, 300)
        with torch.no_grad():
            correct = model(test_words).argmax(2) == test_labels
        accuracy[bidirectional] = correct[test_ambiguous].float().mean().item()
    return accuracy[True] - accuracy[False]


def attention_accuracy():
    from course_utils.data import dates
    from course_utils.evaluation import exact_match
    from course_utils.models import Seq2Seq, previous_labels
    from course_utils.train import train_steps

    sources, targets, _ = dates.make_dates(20_000, seed=0)
    test_sources, test_targets, _ = dates.make_dates(1000, seed=1)
    source_ids = torch.from_numpy(dates.encode(sources, dates.SOURCE_LENGTH))
    target_ids = torch.from_numpy(dates.encode(targets, dates.TARGET_LENGTH, end=True))
    start = dates.VOCAB.index[dates.START]
    rows = torch.randint(0, len(sources), (250, 64), generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = Seq2Seq(len(dates.CHARACTERS), attention=True)

    def loss(step):
        target = target_ids[rows[step]]
        scores, _ = model(source_ids[rows[step]], previous_labels(target, start))
        return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), target.reshape(-1))

    train_steps(model, loss, 250)
    ids, _ = model.translate(torch.from_numpy(dates.encode(test_sources, dates.SOURCE_LENGTH)),
                             start, dates.TARGET_LENGTH)
    return exact_match([[t] for t in test_targets], dates.decode(ids.numpy()))


def benchmarks():
    return {
        "beyond_bidir_gain": lambda: result("beyond_bidir_gain", bidirectional_gain(),
                                            "accuracy gain on ambiguous names", "higher", 0.3),
        "beyond_attention_acc": lambda: result("beyond_attention_acc", attention_accuracy(),
                                               "exact match", "higher", 0.97),
    }
