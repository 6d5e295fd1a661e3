"""Run the student version of every notebook with exercises: each must fail at its first exercise.

A student version (written by `foundations.student`) has every solution replaced by
`raise NotImplementedError()`, so when it runs top to bottom (cells flagged `slow` skipped, as in
`nbdev_test`) everything before the exercises must still pass and the first graded test cell must
be the first to fail, with that error. Each notebook runs in a fresh process, from nbs/.
"""
import json, os, sys, tempfile
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

def first_test_id(nb):
    "grade_id of the first graded test cell in notebook `nb` (a dict), or None."
    return next((c['metadata']['nbgrader']['grade_id'] for c in nb['cells']
                 if c.get('metadata', {}).get('nbgrader', {}).get('grade')), None)

def first_error(path, cwd):
    "Run the notebook at `path` from `cwd` until a cell raises: `(grade_id or cell number, exception name)`, or None."
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell
    os.chdir(cwd)
    nb, sh = read_nb(path), CaptureShell(path)
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type != 'code' or any(l.replace(' ', '') == '#|slow' for l in cell.source.splitlines()): continue
        sh.run(cell.source)
        if sh.exc is not None:
            return cell.metadata.get('nbgrader', {}).get('grade_id', f'cell {i}'), type(sh.exc).__name__
    return None

def run_fresh(path, cwd):
    "`first_error(path, cwd)` in a fresh Python process, as a fresh kernel would run it."
    res = subprocess.run([sys.executable, __file__, '--run', path, cwd], capture_output=True, text=True)
    if res.returncode: return 'the runner', res.stderr.strip().splitlines()[-1:]
    return json.loads(res.stdout.splitlines()[-1])

def check_student_versions(nbs, n_workers=1):
    "For each notebook in `nbs` with exercises: `(name, passed, what happened)`."
    from foundations.student import student_version
    srcs = {p: json.loads(p.read_text(encoding='utf-8')) for p in sorted(Path(nbs).glob('[0-9]*.ipynb'))}
    srcs = {p: first_test_id(nb) for p, nb in srcs.items() if first_test_id(nb)}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max(n_workers, 1)) as pool:
        student_version(nbs, tmp)
        runs = {p: pool.submit(run_fresh, str(Path(tmp)/p.name), str(Path(nbs).resolve())) for p in srcs}
        res = []
        for p, gid in srcs.items():
            got, want = runs[p].result(), [gid, 'NotImplementedError']
            res.append((f'student version of {p.name}', got == want,
                        f'fails at {gid} with NotImplementedError' if got == want else
                        f'expected to fail first at {gid} with NotImplementedError, ' +
                        ('but it ran to the end' if got is None else f'but {got[0]} raised {got[1]} first')))
        return res

if __name__ == '__main__':
    if sys.argv[1:2] == ['--run']:
        print(json.dumps(first_error(*sys.argv[2:4]))); sys.exit(0)
    rs = check_student_versions(Path(__file__).resolve().parent.parent/'nbs', int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    for name, ok, msg in rs: print(f"{'ok  ' if ok else 'FAIL'} {name}: {msg}")
    sys.exit(0 if all(ok for _, ok, _ in rs) else 1)
