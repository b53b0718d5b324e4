"""The old name of course_utils.data.scenes (generated scenes of coloured shapes, notebook 06),
kept so that `from course_utils.data.shapes import ...` still works. New code imports
course_utils.data.scenes: in this course "shape" means a tensor's shape."""
from .scenes import (COLOURS, END, PAD, RADIUS, SHAPES, SIZE, START, WORDS,  # noqa: F401
                     CaptionVocabulary, captions_for, make_scenes, render)
