"""foundations.check: every checker passes PyTorch's own functions, and fails (returns False, never raises) on each
kind of wrong answer with a precise report on standard output: the case, the call, what differs (shape, dtype,
values, not a tensor, an exception), the expected and the actual tensor, and the largest difference and where it is.
Also the realistic mistakes each case catalogue is there to catch, the checkers' options and refusals, the report
helpers, and that no checker touches the global random state or the caller's tensors."""
import contextlib, io, math, re, string
import numpy as np
import pytest, torch
import torch.nn.functional as F
from torch import nn
from hypothesis import HealthCheck, given, settings, strategies as st
from foundations import check
from foundations.check import (check_matmul, check_broadcast_shape, check_einsum, check_relu_grad, check_lin_grad,
                               check_mse_grad, check_init, check_linear_layer)

# the autouse seed fixture of conftest.py runs once per test, not per example: harmless, the checkers draw their
# cases from their own generators
checks = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
few = settings(checks, max_examples=10)          # for check_init, which draws 50,000 numbers per call
CHECKERS = [check_matmul, check_broadcast_shape, check_einsum, check_relu_grad, check_lin_grad, check_mse_grad,
            check_init, check_linear_layer]


# ---------------------------------------------------------------- running a checker and reading its report
def run(checker, *args, **kwargs):
    "What `checker(*args, **kwargs)` returns (a bool) and prints; nothing may go to standard error."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err): res = checker(*args, **kwargs)
    assert err.getvalue() == '', err.getvalue()
    assert type(res) is bool
    return res, out.getvalue()

def report(out):
    "The parts of a failure report: checker, case number, number of cases, label, the call, and the lines after it."
    lines = out.rstrip('\n').split('\n')
    m = re.fullmatch(r'(check_\w+): case (\d+) of (\d+) failed \((.*)\)', lines[0])
    assert m, out
    assert lines[1].startswith('  called: '), out
    assert all(l.startswith('  ') for l in lines[2:]), out
    return dict(checker=m[1], case=int(m[2]), n=int(m[3]), label=m[4], called=lines[1][len('  called: '):],
                body=[l[2:] for l in lines[2:]])

def failing(checker, *args, **kwargs):
    "The report of a checker that must fail."
    res, out = run(checker, *args, **kwargs)
    assert res is False, out
    return report(out)

def passing(checker, *args, **kwargs):
    "Run a checker that must pass; the one line it prints."
    res, out = run(checker, *args, **kwargs)
    assert res is True, out
    return out

class ObjectWithBadRepr:
    def __repr__(self): raise RuntimeError('no repr')

def desc(t): return f"{str(t.dtype).removeprefix('torch.')} {tuple(t.shape)}"
def g4(v): return f'{v:.4g}'

def max_diff(exp, act):
    "Largest absolute difference (NaN counted as infinite) and its index, by brute force."
    d = (act.detach().double() - exp.detach().double()).abs().nan_to_num(nan=math.inf)
    flat = int(d.flatten().argmax())
    return d.flatten()[flat].item(), tuple(int(i) for i in np.unravel_index(flat, tuple(d.shape)))

def diff_line(exp, act):
    d, idx = max_diff(exp, act)
    return f'  max abs difference: {g4(d)} at index {idx} (expected {g4(exp[idx].item())}, got {g4(act[idx].item())})'

def assert_both(body, exp, act):
    "The `expected:` and `actual:` lines name dtype and shape and start with the first value."
    assert body[1].startswith(f'  expected: {desc(exp)} [{g4(exp.flatten()[0].item())}'), body
    assert body[2].startswith(f'  actual:   {desc(act)} [{g4(act.flatten()[0].item())}'), body


# ---------------------------------------------------------------- the subjects: a spy per tensor checker
# Each spy computes the right answer with PyTorch, passes it through `wrong`, and records the call, what was
# expected and what it gave, so that a test can say exactly what the report must contain.
NOT_SET = object()

def _grads(f, *ts, upstream=None):
    ts = [t.detach().clone().requires_grad_() for t in ts]
    f(*ts).backward(upstream)
    return [t.grad for t in ts]

def make_matmul(wrong):
    calls = []
    def my_fn(a, b):
        c = dict(called=f'my_fn(a, b) with a: {desc(a)}, b: {desc(b)}', exp=torch.matmul(a, b)); calls.append(c)
        c['act'] = wrong(c['exp'].clone())
        return c['act']
    return my_fn, calls

def make_einsum(wrong):
    calls = []
    def my_fn(spec, *ops):
        c = dict(called=f"my_fn({spec!r}, {', '.join(desc(o) for o in ops)})", exp=torch.einsum(spec, *ops))
        calls.append(c)
        c['act'] = wrong(c['exp'].clone())
        return c['act']
    return my_fn, calls

def make_relu(wrong):
    calls = []
    def my_fn(inp, out):
        c = dict(called=f'my_fn(inp, out) with inp: {desc(inp)}, out.g: {desc(out.g)}',
                 exp=_grads(torch.relu, inp, upstream=out.g)[0]); calls.append(c)
        c['act'] = wrong(c['exp'].clone())
        if c['act'] is not NOT_SET: inp.g = c['act']
    return my_fn, calls

def make_lin(which):
    def make(wrong):
        calls = []
        def my_fn(inp, out, w, b):
            c = dict(called=f'my_fn(inp, out, w, b) with inp: {desc(inp)}, w: {desc(w)}, b: {desc(b)}, out.g: {desc(out.g)}')
            calls.append(c)
            grads = dict(zip(['inp', 'w', 'b'], _grads(lambda x, w, b: x @ w + b, inp, w, b, upstream=out.g)))
            c['exp'] = grads[which]
            c['act'] = grads[which] = wrong(grads[which].clone())
            for nm, t in zip(['inp', 'w', 'b'], [inp, w, b]):
                if grads[nm] is not NOT_SET: t.g = grads[nm]
        return my_fn, calls
    return make

def make_mse(wrong):
    calls = []
    def my_fn(inp, targ):
        c = dict(called=f'my_fn(inp, targ) with inp: {desc(inp)}, targ: {desc(targ)}',
                 exp=_grads(lambda x: ((x.squeeze(-1) - targ) ** 2).mean(), inp)[0]); calls.append(c)
        c['act'] = wrong(c['exp'].clone())
        if c['act'] is not NOT_SET: inp.g = c['act']
    return my_fn, calls

