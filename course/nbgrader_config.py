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
