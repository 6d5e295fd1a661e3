"""Bulk checks of foundations.conv: conv2d, unfold2d and the pooling functions against PyTorch, forward and
backward, over random argument combinations (hypothesis); the error catalogue; the receptive-field recurrence
against the gradient of real networks; the layers, the model builder and the training loop."""
import math
import numpy as np
import pytest
import torch
from torch import nn
import torch.nn.functional as F
from torch.testing import assert_close
from hypothesis import given, settings, HealthCheck, strategies as st

from foundations.conv import (pair, unfold2d, windows_matrix, conv2d, max_pool2d, avg_pool2d, POINTWISE, RFStep, layers_of, layer_geometry,
                              rf_steps, receptive_field, describe, rf_table, pixel_grad, grad_receptive_field,
                              Conv2d, MaxPool2d, AvgPool2d, cnn, predict, fit_cnn)

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")   # PyTorch notes that it pads a copy for even kernels

slow_ok = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])

def as_arg(draw, h, w):
    "A pair (h, w) the way a caller might write it: an int when both are equal, a tuple, a list or a one-element list."
    forms = [(h, w), [h, w]] + ([h, [h], (h,)] if h == w else [])
    return draw(st.sampled_from(forms))

def grads(out, inputs, g):
    "Gradients of `out` (against the gradient `g` from above) for the inputs that require one."
    ins = [t for t in inputs if t is not None and t.requires_grad]
    return list(torch.autograd.grad(out, ins, g, allow_unused=True)) if ins else []

# ---------------------------------------------------------------- pair
def test_pair():
    assert pair(3) == (3, 3)
    assert pair((2, 5)) == (2, 5)
    assert pair([4]) == (4, 4)
    assert pair(torch.Size([1, 2])) == (1, 2)
    assert pair(np.int64(2)) == (2, 2) and type(pair(np.int64(2))[0]) is int
    for bad in (True, 1.5, (1, 2.0), '3', None):
        with pytest.raises(TypeError, match='stride must be an int or a pair of ints'): pair(bad, 'stride')
    with pytest.raises(ValueError, match=r'got \(1, 2, 3\)'): pair((1, 2, 3), 'padding')

# ---------------------------------------------------------------- unfold2d
@st.composite
def unfold_case(draw):
    kh, kw, sh, sw, dh, dw = (draw(st.integers(1, 3)) for _ in range(6))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    H = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 9)); W = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 9))
    return (draw(st.integers(0, 2)), draw(st.integers(1, 3)), H, W), (kh, kw), (sh, sw), (ph, pw), (dh, dw)

@slow_ok
@given(unfold_case())
def test_unfold2d_matches_F_unfold(case):
    shape, k, s, p, d = case
    x = torch.randn(shape, dtype=torch.float64)
    wins = unfold2d(x, k, s, p, d)
    N, C = shape[:2]
    assert wins.shape[:4] == (N, C, *k)
    assert_close(wins.reshape(N, C * k[0] * k[1], wins.shape[-2] * wins.shape[-1]), F.unfold(x, k, dilation=d, padding=p, stride=s))

def test_unfold2d_is_a_view_of_views():
    big = torch.randn(3, 4, 10, 12)
    x = big[1:, :, 2:, 1::2].transpose(2, 3)            # an offset, strided, transposed view
    wins = unfold2d(x, 3, 2)
    assert wins.untyped_storage().data_ptr() == big.untyped_storage().data_ptr()   # no copy without padding
    assert_close(wins.reshape(2, 4 * 9, -1), F.unfold(x.contiguous(), 3, stride=2))
    padded = unfold2d(x, 3, 1, 1, value=-7.)
    assert padded[0, 0, 0, 0, 0, 0] == -7.                # the padding holds `value`

def test_unfold2d_errors():
    with pytest.raises(ValueError, match=r'\(N, C, H, W\), got \(3, 4, 4\)'): unfold2d(torch.randn(3, 4, 4), 2)
    with pytest.raises(ValueError, match='at least 1'): unfold2d(torch.randn(1, 1, 4, 4), 0)
    with pytest.raises(ValueError, match='at least 1'): unfold2d(torch.randn(1, 1, 4, 4), 2, stride=0)
    with pytest.raises(ValueError, match='at least 0'): unfold2d(torch.randn(1, 1, 4, 4), 2, padding=-1)
    with pytest.raises(ValueError, match='larger than the padded input'): unfold2d(torch.randn(1, 1, 4, 4), 3, dilation=2)

