"""Bulk checks of `foundations.einsum` against `torch.einsum`: generated einsums (zero-size dims, batch of one,
size-1 broadcasting, `...`, repeated letters, spaces, implicit outputs) in every dtype the package supports,
generated spec strings, the error catalogue, the other calling forms, autograd, the plan cache, and each helper."""
import math, pytest, torch, warnings
from hypothesis import HealthCheck, given, settings, strategies as st
from torch.overrides import TorchFunctionMode
from torch.testing import assert_close
import foundations.einsum as fe
from foundations.einsum import (DTYPES, Plan, arrange, contract, diagonals, einsum, einsum_args, einsum_dtypes,
                                einsum_naive, einsum_pairwise, from_sublists, has_bmm, keep_labels, label_sizes,
                                next_pair, output_labels, parse_einsum, parse_term, plan_naive, plan_pairwise,
                                prepare, present, result_dtype, run, split_spec, sum_dtype, sum_out)

STRATEGIES = [einsum_naive, einsum_pairwise]
INTS = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64] + \
       [getattr(torch, n) for n in ('uint16', 'uint32', 'uint64') if hasattr(torch, n)]
FLOATS = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128]
LOW = (torch.float16, torch.bfloat16)
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
slow = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


# ---------------------------------------------------------------- generated einsums

@st.composite
def einsums(draw, max_size=3, zero=True, spaces=True):
    "A valid einsum `(spec, shapes)`: 1-4 operands, repeated letters, size-1 and zero-size dims, `...`, both output modes."
    letters = draw(st.lists(st.sampled_from('abcdeXY'), min_size=1, max_size=5, unique=True))
    size = {l: 0 if zero and draw(st.integers(0, 9)) == 0 else draw(st.integers(1, max_size)) for l in letters}
    ell = draw(st.lists(st.integers(1, max_size), max_size=3))
    terms, shapes = [], []
    for _ in range(draw(st.integers(1, 4))):
        term = draw(st.lists(st.sampled_from(letters), max_size=4))
        own = {l: 1 if draw(st.integers(0, 6)) == 0 else size[l] for l in term}     # sometimes 1, to broadcast
        shape = [own[l] for l in term]
        if draw(st.booleans()):
            at, k = draw(st.integers(0, len(term))), draw(st.integers(0, len(ell)))
            term.insert(at, '...')
            shape[at:at] = [1 if draw(st.integers(0, 4)) == 0 else e for e in ell[len(ell) - k:]]
        terms.append(term); shapes.append(tuple(shape))
    used = sorted({l for t in terms for l in t if l != '...'})
    out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
    if draw(st.booleans()): out.insert(draw(st.integers(0, len(out))), '...')
    sep = (lambda: ' ' * draw(st.integers(0, 1))) if spaces and draw(st.booleans()) else (lambda: '')
    join = lambda toks: sep().join(toks) if toks else ''
    spec = sep() + ','.join(sep() + join(t) + sep() for t in terms)
    if draw(st.integers(0, 3)): spec += '->' + sep() + join(out) + sep()
    return spec, shapes

def operand(shape, dt, g, small=False):
    "Random operand: exact-friendly integers (or standard normal for float64 and complex128), `small` keeps them in -1..1."
    if dt == torch.bool: return torch.randint(0, 2, shape, generator=g).bool()
    if dt.is_floating_point or dt.is_complex:
        if dt in (torch.float64, torch.complex128) and not small: return torch.randn(shape, generator=g, dtype=dt)
        k = 1 if small or dt in LOW else 3 if dt.is_floating_point else 2
        x = torch.randint(-k, k + 1, shape, generator=g).to(dt)
        return x + 1j * torch.randint(-k, k + 1, shape, generator=g).to(dt) if dt.is_complex else x
    if small: return torch.randint(0 if not dt.is_signed else -1, 2, shape, generator=g).to(dt)
    return torch.randint(-2**62, 2**62, shape, generator=g).to(dt)         # any bits: results wrap around

def outcome(f, spec, ops):
    try: return f(spec, *ops)
    except (ValueError, TypeError, RuntimeError) as e: return e

def is_int(dt): return not (dt.is_floating_point or dt.is_complex)

