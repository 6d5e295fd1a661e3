"""foundations.grading: every route to a forbidden function is refused with a message naming the rule and the call,
allowed code runs untouched; replaced helpers are found; rubrics score parts, refuse hard-coding and fail whole on a
shortcut; answers that could switch tests off are flagged and honest ones never; the tampering report lists only
real edits and deletions; and the nbgrader steps of a course load."""
import builtins, contextlib, functools, importlib, io, json, os, subprocess, sys
from pathlib import Path
import pytest, torch
import torch.nn.functional as F
from torch import nn
import fastcore.test
import foundations.grading as G
from foundations.grading import forbid, Rubric, ShortcutError, TamperError, scan_answer, tamper_report, verify
from foundations.student import course_notebook, student_notebook

root = Path(__file__).resolve().parent.parent
a, b = torch.randn(3, 4), torch.randn(4, 2)
x, t = torch.randn(5, 4), torch.tensor([0, 1, 2, 3, 0])
img = torch.randn(1, 2, 6, 6)

# ---------------------------------------------------------------- shortcuts: every route, and what stays allowed
ROUTES = {
    'matmul': [lambda: a @ b, lambda: a.matmul(b), lambda: torch.matmul(a, b), lambda: torch.mm(a, b),
               lambda: F.linear(a, b.T), lambda: nn.Linear(4, 2)(a), lambda: torch.einsum('ik,kj->ij', a, b),
               lambda: torch.tensordot(a, b, 1), lambda: a.numpy(), lambda: torch.bmm(a[None], b[None]),
               lambda: torch.addmm(torch.zeros(3, 2), a, b), lambda: a.mv(b[:, 0]), lambda: torch.inner(a, b.T)],
    'einsum': [lambda: torch.einsum('ij->ji', a), lambda: torch.tensordot(a, b, 1)],
    'autograd': [lambda: a.clone().requires_grad_(), lambda: setattr(a.clone(), 'requires_grad', True),
                 lambda: torch.ones(2, requires_grad=True), lambda: torch.autograd.grad,
                 lambda: torch.func.grad(lambda v: (v * v).sum())(a),
                 lambda: torch.autograd.functional.jacobian(lambda v: v * 2, a)],
    'cross_entropy': [lambda: F.cross_entropy(x, t), lambda: nn.CrossEntropyLoss()(x, t), lambda: F.nll_loss(x, t),
                      lambda: F.log_softmax(x, 1), lambda: x.log_softmax(1)],
    'softmax': [lambda: x.softmax(1), lambda: F.softmax(x, 1), lambda: torch.softmax(x, 1)],
    'pool': [lambda: F.avg_pool2d(img, 2), lambda: F.max_pool2d(img, 2), lambda: nn.AvgPool2d(2)(img),
             lambda: nn.AdaptiveAvgPool2d(1)(img), lambda: F.max_pool2d(img, 2, return_indices=True)],
    'conv': [lambda: F.conv2d(img, torch.randn(3, 2, 3, 3)), lambda: nn.Conv2d(2, 3, 3)(img)],
    'init': [lambda: nn.init.kaiming_normal_(torch.empty(3, 4)), lambda: nn.init.xavier_uniform_(torch.empty(3, 4))],
    'optim': [lambda: torch.optim.SGD([nn.Parameter(a)], lr=0.1), lambda: torch.optim.Adam([nn.Parameter(a)]),
              lambda: torch.optim.lr_scheduler.StepLR(torch.optim.SGD([nn.Parameter(a)], lr=0.1), 1)],
}
ROUTES['autograd'][3] = lambda: torch.autograd.grad((a.clone().requires_grad_(False) * 2).sum(), [])

@pytest.mark.parametrize('rule,i', [(r, i) for r, fs in ROUTES.items() for i in range(len(fs))])
def test_every_route_is_refused(rule, i):
    with pytest.raises(ShortcutError, match=r'this exercise asks for .*; your answer called `.+`'):
        with forbid(rule): ROUTES[rule][i]()

