"""Tests of `foundations.backprop` against PyTorch: the losses, the hand-written gradients and the gradient
checkers, on many shapes and dtypes, extreme logits and every integer dtype of class indices."""
import numpy as np, pytest, torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from torch.testing import assert_close
from foundations.init import lin, relu
from foundations.backprop import (mse, mse_grad, relu_grad, lin_grad, forward_and_backward, GradReport, GradResult,
                                  rel_err, compare_grads, numerical_grad, check_grads, log_softmax, cross_entropy,
                                  cross_entropy_grad)

FLOATS = [torch.float32, torch.float64]
INTS = [torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.uint16, torch.uint32, torch.uint64]
f64 = torch.float64
hyp = settings(max_examples=60, deadline=None)

def tol(dtype):
    "Tolerances for comparing our gradients with autograd's: different summation orders, same maths."
    return dict(rtol=1e-4, atol=1e-6) if dtype == torch.float32 else dict(rtol=1e-10, atol=1e-12)

def autograd(f, *ts, upstream=None):
    "Autograd's gradients of `f(*ts)` (a scalar, or sent back from `upstream`) with respect to each of `ts`."
    ts = [t.detach().clone().requires_grad_() for t in ts]
    f(*ts).backward(upstream)
    return [t.grad for t in ts]

def model(n, n_in, n_hid, n_out=1, dtype=torch.float32):
    "Input and parameters `x, w1, b1, w2, b2` of a two-layer model."
    return (torch.randn(n, n_in, dtype=dtype), torch.randn(n_in, n_hid, dtype=dtype) / max(n_in, 1)**0.5,
            torch.randn(n_hid, dtype=dtype), torch.randn(n_hid, n_out, dtype=dtype) / n_hid**0.5,
            torch.randn(n_out, dtype=dtype))

def model_out(x, w1, b1, w2, b2): return lin(relu(lin(x, w1, b1)), w2, b2)

# ---------------------------------------------------------------- mse

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('n', [1, 2, 7, 200])
def test_mse_matches_torch(n, dtype):
    out, y = torch.randn(n, 1, dtype=dtype), torch.randn(n, dtype=dtype)
    assert_close(mse(out, y), F.mse_loss(out[:, 0], y))

def test_mse_empty_batch_is_nan_like_torch():
    out, y = torch.randn(0, 1), torch.randn(0)
    assert_close(mse(out, y), F.mse_loss(out[:, 0], y), equal_nan=True)

@pytest.mark.parametrize('out_shape, targ_shape, says', [
    ((5, 1), (5, 1), 'targ (5, 1)'), ((5, 1), (4,), 'output (5, 1) and targ (4,)'), ((5,), (5,), 'output (5,)'),
    ((5, 2), (5,), 'output (5, 2)'), ((2, 5, 1), (2, 5), 'output (2, 5, 1)')])
def test_mse_refuses_shapes_it_would_broadcast(out_shape, targ_shape, says):
    with pytest.raises(ValueError, match=says.replace('(', r'\(').replace(')', r'\)')):
        mse(torch.randn(out_shape), torch.randn(targ_shape))

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('n', [0, 1, 3, 64])
def test_mse_grad_matches_autograd(n, dtype):
    out, y = torch.randn(n, 1, dtype=dtype), torch.randn(n, dtype=dtype)
    mse_grad(out, y)
    expected, = autograd(lambda o: F.mse_loss(o[:, 0], y, reduction='sum') / max(n, 1), out)
    assert_close(out.g, expected, **tol(dtype))

def test_mse_grad_on_numpy_arrays():
    out, y = np.array([[1.], [3.]]), np.zeros(2)
    class A(np.ndarray): pass
    out = out.view(A)
    mse_grad(out, y)
    np.testing.assert_allclose(out.g, [[1.], [3.]])

def test_mse_grad_refuses_bad_shapes():
    with pytest.raises(ValueError, match='mse needs'): mse_grad(torch.randn(4, 1), torch.randn(4, 1))