def assert_like_torch(f, spec, ops):
    "`f(spec, *ops)` refuses what torch.einsum refuses, and otherwise gives its dtype, shape and values."
    want, got = outcome(torch.einsum, spec, ops), outcome(f, spec, ops)
    desc = f"{f.__name__}({spec!r}, {[(tuple(o.shape), o.dtype) for o in ops]})"
    if isinstance(want, Exception):
        assert isinstance(got, (ValueError, TypeError)), f"{desc}: torch refuses ({want}) but got {got!r}"
        return
    assert not isinstance(got, Exception), f"{desc}: torch accepts but got {got!r}"
    assert (got.dtype, got.shape) == (want.dtype, want.shape), f"{desc}: {got.dtype} {got.shape}, torch {want.dtype} {want.shape}"
    if not is_int(want.dtype): return assert_close(got, want, msg=desc)
    exact = torch.einsum(spec, *[o.to(torch.int64) for o in ops]).to(want.dtype)   # int64 arithmetic: exact modulo 2**64
    assert torch.equal(got, exact), f"{desc}: not the exact value"
    if not torch.equal(want, exact):   # torch wrapped a narrow intermediate before widening to int64: its order shows
        assert want.dtype == torch.int64 and len(ops) >= 3 and any(o.dtype not in (torch.int64,) for o in ops), desc

@pytest.mark.parametrize('dt', INTS + FLOATS, ids=str)
@fast
@given(data=st.data(), seed=st.integers(0, 2**31))
def test_like_torch_every_dtype(dt, data, seed):
    "Every dtype: results exact where they can be (low-precision floats get sizes up to 2 and values in -1..1)."
    spec, shapes = data.draw(einsums(max_size=2 if dt in LOW else 3))
    g = torch.Generator().manual_seed(seed)
    ops = [operand(s, dt, g) for s in shapes]
    for f in STRATEGIES: assert_like_torch(f, spec, ops)

@fast
@given(case=einsums(max_size=2), dts=st.lists(st.sampled_from(sorted(DTYPES, key=str)), min_size=4, max_size=4), seed=st.integers(0, 2**31))
def test_like_torch_mixed_dtypes(case, dts, seed):
    "Operands of different dtypes: torch multiplies them with type promotion, and refuses them in bmm; so do we."
    spec, shapes = case
    g = torch.Generator().manual_seed(seed)
    ops = [operand(s, dt, g, small=True) for s, dt in zip(shapes, dts)]
    for f in STRATEGIES: assert_like_torch(f, spec, ops)

@fast
@given(case=einsums(zero=False), seed=st.integers(0, 2**31), how=st.sampled_from(['transposed', 'strided', 'expanded']))
def test_like_torch_non_contiguous(case, seed, how):
    spec, shapes = case
    g = torch.Generator().manual_seed(seed)
    def make(s):
        if how == 'transposed': return torch.randn(s[::-1], generator=g, dtype=torch.float64).permute(tuple(range(len(s) - 1, -1, -1)))
        if how == 'strided': return torch.randn([2 * n for n in s], generator=g, dtype=torch.float64)[tuple(slice(None, None, 2) for _ in s)]
        return torch.randn([1] * len(s), generator=g, dtype=torch.float64).expand(s)
    ops = [make(s) for s in shapes]
    assert all(tuple(o.shape) == s for o, s in zip(ops, shapes))
    for f in STRATEGIES: assert_like_torch(f, spec, ops)

@pytest.mark.slow
@slow
@given(case=einsums(max_size=6), seed=st.integers(0, 2**31), dt=st.sampled_from([torch.float64, torch.int8, torch.int64, torch.bool]))
def test_like_torch_many_bigger(case, seed, dt):
    spec, shapes = case
    g = torch.Generator().manual_seed(seed)
    ops = [operand(s, dt, g) for s in shapes]
    for f in STRATEGIES: assert_like_torch(f, spec, ops)