# ---------------------------------------------------------------- conv2d against F.conv2d
@st.composite
def conv_case(draw):
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))   # zero channels: see below
    kh, kw, dh, dw = (draw(st.integers(1, 4 if i < 2 else 3)) for i in range(4))
    same = draw(st.booleans()) and draw(st.booleans())
    sh, sw = (1, 1) if same else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    ph, pw = (0, 0) if same else (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    H = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 10)); W = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 10))
    if same: H, W = max(H, dh * (kh - 1) + 1), max(W, dw * (kw - 1) + 1)   # the unpadded size does not matter for 'same'
    padding = 'same' if same else draw(st.sampled_from(['valid', as_arg(draw, ph, pw)])) if (ph, pw) == (0, 0) else as_arg(draw, ph, pw)
    kwargs = dict(stride=as_arg(draw, sh, sw), padding=padding, dilation=as_arg(draw, dh, dw), groups=groups)
    n = draw(st.sampled_from([None, 0, 1, 2, 3]))        # None: one image without a batch dimension
    return dict(x=(cin, H, W) if n is None else (n, cin, H, W), w=(cout, cin // groups, kh, kw), bias=draw(st.booleans()),
                transposed=draw(st.booleans()), kwargs=kwargs)

@slow_ok
@given(conv_case())
def test_conv2d_matches_F_conv2d_forward_and_backward(case):
    xs = case['x']
    x = torch.randn(xs, dtype=torch.float64)
    if case['transposed']: x = torch.randn(*xs[:-2], xs[-1], xs[-2], dtype=torch.float64).transpose(-1, -2)   # not contiguous
    x.requires_grad_()
    w = torch.randn(case['w'], dtype=torch.float64, requires_grad=True)
    b = torch.randn(case['w'][0], dtype=torch.float64, requires_grad=True) if case['bias'] else None
    ours, theirs = conv2d(x, w, b, **case['kwargs']), F.conv2d(x, w, b, **case['kwargs'])
    assert_close(ours, theirs)
    g = torch.randn_like(theirs)
    for g1, g2 in zip(grads(ours, [x, w, b], g), grads(theirs, [x, w, b], g)):
        if g2 is None: assert g1 is None or not g1.any()
        else: assert_close(g1, g2)

def test_conv2d_gradcheck():
    x, w, b = (torch.randn(*s, dtype=torch.float64, requires_grad=True) for s in [(2, 4, 7, 6), (6, 2, 3, 2), (6,)])
    assert torch.autograd.gradcheck(lambda x, w, b: conv2d(x, w, b, (2, 1), 1, (1, 2), 2), (x, w, b))
    x = torch.randn(1, 1, 5, 6, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 1, 4, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w: conv2d(x, w, padding='same', dilation=(1, 3)), (x, w))

def test_conv2d_integer_and_half():
    x, w = torch.randint(-5, 5, (2, 3, 6, 6)), torch.randint(-3, 3, (4, 3, 3, 3))
    assert_close(conv2d(x, w, stride=2, padding=1), F.conv2d(x, w, stride=2, padding=1))
    x, w = torch.randn(1, 2, 6, 6), torch.randn(3, 2, 3, 3)
    assert_close(conv2d(x.half(), w.half()), F.conv2d(x.half(), w.half()), rtol=2e-2, atol=2e-2)

def test_conv2d_zero_input_channels():
    "A sum over no channels is 0: the output has the usual shape and holds the bias. (PyTorch returns no output channels at all.)"
    x, w, b = torch.randn(2, 0, 5, 6), torch.randn(3, 0, 3, 2), torch.randn(3)
    assert F.conv2d(x, w, b).shape == (2, 0, 3, 5)
    out = conv2d(x, w, b, padding=1)
    assert_close(out, b[:, None, None].expand(2, 3, 5, 7).contiguous())
    assert_close(conv2d(x[0], w), torch.zeros(3, 3, 5))

def test_conv2d_same_padding_even_kernels():
    "An even dilated kernel puts the extra zero at the bottom and right, as PyTorch does."
    x = torch.randn(1, 1, 6, 7)
    for k, d in [((2, 4), 1), ((4, 2), (1, 3)), ((2, 2), 2), ((1, 4), (3, 1))]:
        w = torch.randn(1, 1, *k)
        assert_close(conv2d(x, w, padding='same', dilation=d), F.conv2d(x, w, padding='same', dilation=d))

ERRORS = [  # (our call, what F.conv2d is called with, exception, words of our message)
    (dict(x=(2, 3, 8, 8), w=(4, 2, 3, 3)), {}, ValueError, 'has 3 channels'),
    (dict(x=(2, 4, 8, 8), w=(3, 2, 3, 3)), dict(groups=2), ValueError, 'does not divide the 3 kernels'),
    (dict(x=(2, 3, 8, 8), w=(3, 1, 3, 3)), dict(groups=2), ValueError, 'has 3 channels'),
    (dict(x=(2, 3, 4, 4), w=(4, 3, 5, 5)), {}, ValueError, 'larger than the padded input (4 x 4)'),
    (dict(x=(2, 3, 4, 4), w=(4, 3, 3, 3)), dict(dilation=2), ValueError, 'larger than the padded input'),
    (dict(x=(2, 3, 2, 9), w=(4, 3, 5, 3)), dict(padding=1), ValueError, 'padded input (4 x 11)'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(stride=0), ValueError, 'positive stride'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(dilation=(1, 0)), ValueError, 'positive dilation'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(padding=-1), ValueError, 'padding of at least 0'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(groups=0), ValueError, 'positive int'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(stride=(1, 1, 1)), ValueError, 'pair of ints'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(padding=1.5), TypeError, 'pair of ints'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(stride=2, padding='same'), ValueError, "padding='same' needs stride 1"),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3)), dict(padding='full'), ValueError, "'valid' or 'same'"),
    (dict(x=(8, 8), w=(4, 1, 3, 3)), {}, ValueError, '(N, C, H, W) or (C, H, W), got (8, 8)'),
    (dict(x=(1, 2, 3, 8, 8), w=(4, 3, 3, 3)), {}, ValueError, 'got (1, 2, 3, 8, 8)'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3)), {}, ValueError, 'w of shape'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 0, 3)), {}, ValueError, 'at least 1 x 1'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3), b=(3,)), {}, ValueError, 'b of shape (4,), got (3,)'),
    (dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3), b=(4, 1)), {}, ValueError, 'b of shape (4,)'),
]

