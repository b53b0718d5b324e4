"""Train the captioning models that notebook 06 ships, and write their manifest.

    python scripts/train_captioner.py [--steps 8400] [--decoders rnn lstm attention]  # ~20 min, 2 cores

Trains course_utils.models.Captioner on generated scenes (the compositional hold-out, "red
triangle", never appears; 8,000 fresh scenes every round of 700 steps, seeds 1000, 1001, ...,
so the model cannot memorise which paraphrase went with which image), once per decoder: the lecture's
conditional RNN (the image enters every step through W_ih v), an LSTM (the image sets its
initial state h_0 and c_0), and soft attention (W_ih z_t, z_t a weighted mix of the image's
4x4 grid). Each gets the same number of steps (not seconds: the result does not depend on the
machine's speed), Adam, teacher forcing. After every round the greedy captions of 500
validation scenes (seed 1) are scored (BLEU-4, exact match) and the best state is kept. (The
shipped files were made by an earlier version that gave each decoder 6 minutes instead; their
manifest records the steps that took: 8,429, 8,043 and 6,734.) With only h_0 set from the image (c_0 = 0), the LSTM had not learned to look at the
image after 4 minutes (loss stuck near 0.87, a language model that ignores the picture).

Writes data/captioning/captioner_{rnn,lstm,attention}.pt (state dicts) and data/captioning/manifest.json:
sha256, model configuration, steps, seconds, the loss and validation curves, the machine and
the library versions.
"""
import argparse
import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course_utils import decoding  # noqa: E402
from course_utils.checkpoints import DATA, sha256  # noqa: E402
from course_utils.data.scenes import CaptionVocabulary, make_scenes  # noqa: E402
from course_utils.evaluation import bleu_scores, exact_match  # noqa: E402
from course_utils.models import Captioner  # noqa: E402
from course_utils.train import fit_captioner  # noqa: E402

OUT = DATA / "captioning"
TRAIN_SCENES, VALID_SCENES, SEED = 8000, 500, 0  # validation scenes: seed 1
LENGTH = 16  # <start> + up to 14 words + <end>


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8400, help="optimiser steps per model")
    parser.add_argument("--round-steps", type=int, default=700,
                        help="steps on each fresh set of scenes, then a validation")
    parser.add_argument("--decoders", nargs="+", default=["rnn", "lstm", "attention"],
                        choices=["rnn", "lstm", "attention"])
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    vocab = CaptionVocabulary()
    valid_images, _, valid_refs, _ = make_scenes(VALID_SCENES, seed=SEED + 1)
    valid_images = torch.from_numpy(valid_images)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}

    for decoder in args.decoders:
        torch.manual_seed(SEED)
        model = Captioner(len(vocab), decoder)
        spent, losses, curve, best = 0.0, [], [], None
        while len(losses) < args.steps:
            images, captions, _, _ = make_scenes(TRAIN_SCENES, seed=1000 + len(curve))
            images = torch.from_numpy(images)
            ids = torch.from_numpy(vocab.encode(captions, LENGTH))
            run = fit_captioner(model, images, ids, epochs=1000, seed=len(curve),
                                steps=min(args.round_steps, args.steps - len(losses)))
            spent += run["seconds"]
            losses += run["losses"]
            generated = decoding.greedy(model, valid_images, vocab)
            bleu4, exact = bleu_scores(valid_refs, generated)[4], exact_match(valid_refs, generated)
            curve.append([len(losses), round(spent, 1),
                          round(float(np.mean(run["losses"][-20:])), 4),
                          round(bleu4, 4), round(exact, 4)])
            print(decoder, curve[-1], flush=True)
            if best is None or exact > best[0]:
                best = (exact, bleu4, copy.deepcopy(model.state_dict()), spent, len(losses))
        name = f"captioner_{decoder}.pt"
        torch.save(best[2], OUT / name)
        manifest[name] = dict(
            sha256=sha256(OUT / name), model=model.config, seed=SEED,
            train_scenes=f"{TRAIN_SCENES} fresh scenes every {args.round_steps} steps, seeds "
                         "1000, 1001, ...",
            seconds=round(spent, 1), best_at_seconds=round(best[3], 1), best_at_step=best[4],
            steps=len(losses), valid_bleu4=round(best[1], 4), valid_exact=round(best[0], 4),
            curve_columns=["step", "seconds", "train_loss", "valid_bleu4", "valid_exact"],
            curve=curve,
            losses_every_10_steps=[round(l, 4) for l in losses[::10]],
            torch=torch.__version__,
            machine=f"{platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads")
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
