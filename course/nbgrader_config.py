# Deadlines, late work and uploaded sheets: the course's rules, for the instructor to adjust.
#
# Late work. `tools/course.py` gives each assignment its due date from the course's schedule.csv;
# `nbgrader autograde` compares it with the time of the submission (`timestamp.txt`, written by
# `nbgrader submit`) and takes LATE_PENALTY_PER_DAY of a notebook's score off for every day or part of a
# day late, and the whole score after LATE_DAYS days. `nbgrader export` shows raw score, penalty and score.
import math
from nbgrader.plugins import LateSubmissionPlugin

LATE_PENALTY_PER_DAY = 0.1
LATE_DAYS = 7

class LatePenaltyPerDay(LateSubmissionPlugin):
    "A share of the score per day late (a started day counts), all of it after `LATE_DAYS` days."
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        days = math.ceil(total_seconds_late / 86400)
        return score if days > LATE_DAYS else score * min(1.0, LATE_PENALTY_PER_DAY * days)

c = get_config()
c.AssignLatePenalties.plugin_class = LatePenaltyPerDay

# Sheets uploaded to an LMS (done in Colab, handed in on Canvas): `nbgrader zip_collect NN_name` reads
# the LMS's download from downloaded/NN_name/archive/ and files each notebook under its student, whose id
# and notebook this pattern takes from the file name. Canvas names a file
# `lastfirst_[LATE_]userid_submissionid_original name.ipynb`: the student id is Canvas's user id (use it as
# `id` in the roster), the notebook is the chapter name found in the original name (`01_matmul.ipynb`,
# `Copy of 01_matmul.ipynb`, `01_matmul-1.ipynb`). For another LMS, write a pattern for its file names.
# The names carry no hand-in time, and nbgrader's `release_feedback` stops at a submission without the
# time and the secret that `nbgrader submit` writes: so after zip_collect has filed the sheets, each gets
# the due date as its time (late work from an LMS is for the LMS's late policy) and a secret of its own.
import datetime, secrets
from pathlib import Path
from nbgrader.apps.zipcollectapp import ZipCollectApp

_nbgrader_transfer = ZipCollectApp.__dict__.get('_nbgrader_transfer_files', ZipCollectApp._transfer_files)
ZipCollectApp._nbgrader_transfer_files = _nbgrader_transfer

def _transfer_files_dated(self, collected):
    "nbgrader's filing of the collected sheets, then the hand-in time and secret each sheet lacks."
    _nbgrader_transfer(self, collected)
    if not collected: return
    from nbgrader.api import Gradebook, MissingEntry
    d = self.coursedir
    with Gradebook(d.db_url, d.course_id) as gb:
        try: due = gb.find_assignment(d.assignment_id).duedate
        except MissingEntry: due = None
    when = due or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for student in collected:
        folder = Path(d.format_path(d.submitted_directory, student, d.assignment_id))
        if not (folder/'timestamp.txt').exists(): (folder/'timestamp.txt').write_text(f'{when} UTC')
        if not (folder/'submission_secret.txt').exists(): (folder/'submission_secret.txt').write_text(secrets.token_hex(64))

ZipCollectApp._transfer_files = _transfer_files_dated
c.FileNameCollectorPlugin.named_regexp = (
    r'.*/[^/_]+_(?:LATE_)?(?P<student_id>[^/_]+)_\d+_[^/]*?(?P<file_id>\d\d_[a-z]+)[^/]*\.ipynb$')

# nbgrader configuration of a course made from the foundations chapters.
# `make course COURSE=path` (tools/course.py) copies this file into a new course folder next to
# `source/`, which holds one assignment per chapter with exercises, named after the chapter.
import os

c = get_config()

c.CourseDirectory.course_id = os.environ.get('NBGRADER_COURSE_ID', 'foundations')
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Where released assignments and submissions are exchanged; on a shared server, a folder every user can reach.
c.Exchange.root = os.environ.get('NBGRADER_EXCHANGE', '/srv/nbgrader/exchange')

# Seconds a cell may run under validation and autograding. Course notebooks have no `slow` cells (they
# are replaced by notes); their slowest cell, a short training run in 10_conv, takes about 13 s on an
# idle 2-core machine. 120 leaves room for a busy grading server.
c.Execute.timeout = 120

# The stub that replaces a solution: the same as the exercise sheets in the repository.
c.ClearSolutions.code_stub = {'python': '# YOUR CODE HERE\nraise NotImplementedError()'}
c.ClearSolutions.text_stub = 'YOUR ANSWER HERE'

# Grading that cannot be gamed (foundations.grading): locked and test cells are restored without nbgrader's
# warning for every test cell whose hidden tests were removed, and after a submission runs, the tests that
# follow an answer able to switch them off (a helper redefined, a module changed) score 0, saying why.
from foundations.grading import nbgrader_plugins
_plugins = nbgrader_plugins()
c.Autograde.sanitize_preprocessors = _plugins['sanitize']
c.Autograde.autograde_preprocessors = _plugins['autograde']