ALLOWED = {   # what each rule leaves alone: the pieces an exercise is built from
    'matmul': lambda: ((a[:, :, None] * b[None]).sum(1), torch.dot(a[0], b[:, 0]), torch.outer(a[:, 0], b[0]), a.T, a.sum(0)),
    'einsum': lambda: (torch.bmm(a[None], b[None]), a.permute(1, 0), a.reshape(12), torch.mm(a, b)),
    'autograd': lambda: (a * 2, a.clamp_min(0), a.requires_grad, torch.ones(2, requires_grad=False)),
    'cross_entropy': lambda: (x.exp().sum(1).log(), x.logsumexp(1), x[range(5), t], x.max(1)),
    'softmax': lambda: (x.exp() / x.exp().sum(1, keepdim=True),),
    'pool': lambda: (img.unfold(2, 2, 2).unfold(3, 2, 2).mean((-1, -2)), img.amax(-1)),
    'conv': lambda: (F.unfold(img, 3), img.unfold(2, 3, 1)),
    'init': lambda: (torch.empty(3, 4).normal_(0, 0.1), torch.empty(3, 4).uniform_(-1, 1)),
    'optim': lambda: (a.clone().add_(b.sum(), alpha=-0.1), torch.zeros(3).mul_(0.9)),
}

@pytest.mark.parametrize('rule', list(ALLOWED))
def test_allowed_code_runs_under_its_rule(rule):
    with forbid(rule): ALLOWED[rule]()

def test_report_names_the_call_as_written():
    cases = [('matmul', lambda: a @ b, 'Tensor.matmul (the `@` operator)'), ('matmul', lambda: torch.mm(a, b), 'torch.mm'),
             ('cross_entropy', lambda: nn.CrossEntropyLoss()(x, t), 'F.cross_entropy'),
             ('autograd', lambda: setattr(a.clone(), 'requires_grad', True), 'Tensor.requires_grad = ...'),
             ('autograd', lambda: torch.zeros(2, requires_grad=True), 'torch.zeros(..., requires_grad=True)'),
             ('optim', lambda: torch.optim.SGD([nn.Parameter(a)], lr=0.1), 'torch.optim'),
             (torch.logsumexp, lambda: x.logsumexp(1), 'Tensor.logsumexp')]
    for rule, f, called in cases:
        with pytest.raises(ShortcutError) as e:
            with forbid(rule): f()
        assert str(e.value).endswith(f'your answer called `{called}`'), str(e.value)

def test_a_caught_shortcut_is_raised_again_and_wrapping_works():
    def sneaky(a, b):
        try: return a @ b
        except Exception: return torch.zeros(3, 2)
    with pytest.raises(ShortcutError, match='matmul without'): forbid('matmul')(sneaky)(a, b)
    guarded = forbid('matmul')(lambda a, b: (a[:, :, None] * b[None]).sum(1))
    for _ in range(3): torch.testing.assert_close(guarded(a, b), a @ b)       # reusable, and nothing left behind
    a @ b
    assert sys.getprofile() is None

def test_guard_keeps_outer_modes_and_profile():
    with G.CountTorchCalls() as cc: forbid('matmul', 'optim')(lambda: a * b[:, 0].sum())()
    assert cc.n['mul'] == 1 and sys.getprofile() is None

def test_forbid_refuses_bad_rules():
    for bad, exc in [((), ValueError), (('matmull',), ValueError), ((3,), TypeError)]:
        with pytest.raises(exc): forbid(*bad)

# ---------------------------------------------------------------- helpers bound afresh, and verified
@pytest.mark.parametrize('where,name', [(fastcore.test, 'test_eq'), (torch, 'allclose'), (torch.testing, 'assert_close'),
                                        (builtins, 'abs'), (G.foundations.check, 'check_matmul'), (F, 'linear')])
def test_verify_finds_a_replaced_function(where, name):
    real = getattr(where, name)
    for fake in (lambda *args, **kwargs: True, functools.partial(lambda *args, **kwargs: True)):
        setattr(where, name, fake)
        try:
            with pytest.raises(TamperError, match=name): verify()
        finally: setattr(where, name, real)
    verify()

def test_verify_finds_an_added_method_and_a_removed_one():
    torch.Tensor.sneaky = lambda self: True
    try:
        with pytest.raises(TamperError, match='torch.Tensor.sneaky'): verify()
    finally: del torch.Tensor.sneaky
    real = torch.testing.assert_close
    del torch.testing.assert_close
    try:
        with pytest.raises(TamperError, match='assert_close'): verify()
    finally: torch.testing.assert_close = real

