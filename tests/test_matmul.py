"""Tests of `foundations.matmul` (chapter 01): the shape check, the three-loop and the elementwise
matrix products against PyTorch's `@` (edge shapes, random shapes with hypothesis, float and integer
dtypes), their refusals of shapes that cannot be multiplied, `bench` with a fake clock, and
`CountTorchCalls`."""
import time
from collections import Counter

import pytest, torch
from hypothesis import HealthCheck, given, settings, strategies as st
from torch.testing import assert_close

import foundations.matmul as fm
from foundations.matmul import check_matmul_shapes, matmul_loops, matmul_elementwise, bench, CountTorchCalls
from foundations.check import check_matmul

PRODUCTS = [matmul_loops, matmul_elementwise]
name = lambda f: f.__name__
# The hypothesis tests draw their own seeds, so torch's global seed (reset by conftest's fixture) plays no part.
hyp = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

EDGE = [((1, 7), (7, 1)), ((7, 1), (1, 7)), ((1, 7), (7, 3)), ((6, 6), (6, 6)), ((1, 1), (1, 1)),
        ((5, 784), (784, 10)), ((3, 0), (0, 2)), ((0, 3), (3, 2)), ((2, 3), (3, 0))]
BAD = [((5, 784), (10, 784)), ((2, 3), (2, 3)), ((3,), (3, 2)), ((2, 3), (3,)), ((), (3, 3)),
       ((2, 3, 4), (4, 5)), ((2, 3), (3, 4, 5)), ((0, 3), (2, 0))]

def operands(sa, sb, dtype, seed=0):
    "Random `a` of shape `sa` and `b` of shape `sb`: normal floats, or small integers for an integer `dtype`."
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point: return torch.randn(sa, generator=g, dtype=dtype), torch.randn(sb, generator=g, dtype=dtype)
    return torch.randint(-9, 10, sa, generator=g, dtype=dtype), torch.randint(-9, 10, sb, generator=g, dtype=dtype)

def assert_product(res, a, b):
    "`res` is `a @ b`: same shape and dtype, equal for integers, equal up to rounding for floats."
    tol = dict(rtol=1e-4, atol=1e-4) if a.is_floating_point() else {}
    assert_close(res, a @ b, **tol)


@pytest.mark.parametrize('f', PRODUCTS, ids=name)
@pytest.mark.parametrize('sa,sb', EDGE)
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64, torch.int64], ids=str)
def test_product_edge_shapes(f, sa, sb, dtype):
    a, b = operands(sa, sb, dtype)
    a0, b0 = a.clone(), b.clone()
    assert_product(f(a, b), a, b)
    assert torch.equal(a, a0) and torch.equal(b, b0)                  # the inputs are left alone


@pytest.mark.parametrize('f', PRODUCTS, ids=name)
@hyp
@given(ar=st.integers(0, 4), ac=st.integers(0, 6), bc=st.integers(0, 4), s=st.integers(0, 2**16),
       dtype=st.sampled_from([torch.float32, torch.int64]))
def test_product_random_shapes(f, ar, ac, bc, s, dtype):
    a, b = operands((ar, ac), (ac, bc), dtype, s)
    assert_product(f(a, b), a, b)


@pytest.mark.parametrize('f', PRODUCTS, ids=name)
def test_mixed_dtypes_promote(f):
    "`a @ b` itself refuses different dtypes; ours give the dtype elementwise arithmetic would (`torch.result_type`)."
    a, b = torch.randint(-9, 10, (3, 4)), torch.randn(4, 2, dtype=torch.float64)
    assert_close(f(a, b), a.double() @ b)


@pytest.mark.parametrize('f', PRODUCTS, ids=name)
def test_product_passes_check_matmul(f):
    assert check_matmul(f, errors=True, verbose=False)


@pytest.mark.parametrize('f', [check_matmul_shapes, *PRODUCTS], ids=name)
@pytest.mark.parametrize('sa,sb', BAD)
def test_refuses_bad_shapes_naming_both(f, sa, sb):
    with pytest.raises(ValueError) as e: f(torch.ones(sa), torch.ones(sb))
    assert str(sa) in str(e.value) and str(sb) in str(e.value), str(e.value)


@pytest.mark.parametrize('f', [check_matmul_shapes, *PRODUCTS], ids=name)
def test_refuses_non_tensors(f):
    with pytest.raises(TypeError, match='got list and Tensor'): f([[1., 2.]], torch.ones(2, 1))
    with pytest.raises(TypeError, match='got Tensor and float'): f(torch.ones(1, 1), 2.)


@hyp
@given(ar=st.integers(0, 9), ac=st.integers(0, 9), bc=st.integers(0, 9))
def test_check_matmul_shapes_sizes(ar, ac, bc):
    assert check_matmul_shapes(torch.empty(ar, ac), torch.empty(ac, bc)) == (ar, ac, bc)


def test_inner_dimensions_message():
    with pytest.raises(ValueError, match=r"can't multiply \(2, 3\) by \(4, 2\): inner dimensions 3 and 4 differ"):
        check_matmul_shapes(torch.ones(2, 3), torch.ones(4, 2))


def test_bench_with_fake_clock():
    "Every call of `work` 'takes' its argument in seconds on a clock that moves only when told to."
    now, calls = [0.], []
    def work(dt): calls.append(dt); now[0] += dt
    assert bench(work, 0.5, repeat=2, number=3, timer=lambda: now[0]) == 0.5
    assert len(calls) == 2 * 3


def test_bench_best_of_repeats():
    "Runs that take 3, 1 and 2 seconds per call: `bench` reports the best, 1."
    now, durations = [0.], iter([3., 3., 1., 1., 2., 2.])
    def work(): now[0] += next(durations)
    assert bench(work, repeat=3, number=2, timer=lambda: now[0]) == 1.


def test_bench_real_clock():
    assert bench(time.sleep, 0.002) >= 0.002                          # sleep never returns early


def test_count_torch_calls():
    a = torch.ones(2, 3)
    with CountTorchCalls() as cc:
        b = a * 2
        torch.add(b, 1)
        b.sum(); b.sum()
    assert cc.n['mul'] == 1 and cc.n['add'] == 1 and cc.n['sum'] == 2
    a * 2                                                             # outside the block: not counted
    assert cc.n['mul'] == 1
    with cc: pass                                                     # each use starts from zero
    assert cc.n == Counter()


def test_counts_of_the_products():
    "The loops make one multiplication per (i, j, k), the elementwise version one per entry of the result."
    a, b = torch.randn(2, 3), torch.randn(3, 4)
    with CountTorchCalls() as loops: matmul_loops(a, b)
    with CountTorchCalls() as elem: matmul_elementwise(a, b)
    assert loops.n['mul'] == 2 * 3 * 4 and elem.n['mul'] == 2 * 4 and elem.n['sum'] == 2 * 4


def test_exports():
    "The chapter's module exports its functions, and no `test_*` helpers."
    assert set(fm.__all__) >= {'check_matmul_shapes', 'matmul_loops', 'matmul_elementwise', 'bench', 'CountTorchCalls'}
    assert not [n for n in dir(fm) if n.startswith('test')]