def test_batch_of_one_and_empty():
    "A batch of one (every size-1 combination) and zero-size dims on the everyday specs."
    for spec, shapes in [('bij,bjk->bik', [(1, 3, 4), (1, 4, 5)]), ('bhqd,bhkd->bhqk', [(1, 1, 1, 4), (1, 1, 3, 4)]),
                         ('ik,kj->ij', [(1, 1), (1, 1)]), ('ik,kj->ij', [(0, 3), (3, 4)]), ('ik,kj->ij', [(2, 0), (0, 4)]),
                         ('bi,ij,bj->b', [(0, 3), (3, 5), (0, 5)]), ('...ij->...', [(0, 1, 2)]), ('i,i->', [(0,), (0,)])]:
        for dt in (torch.float32, torch.int8, torch.bool):
            ops = [torch.ones(s, dtype=dt) for s in shapes]
            for f in STRATEGIES: assert_like_torch(f, spec, ops)


def test_complex_operand_of_a_real_result():
    "torch gives a real dtype when bmm meets an empty real operand after a complex one; the complex values cannot reach the result, and dropping them raises no warning."
    a, b = torch.ones(2, dtype=torch.complex64), torch.zeros(0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for f in STRATEGIES: assert_like_torch(f, 'i,j,j->', [a, b, b])

# ---------------------------------------------------------------- spec strings

@st.composite
def spec_strings(draw):
    "Any string of labels, dots, commas, arrows' halves and spaces; operands sized to fit its letters (size 2 each)."
    spec = draw(st.text(alphabet='ijkI.,-> ', max_size=14))
    terms = spec.split('->')[0].split(',')
    ndims = [sum(c.isalpha() for c in t) + (draw(st.integers(0, 2)) if '.' in t else 0) for t in terms]
    return spec, [(2,) * n for n in ndims]

@fast
@given(case=spec_strings())
def test_spec_strings_like_torch(case):
    "Spaces between labels are dropped; inside `...` or `->` they are refused, as is any stray character, as torch does."
    spec, shapes = case
    for f in STRATEGIES: assert_like_torch(f, spec, [torch.randn(s, dtype=torch.float64) for s in shapes])

@pytest.mark.parametrize('spec', ['. ..ij', '.. .ij', '.. . ij', '... ij', 'i j,j k', ' ij -> ji ', 'ij - > ji', 'ij-> ji',
                                  'ij->j->i', 'ij\t->ji', '...ij->..  .', 'ij...->...ij', '....ij', 'i.j', 'ij->.'])
def test_spaces_and_dots_like_torch(spec):
    x = torch.randn((2, 2, 2, 2) if '.' in spec else (2, 2))
    for f in STRATEGIES + [einsum]: assert_like_torch(f, spec, [x] * (spec.count(',') + 1))


# ---------------------------------------------------------------- errors, calling forms

m23, m34, m45 = torch.randn(2, 3), torch.randn(3, 4), torch.randn(4, 5)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')           # PyTorch warns that complex32 is experimental
    c32 = torch.ones(2, dtype=torch.complex32)
BAD = [
    (('ij,jk->ik', m23), 'has 2 input term(s) but 1 operand(s) were given'),
    (('ij->ij', m23, m34), 'has 1 input term(s) but 2 operand(s) were given'),
    (('ij,jk->ik', m23, m45), "index 'j': size 3 in operand 0 but 4 in operand 1"),
    (('ij->ik', m23), "output index 'k' does not appear in any input"),
    (('ij->jj', m23), "index 'j' appears more than once in the output"),
    (('i1,1j->ij', m23, m34), "invalid character '1'"),
    (('ij,jk->i,k', m23, m34), "invalid character ','"),
    (('ij=>ji', m23), "invalid character '='"),
    (('ij - > ji', m23), "invalid character '-'"),
    (('ij\t->ji', m23), "invalid character '\\t'"),
    (('ij->j->i', m23), "more than one '->'"),
    (('......ij', m23), "has more than one '...'"),
    (('..ij', m23), "stray '.'"),
    (('. ..ij', m23), "stray '.'"),
    (('ij->....', m23), "stray '.'"),
    (('ijk', m23), "operand 0 has 2 dims but its subscripts 'ijk' need 3"),
    (('ij,i', m23, m23), "operand 1 has 2 dims but its subscripts 'i' need 1"),
    (('...ijk', m23), 'need at least 3'),
    (('ii->i', m23), "index 'i' is repeated in operand 0 with sizes 2 and 3"),
    (('...i,...i', torch.randn(2, 3), torch.randn(4, 3)), "the '...' dims: size 2 in operand 0 but 4 in operand 1"),
    (('i,i', torch.randn(3), [1., 2., 3.]), 'operands must be tensors'),
    (('i,i', torch.randn(3).numpy(), torch.randn(3)), 'operand 0 is not a tensor'),
    ((['i', 'j'], m23), 'spec must be a string'),
    (('i,i->', torch.ones(3, dtype=torch.bool), torch.ones(3, dtype=torch.bool)), 'no torch.bool kernel'),
    (('i,i->', torch.ones(3), torch.ones(3, dtype=torch.float64)), 'contracts torch.float32 with torch.float64'),
    (('ij,jk->k', torch.ones(2, 3, dtype=torch.int8), torch.ones(3, 4, dtype=torch.int8)), 'contracts torch.int64 with torch.int8'),
    (('i->', c32), 'which einsum does not support'),
    ((m23, [0, 52]), 'not an int in [0, 52)'),
    ((m23, [0, -1]), 'not an int in [0, 52)'),
]

@pytest.mark.parametrize('args,msg', BAD, ids=[m for _, m in BAD])
def test_error_catalogue(args, msg):
    "Each mistake gets a ValueError or TypeError saying what is wrong, from every entry point; torch refuses it too."
    for f in STRATEGIES + [einsum]:
        with pytest.raises((ValueError, TypeError)) as e: f(*args)
        assert msg in str(e.value), (f.__name__, str(e.value))
    with pytest.raises((ValueError, TypeError, RuntimeError)): torch.einsum(*args)

def test_calling_forms_like_torch():
    a, b, xs = torch.randn(3, 4), torch.randn(4, 5), torch.randn(2, 3, 4)
    for args in [(a, [0, 1], b, [1, 2], [0, 2]), (a, [0, 1], b, [1, 2]), (xs, [..., 30, 31], b, [31, 32], [..., 32]),
                 (a, [26, 26 + 25]), ('ik,kj', [a, b]), ('ik,kj', (a, b)), ('ij', [a])]:
        want = torch.einsum(*args)
        for f in STRATEGIES: assert_close(f(*args), want)
    assert from_sublists(a, [0, 1], b, [1, 2], [0, 2]) == ('AB,BC->AC', (a, b))
    assert from_sublists(xs, [..., 25, 26], b, [51, 0])[0] == '...Za,zA'


# ---------------------------------------------------------------- autograd

@fast
@given(case=einsums(zero=False, spaces=False), seed=st.integers(0, 2**31))
def test_gradients_like_torch(case, seed):
    spec, shapes = case
    g = torch.Generator().manual_seed(seed)
    ops = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    want = torch.einsum(spec, *ops)
    up = torch.randn(want.shape, generator=g, dtype=torch.float64)
    for f in [torch.einsum] + STRATEGIES:
        xs = [o.clone().requires_grad_() for o in ops]
        grads = torch.autograd.grad((f(spec, *xs) * up).sum(), xs, allow_unused=True)
        grads = [torch.zeros_like(o) if gr is None else gr for o, gr in zip(ops, grads)]
        if f is torch.einsum: ref = grads
        else: assert_close(grads, ref, msg=f"{f.__name__}({spec!r})")


# ---------------------------------------------------------------- plans and the cache

def test_plan_cache():
    x, y = torch.randn(5, 7), torch.randn(7, 3)
    plan_pairwise.cache_clear()
    for _ in range(10): einsum('ik,kj->ij', torch.randn(5, 7), torch.randn(7, 3))
    info = plan_pairwise.cache_info()
    assert (info.hits, info.misses) == (9, 1)
    assert plan_pairwise('ik,kj->ij', (x.shape, y.shape), (x.dtype, y.dtype)) is plan_pairwise('ik,kj->ij', (x.shape, y.shape), (x.dtype, y.dtype))
    einsum('ik,kj->ij', x.double(), y.double()); einsum('ik,kj->ij', torch.randn(6, 7), y)   # dtype and shape are in the key
    assert plan_pairwise.cache_info().misses == 3
    assert_close(einsum('ik,kj->ij', x, y), x @ y)          # a cached plan runs on new values
    plan_naive.cache_clear()
    for _ in range(3): einsum_naive('ij->j', x)
    assert plan_naive.cache_info().hits == 2 and parse_einsum.cache_info().hits > 0

def test_plans_are_pure():
    "Planning needs no values: it calls no torch function on a tensor (once the bmm kernels are known)."
    class Calls(TorchFunctionMode):
        def __init__(self): super().__init__(); self.n = 0
        def __torch_function__(self, func, types, args=(), kwargs=None):
            self.n += any(isinstance(a, torch.Tensor) for a in args)
            return func(*args, **(kwargs or {}))
    for dt in DTYPES: has_bmm(dt)
    plan_pairwise.cache_clear(); plan_naive.cache_clear()
    with Calls() as calls:
        plan_pairwise('bi,ij,bj->b', ((6, 3), (3, 5), (6, 5)), (torch.int8,) * 3)
        plan_naive('...ii,...j', ((5, 2, 2), (3,)), (torch.float32,) * 2)
    assert calls.n == 0

def largest_numel(f, *args):
    "Elements of the largest tensor any torch function returns while `f(*args)` runs (inputs' storages included)."
    class Largest(TorchFunctionMode):
        def __init__(self): super().__init__(); self.n = 0
        def __torch_function__(self, func, types, args=(), kwargs=None):
            res = func(*args, **(kwargs or {}))
            if isinstance(res, torch.Tensor): self.n = max(self.n, res.untyped_storage().nbytes() // res.element_size())
            return res
    with Largest() as rec: f(*args)
    return rec.n

def test_memory_of_the_strategies():
    "The naive strategy builds every product at once; the pairwise one never more than its inputs and result."
    a, b = torch.randn(32, 32), torch.randn(32, 32)
    assert largest_numel(einsum_naive, 'ik,kj->ij', a, b) == 32**3
    assert largest_numel(einsum_pairwise, 'ik,kj->ij', a, b) == 32**2
    q, k = torch.randn(2, 3, 16, 8), torch.randn(2, 3, 16, 8)
    assert largest_numel(einsum_pairwise, 'bhqd,bhkd->bhqk', q, k) == 2 * 3 * 16 * 16
    v1, m, v2 = torch.randn(40), torch.randn(40, 50), torch.randn(50)
    assert largest_numel(einsum_pairwise, 'i,j,ij->', v1, v2, m) == 40 * 50    # greedy: never the 40x50 outer product plus more
    m1, m2, m3 = torch.randn(16, 16), torch.randn(16, 16), torch.randn(16, 16)
    assert largest_numel(einsum_pairwise, 'ij,kl,jk->il', m1, m2, m3) == 16**2   # not the 16^4 left-to-right outer product

def test_plan_repr():
    p = plan_pairwise('bhqd,bhkd->bhqk', ((2, 3, 5, 4), (2, 3, 6, 4)), (torch.float32,) * 2)
    assert repr(p).splitlines() == ['x0 = x0.reshape(6, 5, 4)', 'x1 = x1.permute(0, 1, 3, 2)', 'x1 = x1.reshape(6, 4, 6)',
                                    'x0 = torch.bmm(x0, x1)', 'x0 = x0.reshape(2, 3, 5, 6)']
    assert repr(plan_pairwise('ik,kj->ij', ((3, 4), (4, 5)), (torch.float32,) * 2)) == 'x0 = torch.mm(x0, x1)'
    assert repr(plan_pairwise('ij->ij', ((3, 4),), (torch.float32,))) == '(nothing to do)'
    assert 'x0 = x0.to(torch.int64)' in repr(plan_naive('ij->i', ((3, 4),), (torch.int8,)))


# ---------------------------------------------------------------- the helpers, one by one

def test_split_spec():
    assert split_spec('ik,kj->ij') == (['ik', 'kj'], 'ij')
    assert split_spec('ij,jk') == (['ij', 'jk'], None)
    assert split_spec(' b i , i j -> b j ') == (['bi', 'ij'], 'bj')
    assert split_spec('... ij->...') == (['...ij'], '...')
    assert split_spec('->') == ([''], '')
    for bad in ['i1,1j', '. ..', 'i - > j', 'a->b->c', 'a->b,c', '....']:
        with pytest.raises(ValueError): split_spec(bad)

def test_parse_term_and_output_labels():
    assert parse_term('ij', 2) == ('i', 'j') and parse_term('...ij', 4) == ('.-2', '.-1', 'i', 'j')
    assert parse_term('i...j', 2) == ('i', 'j') and parse_term('', 0) == ()
    with pytest.raises(ValueError, match="operand 1 has 2 dims"): parse_term('ijk', 2, k=1)
    assert output_labels('ij', [('i', 'k'), ('k', 'j')]) == ('i', 'j')
    assert output_labels(None, [('b', 'a')]) == ('a', 'b')
    assert output_labels(None, [('B', 'a')]) == ('B', 'a')           # uppercase sorts first, as in ASCII
    assert output_labels(None, [('i', 'i')]) == ()
    assert output_labels(None, [('.-2', '.-1', 'i'), ('.-1', 'i')]) == ('.-2', '.-1')
    assert output_labels('i...', [('.-1', 'i')]) == ('i', '.-1')
    assert output_labels('...', [('i',)]) == ()

def test_diagonals_and_sizes():
    assert diagonals((3, 2, 3), ('i', 'j', 'i')) == (((0, 2),), (2, 3), ('j', 'i'))
    assert diagonals((2, 2, 2), 'iii') == (((0, 1), (0, 1)), (2,), ('i',))
    assert diagonals((2, 3), 'ij') == ((), (2, 3), ('i', 'j'))
    with pytest.raises(ValueError, match="repeated in operand 1 with sizes 2 and 3"): diagonals((2, 3), 'ii', k=1)
    assert label_sizes([(2, 3), (3, 5)], ['ij', 'jk']) == {'i': 2, 'j': 3, 'k': 5}
    assert label_sizes([(1,), (4,), (1,)], ['i', 'i', 'i']) == {'i': 4}
    assert label_sizes([(0,), (1,)], ['i', 'i']) == {'i': 0}
    with pytest.raises(ValueError, match="size 3 in operand 0 but 4 in operand 1"): label_sizes([(2, 3), (4, 5)], ['ij', 'jk'])

def test_parse_einsum():
    p = parse_einsum('...ii,...j', ((5, 2, 2), (3,)))
    assert p.labels == (('.-1', 'i'), ('j',)) and p.diags == (((1, 2),), ())
    assert (p.out, p.sizes, p.shapes) == (('.-1', 'j'), {'.-1': 5, 'i': 2, 'j': 3}, ((5, 2), (3,)))

def test_dtype_helpers():
    assert [sum_dtype(dt) for dt in (torch.bool, torch.int8, torch.float16, torch.complex64)] == \
           [torch.int64, torch.int64, torch.float16, torch.complex64]
    assert has_bmm(torch.float32) and has_bmm(torch.int8) and not has_bmm(torch.bool)
    i8 = (torch.int8,)
    p = lambda spec, *shapes: parse_einsum(spec, shapes)
    assert result_dtype(p('ik,kj->ij', (3, 4), (4, 5)), i8 * 2) == torch.int8
    assert result_dtype(p('ij->i', (3, 4)), i8) == torch.int64
    assert result_dtype(p('ii->i', (3, 3)), i8) == torch.int8
    assert result_dtype(p('ij,j->j', (3, 4), (4,)), i8 * 2) == torch.int64
    assert result_dtype(p('i,j->ij', (3,), (4,)), (torch.int8, torch.float16)) == torch.float16
    assert result_dtype(p('i,i->', (0,), (0,)), (torch.float32, torch.float16)) == torch.float16   # bmm of empties: no checks
    with pytest.raises(TypeError): result_dtype(p('ij,jk->k', (3, 4), (4, 5)), i8 * 2)
    assert einsum_dtypes(p('ij->i', (3, 4)), i8) == (torch.int64, torch.int64)
    assert einsum_dtypes(p('ik,kj->ij', (3, 4), (4, 5)), i8 * 2) == (torch.int8, torch.int64)     # computed in int64, cast back
    assert einsum_dtypes(p('ii->i', (3, 3)), i8) == (torch.int8, torch.int8)                      # no arithmetic, no cast
    assert einsum_dtypes(p('ik,kj->ij', (3, 4), (4, 5)), (torch.float16,) * 2) == (torch.float16, torch.float16)

def test_run_prepare_arrange():
    x = torch.randn(2, 3, 4)
    steps = arrange(0, ('b', 'i', 'k'), (2, 3, 4), ('i', 'j', 'k', 'b'), (3, 1, 4, 2))
    y = run(Plan(steps), [x])
    assert y.shape == (3, 1, 4, 2) and y.data_ptr() == x.data_ptr()
    assert_close(y[:, 0], x.permute(1, 2, 0))
    assert arrange(0, ('i', 'j'), (3, 4), ('i', 'j'), (3, 4)) == []
    assert_close(run(Plan(arrange(0, ('i', 'j'), (3, 1), ('i',), (3,))), [torch.ones(3, 1)]), torch.ones(3))
    p = parse_einsum('iji,k', ((3, 2, 3), (4,)))
    steps = prepare(p, (torch.int8, torch.int64), torch.int64)
    got = run(Plan(steps), [torch.arange(18, dtype=torch.int8).reshape(3, 2, 3), torch.zeros(4, dtype=torch.int64)])
    assert_close(got, torch.arange(18).reshape(3, 2, 3).diagonal(0, 0, 2))
    assert_close(run(Plan([(torch.mul, 0, 1, ())]), [torch.tensor(2.), torch.tensor(3.)]), torch.tensor(6.))

def test_contraction_helpers():
    assert present(('i', 'j', 'k'), (2, 1, 0)) == {'i', 'k'}
    steps, (ls, s) = sum_out(0, ('i', 'j', 'k'), (2, 3, 1), {'i'})
    assert (ls, s) == (('i', 'k'), (2, 1))
    x = torch.randn(2, 3, 1)
    assert_close(run(Plan(steps), [x]), x.sum(1))
    a, b = torch.randn(2, 3, 5, 4), torch.randn(2, 3, 6, 4)
    steps, (ls, s) = contract(0, (tuple('bhqd'), a.shape), 1, (tuple('bhkd'), b.shape), set('bhqk'), dict(zip('bhqdk', (2, 3, 5, 4, 6))))
    assert ls == tuple('bhqk') and s == (2, 3, 5, 6)
    assert_close(run(Plan(steps), [a, b]), a @ b.transpose(-1, -2))
    u, v = torch.randn(4), torch.randn(5)
    steps, (ls, s) = contract(0, (('i',), (4,)), 1, (('j',), (5,)), {'i', 'j'}, {'i': 4, 'j': 5})
    assert ls == ('i', 'j') and steps[-1][0] is torch.mul
    assert_close(run(Plan(steps), [u, v]), torch.outer(u, v))
    ops = {0: (('i',), (50,)), 1: (('j',), (60,)), 2: (('i', 'j'), (50, 60))}
    assert keep_labels(ops, (), 0, 1) == {'i', 'j'} and keep_labels(ops, ('i',), 0, 2) == {'i', 'j'}
    assert next_pair(ops, (), {'i': 50, 'j': 60}) == (1, 2)          # the j-vector with the matrix: 50 elements, not 3000
    assert next_pair({0: ops[0], 1: ops[1]}, (), {'i': 50, 'j': 60}) == (0, 1)

def test_einsum_args():
    a, b = torch.randn(2), torch.randn(2)
    assert einsum_args('i,i', (a, b))[2:] == (((2,), (2,)), (torch.float32, torch.float32))
    assert einsum_args('i,i', ([a, b],))[1] == (a, b)
    assert einsum_args(a, ([0], b, [0]))[0] == 'A,A'
    with pytest.raises(ValueError, match='operands must be tensors'): einsum_args('i', (3,))

def test_exports():
    assert fe.einsum is fe.einsum_pairwise
    assert {torch.int8, torch.bool, torch.bfloat16, torch.complex128} <= DTYPES and torch.complex32 not in DTYPES
