"""Build the book: every notebook of nbs/ as a web page with its outputs, and the API reference, in _docs/.

    python tools/book.py            prepare the sources in _proc/book/ and build the site into doc_path
    python tools/book.py --prepare  only prepare the sources

The notebooks are not built in place: each is copied to _proc/book/ with
- nbdev directive lines (`#| ...`) removed from the code, `#| hide` and `#| default_exp` cells and the
  Colab install cell hidden (still run), `#| eval: false` cells not run;
- cells flagged `#| slow` (they take minutes) never run: each shows the outputs `make bench` recorded for it
  (book/slow_outputs/, valid while the cell's code is unchanged), or a warning that book-check fails on;
- exercise solutions (nbgrader `solution: true`) folded, with a link to the chapter's exercise sheet; long
  test cells folded too, under the list of what they check (the parts of their `Rubric`);
- links to files outside nbs/ pointed at the repository, the Colab badge drawn from a local copy;
- a hidden first cell naming a hash of the package sources the notebook imports, so that the execution
  cache (jupyter-cache, keyed on the code) runs a notebook again when those sources change.
A copy is written only when it changed, so Sphinx rereads, and jupyter-cache runs, only what changed.
Then Sphinx (myst-nb, sphinx-book-theme, autodoc) builds the site from book/conf.py.
"""
import argparse, configparser, hashlib, json, os, re, shutil, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import code_hash

root = Path(__file__).resolve().parent.parent
PROC = root/'_proc'
SRC = PROC/'book'              # the prepared sources
CACHE = PROC/'book_cache'      # jupyter-cache: executed notebooks
DOCTREES = PROC/'book_doctrees'
MATHJAX = PROC/'book_mathjax'  # holds mathjax/, copied into the site's _static/
BOOK = root/'book'
BUILD_REQS = {'sphinx': 'sphinx', 'myst_nb': 'myst-nb', 'sphinx_book_theme': 'sphinx-book-theme',
              'jupyter_server_mathjax': 'jupyter-server-mathjax'}
COLAB_BADGE = 'https://colab.research.google.com/assets/colab-badge.svg'
SLOW_STORE = BOOK/'slow_outputs'     # the outputs of slow cells, recorded by tools/bench.py
SLOW_MISSING = 'slow-output-missing'  # the class of the warning shown instead: book-check fails on a page with one
NBGRADER_MARKERS = {'### BEGIN SOLUTION', '### END SOLUTION', '### BEGIN HIDDEN TESTS', '### END HIDDEN TESTS'}

def settings():
    "The [DEFAULT] section of settings.ini, interpolated."
    cp = configparser.ConfigParser()
    cp.read(root/'settings.ini', encoding='utf-8')
    return dict(cp['DEFAULT'])

def src(cell):
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s

# --- nbdev directives -------------------------------------------------------------------------------
_DIR = re.compile(r'^\s*#\s*\|\s?(.*)$')

def directives(code):
    "The leading `#|` lines of `code` as {name: args}, and the code without them (nbdev's rule)."
    lines, dirs, i = code.splitlines(), {}, 0
    while i < len(lines) and (not lines[i].strip() or _DIR.match(lines[i])):
        m = _DIR.match(lines[i])
        if m and m.group(1).strip():
            d = m.group(1).strip().rstrip(':')
            name, _, args = d.replace(':', ': ', 1).partition(' ')
            dirs[name.rstrip(':').strip()] = args.strip()
        i += 1
    return dirs, '\n'.join(lines[i:])

def is_install_cell(code): return "'google.colab' in sys.modules" in code or '"google.colab" in sys.modules' in code

# --- links ------------------------------------------------------------------------------------------
_LINK = re.compile(r'(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(([^()\s]+)\)')

