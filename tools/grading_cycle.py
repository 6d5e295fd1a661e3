"""The whole nbgrader cycle on every chapter with exercises, as a course would run it: `make grading-cycle`
(part of `make test-all`).

An instructor makes the course (tools/course.py), generates and releases every assignment; two students
fetch them, one submits them blank and the other filled in with the reference solutions; the instructor
collects, autogrades, generates and releases feedback and exports the grades. The blank submissions must
score 0 and the solved ones full marks, in every assignment, and the feedback the solved student fetches
must show the hidden tests. Prints the time autograding the solved submissions took. `--jobs N` autogrades
N submissions at once (nbgrader keeps its gradebook in SQLite, which takes their writes one at a time);
`--only 01_matmul ...` runs the cycle on those chapters alone.

Five more students try to game every assignment (tools/gaming.py): answers that call the library function
their exercise replaces, answer cells that redefine the test helpers, answers that replay the results of the
public chapter, deleted test cells, and answers right on some cases only. Each gamed exercise must score 0,
with feedback that says why, and the partly right ones their partial points; the tampering report
(`foundations.grading.tamper_report`) must list the redefinitions and deletions and nothing of the honest
submissions. `--gaming-only` skips the feedback round; `--course-from DIR` builds the course from the
chapters of another checkout (to measure what the shortcuts earned there).
"""
import argparse, csv, html, json, os, re, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from course import make_course
import gaming
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

GAMES = ['library', 'redefine', 'hardcoded', 'deleted', 'partial']
# what the feedback of a gamed exercise's test cell must say
WHY = {'library': 'this exercise asks for', 'redefine': 'could switch tests off'}

def _load(p): return json.loads(Path(p).read_text(encoding='utf-8'))

