"""Create an nbgrader course from the chapters: `make course COURSE=path` or `tools/course.py path`.

The course folder gets course/nbgrader_config.py and `source/NN_name/NN_name.ipynb` for every chapter
with exercises: the chapter as `foundations.student.course_notebook` makes it (solutions kept, for
nbgrader to remove; `slow` cells replaced by notes; set-up cells locked). Then, from that folder:
`nbgrader generate_assignment NN_name`, `nbgrader release_assignment NN_name`, and so on.
"""
import json, shutil, sys
from pathlib import Path
from foundations.student import course_notebook, has_exercises

root = Path(__file__).resolve().parent.parent

def assignments():
    "`{name: notebook path}` of the chapters with exercises, in order."
    return {p.stem: p for p in sorted((root/'nbs').glob('[0-9][0-9]_*.ipynb'))
            if int(p.name[:2]) < 90 and has_exercises(json.loads(p.read_text(encoding='utf-8')))}

def make_course(dest):
    "Write the course into folder `dest` (created if needed); returns the assignment names."
    dest = Path(dest)
    if (dest/'source').exists() and any((dest/'source').iterdir()):
        raise SystemExit(f'course.py: {dest/"source"} exists and is not empty: choose a new folder')
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(root/'course'/'nbgrader_config.py', dest/'nbgrader_config.py')
    names = assignments()
    for name, p in names.items():
        (dest/'source'/name).mkdir(parents=True)
        nb = course_notebook(json.loads(p.read_text(encoding='utf-8')), p.name)
        (dest/'source'/name/p.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    return list(names)

if __name__ == '__main__':
    if len(sys.argv) != 2: raise SystemExit('usage: tools/course.py COURSE_FOLDER')
    names = make_course(sys.argv[1])
    print(f'course in {sys.argv[1]}: {len(names)} assignments ({", ".join(names)}); '
          f'cd there and run `nbgrader generate_assignment NAME` for each')
