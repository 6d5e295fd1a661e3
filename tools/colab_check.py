"""Install the package the way a notebook's install cell does in Colab, into an environment like Colab's,
and run every notebook there: `make colab-check` (part of `make test-all`).

1. A fresh virtual environment gets what Colab already has and this package needs: torch (the CPU
   build), numpy, matplotlib, sympy, the newest fastcore, and ipykernel (which brings IPython). Nothing else.
2. The install command is read from the first notebook's install cell and pointed at this clone
   (`git+file://...` instead of the repository on GitHub); `pip freeze` before and after must differ by
   exactly this package: installing it changes nothing that was there.
3. Every notebook in nbs/ runs top to bottom in that environment (cells flagged `slow` skipped), its
   code cells executed by IPython as Jupyter would.
4. Every exercise sheet in exercises/ runs there as a student meets it: blank, it stops first with
   NotImplementedError in its first exercise's test cell, as a student version must; with the reference
   solutions filled in, as by a student who solved every exercise, it runs to the end.
Prints one line per check and exits 1 if any failed.
"""
import json, os, re, shutil, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_cycle import solved
from student_check import first_test_id

root = Path(__file__).resolve().parent.parent
COLAB_HAS = ['torch==2.13.0', 'numpy', 'matplotlib', 'sympy', 'fastcore', 'ipykernel']

RUNNER = r'''
import json, os, sys
from IPython.core.interactiveshell import InteractiveShell
path = sys.argv[1]
nb = json.load(open(path, encoding='utf-8'))
os.chdir(os.path.dirname(os.path.abspath(path)))
shell = InteractiveShell.instance()
for i, c in enumerate(nb['cells']):
    if c['cell_type'] != 'code': continue
    src = ''.join(c['source'])
    if any(l.replace(' ', '').startswith('#|slow') for l in src.splitlines()): continue
    r = shell.run_cell(src)
    if not r.success:
        err = r.error_in_exec or r.error_before_exec
        gid = c.get('metadata', {}).get('nbgrader', {}).get('grade_id')
        print(f'FAILED at cell {i}' + (f' ({gid})' if gid else '') + f': {type(err).__name__}: {err}', file=sys.stderr)
        sys.exit(1)
'''

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)

def failure(r):
    "The runner's last line of complaint when run `r` failed, '' when it ran to the end."
    return r.stderr.strip().splitlines()[-1] if r.returncode and r.stderr.strip() else ''

def install_command():
    "The pip command of the first chapter's install cell, pointed at this clone."
    nb = json.loads(sorted((root/'nbs').glob('01_*.ipynb'))[0].read_text(encoding='utf-8'))
    src = next(''.join(c['source']) for c in nb['cells'] if "'google.colab' in sys.modules" in ''.join(c['source']))
    line = next(l.strip().lstrip('!') for l in src.splitlines() if l.strip().startswith('!pip'))
    return re.sub(r'git\+https://github\.com/[^/\s]+/[^/\s@]+', f'git+file://{root}', line).split()

def freeze(py):
    return set(run([py, '-m', 'pip', 'freeze', '--all']).stdout.splitlines())

def main():
    results = []
    with tempfile.TemporaryDirectory(prefix='colab-like-') as tmp:
        venv = Path(tmp)/'venv'; py = str(venv/'bin'/'python')
        subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
        print('colab-like environment: installing', ' '.join(COLAB_HAS), flush=True)
        p = run([py, '-m', 'pip', 'install', '-q', *COLAB_HAS])
        if p.returncode: print(p.stdout, p.stderr); return 1
        before = freeze(py)
        cmd = install_command()
        print('colab-like environment:', ' '.join(cmd), flush=True)
        p = run([py, '-m', *cmd])
        after = freeze(py)
        added, removed = sorted(after - before), sorted(before - after)
        ok = p.returncode == 0 and len(added) == 1 and added[0].lower().startswith('nn-foundations') and not removed
        results.append(('install changes nothing but adding the package', ok,
                        f'added {added}, removed or changed {removed}' + (f'; pip said {p.stderr.strip()[-500:]}' if p.returncode else '')))
        runner = Path(tmp)/'run.py'; runner.write_text(RUNNER)
        env = {**os.environ, 'MPLBACKEND': 'Agg', 'OMP_NUM_THREADS': '1', 'PYTHONPATH': ''}
        nbs = [p for p in sorted((root/'nbs').glob('[0-9][0-9]_*.ipynb'))]
        # a copy of nbs/ so the run writes nothing into the clone
        work = Path(tmp)/'nbs'; shutil.copytree(root/'nbs', work)
        def one(p):
            r = run([py, str(runner), str(work/p.name)], env=env, cwd=tmp)
            return (f'{p.name} runs', r.returncode == 0, failure(r))
        with ThreadPoolExecutor(2) as pool: results += list(pool.map(one, nbs))
        # the exercise sheets, blank and solved, in a folder of their own
        sheets = Path(tmp)/'exercises'; sheets.mkdir()
        def sheet(p):
            nb = json.loads(p.read_text(encoding='utf-8'))
            gid = first_test_id(nb)
            (sheets/f'blank_{p.name}').write_text(json.dumps(nb), encoding='utf-8')
            src = json.loads((root/'nbs'/p.name).read_text(encoding='utf-8'))
            (sheets/f'solved_{p.name}').write_text(json.dumps(solved(nb, src)), encoding='utf-8')
            r = run([py, str(runner), str(sheets/f'blank_{p.name}')], env=env, cwd=tmp)
            last = failure(r) or 'it ran to the end'
            # as for the student versions (student_check.py): the first graded test cell is the first to fail
            ok = re.match(rf'FAILED at cell \d+ \({re.escape(gid)}\): NotImplementedError', last) is not None
            out = [(f'{p.name} sheet, blank, fails first at {gid} with NotImplementedError', ok, last)]
            r = run([py, str(runner), str(sheets/f'solved_{p.name}')], env=env, cwd=tmp)
            out.append((f'{p.name} sheet, solved, runs', r.returncode == 0, failure(r)))
            return out
        with ThreadPoolExecutor(2) as pool:
            for out in pool.map(sheet, sorted((root/'exercises').glob('[0-9][0-9]_*.ipynb'))): results += out
    for name, ok, msg in results: print(f"{'ok  ' if ok else 'FAIL'} colab-like: {name}{': ' + msg if msg and not ok else ''}")
    return 0 if all(ok for _, ok, _ in results) else 1

if __name__ == '__main__': sys.exit(main())