def test_import_star_binds_checked_helpers():
    ns = {}
    exec('test_eq = lambda *args: None\nfrom foundations.grading import *', ns)
    assert ns['test_eq'] is fastcore.test.test_eq and ns['forbid'] is forbid and ns['check_matmul'] is G.foundations.check.check_matmul
    fastcore.test.test_fail = lambda *args, **kwargs: None
    try:
        with pytest.raises(TamperError, match='fastcore.test.test_fail'): exec('from foundations.grading import *', {})
    finally: importlib_reload_fastcore()

def importlib_reload_fastcore():
    import importlib
    importlib.reload(fastcore.test)
    verify()

def test_module_names_cannot_be_replaced():
    for name in ('test_eq', 'forbid', 'verify', '__all__'):
        with pytest.raises(AttributeError, match='cannot be'): setattr(G, name, None)
        with pytest.raises(AttributeError, match='cannot be'): delattr(G, name)
    assert G.__all__[0] == 'test_eq' and 'test_eq' not in vars(G)     # served by __getattr__, which verifies

# ---------------------------------------------------------------- rubrics
def test_rubric_scores_parts_by_weight():
    r = Rubric(3)
    assert r.part('a', 1, lambda: None) and not r.part('b', 2, lambda: 1 / 0) and not r.part('c', 1, lambda: False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out): assert r.score() == 0.75
    assert 'failed: b: ZeroDivisionError' in out.getvalue() and '2 of 3 parts' not in out.getvalue()
    assert '1 of 3 parts passed' in out.getvalue()

def test_rubric_fails_whole_on_nothing_right_unanswered_shortcut_or_tampering():
    r = Rubric(2); r.part('a', 1, lambda: 1 / 0)
    with pytest.raises(AssertionError, match='0 of 2 points'): r.score()
    for exc in (NotImplementedError, ShortcutError, TamperError):
        def boom(): raise exc('x')
        with pytest.raises(exc): Rubric(2).part('a', 1, boom)
    with pytest.raises(ValueError): Rubric(0)
    with pytest.raises(ValueError): Rubric(1).score()

def test_rubric_refuses_hard_coding_but_not_partial_answers():
    def rubric(public, fresh):
        r = Rubric(4)
        for ok in public: r.part('published', 1, lambda ok=ok: ok)
        G.grading_rng()
        for ok in fresh: r.part('fresh', 1, lambda ok=ok: ok)
        return r
    with pytest.raises(AssertionError, match='hard-coded'): rubric([True, True], [False, False]).score()
    with contextlib.redirect_stdout(io.StringIO()):
        assert rubric([True, False], [False, False]).score() == 1      # honest and partly wrong: partial credit
        assert rubric([True, True], [True, False]).score() == 3
    r = Rubric(2); r.part('published', 1, lambda: True); r.part('draws itself', 1, lambda: G.grading_rng() and False)
    with pytest.raises(AssertionError, match='hard-coded'): r.score()

def test_grading_rng_fresh_or_from_the_course_seed(monkeypatch):
    monkeypatch.delenv('FOUNDATIONS_GRADING_SEED', raising=False)
    assert len({G.grading_rng().initial_seed() for _ in range(5)}) == 5
    monkeypatch.setenv('FOUNDATIONS_GRADING_SEED', '42')
    G._draws[0] = 0; one = [torch.randn(3, generator=G.grading_rng()) for _ in range(3)]
    G._draws[0] = 0; two = [torch.randn(3, generator=G.grading_rng()) for _ in range(3)]
    for u, v in zip(one, two): torch.testing.assert_close(u, v)
    assert not torch.equal(one[0], one[1])

# ---------------------------------------------------------------- reading answers
FLAGGED = ['test_eq = lambda *a: None', 'def check_matmul(*a): return True', 'class CountTorchCalls: pass',
           'torch.allclose = lambda *a, **k: True', 'F.cross_entropy = None', 'del torch.matmul',
           'torch.Tensor.__matmul__ = lambda s, o: 0', 'import sys', 'from importlib import reload', 'import builtins',
           'exec("x = 1")', 'eval("1")', 'setattr(torch, "mm", None)', 'globals()["test_eq"] = print',
           'get_ipython().events.register("pre_run_cell", print)', 'f.__code__ = g.__code__',
           'import os\nos.environ["FOUNDATIONS_GRADING_SEED"] = "1"', 'def f():\n    global test_eq\n    test_eq = 1',
           'from torch.overrides import TorchFunctionMode', 'torch._C._disabled_torch_function_impl',
           'm1 = torch.zeros(5, 784)', 'for test_fail in []: pass', 'a, (assert_close, c) = 1, (2, 3)',
           'import numpy as test_eq', '__builtins__["len"] = None']

