"""Run the instructor guide's commands as written: `make guide-check` (part of `make test-all`).

Every fenced ```bash block of nbs/95_instructor.ipynb is run, command by command and in order, in a
temporary place: each account gets its own home folder ($HOME), the exchange is a temporary folder
($NBGRADER_EXCHANGE, which the course's and the students' configs read) and the course is made where the
guide says, `~/nn-course`. Whose commands a block holds is said by its first line: `# each student ...`
is Alice on her own account, `# students sharing one account ...` the account Bob uses, any other block
the instructor. An instructor's block starts in the clone's top folder, a student's in their home;
`cd` carries on to the block's next commands. Other blocks (```sh, ```python: root, a browser, a hub)
are not run.

What people do between commands, the guide says in prose; here it is done by `before` below: a
student's config handed out by the instructor, the exercises filled in with the reference solutions,
Carol's sheet uploaded to Canvas and downloaded by the instructor as Canvas names it, and the hand-in
times (Alice's a day early, Bob's a day and two hours late). At the end the gradebook and the exported
files must show what the guide promises: full marks for Alice and Carol, Bob's late penalty (20%),
both feedback pages fetched and the LMS files with every student of the roster. Stops at the first
command that fails, naming it; prints each command's time and the total.
"""
import csv, json, math, os, re, shutil, subprocess, sys, tempfile, time, zipfile
from datetime import timedelta
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_cycle import solved

root = Path(__file__).resolve().parent.parent
GUIDE = root/'nbs'/'95_instructor.ipynb'
WHO = [('# each student', 'alice'), ('# students sharing one account', 'lab')]

def blocks(nb):
    "`[(account, [command, ...])]`: the ```bash blocks of notebook `nb`'s markdown, one command a line (`\\` continues it)."
    out = []
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        for body in re.findall(r'^```bash[ \t]*\n(.*?)^```[ \t]*$', ''.join(c['source']), re.S | re.M):
            lines = body.splitlines()
            who = next((a for prefix, a in WHO if lines and lines[0].startswith(prefix)), 'instructor')
            cmds, cur = [], ''
            for l in lines:
                if not cur and (not l.strip() or l.lstrip().startswith('#')): continue
                cur += l[:-1].strip() + ' ' if l.endswith('\\') else l.strip()
                if not l.endswith('\\'): cmds.append(cur.strip()); cur = ''
            out.append((who, cmds))
    return out

class Run:
    "The temporary accounts, exchange and course, and what the people in the guide do between commands."
    def __init__(self, tmp):
        self.tmp = Path(tmp); self.exchange = self.tmp/'exchange'; self.exchange.mkdir()
        self.homes = {a: self.tmp/'home'/a for a in ['instructor', 'alice', 'lab']}
        for h in self.homes.values(): h.mkdir(parents=True)
        self.course = self.homes['instructor']/'nn-course'
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(('JUPYTER', 'NBGRADER', 'MAKE', 'MFLAGS')) and k != 'VIRTUAL_ENV'}
        self.env.update(NBGRADER_EXCHANGE=str(self.exchange), OMP_NUM_THREADS='1',
                        PATH=f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}')

    def fill_in(self, nb_path):
        "A student does the exercises: the released sheet at `nb_path` with the reference solutions."
        src = json.loads((self.course/'source'/nb_path.parent.name/nb_path.name).read_text(encoding='utf-8'))
        nb_path.write_text(json.dumps(solved(json.loads(nb_path.read_text(encoding='utf-8')), src), indent=1))

    def due(self, a):
        "Assignment `a`'s due date in the course's gradebook."
        from nbgrader.api import Gradebook
        with Gradebook(f'sqlite:///{self.course/"gradebook.db"}', 'foundations') as gb: return gb.find_assignment(a).duedate

    def before(self, who, cwd, cmd):
        "What happens before `cmd` that the guide says in words."
        if cmd.startswith('cp student_nbgrader_config.py'):   # the file the instructor handed out
            shutil.copy(self.course/'student_nbgrader_config.py', cwd/'student_nbgrader_config.py')
        elif who == 'alice' and cmd.startswith('nbgrader validate'):
            self.fill_in(cwd/'01_matmul'/'01_matmul.ipynb')
        elif who == 'lab' and cmd.startswith('nbgrader submit'):
            self.fill_in(cwd/'01_matmul'/'01_matmul.ipynb')
        elif cmd.startswith('cp ~/Downloads/submissions.zip'):
            # Carol did the sheet in Colab and uploaded it to Canvas; the instructor downloaded all submissions
            sheet = self.tmp/'carol'/'01_matmul'/'01_matmul.ipynb'; sheet.parent.mkdir(parents=True)
            shutil.copy(self.course/'release'/'01_matmul'/'01_matmul.ipynb', sheet)
            self.fill_in(sheet)
            (self.homes['instructor']/'Downloads').mkdir(exist_ok=True)
            with zipfile.ZipFile(self.homes['instructor']/'Downloads'/'submissions.zip', 'w') as z:
                z.write(sheet, 'nguyencarol_40213_5520011_Copy of 01_matmul-1.ipynb')
        elif cmd == 'nbgrader autograde 01_matmul':
            # the hand-in times: Alice a day before the due date, Bob a day and two hours after it
            due = self.due('01_matmul')
            for s, dt in [('alice', -timedelta(days=1)), ('bob', timedelta(days=1, hours=2))]:
                (self.course/'submitted'/s/'01_matmul'/'timestamp.txt').write_text(f'{due + dt} UTC')

    def run(self, who, cmds):
        "Run one block's commands, yielding `(command, seconds, error or None)` for each; stops at an error."
        home = self.homes[who]; cwd = root if who == 'instructor' else home
        env = {**self.env, 'HOME': str(home), 'USER': who, 'LOGNAME': who}
        for cmd in cmds:
            self.before(who, Path(cwd), cmd)
            start = time.time()
            pwd = self.tmp/'pwd'
            r = subprocess.run(['bash', '-c', 'cd "$1" || exit 1; eval "$2"; rc=$?; pwd > "$3"; exit $rc', 'bash', str(cwd), cmd, str(pwd)],
                               env=env, capture_output=True, text=True)
            cwd = pwd.read_text().strip() if pwd.exists() else cwd
            err = None if r.returncode == 0 else f'exit status {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}'
            yield cmd, time.time() - start, err
            if err: return