@pytest.mark.parametrize('shapes,kwargs,exc,words', ERRORS)
def test_conv2d_errors_where_torch_refuses(shapes, kwargs, exc, words):
    x, w = torch.randn(shapes['x']), torch.randn(shapes['w'])
    b = torch.randn(shapes['b']) if 'b' in shapes else None
    with pytest.raises((RuntimeError, TypeError, ValueError)): F.conv2d(x, w, b, **kwargs)   # PyTorch refuses too
    with pytest.raises(exc) as e: conv2d(x, w, b, **kwargs)
    assert words in str(e.value) and ('conv2d' in str(e.value) or words == 'pair of ints'), str(e.value)

def test_conv2d_dtype_errors():
    x, w = torch.randn(1, 3, 8, 8), torch.randn(4, 3, 3, 3)
    for args in [(x, w.double()), (x, w, torch.randn(4).double()), (x.double(), w)]:
        with pytest.raises(RuntimeError): F.conv2d(*args)
        with pytest.raises(TypeError, match='one dtype'): conv2d(*args)

# ---------------------------------------------------------------- pooling against torch
@st.composite
def pool_case(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    stride = draw(st.sampled_from([None, 'pair']))
    if stride: stride = as_arg(draw, draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    H, W = draw(st.integers(max(1, kh - 2 * ph), 9)), draw(st.integers(max(1, kw - 2 * pw), 9))
    n = draw(st.sampled_from([None, 0, 1, 2]))
    shape = (draw(st.integers(1, 3)), H, W)
    return (shape if n is None else (n, *shape)), as_arg(draw, kh, kw), stride, as_arg(draw, ph, pw), draw(st.booleans())

@slow_ok
@given(pool_case())
def test_pooling_matches_torch_forward_and_backward(case):
    shape, k, s, p, ties = case
    x = torch.randint(-2, 3, shape).double() if ties else torch.randn(shape, dtype=torch.float64)   # small integers: many ties
    for ours, theirs in [(max_pool2d, F.max_pool2d), (avg_pool2d, F.avg_pool2d)]:
        xg = x.clone().requires_grad_()
        o1, o2 = ours(xg, k, s, p), theirs(xg, k, s, p)
        assert_close(o1, o2)
        g = torch.randn_like(o2)
        assert_close(torch.autograd.grad(o1, xg, g)[0], torch.autograd.grad(o2, xg, g)[0])

@pytest.mark.parametrize('dtype', [torch.int64, torch.int32, torch.int16, torch.uint8, torch.float16, torch.bfloat16])
def test_pooling_other_dtypes(dtype):
    x = torch.randint(0 if dtype == torch.uint8 else -100, 100, (2, 3, 9, 8)).to(dtype)
    for k, s, p in [(2, None, 0), (3, 2, 1), ((3, 2), 1, (1, 0))]:
        assert_close(max_pool2d(x, k, s, p), F.max_pool2d(x, k, s, p))
        if dtype.is_floating_point or dtype == torch.int64:
            assert_close(avg_pool2d(x, k, s, p), F.avg_pool2d(x, k, s, p), rtol=1e-2 if dtype == torch.bfloat16 else None,
                         atol=1e-2 if dtype == torch.bfloat16 else None)   # int64: rounds toward zero
        else:                                                              # PyTorch averages no other integers
            with pytest.raises(NotImplementedError): F.avg_pool2d(x, k, s, p)
            with pytest.raises(TypeError, match='floating-point or int64'): avg_pool2d(x, k, s, p)

def test_max_pool_nan_and_inf():
    x = torch.randn(1, 2, 6, 6)
    x[0, 0, 1, 1], x[0, 1, 4, 4], x[0, 1, 0, 0] = math.nan, math.inf, -math.inf
    assert_close(max_pool2d(x, 3, 2, 1), F.max_pool2d(x, 3, 2, 1), equal_nan=True)

POOL_ERRORS = [
    (dict(x=(1, 3, 8, 8), k=3, p=2), ValueError, 'half the kernel'),
    (dict(x=(1, 3, 8, 8), k=2, p=-1), ValueError, 'between 0 and half'),
    (dict(x=(1, 3, 8, 8), k=9), ValueError, 'larger than the padded input (8 x 8)'),
    (dict(x=(1, 3, 8, 8), k=0), ValueError, 'at least 1'),
    (dict(x=(1, 3, 8, 8), k=2, s=0), ValueError, 'at least 1'),
    (dict(x=(8, 8), k=2), ValueError, 'got (8, 8)'),
    (dict(x=(2, 3, 0, 8), k=1), ValueError, 'at least 1'),
    (dict(x=(2, 0, 4, 8), k=2), ValueError, 'at least 1'),
    (dict(x=(1, 3, 8, 8), k=(2, 2, 2)), ValueError, 'pair of ints'),
]

@pytest.mark.parametrize('fs', [(max_pool2d, F.max_pool2d), (avg_pool2d, F.avg_pool2d)])
@pytest.mark.parametrize('args,exc,words', POOL_ERRORS)
def test_pooling_errors_where_torch_refuses(fs, args, exc, words):
    ours, theirs = fs
    x = torch.randn(args['x'])
    with pytest.raises((RuntimeError, TypeError, ValueError, IndexError)): theirs(x, args['k'], args.get('s'), args.get('p', 0))
    with pytest.raises(exc) as e: ours(x, args['k'], args.get('s'), args.get('p', 0))
    assert words in str(e.value) and (ours.__name__ in str(e.value) or words == 'pair of ints'), str(e.value)

def test_max_pool_refuses_bool():
    x = torch.ones(1, 1, 4, 4, dtype=torch.bool)
    with pytest.raises(RuntimeError): F.max_pool2d(x, 2)
    with pytest.raises(TypeError, match='real numbers'): max_pool2d(x, 2)

# ---------------------------------------------------------------- receptive fields
def test_recurrence_by_hand():
    assert receptive_field([]) == (1, 1)
    assert receptive_field(nn.Conv2d(1, 1, 3)) == (3, 3)
    assert receptive_field([nn.Conv2d(1, 1, 3)] * 3) == (7, 7)
    assert receptive_field(nn.Conv2d(1, 1, (5, 3), dilation=(2, 3))) == (9, 7)
    assert receptive_field([nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3)]) == (7, 7)
    assert receptive_field([nn.MaxPool2d(2), nn.Conv2d(1, 1, 3), nn.AvgPool2d(3, 2)]) == (10, 10)
    vgg = []
    for n in (2, 2, 3, 3, 3): vgg += [nn.Conv2d(1, 1, 3, padding=1), nn.ReLU()] * n + [nn.MaxPool2d(2)]
    assert receptive_field(vgg[:-1]) == (196, 196) and receptive_field(vgg) == (212, 212)   # VGG-16 conv5_3, pool5
    rows = rf_steps([nn.Conv2d(1, 1, 3, stride=(2, 1)), nn.ReLU(), nn.MaxPool2d(2, dilation=2)])
    assert [type(r) for r in rows] == [RFStep] * 3
    assert [(r.k, r.s, r.r, r.j) for r in rows] == [((3, 3), (2, 1), (3, 3), (2, 1)), ((1, 1), (1, 1), (3, 3), (2, 1)),
                                                     ((3, 3), (2, 2), (7, 5), (4, 2))]

def test_layers_of_unpacks_nested_sequentials():
    a, b, c = nn.Conv2d(1, 1, 3), nn.ReLU(), nn.MaxPool2d(2)
    assert list(layers_of(nn.Sequential(a, nn.Sequential(b, nn.Sequential(c))))) == [a, b, c]
    assert list(layers_of(a)) == [a] and list(layers_of([a, c])) == [a, c]
    assert receptive_field(nn.Sequential(a, nn.Sequential(b, c))) == receptive_field([a, b, c]) == (4, 4)

@pytest.mark.parametrize('layer', [nn.Linear(4, 4), nn.Flatten(), nn.Conv1d(1, 1, 3), nn.AdaptiveAvgPool2d(1), nn.Upsample(scale_factor=2),
                                   nn.LayerNorm(4), nn.ZeroPad2d(1)])
def test_unknown_layers_are_refused(layer):
    with pytest.raises(TypeError, match='is not a Conv2d, MaxPool2d, AvgPool2d or pointwise layer'):
        receptive_field([nn.Conv2d(1, 1, 3), layer])

def test_pointwise_layers_change_nothing():
    layers = [nn.Conv2d(1, 2, 3)] + [cls(2) if cls in (nn.BatchNorm2d,) else cls() for cls in POINTWISE]
    assert receptive_field(layers) == (3, 3)
    assert layer_geometry(nn.BatchNorm2d(3)) == ((1, 1), (1, 1))

def test_describe_and_table():
    assert describe(nn.ReLU()) == 'ReLU'
    assert describe(nn.Conv2d(1, 1, 3, padding=1)) == 'Conv2d 3x3 padding 1'
    assert describe(nn.Conv2d(1, 1, (3, 5), stride=(2, 1), dilation=2)) == 'Conv2d 3x5 stride 2x1 dilation 2'
    assert describe(nn.Conv2d(1, 1, 3, padding='same')) == 'Conv2d 3x3 padding same'
    assert describe(MaxPool2d(2)) == 'MaxPool2d 2x2 stride 2'
    table = rf_table([nn.Conv2d(1, 1, 3, stride=2), nn.ReLU(), nn.AvgPool2d((3, 1), 1)]).splitlines()
    assert len(table) == 5 and table[1].split() == ['input', '1', '1']
    assert table[2].split() == ['Conv2d', '3x3', 'stride', '2', '3', '2', '3', '2']
    assert table[4].split() == ['AvgPool2d', '3x1', '3x1', '1', '7x3', '2']

@st.composite
def layer_stack(draw):
    layers, c = [], draw(st.integers(1, 2))
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(['conv', 'conv', 'max', 'avg', 'pointwise']))
        k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        if kind == 'conv':
            co = draw(st.integers(1, 2))
            layers.append(draw(st.sampled_from([nn.Conv2d, Conv2d]))(c, co, k, s, (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
                                                                   (draw(st.integers(1, 3)), draw(st.integers(1, 3))), groups=1))
            c = co
        elif kind == 'max':
            d = draw(st.integers(1, 2))
            layers.append(nn.MaxPool2d(k, s, (draw(st.integers(0, (d * (k[0] - 1) + 1) // 2)), draw(st.integers(0, (d * (k[1] - 1) + 1) // 2))), d))
        elif kind == 'avg':
            layers.append(draw(st.sampled_from([nn.AvgPool2d, AvgPool2d]))(k, s, (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))))
        else:
            layers.append(draw(st.sampled_from([nn.ReLU(), nn.BatchNorm2d(c), nn.Dropout(0.5), nn.Identity(), nn.GELU(), nn.Tanh()])))
    return layers

@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(layer_stack())
def test_receptive_field_equals_the_gradient_region(layers):
    r, j = rf_steps(layers)[-1].r, rf_steps(layers)[-1].j
    size = 4 * max(r) + 4 * max(j) + 8
    assert grad_receptive_field(nn.Sequential(*layers).train(), size) == r

def test_gradient_region_of_a_trained_looking_network():
    "Negative weights, biases, a trained batch norm and max pools: the measurement does not depend on them."
    torch.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                        nn.Conv2d(4, 4, 3, dilation=2), nn.ReLU(), nn.MaxPool2d(2, dilation=2))
    with torch.no_grad():
        net[1].weight.fill_(-1.); net[1].bias.fill_(-10.); net[1].running_mean.fill_(5.); net[0].bias.fill_(-10.)
    before = [p.clone() for p in net.state_dict().values()]
    assert grad_receptive_field(net, 64) == receptive_field(net) == (17, 17)   # 3, 5, 13, 17
    assert all(torch.equal(a, b) for a, b in zip(before, net.state_dict().values()))   # measured on a copy

def test_pixel_grad():
    g = pixel_grad(nn.Conv2d(1, 1, 3), 7)
    assert g.shape == (7, 7) and g.dtype == torch.float64
    expected = torch.zeros(7, 7); expected[2:5, 2:5] = 1 / 9
    assert_close(g, expected.double())
    g = pixel_grad(nn.Conv2d(3, 1, 2), (5, 6), pixel=(0, 4))
    expected = torch.zeros(5, 6); expected[0:2, 4:6] = 3 / 12        # three channels, each 1/12
    assert_close(g, expected.double())
    g = pixel_grad(nn.MaxPool2d(2), 4, (1, 0))
    assert_close(g, torch.tensor([[0, 0, 0, 0], [0, 0, 0, 0], [.25, .25, 0, 0], [.25, .25, 0, 0]], dtype=torch.float64))

def test_grad_receptive_field_refuses_a_field_cut_by_the_border():
    with pytest.raises(ValueError, match='use a larger size'): grad_receptive_field([nn.Conv2d(1, 1, 3, padding=1)] * 4, 7)
    assert grad_receptive_field([nn.Conv2d(1, 1, 3, padding=1)] * 4, 11) == (9, 9)
    # cut on one side only: the centre pixel's field of a strided, padded layer sits off-centre
    for layer, size in [(nn.Conv2d(1, 1, 5, padding=2), (9, 6)), (nn.Conv2d(1, 1, 5, padding=2), (6, 9)),
                        (nn.Conv2d(1, 1, 3, stride=2, padding=2), (4, 9)), (nn.Conv2d(1, 1, 3, stride=2, padding=2), (9, 4))]:
        with pytest.raises(ValueError, match='reaches the border'): grad_receptive_field(layer, size)
    with pytest.raises(TypeError): grad_receptive_field([nn.Flatten()], 8)

# ---------------------------------------------------------------- layers and model
def test_conv_layer_matches_nn_conv2d():
    torch.manual_seed(1)
    x = torch.randn(2, 4, 9, 8)
    for kw in [dict(), dict(stride=2, padding=1), dict(padding='same', dilation=2), dict(groups=2, bias=False),
               dict(padding=2, padding_mode='reflect'), dict(padding=(1, 2), padding_mode='circular'), dict(padding=1, padding_mode='replicate')]:
        ours, ref = Conv2d(4, 6, 3, **kw), nn.Conv2d(4, 6, 3, **kw)
        ref.load_state_dict(ours.state_dict())
        assert_close(ours(x), ref(x))

def test_conv_layer_initialization():
    torch.manual_seed(2)
    layer = Conv2d(64, 128, 3, groups=2)
    fan_in = 32 * 9
    assert abs(layer.weight.std().item() / math.sqrt(2 / fan_in) - 1) < 0.05
    assert abs(layer.weight.mean().item()) < 0.01
    assert torch.equal(layer.bias, torch.zeros(128))
    assert Conv2d(4, 4, 3, bias=False).bias is None

def test_pool_layers():
    x = torch.randn(2, 3, 9, 9)
    assert_close(MaxPool2d(3, 2, 1)(x), nn.MaxPool2d(3, 2, 1)(x))
    assert_close(AvgPool2d((2, 3), 1)(x), nn.AvgPool2d((2, 3), 1)(x))
    assert_close(MaxPool2d(2)(x), F.max_pool2d(x, 2))
    assert isinstance(MaxPool2d(2), nn.MaxPool2d) and isinstance(AvgPool2d(2), nn.AvgPool2d)

def test_cnn():
    torch.manual_seed(0)
    model = cnn()
    x = torch.randn(5, 1, 28, 28)
    assert model(x).shape == (5, 10)
    assert sum(p.numel() for p in model.parameters()) == 144 + 32 + 16 * 32 * 9 + 64 + 32 * 64 * 9 + 128 + 64 * 49 * 10 + 10
    assert receptive_field(model[:-2]) == (18, 18)
    assert [type(l) for l in model if isinstance(l, (nn.Conv2d, nn.MaxPool2d))] == [Conv2d, MaxPool2d, Conv2d, MaxPool2d, Conv2d]
    small = cnn((4, 8), n_classes=3, size=16, pool=AvgPool2d)
    assert small(torch.randn(2, 1, 16, 16)).shape == (2, 3) and isinstance(small[3], AvgPool2d)
    twin = cnn(conv=nn.Conv2d, pool=nn.MaxPool2d)
    twin.load_state_dict(model.state_dict())
    assert_close(model(x), twin(x))

def test_predict():
    torch.manual_seed(0)
    model = cnn((4, 8))
    x = torch.randn(7, 1, 28, 28)
    model.train()
    out = predict(model, x, bs=3)
    assert model.training and not out.requires_grad and out.shape == (7, 10)
    model.eval()
    with torch.no_grad(): assert_close(out, model(x))
    assert not predict(model, x).requires_grad and not model.training

def test_fit_cnn_learns_and_repeats():
    "Images bright on the left are class 0, bright on the right class 1: a few steps learn it; the same seeds give the same run."
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 1, 28, 28, generator=g) * 0.3
    y = torch.randint(0, 2, (512,), generator=g)
    x[y == 0, :, :, :14] += 1.; x[y == 1, :, :, 14:] += 1.
    runs = []
    for _ in range(2):
        torch.manual_seed(5)
        model = cnn((4, 8), n_classes=2)
        runs.append(fit_cnn(model, x[:384], y[:384], epochs=2, lr=1e-2, bs=64, valid=(x[384:], y[384:])))
    hist = runs[0]
    assert runs[0] == runs[1]
    assert len(hist['loss']) == 2 * 6 and len(hist['acc']) == 2
    assert hist['acc'][-1] > 0.95 and hist['loss'][-1] < hist['loss'][0] / 2, hist
    from foundations.training import accuracy
    assert hist['acc'][-1] == accuracy(predict(model, x[384:]), y[384:])      # scored on `valid`
    assert fit_cnn(model, x[:64], y[:64], epochs=1)['acc'] == []
    wrong = (x[384:], 1 - y[384:])                                          # every label swapped: the model gets them all wrong
    assert fit_cnn(model, x[:64], y[:64], epochs=1, lr=1e-4, valid=wrong)['acc'] == [accuracy(predict(model, wrong[0]), wrong[1])]
    assert accuracy(predict(model, wrong[0]), wrong[1]) < 0.1

def test_fit_cnn_is_the_loop_written_out():
    "AdamW with weight decay, a one-cycle schedule over all the steps, the batches of `batches`: step for step the same losses."
    from foundations.training import batches
    x, y = torch.randn(200, 1, 28, 28), torch.randint(0, 10, (200,))
    torch.manual_seed(7); model = cnn((4, 8))
    hist = fit_cnn(model, x, y, epochs=3, lr=2e-2, bs=48, wd=0.05, seed=3)
    torch.manual_seed(7); ref = cnn((4, 8))
    opt = torch.optim.AdamW(ref.parameters(), lr=2e-2, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-2, total_steps=3 * 5)
    gen, losses = torch.Generator().manual_seed(3), []
    for _ in range(3):
        for idx in batches(200, 48, gen):
            loss = F.cross_entropy(ref(x[idx]), y[idx])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step(); losses.append(loss.item())
    assert hist['loss'] == losses
    for p, q in zip(model.parameters(), ref.parameters()): assert torch.equal(p, q)

# ---------------------------------------------------------------- max pooling's winner on ties, NaN and -inf, as PyTorch picks it
@st.composite
def tie_case(draw):
    "A small input drawn from a few values (ties everywhere, NaN and -inf among them) and pooling arguments with padding."
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(max(1, kh - 2 * ph), 7)), draw(st.integers(max(1, kw - 2 * pw), 7))
    pool = draw(st.lists(st.sampled_from([math.nan, -math.inf, math.inf, 0., 1., -1.]), min_size=1, max_size=4, unique_by=str))
    vals = draw(st.lists(st.sampled_from(pool), min_size=2 * H * W, max_size=2 * H * W))
    return torch.tensor(vals, dtype=torch.float64).view(1, 2, H, W), (kh, kw), (sh, sw), (ph, pw)

@slow_ok
@given(tie_case())
def test_max_pool_gradient_goes_to_pytorchs_winner(case):
    x, k, s, p = case
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    o1, o2 = max_pool2d(xa, k, s, p), F.max_pool2d(xb, k, s, p)
    assert_close(o1, o2, equal_nan=True)
    g = torch.arange(1., o2.numel() + 1, dtype=torch.float64).view_as(o2)   # a different weight for each output
    o1.backward(g); o2.backward(g)
    assert_close(xa.grad, xb.grad)

def test_max_pool_winner_examples():
    "The two cases by hand: an all-NaN window sends its gradient to its last element; a -inf window with padding to its first pixel."
    x = torch.full((1, 1, 2, 2), math.nan, requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    assert_close(x.grad, torch.tensor([[[[0., 0.], [0., 1.]]]]))
    x = torch.full((1, 1, 2, 2), -math.inf, requires_grad=True)
    max_pool2d(x, 3, 1, 1).sum().backward()          # four windows, each with padding before its first pixel
    xt = torch.full((1, 1, 2, 2), -math.inf, requires_grad=True)
    F.max_pool2d(xt, 3, 1, 1).sum().backward()
    assert_close(x.grad, xt.grad)
    assert x.grad.sum() == 4

# ---------------------------------------------------------------- every option of F.max_pool2d and F.avg_pool2d
@st.composite
def pool_options_case(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lo_h, lo_w = max(1, dh * (kh - 1) + 1 - 2 * ph), max(1, dw * (kw - 1) + 1 - 2 * pw)
    H, W = draw(st.integers(lo_h, lo_h + 6)), draw(st.integers(lo_w, lo_w + 6))
    stride = draw(st.sampled_from([None, (), 'pair']))
    if stride == 'pair': stride = as_arg(draw, draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    n = draw(st.sampled_from([None, 1, 2]))
    shape = (draw(st.integers(1, 3)), H, W) if n is None else (n, draw(st.integers(1, 3)), H, W)
    return dict(shape=shape, k=as_arg(draw, kh, kw), s=stride, p=as_arg(draw, ph, pw), d=as_arg(draw, dh, dw),
                ceil=draw(st.booleans()), count=draw(st.booleans()), div=draw(st.sampled_from([None, 1, 3, -2])),
                ties=draw(st.booleans()), channels_last=draw(st.booleans()))

def pool_input(case):
    x = torch.randint(-2, 3, case['shape']).double() if case['ties'] else torch.randn(case['shape'], dtype=torch.float64)
    if case['channels_last'] and x.dim() == 4: x = x.contiguous(memory_format=torch.channels_last)
    return x

def same_layout(a, b):
    for fmt in (torch.contiguous_format, torch.channels_last) if a.dim() == 4 else (torch.contiguous_format,):
        assert a.is_contiguous(memory_format=fmt) == b.is_contiguous(memory_format=fmt), (fmt, a.stride(), b.stride())

@slow_ok
@given(pool_options_case())
def test_max_pool_options_match_torch(case):
    x = pool_input(case)
    kw = dict(kernel_size=case['k'], stride=case['s'], padding=case['p'], dilation=case['d'], ceil_mode=case['ceil'])
    try: theirs, ti = F.max_pool2d(x, return_indices=True, **kw)
    except RuntimeError:                                       # PyTorch refuses (a window of padding only): so do we
        with pytest.raises(ValueError): max_pool2d(x, **kw)
        return
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours, oi = max_pool2d(xa, return_indices=True, **kw)
    theirs, ti = F.max_pool2d(xb, return_indices=True, **kw)
    assert_close(ours, theirs)
    assert torch.equal(oi, ti) and oi.dtype == torch.int64
    same_layout(ours, theirs); same_layout(oi, ti)
    assert_close(max_pool2d(x, **kw), theirs.detach())         # without indices: the values alone
    if theirs.isinf().any(): return     # a window without a pixel (x has no inf): PyTorch's index, outside it, gets its gradient
    g = torch.randn_like(theirs)
    ours.backward(g); theirs.backward(g)
    assert_close(xa.grad, xb.grad)

@slow_ok
@given(pool_options_case())
def test_avg_pool_options_match_torch(case):
    x = pool_input(case)
    kw = dict(kernel_size=case['k'], stride=case['s'], padding=case['p'], ceil_mode=case['ceil'],
              count_include_pad=case['count'], divisor_override=case['div'])
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours, theirs = avg_pool2d(xa, **kw), F.avg_pool2d(xb, **kw)
    assert_close(ours, theirs)
    same_layout(ours, theirs)
    g = torch.randn_like(theirs)
    ours.backward(g); theirs.backward(g)
    assert_close(xa.grad, xb.grad)

def test_avg_pool_int64_with_options():
    x = torch.randint(-50, 50, (2, 3, 7, 6))
    for kw in [dict(ceil_mode=True), dict(count_include_pad=False), dict(divisor_override=4), dict(divisor_override=-3)]:
        assert_close(avg_pool2d(x, 3, 2, 1, **kw), F.avg_pool2d(x, 3, 2, 1, **kw))

def test_pool_option_errors_name_the_argument():
    x = torch.randn(1, 2, 8, 8)
    with pytest.raises(RuntimeError): F.max_pool2d(x, 2, dilation=0)
    with pytest.raises(ValueError, match='dilation must be at least 1'): max_pool2d(x, 2, dilation=0)
    with pytest.raises(TypeError, match='dilation must be an int or a pair'): max_pool2d(x, 2, dilation=1.5)
    with pytest.raises(RuntimeError): F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match='divisor_override must not be zero'): avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(TypeError, match='divisor_override must be an int'): avg_pool2d(x, 2, divisor_override=2.5)
    with pytest.raises(TypeError, match='ceil_mode must be True or False'): max_pool2d(x, 2, ceil_mode='yes')
    with pytest.raises(TypeError, match='count_include_pad must be True or False'): avg_pool2d(x, 2, count_include_pad=None)
    with pytest.raises(TypeError): avg_pool2d(x, 2, dilation=2)             # F.avg_pool2d has no dilation either
    with pytest.raises(TypeError): F.avg_pool2d(x, 2, dilation=2)
    with pytest.raises(ValueError, match=r'the 5 x 5 window \(dilation \(2, 2\)\) is larger than the padded input \(4 x 4\)'):
        max_pool2d(torch.randn(1, 1, 4, 4), 3, dilation=2)

def test_pool_layers_take_every_option():
    x = torch.randn(2, 3, 9, 9).contiguous(memory_format=torch.channels_last)
    for kw in [dict(), dict(stride=2, padding=1, dilation=2, ceil_mode=True), dict(stride=(), return_indices=True)]:
        ours, theirs = MaxPool2d(3, **kw)(x), nn.MaxPool2d(3, **kw)(x)
        assert_close(ours, theirs)
        same_layout(ours[0] if isinstance(ours, tuple) else ours, theirs[0] if isinstance(theirs, tuple) else theirs)
    for kw in [dict(), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), dict(divisor_override=2)]:
        ours, theirs = AvgPool2d(3, **kw)(x), nn.AvgPool2d(3, **kw)(x)
        assert_close(ours, theirs)
        same_layout(ours, theirs)
    assert repr(MaxPool2d(3, 2, 1, 2, ceil_mode=True)).endswith(repr(nn.MaxPool2d(3, 2, 1, 2, ceil_mode=True))[len('MaxPool2d'):])

# ---------------------------------------------------------------- PyTorch's names
def test_conv2d_takes_pytorchs_keyword_names():
    x, w, b = torch.randn(2, 4, 7, 7), torch.randn(6, 2, 3, 3), torch.randn(6)
    kw = dict(stride=2, padding=1, dilation=1, groups=2)
    assert_close(conv2d(input=x, weight=w, bias=b, **kw), F.conv2d(input=x, weight=w, bias=b, **kw))
    assert_close(conv2d(x, weight=w, **kw), F.conv2d(x, weight=w, **kw))

def test_pool_functions_take_pytorchs_keyword_names():
    x = torch.randn(2, 3, 8, 8)
    assert_close(max_pool2d(input=x, kernel_size=2), F.max_pool2d(input=x, kernel_size=2))
    assert_close(avg_pool2d(input=x, kernel_size=2), F.avg_pool2d(input=x, kernel_size=2))

def test_conv_layer_refuses_none():
    with pytest.raises(TypeError): nn.Conv2d(1, 1, 3)(None)
    with pytest.raises(TypeError, match='conv2d needs input to be a torch.Tensor, got NoneType'): Conv2d(1, 1, 3)(None)
    with pytest.raises(TypeError, match='max_pool2d needs x to be a torch.Tensor'): MaxPool2d(2)(None)

@pytest.mark.parametrize('pool', [nn.MaxPool2d(2, stride=()), nn.AvgPool2d(3, stride=(), padding=1), MaxPool2d(2, stride=[])])
def test_receptive_field_of_a_pool_with_empty_stride(pool):
    layers = [nn.Conv2d(1, 1, 3), pool, nn.Conv2d(1, 1, 3)]
    k = pair(pool.kernel_size)
    assert receptive_field(layers) == grad_receptive_field(layers, 24)
    assert layer_geometry(pool)[1] == k
    assert describe(pool) == describe(type(pool)(pool.kernel_size, padding=pool.padding))   # as with the default stride

@pytest.mark.parametrize('seed', range(6))
def test_windows_matrix_backward_is_autograds_through_the_view(seed):
    "The col2im backward of `WindowsMatrix` gives the gradient autograd finds through the `as_strided` view, for any kernel, stride and dilation."
    g = torch.Generator().manual_seed(seed)
    k, s, d = [tuple(torch.randint(1, 4, (2,), generator=g).tolist()) for _ in range(3)]
    x = torch.randn(2, 3, 11, 10, dtype=torch.float64, generator=g, requires_grad=True)
    ours = windows_matrix(x, k, s, d)
    wins = unfold2d(x, k, s, 0, d)
    ref = wins.reshape(ours.shape)
    torch.testing.assert_close(ours, ref)
    up = torch.randn(ours.shape, dtype=torch.float64, generator=g)
    torch.testing.assert_close(torch.autograd.grad(ours, x, up)[0], torch.autograd.grad(ref, x, up)[0])
    torch.autograd.gradgradcheck(lambda x: windows_matrix(x, k, s, d), (x,))

def test_windows_matrix_of_an_empty_batch_and_ints():
    x = torch.zeros(0, 2, 5, 5, requires_grad=True)
    windows_matrix(x, 3).sum().backward()
    assert x.grad.shape == x.shape
    xi = torch.arange(25).view(1, 1, 5, 5)
    torch.testing.assert_close(windows_matrix(xi, 2, 3), unfold2d(xi, 2, 3).reshape(1, 4, 4))
