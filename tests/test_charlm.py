"""Text data, sampling and the truncated-BPTT loop behind notebook 03."""
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import _reference, checks, sampling, train
from course_utils.checkpoints import manifest, sha256, DATA
from course_utils.data import text
from course_utils.models import CharLM, detach_state

NOTEBOOK_03 = Path(__file__).resolve().parents[1] / "notebooks" / "src" / "03_char_lm.py"


def test_shakespeare_split_is_checked_and_disjoint(monkeypatch, tmp_path):
    train_text, valid_text, provenance = text.load_shakespeare()
    assert len(train_text) > 900_000 and len(valid_text) > 100_000
    assert valid_text[:2000] not in train_text  # the held-out tail is not in training
    assert set(train_text) | set(valid_text) == set(provenance["vocabulary"])
    for name in ("train.txt", "PROVENANCE.json"):
        (tmp_path / name).write_bytes((text.SHAKESPEARE / name).read_bytes())
    (tmp_path / "valid.txt").write_text(valid_text + "tampered")
    monkeypatch.setattr(text, "SHAKESPEARE", tmp_path)
    with pytest.raises(ValueError, match="does not match its sha256"):
        text.load_shakespeare()


def test_vocabulary_round_trip_and_unknown_characters():
    vocab = text.Vocabulary("abc\n")
    ids = vocab.encode("cab\n")
    assert ids.tolist() == [2, 0, 1, 3] and vocab.decode(ids) == "cab\n"
    with pytest.raises(ValueError, match="not in the vocabulary: 'z'"):
        vocab.encode("zab")
    with pytest.raises(ValueError, match="must not repeat"):
        text.Vocabulary("aa")


def test_sampling_helpers():
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    p1, p_cold, p_hot = (sampling.softmax_with_temperature(logits, t) for t in (1.0, 0.2, 5.0))
    assert np.isclose(p1.sum(), 1) and p_cold.max() > p1.max() > p_hot.max()
    assert np.all(np.isfinite(sampling.softmax_with_temperature(np.array([1e4, 0.0]))))
    assert sampling.entropy_nats(p_cold) < sampling.entropy_nats(p1) < sampling.entropy_nats(p_hot)
    assert np.isclose(sampling.entropy_nats(np.full(4, 0.25)), math.log(4))
    kept = _reference.top_k_filter(p1, 2)
    assert np.count_nonzero(kept) == 2 and np.isclose(kept.sum(), 1)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        sampling.softmax_with_temperature(logits, 0)


def test_tbptt_learns_a_repeating_text_and_carries_state():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    vocab = text.Vocabulary("abcd")
    ids = torch.tensor(vocab.encode("abcdabcdbadc" * 200))
    model = CharLM(len(vocab), embed_size=8, hidden_size=32, layers=1)
    before = train.evaluate_nats(model, ids)
    run = train.train_tbptt(model, ids, 150, batch=8, seq=20, lr=1e-2)
    after = train.evaluate_nats(model, ids)
    assert abs(before - math.log(4)) < 0.2 and after < 0.3 * before
    assert len(run["losses"]) == 150 and run["chars_per_second"] > 0
    text_out = sampling.sample(model, vocab, "abcd", 12, temperature=0.1)
    assert text_out[:4] == "abcd"
    _, state = model(ids[None, :5])
    assert all(not s.requires_grad for s in detach_state(state))


def test_text_exercise_checks_pass_and_fail():
    def softmax(z, t):  # a student's answer (calling the course's own version would not count)
        z = np.asarray(z) / t
        return np.exp(z - z.max()) / np.exp(z - z.max()).sum()

    def top_k(p, k):
        keep = np.argsort(p)[-k:]
        return np.where(np.isin(np.arange(len(p)), keep), p, 0) / p[keep].sum()

    checks.check_softmax_with_temperature(softmax)
    checks.check_top_k_filter(top_k)
    def naive(z, t):  # no max subtraction: overflows for large scores
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(np.asarray(z) / t) / np.exp(np.asarray(z) / t).sum()

    with pytest.raises(checks.ExerciseError, match="overflow"):
        checks.check_softmax_with_temperature(naive)
    with pytest.raises(checks.ExerciseError, match="differs"):
        checks.check_softmax_with_temperature(
            lambda z, t: softmax(z, 1.0))  # ignores the temperature
    with pytest.raises(checks.ExerciseError, match="differs"):
        checks.check_top_k_filter(lambda p, k: p)  # keeps everything


def test_shipped_checkpoint_matches_its_manifest():
    entry = manifest("shakespeare")["charlm_lstm.pt"]
    path = DATA / "shakespeare" / "charlm_lstm.pt"
    assert sha256(path) == entry["sha256"] and path.stat().st_size < 5e6
    assert entry["valid_nats"] <= 1.45


def _notebook_code_cells(path):
    """The code cells of a jupytext percent script, as source strings (markdown cells dropped)."""
    cells = re.split(r"^# %%.*$", path.read_text(), flags=re.M)
    headers = re.findall(r"^# %%.*$", path.read_text(), flags=re.M)
    return [body for header, body in zip(headers, cells[1:]) if "[markdown]" not in header]


def test_notebook_03_training_loop_agrees_with_the_package():
    """Notebook 03 defines train_tbptt in an editable cell; the package keeps the same loop for
    scripts and benchmarks. Same seed, same text: the same losses and the same weights."""
    code = _notebook_code_cells(NOTEBOOK_03)
    defining = [c for c in code if re.search(r"^def train_tbptt\(", c, flags=re.M)]
    assert len(defining) == 1, "notebook 03 should define train_tbptt in exactly one cell"
    namespace = {}
    exec(code[0], namespace)  # the notebook's imports: the loop must need nothing else
    exec(defining[0], namespace)
    notebook_loop = namespace["train_tbptt"]
    torch.set_num_threads(1)
    vocab = text.Vocabulary("abcd")
    ids = torch.tensor(vocab.encode("abcdabcdbadc" * 40))  # 480 ids: 120 per stream, wraps around
    runs, models = [], []
    for loop in (notebook_loop, train.train_tbptt):
        torch.manual_seed(0)
        model = CharLM(len(vocab), embed_size=8, hidden_size=16, layers=2, dropout=0.1)
        steps = []
        run = loop(model, ids, 15, batch=4, seq=10, lr=1e-2, clip=0.05,  # clipping acts
                   on_step=lambda step, loss: steps.append(step))
        assert steps == list(range(15)) and run["chars_per_second"] > 0
        runs.append(run["losses"])
        models.append(model)
    assert len(runs[0]) == 15 and runs[0] == runs[1]
    for a, b in zip(models[0].state_dict().values(), models[1].state_dict().values()):
        assert torch.equal(a, b)
    assert models[0].training == models[1].training
