"""The torch models the notebooks train: small, readable, one idea each, by topic.

    sequence        LastStateModel, CharLM, detach_state, Tagger, ConditionalTagger,
                    previous_labels, StackedRNN, TreeRNN (notebooks 03, 05, 07, 08)
    eeg             DenseClassifier, WindowCNN, RNNClassifier (notebook 02), ConvGRUClassifier (its real EEG)
    captioning      ImageEncoder, ConditionalRNNDecoder, LSTMDecoder, AttentionDecoder,
                    Captioner (notebook 06)
    attention       additive_attention, Seq2Seq and its Memory (notebooks 06, 07)
    initialisation  chrono_init, cell_from_layer (notebook 05)
    loaders         load_model (the one loader), load_last_state_model, load_charlm,
                    load_captioner, load_scp1_ensemble

Every name is importable from here: `from course_utils.models import CharLM`.
"""
from .attention import Memory, Seq2Seq, additive_attention
from .captioning import (DECODERS, AttentionDecoder, Captioner, ConditionalRNNDecoder,
                         ImageEncoder, LSTMDecoder)
from .eeg import ConvGRUClassifier, DenseClassifier, RNNClassifier, WindowCNN
from .initialisation import cell_from_layer, chrono_init
from .loaders import (load_captioner, load_charlm, load_last_state_model, load_model,
                      load_scp1_ensemble)
from .sequence import (CELLS, CharLM, ConditionalTagger, LastStateModel, StackedRNN, Tagger,
                       TreeRNN, detach_state, previous_labels)

__all__ = [
    "AttentionDecoder", "CELLS", "Captioner", "CharLM", "ConditionalRNNDecoder", "ConvGRUClassifier",
    "ConditionalTagger", "DECODERS", "DenseClassifier", "ImageEncoder", "LSTMDecoder",
    "LastStateModel", "Memory", "RNNClassifier", "Seq2Seq", "StackedRNN", "Tagger", "TreeRNN", "WindowCNN",
    "additive_attention", "cell_from_layer", "chrono_init", "detach_state", "load_captioner",
    "load_charlm", "load_last_state_model", "load_model", "load_scp1_ensemble",
    "previous_labels",
]
