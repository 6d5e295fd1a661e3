"""foundations.student as a program: `python -m foundations.student` does what the console command does."""
import json, os, subprocess, sys
from pathlib import Path
import foundations

root = Path(__file__).resolve().parent.parent
ENV = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(Path(foundations.__file__).parent.parent), os.environ.get('PYTHONPATH', '')])}

def run(*args, cwd):
    return subprocess.run([sys.executable, '-m', 'foundations.student', *map(str, args)], capture_output=True, text=True,
                          env=ENV, cwd=cwd)

def test_python_dash_m_writes_the_sheet(tmp_path):
    src = root/'nbs'/'10_conv.ipynb'
    r = run(src, tmp_path/'out.ipynb', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'wrote' in r.stdout and (tmp_path/'out.ipynb').is_file()
    text = (tmp_path/'out.ipynb').read_text()
    assert 'raise NotImplementedError()' in text and 'BEGIN SOLUTION' not in text
    json.loads(text)

def test_python_dash_m_exit_status(tmp_path):
    r = run(cwd=tmp_path)                                              # no arguments: argparse's usage error
    assert r.returncode == 2 and 'the following arguments are required' in r.stderr
    r = run(tmp_path/'missing.ipynb', tmp_path/'out.ipynb', cwd=tmp_path)            # refused: exit status 1
    assert r.returncode == 1 and 'foundations-student: error' in r.stderr
