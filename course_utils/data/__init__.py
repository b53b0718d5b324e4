"""One module per data source; every generator is seeded and needs no download.

    vocabulary      the one Vocabulary (tokens <-> ids) every module below encodes with
    standardise     the one per-channel standardisation (training statistics reused)
    text            the shipped Shakespeare split and its character Vocabulary (notebooks 03, 08)
    years           "I went to Nepal in 2009." sentences (notebook 01)
    eeg             synthetic EEG and its spectrogram frames (notebooks 02, 08)
    scp1            real human EEG, SelfRegulationSCP1 (notebook 02)
    recent_sum      the sum of the last two inputs, a short-range task (notebook 04)
    adding          the adding problem (notebooks 05, 10)
    birthplace      a cue at the start, the answer after a gap (notebook 05)
    scenes          captioned scenes of coloured shapes (notebook 06)
    shapes          the old name of scenes, kept for imports
    dates           dates to rewrite as ISO 8601 (notebook 07)
    tagging         name tagging and mouse states (notebook 07)
    expressions     nested arithmetic modulo 10 (notebook 07)
    ehr             synthetic health records (notebook 08)
    digits          scikit-learn's 8 x 8 digits (notebook 09)
    timelapse       time-lapse "microscopy" movies (notebook 09)
    blobs           moving blobs (notebook 09)
    narma           NARMA-10 (notebook 09)
    selective_copy  selective copying (notebook 10)
"""
