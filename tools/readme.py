"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto; this needs only nbconvert).

Cells marked `#| hide` are dropped and nbdev directives are removed from the rest; links, relative to nbs/ in the notebook, are made relative to the repository's top folder.
"""
import re, sys
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
        if c.cell_type == 'markdown':
            c.source = re.sub(r'\]\(([^):/]+\.ipynb)\)', r'](nbs/\1)', c.source)   # a notebook beside index.ipynb
            c.source = re.sub(r'\]\(\.\./([^):]+)\)', r'](\1)', c.source)            # a file above nbs/
        if c.cell_type == 'code': c.outputs = []
        cells.append(c)
    nb.cells = cells
    body, _ = MarkdownExporter().from_notebook_node(nb)
    note = '<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n'
    return note + body.strip() + '\n'

def main():
    text, dest = render(), root/'README.md'
    tmp = dest.with_suffix('.md.tmp')
    tmp.write_text(text, encoding='utf-8')
    tmp.replace(dest)
    return 0

if __name__ == "__main__": sys.exit(main())
