"""Run every notebook in nbs/ as a test with `nbdev_test` and end with a summary line.

`nbdev_test` only says "Success." or lists the failing notebooks; this wrapper counts them and
prints `N passed, N failed` (N counts notebooks) as the last line. Arguments go to nbdev_test.
"""
import os, re, subprocess, sys, time
from pathlib import Path
from nbdev.config import get_config
from nbdev.doclinks import nbglob

def main(args):
    cfg = get_config()
    names = sorted(p.name for p in nbglob(cfg.nbs_path, as_path=True) if not (p.parent/'.notest').exists())
    env = dict(os.environ)
    # Notebooks run side by side share the cores: one thread each beats threads fighting over them.
    if '--n_workers' in args and int(args[args.index('--n_workers') + 1]) > 1: env.setdefault('OMP_NUM_THREADS', '1')
    start = time.time()
    proc = subprocess.run([str(Path(sys.executable).parent/'nbdev_test'), *args], capture_output=True, text=True, env=env)
    sys.stdout.write(proc.stdout); sys.stdout.flush()
    sys.stderr.write(proc.stderr); sys.stderr.flush()
    failed = set(re.findall(r'^\t(\S+\.ipynb)$', proc.stderr.split('Tests Failed On The Following Notebooks:')[-1], re.M)) if proc.returncode else set()
    if proc.returncode and not failed: failed = set(names)  # nbdev_test itself broke: nothing is known to pass
    for n in names: print(f"{'FAIL' if n in failed else 'ok  '} {n}")
    print(f'{len(names)} notebooks in {time.time()-start:.0f}s')
    print(f'{len(names)-len(failed)} passed, {len(failed)} failed')
    return 1 if (failed or proc.returncode or not names) else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
