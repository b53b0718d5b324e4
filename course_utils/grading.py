"""Grading a class in minutes: nbgrader executes every graded cell and the student's code, but
not the cells that only train, measure or draw the lesson (tagged `autograde-skip`).

An nbgrader_config.py turns it on (scripts/classroom.py writes one):

    from course_utils.grading import configure
    configure(c)

Needs nbgrader (the classroom extra). Importing this module imports nbgrader.
"""
from nbgrader.preprocessors import Execute

SKIP_TAG = "autograde-skip"


def skipped_when_grading(cell):
    """True when nbgrader should not execute this notebook cell while grading.

    cell: a notebook cell (dict-like, with "cell_type" and "metadata"). A code cell is skipped
    when it carries the `autograde-skip` tag, unless nbgrader grades it or it holds a solution:
    those always run, whatever tags a submission puts on them.
    """
    if not hasattr(cell, "get"):
        raise ValueError(f"skipped_when_grading: cell must be a notebook cell (a dict), "
                         f"got {type(cell).__name__}")
    metadata = cell.get("metadata", {})
    nbgrader = metadata.get("nbgrader", {})
    return (cell.get("cell_type") == "code" and SKIP_TAG in metadata.get("tags", [])
            and not nbgrader.get("grade") and not nbgrader.get("solution"))


class ExecuteGradedCells(Execute):
    """nbgrader's Execute preprocessor, passing over the cells `skipped_when_grading` names."""

    def preprocess_cell(self, cell, resources, index):
        if skipped_when_grading(cell):
            cell.outputs = []
            cell.execution_count = None
            return cell, self.resources
        return super().preprocess_cell(cell, resources, index)


def _swapped(owner, trait):
    """`owner`'s default list of preprocessors, with ExecuteGradedCells in place of Execute."""
    default = owner.class_traits()[trait].default()
    return [ExecuteGradedCells if p is Execute else p for p in default]


def configure(c, cell_timeout=300):
    """Set nbgrader config `c` to execute with ExecuteGradedCells when it autogrades and when a
    student validates, with a per-cell timeout of `cell_timeout` seconds. Returns `c`."""
    from nbgrader.converters import Autograde
    from nbgrader.validator import Validator

    c.Autograde.autograde_preprocessors = _swapped(Autograde, "autograde_preprocessors")
    c.Validator.preprocessors = _swapped(Validator, "preprocessors")
    c.Execute.timeout = int(cell_timeout)
    return c