# ---------------------------------------------------------------- relu_grad and lin_grad

@pytest.mark.parametrize('shape', [(), (0,), (5,), (4, 6), (2, 3, 4)])
@pytest.mark.parametrize('dtype', FLOATS)
def test_relu_grad_matches_torch_relu(shape, dtype):
    z, up = torch.randn(shape, dtype=dtype), torch.randn(shape, dtype=dtype)
    out = relu(z); out.g = up
    relu_grad(z, out)
    assert_close(z.g, autograd(torch.relu, z, upstream=up)[0])
    assert not hasattr(out, 'g')                            # consumed

def test_relu_grad_at_zero_is_zero_as_torch_relu():
    z = torch.tensor([-1., 0., 2.]); out = relu(z); out.g = torch.ones(3)
    relu_grad(z, out)
    assert_close(z.g, torch.tensor([0., 0., 1.]))

def test_missing_or_misshaped_out_g_is_an_error():
    z = torch.randn(4, 3); out = relu(z)
    with pytest.raises(RuntimeError, match="relu_grad: `out.g`, the gradient of this layer's output, is missing"):
        relu_grad(z, out)
    out.g = torch.ones(2, 3)
    with pytest.raises(ValueError, match=r'relu_grad: `out.g` has shape \(2, 3\) but the output has shape \(4, 3\)'):
        relu_grad(z, out)
    x, w, b = torch.randn(4, 3), torch.randn(3, 2), torch.randn(2)
    with pytest.raises(RuntimeError, match='lin_grad: `out.g`'): lin_grad(x, lin(x, w, b), w, b)

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('n, n_in, n_out', [(0, 3, 2), (1, 1, 1), (1, 5, 3), (7, 4, 4), (64, 100, 30)])
def test_lin_grad_matches_autograd(n, n_in, n_out, dtype):
    x, w, b = torch.randn(n, n_in, dtype=dtype), torch.randn(n_in, n_out, dtype=dtype), torch.randn(n_out, dtype=dtype)
    up = torch.randn(n, n_out, dtype=dtype)
    out = lin(x, w, b); out.g = up
    lin_grad(x, out, w, b)
    for ours, theirs in zip((x.g, w.g, b.g), autograd(lin, x, w, b, upstream=up)): assert_close(ours, theirs, **tol(dtype))

