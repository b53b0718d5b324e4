"""Notebook 06's parts: the scene generator and its grammar, the captioner and its decoders,
greedy / sampled / beam decoding, BLEU and exact match, the exercise checks and the shipped
checkpoints."""
import numpy as np
import pytest
import torch

from course_utils import checks, decoding
from course_utils.checkpoints import manifest, sha256, DATA
from course_utils.data.scenes import CaptionVocabulary, captions_for, make_scenes
from course_utils.evaluation import bleu_scores, exact_match, objects_named
from course_utils.models import AttentionDecoder, Captioner, ConditionalRNNDecoder, load_captioner
from course_utils.train import caption_loss, fit_captioner
from notebook_cells import notebook_definitions as _definitions

VOCAB = CaptionVocabulary()


def test_scenes_shapes_and_seed():
    images, captions, references, scenes = make_scenes(30, seed=4)
    assert images.shape == (30, 3, 64, 64) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    assert all(c in refs for c, refs in zip(captions, references))
    assert all(1 <= len(s) <= 3 for s in scenes)
    again = make_scenes(30, seed=4)[0]
    assert np.array_equal(images, again) and not np.array_equal(images, make_scenes(30, seed=5)[0])


def test_holdout_is_absent_from_training_and_present_when_asked():
    _, _, _, scenes = make_scenes(2000, seed=0)
    has = lambda scene: any((o["colour"], o["shape"]) == ("red", "triangle") for o in scene)
    assert not any(has(s) for s in scenes)
    _, captions, _, held = make_scenes(200, seed=1, only_holdout=True)
    assert all(has(s) for s in held)
    assert all("red" in c for c in captions)


def test_grammar_says_relations_both_ways():
    a = dict(colour="red", shape="circle", size="big")
    b = dict(colour="blue", shape="square", size="small")
    refs = [" ".join(r) for r in captions_for([a, b], "left")]
    assert "a big red circle to the left of a small blue square" in refs
    assert "a blue square to the right of a red circle" in refs
    assert [" ".join(r) for r in captions_for([a, a, a])] == ["three red circles"]
    assert len(captions_for([a])) == 2


def test_relation_matches_the_pixels():
    images, _, references, scenes = make_scenes(200, seed=6)
    for image, refs, scene in zip(images, references, scenes):
        words = refs[0]
        if "left" not in words or len(scene) != 2:
            continue
        columns = []
        for obj in scene:
            colour = {"red": 0, "green": 1, "blue": 2}.get(obj["colour"])
            if colour is None:
                break
            strong = image[colour] > 0.5
            weak = [image[c] < 0.5 for c in range(3) if c != colour]
            columns.append(np.nonzero(strong & weak[0] & weak[1])[1].mean())
        if len(columns) == 2 and scene[0]["colour"] != scene[1]["colour"]:
            first = refs[0][:refs[0].index("to")]
            first_is_scene0 = first[-2:] == [scene[0]["colour"], scene[0]["shape"]]
            left, right = (columns[0], columns[1]) if first_is_scene0 else (columns[1], columns[0])
            assert left < right


def test_vocabulary_round_trip_and_errors():
    ids = VOCAB.encode([["a", "red", "circle"], ["two", "blue", "squares"]], length=8)
    assert ids.shape == (2, 8) and ids[0, 0] == VOCAB.index["<start>"]
    assert VOCAB.decode(ids[1]) == ["two", "blue", "squares"]
    with pytest.raises(ValueError, match="not in the vocabulary: \\['purple'\\]"):
        VOCAB.encode([["a", "purple", "circle"]])
    with pytest.raises(ValueError, match="make_scenes: holdout must hold"):
        make_scenes(3, holdout=[("pink", "circle")])


@pytest.mark.parametrize("decoder", ["rnn", "lstm"])
def test_captioner_shapes_and_bad_input(decoder):
    model = Captioner(len(VOCAB), decoder)
    images = torch.rand(2, 3, 64, 64)
    words = torch.from_numpy(VOCAB.encode([["a", "red", "circle"]] * 2, length=6))
    assert model(images, words).shape == (2, 6, len(VOCAB))
    with pytest.raises(ValueError, match=r"images must have shape \(N, 3, 64, 64\)"):
        model(torch.rand(2, 3, 32, 32), words)
    with pytest.raises(ValueError, match="decoder must be one of"):
        Captioner(len(VOCAB), "transformer")


def test_conditional_rnn_uses_the_image_at_every_step():
    """The lecture's W_ih v: changing v changes h_t at every step, even with W_hh = 0."""
    torch.manual_seed(0)
    model = Captioner(len(VOCAB), "rnn")
    decoder = model.decoder
    with torch.no_grad():
        decoder.W_hh.weight.zero_()
    words = torch.tensor([3, 4])
    v1, v2 = torch.randn(2, 128), torch.randn(2, 128)
    h = decoder.init_state(v1)
    _, h1 = decoder.step(words, h, v1)
    _, h2 = decoder.step(words, h, v2)
    assert not torch.allclose(h1, h2)
    expected = torch.tanh(decoder.W_xh(decoder.embed(words)) + decoder.W_ih(v1))
    assert torch.allclose(h1, expected)


