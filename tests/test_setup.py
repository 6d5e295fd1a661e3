"""The set-up every chapter relies on: versions, the chapter numbering, the Colab cells and the index."""
import json, platform, re
from configparser import ConfigParser
from pathlib import Path
import pytest

root = Path(__file__).resolve().parent.parent
nbs = root/'nbs'

def version_tuple(v):
    "`'2.13.0+cpu'` -> `(2, 13, 0)`: the numeric release part of a version string."
    return tuple(int(p) for p in re.match(r'(\d+(?:\.\d+)*)', v).group(1).split('.'))

def test_version_tuple():
    assert version_tuple('2.13.0+cpu') == (2, 13, 0)
    assert version_tuple('1.14.5rc1') == (1, 14, 5)
    assert version_tuple('2.1') < version_tuple('2.13.0')

@pytest.mark.parametrize('name,least', [('torch', (2, 1)), ('sympy', (1, 12)), ('matplotlib', (3, 5)),
                                        ('numpy', (1, 24)), ('fastcore', (1, 5))])
def test_dependency_versions(name, least):
    mod = __import__(name)
    assert version_tuple(mod.__version__) >= least, f'{name} {mod.__version__} is older than {least}'

def test_python_version():
    assert version_tuple(platform.python_version()) >= (3, 10)

def test_package_version_matches_settings():
    import foundations
    cfg = ConfigParser(); cfg.read(root/'settings.ini')
    assert foundations.__version__ == cfg['DEFAULT']['version']

def numbered():
    return sorted(nbs.glob('[0-9][0-9]_*.ipynb'))

def test_chapter_numbers():
    "Chapters are 01..N with no gap or repeat; end matter is numbered 90 and up."
    nums = [int(p.name[:2]) for p in numbered()]
    chapters = [n for n in nums if n < 90]
    assert chapters == list(range(1, len(chapters) + 1)), f'chapter numbers: {chapters}'
    end = [n for n in nums if n >= 90]
    assert len(end) == len(set(end)), f'end-matter numbers repeat: {end}'

def test_index_links_every_notebook():
    index = (nbs/'index.ipynb').read_text()
    linked = set(re.findall(r'\]\((\d\d_[^)/]+\.ipynb)\)', index))
    assert linked == {p.name for p in numbered()}

def test_index_links_every_exercise_sheet():
    "The index links each chapter's exercise sheet, and the sheets are exactly those of the chapters with exercises."
    from foundations.student import has_exercises
    index = (nbs/'index.ipynb').read_text()
    linked = set(re.findall(r'\]\(\.\./exercises/(\d\d_[^)/]+\.ipynb)\)', index))
    sheets = {p.name for p in (root/'exercises').glob('*.ipynb')}
    with_ex = {p.name for p in numbered() if int(p.name[:2]) < 90 and has_exercises(json.loads(p.read_text()))}
    assert sheets == with_ex, f'sheets {sorted(sheets)} but chapters with exercises {sorted(with_ex)}: run make exercises'
    assert linked == sheets, f'the index links the sheets {sorted(linked)}, exercises/ has {sorted(sheets)}'

def test_install_cells_from_settings():
    "Every notebook's install cell installs this repository's branch from settings.ini, with --no-deps."
    cfg = ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini')
    d = cfg['DEFAULT']
    line = f"!pip install -q --no-deps git+https://github.com/{d['user']}/{d['repo']}@{d['branch']}"
    for p in [*numbered(), *sorted((root/'exercises').glob('*.ipynb'))]:
        code = [''.join(c['source']) for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'code']
        first = next(s for s in code if any(l.strip() and not l.lstrip().startswith('#|') for l in s.splitlines()))
        assert "'google.colab' in sys.modules" in first and line in first, f'{p.name}: its first code cell must be the install cell with {line!r}'

def test_import_does_not_load_pyplot():
    "Importing any module of the package leaves matplotlib's pyplot unloaded: only drawing a figure needs it."
    import subprocess, sys
    mods = sorted(p.stem for p in (root/'foundations').glob('*.py') if not p.stem.startswith('_'))
    code = ('import sys, importlib\n' + ''.join(f'importlib.import_module("foundations.{m}")\n' for m in mods) +
            'print("matplotlib.pyplot" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == 'False', f'importing foundations loads pyplot: {mods}'

def test_slow_cells_say_what_and_how_long():
    "Every `slow` cell of a chapter starts with a comment saying what it does and `(about ...)` how long it takes: the exercise sheets show it."
    for p in [p for p in numbered() if int(p.name[:2]) < 90]:
        for c in json.loads(p.read_text())['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] != 'code' or not re.search(r'^#\|\s*slow', src, re.M): continue
            first = next(l for l in src.splitlines() if l.strip() and not l.startswith('#|'))
            assert first.startswith('#') and re.search(r'\(about [^)]+\)\s*$', first), f'{p.name}: slow cell starting {first!r}'

def test_instructor_guide_times_every_chapter():
    "The guide's chapter table: one row per chapter, each with measured run and grading times and a study time."
    nb = json.loads((nbs/'95_instructor.ipynb').read_text(encoding='utf-8'))
    text = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    rows = {int(m.group(1)): [c.strip() for c in m.group(2).split('|')]
            for m in re.finditer(r'^\| (\d\d) [^|]+\|(.*)\|$', text, re.M)}
    assert sorted(rows) == [int(p.name[:2]) for p in numbered() if int(p.name[:2]) < 90]
    for n, cells in rows.items():
        run, grade, study = cells[-3:]
        assert re.fullmatch(r'\d+ s', run), f'chapter {n:02d}: run time {run!r}'
        assert re.fullmatch(r'\d+ s', grade), f'chapter {n:02d}: grading time {grade!r}'
        assert re.fullmatch(r'\d+(-\d+)? h', study), f'chapter {n:02d}: study time {study!r}'