def make_layer(wrong):
    calls = []
    class MyLayer(nn.Linear):
        def forward(self, x):
            exp = F.linear(x, self.weight, self.bias)
            c = dict(called=f'MyLayer({self.in_features}, {self.out_features})', x=x, exp=exp.detach()); calls.append(c)
            c['act'] = wrong(exp.clone())
            return c['act']
    return MyLayer, calls

class Subject:
    def __init__(self, checker, make, n, what, raises_as=None, g=False, id='', rect=True):
        "`rect`: the answer of the first case is a matrix that is not square."
        self.checker, self.make, self.n, self.what, self.g, self.rect = checker, make, n, what, g, rect
        self.raises_as, self.id = raises_as or (lambda c: 'the call'), id
    def __repr__(self): return self.checker.__name__ + (f'-{self.id}' if self.id else '')

SUBJECTS = [Subject(check_matmul, make_matmul, 7, lambda c: 'result'),
            Subject(check_einsum, make_einsum, 19, lambda c: 'result'),
            Subject(check_relu_grad, make_relu, 4, lambda c: 'inp.g', g=True),
            Subject(check_lin_grad, make_lin('inp'), 5, lambda c: 'inp.g', g=True, id='inp'),
            Subject(check_lin_grad, make_lin('w'), 5, lambda c: 'w.g', g=True, id='w', rect=False),
            Subject(check_lin_grad, make_lin('b'), 5, lambda c: 'b.g', g=True, id='b', rect=False),
            Subject(check_mse_grad, make_mse, 4, lambda c: 'inp.g', g=True),
            Subject(check_linear_layer, make_layer, 4, lambda c: f"layer(x) with x: {desc(c['x'])}",
                    raises_as=lambda c: f"layer(x) with x: {desc(c['x'])}")]

def bump(t):
    "`t` with its last value moved by 2.5 (3 for integers)."
    t = t.detach().clone()
    t[tuple(s - 1 for s in t.shape)] += 2.5 if t.is_floating_point() else 3
    return t

def with_nan(t):
    t = t.detach().clone()
    t[tuple(s - 1 for s in t.shape)] = math.nan
    return t

def boom(t): raise ValueError('wrong on purpose')


@pytest.mark.parametrize('subject', SUBJECTS, ids=repr)
def test_passes_pytorchs_answer_on_every_case(subject):
    fn, calls = subject.make(lambda t: t)
    out = passing(subject.checker, fn)
    assert out == f'{subject.checker.__name__}: all {subject.n} cases passed\n'
    assert len(calls) >= subject.n
    assert passing(subject.checker, subject.make(lambda t: t)[0], verbose=False) == ''


# kind of mistake -> (wrong, check of the report's lines after `called:`)
def shape_report(hint):
    def check_(body, what, exp, act):
        assert body[0] == f'{what}: shapes differ, expected {tuple(exp.shape)}, got {tuple(act.shape)}'
        assert_both(body, exp, act)
        assert body[3] == '  max abs difference: ' + hint(exp), body[3]
        assert len(body) == 4
    return check_

def dtype_report(body, what, exp, act):
    assert body[0] == f'{what}: dtypes differ, expected {exp.dtype}, got {act.dtype}'
    assert_both(body, exp, act)
    agree = torch.allclose(act.double(), exp.double(), rtol=1e-4, atol=1e-5)
    assert body[3] == ('  max abs difference: 0; the values agree, only the dtype differs' if agree else diff_line(exp, act))

def values_report(body, what, exp, act):
    assert body == [f'{what}: values differ', *body[1:3], diff_line(exp, act)]
    assert_both(body, exp, act)

def not_a_tensor_report(got):
    def check_(body, what, exp, act):
        assert len(body) == 1 and body[0].startswith(f'{what}: expected a tensor {desc(exp)}, got {got}'), body
    return check_

RESHAPE_HINT = 'the right values in the wrong shape; broadcasting would hide this, check your reshapes'
KINDS = {
    'one dimension more': (lambda t: t.unsqueeze(0), shape_report(
        lambda e: f'0 after reshaping to {tuple(e.shape)}: {RESHAPE_HINT}')),
    'first row only': (lambda t: t[:1], shape_report(
        lambda e: f'not defined for different shapes; it broadcasts to {tuple(e.shape)}, so arithmetic with it would run without an error')),
    'twice the values': (lambda t: torch.cat([t, t]), shape_report(lambda e: 'not defined for different shapes')),
    'float64': (lambda t: t.double(), dtype_report),
    'float64 and off by one': (lambda t: (t + 1).double(), dtype_report),
    'one value off': (bump, values_report),
    'a NaN': (with_nan, values_report),
    'a list': (lambda t: t.tolist(), not_a_tensor_report('list: [')),
    'None': (lambda t: None, not_a_tensor_report('NoneType: None')),
    'a NumPy array': (lambda t: t.detach().numpy(), not_a_tensor_report('ndarray: array(')),
}

@pytest.mark.parametrize('kind', list(KINDS))
@pytest.mark.parametrize('subject', SUBJECTS, ids=repr)
def test_each_kind_of_wrong_answer_gets_a_precise_report(subject, kind):
    wrong, check_body = KINDS[kind]
    fn, calls = subject.make(wrong)
    r = failing(subject.checker, fn)
    assert (r['checker'], r['case'], r['n']) == (subject.checker.__name__, 1, subject.n)
    c = calls[0]
    assert r['called'] == c['called']
    check_body(r['body'], subject.what(c), c['exp'], c['act'])


@pytest.mark.parametrize('subject', [s for s in SUBJECTS if s.rect], ids=repr)
def test_a_transposed_answer_is_recognised(subject):
    fn, calls = subject.make(lambda t: t.T)
    r = failing(subject.checker, fn)
    c = calls[0]
    assert c['exp'].dim() == 2 and c['exp'].shape[0] != c['exp'].shape[1]
    shape_report(lambda e: 'not defined for different shapes; the result is the transpose of the expected one')(
        r['body'], subject.what(c), c['exp'], c['act'])


