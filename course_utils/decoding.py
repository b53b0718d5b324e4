"""Writing a caption with a trained Captioner (course_utils.models): one word at a time, each
fed back in. Greedy takes the likeliest word, sampling draws one (with a temperature), beam
search keeps the `beam` likeliest partial captions at every step.

Each works on ids; `vocab` (course_utils.data.scenes.CaptionVocabulary) turns them into words.
"""
import torch
import torch.nn.functional as F

from .data.scenes import END, START


@torch.no_grad()
def _decode(model, images, vocab, choose, max_length):
    """Feed <start>, then each chosen word back in; choose(scores (N, V)) -> words (N,)."""
    model.eval()
    v = model.encoder(images)
    state = model.decoder.init_state(v)
    words = torch.full((len(images),), vocab.index[START], dtype=torch.long, device=images.device)
    chosen = []
    for _ in range(max_length):
        scores, state = model.decoder.step(words, state, v)
        words = choose(scores)
        chosen.append(words)
    return [vocab.decode(row) for row in torch.stack(chosen, dim=1).tolist()]


def greedy(model, images, vocab, max_length=16):
    """images: (N, 3, 64, 64) -> N captions (word lists), the likeliest word at every step."""
    return _decode(model, images, vocab, lambda scores: scores.argmax(dim=1), max_length)


def sample(model, images, vocab, temperature=1.0, max_length=16, generator=None, seed=0):
    """Like greedy, but each word is drawn from softmax(scores / temperature). Seeded like
    sampling.sample: the draws come from a generator seeded with `seed`, or from `generator`
    when one is given (to carry one stream of draws across calls)."""
    if temperature <= 0:
        raise ValueError(f"sample: temperature must be > 0, got {temperature}")
    if generator is None:
        generator = torch.Generator().manual_seed(seed)

    def draw(scores):
        probabilities = F.softmax(scores / temperature, dim=1).cpu()
        return torch.multinomial(probabilities, 1, generator=generator).squeeze(1).to(scores.device)
    return _decode(model, images, vocab, draw, max_length)


def _select(state, rows):
    return tuple(s[rows] for s in state) if isinstance(state, tuple) else state[rows]


@torch.no_grad()
def beam_search(model, image, vocab, beam=3, max_length=16):
    """One image (3, 64, 64) -> (captions, history).

    captions: the finished captions as (words, total log-probability), best first.
    history: one list per step of the partial captions kept, (words, log-probability), for
    drawing the search tree.
    """
    if image.ndim != 3:
        raise ValueError(f"beam_search: image must have shape (3, 64, 64), got {tuple(image.shape)}")
    model.eval()
    v = model.encoder(image[None])
    state = model.decoder.init_state(v)
    end = vocab.index[END]
    alive = [([vocab.index[START]], 0.0)]       # (ids, log-probability)
    finished, history = [], []
    for _ in range(max_length):
        words = torch.tensor([ids[-1] for ids, _ in alive], device=v.device)
        scores, state = model.decoder.step(words, state, v.expand(len(alive), *v.shape[1:]))
        log_p = F.log_softmax(scores, dim=1)
        totals = torch.tensor([lp for _, lp in alive], device=v.device)[:, None] + log_p
        best = torch.topk(totals.flatten(), min(beam, totals.numel()))
        rows = (best.indices // log_p.shape[1]).tolist()
        columns = (best.indices % log_p.shape[1]).tolist()
        candidates = [(alive[r][0] + [c], total) for r, c, total in
                      zip(rows, columns, best.values.tolist())]
        history.append([(vocab.decode(ids[1:]) + ([END] if ids[-1] == end else []), lp)
                        for ids, lp in candidates])
        keep = [i for i, (ids, _) in enumerate(candidates) if ids[-1] != end]
        finished += [(vocab.decode(ids[1:]), lp) for ids, lp in candidates if ids[-1] == end]
        if not keep or len(finished) >= beam:
            break
        alive = [candidates[i] for i in keep]
        state = _select(state, [rows[i] for i in keep])
    if not finished:  # nothing said <end> within max_length: return what is left
        finished = [(vocab.decode(ids[1:]), lp) for ids, lp in alive]
    return sorted(finished, key=lambda item: -item[1]), history


@torch.no_grad()
def attention_maps(model, image, vocab, max_length=16):
    """Greedy caption of one image (3, 64, 64) by an attention Captioner, with where it looked:
    returns (words, alphas: (len(words) + 1, 4, 4)), one map per word and one for <end>."""
    if model.config["decoder"] != "attention":
        raise ValueError(f"attention_maps: model must have an attention decoder, got "
                         f"{model.config['decoder']!r}")
    model.eval()
    grid = model.encoder(image[None])
    h = model.decoder.init_state(grid)
    word = torch.tensor([vocab.index[START]], device=grid.device)
    ids, alphas = [], []
    for _ in range(max_length):
        scores, h, alpha = model.decoder.step_with_attention(word, h, grid)
        word = scores.argmax(dim=1)
        ids.append(int(word))
        alphas.append(alpha.view(4, 4))
        if ids[-1] == vocab.index[END]:
            break
    words = vocab.decode(ids)
    return words, torch.stack(alphas[:len(words) + 1]).cpu().numpy()