def results(run):
    "`[(ok, what)]`: the outcomes the guide promises, read from the gradebook and the files the commands wrote."
    from lms_export import gradebook_scores
    course = run.course
    assignments, students, scores = gradebook_scores(course)
    best = dict(assignments).get('01_matmul', 0)
    got = {s: scores.get(('01_matmul', s)) for s in ['alice', 'bob', '40213']}
    near = lambda x, y: x is not None and math.isclose(x, y)
    pts = lambda x: 'nothing' if x is None else f'{x:g}'
    out = [(best > 0 and near(got['alice'], best), f"Alice, on time: {pts(got['alice'])} of {best:g} points"),
           (best > 0 and near(got['bob'], best * 0.8), f"Bob, a day and two hours late: {pts(got['bob'])} of {best:g} points (20% off)"),
           (best > 0 and near(got['40213'], best), f"Carol, through Canvas: {pts(got['40213'])} of {best:g} points")]
    grades = {r['student_id']: r for r in csv.DictReader(open(course/'grades.csv')) if r['assignment'] == '01_matmul'} \
        if (course/'grades.csv').exists() else {}
    pen = float(grades.get('bob', {}).get('late_submission_penalty') or 0)
    out.append((best > 0 and near(pen, best * 0.2), f'grades.csv: Bob\'s late penalty {pen:g} of {best:g} points'))
    for name, page in [('Alice', run.homes['alice']/'01_matmul'/'feedback'), ('Bob', run.homes['lab']/'bob'/'01_matmul'/'feedback')]:
        pages = list(page.glob('*/01_matmul.html'))
        out.append((len(pages) == 1, f'{name} fetched the feedback page: {", ".join(str(p.relative_to(run.tmp)) for p in pages) or "none"}'))
    roster = list(csv.DictReader(open(course/'roster.csv')))
    for lms, col in [('canvas', 'ID'), ('moodle', 'Email address')]:
        f = course/f'{lms}_grades.csv'
        rows = list(csv.DictReader(open(f))) if f.exists() else []
        have = {r[col]: r.get('01_matmul') for r in rows if r.get(col)}
        want = {(r['lms_user_id'] or r['id']) if lms == 'canvas' else r['email']: scores.get(('01_matmul', r['id'])) for r in roster}
        ok = have == {k: '' if v is None else f'{v:g}' for k, v in want.items()}
        out.append((ok, f'{f.name}: {len(have)} students of the roster{"" if ok else f", {have} instead of {want}"}'))
    return out

def main(keep=None):
    nb = json.loads(GUIDE.read_text(encoding='utf-8'))
    todo = blocks(nb)
    n = sum(len(c) for _, c in todo)
    if not n: print('guide-check: no ```bash block in the guide'); return 1
    start = time.time(); ran = 0
    with tempfile.TemporaryDirectory(prefix='guide-check-') as tmp:
        if keep: tmp = Path(keep); tmp.mkdir(parents=True)
        run = Run(tmp)
        for who, cmds in todo:
            for cmd, secs, err in run.run(who, cmds):
                ran += 1
                print(f"{'ok  ' if not err else 'FAIL'} [{who}] {cmd}  ({secs:.0f}s)", flush=True)
                if err:
                    print(err)
                    print(f'guide-check: the guide\'s command `{cmd}` ({who}) failed; {ran} of {n} commands ran, in {time.time() - start:.0f}s')
                    return 1
        checks = results(run)
        for ok, what in checks: print(f"{'ok  ' if ok else 'FAIL'} {what}")
        failed = sum(not ok for ok, _ in checks)
    print(f'guide-check: {n} commands of the guide ran, {len(checks) - failed} of {len(checks)} results as the guide says, '
          f'in {time.time() - start:.0f}s')
    return 1 if failed else 0

if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description="Run the instructor guide's commands in a temporary course.")
    ap.add_argument('--keep', metavar='FOLDER', help='run in FOLDER (new) and keep it, to look at the course afterwards')
    sys.exit(main(ap.parse_args().keep))
