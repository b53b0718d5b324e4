"""The shipped models, rebuilt from their checkpoints in data/ (sha256-checked,
torch.load(weights_only=True)): one loader, `load_model`, that every other one calls."""
from ..checkpoints import load, remake_command
from .captioning import Captioner
from .eeg import ConvGRUClassifier
from .sequence import CharLM, LastStateModel


def restore(model, state, folder, name):
    """Load the state dict `state` (read from data/<folder>/<name>) into `model`; returns the
    model in eval mode. A state that does not fit the model is a ValueError naming the file and
    the command that remakes it."""
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as error:
        raise ValueError(f"load_model: data/{folder}/{name} does not fit a "
                         f"{type(model).__name__} ({str(error).splitlines()[0][:80]}); remake it "
                         f"with `{remake_command(folder, name)}` or restore it with "
                         "`git checkout -- data/`") from None
    return model.eval()


def load_model(folder, name, build):
    """The model saved as data/<folder>/<name>: build(entry) makes it from the file's manifest
    entry, then its weights are loaded. Returns (model in eval mode, manifest entry)."""
    state, entry = load(folder, name)
    return restore(build(entry), state, folder, name), entry


def load_last_state_model(folder, name):
    """A LastStateModel rebuilt from a shipped checkpoint (sha256-checked). Returns
    (model in eval mode, manifest entry)."""
    return load_model(folder, name, lambda entry: LastStateModel(**entry["model"]))


def load_charlm(name="charlm_lstm.pt"):
    """The CharLM that scripts/train_charlm.py shipped as data/shakespeare/<name>
    (sha256-checked). Returns (model in eval mode, manifest entry)."""
    return load_model("shakespeare", name, lambda entry: CharLM(**entry["model"]))


def load_captioner(name):
    """A Captioner rebuilt from data/captioning/<name> (sha256-checked). Returns (model in eval
    mode, manifest entry)."""
    return load_model("captioning", name, lambda entry: Captioner(**entry["model"]))


def load_scp1_ensemble():
    """The SelfRegulationSCP1 models that scripts/train_eeg.py shipped (sha256-checked), rebuilt
    in eval mode. Returns (list of ConvGRUClassifier, manifest entry);
    feed them course_utils.data.scp1.model_inputs(x, entry): (N, T, F) and average their
    logits (N,)."""
    folder, name = "scp1", "scp1_rnn.pt"
    states, entry = load(folder, name)
    config = entry["config"]
    models = [restore(ConvGRUClassifier(len(entry["mean"]), conv=config["conv"],
                                        kernel=config["kernel"], hidden=config["hidden"],
                                        bidirectional=config["bidirectional"],
                                        dropout=config["dropout"]), state, folder, name)
              for state in states]
    return models, entry
