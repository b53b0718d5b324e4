"""Shipped checkpoints: files in data/ listed, with their sha256, in data/<folder>/manifest.json.

Each is checked against its sha256 and loaded with torch.load(weights_only=True), which
cannot run code. The scripts in scripts/ that made them write the manifests.
"""
import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"

# The command that remakes each shipped file (data/README.md says more).
_REMAKE = {
    ("shakespeare", "data"): "python scripts/make_shakespeare.py",
    ("shakespeare", "model"): "python scripts/train_charlm.py --minutes 40",
    ("scp1", "data"): 'pip install -e ".[data]" && python scripts/make_scp1.py',
    ("scp1", "model"): "python scripts/train_eeg.py",
    ("longrange", "model"): "python scripts/train_longrange.py",
    ("captioning", "model"): "python scripts/train_captioner.py",
}


def remake_command(folder, name):
    """The command that remakes data/<folder>/<name>: a corpus, or a checkpoint and its manifest."""
    model = name.endswith(".pt") or name == "manifest.json"
    return _REMAKE.get((folder, "model" if model else "data"),
                       _REMAKE.get((folder, "model"), "the script named in data/README.md"))


def _missing(fn_name, path, folder):
    return FileNotFoundError(f"{fn_name}: {path} is missing; remake it with "
                             f"`{remake_command(folder, path.name)}`, or restore the shipped "
                             "file with `git checkout -- data/` (data/README.md)")


def read_json(fn_name, path, folder):
    """The JSON file at path (in data/<folder>) parsed, or an error naming the file and the
    command that remakes it."""
    name = path.name
    if not path.exists():
        raise _missing(fn_name, path, folder)
    try:
        return json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{fn_name}: {path} is damaged ({type(error).__name__}: "
                         f"{str(error)[:60]}); remake it with `{remake_command(folder, name)}`, "
                         "or restore it with `git checkout -- data/`") from None


def sha256(path):
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(folder):
    """The manifest of data/<folder>: {file name: {"sha256": ..., and what the script noted}}."""
    if not isinstance(folder, str) or not (DATA / folder).is_dir() or "/" in folder or ".." in folder:
        folders = sorted(p.name for p in DATA.iterdir() if p.is_dir())
        raise ValueError(f"manifest: folder must be one of {folders}, got {folder!r}")
    entries = read_json("manifest", DATA / folder / "manifest.json", folder)
    if not isinstance(entries, dict) or not all(isinstance(e, dict) and "sha256" in e
                                                for e in entries.values()):
        raise ValueError(f"manifest: {DATA / folder / 'manifest.json'} is damaged (each entry "
                         f"needs a sha256); remake it with `{remake_command(folder, 'manifest.json')}`")
    return entries


def load(folder, name):
    """The state dict (or tensors) saved as data/<folder>/<name>, after its sha256 check.

    Returns (state, entry) where entry is the file's manifest record (seed, seconds, ...).
    """
    import torch

    entries = manifest(folder)
    entry = entries.get(name) if isinstance(name, str) else None
    if entry is None:
        raise ValueError(f"load: name must be a file listed in data/{folder}/manifest.json "
                         f"({', '.join(sorted(entries)[:6])}...), got {name!r}")
    path = DATA / folder / name
    if not path.exists():
        raise _missing("load", path, folder)
    actual = sha256(path)
    if actual != entry["sha256"]:
        raise ValueError(f"load: {path} has sha256 {actual[:12]}..., the manifest says "
                         f"{entry['sha256'][:12]}...; the file was changed or damaged: remake it "
                         f"with `{remake_command(folder, name)}` or restore it with "
                         "`git checkout -- data/`")
    return torch.load(path, map_location="cpu", weights_only=True), entry