def test_teacher_forcing_loss_and_training_learn_a_tiny_set():
    torch.manual_seed(0)
    images, captions, _, _ = make_scenes(64, seed=2)
    images, ids = torch.from_numpy(images), torch.from_numpy(VOCAB.encode(captions, length=16))
    model = Captioner(len(VOCAB), "rnn")
    with torch.no_grad():
        start = caption_loss(model, images, ids).item()
    assert abs(start - np.log(len(VOCAB))) < 0.3
    run = fit_captioner(model, images, ids, epochs=40, batch=16, seed=0)
    assert np.mean(run["losses"][-4:]) < 0.5 * start
    with pytest.raises(ValueError, match="fit_captioner: images and ids must have the same length"):
        fit_captioner(model, images, ids[:3])



def test_fit_captioner_stops_after_a_number_of_steps_not_seconds():
    images, captions, _, _ = make_scenes(40, seed=3)
    images, ids = torch.from_numpy(images), torch.from_numpy(VOCAB.encode(captions, length=16))
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        runs.append(fit_captioner(Captioner(len(VOCAB), "rnn"), images, ids, epochs=100,
                                  batch=16, steps=7))
    assert len(runs[0]["losses"]) == 7 and runs[0]["epochs"] == pytest.approx(7 / 3)
    assert runs[0]["losses"] == pytest.approx(runs[1]["losses"], rel=1e-4)
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="fit_captioner: steps"):
            fit_captioner(Captioner(len(VOCAB), "rnn"), images, ids, steps=bad)

def test_bleu_and_exact_match():
    refs = [[["a", "red", "circle"], ["a", "small", "red", "circle"]], [["two", "blue", "squares"]]]
    perfect = [["a", "small", "red", "circle"], ["two", "blue", "squares"]]
    assert exact_match(refs, perfect) == 1.0
    assert bleu_scores(refs, perfect)[3] == pytest.approx(1.0)
    # NLTK gives a caption shorter than 4 words one 4-gram slot that cannot match
    assert bleu_scores(refs, perfect)[4] == pytest.approx(0.5 ** 0.25)
    assert bleu_scores(refs[:1], perfect[:1])[4] == pytest.approx(1.0)
    wrong = [["a", "small", "red", "square"], ["two", "blue", "squares"]]
    assert exact_match(refs, wrong) == 0.5
    scores = bleu_scores(refs, wrong)
    assert 0 < scores[4] < scores[1] < 1
    assert objects_named([dict(colour="red", shape="circle"), dict(colour="blue", shape="square")],
                         ["a", "red", "circle"]) == (1, 2)
    with pytest.raises(ValueError, match="same length"):
        bleu_scores(refs, perfect[:1])


@pytest.fixture(scope="module")
def shipped():
    return {d: load_captioner(f"captioner_{d}.pt") for d in ("rnn", "lstm", "attention")}


def test_attention_weights_are_a_distribution_over_the_grid(shipped):
    model, _ = shipped["attention"]
    image = torch.from_numpy(make_scenes(1, seed=97)[0])[0]
    words, alphas = decoding.attention_maps(model, image, VOCAB)
    assert alphas.shape == (len(words) + 1, 4, 4)
    assert np.allclose(alphas.sum(axis=(1, 2)), 1, atol=1e-5) and (alphas >= 0).all()
    assert words == decoding.greedy(model, image[None], VOCAB)[0]
    with pytest.raises(ValueError, match="must have an attention decoder"):
        decoding.attention_maps(shipped["rnn"][0], image, VOCAB)


def test_shipped_checkpoints_match_their_manifest():
    for name, entry in manifest("captioning").items():
        assert sha256(DATA / "captioning" / name) == entry["sha256"]


def test_greedy_equals_beam_of_width_one_and_beam_is_at_least_as_likely(shipped):
    model, _ = shipped["rnn"]
    images = torch.from_numpy(make_scenes(8, seed=99)[0])
    greedy = decoding.greedy(model, images, VOCAB)
    for image, words in zip(images, greedy):
        (best1, logp1), *_ = decoding.beam_search(model, image, VOCAB, beam=1)[0]
        assert best1 == words
        (best3, logp3), *_ = decoding.beam_search(model, image, VOCAB, beam=3)[0]
        assert logp3 >= logp1 - 1e-5


