"""List, per student, what each submission changed that it should not have: `tools/tampering.py COURSE [ASSIGNMENT ...]`.

For every submitted notebook in COURSE/submitted/STUDENT/ASSIGNMENT/, compared with the notebook students got
(COURSE/release/ASSIGNMENT/): the locked and test cells that were edited or deleted, and the answer cells (or
cells a student added) that could switch tests off (`foundations.grading.tamper_report`). nbgrader restores
edited and deleted cells before grading, and gives 0 to the tests after a flagged cell; the instructor looks at
each listed submission in formgrader. Unlike nbgrader's checksum warnings, a test cell that differs from the
instructor's only by its hidden tests is not listed. Exits 1 if anything is listed.
"""
import argparse, json, sys
from pathlib import Path
from foundations.grading import tamper_report

def reports(course, assignments=None):
    "`[(student, assignment, notebook, [findings])]` for every submission of `assignments` (default: all) in `course`."
    course, out = Path(course), []
    for rel in sorted((course/'release').glob('*/*.ipynb')):
        a = rel.parent.name
        if assignments and a not in assignments: continue
        released = json.loads(rel.read_text(encoding='utf-8'))
        for sub in sorted((course/'submitted').glob(f'*/{a}/{rel.name}')):
            out.append((sub.parent.parent.name, a, rel.name, tamper_report(released, json.loads(sub.read_text(encoding='utf-8')))))
    return out

def main(argv=None):
    p = argparse.ArgumentParser(description='List the locked and test cells each submission edited or deleted, '
                                'and the answers that could switch tests off.')
    p.add_argument('course', help='the course folder (with release/ and submitted/)')
    p.add_argument('assignments', nargs='*', help='assignments to look at (default: all)')
    args = p.parse_args(argv)
    if not (Path(args.course)/'release').is_dir(): p.error(f'{args.course}: no release/ folder: is this a course folder?')
    rs = reports(args.course, args.assignments)
    for student, a, name, found in rs:
        if found: print(f'{student} {a}/{name}:\n' + '\n'.join(f'  {f}' for f in found))
    n = sum(bool(f) for *_, f in rs)
    print(f'{n} of {len(rs)} submissions with something to look at')
    return 1 if n else 0

if __name__ == '__main__': sys.exit(main())
