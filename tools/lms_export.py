"""A course's grades as an LMS imports them: `tools/lms_export.py COURSE --to canvas|moodle OUT.csv`.

Reads the course's gradebook (`gradebook.db`, with the names and e-mails imported from the roster) and
writes one row per student and one column per assignment that has been generated, with the score after
any late penalty (as `nbgrader export` computes it); an assignment a student has not submitted is left
empty, which both LMSs read as "no grade".

- `canvas`: Canvas's gradebook CSV: `Student` ("Last, First"), `ID` (the roster's `lms_user_id` if
  given, else its `id`: Canvas's user id), `SIS User ID`, `SIS Login ID`, `Section`, then the assignment
  columns, with a `Points Possible` row first. Canvas matches assignment columns by name.
- `moodle`: Moodle's grade import CSV: `First name`, `Last name`, `Email address`, then the assignment
  columns; in Moodle's import map "Email address" to the user's e-mail and each column to a grade item.
"""
import argparse, csv, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from course import course_id

def gradebook_scores(course):
    "`(assignments, students, scores)` of the course folder `course`: `[(name, max_score)]`, student records, `{(a, s): score}`."
    from nbgrader.api import Gradebook, MissingEntry
    db = Path(course).resolve()/'gradebook.db'
    if not db.exists(): raise SystemExit(f'lms_export.py: no gradebook in {course}: is it a course folder?')
    with Gradebook(f'sqlite:///{db}', course_id(course)) as gb:
        assignments = [(a.name, a.max_score) for a in gb.assignments if a.max_score > 0]
        students = [dict(id=s.id, first_name=s.first_name or '', last_name=s.last_name or '', email=s.email or '',
                         lms_user_id=s.lms_user_id or '') for s in sorted(gb.students, key=lambda s: (s.last_name or '', s.first_name or '', s.id))]
        scores = {}
        for a, _ in assignments:
            for s in students:
                try: sub = gb.find_submission(a, s['id'])
                except MissingEntry: continue
                scores[a, s['id']] = max(0.0, sub.score - (sub.late_submission_penalty or 0.0))
    return assignments, students, scores

def fmt(x): return '' if x is None else f'{x:g}'

def lms_rows(course, to):
    "The header and rows of the `to` ('canvas' or 'moodle') CSV for course folder `course`."
    assignments, students, scores = gradebook_scores(course)
    names = [a for a, _ in assignments]
    if to == 'canvas':
        header = ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', *names]
        rows = [['Points Possible', '', '', '', '', *[fmt(m) for _, m in assignments]]]
        rows += [[f"{s['last_name']}, {s['first_name']}".strip(', ') or s['id'], s['lms_user_id'] or s['id'], '', '', '',
                  *[fmt(scores.get((a, s['id']))) for a in names]] for s in students]
    elif to == 'moodle':
        header = ['First name', 'Last name', 'Email address', *names]
        missing = [s['id'] for s in students if not s['email']]
        if missing: raise SystemExit(f'lms_export.py: Moodle matches students by e-mail, and the gradebook has none for '
                                     f'{", ".join(missing)}: add their email to the roster and import it again')
        rows = [[s['first_name'], s['last_name'], s['email'], *[fmt(scores.get((a, s['id']))) for a in names]] for s in students]
    else: raise SystemExit(f'lms_export.py: unknown LMS {to!r}: canvas or moodle')
    return header, rows

def main(course, to, out):
    header, rows = lms_rows(course, to)
    with open(out, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f); w.writerow(header); w.writerows(rows)
    n = len(rows) - (to == 'canvas')
    print(f'lms_export.py: {out}: {n} students, {len(header) - (5 if to == "canvas" else 3)} assignments, for {to}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description='Export a course\'s grades as Canvas or Moodle import them.')
    ap.add_argument('course', help='the course folder (with gradebook.db)')
    ap.add_argument('--to', required=True, choices=['canvas', 'moodle'], help='the LMS')
    ap.add_argument('out', help='the CSV file to write')
    args = ap.parse_args()
    main(args.course, args.to, args.out)
