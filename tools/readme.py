"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto; this needs only nbconvert).

Cells marked `#| hide` are dropped and nbdev directives are removed from the rest.
With `--check`, write nothing and exit 1 when README.md differs from what would be written.
"""
import sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter

root = Path(__file__).resolve().parent.parent

def render():
    nb = nbformat.read(root/'nbs'/'index.ipynb', as_version=4)
    cells = []
    for c in nb.cells:
        lines = c.source.splitlines()
        if c.cell_type == 'code' and any(l.replace(' ', '').startswith('#|hide') for l in lines): continue
        c.source = '\n'.join(l for l in lines if not l.startswith('#|'))
        if c.cell_type == 'code': c.outputs = []
        cells.append(c)
    nb.cells = cells
    body, _ = MarkdownExporter().from_notebook_node(nb)
    note = '<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n'
    return note + body.strip() + '\n'

def main(args):
    text, dest = render(), root/'README.md'
    if '--check' in args: return 0 if dest.exists() and dest.read_text(encoding='utf-8') == text else 1
    tmp = dest.with_suffix('.md.tmp')
    tmp.write_text(text, encoding='utf-8')
    tmp.replace(dest)
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
