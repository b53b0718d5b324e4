"""Data, models and checkpoints behind notebook 05."""
import json

import numpy as np
import pytest
import torch

from course_utils import checkpoints
from course_utils.data.adding import BASELINE_MSE, make_adding
from course_utils.data.birthplace import COUNTRIES, INDEX, LANGUAGES, make_birthplace
from course_utils.models import LastStateModel, cell_from_layer, chrono_init


def test_adding_problem_marks_one_step_in_each_half():
    x, y = make_adding(500, 40, seed=1)
    markers = x[:, :, 1]
    assert np.all(markers.sum(1) == 2)
    assert np.all(markers[:, :20].sum(1) == 1) and np.all(markers[:, 20:].sum(1) == 1)
    np.testing.assert_allclose(y, (x[:, :, 0] * markers).sum(1), rtol=1e-6)
    assert abs(np.mean((y - 1.0) ** 2) - BASELINE_MSE) < 0.02  # predicting the mean


def test_birthplace_cue_decides_the_answer_and_fillers_name_no_country():
    tokens, labels, text = make_birthplace(200, 25, seed=2)
    assert tokens.shape == (200, 32) and text.endswith("she speaks")
    cue = [COUNTRIES.index(next(c for c in COUNTRIES if INDEX[c] == t)) for t in tokens[:, 4]]
    assert list(labels) == cue and set(labels) <= set(range(len(LANGUAGES)))
    country_ids = {INDEX[c] for c in COUNTRIES}
    assert not country_ids & set(tokens[:, 5:].ravel().tolist())
    with pytest.raises(ValueError, match=r"gap must be (>= 0|in \[0, )"):
        make_birthplace(1, -1)


def test_chrono_init_sets_forget_and_input_biases():
    lstm = chrono_init(torch.nn.LSTM(2, 8), 100, torch.Generator().manual_seed(0))
    bias = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()
    forget, inputs = bias[8:16], bias[:8]
    assert torch.all(forget >= 0) and torch.all(forget <= np.log(99) + 1e-6)
    assert torch.allclose(inputs, -forget)


@pytest.mark.parametrize("kind", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU])
def test_cell_from_layer_runs_the_same_network_step_by_step(kind):
    torch.manual_seed(0)
    layer = kind(3, 5, batch_first=True)
    x = torch.randn(2, 6, 3)
    expected, _ = layer(x)
    cell = cell_from_layer(layer)
    state = None
    for t in range(6):
        state = cell(x[:, t], state)
    last = state[0] if isinstance(state, tuple) else state
    assert torch.allclose(last, expected[:, -1], atol=1e-6)
    with pytest.raises(ValueError, match="1-layer, one-directional"):
        cell_from_layer(kind(3, 5, num_layers=2))


def test_last_state_model_shapes_and_bad_cell():
    tokens = torch.randint(0, 10, (4, 7))
    assert LastStateModel("gru", 6, 8, 3, vocab_size=10)(tokens).shape == (4, 3)
    assert LastStateModel("lstm", 2, 8, 1)(torch.randn(4, 7, 2)).shape == (4, 1)
    with pytest.raises(ValueError, match="cell must be one of"):
        LastStateModel("transformer", 2, 8, 1)


def test_checkpoints_are_sha256_checked(tmp_path, monkeypatch):
    folder = tmp_path / "demo"
    folder.mkdir()
    torch.save({"w": torch.ones(3)}, folder / "w.pt")
    (folder / "manifest.json").write_text(json.dumps(
        {"w.pt": {"sha256": checkpoints.sha256(folder / "w.pt")}}))
    monkeypatch.setattr(checkpoints, "DATA", tmp_path)
    state, _ = checkpoints.load("demo", "w.pt")
    assert torch.equal(state["w"], torch.ones(3))
    torch.save({"w": torch.zeros(3)}, folder / "w.pt")  # tampered with
    with pytest.raises(ValueError, match="was changed or damaged"):
        checkpoints.load("demo", "w.pt")
    with pytest.raises(ValueError, match="listed in data/demo/manifest.json"):
        checkpoints.load("demo", "other.pt")


def test_every_shipped_checkpoint_matches_its_manifest():
    entries = checkpoints.manifest("longrange")
    assert len(entries) == 17  # 9 adding + 3 birthplace (gaps 0-40) + 4 (gaps 30-60) + studies
    for name, entry in entries.items():
        assert checkpoints.sha256(checkpoints.DATA / "longrange" / name) == entry["sha256"], name


def _gate_studies_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "train_gate_studies.py"
    spec = importlib.util.spec_from_file_location("train_gate_studies", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ablation_lstm_without_changes_is_torchs_lstm():
    """scripts/train_gate_studies.py's VariantLSTM("lstm") computes nn.LSTM (gates i, f, o, g
    on one matrix; torch's order i, f, g, o), so the ablation changes one thing at a time."""
    studies = _gate_studies_script()
    torch.manual_seed(0)
    variant = studies.VariantLSTM(3, 5, "lstm", 20, torch.Generator().manual_seed(0))
    reference = torch.nn.LSTM(3, 5, batch_first=True)
    W, b = variant.W.weight.detach(), variant.W.bias.detach()
    order = [0, 1, 3, 2]  # course blocks i, f, o, g -> torch blocks i, f, g, o
    blocks = lambda a: torch.cat([a.chunk(4, 0)[k] for k in order], 0)  # noqa: E731
    with torch.no_grad():
        reference.weight_ih_l0.copy_(blocks(W[:, :3]))
        reference.weight_hh_l0.copy_(blocks(W[:, 3:]))
        reference.bias_ih_l0.copy_(blocks(b))
        reference.bias_hh_l0.zero_()
    x = torch.randn(2, 6, 3)
    assert torch.allclose(variant(x)[0], reference(x)[0], atol=1e-6)
    for kind in studies.VARIANTS:  # every variant runs and keeps the shapes
        out, _ = studies.VariantLSTM(3, 5, kind, 20, torch.Generator().manual_seed(0))(x)
        assert out.shape == (2, 6, 5)


def test_gate_studies_are_shipped_and_complete():
    results = json.loads((checkpoints.DATA / "longrange" / "gate_studies.json").read_text())
    studies = _gate_studies_script()
    kinds = {"gru_init": {"gru-default", "gru-chrono"}, "lstm_variants": set(studies.VARIANTS)}
    for study, expected in kinds.items():
        runs = results[study]["runs"]
        assert {r["kind"] for r in runs} == expected, study
        assert len(runs) == len(expected) * results[study]["seeds"], study