def fix_links(md, nbs, s, local_docs):
    "Relative links to files outside the book point at the repository; the Colab badge is a local image."
    blob = f"{s['git_url']}/blob/{s['branch']}"
    def sub(m):
        bang, text, target = m.groups()
        if bang and target == COLAB_BADGE: return f'![{text}](_assets/colab-badge.svg)'
        text = _LINK.sub(sub, text)                     # an image inside a link
        if re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I) or target.startswith('#') or target.startswith('/'):
            return f'{bang}[{text}]({target})'
        path, _, anchor = target.partition('#')
        dest = (nbs/path).resolve()
        try: rel = dest.relative_to(root)
        except ValueError: return f'{bang}[{text}]({target})'
        if dest.parent == nbs.resolve() and dest.name in local_docs: return f'{bang}[{text}]({target})'   # a page
        return f'{bang}[{text}]({blob}/{rel.as_posix()}{"#" + anchor if anchor else ""})'
    # code (fenced blocks and inline spans) is left as it is
    code = []
    def hold(m): code.append(m.group(0)); return f'\0{len(code) - 1}\0'
    md = re.sub(r'^(?:```|~~~)[^\n]*\n.*?^(?:```|~~~)[ \t]*$|(`+)[^`]+?\1', hold, md, flags=re.M | re.S)
    return re.sub(r'\0(\d+)\0', lambda m: code[int(m.group(1))], _LINK.sub(sub, md))

# --- dependencies of a notebook's outputs -----------------------------------------------------------
_IMPORT = re.compile(r'\bfoundations\.(\w+)|\bfrom\s+foundations\s+import\s+\(?([\w\s,]+)\)?|\bfrom\s+\.(\w+)\s+import')

def module_deps(lib):
    "For each module of the package, the modules it imports directly."
    deps = {}
    for f in lib.glob('*.py'):
        if f.name == '_modidx.py': continue
        deps[f.stem] = imported(f.read_text(encoding='utf-8'), lib)
    return deps

def imported(code, lib):
    mods = set()
    for a, b, c in _IMPORT.findall(code):
        for name in ([a] if a else [x.strip() for x in b.split(',')] if b else [c]):
            if name and (lib/f'{name}.py').exists(): mods.add(name)
    return mods

# a notebook that lists the notebooks beside it (the instructor guide's table of exercises, say)
_READS_SIBLINGS = re.compile(r'Path\(\s*(?:\'\.\'|"\.")?\s*\)\s*\.\s*r?glob\(|glob\.glob\(\s*[\'"][^\'"/]*\.ipynb|'
                             r'os\.listdir\(\s*(?:\'\.\'|"\.")?\s*\)')

# a file of the repository read by a path relative to nbs/, such as '../course/schedule.csv'
_READS_UP = re.compile(r"""['"]\.\./([\w.-]+/[\w./-]+)['"]""")

def deps_hash(code, lib, deps, also=()):
    "A hash of the package sources that `code` imports (transitively), and of the files `also`."
    todo, seen = list(imported(code, lib)), set()
    if re.search(r'\bimport\s+foundations\b|\bfrom\s+foundations\b', code): todo.append('__init__')
    while todo:
        m = todo.pop()
        if m in seen: continue
        seen.add(m); todo += deps.get(m, ())
    h = hashlib.sha256()
    for m in sorted(seen):
        f = lib/f'{m}.py'
        if f.exists(): h.update(m.encode() + b'\0' + f.read_bytes())
    for f in sorted(also): h.update(f.name.encode() + b'\0' + f.read_bytes())
    return h.hexdigest()[:16], sorted(seen)

# --- one notebook -----------------------------------------------------------------------------------
def md_cell(text, **meta): return {'cell_type': 'markdown', 'metadata': meta, 'source': text}
def code_cell(text, tags=(), **meta):
    if tags: meta['tags'] = list(tags)
    return {'cell_type': 'code', 'execution_count': None, 'metadata': meta, 'outputs': [], 'source': text}

LONG_TESTS = 12   # test cells longer than this many lines are folded in the book, their parts listed above them
_PART = re.compile(r"""\.part\(\s*(?P<q>['"])(?P<what>.*?)(?P=q)\s*,\s*(?P<w>[\d.]+)""")

