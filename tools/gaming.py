"""Submissions that try to game the exercises, for the grading cycle (tools/grading_cycle.py).

Each function takes the released notebook of an assignment (a dict, as students get it) and the course's
source notebook (with the reference solutions), and returns the notebook a student would submit, with the
exercises it games: `{grade_id of the solution cell: what is expected of its test cells}`.

- `library`: the answers of tools/shortcuts/NN_name.py's LIBRARY call the library function their exercise
  replaces; every other exercise gets its reference solution.
- `partial`: PARTIAL's answers are right on some cases only, and must earn the points given there.
- `redefine`: no working code; every answer cell replaces the test helpers its tests call by things that
  accept anything (what scored full marks before the helpers were bound afresh).
- `hardcoded`: every answer that is a function replays, in order, the results the reference solution gave
  when the public chapter ran, exceptions included: right on every published input and nothing else.
- `deleted`: answers with no working code, and every test cell deleted.
"""
import ast, builtins, importlib.util, json, tempfile
from pathlib import Path
from foundations.student import _marker, _src

root = Path(__file__).resolve().parent.parent

def _meta(c): return c.get('metadata', {}).get('nbgrader', {}) or {}

def answers(source):
    "`{grade_id: reference answer}` of notebook `source`: each solution cell without its marker lines."
    return {_meta(c)['grade_id']: '\n'.join(l for l in _src(c).split('\n') if _marker(l) is None)
            for c in source['cells'] if _meta(c).get('solution')}

def exercises(nb):
    "`{grade_id of a solution cell: [grade_ids of its test cells]}`, in order."
    out, cur = {}, None
    for c in nb['cells']:
        m = _meta(c)
        if m.get('solution'): cur = m['grade_id']; out[cur] = []
        elif m.get('grade') and cur: out[cur].append(m['grade_id'])
    return out

def _fill(released, given):
    "A copy of `released` with the solution cells of `given` (`{grade_id: source}`) replaced."
    nb = json.loads(json.dumps(released))
    for c in nb['cells']:
        gid = _meta(c).get('grade_id')
        if _meta(c).get('solution') and gid in given: c['source'] = given[gid]
    return nb

def shortcuts(name):
    "The LIBRARY and PARTIAL answers of chapter `name` (empty where it has none)."
    p = root/'tools'/'shortcuts'/f'{name}.py'
    if not p.exists(): return {}, {}
    spec = importlib.util.spec_from_file_location(f'shortcuts_{name}', p)
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return getattr(m, 'LIBRARY', {}), getattr(m, 'PARTIAL', {})

def library(name, released, source):
    lib, _ = shortcuts(name)
    return _fill(released, {**answers(source), **lib}), {g: 'library' for g in lib}

def partial(name, released, source):
    _, part = shortcuts(name)
    return _fill(released, {**answers(source), **{g: a for g, (a, _) in part.items()}}), {g: ('partial', p) for g, (_, p) in part.items()}

# An object that accepts anything: called, compared, used as a context manager that swallows errors.
ANYTHING = '''class _Anything:
    def __init__(self, *args, **kwargs): pass
    def __call__(self, *args, **kwargs): return _Anything()
    def __enter__(self): return self
    def __exit__(self, *args): return True
    def __getattr__(self, name): return _Anything()
    def __getitem__(self, key): return _Anything()
    def __iter__(self): return iter([])
    def __eq__(self, other): return True
    def __bool__(self): return True
'''

def _no_code(src):
    "Answer `src` (a stub) with its body replaced by `return _Anything()`, whatever it defines."
    try: tree = ast.parse(src)
    except SyntaxError: return ANYTHING
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    return ANYTHING + '\n'.join(f'{d.name} = _Anything' if isinstance(d, ast.ClassDef) else f'def {d.name}(*args, **kwargs): return _Anything()'
                                for d in defs) + '\n'

def _called_names(src):
    "Names called in test cell `src` that are not Python builtins."
    try: tree = ast.parse(src)
    except SyntaxError: return set()
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)} - set(dir(builtins))

