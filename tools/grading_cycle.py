"""The whole nbgrader cycle on every chapter with exercises, as a course would run it: `make grading-cycle`
(part of `make test-all`).

An instructor makes the course (tools/course.py), generates and releases every assignment; two students
fetch them, one submits them blank and the other filled in with the reference solutions; the instructor
collects, autogrades, generates and releases feedback and exports the grades. The blank submissions must
score 0 and the solved ones full marks, in every assignment, and the feedback the solved student fetches
must show the hidden tests. Prints the time autograding the solved submissions took. `--jobs N` autogrades
N submissions at once (nbgrader keeps its gradebook in SQLite, which takes their writes one at a time);
`--only 01_matmul ...` runs the cycle on those chapters alone.
"""
import argparse, csv, html, json, os, re, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from course import make_course
from foundations.student import _marker, _src

def solved(released, source):
    "Notebook `released` (a dict) with every solution cell filled in from the instructor's `source`."
    answers = {c['metadata']['nbgrader']['grade_id']: _src(c) for c in source['cells']
               if c.get('metadata', {}).get('nbgrader', {}).get('solution')}
    for c in released['cells']:
        m = c.get('metadata', {}).get('nbgrader', {})
        if m.get('solution'):
            lines = [l for l in answers[m['grade_id']].split('\n') if _marker(l) is None]
            c['source'] = '\n'.join(lines)
    return released

def squash(text):
    "`text` with every run of whitespace made one space, so code compares equal however it was laid out."
    return ' '.join(text.split())

def hidden_lines(nb):
    "The lines of `nb`'s hidden tests, between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`."
    out = []
    for c in nb['cells']:
        inside = False
        for l in _src(c).split('\n'):
            m = _marker(l)
            if m and m[1] == 'HIDDEN TESTS': inside = m[0] == 'BEGIN'
            elif inside and l.strip(): out.append(squash(l))
    return out

def main(jobs=1, only=None):
    with tempfile.TemporaryDirectory(prefix='grading-cycle-') as tmp:
        tmp = Path(tmp); course, exchange = tmp/'course', tmp/'exchange'
        exchange.mkdir(); os.chmod(exchange, 0o777)
        names = make_course(course)
        if only:
            unknown = sorted(set(only) - set(names))
            if unknown: raise SystemExit(f'no assignment {", ".join(unknown)}; the chapters with exercises are {", ".join(names)}')
            names = [a for a in names if a in only]
        env = {**os.environ, 'NBGRADER_EXCHANGE': str(exchange), 'OMP_NUM_THREADS': str(max(1, (os.cpu_count() or 2) // jobs)),
               'PATH': f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}'}
        def nbgrader(*args, cwd=course, user='instructor'):
            r = subprocess.run([sys.executable, '-m', 'nbgrader', *args], cwd=cwd, capture_output=True, text=True,
                               env={**env, 'USER': user, 'LOGNAME': user})
            if r.returncode: raise SystemExit(f'nbgrader {" ".join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}')
            return r.stdout + r.stderr
        students = ['blank', 'solved']
        for s in students:
            (tmp/s).mkdir()
            (tmp/s/'nbgrader_config.py').write_text(
                f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = 'foundations'\n")
            nbgrader('db', 'student', 'add', s)
        for a in names:
            nbgrader('generate_assignment', a, '--force')
            nbgrader('release_assignment', a, '--force')
            for s in students:
                nbgrader('fetch_assignment', a, cwd=tmp/s, user=s)
                if s == 'solved':
                    for p in (tmp/s/a).glob('*.ipynb'):
                        src = json.loads((course/'source'/a/p.name).read_text(encoding='utf-8'))
                        p.write_text(json.dumps(solved(json.loads(p.read_text(encoding='utf-8')), src), indent=1))
                nbgrader('submit', a, '--student', s, cwd=tmp/s, user=s)
            nbgrader('collect', a)
        took = {}
        def autograde(a_s):
            start = time.time()
            nbgrader('autograde', a_s[0], '--student', a_s[1])
            took[a_s] = time.time() - start
        # the solved submissions first, timed as a whole: that is the grading time a course plans for
        wall = {}
        for s in reversed(students):
            start = time.time()
            with ThreadPoolExecutor(jobs) as pool: list(pool.map(autograde, [(a, s) for a in names]))
            wall[s] = time.time() - start
        nbgrader('export', '--to', str(tmp/'grades.csv'))
        rows = list(csv.DictReader(open(tmp/'grades.csv')))
        failed = 0
        for a in names:
            for s in students:
                r = next((r for r in rows if r['assignment'] == a and r['student_id'] == s), None)
                score, best = (float(r['score']), float(r['max_score'])) if r else (None, None)
                want = 0. if s == 'blank' else best
                ok = r is not None and best > 0 and score == want
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} grading {a}, {s} submission: {score} of {best} points "
                      f"(expected {want}), autograded in {took[a, s]:.0f}s")
        # feedback: what the solved student fetches back shows the hidden tests (the guide says so)
        for a in names:
            nbgrader('generate_feedback', a, '--student', 'solved')
            nbgrader('release_feedback', a, '--student', 'solved')
            nbgrader('fetch_feedback', a, cwd=tmp/'solved', user='solved')
            # the hidden test lines a student never saw: none of them is in the released notebook
            released = ' '.join(squash(_src(c)) for c in
                                json.loads((course/'release'/a/f'{a}.ipynb').read_text(encoding='utf-8'))['cells'])
            hidden = [l for l in hidden_lines(json.loads((course/'source'/a/f'{a}.ipynb').read_text(encoding='utf-8')))
                      if l not in released]
            page = next((tmp/'solved'/a/'feedback').glob(f'*/{a}.html'), tmp/'solved'/a/'feedback'/f'{a}.html')
            text = squash(html.unescape(re.sub(r'<[^>]+>', '', page.read_text(encoding='utf-8')))) if page.exists() else ''
            missing = [l for l in hidden if l not in text]
            ok = bool(text) and bool(hidden) and not missing
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} feedback {a}: {len(hidden) - len(missing)} of {len(hidden)} hidden test lines shown"
                  + ('' if page.exists() else f' (no {page.name})'))
        print(f"grading cycle: {len(names)} assignments; autograding the solved submissions took {wall['solved']:.0f}s "
              f"in all, {jobs} at a time")
        return 1 if failed else 0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description='The nbgrader cycle on every chapter with exercises.')
    ap.add_argument('--jobs', type=int, default=1, help='submissions autograded at once (default 1)')
    ap.add_argument('--only', nargs='+', metavar='CHAPTER', help='run the cycle on these chapters alone, e.g. 01_matmul')
    args = ap.parse_args()
    if args.jobs < 1: ap.error(f'--jobs must be 1 or more, not {args.jobs}')
    sys.exit(main(args.jobs, args.only))
