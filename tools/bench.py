"""Run the notebooks that have `slow` cells (the benchmarks and full-length runs), slow cells included,
one at a time; print what those cells print on stdout, and keep their outputs for the book:
`make bench`, or `tools/bench.py nbs/03_einsum.ipynb`.

The outputs of each notebook's slow cells (text, tables and figures) go to book/slow_outputs/<name>.json,
keyed by cell id with a hash of the cell's code, written only when the whole notebook ran. The book
shows them under the slow cells, which it never runs (tools/book.py); a cell whose code changed since
shows no output, and `make book-check` fails until `make bench` runs again.
"""
import hashlib, json, os, platform, sys, time
from pathlib import Path
from execnb.nbio import read_nb
from execnb.shell import CaptureShell

root = Path(__file__).resolve().parent.parent
STORE = root/'book'/'slow_outputs'

def is_slow(cell): return any(l.replace(' ', '') == '#|slow' for l in cell.source.splitlines())
def code_hash(source): return hashlib.sha256(source.encode()).hexdigest()[:16]

def write_atomic(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix('.tmp'); tmp.write_text(text, encoding='utf-8'); tmp.replace(path)

def bench(path):
    "Run notebook `path` top to bottom from its folder; print the text output of its slow cells and store their outputs."
    path = Path(path).resolve()
    nb, sh, start = read_nb(path), CaptureShell(path), time.time()
    cwd = os.getcwd(); os.chdir(path.parent)
    print(f'== {path.name}', flush=True)
    kept = {}
    try:
        for cell in nb.cells:
            if cell.cell_type != 'code': continue
            outs = sh.run(cell.source)
            if sh.exc is not None: raise RuntimeError(f'{path.name}: a cell failed:\n{cell.source}\n{sh.prettytb()}')
            if is_slow(cell):
                print(''.join(''.join(o.get('text', '')) for o in outs if o.get('name') == 'stdout'), end='', flush=True)
                kept[cell.id] = {'code': code_hash(cell.source), 'outputs': [dict(o) for o in outs]}
    finally: os.chdir(cwd)
    seconds = time.time() - start
    print(f'== {path.name}: {seconds:.0f}s', flush=True)
    record = {'notebook': path.name, 'ran': time.strftime('%Y-%m-%d'), 'seconds': round(seconds),
              'machine': f'{platform.machine()}, {os.cpu_count()} cores', 'cells': kept}
    write_atomic(STORE/f'{path.stem}.json', json.dumps(record, indent=1, ensure_ascii=False, default=str) + '\n')

if __name__ == '__main__':
    nbs = root/'nbs'
    paths = [Path(p).resolve() for p in sys.argv[1:]] or [p for p in sorted(nbs.glob('[0-9]*.ipynb')) if any(map(is_slow, read_nb(p).cells))]
    for p in paths: bench(p)
