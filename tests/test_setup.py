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

# The course kit: tools/course.py, course/ (configs, schedule, roster), tools/lms_export.py, tools/guide_check.py.
import csv, shutil, sys
from datetime import datetime, timedelta
sys.path.insert(0, str(root/'tools'))

def course_config(name='nbgrader_config.py'):
    from traitlets.config.loader import PyFileConfigLoader
    return PyFileConfigLoader(name, str(root/'course')).load_config()

def test_upload_pattern_reads_canvas_names():
    "The course's zip_collect pattern takes the student id and the chapter from the names Canvas gives downloads."
    pattern = course_config().FileNameCollectorPlugin.named_regexp
    names = {'smithjane_40213_5520011_01_matmul.ipynb': ('40213', '01_matmul'),
             'smithjane_LATE_40213_5520012_03_einsum.ipynb': ('40213', '03_einsum'),
             'okaforbob_bob_5520013_Copy of 10_conv-1.ipynb': ('bob', '10_conv')}
    for name, (student, chapter) in names.items():
        m = re.match(pattern, f'/course/downloaded/x/extracted/submissions/{name}')
        assert m and (m['student_id'], m['file_id']) == (student, chapter), f'{name}: {m and m.groupdict()}'
    for name in ['smithjane_40213_5520011_notes.ipynb', 'smithjane_40213_5520011_01_matmul.py']:
        assert re.match(pattern, f'/c/extracted/{name}') is None, name

def test_late_penalty_per_day():
    "10% of the score for each started day late, all of it after 7 days."
    plugin = course_config().AssignLatePenalties.plugin_class()
    day = 86400
    for late, share in [(1, 0.1), (day, 0.1), (day + 7200, 0.2), (7 * day, 0.7), (7 * day + 1, 1.0), (30 * day, 1.0)]:
        assert plugin.late_submission_penalty('s', 6.0, late) == pytest.approx(6.0 * share), f'{late} s late'

def test_student_config_names_course_exchange_and_student(monkeypatch):
    monkeypatch.setenv('JUPYTERHUB_USER', 'alice')
    monkeypatch.setenv('NBGRADER_EXCHANGE', '/tmp/x')
    c = course_config('student_nbgrader_config.py')
    assert (c.CourseDirectory.course_id, c.Exchange.root, c.CourseDirectory.student_id) == ('foundations', '/tmp/x', 'alice')
    assert course_config().CourseDirectory.course_id == c.CourseDirectory.course_id

def test_schedule_and_roster_template():
    "The term's plan lists every assignment once, in order, each due after its release; the roster has nbgrader's columns."
    from course import assignments, read_schedule
    rows = read_schedule(root/'course'/'schedule.csv', list(assignments()))
    assert [r['assignment'] for r in rows] == list(assignments())
    roster = list(csv.DictReader(open(root/'course'/'roster_template.csv')))
    assert {'id', 'first_name', 'last_name', 'email'} <= set(roster[0]) and len({r['id'] for r in roster}) == len(roster)

def test_schedule_errors(tmp_path):
    from course import assignments, read_schedule
    names = list(assignments())
    for bad, says in [('1,01_mat,2027-02-01 09:00 UTC,2027-02-08 09:00 UTC', "'01_mat'"),
                      ('1,01_matmul,2027-02-08 09:00 UTC,2027-02-01 09:00 UTC', 'not after release'),
                      ('1,01_matmul,next monday,2027-02-08 09:00 UTC', 'unreadable date')]:
        (tmp_path/'s.csv').write_text('week,assignment,release,due\n' + bad + '\n')
        with pytest.raises(SystemExit, match=says): read_schedule(tmp_path/'s.csv', names)

def test_course_update_in_place(tmp_path):
    "A second `make course` on a course rewrites source/ and the due dates, and keeps gradebook, submissions and roster."
    from course import make_course
    from nbgrader.api import Gradebook
    course = tmp_path/'c'
    names = make_course(course)
    db = f'sqlite:///{course/"gradebook.db"}'
    with Gradebook(db, 'foundations') as gb:
        assert gb.find_assignment('01_matmul').duedate == datetime(2027, 2, 8, 9)
        gb.add_student('alice', email='a@example.edu')
    sub = course/'submitted'/'alice'/'01_matmul'/'01_matmul.ipynb'; sub.parent.mkdir(parents=True); sub.write_text('{}')
    nb = course/'source'/'01_matmul'/'01_matmul.ipynb'; fresh = nb.read_text(); nb.write_text(fresh.replace('"points": ', '"points": 1'))
    (course/'roster.csv').write_text('id\nalice\n')
    sched = course/'schedule.csv'; sched.write_text(sched.read_text().replace('2027-02-08 09:00 UTC\n', '2027-02-09 12:00 UTC\n', 1))
    with open(course/'nbgrader_config.py', 'a') as f: f.write('c.Execute.timeout = 300\n')
    log = []
    assert make_course(course, log=log.append) == names
    assert nb.read_text() == fresh and sub.read_text() == '{}' and (course/'roster.csv').read_text() == 'id\nalice\n'
    assert 'c.Execute.timeout = 300' in (course/'nbgrader_config.py.old').read_text()
    assert (course/'nbgrader_config.py').read_text() == (root/'course'/'nbgrader_config.py').read_text()
    assert any('source/01_matmul: updated' in l for l in log) and any('nbgrader_config.py.old' in l for l in log), log
    with Gradebook(db, 'foundations') as gb:
        assert gb.find_student('alice').email == 'a@example.edu'
        assert gb.find_assignment('01_matmul').duedate == datetime(2027, 2, 9, 12)

