"""Write the exercise sheet of every chapter with exercises into exercises/, and exercises/README.md,
the table of all exercises: `make exercises`. `make test` runs it and fails if it changed a file.

A sheet is `foundations.student.exercise_sheet` of the chapter: no solutions, no hidden tests, no
outputs, `slow` cells replaced by a note, set-up cells locked. Chapters without exercises get no
sheet, and a sheet whose chapter is gone or has no exercises left is removed.
"""
import json, sys
from configparser import ConfigParser
from pathlib import Path
from foundations.student import exercise_sheet, exercise_table, has_exercises

root = Path(__file__).resolve().parent.parent
out = root/'exercises'

def chapters():
    return [p for p in sorted((root/'nbs').glob('[0-9][0-9]_*.ipynb')) if int(p.name[:2]) < 90]

def title(nb):
    h = next((''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown'), '# ?')
    return h.splitlines()[0].lstrip('# ').strip()

def table(rows):
    cfg = ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini', encoding='utf-8'); cfg = cfg['DEFAULT']
    colab = f"https://colab.research.google.com/github/{cfg['user']}/{cfg['repo']}/blob/{cfg['branch']}/exercises/"
    lines = ['# Exercises', '',
             'The exercise sheets of the chapters: each is the chapter with its solutions blanked out, ready for',
             'students (open one in Jupyter or in Colab) and for nbgrader. Points follow difficulty: 1 point is a',
             'warm-up, 2 medium, 3 or more hard. This file is written by `make exercises`; do not edit it by hand.', '']
    total = 0
    for name, t, ex in rows:
        pts = sum(r['points'] for r in ex); total += pts
        lines += [f'## [{t}]({name}) ({len(ex)} exercises, {pts:g} points) [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}{name})', '',
                  '| Exercise | What it practises | Points | Difficulty |', '|---|---|---|---|']
        lines += [f"| `{r['grade_id']}`: {r['name']} | {r['practises']} | {r['points']:g} | {r['difficulty']} |" for r in ex]
        lines.append('')
    lines.append(f'In all: {sum(len(ex) for *_, ex in rows)} exercises, {total:g} points.')
    return '\n'.join(lines) + '\n'

def write(path, text):
    if path.exists() and path.read_text(encoding='utf-8') == text: return False
    tmp = path.with_name(f'.{path.name}.tmp'); tmp.write_text(text, encoding='utf-8'); tmp.replace(path)
    return True

def main():
    out.mkdir(exist_ok=True)
    rows, written, keep = [], [], {'README.md'}
    for p in chapters():
        nb = json.loads(p.read_text(encoding='utf-8'))
        if not has_exercises(nb): continue
        keep.add(p.name)
        if write(out/p.name, json.dumps(exercise_sheet(nb, p.name), indent=1, ensure_ascii=False) + '\n'): written.append(p.name)
        rows.append((p.name, title(nb), exercise_table(nb)))
    if write(out/'README.md', table(rows)): written.append('README.md')
    for p in out.iterdir():
        if p.name not in keep and p.suffix in ('.ipynb', '.md'): p.unlink(); written.append(f'{p.name} (removed)')
    for w in written: print(f'exercises: wrote exercises/{w}')
    return 0

if __name__ == '__main__': sys.exit(main())
