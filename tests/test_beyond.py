"""Notebook 07's parts: the date, tagging and expression generators, the tagger, conditional
tagger, deep stack, tree network and encoder-decoder, the training loop, and the exercise
checks (which must fail on wrong answers)."""
import datetime
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course_utils import checks, models
from course_utils.data import dates, expressions, tagging
from course_utils.models import (ConditionalTagger, Seq2Seq, StackedRNN, Tagger, TreeRNN,
                                 previous_labels)
from course_utils.train import train_steps


# --- dates -----------------------------------------------------------------------------------

def test_every_format_writes_the_lecture_date():
    day = datetime.date(2026, 11, 22)
    written = {name: f(day) for name, f in dates.FORMATS.items()}
    assert written["day month year"] == "22 November 2026"
    assert written["weekday, day month year"] == "Sunday, 22 November 2026"
    assert written["day/month/year"] == "22/11/2026"
    assert dates.iso(day) == "2026-11-22"
    assert max(map(len, written.values())) <= dates.SOURCE_LENGTH


def test_make_dates_is_seeded_and_targets_are_the_dates():
    sources, targets, days = dates.make_dates(500, seed=3)
    assert (sources, targets) == dates.make_dates(500, seed=3)[:2]
    assert sources != dates.make_dates(500, seed=4)[0]
    assert all(datetime.date.fromisoformat(t) == d for t, d in zip(targets, days))
    assert all(dates.FIRST <= d <= datetime.date(2049, 12, 31) for d in days)
    assert len({s.split()[0].rstrip(",") for s in sources}) > 20  # formats and days are mixed


def test_encode_decode_round_trip_and_errors():
    sources, targets, _ = dates.make_dates(50, seed=0)
    assert dates.decode(dates.encode(sources, dates.SOURCE_LENGTH)) == sources
    ids = dates.encode(targets, dates.TARGET_LENGTH, end=True)
    assert (ids[:, -1] == dates.VOCAB.index[dates.END]).all()
    assert dates.decode(ids) == targets
    with pytest.raises(ValueError, match="longer than length"):
        dates.encode(["Wednesday, 22 September 2026"], 10)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        dates.encode(["22 Nov 2026!"], 30)
    with pytest.raises(ValueError, match="formats"):
        dates.make_dates(5, formats=["klingon"])


# --- tagging ---------------------------------------------------------------------------------

def test_the_word_after_an_ambiguous_name_decides_its_tag():
    sentences, tags = tagging.make_name_sentences(300, seed=2)
    person_words = {group[0] for group in tagging.PERSON_VERBS}
    seen = {"PER": 0, "LOC": 0}
    for words, labels in zip(sentences, tags):
        assert len(words) == len(labels)
        for i, (word, label) in enumerate(zip(words, labels)):
            if word in tagging.AMBIGUOUS:
                assert label == ("PER" if words[i + 1] in person_words else "LOC")
                seen[label] += 1
    assert min(seen.values()) > 100


def test_encode_tagged_pads_and_marks_the_ambiguous_names():
    sentences, tags = tagging.make_name_sentences(20, seed=0)
    words, labels, ambiguous = tagging.encode_tagged(sentences, tags)
    assert words.shape == labels.shape == ambiguous.shape == (20, max(map(len, sentences)))
    assert ((words == 0) == (labels == -1)).all()
    assert ambiguous.sum() == sum(w in tagging.AMBIGUOUS for s in sentences for w in s)
    with pytest.raises(ValueError, match="sentence 0 has"):
        tagging.encode_tagged([["Jordan", "said"]], [["PER"]])


def test_mouse_states_stay_put_as_asked():
    x, states = tagging.make_mouse_states(2000, steps=30, stay=0.9, noise=0.5, seed=0)
    assert x.shape == (2000, 30, 3) and x.dtype == np.float32 and states.shape == (2000, 30)
    stays = (states[:, 1:] == states[:, :-1]).mean()
    assert abs(stays - 0.9) < 0.01
    assert (x.argmax(2) == states).mean() > 0.8  # noise 0.5: the sensors mostly agree
    with pytest.raises(ValueError, match=r"stay must be (a probability|in \[0, 1\])"):
        tagging.make_mouse_states(3, stay=1.5)