def test_sampling_at_low_temperature_is_greedy(shipped):
    model, _ = shipped["rnn"]
    images = torch.from_numpy(make_scenes(8, seed=98)[0])
    generator = torch.Generator().manual_seed(0)
    assert decoding.sample(model, images, VOCAB, 0.01, generator=generator) == \
        decoding.greedy(model, images, VOCAB)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        decoding.sample(model, images, VOCAB, 0.0)


def test_shipped_models_caption_test_scenes_well(shipped):
    images, _, refs, _ = make_scenes(300, seed=10)
    for decoder, (model, _) in shipped.items():
        generated = decoding.greedy(model, torch.from_numpy(images), VOCAB)
        assert bleu_scores(refs, generated)[4] >= 0.9, decoder


def test_exercise_checks_catch_wrong_answers(shipped, capsys):
    checks.check_teacher_forcing_pairs(lambda ids: (ids[:, :-1], ids[:, 1:]), VOCAB)
    with pytest.raises(checks.ExerciseError, match="inputs"):
        checks.check_teacher_forcing_pairs(lambda ids: (ids[:, 1:], ids[:, :-1]), VOCAB)
    model, _ = shipped["rnn"]

    def always_first_word(model, images, vocab, max_length=16):
        return torch.full((len(images), max_length), vocab.index["a"])
    with pytest.raises(checks.ExerciseError, match="greedy decoding gives a different caption"):
        checks.check_greedy_ids(always_first_word, model, VOCAB)

    def stub(model, images, vocab, max_length=16):
        raise NotImplementedError()
    with pytest.raises(checks.ExerciseError, match="not implemented yet"):
        checks.check_greedy_ids(stub, model, VOCAB)


def test_sample_is_seeded_like_the_character_sampler(shipped):
    model, _ = shipped["rnn"]
    images = torch.from_numpy(make_scenes(4, seed=97)[0])
    first = decoding.sample(model, images, VOCAB, 2.0)
    torch.manual_seed(123)                                   # the global stream plays no part
    assert decoding.sample(model, images, VOCAB, 2.0) == first
    assert decoding.sample(model, images, VOCAB, 2.0, seed=0) == first


# --- Notebook 06 defines the lesson's code in editable cells; the package keeps its own copy ---

def notebook_definitions(*names):
    return _definitions("06_image_captioning", *names,
                        namespace={"torch": torch, "nn": torch.nn, "F": torch.nn.functional})


def test_notebook_conditional_decoder_is_the_package_one():
    Notebook = notebook_definitions("ConditionalRNNDecoder")["ConditionalRNNDecoder"]
    torch.manual_seed(3)
    ours = Notebook(len(VOCAB), D=12, embed_size=5, hidden_size=7)
    torch.manual_seed(3)
    package = ConditionalRNNDecoder(len(VOCAB), D=12, embed_size=5, hidden_size=7)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, v.shape) for k, v in package.state_dict().items()]
    assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(),
                                                 package.state_dict().values()))
    generator = torch.Generator().manual_seed(0)
    v = torch.randn(6, 12, generator=generator)
    words = torch.randint(0, len(VOCAB), (6,), generator=generator)
    h, h_package = ours.init_state(v), package.init_state(v)
    assert torch.equal(h, h_package)
    for _ in range(3):
        (scores, h), (scores_package, h_package) = ours.step(words, h, v), \
            package.step(words, h_package, v)
        torch.testing.assert_close(scores, scores_package)
        torch.testing.assert_close(h, h_package)
        words = scores.argmax(dim=1)


def test_notebook_caption_loss_is_the_package_one():
    notebook_loss = notebook_definitions("caption_loss")["caption_loss"]
    images, captions, _, _ = make_scenes(8, seed=2)
    ids = torch.from_numpy(VOCAB.encode(captions, length=16))
    for decoder in ("rnn", "attention"):
        torch.manual_seed(1)
        model = Captioner(len(VOCAB), decoder)
        images_t = torch.from_numpy(images)
        torch.testing.assert_close(notebook_loss(model, images_t, ids),
                                   caption_loss(model, images_t, ids))


def test_notebook_attention_step_is_the_package_one():
    attention_step = notebook_definitions("attention_step")["attention_step"]
    torch.manual_seed(2)
    decoder = AttentionDecoder(len(VOCAB), D=10, embed_size=6, hidden_size=9, A=5)
    generator = torch.Generator().manual_seed(1)
    grid = torch.randn(4, 16, 10, generator=generator)
    words = torch.randint(0, len(VOCAB), (4,), generator=generator)
    h = decoder.init_state(grid)
    for _ in range(3):
        ours, package = attention_step(decoder, words, h, grid), \
            decoder.step_with_attention(words, h, grid)
        for a, b in zip(ours, package):
            torch.testing.assert_close(a, b)
        torch.testing.assert_close(ours[2].sum(dim=1), torch.ones(4))
        words, h = ours[0].argmax(dim=1), ours[1]
