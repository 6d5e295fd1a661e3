"""Run every notebook in nbs/ as a test with `nbdev_test`, then the student versions, then the
package's tests in tests/ with pytest; end with one summary line.

`nbdev_test` only says "Success." or lists the failing notebooks; this wrapper names each notebook
with its result, adds the student-version checks (tools/student_check.py: each student version must
fail at its first exercise), runs pytest (with `--slow` when `--flags slow` is given) and prints
`N passed, N failed` as the last line, counting notebooks, student versions and pytest tests.
With `--path nbs/X.ipynb` only X (and its student version) is run and counted, then pytest.
Arguments go to nbdev_test.
"""
import os, re, subprocess, sys, time
from pathlib import Path
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from student_check import check_student_versions

def main(args):
    cfg = get_config()
    # `--path` narrows the run to one notebook or folder: only what nbdev_test runs is named and counted.
    where = Path(args[args.index('--path') + 1]) if '--path' in args else Path(cfg.nbs_path)
    found = [where] if where.suffix == '.ipynb' else nbglob(where, as_path=True)
    names = sorted(p.name for p in map(Path, found) if p.exists() and not (p.parent/'.notest').exists())
    n_workers = int(args[args.index('--n_workers') + 1]) if '--n_workers' in args else 1
    # Notebooks run side by side share the cores: one thread each beats threads fighting over them.
    if n_workers > 1: os.environ.setdefault('OMP_NUM_THREADS', '1')
    start = time.time()
    proc = subprocess.run([str(Path(sys.executable).parent/'nbdev_test'), *args], capture_output=True, text=True)
    sys.stdout.write(proc.stdout); sys.stdout.flush()
    sys.stderr.write(proc.stderr); sys.stderr.flush()
    failed = set(re.findall(r'^\t(\S+\.ipynb)$', proc.stderr.split('Tests Failed On The Following Notebooks:')[-1], re.M)) if proc.returncode else set()
    if proc.returncode and not failed: failed = set(names)  # nbdev_test itself broke: nothing is known to pass
    results = [(n, n not in failed, '') for n in names] + check_student_versions(cfg.nbs_path, n_workers, only=set(names) if '--path' in args else None)
    for name, ok, msg in results: print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + msg if msg else ''}")
    n_bad = sum(not ok for _, ok, _ in results)
    print(f'{len(results)} notebooks in {time.time()-start:.0f}s', flush=True)
    py_pass, py_fail = run_pytest(slow='slow' in args)
    print(f'{len(results)-n_bad+py_pass} passed, {n_bad+py_fail} failed')
    return 1 if (n_bad or py_fail or proc.returncode or not names or not py_pass) else 0

def run_pytest(slow=False):
    "Run tests/ with pytest; return (passed, failed), errors counted as failures."
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(root/'tests'), *(['--slow'] if slow else [])]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    sys.stdout.write(proc.stdout[-20000:]); sys.stderr.write(proc.stderr[-5000:]); sys.stdout.flush()
    tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ''
    count = lambda word: sum(int(n) for n in re.findall(rf'(\d+) {word}', tail))
    passed, failed = count('passed'), count('failed') + count('errors?')
    if proc.returncode not in (0, 5) and not failed: failed = 1   # pytest itself broke
    return passed, failed

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
