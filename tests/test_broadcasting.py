"""Tests of `foundations.broadcasting` (chapter 02): `broadcast_shape` against `torch.broadcast_shapes`
(every pair and triple of a set of small shapes, and random related shapes with hypothesis), its error
messages, and `matmul_broadcast` against PyTorch's `@`."""
import re
from itertools import product

import pytest, torch
from hypothesis import HealthCheck, given, settings, strategies as st
from torch.testing import assert_close

import foundations.broadcasting as fb
from foundations.broadcasting import broadcast_shape, matmul_broadcast
from foundations.matmul import CountTorchCalls
from foundations.check import check_matmul

# The hypothesis tests draw their own seeds, so torch's global seed (reset by conftest's fixture) plays no part.
hyp = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

def torch_shape(shapes):
    "What `torch.broadcast_shapes` gives for `shapes`, or None when it refuses them."
    try: return torch.broadcast_shapes(*shapes)
    except RuntimeError: return None

def assert_refused(shapes):
    "`broadcast_shape(*shapes)` raises a ValueError naming every shape and a dimension where two sizes conflict."
    with pytest.raises(ValueError) as e: broadcast_shape(*shapes)
    msg = str(e.value)
    for s in shapes: assert str(tuple(s)) in msg, msg
    d = int(re.search(r'dimension (-\d+)', msg).group(1))
    assert len({s[d] for s in shapes if len(s) >= -d} - {1}) > 1, msg

def assert_like_torch(shapes):
    expected = torch_shape(shapes)
    if expected is None: assert_refused(shapes)
    else:
        res = broadcast_shape(*shapes)
        assert type(res) is torch.Size and res == expected, (shapes, res, expected)


SMALL = [(), (0,), (1,), (2,), (3,), (1, 3), (2, 1), (2, 3), (3, 2), (0, 1), (1, 0), (4, 1, 3), (1, 2, 1)]

def test_every_pair_and_triple_of_small_shapes():
    outcomes = set()
    for n in (2, 3):
        for shapes in product(SMALL, repeat=n):
            assert_like_torch(shapes)
            outcomes.add((n, torch_shape(shapes) is None))
    assert outcomes == {(2, False), (2, True), (3, False), (3, True)}   # both outcomes were exercised


@st.composite
def related_shapes(draw):
    "2 or 3 shapes cut from a common base shape (a right-hand part, some sizes set to 1), sometimes with one size changed."
    base = draw(st.lists(st.sampled_from([0, 1, 2, 3, 5]), max_size=4))
    shapes = []
    for _ in range(draw(st.integers(2, 3))):
        s = [draw(st.sampled_from([d, d, 1])) for d in base[draw(st.integers(0, len(base))):]]
        if s and draw(st.integers(0, 3)) == 0: s[draw(st.integers(0, len(s) - 1))] = draw(st.sampled_from([0, 2, 3, 5]))
        shapes.append(tuple(s))
    return shapes

@hyp
@given(related_shapes())
def test_related_shapes_like_torch(shapes): assert_like_torch(shapes)

@hyp
@given(st.lists(st.lists(st.integers(0, 3), max_size=4).map(tuple), max_size=4))
def test_any_shapes_like_torch(shapes): assert_like_torch(shapes)


@pytest.mark.parametrize('shapes,expected', [
    (((8, 1, 6, 1), (7, 1, 5)), (8, 7, 6, 5)), (((5, 1, 4), (3, 1), ()), (5, 3, 4)), (((2, 0), (1,)), (2, 0)),
    (((256, 256, 3), (3,)), (256, 256, 3)), ((), ()), (((),), ()), ((3, (2, 1)), (2, 3)),
    ((torch.Size([2, 1]), torch.Size([4])), (2, 4))])
def test_known_shapes(shapes, expected):
    res = broadcast_shape(*shapes)
    assert type(res) is torch.Size and res == expected


@pytest.mark.parametrize('shapes,msg', [
    (((2, 3), (2,)), "can't broadcast shapes (2, 3), (2,): dimension -1 has sizes [2, 3]"),
    (((4, 3), (1, 3), (2, 1)), "can't broadcast shapes (4, 3), (1, 3), (2, 1): dimension -2 has sizes [2, 4]"),
    (((256, 256, 3), (2,)), "dimension -1 has sizes [2, 3]"), (((0,), (2,)), "dimension -1 has sizes [0, 2]")])
def test_error_messages(shapes, msg):
    with pytest.raises(ValueError) as e: broadcast_shape(*shapes)
    assert msg in str(e.value)


@pytest.mark.parametrize('bad', [(2, -1), (2.0, 3), ('a',), -1, ((2,),)])
def test_not_a_shape(bad):
    with pytest.raises(ValueError, match='not a shape'): broadcast_shape((1,), bad)


# matmul_broadcast
EDGE = [((1, 7), (7, 1)), ((7, 1), (1, 7)), ((6, 6), (6, 6)), ((5, 784), (784, 10)), ((3, 0), (0, 2)), ((0, 3), (3, 2)), ((2, 3), (3, 0))]
BAD = [((5, 784), (10, 784)), ((2, 3), (2, 3)), ((3,), (3, 2)), ((2, 3), (3,)), ((), (3, 3)), ((2, 3, 4), (4, 5))]

def operands(sa, sb, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point: return torch.randn(sa, generator=g, dtype=dtype), torch.randn(sb, generator=g, dtype=dtype)
    return torch.randint(-9, 10, sa, generator=g, dtype=dtype), torch.randint(-9, 10, sb, generator=g, dtype=dtype)

def assert_product(res, a, b):
    assert_close(res, a @ b, **(dict(rtol=1e-4, atol=1e-4) if a.is_floating_point() else {}))

@pytest.mark.parametrize('sa,sb', EDGE)
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64, torch.int64], ids=str)
def test_matmul_broadcast_edge_shapes(sa, sb, dtype):
    a, b = operands(sa, sb, dtype)
    a0, b0 = a.clone(), b.clone()
    assert_product(matmul_broadcast(a, b), a, b)
    assert torch.equal(a, a0) and torch.equal(b, b0)

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ar=st.integers(0, 6), ac=st.integers(0, 8), bc=st.integers(0, 6), s=st.integers(0, 2**16),
       dtype=st.sampled_from([torch.float32, torch.int64]))
def test_matmul_broadcast_random_shapes(ar, ac, bc, s, dtype):
    a, b = operands((ar, ac), (ac, bc), dtype, s)
    assert_product(matmul_broadcast(a, b), a, b)

def test_matmul_broadcast_mixed_dtypes_promote():
    a, b = torch.randint(-9, 10, (3, 4)), torch.randn(4, 2, dtype=torch.float64)
    assert_close(matmul_broadcast(a, b), a.double() @ b)

def test_matmul_broadcast_passes_check_matmul():
    assert check_matmul(matmul_broadcast, errors=True, verbose=False)

@pytest.mark.parametrize('sa,sb', BAD)
def test_matmul_broadcast_refuses_bad_shapes(sa, sb):
    with pytest.raises(ValueError) as e: matmul_broadcast(torch.ones(sa), torch.ones(sb))
    assert str(sa) in str(e.value) and str(sb) in str(e.value)

def test_matmul_broadcast_one_multiplication_per_row():
    with CountTorchCalls() as cc: matmul_broadcast(torch.randn(5, 7), torch.randn(7, 3))
    assert cc.n['mul'] == 5 and cc.n['sum'] == 5

def test_exports():
    assert set(fb.__all__) >= {'broadcast_shape', 'matmul_broadcast'}
    assert not [n for n in dir(fb) if n.startswith('test')]
