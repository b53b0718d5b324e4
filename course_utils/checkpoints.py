"""Shipped checkpoints: files in data/ listed, with their sha256, in data/<folder>/manifest.json.

Each is checked against its sha256 and loaded with torch.load(weights_only=True), which
cannot run code. The scripts in scripts/ that made them write the manifests.
"""
import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def sha256(path):
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(folder):
    """The manifest of data/<folder>: {file name: {"sha256": ..., and what the script noted}}."""
    path = DATA / folder / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"manifest: no {path}; make it with the script named in data/README.md")
    return json.loads(path.read_text())


def load(folder, name):
    """The state dict (or tensors) saved as data/<folder>/<name>, after its sha256 check.

    Returns (state, entry) where entry is the file's manifest record (seed, seconds, ...).
    """
    import torch

    entry = manifest(folder).get(name)
    if entry is None:
        raise KeyError(f"load: {name} is not in data/{folder}/manifest.json")
    path = DATA / folder / name
    actual = sha256(path)
    if actual != entry["sha256"]:
        raise ValueError(f"load: {path} has sha256 {actual[:12]}..., the manifest says "
                         f"{entry['sha256'][:12]}...; the file was changed or damaged")
    return torch.load(path, map_location="cpu", weights_only=True), entry
