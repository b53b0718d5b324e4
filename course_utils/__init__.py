"""Helpers for the RNN workbook: one small module per concept.

    runtime       device(), threads(), seed_everything(), Timer
    parallel      a recurrent layer's independent rows as groups on separate threads
    validate      the input checks behind every clear error message
    numerics      the one sigmoid and relative error the package shares
    layers        NumPy forward/backward layers with CS231n-compatible signatures
    gradcheck     rel_error and numeric gradients
    dynamics      spectra, Jacobian norms, the cliff: the numbers behind notebook 04
    small_rnn     notebook 04's small NumPy RNN: gradient survival, SGD with clipping
    widgets       the ipywidgets explorers (compute stays in dynamics and small_rnn)
    models        the torch models the notebooks train, by topic (a package; see its docstring)
    train         the visible training loops and their one training_step
    checkpoints   shipped files: sha256-checked, weights-only loading, the commands that remake them
    sampling      writing text one character at a time (temperature, top-k)
    decoding      writing captions: greedy, sampling, beam search
    evaluation    BLEU, exact match, which objects a caption names
    ngram         the smoothed character n-gram baseline
    calibration   reliability bins, ECE, temperature scaling
    imaging       notebook 09's ReNet sweeps, time-lapse reader, convolutional GRU
    reservoir     echo-state networks: spectral radius, ridge read-out, memory capacity
    scan          one linear recurrence as a loop, parallel scans and an FFT convolution
    linear_rnn    the LRU, minGRU, minLSTM, a selective layer and their residual stack
    checks        exercise checks with friendly messages
    _reference    the course's answers the checks compare with (kept out of public modules)
    grading       nbgrader's preprocessor that skips the cells tagged autograde-skip
    lab_settings  the JupyterLab defaults the course ships
    plots         the course's figures
    data          one module per data source (a package; see its docstring)

Nothing heavy is imported here: `import course_utils` does not import torch.
"""