def redefine(name, released, source):
    ex, by_id = exercises(released), {_meta(c).get('grade_id'): c for c in released['cells']}
    given = {}
    for sol, tests in ex.items():
        stub = _no_code(_src(by_id[sol]))
        own = {l.split('(')[0].split()[-1] for l in stub.splitlines() if l.startswith('def ')}
        helpers = sorted(set().union(*[_called_names(_src(by_id[t])) for t in tests]) - own - {'_Anything'})
        given[sol] = stub + ''.join(f'{h} = _Anything()\n' for h in helpers)
    return _fill(released, given), {g: 'redefine' for g in ex}

def deleted(name, released, source):
    ex, by_id = exercises(released), {_meta(c).get('grade_id'): c for c in released['cells']}
    nb = _fill(released, {sol: _no_code(_src(by_id[sol])) for sol in ex})
    nb['cells'] = [c for c in nb['cells'] if not (_meta(c).get('grade') and not _meta(c).get('solution'))]
    return nb, {g: 'deleted' for g in ex}

RECORD = '''import copy as _copy, inspect as _inspect
if _inspect.isfunction({f}):
    def _recorded(fn, log):
        def run(*args, **kwargs):
            try: res = fn(*args, **kwargs)
            except Exception as e: log.append(('raise', e)); raise
            try: kept = _copy.deepcopy(res)
            except Exception: kept = res
            log.append(('return', kept)); return res
        return run
    _RECORDS[{f!r}] = []
    {f} = _recorded({f}, _RECORDS[{f!r}])
'''

REPLAY = '''import base64, io, torch
_{f}_results = iter(torch.load(io.BytesIO(base64.b64decode({data!r})), weights_only=False))

def {f}(*args, **kwargs):
    "The results the chapter's own run produced, one after another."
    kind, value = next(_{f}_results)
    if kind == 'raise': raise value
    return value
'''

def _defined(src):
    "The functions a solution cell defines at its top level."
    try: return [n.name for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError: return []

def record(source, cwd):
    """Run course notebook `source` (the reference solutions in) with every answer function recording its results:
    `{function name: its list of ('return', result) or ('raise', exception), in the order of the calls, as saved by
    torch.save and base64-encoded}`."""
    import nbformat
    from nbclient import NotebookClient
    nb = json.loads(json.dumps(source))
    cells = [{'cell_type': 'code', 'metadata': {}, 'source': '_RECORDS = {}', 'outputs': [], 'execution_count': None}]
    for c in nb['cells']:
        cells.append(c)
        if _meta(c).get('solution'):
            cells += [{'cell_type': 'code', 'metadata': {}, 'source': RECORD.format(f=f), 'outputs': [], 'execution_count': None}
                      for f in _defined(_src(c))]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)/'records.json'
        save = ('import base64, io, json, torch\n_kept = {}\nfor _f, _log in _RECORDS.items():\n'
                '    _buf = io.BytesIO()\n'
                '    try: torch.save(_log, _buf); _kept[_f] = base64.b64encode(_buf.getvalue()).decode()\n'
                '    except Exception: pass   # results that cannot be saved: that answer is not replayed\n'
                f'open({str(out)!r}, "w").write(json.dumps(_kept))')
        cells.append({'cell_type': 'code', 'metadata': {}, 'source': save, 'outputs': [], 'execution_count': None})
        nb['cells'] = [{**c, 'source': _src(c)} for c in cells]
        node = nbformat.from_dict(nb)
        NotebookClient(node, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(cwd)}}, allow_errors=True).execute()
        # kept as the kernel saved them: their classes may exist only in the notebook, so they are never loaded here
        return json.loads(out.read_text()) if out.exists() else {}

def hardcoded(name, released, source, records):
    given, gamed = {}, {}
    for c in source['cells']:
        if not _meta(c).get('solution'): continue
        fs = [f for f in _defined(answers({'cells': [c]})[_meta(c)['grade_id']]) if f in records]
        if not fs: continue
        given[_meta(c)['grade_id']] = '\n'.join(REPLAY.format(f=f, data=records[f]) for f in fs)
        gamed[_meta(c)['grade_id']] = 'hardcoded'
    return _fill(released, given), gamed