def test_lms_export(tmp_path):
    "Canvas and Moodle CSVs from a gradebook: scores after late penalty, names and e-mails from the roster, empty when not handed in."
    import lms_export
    from nbgrader.api import Gradebook
    (tmp_path/'nbgrader_config.py').write_text("c = get_config()\nc.CourseDirectory.course_id = 'foundations'\n")
    with Gradebook(f'sqlite:///{tmp_path/"gradebook.db"}', 'foundations') as gb:
        for a in ['01_matmul', '02_broadcasting']:
            gb.add_assignment(a, duedate=datetime(2027, 2, 8))
            gb.add_notebook(a, a); gb.add_grade_cell('t', a, a, max_score=4.0, cell_type='code')
        gb.add_assignment('03_einsum')     # planned, not generated yet: no column
        gb.add_student('alice', first_name='Alice', last_name='Martin', email='alice@example.edu')
        gb.add_student('40213', first_name='Carol', last_name='Nguyen', email='carol@example.edu', lms_user_id='40213')
        gb.add_student('bob', first_name='Bob', last_name='Okafor', email='bob@example.edu', lms_user_id='777')
        for a, s, score, late in [('01_matmul', 'alice', 4.0, False), ('01_matmul', 'bob', 4.0, True), ('02_broadcasting', 'bob', 2.0, False)]:
            gb.add_submission(a, s, timestamp=datetime(2027, 2, 9 if late else 7))
            gb.find_grade('t', a, a, s).auto_score = score
            if late: gb.find_submission_notebook(a, a, s).late_submission_penalty = 0.8
        gb.db.commit()
    lms_export.main(tmp_path, 'canvas', tmp_path/'canvas.csv')
    lms_export.main(tmp_path, 'moodle', tmp_path/'moodle.csv')
    canvas = list(csv.reader(open(tmp_path/'canvas.csv')))
    assert canvas == [['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', '01_matmul', '02_broadcasting'],
                      ['Points Possible', '', '', '', '', '4', '4'],
                      ['Martin, Alice', 'alice', '', '', '', '4', ''],
                      ['Nguyen, Carol', '40213', '', '', '', '', ''],
                      ['Okafor, Bob', '777', '', '', '', '3.2', '2']]
    moodle = list(csv.reader(open(tmp_path/'moodle.csv')))
    assert moodle == [['First name', 'Last name', 'Email address', '01_matmul', '02_broadcasting'],
                      ['Alice', 'Martin', 'alice@example.edu', '4', ''],
                      ['Carol', 'Nguyen', 'carol@example.edu', '', ''],
                      ['Bob', 'Okafor', 'bob@example.edu', '3.2', '2']]

def test_guide_check_reads_the_guide():
    "The guide's bash blocks, as guide_check reads them, hold every step of the course, by the right account."
    from guide_check import blocks
    todo = blocks(json.loads((nbs/'95_instructor.ipynb').read_text(encoding='utf-8')))
    by = {who: ' ; '.join(c for w, cmds in todo if w == who for c in cmds) for who in ['instructor', 'alice', 'lab']}
    assert todo[0] == ('instructor', todo[0][1]) and todo[0][1][0].startswith('make course COURSE=')
    for step in ['nbgrader db student import roster.csv', 'nbgrader generate_assignment 01_matmul', 'nbgrader release_assignment',
                 'nbgrader collect', 'nbgrader zip_collect', 'nbgrader autograde 01_matmul', 'nbgrader generate_feedback',
                 'nbgrader release_feedback', 'nbgrader export', 'tools/lms_export.py', 'nbgrader generate_assignment 01_matmul --force',
                 'nbgrader autograde 01_matmul --force']:
        assert step in by['instructor'], step
    for step in ['nbgrader_config.py', 'nbgrader fetch_assignment', 'nbgrader validate', 'nbgrader submit', 'nbgrader fetch_feedback']:
        assert step in by['alice'], step
    assert 'nbgrader submit 01_matmul --student bob' in by['lab'] and 'nbgrader fetch_feedback 01_matmul --student bob' in by['lab']
    assert blocks({'cells': [{'cell_type': 'markdown', 'source': '```sh\nsudo x\n```\n```bash\n# c\na \\\n  b\n\nc\n```'}]}) == [('instructor', ['a b', 'c'])]

def test_guide_check_runs_commands_in_order(tmp_path):
    "A block's commands run one by one, `cd` carrying on, and the first that fails stops the block with its exit status."
    from guide_check import Run
    run = Run(tmp_path)
    (tmp_path/'home'/'alice'/'sub').mkdir()
    got = list(run.run('alice', ['cd sub', 'test "$(basename "$PWD")" = sub && test "$HOME" = ' + str(tmp_path/'home'/'alice'), 'exit 3', 'true']))
    assert [(c, e is None) for c, _, e in got] == [('cd sub', True), (got[1][0], True), ('exit 3', False)]
    assert got[2][2].startswith('exit status 3')
