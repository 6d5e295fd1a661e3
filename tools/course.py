"""Create or update an nbgrader course from the chapters: `make course COURSE=path` or `tools/course.py path`.

The course folder gets `source/NN_name/NN_name.ipynb` for every chapter with exercises: the chapter as
`foundations.student.course_notebook` makes it (solutions kept, for nbgrader to remove; `slow` cells
replaced by notes; set-up cells locked). It also gets from `course/`: nbgrader_config.py (the course's
settings), student_nbgrader_config.py (the students' settings), roster_template.csv (the columns of a
class list) and schedule.csv (week, assignment, release and due date), whose due dates go into the
gradebook. Then, from that folder: `nbgrader generate_assignment NN_name`, `nbgrader release_assignment
NN_name`, and so on.

Run on an existing course, it updates it in place: it rewrites the source notebooks (after a fixed test or
changed points), replaces nbgrader_config.py and student_nbgrader_config.py when the repository's differ
(keeping the old ones as `*.old`), and applies the course's schedule.csv again (edit it there to move a due
date). The gradebook, releases, submissions and grades are left as they are: regenerate with `nbgrader
generate_assignment NN_name --force`, and autograde already-collected submissions with `--force`.
"""
import argparse, csv, filecmp, json, os, shutil, sys
from pathlib import Path
from foundations.student import course_notebook, has_exercises

root = Path(__file__).resolve().parent.parent
CONFIGS = ['nbgrader_config.py', 'student_nbgrader_config.py']

def assignments():
    "`{name: notebook path}` of the chapters with exercises, in order."
    return {p.stem: p for p in sorted((root/'nbs').glob('[0-9][0-9]_*.ipynb'))
            if int(p.name[:2]) < 90 and has_exercises(json.loads(p.read_text(encoding='utf-8')))}

def read_schedule(path, names):
    "The rows of schedule CSV `path` (week, assignment, release, due), checked against assignment `names`."
    from nbgrader.utils import parse_utc
    rows = list(csv.DictReader(open(path, encoding='utf-8')))
    if not rows or not {'assignment', 'release', 'due'} <= set(rows[0]):
        raise SystemExit(f'course.py: {path} needs the columns assignment, release and due')
    for r in rows:
        if r['assignment'] not in names:
            raise SystemExit(f'course.py: {path} plans {r["assignment"]!r}, which is not an assignment '
                             f'(the chapters with exercises are {", ".join(names)})')
        try: release, due = parse_utc(r['release']), parse_utc(r['due'])
        except (ValueError, OverflowError) as e: raise SystemExit(f'course.py: {path}, {r["assignment"]}: unreadable date ({e})')
        if due <= release: raise SystemExit(f'course.py: {path}, {r["assignment"]}: due {r["due"]} is not after release {r["release"]}')
    return rows

def course_id(dest):
    "The course id the course folder's nbgrader_config.py sets."
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader('nbgrader_config.py', str(dest)).load_config()
    return cfg.CourseDirectory.get('course_id', 'foundations')

def apply_schedule(dest, rows):
    "Give every assignment of `rows` its due date in the gradebook of course `dest` (as `nbgrader db assignment add`)."
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc
    # a new gradebook runs nbgrader's `alembic`, installed next to this Python
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ['PATH'].split(os.pathsep): os.environ['PATH'] = bin_dir + os.pathsep + os.environ['PATH']
    with Gradebook(f'sqlite:///{Path(dest).resolve()/"gradebook.db"}', course_id(dest)) as gb:
        for r in rows: gb.update_or_create_assignment(r['assignment'], duedate=parse_utc(r['due']))

def make_course(dest, schedule=None, log=lambda msg: None):
    "Write the course into folder `dest`, or update the course there; returns the assignment names."
    dest = Path(dest)
    update = (dest/'source').exists() and any((dest/'source').iterdir())
    dest.mkdir(parents=True, exist_ok=True)
    for f in CONFIGS:
        if (dest/f).exists() and not filecmp.cmp(root/'course'/f, dest/f, shallow=False):
            shutil.copy(dest/f, dest/f'{f}.old')
            log(f'{f}: replaced by the repository\'s; yours is now {f}.old (merge any changes you made)')
        shutil.copy(root/'course'/f, dest/f)
    shutil.copy(root/'course'/'roster_template.csv', dest/'roster_template.csv')
    names = assignments()
    if schedule: shutil.copy(schedule, dest/'schedule.csv')
    elif not (dest/'schedule.csv').exists(): shutil.copy(root/'course'/'schedule.csv', dest/'schedule.csv')
    rows = read_schedule(dest/'schedule.csv', list(names))
    for name, p in names.items():
        (dest/'source'/name).mkdir(parents=True, exist_ok=True)
        nb = course_notebook(json.loads(p.read_text(encoding='utf-8')), p.name)
        text = json.dumps(nb, indent=1, ensure_ascii=False) + '\n'
        out = dest/'source'/name/p.name
        if update and out.exists() and out.read_text(encoding='utf-8') != text: log(f'source/{name}: updated')
        out.write_text(text, encoding='utf-8')
    if update:
        stale = sorted(p.name for p in (dest/'source').iterdir() if p.is_dir() and p.name not in names)
        if stale: log(f'source/ also holds {", ".join(stale)}, not a chapter with exercises: left as it is')
    apply_schedule(dest, rows)
    unplanned = [n for n in names if n not in {r['assignment'] for r in rows}]
    if unplanned: log(f'schedule.csv gives no due date to {", ".join(unplanned)}')
    return list(names)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description='Create an nbgrader course from the chapters, or update one in place.')
    ap.add_argument('course', help='the course folder (created if needed)')
    ap.add_argument('--schedule', help="a schedule CSV to use instead of the course's schedule.csv "
                                       '(columns week, assignment, release, due)')
    args = ap.parse_args()
    update = (Path(args.course)/'source').is_dir() and any((Path(args.course)/'source').iterdir())
    names = make_course(args.course, args.schedule, log=lambda msg: print(f'course.py: {msg}'))
    if update:
        print(f'course in {args.course} updated: {len(names)} assignments, due dates from schedule.csv; '
              'the gradebook and submissions are unchanged. Now, in the course folder, for each changed assignment: '
              '`nbgrader generate_assignment NAME --force` (and `nbgrader release_assignment NAME --force` if it '
              'was released), then `nbgrader autograde NAME --force` for submissions already collected')
    else:
        print(f'course in {args.course}: {len(names)} assignments ({", ".join(names)}), due dates from schedule.csv; '
              f'cd there and run `nbgrader generate_assignment NAME` for each')
