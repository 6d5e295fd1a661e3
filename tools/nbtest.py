"""Run every notebook in nbs/ as a test with `nbdev_test`, then the student versions; end with a summary.

`nbdev_test` only says "Success." or lists the failing notebooks; this wrapper names each notebook
with its result, adds the student-version checks (tools/student_check.py: each student version must
fail at its first exercise) and prints `N passed, N failed` (N counts notebooks) as the last line.
Arguments go to nbdev_test.
"""
import os, re, subprocess, sys, time
from pathlib import Path
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from student_check import check_student_versions

def main(args):
    cfg = get_config()
    names = sorted(p.name for p in nbglob(cfg.nbs_path, as_path=True) if not (p.parent/'.notest').exists())
    n_workers = int(args[args.index('--n_workers') + 1]) if '--n_workers' in args else 1
    # Notebooks run side by side share the cores: one thread each beats threads fighting over them.
    if n_workers > 1: os.environ.setdefault('OMP_NUM_THREADS', '1')
    start = time.time()
    proc = subprocess.run([str(Path(sys.executable).parent/'nbdev_test'), *args], capture_output=True, text=True)
    sys.stdout.write(proc.stdout); sys.stdout.flush()
    sys.stderr.write(proc.stderr); sys.stderr.flush()
    failed = set(re.findall(r'^\t(\S+\.ipynb)$', proc.stderr.split('Tests Failed On The Following Notebooks:')[-1], re.M)) if proc.returncode else set()
    if proc.returncode and not failed: failed = set(names)  # nbdev_test itself broke: nothing is known to pass
    results = [(n, n not in failed, '') for n in names] + check_student_versions(cfg.nbs_path, n_workers)
    for name, ok, msg in results: print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + msg if msg else ''}")
    n_bad = sum(not ok for _, ok, _ in results)
    print(f'{len(results)} notebooks in {time.time()-start:.0f}s')
    print(f'{len(results)-n_bad} passed, {n_bad} failed')
    return 1 if (n_bad or proc.returncode or not names) else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