@pytest.mark.parametrize('src', FLAGGED)
def test_scan_flags_what_could_switch_tests_off(src):
    assert scan_answer(src, protected={'m1'}), src

HONEST = ['def matmul_dot(a, b):\n    c = a.new_zeros(a.shape[0], b.shape[1])\n    c[0, 0] = 1\n    return c',
          'import torch\nimport torch.nn.functional as F\nfrom torch import nn\nimport math',
          'from foundations.check import check_matmul\nfrom foundations.grading import *',
          'class Lin(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.w = nn.Parameter(torch.zeros(2))',
          'a, b = torch.randn(3, 4), torch.randn(4, 2)\nx = a.sum()', 'def relu_grad(inp, out): inp.g = (inp > 0) * out.g',
          'def f(x):\n    d = {}\n    d["k"] = x\n    return d', 'syntax error here (', 'w[0] = 1.']

@pytest.mark.parametrize('src', HONEST)
def test_scan_passes_honest_answers(src):
    assert scan_answer(src, protected={'m1'}) == [], scan_answer(src, protected={'m1'})

def _chapter(name):
    return course_notebook(json.loads((root/'nbs'/f'{name}.ipynb').read_text(encoding='utf-8')), f'{name}.ipynb')

def test_protected_names_are_read_by_tests_and_bound_by_locked_cells():
    names = G.protected_names(_chapter('01_matmul')['cells'])
    assert {'test_eq', 'check_matmul'} <= names
    assert not {'a', 'b', 'x', 'w', 'res', 'out', 'i', 'j'} & names

@pytest.mark.parametrize('name', sorted(p.stem for p in (root/'exercises').glob('[0-9]*.ipynb')))
def test_reference_solutions_and_their_sheets_are_not_flagged(name):
    src = _chapter(name)
    released = student_notebook(src)[0]
    assert tamper_report(released, released) == []
    answers = {c['metadata']['nbgrader']['grade_id']: c['source'] for c in src['cells']
               if c['metadata'].get('nbgrader', {}).get('solution')}
    solved = json.loads(json.dumps(released))
    for c in solved['cells']:
        if c['metadata'].get('nbgrader', {}).get('solution'): c['source'] = answers[c['metadata']['nbgrader']['grade_id']]
    assert tamper_report(released, solved) == [], 'the reference answers are honest'

def test_tamper_report_lists_edits_deletions_and_flagged_cells():
    released = student_notebook(_chapter('01_matmul'))[0]
    sub = json.loads(json.dumps(released))
    meta = lambda c: c['metadata'].get('nbgrader', {})
    tests = [c for c in sub['cells'] if meta(c).get('grade')]
    locked = [c for c in sub['cells'] if meta(c).get('locked') and not meta(c).get('grade')]
    sub['cells'].remove(tests[0]); tests[1]['source'] = 'pass'; locked[0]['source'] = '# gone'
    tests[2]['source'] = '\n\n' + ''.join(tests[2]['source']).replace(' ', '  ')        # layout only: not an edit
    sub['cells'].append({'cell_type': 'code', 'metadata': {}, 'source': 'test_eq = print', 'outputs': []})
    got = tamper_report(released, sub)
    assert any(l.endswith(': deleted') and meta(tests[0])['grade_id'] in l for l in got)
    assert any(l == f"test cell {meta(tests[1])['grade_id']}: edited" for l in got)
    assert any(l == f"locked cell {meta(locked[0])['grade_id']}: edited" for l in got)
    assert not any(meta(tests[2])['grade_id'] in l for l in got)
    assert any(l.startswith('added cell') and 'test_eq' in l for l in got)
    assert len(got) == 4

# ---------------------------------------------------------------- nbgrader's part
def test_course_config_loads_the_plugins():
    from traitlets.config import PyFileConfigLoader
    cfg = PyFileConfigLoader('nbgrader_config.py', path=str(root/'course')).load_config()
    auto = [p.__name__ for p in cfg.Autograde.autograde_preprocessors]
    assert auto[:2] == ['Execute', 'GuardAnswers']
    assert 'QuietOverwriteCells' in [p.__name__ for p in cfg.Autograde.sanitize_preprocessors]