def test_parts(code, points):
    "The parts of a test cell's `Rubric` (`r.part('what', weight, ...)`) with their share of `points`, as a markdown list; '' when it has none."
    parts = [(m['what'], float(m['w'])) for m in _PART.finditer(code)]
    total = sum(w for _, w in parts) or 1
    return '\n'.join(f'- {what} ({points * w / total:.3g} of {points:g} points)' for what, w in parts)

def sheet_note(name, s):
    "A note naming the exercise sheet of notebook `name`, or '' when it has none."
    sheet = root/'exercises'/f'{name}.ipynb'
    if not sheet.exists(): return ''
    rel = sheet.relative_to(root).as_posix()
    gh = f"{s['git_url']}/blob/{s['branch']}/{rel}"
    colab = f"https://colab.research.google.com/github/{s['user']}/{s['repo']}/blob/{s['branch']}/{rel}"
    return (f"\n\n:::{{admonition}} Exercise sheet\n:class: tip\nThe solutions below are folded: click *Show the solution* "
            f"to see one. The sheet without them is [{rel}]({gh}) ([open it in Colab]({colab})).\n:::\n")

def slow_outputs(name):
    "What `make bench` recorded for the slow cells of notebook `name`: ({cell id: {'code', 'outputs'}}, date, the file's bytes)."
    f = SLOW_STORE/f'{name}.json'
    if not f.exists(): return {}, '', b''
    rec = json.loads(f.read_text(encoding='utf-8'))
    return rec.get('cells', {}), f"{rec.get('ran', '?')} ({rec.get('machine', 'a machine')})", f.read_bytes()

