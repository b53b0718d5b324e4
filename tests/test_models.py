"""course_utils.models is a package by topic: every name the notebooks, scripts, tests and
benchmarks import still comes from course_utils.models, and every shipped model goes through
the one loader (sha256-checked, weights_only, clear errors)."""
import ast
from pathlib import Path

import pytest
import torch

import course_utils.models as models
from course_utils.models import loaders

ROOT = Path(__file__).resolve().parents[1]


def imported_names():
    """Every name imported `from course_utils.models import ...` anywhere in the project."""
    names = set()
    for folder in ("notebooks/src", "scripts", "tests", "benchmarks", "course_utils"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module == "course_utils.models":
                    names |= {alias.name for alias in node.names}
    return names


def test_every_imported_name_is_exported():
    names = imported_names()
    assert {"CharLM", "Captioner", "load_captioner", "Seq2Seq"} <= names
    assert sorted(n for n in names if not hasattr(models, n)) == []
    assert sorted(set(models.__all__) - set(dir(models))) == []


def test_the_loaders_go_through_load_model(monkeypatch):
    calls = []
    real = loaders.load_model
    monkeypatch.setattr(loaders, "load_model",
                        lambda folder, name, build: calls.append((folder, name)) or real(folder, name, build))
    model, entry = models.load_charlm()
    assert not model.training and entry["model"]["hidden"] == 384
    model, _ = models.load_captioner("captioner_rnn.pt")
    assert not model.training
    model, _ = models.load_last_state_model("longrange", "adding_gru_T50.pt")
    assert not model.training
    assert [c[0] for c in calls] == ["shakespeare", "captioning", "longrange"]


def test_a_checkpoint_that_does_not_fit_names_the_file_and_the_command():
    state = {"nonsense": torch.zeros(1)}
    with pytest.raises(ValueError, match=r"data/shakespeare/charlm_lstm.pt.*train_charlm.py"):
        loaders.restore(models.CharLM(5, embed_size=4, hidden_size=4, layers=1), state, "shakespeare",
                        "charlm_lstm.pt")


def test_seq2seq_memory_keeps_index_access():
    model = models.Seq2Seq(6, embed_size=4, hidden_size=8, A=4)
    memory = model.encode(torch.tensor([[1, 2, 0], [3, 0, 0]]))
    e, keys, summary, mask = memory
    assert memory[0] is e and memory[2] is summary and tuple(mask.shape) == (2, 3)
    assert tuple(e.shape) == (2, 3, 16) and tuple(keys.shape) == (2, 3, 4)


def test_one_sigmoid_and_one_relative_error():
    import numpy as np

    from course_utils import calibration, dynamics, gradcheck, numerics

    a = np.linspace(-800, 800, 41)
    s = numerics.sigmoid(a)
    assert np.all(np.isfinite(s)) and s[0] == 0 and s[-1] == 1 and s[20] == 0.5
    assert np.array_equal(dynamics.activate(a, "sigmoid")[0], s)
    assert np.array_equal(calibration.binary_probs(a)[:, 1], s)
    x, y = np.array([1.0, 0.0, 2.0]), np.array([1.5, 0.0, 2.0])
    assert np.allclose(numerics.relative_errors(x, y), [0.2, 0.0, 0.0])
    assert gradcheck.rel_error(x, y) == 0.2


def test_no_module_defines_a_function_twice():
    """A second `def` of a name silently replaces the first (checks.py once had two
    _tolerance functions, so the exercise checks used notebook 09's)."""
    twice = []
    for path in (ROOT / "course_utils").rglob("*.py"):
        names = [node.name for node in ast.parse(path.read_text()).body
                 if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
        twice += [f"{path.name}:{name}" for name in set(names) if names.count(name) > 1]
    assert twice == []


def test_one_standardisation_for_frames_and_channels():
    import numpy as np

    from course_utils.data import eeg
    from course_utils.data.standardise import standardise

    frames = eeg.make_frames(20, "burst", (0.0, 0.5), 1.0, 1)[0]                 # (N, T, F)
    mean, std = frames.mean(axis=(0, 1)), frames.std(axis=(0, 1))               # the old way
    z, m, s = standardise(frames)
    assert np.array_equal(z, (frames - mean) / std) and m.shape == (1, 1, frames.shape[2])
    other = eeg.make_frames(5, "burst", (0.0, 0.5), 1.0, 2)[0]
    assert np.array_equal(standardise(other, m, s)[0], (other - mean) / std)
    channels = np.random.default_rng(0).normal(3, 2, (6, 4, 50))                  # (N, C, T)
    z, m, s = standardise(channels, channel_axis=1)
    assert m.shape == (1, 4, 1) and np.allclose(z.mean(axis=(0, 2)), 0) and np.allclose(z.std(axis=(0, 2)), 1)
    with pytest.raises(ValueError, match="standardise: mean and std"):
        standardise(channels, mean=m)


def test_one_vocabulary_behind_every_data_module():
    import numpy as np

    from course_utils.data import birthplace, dates, expressions, scenes, tagging, text, years
    from course_utils.data.vocabulary import Vocabulary

    for vocab in (text.Vocabulary("abc"), scenes.CaptionVocabulary(), years.build_vocabulary(),
                  birthplace.VOCABULARY, tagging.VOCABULARY, expressions.VOCABULARY, dates.VOCAB):
        assert isinstance(vocab, Vocabulary) and len(vocab) == len(vocab.tokens)
    vocab = years.build_vocabulary()                      # reads as the dict it used to be
    assert vocab["<pad>"] == 0 and vocab.get("nowhere", vocab["<unk>"]) == 1 and "Nepal" in vocab
    assert list(vocab.ids(["in", "zzz"])) == [vocab["in"], 1]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        Vocabulary(["a", "b"]).encode(["a", "c"])
    with pytest.raises(ValueError, match="must not repeat"):
        Vocabulary(["a", "a"])
    assert Vocabulary(["x", "y"]).decode(np.array([1, 0])) == ["y", "x"]


def test_the_old_name_of_the_scenes_module_still_imports():
    from course_utils.data import scenes, shapes

    assert shapes.make_scenes is scenes.make_scenes and shapes.CaptionVocabulary is scenes.CaptionVocabulary
    assert {"COLOURS", "SHAPES", "render", "captions_for"} <= set(vars(shapes))


def _modules(package):
    return {p.stem for p in (ROOT / "course_utils" / package).glob("*.py") if p.stem != "__init__"} | \
        {p.name for p in (ROOT / "course_utils" / package).iterdir() if (p / "__init__.py").exists()}


def test_the_docstrings_and_the_readme_list_every_module():
    import course_utils
    import course_utils.data

    readme = (ROOT / "README.md").read_text()
    glance = readme[readme.index("`course_utils` at a glance"):readme.index("## conda")]
    for package, doc in [("", course_utils.__doc__), ("data", course_utils.data.__doc__),
                         ("models", models.__doc__)]:
        listed = {line.split()[0] for line in doc.splitlines() if line.startswith("    ")}
        assert sorted(_modules(package) - listed) == [], package
        assert sorted(name for name in _modules(package) if f"`{name}" not in glance) == [], package


def test_one_name_for_the_hidden_size_and_the_old_keywords_still_work():
    import inspect

    for cls in (models.LastStateModel, models.CharLM, models.DenseClassifier, models.RNNClassifier,
                models.ConditionalRNNDecoder, models.LSTMDecoder, models.AttentionDecoder,
                models.Captioner, models.Seq2Seq, models.Tagger, models.ConditionalTagger,
                models.StackedRNN, models.TreeRNN):
        assert "hidden_size" in inspect.signature(cls.__init__.__wrapped__).parameters, cls.__name__
    torch.manual_seed(0)
    old = models.CharLM(5, embed=4, hidden=6, layers=1)          # the shipped manifest's keyword
    assert old.rnn.hidden_size == 6 and old.config["hidden_size"] == 6
    assert models.RNNClassifier(3, hidden=5).rnn.hidden_size == 5   # notebooks 02 and 08
    assert models.DenseClassifier(4, 3, hidden=7).net[1].out_features == 7
    assert models.Captioner(6, D=8, E=4, H=9).decoder.W_hy.in_features == 9   # captioning manifest
