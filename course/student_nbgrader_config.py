# nbgrader configuration for the students of a course made from the foundations chapters.
# Each student saves it as ~/.jupyter/nbgrader_config.py (on JupyterHub the instructor can instead put it
# once in /etc/jupyter/nbgrader_config.py, for every user). It tells `nbgrader fetch_assignment`, `submit`
# and `fetch_feedback` which course to use and where its exchange folder is: the same two settings as in
# the course's own nbgrader_config.py. It also names the student: their JupyterHub user name, else their
# login ($USER); on an account several students share, each says who they are with `--student NAME`.
import getpass, os

c = get_config()

c.CourseDirectory.course_id = os.environ.get('NBGRADER_COURSE_ID', 'foundations')
c.Exchange.root = os.environ.get('NBGRADER_EXCHANGE', '/srv/nbgrader/exchange')
c.CourseDirectory.student_id = os.environ.get('JUPYTERHUB_USER') or getpass.getuser()