# --- expressions -----------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [1, 2, 4])
def test_expression_values_match_python_arithmetic(depth):
    leaves, operators, values = expressions.make_expressions(50, depth, seed=depth)
    assert leaves.shape == (50, 2 ** depth) and len(operators) == depth
    assert [o.shape for o in operators] == [(50, 2 ** k) for k in range(depth - 1, -1, -1)]
    for row in range(50):
        text = expressions.as_text(leaves, operators, row)
        assert len(text) == 4 * 2 ** depth - 3
        assert eval(text) % 10 == values[row]  # mod 10 commutes with + and -
    tokens = expressions.as_tokens(leaves, operators)
    assert tokens.shape == (50, 4 * 2 ** depth - 3) and tokens.dtype == np.int64
    for row in range(50):  # the chain reads exactly the characters of the bracketed text
        assert "".join(expressions.TOKENS[i] for i in tokens[row]) == \
            expressions.as_text(leaves, operators, row)


# --- models ----------------------------------------------------------------------------------

def test_one_direction_tagger_ignores_the_future_and_bidirectional_reads_it():
    torch.manual_seed(0)
    words = torch.randint(1, 20, (3, 9))
    later = words.clone()
    later[:, 6:] = torch.randint(1, 20, (3, 3))
    for bidirectional, future_matters in ((False, False), (True, True)):
        model = Tagger(20, 3, bidirectional=bidirectional)
        with torch.no_grad():
            before, after = model(words), model(later)
        assert before.shape == (3, 9, 3)
        assert torch.allclose(before[:, :6], after[:, :6]) != future_matters
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        Tagger(20, 3)(words[0])


def test_conditional_tagger_free_running_feeds_back_its_own_choices():
    torch.manual_seed(0)
    model = ConditionalTagger(3, 3)
    x = torch.randn(5, 12, 3)
    chosen = model.free_running(x)
    with torch.no_grad():
        replay = model(x, previous_labels(chosen, 3)).argmax(2)
    assert torch.equal(chosen, replay)
    assert torch.equal(previous_labels(torch.tensor([[2, 0, 1]]), 3), torch.tensor([[3, 2, 0]]))


def test_stacked_rnn_skips_carry_the_input_through():
    torch.manual_seed(0)
    model = StackedRNN(11, depth=4, skip=True, hidden_size=8)
    for layer in model.layers:
        for p in layer.parameters():
            torch.nn.init.zeros_(p)  # every RNN layer outputs tanh(0) = 0
    tokens = torch.randint(0, 11, (2, 5))
    with torch.no_grad():
        expected = model.readout(model.embed(tokens))
        assert torch.allclose(model(tokens), expected)
        model.skip = False
        assert torch.allclose(model(tokens), model.readout.bias.expand(2, 5, 11))


def test_tree_rnn_takes_any_depth_and_learns_depth_one():
    torch.manual_seed(0)
    model = TreeRNN(hidden_size=32)
    for depth in (1, 3, 6):
        leaves, operators, _ = expressions.make_expressions(4, depth)
        scores = model(torch.from_numpy(leaves), [torch.from_numpy(o) for o in operators])
        assert scores.shape == (4, 10)

    def loss(step):
        leaves, operators, values = expressions.make_expressions(64, 1, seed=step)
        scores = model(torch.from_numpy(leaves), [torch.from_numpy(o) for o in operators])
        return F.cross_entropy(scores, torch.from_numpy(values))

    losses = train_steps(model, loss, 300)
    assert np.mean(losses[-20:]) < 0.3 * np.mean(losses[:20])


def test_seq2seq_ignores_padding_and_attends_only_to_real_characters():
    torch.manual_seed(0)
    source = torch.from_numpy(dates.encode(["22 Nov 2026", "nov 22 2026"], dates.SOURCE_LENGTH))
    longer = torch.cat([source, torch.zeros(2, 7, dtype=torch.long)], dim=1)
    target_in = torch.from_numpy(dates.encode(["^2026-11-2", "^2026-11-2"], 10))
    for attention in (False, True):
        model = Seq2Seq(len(dates.CHARACTERS), attention=attention).eval()
        with torch.no_grad():
            scores, alpha = model(source, target_in)
            scores_longer, _ = model(longer, target_in)
        assert scores.shape == (2, 10, len(dates.CHARACTERS)) and alpha.shape == (2, 10, 28)
        assert torch.allclose(scores, scores_longer, atol=1e-5)
        if attention:
            assert torch.allclose(alpha.sum(2), torch.ones(2, 10))
            assert (alpha[0, :, 11:] == 0).all()  # "22 Nov 2026" has 11 characters
        else:
            assert (alpha == 0).all()
    ids, alphas = model.translate(source, dates.VOCAB.index[dates.START], 11)
    assert ids.shape == (2, 11) and alphas.shape == (2, 11, 28)