def _course_maker(chapters_from):
    "make_course from this checkout, or from the tools/course.py of the checkout `chapters_from`."
    if not chapters_from: return make_course
    import importlib.util
    spec = importlib.util.spec_from_file_location('course_then', Path(chapters_from)/'tools'/'course.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m.make_course

def main(jobs=1, only=None, gaming_only=False, chapters_from=None, games=GAMES):
    with tempfile.TemporaryDirectory(prefix='grading-cycle-') as tmp:
        tmp = Path(tmp); course, exchange = tmp/'course', tmp/'exchange'
        exchange.mkdir(); os.chmod(exchange, 0o777)
        names = _course_maker(chapters_from)(course)
        if only:
            unknown = sorted(set(only) - set(names))
            if unknown: raise SystemExit(f'no assignment {", ".join(unknown)}; the chapters with exercises are {", ".join(names)}')
            names = [a for a in names if a in only]
        env = {**os.environ, 'NBGRADER_EXCHANGE': str(exchange), 'OMP_NUM_THREADS': str(max(1, (os.cpu_count() or 2) // jobs)),
               'PATH': f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}'}
        env.pop('FOUNDATIONS_GRADING_SEED', None)
        def nbgrader(*args, cwd=course, user='instructor'):
            r = subprocess.run([sys.executable, '-m', 'nbgrader', *args], cwd=cwd, capture_output=True, text=True,
                               env={**env, 'USER': user, 'LOGNAME': user})
            if r.returncode: raise SystemExit(f'nbgrader {" ".join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}')
            return r.stdout + r.stderr
        students = ['blank', 'solved', *games]
        for s in students:
            (tmp/s).mkdir()
            (tmp/s/'nbgrader_config.py').write_text(
                f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = 'foundations'\n")
            nbgrader('db', 'student', 'add', s)
        gamed = {}   # (assignment, student): {grade_id of a solution cell: what is expected}
        for a in names:
            nbgrader('generate_assignment', a, '--force')
            nbgrader('release_assignment', a, '--force')
            src = _load(course/'source'/a/f'{a}.ipynb')
            records = gaming.record(src, course/'source'/a) if 'hardcoded' in games else {}
            for s in students:
                nbgrader('fetch_assignment', a, cwd=tmp/s, user=s)
                p = tmp/s/a/f'{a}.ipynb'
                released = _load(p)
                if s == 'solved': nb = solved(released, src)
                elif s == 'hardcoded': nb, gamed[a, s] = gaming.hardcoded(a, released, src, records)
                elif s in games: nb, gamed[a, s] = getattr(gaming, s)(a, released, src)
                else: nb = released
                p.write_text(json.dumps(nb, indent=1))
                nbgrader('submit', a, '--student', s, cwd=tmp/s, user=s)
            nbgrader('collect', a)
        took, logs = {}, {}
        def autograde(a_s):
            start = time.time()
            logs[a_s] = nbgrader('autograde', a_s[0], '--student', a_s[1])
            took[a_s] = time.time() - start
        # the solved submissions first, timed as a whole: that is the grading time a course plans for
        wall = {}
        for s in ['solved', 'blank', *games]:
            start = time.time()
            with ThreadPoolExecutor(jobs) as pool: list(pool.map(autograde, [(a, s) for a in names]))
            wall[s] = time.time() - start
        nbgrader('export', '--to', str(tmp/'grades.csv'))
        rows = list(csv.DictReader(open(tmp/'grades.csv')))
        failed = 0
        for a in names:
            for s in ['blank', 'solved']:
                r = next((r for r in rows if r['assignment'] == a and r['student_id'] == s), None)
                score, best = (float(r['score']), float(r['max_score'])) if r else (None, None)
                want = 0. if s == 'blank' else best
                # an honest submission draws no warning about changed cells (nbgrader's own warns about every
                # test cell with hidden tests)
                warned = [l.strip() for l in logs[a, s].splitlines() if 'has changed' in l]
                ok = r is not None and best > 0 and score == want and not warned
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} grading {a}, {s} submission: {score} of {best} points "
                      f"(expected {want}), autograded in {took[a, s]:.0f}s" + (f'; warned: {warned[0]}' if warned else ''))
        failed += check_gaming(course, tmp, names, games, gamed)
        if not gaming_only: failed += check_feedback(course, tmp, names, nbgrader)
        print(f"grading cycle: {len(names)} assignments; autograding the solved submissions took {wall['solved']:.0f}s "
              f"in all, {jobs} at a time")
        return 1 if failed else 0

def cell_scores(course, a, s):
    "`{grade_id: (score, max score)}` of every graded cell of student `s`'s assignment `a`, from the gradebook."
    from nbgrader.api import Gradebook
    with Gradebook(f'sqlite:///{course}/gradebook.db') as gb:
        nb = gb.find_submission_notebook(a, a, s)
        return {g.name: (g.score, g.max_score) for g in nb.grades}

def outputs(course, a, s):
    "`{grade_id: text of its outputs}` of the autograded notebook of student `s`, assignment `a`."
    nb = _load(course/'autograded'/s/a/f'{a}.ipynb')
    text = lambda o: o.get('text', '') if isinstance(o.get('text', ''), str) else ''.join(o['text'])
    out = {}
    for c in nb['cells']:
        gid = c.get('metadata', {}).get('nbgrader', {}).get('grade_id')
        if gid: out[gid] = '\n'.join(text(o) + ''.join(o.get('traceback', [])) + o.get('evalue', '') +
                                     ''.join(o.get('data', {}).get('text/plain', '')) for o in c.get('outputs', []))
    return out

def check_gaming(course, tmp, names, games, gamed):
    "Print a line per gaming submission and assignment: what each gamed exercise scored; return the failures."
    from foundations.grading import tamper_report
    failed = 0
    for a in names:
        released = _load(course/'release'/a/f'{a}.ipynb')
        ex = gaming.exercises(released)
        for s in ['blank', 'solved', *games]:
            report = tamper_report(released, _load(course/'submitted'/s/a/f'{a}.ipynb'))
            flagged = s in ('redefine', 'deleted')
            if bool(report) != flagged:
                failed += 1
                print(f"FAIL tampering report {a}, {s}: {'nothing listed' if flagged else report[:3]}")
            if s not in games: continue
            scores, outs, bad, earned = cell_scores(course, a, s), outputs(course, a, s), [], []
            for sol, want in gamed.get((a, s), {}).items():
                got = sum(scores.get(t, (0, 0))[0] or 0 for t in ex.get(sol, []))
                full = sum(scores.get(t, (0, 0))[1] or 0 for t in ex.get(sol, []))
                earned.append(f'{sol} {got:g}/{full:g}')
                if isinstance(want, tuple):
                    if got != want[1]: bad.append(f'{sol} earned {got:g}, expected {want[1]:g} of {full:g}')
                elif got != 0: bad.append(f'{sol} earned {got:g} of {full:g}')
                elif WHY.get(s) and not any(WHY[s] in outs.get(t, '') for t in ex.get(sol, [])):
                    bad.append(f'{sol}: its feedback does not say "{WHY[s]}"')
            others = {t for sol, tests in ex.items() if sol not in gamed.get((a, s), {}) for t in tests}
            if s in ('library', 'partial'):   # the exercises not gamed keep their reference solutions: full marks
                bad += [f'{t} (not gamed) earned {scores[t][0]:g} of {scores[t][1]:g}' for t in sorted(others)
                        if t in scores and scores[t][0] != scores[t][1]]
            if not gamed.get((a, s)): bad.append('no exercise gamed') if s in ('library', 'partial') else None
            failed += bool(bad)
            print(f"{'FAIL' if bad else 'ok  '} shortcut {s} on {a}: {', '.join(earned) or 'none'}"
                  + (f" -- {'; '.join(bad)}" if bad else ''))
    return failed

def check_feedback(course, tmp, names, nbgrader):
    "The feedback the solved student fetches back shows the hidden tests (the guide says so); returns the failures."
    failed = 0
    for a in names:
        nbgrader('generate_feedback', a, '--student', 'solved')
        nbgrader('release_feedback', a, '--student', 'solved')
        nbgrader('fetch_feedback', a, cwd=tmp/'solved', user='solved')
        # the hidden test lines a student never saw: none of them is in the released notebook
        released = ' '.join(squash(_src(c)) for c in _load(course/'release'/a/f'{a}.ipynb')['cells'])
        hidden = [l for l in hidden_lines(_load(course/'source'/a/f'{a}.ipynb')) if l not in released]
        page = next((tmp/'solved'/a/'feedback').glob(f'*/{a}.html'), tmp/'solved'/a/'feedback'/f'{a}.html')
        text = squash(html.unescape(re.sub(r'<[^>]+>', '', page.read_text(encoding='utf-8')))) if page.exists() else ''
        missing = [l for l in hidden if l not in text]
        ok = bool(text) and bool(hidden) and not missing
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} feedback {a}: {len(hidden) - len(missing)} of {len(hidden)} hidden test lines shown"
              + ('' if page.exists() else f' (no {page.name})'))
    return failed

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description='The nbgrader cycle on every chapter with exercises.')
    ap.add_argument('--jobs', type=int, default=1, help='submissions autograded at once (default 1)')
    ap.add_argument('--only', nargs='+', metavar='CHAPTER', help='run the cycle on these chapters alone, e.g. 01_matmul')
    ap.add_argument('--games', nargs='*', default=GAMES, choices=GAMES, metavar='GAME',
                    help=f'the gaming submissions to try (default: all of {", ".join(GAMES)})')
    ap.add_argument('--gaming-only', action='store_true', help='skip the feedback round')
    ap.add_argument('--course-from', metavar='DIR', help='build the course from the chapters of the checkout DIR')
    args = ap.parse_args()
    if args.jobs < 1: ap.error(f'--jobs must be 1 or more, not {args.jobs}')
    sys.exit(main(args.jobs, args.only, args.gaming_only, args.course_from, args.games))