@pytest.mark.parametrize('subject', SUBJECTS, ids=repr)
def test_an_exception_is_reported_not_raised(subject):
    fn, calls = subject.make(boom)
    r = failing(subject.checker, fn)
    assert r['case'] == 1 and r['called'] == calls[0]['called']
    assert r['body'] == [f"{subject.raises_as(calls[0])} raised ValueError: wrong on purpose"]


@pytest.mark.parametrize('subject', [s for s in SUBJECTS if s.g], ids=repr)
def test_a_gradient_never_stored_is_reported(subject):
    fn, calls = subject.make(lambda t: NOT_SET)
    r = failing(subject.checker, fn)
    name = subject.what(calls[0])[:-2]
    assert r['case'] == 1 and r['body'] == [f'{name}.g was not set: store the gradient in {name}.g']


@checks
@given(st.data())
def test_the_report_names_the_first_case_that_fails(data):
    "Wrong on one case only, whichever: every case before it passes and the report names that case and call."
    subject = data.draw(st.sampled_from(SUBJECTS[:-1]), label='subject')      # one call per case
    k = data.draw(st.integers(1, subject.n), label='case')
    wrong = data.draw(st.sampled_from([bump, lambda t: t.double(), lambda t: t.unsqueeze(0)]), label='wrong')
    seen = []
    def once(t):
        seen.append(t)
        return wrong(t) if len(seen) == k else t
    fn, calls = subject.make(once)
    r = failing(subject.checker, fn)
    assert (r['case'], r['n']) == (k, subject.n)
    assert len(calls) == k and r['called'] == calls[-1]['called']


@pytest.mark.parametrize('checker, fn', [
    (check_matmul, lambda a, b: ObjectWithBadRepr()),
    (check_einsum, lambda spec, *ops: ObjectWithBadRepr()),
    (check_relu_grad, lambda inp, out: setattr(inp, 'g', ObjectWithBadRepr())),
])
def test_a_check_that_itself_breaks_is_reported(checker, fn):
    "Even a result whose description raises does not crash the checker."
    r = failing(checker, fn)
    assert r['case'] == 1 and r['body'] == ['checking the result raised RuntimeError: no repr']


# odd results of every kind: a report, never an exception
ODD = [None, 'text', 3.0, [], (1, 2), {'a': 1}, ObjectWithBadRepr(), np.zeros(3), torch.tensor(1.), torch.zeros(0),
       torch.zeros(3, 2, dtype=torch.complex64), torch.ones(3, 2, dtype=torch.bool), torch.full((3, 2), math.inf),
       torch.zeros(3, 2, dtype=torch.float16), torch.zeros(2, 3, 4)]

@pytest.mark.parametrize('odd', ODD, ids=lambda o: type(o).__name__)
@pytest.mark.parametrize('subject', SUBJECTS, ids=repr)
def test_odd_results_give_a_report_not_a_crash(subject, odd):
    r = failing(subject.checker, subject.make(lambda t: odd)[0])
    assert r['case'] == 1 and r['body']

@pytest.mark.parametrize('odd', ODD, ids=lambda o: type(o).__name__)
def test_odd_shapes_give_a_report_not_a_crash(odd):
    r = failing(check_broadcast_shape, lambda *shapes: odd)
    assert r['case'] == 1 and r['body']


# ---------------------------------------------------------------- check_matmul
def matmul_ref(a, b):
    if a.shape[1] != b.shape[0]: raise ValueError(f'cannot multiply {tuple(a.shape)} by {tuple(b.shape)}')
    return a @ b

def test_matmul_passes_pytorch():
    assert passing(check_matmul, torch.matmul) == 'check_matmul: all 7 cases passed\n'
    passing(check_matmul, torch.mm)
    passing(check_matmul, lambda a, b: torch.einsum('ik,kj->ij', a, b))
    passing(check_matmul, lambda a, b: (a[:, :, None] * b[None]).sum(1))
    assert passing(check_matmul, matmul_ref, errors=True) == 'check_matmul: all 8 cases passed\n'

def test_matmul_errors_needs_a_value_error():
    r = failing(check_matmul, torch.matmul, errors=True)
    assert (r['case'], r['n'], r['label']) == (8, 8, 'inner dimensions differ')
    assert r['called'] == 'matmul(a, b) with a: float32 (2, 3), b: float32 (4, 5)'
    assert r['body'][0].startswith('the call should raise ValueError, raised RuntimeError: ')
    def matmul_assert(a, b):
        if a.shape[1] != b.shape[0]: raise AssertionError('shapes')
        return a @ b
    assert failing(check_matmul, matmul_assert, errors=True)['body'] == [
        'the call should raise ValueError, raised AssertionError: shapes']
    passing(check_matmul, matmul_assert)                    # without errors=True, mismatched shapes are not tried
    def matmul_pad(a, b):
        if a.shape[1] != b.shape[0]: return torch.zeros(a.shape[0], b.shape[1])
        return a @ b
    assert failing(check_matmul, matmul_pad, errors=True)['body'] == [
        'the call should raise ValueError, returned float32 (2, 5)']

def matmul_float_buffer(a, b):
    c = torch.zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]): c[i] = (a[i, :, None] * b).sum(0)
    return c

@pytest.mark.parametrize('fn, case, fragment', [
    (matmul_float_buffer, 7, 'result: dtypes differ, expected torch.int64, got torch.float32'),
    (lambda a, b: b.T @ a.T, 1, 'the result is the transpose of the expected one'),
    (lambda a, b: a @ b.T if a.shape[1] == b.shape[0] == b.shape[1] else a @ b, 4, 'result: values differ'),
    (lambda a, b: (a[:, :, None] * b[None]).sum(1).squeeze(), 2, 'shapes differ, expected (1, 1), got ()'),
    (lambda a, b: a @ b if a.numel() > 1 else a * b + 1, 5, 'values differ'),                     # 1x1 @ 1x1
    (lambda a, b: (a @ b)[:, :8] if b.shape[1] == 10 else a @ b, 6, 'shapes differ, expected (5, 10), got (5, 8)'),
])
def test_matmul_cases_catch_realistic_mistakes(fn, case, fragment):
    "Each awkward case is there for a mistake that the ordinary ones let through."
    r = failing(check_matmul, fn)
    assert r['case'] == case and fragment in '\n'.join(r['body'])