@hyp
@given(st.integers(0, 12), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_lin_grad_any_sizes(n, n_in, n_out, seed):
    g = torch.Generator().manual_seed(seed)
    x, w, b, up = (torch.randn(*s, generator=g, dtype=f64) for s in [(n, n_in), (n_in, n_out), (n_out,), (n, n_out)])
    out = lin(x, w, b); out.g = up
    lin_grad(x, out, w, b)
    for ours, theirs in zip((x.g, w.g, b.g), autograd(lin, x, w, b, upstream=up)): assert_close(ours, theirs)

def test_bias_gradient_is_the_sum_over_the_broadcast_rows():
    x, w, b = torch.randn(5, 3), torch.randn(3, 2), torch.randn(2)
    up = torch.arange(10.).reshape(5, 2)
    out = lin(x, w, b); out.g = up
    lin_grad(x, out, w, b)
    assert_close(b.g, torch.tensor([0. + 2 + 4 + 6 + 8, 1. + 3 + 5 + 7 + 9]))

# ---------------------------------------------------------------- forward_and_backward

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sizes', [(1, 3, 4), (2, 5, 5), (16, 8, 8), (64, 20, 50), (256, 100, 30)])
def test_forward_and_backward_mse_matches_autograd(sizes, dtype):
    ts = model(*sizes, dtype=dtype); y = torch.randn(sizes[0], dtype=dtype)
    loss = forward_and_backward(*ts[:1], y, *ts[1:])
    assert_close(loss, F.mse_loss(model_out(*ts)[:, 0], y))
    for t, theirs in zip(ts, autograd(lambda *p: mse(model_out(*p), y), *ts)):
        assert t.g.shape == t.shape
        assert_close(t.g, theirs, **tol(dtype))

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('sizes', [(1, 3, 4, 2), (2, 5, 5, 3), (32, 8, 16, 10), (256, 100, 30, 10)])
def test_forward_and_backward_cross_entropy_matches_autograd(sizes, dtype):
    n, *rest = sizes
    ts = model(n, *rest, dtype=dtype); y = torch.randint(0, sizes[-1], (n,))
    loss = forward_and_backward(*ts[:1], y, *ts[1:], loss=cross_entropy, loss_grad=cross_entropy_grad)
    assert_close(loss, F.cross_entropy(model_out(*ts), y))
    for t, theirs in zip(ts, autograd(lambda *p: F.cross_entropy(model_out(*p), y), *ts)):
        assert_close(t.g, theirs, **tol(dtype))

def test_a_stale_gradient_cannot_be_used_twice():
    x, w1, b1, w2, b2 = model(6, 3, 4)
    y = torch.randn(6)
    l1 = lin(x, w1, b1); l2 = relu(l1); out = lin(l2, w2, b2)
    mse_grad(out, y); lin_grad(l2, out, w2, b2); relu_grad(l1, l2)
    mse_grad(out, y)
    with pytest.raises(RuntimeError, match='missing'): relu_grad(l1, l2)   # lin_grad of the second layer skipped

# ---------------------------------------------------------------- compare_grads, rel_err, GradReport

def test_compare_grads_statuses_and_numbers():
    t = torch.randn(3, 4)
    r = compare_grads(dict(a=t, b=t, c=t), dict(a=t.clone(), b=t * (1 + 1e-6), c=t * 2))
    assert isinstance(r, GradReport) and isinstance(r['a'], GradResult)
    assert [v.status for v in r.values()] == ['exact', 'close', 'not close']
    assert not r.ok and compare_grads(dict(a=t), dict(a=t * (1 + 1e-6))).ok
    assert r['c'].max_diff == pytest.approx(t.abs().max().item())
    assert r['c'].rel_err == pytest.approx(0.5)
    assert r['a'].max_diff == 0 and r['a'].rel_err == 0
    text = repr(r)
    assert 'a: exact' in text and 'c: not close' in text and len(text.splitlines()) == 3

def test_compare_grads_uses_its_tolerances():
    t = torch.ones(3)
    assert compare_grads(dict(a=t), dict(a=t * 1.01), rtol=0.1).ok
    assert not compare_grads(dict(a=t), dict(a=t * 1.01), rtol=1e-4).ok

def test_compare_grads_refuses_different_shapes_and_handles_empty():
    t = torch.randn(3, 4)
    with pytest.raises(ValueError, match=r'shapes \(3, 4\) and \(4, 3\)'): compare_grads(dict(a=t), dict(a=t.T))
    r = compare_grads(dict(a=torch.zeros(0, 2)), dict(a=torch.zeros(0, 2)))
    assert r['a'] == GradResult('exact', 0., 0.)

def test_rel_err():
    a, b = torch.tensor([3., 4.]), torch.zeros(2)
    assert rel_err(a, b) == pytest.approx(1.) and rel_err(b, a) == pytest.approx(1.)
    assert rel_err(b, b) == 0.
    assert rel_err(a, 2 * a) == pytest.approx(0.5)

# ---------------------------------------------------------------- numerical_grad and check_grads

def test_numerical_grad_matches_known_derivatives_and_restores():
    x = torch.tensor([0.3, -1.2, 2.], dtype=f64)
    before = x.clone()
    assert_close(numerical_grad(lambda: x.exp().sum(), x), x.exp(), rtol=1e-8, atol=0)
    assert torch.equal(x, before)
    assert numerical_grad(lambda: torch.tensor(0.), torch.zeros(0)).shape == (0,)

@pytest.mark.parametrize('seed', range(30))
def test_numerical_grad_of_a_cube_whatever_the_seed(seed):
    "A derivative near 0 (3 m^2 for m near 0) is met within the difference's rounding error, about 1e-16 * |f| / eps: an absolute floor."
    m = torch.randn(3, 2, dtype=f64, generator=torch.Generator().manual_seed(seed))
    assert_close(numerical_grad(lambda: (m ** 3).sum(), m), 3 * m ** 2, rtol=1e-8, atol=1e-7)

def test_numerical_grad_calls_f_twice_per_element():
    calls = []
    x = torch.randn(2, 3, dtype=f64)
    numerical_grad(lambda: calls.append(1) or x.sum(), x)
    assert len(calls) == 2 * x.numel()

@pytest.mark.parametrize('t, says', [(torch.zeros(3, 2).T, 'not contiguous'), (torch.arange(3), 'got torch.int64')])
def test_numerical_grad_refuses_what_it_cannot_nudge(t, says):
    with pytest.raises(ValueError, match=says): numerical_grad(lambda: t.sum(), t)

def model_loss(x, y, w1, b1, w2, b2, loss=mse): return lambda: loss(model_out(x, w1, b1, w2, b2), y)

@pytest.mark.parametrize('sizes', [(1, 2, 3), (4, 3, 3), (8, 5, 4), (20, 6, 10)])
def test_check_grads_passes_correct_gradients_in_float64(sizes):
    ts = model(*sizes, dtype=f64); y = torch.randn(sizes[0], dtype=f64)
    forward_and_backward(ts[0], y, *ts[1:])
    r = check_grads(model_loss(ts[0], y, *ts[1:]), dict(zip('x w1 b1 w2 b2'.split(), ts)))
    assert r.ok and max(v.rel_err for v in r.values()) < 1e-6, r

def test_check_grads_catches_a_wrong_gradient():
    ts = model(6, 3, 4, dtype=f64); y = torch.randn(6, dtype=f64)
    forward_and_backward(ts[0], y, *ts[1:])
    ts[1].g = ts[1].g * 1.01                                 # 1% off
    r = check_grads(model_loss(ts[0], y, *ts[1:]), dict(zip('x w1 b1 w2 b2'.split(), ts)))
    assert [k for k, v in r.items() if v.status == 'not close'] == ['w1']

def test_check_grads_in_float32_is_too_coarse():
    ts = model(8, 5, 4); y = torch.randn(8)
    forward_and_backward(ts[0], y, *ts[1:])
    assert not check_grads(model_loss(ts[0], y, *ts[1:]), dict(zip('x w1 b1 w2 b2'.split(), ts))).ok

def test_check_grads_needs_g():
    ts = model(3, 2, 2, dtype=f64); y = torch.randn(3, dtype=f64)
    with pytest.raises(ValueError, match='no `.g` on w1, y'): check_grads(model_loss(ts[0], y, *ts[1:]), dict(w1=ts[1], y=y))

# ---------------------------------------------------------------- log_softmax

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('shift', [0., 1e2, 1e4, 1e6, -1e6, 1e10])
def test_log_softmax_on_large_close_logits(shift, dtype):
    "Logits near `shift`: the softmax ignores the shift, and so must the accuracy."
    x = torch.randn(16, 10, dtype=dtype) + shift
    assert_close(log_softmax(x), F.log_softmax(x, -1))

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('scale', [1e-3, 1., 1e2, 1e4, 1e6, 1e30])
def test_log_softmax_on_large_spread_logits(scale, dtype):
    x = torch.randn(16, 10, dtype=dtype) * scale
    assert_close(log_softmax(x), F.log_softmax(x, -1))

def test_the_tests_catch_adding_the_max_back_first():
    "The order `x - (m + log(sum))` loses float32 digits near 1e4; the tolerance above would see it."
    x = torch.randn(16, 10) + 1e4
    m = x.amax(-1, keepdim=True)
    add_back = x - (m + (x - m).exp().sum(-1, keepdim=True).log())
    with pytest.raises(AssertionError): assert_close(add_back, F.log_softmax(x, -1))

@hyp
@given(arrays(np.float32, st.tuples(st.integers(0, 6), st.integers(1, 8)),
              elements=st.floats(-2.**100, 2.**100, width=32)))
def test_log_softmax_any_float32_logits(a):
    x = torch.from_numpy(a)
    assert_close(log_softmax(x), F.log_softmax(x, -1))

@pytest.mark.parametrize('shape, dim', [((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((5,), 0), ((), -1), ((3, 0), -1), ((0, 3), -1)])
def test_log_softmax_any_dim(shape, dim):
    x = torch.randn(shape, dtype=f64) * 50
    assert_close(log_softmax(x, dim), F.log_softmax(x, dim))

def test_log_softmax_infinities_as_torch():
    inf = float('inf')
    x = torch.tensor([[-inf, 0., 1.], [-inf, -inf, -inf], [inf, 0., 1.], [-1e38, 3e38, 0.]])
    assert_close(log_softmax(x), F.log_softmax(x, -1), equal_nan=True)

def test_log_softmax_refuses_integers():
    with pytest.raises(TypeError, match='torch.int64'): log_softmax(torch.arange(3))

# ---------------------------------------------------------------- cross_entropy and cross_entropy_grad

def ce_autograd(logits, targ):
    "F.cross_entropy and its gradient with respect to the logits."
    z = logits.detach().clone().requires_grad_()
    loss = F.cross_entropy(z, targ.long())
    loss.backward()
    return loss.detach(), z.grad

@pytest.mark.parametrize('dtype', INTS)
def test_cross_entropy_every_integer_dtype(dtype):
    logits, targ = torch.randn(12, 5), torch.randint(0, 5, (12,))
    loss, grad = ce_autograd(logits, targ)
    t = targ.to(dtype)
    assert_close(cross_entropy(logits, t), loss)
    cross_entropy_grad(logits, t)
    assert_close(logits.g, grad)
    assert t.dtype == dtype                                         # the caller's tensor is left alone

@pytest.mark.parametrize('dtype', INTS)
def test_cross_entropy_square_targets_are_not_a_mask(dtype):
    "With N == C and no class 0, a uint8 index would select like a mask and give a plausible wrong number."
    logits, targ = torch.randn(4, 4), torch.tensor([1, 3, 2, 1])
    assert_close(cross_entropy(logits, targ.to(dtype)), F.cross_entropy(logits, targ))

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('make', [lambda z, s: z * s, lambda z, s: z + s])
@pytest.mark.parametrize('s', [1., 1e2, 1e4, 1e6, 1e30])
def test_cross_entropy_extreme_logits(s, make, dtype):
    logits, targ = make(torch.randn(32, 10, dtype=dtype), s), torch.randint(0, 10, (32,))
    loss, grad = ce_autograd(logits, targ)
    assert_close(cross_entropy(logits, targ), loss)
    cross_entropy_grad(logits, targ)
    assert_close(logits.g, grad)

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('n, c', [(1, 1), (1, 10), (2, 3), (200, 10)])
def test_cross_entropy_sizes(n, c, dtype):
    logits, targ = torch.randn(n, c, dtype=dtype), torch.randint(0, c, (n,))
    loss, grad = ce_autograd(logits, targ)
    assert_close(cross_entropy(logits, targ), loss)
    cross_entropy_grad(logits, targ)
    assert_close(logits.g, grad)

def test_cross_entropy_empty_batch_as_torch():
    logits, targ = torch.randn(0, 4), torch.zeros(0, dtype=torch.uint8)
    loss, grad = ce_autograd(logits, targ)
    assert_close(cross_entropy(logits, targ), loss, equal_nan=True)
    cross_entropy_grad(logits, targ)
    assert_close(logits.g, grad)

@hyp
@given(st.integers(0, 10), st.integers(1, 8), st.sampled_from(INTS), st.sampled_from(FLOATS), st.integers(0, 2**31 - 1),
       st.sampled_from([1., 1e3, 1e6]))
def test_cross_entropy_any_batch(n, c, int_dtype, dtype, seed, scale):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, generator=g, dtype=dtype) * scale
    targ = torch.randint(0, c, (n,), generator=g)
    loss, grad = ce_autograd(logits, targ)
    assert_close(cross_entropy(logits, targ.to(int_dtype)), loss, equal_nan=True)
    cross_entropy_grad(logits, targ.to(int_dtype))
    assert_close(logits.g, grad)

def test_cross_entropy_grad_facts():
    logits, targ = torch.randn(6, 5, dtype=f64), torch.randint(0, 5, (6,))
    cross_entropy_grad(logits, targ)
    assert_close(logits.g.sum(1), torch.zeros(6, dtype=f64))
    assert torch.equal(logits.g < 0, F.one_hot(targ, 5).bool())

@pytest.mark.parametrize('fn', [cross_entropy, cross_entropy_grad])
@pytest.mark.parametrize('dtype', [torch.float16, torch.float32, torch.float64, torch.bool, torch.complex64])
def test_cross_entropy_refuses_non_integer_targets(fn, dtype):
    with pytest.raises(TypeError, match=f'{fn.__name__} needs integer class indices in targ; got dtype {dtype}'):
        fn(torch.randn(3, 4), torch.tensor([0, 1, 1]).to(dtype))

@pytest.mark.parametrize('fn', [cross_entropy, cross_entropy_grad])
@pytest.mark.parametrize('targ, bad', [([0, 4, 1], 'targ[1] = 4'), ([0, 1, -1], 'targ[2] = -1'), ([-100, 0, 0], 'targ[0] = -100')])
def test_cross_entropy_refuses_indices_out_of_range(fn, targ, bad):
    with pytest.raises(IndexError, match=bad.replace('[', r'\[').replace(']', r'\]') + r' is not a class index; with 4 classes they must be in \[0, 4\)'):
        fn(torch.randn(3, 4), torch.tensor(targ))

@pytest.mark.parametrize('dtype, value', [(torch.uint8, 255), (torch.int16, 4), (torch.uint64, 2**64 - 1), (torch.int64, 2**63 - 1)])
def test_cross_entropy_out_of_range_names_the_value(dtype, value):
    with pytest.raises(IndexError, match=f'targ\\[1\\] = {value} is not a class index'):
        cross_entropy(torch.randn(2, 4), torch.tensor([0, value], dtype=dtype))

@pytest.mark.parametrize('logits, targ, err, says', [
    (torch.randn(6, 4), torch.zeros(5, dtype=torch.long), ValueError, r'got logits \(6, 4\) and targ \(5,\)'),
    (torch.randn(4), torch.zeros(1, dtype=torch.long), ValueError, r'logits \(4,\)'),
    (torch.randn(2, 3, 4), torch.zeros(2, dtype=torch.long), ValueError, r'logits \(2, 3, 4\)'),
    (torch.randn(3, 4), torch.zeros(3, 1, dtype=torch.long), ValueError, r'targ \(3, 1\)'),
    (torch.randint(0, 3, (3, 4)), torch.zeros(3, dtype=torch.long), TypeError, 'floating-point logits; got dtype torch.int64'),
    (torch.randn(3, 4), [0, 1, 2], TypeError, 'needs tensors; got Tensor and list')])
def test_cross_entropy_refuses_bad_arguments(logits, targ, err, says):
    for fn in (cross_entropy, cross_entropy_grad):
        with pytest.raises(err, match=says): fn(logits, targ)