def test_guard_answers_zeroes_the_tests_after_a_flagged_cell():
    import nbformat
    GuardAnswers = G.nbgrader_plugins()['GuardAnswers']
    cell = lambda src, **m: nbformat.v4.new_code_cell(src, metadata={'nbgrader': m} if m else {})
    nb = nbformat.v4.new_notebook(cells=[
        cell('from fastcore.test import test_eq', locked=True, grade_id='setup'),
        cell('def f(): return 1', solution=True, grade_id='f'), cell('test_eq(f(), 1)', grade=True, grade_id='f_t', points=1),
        cell('def g(): return 2\ntest_eq = lambda *a: None', solution=True, grade_id='g'),
        cell('test_eq(g(), 2)', grade=True, grade_id='g_t', points=1), cell('test_eq(1, 1)', grade=True, grade_id='h_t', points=1)])
    nb.cells[-1].outputs = [nbformat.v4.new_output('execute_result', data={'text/plain': '0.5'}, execution_count=1)]
    nb, _ = GuardAnswers().preprocess(nb, {})
    from nbgrader.utils import determine_grade
    assert determine_grade(nb.cells[-1])[0] == 0          # a rubric's partial credit does not survive the flag
    errors = {c.metadata['nbgrader']['grade_id']: [o for o in c.get('outputs', []) if o.output_type == 'error'] for c in nb.cells}
    assert errors['f_t'] == [] and errors['g_t'] and errors['h_t']
    assert 'defines `test_eq`' in errors['g_t'][0].evalue and 'could switch tests off' in errors['g_t'][0].evalue

def test_helpers_verify_in_a_jupyter_kernel():
    "A kernel rebinds some builtins for every cell it runs (`input`, `getpass`): not tampering; a lambda is."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in [
        'from foundations.grading import *', 'x = 1', 'from foundations.grading import *\ntest_eq(x, 1)',
        'import torch; torch.allclose = lambda *a, **k: True', 'from foundations.grading import *']])
    NotebookClient(nb, timeout=120, kernel_name='python3', allow_errors=True).execute()
    errors = [[o.ename for o in c.outputs if o.output_type == 'error'] for c in nb.cells]
    assert errors == [[], [], [], [], ['TamperError']], errors

def test_a_plain_python_function_as_a_rule_is_watched():
    "`torch.broadcast_shapes` and a chapter's own functions never reach PyTorch's dispatch: the profiling hook sees them."
    def helper(v): return v + 1
    def answer(v): return helper(v)
    for rule, f, called in [(torch.broadcast_shapes, lambda: torch.broadcast_shapes((2, 1), (3,)), 'torch.broadcast_shapes'),
                            (helper, lambda: answer(1), 'helper')]:
        with pytest.raises(ShortcutError, match=f'your answer called `{called}`'):
            with forbid(rule): f()
    with forbid(helper): answer.__call__ and (lambda v: v * 2)(3)          # other functions run freely
    assert sys.getprofile() is None

def test_grad_mode_is_restored_and_functional_optimizers_refused():
    p = nn.Parameter(torch.randn(3)); p.grad = torch.ones(3)
    with pytest.raises(ShortcutError, match='clip_grad_norm_'):
        with forbid(torch.nn.utils.clip_grad_norm_): torch.nn.utils.clip_grad_norm_([p], 1.)
    with pytest.raises(ShortcutError, match='torch.optim.sgd.sgd'):
        with forbid('optim'), torch.no_grad(): importlib.import_module('torch.optim.sgd').sgd([p.data], [p.grad], [None], weight_decay=0., momentum=0.,
                                                                    lr=0.1, dampening=0., nesterov=False, maximize=False)
    assert torch.is_grad_enabled()

def test_guard_adds_no_call_of_its_own():
    "A test that counts every PyTorch call an answer makes (CountTorchCalls around forbid) sees the answer's calls only."
    with G.CountTorchCalls() as cc:
        with forbid('matmul', 'optim'): pass
    assert not cc.n, cc.n
    with G.CountTorchCalls() as cc:
        with pytest.raises(ShortcutError):
            with forbid(torch.nn.utils.clip_grad_norm_):
                with torch.no_grad(): torch.nn.utils.clip_grad_norm_([nn.Parameter(torch.ones(2))], 1.)
    assert torch.is_grad_enabled() and set(cc.n) <= {'ones', '__get__', '_set_grad_enabled'}, cc.n