def test_matmul_gets_copies_and_keeps_its_cases():
    "A function that scribbles on its inputs still gets the right cases, and the check gives the same verdict twice."
    def matmul_scribble(a, b):
        c = a @ b
        a.zero_(); b.fill_(7)
        return c
    assert passing(check_matmul, matmul_scribble) == passing(check_matmul, matmul_scribble)


# ---------------------------------------------------------------- check_broadcast_shape
def torch_bcast(*shapes):
    try: return torch.broadcast_shapes(*shapes)
    except RuntimeError as e: raise ValueError(str(e)) from None

def test_broadcast_shape_passes_pytorch_raising_value_error():
    assert passing(check_broadcast_shape, torch_bcast) == 'check_broadcast_shape: all 14 cases passed\n'
    passing(check_broadcast_shape, lambda *s: tuple(torch_bcast(*s)))      # any tuple with the right sizes

def test_broadcast_shape_reports():
    r = failing(check_broadcast_shape, torch.broadcast_shapes)
    assert (r['case'], r['n'], r['label']) == (10, 14, '(3,) and (4,) do not broadcast')
    assert r['called'] == 'broadcast_shapes((3,), (4,))'
    assert r['body'][0].startswith('the call should raise ValueError, raised RuntimeError: ')
    r = failing(check_broadcast_shape, lambda *s: torch.Size([4]) if s == ((3,), (4,)) else torch_bcast(*s))
    assert r['case'] == 10 and r['body'] == ['the call should raise ValueError, returned torch.Size([4])']
    r = failing(check_broadcast_shape, lambda *s: list(torch_bcast(*s)))
    assert (r['case'], r['called'], r['body']) == (1, 'fn((2, 3), (3,))', ['expected a tuple or torch.Size (2, 3), got list: [2, 3]'])
    r = failing(check_broadcast_shape, lambda *s: s[0][-1] if () in s else torch_bcast(*s))
    assert (r['case'], r['label']) == (3, '() and (2, 3)')
    assert r['body'] == ['the call raised IndexError: tuple index out of range']

def bcast_left(*shapes):
    n = max(map(len, shapes))
    return torch.Size(max(col) for col in zip(*[tuple(s) + (1,) * (n - len(s)) for s in shapes]))

def bcast_max(*shapes):
    n = max(map(len, shapes))
    return torch.Size(max(col) for col in zip(*[(1,) * (n - len(s)) + tuple(s) for s in shapes]))

@pytest.mark.parametrize('fn, case, line', [
    (bcast_left, 1, 'expected (2, 3), got (3, 3)'),
    (bcast_max, 6, 'expected (0,), got (1,)'),
    (lambda *s: bcast_max(*s) if 0 not in sum(s, ()) else torch_bcast(*s), 10, 'the call should raise ValueError, returned torch.Size([4])'),
    (lambda *s: torch_bcast(*s[:2]), 8, 'expected (2, 3, 1), got (3, 1)'),              # three shapes
])
def test_broadcast_shape_cases_catch_realistic_mistakes(fn, case, line):
    r = failing(check_broadcast_shape, fn)
    assert r['case'] == case and r['body'] == [line]

@checks
@given(st.integers(1, 14), st.sampled_from(['wrong size', 'raises', 'list']))
def test_broadcast_shape_report_names_the_failing_case(k, how):
    seen = []
    def fn(*shapes):
        seen.append(shapes)
        if len(seen) != k: return torch_bcast(*shapes)
        if how == 'raises': raise KeyError('k')
        if k > 9: return torch.Size([1])                     # a shape where an error was due
        res = torch_bcast(*shapes)
        return list(res) if how == 'list' else torch.Size([*res, 1])
    r = failing(check_broadcast_shape, fn)
    assert r['case'] == k and r['called'] == f'fn{seen[-1]}'
    assert r['label'].startswith(' and '.join(map(str, seen[-1])))


# ---------------------------------------------------------------- check_einsum
def test_einsum_passes_pytorch_and_takes_specs():
    assert passing(check_einsum, torch.einsum) == 'check_einsum: all 19 cases passed\n'
    assert passing(check_einsum, torch.einsum, specs=['ik,kj->ij', ('i,i->', [(1,), (1,)])]) == \
        'check_einsum: all 2 cases passed\n'
    r = failing(check_einsum, lambda spec, *ops: torch.einsum(spec, *ops).T, specs=['bi,bj->ij'])
    assert (r['n'], r['label'], r['called']) == (1, 'bi,bj->ij', "fn('bi,bj->ij', float32 (2, 3), float32 (2, 4))")

def einsum_appearance(spec, *ops):
    if '->' not in spec:
        letters = spec.replace(',', '')
        spec += '->' + ''.join(c for c in dict.fromkeys(letters) if letters.count(c) == 1)
    return torch.einsum(spec, *ops)

@pytest.mark.parametrize('fn, case, fragment', [
    (einsum_appearance, 15, 'the result is the transpose of the expected one'),
    (lambda spec, a, b=None: torch.einsum(spec, a) if b is None else torch.einsum(spec, a, b), 16, 'raised TypeError'),
    (lambda spec, *ops: torch.einsum(spec, *ops) / (ops[0].shape[-1] if ',' in spec else 1), 1, 'values differ'),
    (lambda spec, *ops: torch.einsum(spec, *[o.float() for o in ops]), 19, 'the values agree, only the dtype differs'),
    (lambda spec, *ops: torch.einsum(spec.replace('ii->i', 'ij->i'), *ops), 13, 'values differ'),      # the diagonal
    (lambda spec, *ops: torch.einsum(spec, *ops) if '...' not in spec else ops[0] @ ops[1] + 1, 18, 'values differ'),
])
def test_einsum_cases_catch_realistic_mistakes(fn, case, fragment):
    r = failing(check_einsum, fn)
    assert r['case'] == case and fragment in '\n'.join(r['body'])

def test_einsum_shapes_examples():
    assert check._einsum_shapes('ik,kj->ij') == [(2, 3), (3, 4)]
    assert check._einsum_shapes('...ij,j->...i') == [(2, 2, 3), (3,)]
    assert check._einsum_shapes('ii') == [(2, 2)]

