"""Write every link to the repository from settings.ini (`user`, `repo`, `branch`), so a fork edits one file.

- the install cell that opens every notebook in nbs/ (and every exercise sheet in exercises/), which in
  Colab installs this package from the repository with `--no-deps`, leaving Colab's packages alone;
- every "Open in Colab" badge and `pip install git+...` line in the notebooks' markdown.

Run it after changing settings.ini: `python tools/links.py`. `make test` runs it and fails if it changed a file.
"""
import json, re, sys
from configparser import ConfigParser
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def settings():
    cfg = ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']

def install_url(cfg):
    "What pip installs in Colab: the repository at the branch the badges open."
    return f"git+https://github.com/{cfg['user']}/{cfg['repo']}@{cfg['branch']}"

def install_cell(cfg):
    return ("# Running in Colab? Install this package; nothing Colab already has is changed.\n"
            "import sys\n"
            "if 'google.colab' in sys.modules:\n"
            f"    !pip install -q --no-deps {install_url(cfg)}")

COLAB = re.compile(r'https://colab\.research\.google\.com/github/[^/\s)]+/[^/\s)]+/blob/[^/\s)]+/')
PIP_GIT = re.compile(r'git\+https://github\.com/[^/\s)]+/[^/\s)@`]+(?:@[^\s)`]+)?')

def is_directive_cell(src):
    lines = [l for l in src.splitlines() if l.strip()]
    return bool(lines) and all(l.lstrip().startswith('#|') for l in lines)

def fix_notebook(nb, cfg, install=True):
    "Return notebook `nb` (a dict) with its links and (if `install`) its install cell written from `cfg`."
    colab = f"https://colab.research.google.com/github/{cfg['user']}/{cfg['repo']}/blob/{cfg['branch']}/"
    cells = nb['cells']
    src = lambda c: ''.join(c['source']) if isinstance(c['source'], list) else c['source']
    for c in cells:
        if c['cell_type'] == 'markdown':
            new = PIP_GIT.sub(install_url(cfg), COLAB.sub(colab, src(c)))
            c['source'] = new.splitlines(keepends=True)
    if not install: return nb
    code = [i for i, c in enumerate(cells) if c['cell_type'] == 'code']
    first = next((i for i in code if not is_directive_cell(src(cells[i]))), None)
    cell = {'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [],
            'source': install_cell(cfg).splitlines(keepends=True)}
    if first is not None and "'google.colab' in sys.modules" in src(cells[first]):
        cell = {**cells[first], 'source': cell['source']}
        cells[first] = cell
    else:
        at = max([i + 1 for i in code if i < (first if first is not None else len(cells)) and is_directive_cell(src(cells[i]))],
                 default=1 if cells and cells[0]['cell_type'] == 'markdown' else 0)
        cells.insert(at, cell)
    return nb

def notebooks():
    return [*sorted((root/'nbs').glob('*.ipynb')), *sorted((root/'exercises').glob('*.ipynb'))]

def main():
    cfg, changed = settings(), []
    for p in notebooks():
        text = p.read_text(encoding='utf-8')
        nb = json.loads(text)
        nb = fix_notebook(nb, cfg, install=p.name != 'index.ipynb')
        new = json.dumps(nb, indent=1, ensure_ascii=False) + '\n'
        if new != text:
            p.write_text(new, encoding='utf-8'); changed.append(p.relative_to(root))
    for p in changed: print(f'links.py: rewrote {p}')
    return 0

if __name__ == '__main__': sys.exit(main())
