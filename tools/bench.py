"""Run the notebooks that have `slow` cells (the benchmarks and full-length runs), slow cells included,
one at a time, and print what those cells print on stdout: `make bench`, or `tools/bench.py nbs/03_einsum.ipynb`.
"""
import os, sys, time
from pathlib import Path
from execnb.nbio import read_nb
from execnb.shell import CaptureShell

def is_slow(cell): return any(l.replace(' ', '') == '#|slow' for l in cell.source.splitlines())

def bench(path):
    "Run notebook `path` top to bottom from its folder; print the text output of its slow cells."
    path = Path(path).resolve()
    nb, sh, start = read_nb(path), CaptureShell(path), time.time()
    os.chdir(path.parent)
    print(f'== {path.name}', flush=True)
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        outs = sh.run(cell.source)
        if sh.exc is not None: raise RuntimeError(f'{path.name}: a cell failed:\n{cell.source}\n{sh.prettytb()}')
        if is_slow(cell):
            print(''.join(''.join(o.get('text', '')) for o in outs if o.get('name') == 'stdout'), end='', flush=True)
    print(f'== {path.name}: {time.time()-start:.0f}s', flush=True)

if __name__ == '__main__':
    nbs = Path(__file__).resolve().parent.parent/'nbs'
    paths = [Path(p).resolve() for p in sys.argv[1:]] or [p for p in sorted(nbs.glob('[0-9]*.ipynb')) if any(map(is_slow, read_nb(p).cells))]
    for p in paths: bench(p)