@checks
@given(st.lists(st.text(string.ascii_lowercase[:6], min_size=1, max_size=4), min_size=1, max_size=3), st.booleans())
def test_einsum_shapes_fit_the_spec(terms, ellipsis):
    "Every letter gets one size, all different and at least 2, and torch.einsum accepts the shapes."
    terms = ['...' + t for t in terms] if ellipsis else terms
    spec = ','.join(terms)
    shapes = check._einsum_shapes(spec)
    assert len(shapes) == len(terms)
    sizes = {}
    for t, s in zip(terms, shapes):
        letters = t.replace('...', '')
        assert len(s) == len(letters) + (1 if ellipsis else 0)
        for c, n in zip(letters, s[1:] if ellipsis else s): assert sizes.setdefault(c, n) == n
    assert sorted(sizes.values()) == list(range(2, 2 + len(sizes)))
    torch.einsum(spec, *[torch.zeros(s) for s in shapes])


# ---------------------------------------------------------------- gradients: realistic mistakes
def relu_grad(inp, out): inp.g = (inp > 0).float() * out.g
def lin_grad(inp, out, w, b): inp.g, w.g, b.g = out.g @ w.T, inp.T @ out.g, out.g.sum(0)
def mse_grad(inp, targ): inp.g = 2. * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]

def test_hand_written_gradients_pass():
    assert passing(check_relu_grad, relu_grad) == 'check_relu_grad: all 4 cases passed\n'
    assert passing(check_lin_grad, lin_grad) == 'check_lin_grad: all 5 cases passed\n'
    assert passing(check_mse_grad, mse_grad) == 'check_mse_grad: all 4 cases passed\n'

def set_g(f):
    "A `.g`-style gradient function that stores `f(*args)` in the first argument's `.g`."
    return lambda *args: setattr(args[0], 'g', f(*args))

@pytest.mark.parametrize('checker, fn, case, first_line', [
    (check_relu_grad, set_g(lambda inp, out: (inp > 0).float()), 1, 'inp.g: values differ'),
    (check_relu_grad, set_g(lambda inp, out: (out.g > 0).float() * out.g), 1, 'inp.g: values differ'),
    (check_relu_grad, set_g(lambda inp, out: ((inp > 0) * out.g).sum(0, keepdim=True)), 1,
     'inp.g: shapes differ, expected (4, 3), got (1, 3)'),
    (check_relu_grad, set_g(lambda inp, out: ((inp > 0) * out.g).reshape(-1, inp.shape[-1])), 4,
     'inp.g: shapes differ, expected (6,), got (1, 6)'),
    (check_lin_grad, lambda inp, out, w, b: (lin_grad(inp, out, w, b), setattr(inp, 'g', out.g @ w)), 1, 'inp.g: values differ'),
    (check_lin_grad, lambda inp, out, w, b: (lin_grad(inp, out, w, b), setattr(w, 'g', out.g.T @ inp)), 1, 'w.g: values differ'),
    (check_lin_grad, lambda inp, out, w, b: (lin_grad(inp, out, w, b), setattr(b, 'g', out.g.mean(0))), 1, 'b.g: values differ'),
    (check_lin_grad, lambda inp, out, w, b: (lin_grad(inp, out, w, b), setattr(b, 'g', out.g.sum(0, keepdim=True))), 1,
     'b.g: shapes differ, expected (4,), got (1, 4)'),
    (check_lin_grad, lambda inp, out, w, b: (lin_grad(inp, out, w, b), setattr(b, 'g', out.g.sum(0).squeeze())), 5,
     'b.g: shapes differ, expected (1,), got ()'),
    (check_lin_grad, lambda inp, out, w, b: (lin_grad(inp, out, w, b), setattr(w, 'g', (inp.T @ out.g)[:, :3])), 1,
     'w.g: shapes differ, expected (4, 4), got (4, 3)'),
    (check_mse_grad, set_g(lambda inp, targ: 2. * (inp.squeeze(-1) - targ).unsqueeze(-1)), 1, 'inp.g: values differ'),
    (check_mse_grad, set_g(lambda inp, targ: 2. * (inp.squeeze(-1) - targ) / inp.shape[0]), 1,
     'inp.g: shapes differ, expected (5, 1), got (5,)'),
    (check_mse_grad, set_g(lambda inp, targ: 2. * (inp.squeeze() - targ.squeeze()).unsqueeze(-1) / inp.shape[0]), 2,
     'inp.g: shapes differ, expected (1, 1), got (1,)'),
    (check_mse_grad, set_g(lambda inp, targ: 2 * (inp.squeeze(-1).to(targ.dtype) - targ).unsqueeze(-1) / inp.shape[0]), 3,
     'inp.g: values differ'),
    (check_mse_grad, set_g(lambda inp, targ: 2. * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[1]), 1,
     'inp.g: values differ'),
])
def test_gradient_cases_catch_realistic_mistakes(checker, fn, case, first_line):
    r = failing(checker, fn)
    assert r['case'] == case and r['body'][0] == first_line, r

def test_gradient_functions_get_copies():
    "The checked function may change its arguments in place; the check is not affected."
    def lin_grad_scribble(inp, out, w, b):
        lin_grad(inp, out, w, b)
        for t in (inp, out, w, b, out.g): t.zero_()
    assert passing(check_lin_grad, lin_grad_scribble) == passing(check_lin_grad, lin_grad_scribble)

def test_grad_of_is_autograd():
    x, w = torch.randn(3, 4), torch.randn(4, 2)
    up = torch.randn(3, 2)
    gx, gw = check._grad_of(lambda x, w: x @ w, x, w, upstream=up)
    torch.testing.assert_close((gx, gw), (up @ w.T, x.T @ up))
    assert not x.requires_grad and x.grad is None            # on copies


# ---------------------------------------------------------------- check_init
def kaiming_(w):
    with torch.no_grad(): w.normal_(0, math.sqrt(2 / w.shape[0]))

