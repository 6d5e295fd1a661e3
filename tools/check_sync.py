"""Fail when `nbdev_export`, `nbdev_clean`, tools/links.py, tools/exercises.py or tools/readme.py would change a file.

Each tool is run for real (so a failing run also leaves the fixed files behind, ready to commit);
the files it may touch are hashed before and after, and any that changed are named.
"""
import hashlib, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
bin_ = Path(sys.executable).parent

def snapshot():
    files = [*root.glob('foundations/**/*.py'), *root.glob('nbs/*.ipynb'), *root.glob('exercises/*'), root/'README.md']
    return {f.relative_to(root): hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.exists()}

def main():
    bad = 0
    for name, cmd in [('nbdev_export', [str(bin_/'nbdev_export')]),
                      ('nbdev_clean', [str(bin_/'nbdev_clean')]),
                      ('install cells and Colab links from settings.ini', [sys.executable, str(root/'tools'/'links.py')]),
                      ('exercise sheets from the chapters', [sys.executable, str(root/'tools'/'exercises.py')]),
                      ('README.md from nbs/index.ipynb', [sys.executable, str(root/'tools'/'readme.py')])]:
        before = snapshot()
        subprocess.run(cmd, cwd=root, check=True)
        after = snapshot()
        changed = sorted(str(f) for f in before.keys() | after.keys() if before.get(f) != after.get(f))
        if changed:
            bad += 1
            print(f'out of date: {name} changed {", ".join(changed)} (now fixed in the working tree: review and commit)')
    if not bad: print('in sync: nbdev_export, nbdev_clean, the links from settings.ini, the exercise sheets and README.md change nothing')
    return 1 if bad else 0

if __name__ == '__main__': sys.exit(main())
