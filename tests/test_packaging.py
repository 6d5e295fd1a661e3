"""The distribution as PyPI sees it: valid trove classifiers, a long description whose links work off GitHub,
and an sdist that ships only what works from it."""
import re, runpy, shutil, subprocess, sys, tarfile
from configparser import ConfigParser
from pathlib import Path
import pytest
import setuptools
import trove_classifiers

root = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='module')
def setup_kwargs():
    "The arguments setup.py passes to `setuptools.setup`, captured without building anything."
    seen, real, cwd = {}, setuptools.setup, Path.cwd()
    setuptools.setup = lambda **kw: seen.update(kw)
    try:
        import os; os.chdir(root)
        runpy.run_path(str(root/'setup.py'), run_name='__main__')
    finally: setuptools.setup = real; os.chdir(cwd)
    return seen

def settings():
    cfg = ConfigParser(delimiters=['=']); cfg.read(root/'settings.ini')
    return cfg['DEFAULT']

def test_classifiers_are_on_the_official_list(setup_kwargs):
    cls = setup_kwargs['classifiers']
    bad = [c for c in cls if c not in trove_classifiers.classifiers]
    assert not bad, f'not trove classifiers: {bad}'
    status = [c for c in cls if c.startswith('Development Status ::')]
    assert status == [f'Development Status :: {settings()["status"]} - Alpha'], status   # settings.ini's status is trove's number

RELATIVE = re.compile(r'\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^)\s]+)\)|(?:src|href)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^"]+)"')

def test_readme_has_relative_links_to_make_absolute():
    "The premise: README.md (for GitHub) links the notebooks relatively, which PyPI cannot resolve."
    assert RELATIVE.search((root/'README.md').read_text(encoding='utf-8'))

def test_long_description_links_are_absolute(setup_kwargs):
    d, md = settings(), setup_kwargs['long_description']
    assert not RELATIVE.findall(md), RELATIVE.findall(md)[:5]
    blob = f"https://github.com/{d['user']}/{d['repo']}/blob/{d['branch']}/"
    assert f'({blob}nbs/01_matmul.ipynb)' in md and f'({blob}exercises/README.md)' in md
    readme = (root/'README.md').read_text(encoding='utf-8')
    assert md.replace(blob, '') == readme                                 # nothing else changed

def test_absolute_links_rewrites_only_relative_targets():
    ns = runpy.run_path(str(root/'setup.py'), run_name='not_main')      # the helpers, without calling setup()
    f = lambda md: ns['absolute_links'](md, 'https://github.com/u/r', 'dev')
    assert f('[a](nbs/x.ipynb)') == '[a](https://github.com/u/r/blob/dev/nbs/x.ipynb)'
    assert f('![p](img/a.png)') == '![p](https://raw.githubusercontent.com/u/r/dev/img/a.png)'
    assert f('<img src="img/a.png"> <a href="LICENSE">') == \
        '<img src="https://raw.githubusercontent.com/u/r/dev/img/a.png"> <a href="https://github.com/u/r/blob/dev/LICENSE">'
    for same in ['[a](https://x.org/y)', '[a](#anchor)', '[a](mailto:a@b.c)', '[![b](https://b/b.svg)](https://c/d)', 'f(x) [y]']:
        assert f(same) == same

@pytest.mark.skipif(not (root/'.git').exists(), reason='builds from the tracked files of a git checkout')
def test_sdist_leaves_tests_out(tmp_path):
    "Tests need the notebooks, the exercise sheets and conftest.py, which the sdist does not ship: so it ships no tests."
    files = subprocess.run(['git', 'ls-files'], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    src = tmp_path/'src'
    for f in files:
        if (root/f).is_file(): (src/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(root/f, src/f)
    subprocess.run([sys.executable, 'setup.py', '-q', 'sdist', '-d', str(tmp_path/'dist')], cwd=src, check=True,
                   capture_output=True)
    sdist, = (tmp_path/'dist').glob('*.tar.gz')
    names = [n.split('/', 1)[1] for n in tarfile.open(sdist).getnames() if '/' in n]
    assert 'setup.py' in names and 'settings.ini' in names and 'foundations/conv.py' in names
    assert not [n for n in names if n.startswith('tests/')], [n for n in names if n.startswith('tests/')]