def test_init_passes_torch_nn_init():
    assert passing(check_init, kaiming_) == 'check_init: all 6 cases passed\n'
    passing(check_init, nn.init.kaiming_normal_, layout='out_in')
    passing(check_init, lambda w: nn.init.kaiming_normal_(w.T))
    passing(check_init, lambda w: nn.init.kaiming_uniform_(w.T, a=math.sqrt(5)), gain=math.sqrt(2 / 6))
    passing(check_init, lambda w: nn.init.kaiming_normal_(w.T, mode='fan_out'), mode='fan_out')
    passing(check_init, nn.init.xavier_normal_, target='xavier', layout='out_in')
    passing(check_init, lambda w: nn.init.xavier_uniform_(w, gain=2.), target='xavier', gain=2.)
    passing(check_init, lambda w: nn.init.normal_(w, 0, 0.05), target=lambda fan_in, fan_out: 0.05)
    passing(check_init, lambda w: nn.init.kaiming_normal_(w.T, nonlinearity='tanh'), gain=nn.init.calculate_gain('tanh'))

def test_init_report():
    r = failing(check_init, nn.init.kaiming_normal_)       # fans counted for the other layout
    assert (r['case'], r['n'], r['label'], r['called']) == (1, 6, '100x400', 'kaiming_normal_(w) with w: float32 (100, 400)')
    m = re.fullmatch(r'std: expected (\S+) \(kaiming: gain 1.414 / sqrt\(fan_in = 100\), w stored n_in x n_out\), '
                     r'got (\S+); ratio (\S+) \(allowed 0.9 to 1.1\)', r['body'][0])
    assert m, r['body'][0]
    assert float(m[1]) == pytest.approx(math.sqrt(2 / 100), rel=1e-3)
    assert float(m[3]) == pytest.approx(0.5, abs=0.03)                 # sqrt(100 / 400)
    assert float(m[3]) == pytest.approx(float(m[2]) / float(m[1]), rel=1e-2)
    assert r['body'][1].startswith('mean: expected 0 (within 0.0141), got ')
    m2 = re.fullmatch(r'max abs difference of the std: (\S+)', r['body'][2])
    assert m2 and float(m2[1]) == pytest.approx(abs(float(m[2]) - float(m[1])), rel=1e-2)

@few
@given(st.one_of(st.floats(0.3, 0.85), st.floats(1.15, 3.)))
def test_init_fails_a_wrong_std_and_reports_the_ratio(scale):
    def scaled_(w):
        with torch.no_grad(): w.normal_(0, scale * math.sqrt(2 / w.shape[0]))
    r = failing(check_init, scaled_)
    assert r['case'] == 1
    assert float(re.search(r'ratio (\S+)', r['body'][0])[1]) == pytest.approx(scale, rel=0.03)

@few
@given(st.floats(0.97, 1.03))
def test_init_passes_a_std_within_tolerance(scale):
    def scaled_(w):
        with torch.no_grad(): w.normal_(0, scale * math.sqrt(2 / w.shape[0]))
    passing(check_init, scaled_)

def test_init_tolerance_is_adjustable():
    def scaled_(w):
        with torch.no_grad(): w.normal_(0, 1.2 * math.sqrt(2 / w.shape[0]))
    failing(check_init, scaled_)
    passing(check_init, scaled_, tol=0.3)

def test_init_reports_other_mistakes():
    def shifted_(w):
        with torch.no_grad(): w.uniform_(0, math.sqrt(12) * math.sqrt(2 / w.shape[0]))
    r = failing(check_init, shifted_)
    assert r['body'][1].startswith('mean: expected 0 (within ')
    r = failing(check_init, lambda w: torch.randn_like(w) * math.sqrt(2 / w.shape[0]))
    assert r['case'] == 1 and r['body'][0].startswith('w still holds its old values')
    r = failing(check_init, lambda w: w[:, :-1].normal_())         # most of it, not all
    assert r['body'][0].startswith('w still holds its old values')
    r = failing(check_init, lambda w: w.normal_(0, math.sqrt(2 / w.shape[0])))
    assert (r['case'], r['label']) == (6, '200x100 parameter')
    assert r['called'] == 'fn(w) with w: nn.Parameter float32 (200, 100)'
    assert r['body'][0].startswith('the call raised RuntimeError: a leaf Variable')
    r = failing(check_init, boom)
    assert r['body'] == ['the call raised ValueError: wrong on purpose']
    r = failing(check_init, lambda w: kaiming_(w.T))                # fan_out used as fan_in
    assert r['case'] == 1 and float(re.search(r'ratio (\S+)', r['body'][0])[1]) == pytest.approx(0.5, abs=0.03)
    r = failing(check_init, kaiming_, mode='fan_out')
    assert 'sqrt(fan_out = 400)' in r['body'][0]

def test_init_refuses_bad_options():
    for kw, msg in [(dict(layout='n_in'), "layout must be 'in_out' or 'out_in'"), (dict(mode='in'), "mode must be 'fan_in' or 'fan_out'"),
                    (dict(target='he'), "target must be 'kaiming', 'xavier' or a function")]:
        with pytest.raises(ValueError, match=re.escape(msg)): check_init(kaiming_, **kw)

def test_target_std_is_the_formula_for_torchs_fans():
    for shape in [(100, 400), (3, 7), (1, 5000)]:
        for layout in ['in_out', 'out_in']:
            torch_shape = shape[::-1] if layout == 'in_out' else shape       # torch.nn.init counts n_out x n_in
            fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(torch.empty(torch_shape))
            std = lambda *a: check._target_std(shape, *a, layout)[0]
            assert std('kaiming', 'fan_in', None) == pytest.approx(math.sqrt(2 / fan_in))
            assert std('kaiming', 'fan_out', 3.) == pytest.approx(3 / math.sqrt(fan_out))
            assert std('xavier', 'fan_in', None) == pytest.approx(math.sqrt(2 / (fan_in + fan_out)))
            assert std(lambda i, o: i * 1000 + o, 'fan_in', None) == fan_in * 1000 + fan_out


# ---------------------------------------------------------------- check_linear_layer
class LinearLayer(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) * math.sqrt(2 / n_in))
        self.bias = nn.Parameter(torch.zeros(n_out))
    def forward(self, x): return x @ self.weight.T + self.bias

def test_linear_layer_passes_nn_linear():
    assert passing(check_linear_layer, nn.Linear) == 'check_linear_layer: all 4 cases passed\n'
    passing(check_linear_layer, nn.Linear, init='torch')
    passing(check_linear_layer, LinearLayer, init='kaiming')
    passing(check_linear_layer, LinearLayer, init=lambda n_in, n_out: math.sqrt(2 / n_in))

class WrongWeightGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w.T + b
    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gw = g.reshape(-1, g.shape[-1]).T @ x.reshape(-1, x.shape[-1])
        return g @ w, 2 * gw, g.reshape(-1, g.shape[-1]).sum(0)

class LinearWrongGrad(LinearLayer):
    def forward(self, x): return WrongWeightGrad.apply(x, self.weight, self.bias)

class LinearInOut(LinearLayer):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        self.weight = nn.Parameter(self.weight.detach().T.clone())
    def forward(self, x): return x @ self.weight + self.bias

class LinearPlain(LinearLayer):
    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.weight, self.bias = torch.randn(n_out, n_in).requires_grad_(), torch.zeros(n_out, requires_grad=True)

class LinearData(LinearLayer):
    def forward(self, x): return x @ self.weight.data.T + self.bias

class LinearNoSuper(LinearLayer):
    def __init__(self, n_in, n_out): self.weight = nn.Parameter(torch.randn(n_out, n_in))

class LinearNoBias(LinearLayer):
    "Forgets the bias, which starts at zero: only random values in it show the mistake."
    def forward(self, x): return x @ self.weight.T

class LinearNoGrad(LinearLayer):
    def forward(self, x):
        with torch.no_grad(): return x @ self.weight.T + self.bias

class LinearRowsOnly(LinearLayer):
    def forward(self, x): return x @ self.weight.T + self.bias if x.dim() == 2 else torch.zeros(*x.shape[:-1], self.bias.shape[0])

@pytest.mark.parametrize('cls, case, body0', [
    (lambda n_in, n_out: nn.Linear(n_in, n_out, bias=False), 1, "the layer has no tensor attribute 'bias'"),
    (LinearInOut, 1, 'weight: shape (4, 3), expected (3, 4) (nn.Linear stores the weight n_out x n_in)'),
    (LinearPlain, 1, 'weight is not among parameters(): make it an nn.Parameter (and call super().__init__())'),
    (LinearData, 1, 'weight.grad is None after backward: is the forward pass cut off from autograd?'),
    (LinearNoSuper, 1, 'the call raised AttributeError: cannot assign parameters before Module.__init__() call'),
    (LinearNoGrad, 1, 'layer(x).backward(...) raised RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn'),
    (LinearWrongGrad, 1, 'weight.grad after layer(x).backward(...): values differ'),
    (LinearRowsOnly, 1, 'layer(x) with x: float32 (2, 3, 4): values differ'),
    (LinearNoBias, 1, 'layer(x) with x: float32 (5, 4): values differ'),
])
def test_linear_layer_reports(cls, case, body0):
    r = failing(check_linear_layer, cls)
    assert r['case'] == case and r['body'][0] == body0, r

def test_linear_layer_wrong_gradient_report_is_precise():
    r = failing(check_linear_layer, LinearWrongGrad)
    m = re.fullmatch(r'  max abs difference: (\S+) at index \((\d+), (\d+)\) \(expected (\S+), got (\S+)\)', r['body'][3])
    assert m, r['body']
    assert float(m[5]) == pytest.approx(2 * float(m[4]), rel=1e-3)          # twice the right gradient
    assert float(m[1]) == pytest.approx(abs(float(m[4])), rel=1e-3)

def test_linear_layer_init_is_checked_on_request():
    r = failing(check_linear_layer, nn.Linear, init='kaiming')
    assert (r['case'], r['called']) == (4, 'Linear(200, 100)')
    m = re.fullmatch(r"initial weight std: expected 0.1 \(init='kaiming'\), got (\S+), ratio (\S+)", r['body'][0])
    assert m and float(m[2]) == pytest.approx(1 / math.sqrt(6), rel=0.05)   # sqrt(1 / (3 n_in)) / sqrt(2 / n_in)
    assert failing(check_linear_layer, LinearLayer, init='torch')['case'] == 4
    with pytest.raises(ValueError, match="init must be None, 'kaiming', 'torch' or a function"):
        check_linear_layer(nn.Linear, init='he')


# ---------------------------------------------------------------- the report helpers
def test_desc_vals_name():
    assert check._desc(torch.zeros(2, 3)) == 'float32 (2, 3)'
    assert check._desc(torch.zeros((), dtype=torch.int64)) == 'int64 ()'
    assert check._desc([1, 2]) == '[1, 2]'
    long = check._desc(list(range(100)))
    assert len(long) == 60 and long.endswith('...') and long.startswith('[0, 1, 2')
    assert check._vals(torch.tensor([1., 2.5, -0.125])) == '[1, 2.5, -0.125]'
    assert check._vals(torch.tensor([[1, 2], [3, 4]])) == '[1, 2, 3, 4]'
    assert check._vals(torch.arange(7.)) == '[0, 1, 2, 3, 4, 5, ... (7 values)]'
    assert check._vals(torch.tensor([1 / 3])) == '[0.3333]'
    assert check._vals(torch.tensor([True, False])) == '[True, False]'
    assert check._vals(torch.zeros(0)) == '[]'
    def my_fn(): pass
    assert check._name(my_fn) == 'my_fn' and check._name(lambda: 0) == 'fn' and check._name(object()) == 'fn'
    assert check._name(nn.Linear) == 'Linear'

def test_a_message_of_several_lines_stays_in_the_report():
    def matmul_chatty(a, b): raise RuntimeError('first line\nsecond line')
    r = failing(check_matmul, matmul_chatty)
    assert r['body'] == ['the call raised RuntimeError: first line', '  second line']   # 4 spaces in the report

def test_call_and_check():
    with pytest.raises(check._Fail) as e: check._call('f(x)', lambda: 1 / 0)
    assert e.value.args[0] == ['f(x) raised ZeroDivisionError: division by zero']
    assert check._call('f(x)', lambda a, b: a + b, 1, 2) == 3
    def fail(): raise check._Fail(['first', 'second'])
    cases = [('good', 'g()', lambda: None), ('bad', 'b()', fail), ('never', 'n()', lambda: 1 / 0)]
    res, out = run(check._check, 'check_toy', cases)
    assert (res, out) == (False, 'check_toy: case 2 of 3 failed (bad)\n  called: b()\n  first\n  second\n')
    assert run(check._check, 'check_toy', cases[:1]) == (True, 'check_toy: all 1 cases passed\n')
    assert run(check._check, 'check_toy', cases[:1], verbose=False) == (True, '')
    assert run(check._check, 'check_toy', cases, verbose=False)[1] == out        # a failure is always reported
    def interrupt(): raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt): check._check('check_toy', [('stop', 's()', interrupt)])   # not swallowed