def test_models_name_the_argument_and_shape_they_expected():
    with pytest.raises(ValueError, match=r"ConditionalTagger: x must have shape \(N, T, F\) with F = 3"):
        ConditionalTagger(3, 3)(torch.randn(2, 5, 4), torch.zeros(2, 5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"previous must have shape \(N, T\) = \(2, 5\)"):
        ConditionalTagger(3, 3)(torch.randn(2, 5, 3), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"StackedRNN: tokens must have shape \(N, T\)"):
        StackedRNN(5, 2)(torch.zeros(7, dtype=torch.long))
    leaves, operators, _ = expressions.make_expressions(3, 2)
    with pytest.raises(ValueError, match=r"TreeRNN: for 1 levels"):
        TreeRNN()(torch.from_numpy(leaves), [torch.from_numpy(operators[0])])
    with pytest.raises(ValueError, match=r"Seq2Seq: target_in must have shape \(N, T\) with N = 2"):
        Seq2Seq(len(dates.CHARACTERS))(torch.ones(2, 5, dtype=torch.long), torch.ones(3, 4, dtype=torch.long))


def test_train_steps_rejects_zero_steps():
    with pytest.raises(ValueError, match="steps must be >= 1"):
        train_steps(torch.nn.Linear(2, 1), lambda step: None, 0)


# --- exercise checks -------------------------------------------------------------------------

def _evaluate_tree(leaves, operators):
    values = np.asarray(leaves)
    for level in operators:
        left, right = values[:, 0::2], values[:, 1::2]
        values = np.where(np.asarray(level) == 0, left + right, left - right) % 10
    return values[:, 0]


def test_check_evaluate_tree_passes_the_solution_and_fails_wrong_ones(capsys):
    checks.check_evaluate_tree(_evaluate_tree)
    assert "✓" in capsys.readouterr().out
    no_modulo = lambda leaves, ops: _evaluate_tree(leaves, ops) + 10 * (np.asarray(leaves)[:, 0] > 8)
    swapped = lambda leaves, ops: _evaluate_tree(leaves, [1 - np.asarray(o) for o in ops])
    for wrong in (no_modulo, swapped, lambda leaves, ops: _evaluate_tree(leaves, ops)[:, None]):
        with pytest.raises(checks.ExerciseError):
            checks.check_evaluate_tree(wrong)

    def stub(leaves, operators):
        raise NotImplementedError()

    with pytest.raises(checks.ExerciseError, match="not implemented yet"):
        checks.check_evaluate_tree(stub)


def _attention(X, W_q, W_k, W_v, causal):
    Q, K, V = X @ W_q, X @ W_k, X @ W_v
    scores = Q @ K.T / K.shape[1] ** 0.5
    if causal:
        scores = scores.masked_fill(torch.triu(torch.ones_like(scores, dtype=torch.bool), 1),
                                    float("-inf"))
    return torch.softmax(scores, dim=1) @ V


def test_check_causal_self_attention_passes_the_solution_and_fails_wrong_ones(capsys):
    checks.check_causal_self_attention(lambda *a: _attention(*a, causal=True))
    assert "✓" in capsys.readouterr().out
    unscaled = lambda X, q, k, v: _attention(X * 2 ** 0.25, q, k, v, causal=True)
    for wrong in (lambda *a: _attention(*a, causal=False), unscaled,
                  lambda *a: _attention(*a, causal=True).T):
        with pytest.raises(checks.ExerciseError):
            checks.check_causal_self_attention(wrong)


# --- the notebook's lesson code agrees with the package's ------------------------------------
# Notebook 07 defines the attention step, the decoder step, the tree network and free running
# in cells a student can edit; course_utils.models keeps the versions the benchmarks and the
# tests above use. Each notebook cell is executed from the notebook's source and compared.

NOTEBOOK_SOURCE = Path(__file__).resolve().parents[1] / "notebooks" / "src" / "07_beyond.py"


def notebook_cell(defines, namespace=None):
    """Execute the code cell of notebook 07's source that contains `defines` (in `namespace`, or
    a fresh one with the notebook's imports); returns the namespace."""
    cells = re.split(r"^# %%.*$", NOTEBOOK_SOURCE.read_text(), flags=re.M)
    found = [cell for cell in cells if defines in cell]
    assert len(found) == 1, f"notebook 07 should have one cell with {defines!r}"
    if namespace is None:
        namespace = dict(torch=torch, nn=torch.nn, F=F, np=np, Seq2Seq=models.Seq2Seq)
    exec(compile(found[0], f"07_beyond.py: {defines}", "exec"), namespace)
    return namespace


def test_notebook_additive_attention_is_the_package_s():
    ours = notebook_cell("def additive_attention(")["additive_attention"]
    g = torch.Generator().manual_seed(0)
    keys, query, values = (torch.randn(shape, generator=g) for shape in
                           [(3, 7, 5), (3, 5), (3, 7, 4)])
    mask = torch.rand(3, 7, generator=g) > 0.3
    mask[:, 0] = True
    torch.manual_seed(0)
    w = torch.nn.Linear(5, 1, bias=False)
    for m in (None, mask):
        for a, b in zip(ours(keys, query, values, w, m),
                        models.additive_attention(keys, query, values, w, m)):
            torch.testing.assert_close(a, b)


@pytest.mark.parametrize("attention", [True, False])
def test_notebook_decoder_step_is_the_package_s(attention):
    DateTranslator = notebook_cell("class DateTranslator(")["DateTranslator"]
    torch.manual_seed(0)
    package = Seq2Seq(len(dates.CHARACTERS), attention=attention)
    torch.manual_seed(0)
    notebook = DateTranslator(len(dates.CHARACTERS), attention=attention)
    sources, targets, _ = dates.make_dates(8, seed=0)
    source = torch.from_numpy(dates.encode(sources, dates.SOURCE_LENGTH))
    target = torch.from_numpy(dates.encode(targets, dates.TARGET_LENGTH, end=True))
    with torch.no_grad():
        for a, b in zip(notebook(source, previous_labels(target, 1)),
                        package(source, previous_labels(target, 1))):
            torch.testing.assert_close(a, b)
        for a, b in zip(notebook.translate(source, 1, 5), package.translate(source, 1, 5)):
            torch.testing.assert_close(a, b)


def test_notebook_tree_network_is_the_package_s():
    NotebookTree = notebook_cell("class TreeRNN(")["TreeRNN"]
    torch.manual_seed(0)
    package = TreeRNN()
    torch.manual_seed(0)
    notebook = NotebookTree()
    assert package.state_dict().keys() == notebook.state_dict().keys()
    for depth in (1, 3, 5):
        leaves, operators, _ = expressions.make_expressions(6, depth, seed=depth)
        leaves, operators = torch.from_numpy(leaves), [torch.from_numpy(o) for o in operators]
        with torch.no_grad():
            torch.testing.assert_close(notebook(leaves, operators), package(leaves, operators))


def test_notebook_free_running_is_the_package_s():
    free_running = notebook_cell("def free_running(")["free_running"]
    torch.manual_seed(0)
    model = ConditionalTagger(3, 3).eval()
    x = 3 * torch.randn(5, 12, 3, generator=torch.Generator().manual_seed(1))
    chosen = free_running(model, x)
    assert chosen.shape == (5, 12) and len(chosen.unique()) == 3  # every label, so a real test
    assert torch.equal(chosen, model.free_running(x))


def test_attention_without_positions_cannot_tell_a_sequence_from_its_twin():
    """The notebook's order task: without positions the scores are the same for a sequence and
    its twin (A and B swapped), whatever the weights; with positions they differ."""
    namespace = notebook_cell("ORDER_T, ORDER_V, A_ID, B_ID =")
    namespace = notebook_cell("class AttentionClassifier(", namespace)
    x, y = namespace["make_order"](50, seed=0)
    twin = namespace["swap_a_b"](x)
    assert ((twin == 1) == (x == 2)).all() and ((x == 1).sum(1) == 1).all()
    assert (y == ((x == 1).int().argmax(1) < (x == 2).int().argmax(1)).long()).all()
    torch.manual_seed(0)
    for positions in (None, "sinusoidal", "learned"):
        model = namespace["AttentionClassifier"](positions)
        with torch.no_grad():
            gap = (model(x) - model(twin)).abs().max().item()
        assert (gap < 1e-5) == (positions is None), positions