def process(nb, name, s, lib, deps, nbs, local_docs):
    "The book's copy of notebook `nb` (a dict), named `name` (its file name without .ipynb)."
    cells, out, n_slow, n_missing, install_done = nb['cells'], [], 0, 0, False
    slow_kept, slow_when, slow_bytes = slow_outputs(name)
    sol = [i for i, c in enumerate(cells) if c.get('metadata', {}).get('nbgrader', {}).get('solution')]
    note_at = None
    if sol:   # the note goes into the last heading cell before the first solution ("## Exercises")
        heads = [i for i in range(sol[0]) if cells[i]['cell_type'] == 'markdown' and src(cells[i]).lstrip().startswith('#')]
        note_at = heads[-1] if heads else sol[0]
    note = sheet_note(name, s) if sol else ''
    code_all = '\n'.join(src(c) for c in cells if c['cell_type'] == 'code')
    also = [p for p in sorted(nbs.glob('*.ipynb')) if p.stem != name] if _READS_SIBLINGS.search(code_all) else []
    also += [root/f for f in sorted(set(_READS_UP.findall(code_all))) if (root/f).is_file()]   # files of the repository it reads
    h, mods = deps_hash(code_all, lib, deps, also)
    if slow_bytes: h += '-' + hashlib.sha256(slow_bytes).hexdigest()[:8]   # recorded outputs changed: run the page again
    out.append(code_cell(f'# The outputs of this page depend on: {", ".join(mods) or "no package module"} ({h})',
                         tags=['remove-cell']))
    for i, c in enumerate(cells):
        c = json.loads(json.dumps(c))
        meta = c.setdefault('metadata', {})
        if c['cell_type'] == 'markdown':
            text = fix_links(src(c), nbs, s, local_docs)
            if i == note_at and note: text += note
            c['source'] = text
            out.append(c); continue
        if c['cell_type'] != 'code': out.append(c); continue
        if note_at == i and note: out.append(md_cell(note.strip()))
        dirs, code = directives(src(c))
        tags = list(meta.get('tags', []))
        if 'slow' in dirs:
            n_slow += 1
            kept = slow_kept.get(c.get('id'))
            if kept is None or kept['code'] != code_hash(src(c)):
                n_missing += 1
                out.append(md_cell(f':::{{warning}}\n:class: {SLOW_MISSING}\nThe cell below is flagged `slow` (it runs for minutes) '
                                   'and has no recorded output. Run `make bench`, or the notebook, to see it.\n:::\n\n'
                                   f'```python\n{code.strip()}\n```\n'))
                continue
            out.append(md_cell(f'*The cell below is flagged `slow` (it runs for minutes): the book does not run it, '
                               f'and shows the output `make bench` recorded on {slow_when}.*', tags=['slow-note']))
            c['source'], c['execution_count'] = code, None
            c['outputs'] = [{k: v for k, v in o.items() if k != 'execution_count' or o.get('output_type') == 'execute_result'}
                            for o in kept['outputs']]
            # 'slow-output': book-check expects an output under it (a cell that printed nothing has none to show)
            meta['tags'] = list(dict.fromkeys(list(meta.get('tags', [])) + ['skip-execution'] + (['slow-output'] if c['outputs'] else [])))
            out.append(c); continue
        if not install_done and is_install_cell(code):
            install_done = True; tags.append('remove-cell')
        if 'hide' in dirs or 'default_exp' in dirs or not code.strip(): tags.append('remove-cell')
        if 'hide_input' in dirs or dirs.get('echo') == 'false': tags.append('remove-input')
        if 'hide_output' in dirs or dirs.get('output') == 'false': tags.append('remove-output')
        if dirs.get('eval') == 'false': tags.append('skip-execution')
        if dirs.get('code-fold') in ('true', 'show'): tags.append('hide-input')
        if meta.get('nbgrader', {}).get('solution'):
            tags.append('hide-input')
            meta['mystnb'] = {'code_prompt_show': 'Show the solution', 'code_prompt_hide': 'Hide the solution'}
        elif meta.get('nbgrader', {}).get('grade') and len(code.strip().splitlines()) > LONG_TESTS:
            tags.append('hide-input')             # a long test cell: its parts listed, its code folded
            n = len(code.strip().splitlines())
            meta['mystnb'] = {'code_prompt_show': f'Show the tests ({n} lines)', 'code_prompt_hide': 'Hide the tests'}
            spec = test_parts(code, meta['nbgrader'].get('points', 0))
            if spec: out.append(md_cell('What the tests of the next cell check:\n\n' + spec, tags=['test-spec']))
        code = '\n'.join(l for l in code.splitlines() if l.strip() not in NBGRADER_MARKERS) \
            if meta.get('nbgrader') else code
        c['source'] = code
        if tags: meta['tags'] = list(dict.fromkeys(tags))
        c['outputs'], c['execution_count'] = [], None
        out.append(c)
    nb = {**nb, 'cells': out}
    for c in out: c.pop('id', None)
    nb['nbformat'], nb['nbformat_minor'] = 4, 4
    nb['metadata'] = {k: v for k, v in nb.get('metadata', {}).items() if k in ('kernelspec', 'language_info')}
    nb['metadata'].setdefault('kernelspec', {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'})
    return nb, (n_slow, n_missing)

def toc_cell(chapters, end_matter):
    "The book's table of contents, a hidden toctree at the end of the index."
    def tree(caption, docs, numbered=False):
        opts = f':caption: {caption}\n:hidden:\n:maxdepth: 2\n' + (':numbered: 1\n' if numbered else '')
        return f'```{{toctree}}\n{opts}\n' + '\n'.join(docs) + '\n```\n'
    return md_cell(tree('Chapters', chapters, numbered=True) + '\n' + tree('End matter', end_matter)
                   + '\n' + tree('Reference', ['api/index']))

# --- the API reference ------------------------------------------------------------------------------
def api_pages(lib, s):
    "reST pages for every module of the package (the modules present now): {relative path: text}."
    mods = sorted(f.stem for f in lib.glob('*.py') if not f.name.startswith('_'))
    pkg = s.get('lib_path', 'foundations')
    pages = {}
    for m in mods:
        title = f'{pkg}.{m}'
        nb = re.search(r'File to edit: \.\./(?:[\w-]+/)*([\w-]+)\.ipynb', (lib/f'{m}.py').read_text(encoding='utf-8'))
        origin = f'Written in the notebook :doc:`../{nb.group(1)}`.\n\n' if nb else ''
        pages[f'api/{m}.rst'] = f'{title}\n{"=" * len(title)}\n\n{origin}.. automodule:: {pkg}.{m}\n'
    idx = ('# API reference\n\nThe package `{pkg}` that the chapters export, module by module: each function and '
           'class with its signature and docstring. Each module comes from the notebook of the same name.\n\n'
           '```{{toctree}}\n:maxdepth: 1\n\n' + '\n'.join(f'{m}' for m in mods) + '\n```\n').format(pkg=pkg)
    pages['api/index.md'] = idx
    return pages

# --- writing ----------------------------------------------------------------------------------------
def write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding='utf-8') == text: return False
    tmp = path.with_suffix(path.suffix + '.tmp'); tmp.write_text(text, encoding='utf-8'); tmp.replace(path)
    return True

def copy_mathjax():
    "MathJax 2.7 from the package jupyter-server-mathjax, in MATHJAX/mathjax (the English messages only)."
    import jupyter_server_mathjax
    static = Path(jupyter_server_mathjax.__file__).parent/'static'
    dest = MATHJAX/'mathjax'
    stamp = dest/'.from'
    if stamp.exists() and stamp.read_text() == str(static): return
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(static, dest, ignore=lambda d, names: [n for n in names if Path(d).name == 'localization' and n != 'en'])
    stamp.write_text(str(static))

def prepare(s):
    nbs, lib = root/s.get('nbs_path', 'nbs'), root/s.get('lib_path', 'foundations')
    notebooks = sorted(nbs.glob('*.ipynb'))
    local_docs = {p.name for p in notebooks}
    deps = module_deps(lib)
    SRC.mkdir(parents=True, exist_ok=True)
    for top in {f.split('/')[0] for p in notebooks for f in _READS_UP.findall(p.read_text(encoding='utf-8'))}:
        link = PROC/top                            # '../course/...' read from _proc/book/ finds the repository's course/
        if (root/top).is_dir() and not link.exists(): link.symlink_to(root/top, target_is_directory=True)
    written, slow = [], {}
    chapters = [p.stem for p in notebooks if re.match(r'\d\d_', p.name) and int(p.name[:2]) < 90]
    end_matter = [p.stem for p in notebooks if re.match(r'\d\d_', p.name) and int(p.name[:2]) >= 90]
    for p in notebooks:
        nb = json.loads(p.read_text(encoding='utf-8'))
        book_nb, slow[p.stem] = process(nb, p.stem, s, lib, deps, nbs, local_docs)
        if p.stem == 'index': book_nb['cells'].append(toc_cell(chapters, end_matter))
        if write_if_changed(SRC/p.name, json.dumps(book_nb, indent=1, ensure_ascii=False) + '\n'): written.append(p.name)
    for p in SRC.glob('*.ipynb'):                                    # notebooks that left nbs/
        if p.name not in local_docs: p.unlink(); written.append(f'{p.name} (removed)')
    api = api_pages(lib, s)
    for rel, text in api.items():
        if write_if_changed(SRC/rel, text): written.append(rel)
    for p in (SRC/'api').glob('*'):
        if f'api/{p.name}' not in api: p.unlink()
    assets = SRC/'_assets'; assets.mkdir(exist_ok=True)
    for f in (BOOK/'assets').glob('*'):
        if not (assets/f.name).exists() or (assets/f.name).read_bytes() != f.read_bytes(): shutil.copy(f, assets/f.name)
    copy_mathjax()
    return notebooks, written, slow

def check_requirements():
    missing = []
    for mod, pkg in BUILD_REQS.items():
        try: __import__(mod)
        except ImportError: missing.append(pkg)
    if missing:
        sys.exit(f'book: missing {" ".join(missing)}: they belong to the dev requirements in settings.ini '
                 f'(make setup installs them); or install them with: {sys.executable} -m pip install {" ".join(missing)}')

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--prepare', action='store_true', help='only prepare the sources in _proc/book/')
    args = ap.parse_args(argv)
    check_requirements()
    s = settings()
    t0 = time.time()
    notebooks, written, slow = prepare(s)
    print(f'book: {len(notebooks)} notebooks prepared in {SRC.relative_to(root)}/ '
          f'({len(written)} changed: {", ".join(written) or "none"}); '
          f'{sum(n for n, _ in slow.values())} slow cells not run, shown with the outputs `make bench` recorded, '
          f'{sum(m for _, m in slow.values())} of them without (none recorded for their code)')
    if args.prepare: return 0
    out = root/s.get('doc_path', '_docs')
    env = {**os.environ,
           'PATH': f'{Path(sys.executable).parent}{os.pathsep}{os.environ.get("PATH", "")}',
           'PYTHONPATH': os.pathsep.join(filter(None, [str(root), os.environ.get('PYTHONPATH')])),
           'MPLBACKEND': 'module://matplotlib_inline.backend_inline',
           'BOOK_TITLE': s.get('title', s.get('repo', '')), 'BOOK_AUTHOR': s.get('author', ''),
           'BOOK_COPYRIGHT': s.get('copyright', ''), 'BOOK_VERSION': s.get('version', ''),
           'BOOK_GIT_URL': s.get('git_url', ''), 'BOOK_BRANCH': s.get('branch', 'main'),
           'BOOK_NBS_PATH': s.get('nbs_path', 'nbs'), 'BOOK_CACHE': str(CACHE), 'BOOK_MATHJAX_DIR': str(MATHJAX),
           'BOOK_OUTPUTS': str(PROC/'book_outputs')}
    warnings = PROC/'book_warnings.txt'
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-c', str(BOOK), '-d', str(DOCTREES), '-w', str(warnings),
           str(SRC), str(out)]
    print('book:', ' '.join(cmd[2:]), flush=True)
    failed_file = PROC/'book_failed.json'
    for name in (json.loads(failed_file.read_text()) if failed_file.exists() else []):
        if (SRC/name).exists(): (SRC/name).touch()    # read and run again: a failure is not cached
    rc = run_filtered(cmd, env)
    text = warnings.read_text(encoding='utf-8', errors='replace') if warnings.exists() else ''
    failed = sorted(set(re.findall(r'([\w.-]+\.ipynb): WARNING: Executing notebook failed', text)))
    n_warn = len(re.findall(r': WARNING: ', text))
    failed_file.write_text(json.dumps(failed))
    if rc: print(f'book: Sphinx failed (exit {rc})', file=sys.stderr); return rc
    (out/'.nojekyll').touch()
    pages = len(list(out.glob('*.html'))) + len(list((out/'api').glob('*.html')))
    print(f'book: {pages} pages in {out.relative_to(root)}/ in {time.time() - t0:.0f} s, {n_warn} warnings '
          f'(in {warnings.relative_to(root)}); open {out.relative_to(root)}/index.html')
    if failed:
        print(f'book: FAILED: these notebooks raised an error when run: {", ".join(failed)} (their pages show '
              'the outputs up to the error; the traceback is above)', file=sys.stderr)
        return 1
    return 0

# Sphinx's progress lines and two harmless messages of each kernel start are left out of the log.
_NOISE = re.compile(r'^(reading sources|writing output|copying |highlighting|looking for now-outdated|pickling|'
                    r'checking consistency|preparing documents|generating indices|dumping |done$|Running Sphinx|'
                    r'loading |building \[|updating environment|waiting for workers|merging|copying assets|'
                    r'writing additional pages|myst v|myst-nb v|Using jupyter-cache|Writing evaluated template|'
                    r'The HTML pages are in|\s*$)|Executing notebook using local CWD|Using cached notebook|'
                    r'Kernel is running over TCP without encryption|MissingIDFieldWarning|_validate\(nbdict')

def run_filtered(cmd, env):
    "Run `cmd`, printing its output without the noise; its exit status."
    p = subprocess.Popen(cmd, env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    for line in p.stdout:
        if not _NOISE.search(line.rstrip('\n')): print(line, end='', flush=True)
    return p.wait()

if __name__ == '__main__': sys.exit(main())