def fail_lines(exp, act):
    with pytest.raises(check._Fail) as e: check._compare('x', exp, act)
    return e.value.args[0]

def test_compare_examples():
    exp = torch.arange(6.).reshape(2, 3)
    check._compare('x', exp, exp.clone())
    check._compare('x', exp, exp + 1e-6)
    check._compare('x', exp, exp.clone().requires_grad_())
    bad = exp.clone(); bad[1, 2] = 7.5
    assert fail_lines(exp, bad) == ['x: values differ', '  expected: float32 (2, 3) [0, 1, 2, 3, 4, 5]',
                                    '  actual:   float32 (2, 3) [0, 1, 2, 3, 4, 7.5]',
                                    '  max abs difference: 2.5 at index (1, 2) (expected 5, got 7.5)']
    assert fail_lines(exp, exp.long())[-1] == '  max abs difference: 0; the values agree, only the dtype differs'
    assert fail_lines(exp, exp.flatten())[-1] == f'  max abs difference: 0 after reshaping to (2, 3): {RESHAPE_HINT}'
    assert fail_lines(exp, exp.flatten().flip(0))[-1] == ('  max abs difference: not defined for different shapes; '
                                                          'the same number of values: broadcasting would hide this, check your reshapes')
    assert fail_lines(exp, exp.T.contiguous())[-1].endswith('the result is the transpose of the expected one')
    assert fail_lines(exp, exp[:, :1])[-1].endswith('it broadcasts to (2, 3), so arithmetic with it would run without an error')
    assert fail_lines(exp, exp[:1, :2])[-1] == '  max abs difference: not defined for different shapes'
    assert fail_lines(torch.zeros(2), torch.zeros(2, dtype=torch.complex64))[-1].endswith('only the dtype differs')
    assert fail_lines(torch.zeros(2), torch.tensor([0, 1j]))[-1] == f'  max abs difference: 1 at index (1,) (expected 0, got {g4(1j)})'
    assert fail_lines(torch.zeros(0), torch.zeros(0, dtype=torch.int64))[-1].endswith('only the dtype differs')
    assert fail_lines(torch.zeros(2, 0), torch.zeros(3, 0))[-1] == '  max abs difference: not defined for different shapes'
    assert fail_lines(torch.tensor(1.), torch.tensor(2.))[-1] == '  max abs difference: 1 at index () (expected 1, got 2)'

@checks
@given(st.lists(st.integers(1, 5), min_size=1, max_size=3), st.data(), st.floats(0.01, 100.), st.booleans())
def test_compare_reports_the_largest_difference(shape, data, delta, negative):
    exp = torch.randn(shape, generator=torch.Generator().manual_seed(data.draw(st.integers(0, 2**31))))
    idx = tuple(data.draw(st.integers(0, s - 1)) for s in shape)
    act = exp.clone(); act[idx] += -delta if negative else delta
    lines = fail_lines(exp, act)
    assert lines[0] == 'x: values differ'
    d, i = max_diff(exp, act)
    assert i == idx and d == pytest.approx(delta, rel=1e-4, abs=1e-5)
    assert lines[-1] == diff_line(exp, act)
    noise = torch.randn(shape, generator=torch.Generator().manual_seed(1)) * 1e-7
    check._compare('x', exp, exp + noise)                 # within the tolerance

@checks
@given(st.lists(st.integers(0, 4), min_size=0, max_size=3), st.integers(0, 2**31))
def test_max_diff_is_the_largest_difference(shape, seed):
    g = torch.Generator().manual_seed(seed)
    exp, act = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
    if act.numel(): act.view(-1)[seed % act.numel()] = math.nan if seed % 3 == 0 else act.view(-1)[seed % act.numel()]
    d, idx = check._max_diff(exp, act)
    if exp.numel() == 0: assert (d, idx) == (0., ()); return
    assert (d, idx) == max_diff(exp, act)


# ---------------------------------------------------------------- the caller's state
@pytest.mark.parametrize('checker, fn', [
    (check_matmul, torch.matmul), (check_matmul, lambda a, b: a @ b + 1), (check_einsum, torch.einsum),
    (check_broadcast_shape, torch_bcast), (check_relu_grad, relu_grad), (check_lin_grad, lin_grad),
    (check_mse_grad, mse_grad), (check_mse_grad, lambda inp, targ: boom(inp)), (check_init, kaiming_), (check_init, lambda w: w.normal_()),
    (check_init, nn.init.kaiming_normal_), (check_linear_layer, nn.Linear), (check_linear_layer, LinearData),
])
def test_checkers_leave_the_global_random_state_alone(checker, fn):
    state = torch.get_rng_state()
    run(checker, fn)
    assert torch.equal(torch.get_rng_state(), state)

def kaiming_too_wide_(w):
    with torch.no_grad(): w.normal_(0, 1.2 * math.sqrt(2 / w.shape[0]))

@pytest.mark.parametrize('checker', CHECKERS, ids=lambda c: c.__name__)
def test_checkers_repeat_themselves(checker):
    "The same verdict and the same report every time: the cases come from seeded generators."
    fn = {check_matmul: lambda a, b: a @ b * 1.01, check_broadcast_shape: bcast_max,
          check_einsum: lambda spec, *ops: torch.einsum(spec, *ops) * 1.01,
          check_relu_grad: set_g(lambda inp, out: (inp > 0) * out.g * 1.01),
          check_lin_grad: lambda inp, out, w, b: (lin_grad(inp, out, w, b), setattr(w, 'g', w.g * 1.01)),
          check_mse_grad: set_g(lambda inp, targ: 2.02 * (inp.squeeze(-1) - targ).unsqueeze(-1) / inp.shape[0]),
          check_init: kaiming_too_wide_,
          check_linear_layer: LinearWrongGrad}[checker]
    first = run(checker, fn)
    assert first[0] is False and run(checker, fn) == first
