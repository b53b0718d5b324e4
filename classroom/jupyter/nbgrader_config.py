"""nbgrader settings every user of the hub shares (the hub puts this folder on
JUPYTER_CONFIG_PATH): the course id, the exchange folder, and grading that skips the cells
tagged autograde-skip (course_utils.grading), for the instructor's autograde and for a
student's Validate button alike."""
import os

from course_utils.grading import configure

c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = os.environ.get("RNN_COURSE_ID", "rnn-course")
c.Exchange.root = os.environ.get("RNN_EXCHANGE", "/srv/nbgrader/exchange")
configure(c, cell_timeout=300)
