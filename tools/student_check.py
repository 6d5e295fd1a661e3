"""Run the student version of every notebook with exercises: each must fail at its first exercise.

A student version (written by `foundations.student`) has every solution replaced by
`raise NotImplementedError()`, so when it runs top to bottom (cells flagged `slow` skipped, as in
`nbdev_test`) everything before the exercises must still pass and the first graded test cell must
be the first to fail, with that error. Each notebook runs in a fresh process, from nbs/.
"""
import json, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RUNNER = ('import json, sys; from foundations.student import run_notebook; '
          'print(json.dumps(run_notebook(sys.argv[1], cwd=sys.argv[2])))')

def first_test_id(nb):
    "grade_id of the first graded test cell in notebook `nb` (a dict), or None."
    return next((c['metadata']['nbgrader']['grade_id'] for c in nb['cells']
                 if c.get('metadata', {}).get('nbgrader', {}).get('grade')), None)

def run_fresh(path, cwd):
    "`foundations.student.run_notebook(path, cwd)` in a fresh Python process, as in a fresh kernel."
    res = subprocess.run([sys.executable, '-c', RUNNER, path, cwd], capture_output=True, text=True)
    if res.returncode: return dict(ok=False, grade_id='the runner', error=res.stderr.strip().splitlines()[-1:])
    return json.loads(res.stdout.splitlines()[-1])

def check_student_versions(nbs, n_workers=1, only=None):
    "For each notebook in `nbs` with exercises (or only those named in `only`): `(name, passed, what happened)`."
    from foundations.student import student_version
    srcs = {p: first_test_id(json.loads(p.read_text(encoding='utf-8'))) for p in sorted(Path(nbs).glob('[0-9]*.ipynb'))
            if only is None or p.name in only}
    srcs = {p: gid for p, gid in srcs.items() if gid}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max(n_workers, 1)) as pool:
        student_version(nbs, tmp)
        runs = {p: pool.submit(run_fresh, str(Path(tmp)/p.name), str(Path(nbs).resolve())) for p in srcs}
        res = []
        for p, gid in srcs.items():
            got = runs[p].result()
            ok = not got['ok'] and (got['grade_id'], got['error']) == (gid, 'NotImplementedError')
            res.append((f'student version of {p.name}', ok,
                        f'fails at {gid} with NotImplementedError' if ok else
                        f'expected to fail first at {gid} with NotImplementedError, ' +
                        ('but it ran to the end' if got['ok'] else f"but {got['grade_id'] or 'cell ' + str(got.get('cell'))} raised {got['error']} first")))
        return res

if __name__ == '__main__':
    rs = check_student_versions(Path(__file__).resolve().parent.parent/'nbs', int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    for name, ok, msg in rs: print(f"{'ok  ' if ok else 'FAIL'} {name}: {msg}")
    sys.exit(0 if all(ok for _, ok, _ in rs) else 1)
