"""foundations.init against PyTorch: the layer and the ReLU, `layer_stats`, the fans of every layout, the gains of
every nonlinearity `torch.nn.init.calculate_gain` knows (values and errors), and the initializers number for number
with `torch.nn.init` when both draw from the same generator, on many shapes."""
import math, warnings
import numpy as np
import pytest, torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings, strategies as st
from torch.testing import assert_close
from foundations.check import check_init
from foundations.init import (lin, relu, layer_stats, calc_fans, calc_fan, calc_gain,
                              init_std_, init_xavier_, init_kaiming_)

tnn = torch.nn.init
# the autouse seed fixture of conftest.py runs once per test, not per example: harmless here, as every
# random draw below comes from an explicit generator or from hypothesis
checks = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

def gen(seed=0): return torch.Generator().manual_seed(seed)

dims = st.integers(1, 7)
shapes = st.lists(dims, min_size=2, max_size=5).map(tuple)              # 2-D to 5-D, no empty dimension
conv_shapes = st.lists(dims, min_size=3, max_size=5).map(tuple)         # out x in x kernel
seeds = st.integers(0, 2**32 - 1)
TORCH_NONLINEARITIES = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
                        'conv_transpose3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']
FAN_MSG = 'Fan in and fan out can not be computed for tensor with fewer than 2 dimensions'
EMPTY_MSG = 'Initializing zero-element tensors is a no-op'

def outcome(f, *args, **kwargs):
    "`('value', result)` or `('error', exception type)`: what calling `f` gives."
    try: return 'value', f(*args, **kwargs)
    except Exception as e: return 'error', type(e)

def assert_same_outcome(ours, theirs):
    "Both raised the same type of exception, or both returned the same number."
    assert ours[0] == theirs[0], f'ours: {ours}, PyTorch: {theirs}'
    if ours[0] == 'error': assert ours[1] is theirs[1], f'ours raised {ours[1]}, PyTorch {theirs[1]}'
    else: assert ours[1] == pytest.approx(theirs[1], rel=1e-15, abs=0), f'ours {ours[1]}, PyTorch {theirs[1]}'


# ---------------------------------------------------------------- the layer and the ReLU
@checks
@given(st.integers(1, 20), st.integers(1, 20), st.integers(1, 20), seeds)
def test_lin_is_torch_linear_with_transposed_weight(batch, n_in, n_out, seed):
    g = gen(seed)
    x, w, b = torch.randn(batch, n_in, generator=g), torch.randn(n_in, n_out, generator=g), torch.randn(n_out, generator=g)
    assert_close(lin(x, w, b), F.linear(x, w.T, b))

def test_lin_matches_nn_linear():
    layer = torch.nn.Linear(30, 7)
    x = torch.randn(11, 30)
    assert_close(lin(x, layer.weight.T, layer.bias), layer(x))

@checks
@given(st.lists(st.floats(-1e6, 1e6, width=32), min_size=1, max_size=50))
def test_relu_is_torch_relu(values):
    x = torch.tensor(values)
    assert_close(relu(x), torch.relu(x))

def test_relu_zeroes_negatives_only():
    assert_close(relu(torch.tensor([-2., -0., 0., 3.])), torch.tensor([0., 0., 0., 3.]))


# ---------------------------------------------------------------- layer_stats
def test_layer_stats_by_hand():
    t = torch.tensor([[-2., 0.], [2., 4.]])
    means, stds = layer_stats(t, [lambda t: t * 2, relu])        # [[-4, 0], [4, 8]], then [[0, 0], [4, 8]]
    assert_close(means, torch.tensor([2., 3.]))
    assert_close(stds, torch.tensor([80 / 3, 44 / 3]).sqrt())      # sample std: squared deviations / (4 - 1)

@checks
@given(st.integers(1, 6), seeds)
def test_layer_stats_matches_a_loop(depth, seed):
    g = gen(seed)
    x = torch.randn(50, 8, generator=g)
    ws = [torch.randn(8, 8, generator=g) / 3 for _ in range(depth)]
    layers = [lambda a, w=w: relu(a @ w) for w in ws]
    means, stds = layer_stats(x, layers)
    a, exp_m, exp_s = x, [], []
    for f in layers:
        a = f(a); exp_m.append(a.mean()); exp_s.append(a.std())
    assert_close(means, torch.stack(exp_m)); assert_close(stds, torch.stack(exp_s))

def test_layer_stats_builds_no_graph():
    x = torch.randn(10, 4, requires_grad=True)
    means, stds = layer_stats(x, [lambda a: a * 3])
    assert not means.requires_grad and not stds.requires_grad

def test_layer_stats_refuses_no_layers():
    with pytest.raises(ValueError, match='at least one layer'): layer_stats(torch.randn(3, 2), [])


# ---------------------------------------------------------------- fans and layouts
@checks
@given(shapes)
def test_fans_in_pytorch_layout_are_pytorchs(shape):
    w = torch.empty(shape)
    assert calc_fans(w, layout='out_in') == tnn._calculate_fan_in_and_fan_out(w)

@checks
@given(shapes)
def test_fans_in_our_layout_are_pytorchs_of_the_swapped_weight(shape):
    w = torch.empty(shape)
    assert calc_fans(w, layout='in_out') == tnn._calculate_fan_in_and_fan_out(w.transpose(0, 1))

@checks
@given(shapes)
def test_default_layout_is_ours_for_2d_pytorchs_beyond(shape):
    w = torch.empty(shape)
    expected = tnn._calculate_fan_in_and_fan_out(w.T if w.ndim == 2 else w)
    assert calc_fans(w) == expected

def test_fans_by_hand():
    assert calc_fans(torch.empty(400, 100)) == (400, 100)                  # ours: n_in x n_out
    assert calc_fans(torch.empty(100, 400), layout='out_in') == (400, 100)
    assert calc_fans(torch.empty(16, 3, 5, 5)) == (3 * 25, 16 * 25)         # out x in x kh x kw
    assert calc_fans(torch.empty(16, 3, 5, 5), layout='in_out') == (16 * 25, 3 * 25)
    assert calc_fans(torch.empty(8, 4, 3)) == (12, 24)
    assert calc_fans(torch.empty(2, 3, 1, 1, 1)) == (3, 2)

@pytest.mark.parametrize('make', [lambda: torch.nn.Conv1d(3, 8, 5), lambda: torch.nn.Conv2d(3, 16, (3, 5)),
                                  lambda: torch.nn.Conv3d(2, 4, 3), lambda: torch.nn.Conv2d(4, 8, 3, groups=2),
                                  lambda: torch.nn.ConvTranspose2d(3, 6, 4)])
def test_fans_of_pytorch_convolutions(make):
    w = make().weight
    assert calc_fans(w) == tnn._calculate_fan_in_and_fan_out(w)

@pytest.mark.parametrize('shape', [(), (1,), (7,), (0,)])
def test_fewer_than_two_dimensions_refused_like_pytorch(shape):
    w = torch.empty(shape)
    with pytest.raises(ValueError, match=FAN_MSG): tnn._calculate_fan_in_and_fan_out(w)
    for layout in (None, 'in_out', 'out_in'):
        with pytest.raises(ValueError, match=FAN_MSG) as e: calc_fans(w, layout)
        assert str(tuple(shape)) in str(e.value)                             # and it says which shape

@pytest.mark.parametrize('layout', ['n_in', 'IN_OUT', 0, ('in', 'out')])
def test_unknown_layout_refused(layout):
    with pytest.raises(ValueError, match='layout must be'): calc_fans(torch.empty(3, 4), layout)

@checks
@given(shapes, st.sampled_from(['fan_in', 'fan_out', 'FAN_IN', 'Fan_Out']))
def test_calc_fan_is_pytorchs_correct_fan(shape, mode):
    w = torch.empty(shape)
    assert calc_fan(w, mode, layout='out_in') == tnn._calculate_correct_fan(w, mode)

@checks
@given(shapes)
def test_fan_avg_is_the_mean(shape):
    w = torch.empty(shape)
    fan_in, fan_out = calc_fans(w)
    assert calc_fan(w, 'fan_avg') == (fan_in + fan_out) / 2
    assert (calc_fan(w), calc_fan(w, 'fan_out')) == (fan_in, fan_out)      # fan_in is the default

@pytest.mark.parametrize('mode', ['fan_sum', 'fanin', '', None, 3])
def test_unknown_mode_refused(mode):
    with pytest.raises(ValueError, match='mode must be one of') as e: calc_fan(torch.empty(3, 4), mode)
    assert repr(mode) in str(e.value)
    if isinstance(mode, str):
        with pytest.raises(ValueError): tnn._calculate_correct_fan(torch.empty(3, 4), mode)


# ---------------------------------------------------------------- gains
@pytest.mark.parametrize('nonlinearity', TORCH_NONLINEARITIES)
def test_every_pytorch_gain(nonlinearity):
    assert calc_gain(nonlinearity) == tnn.calculate_gain(nonlinearity)

def test_gains_by_hand():
    assert calc_gain('relu') == math.sqrt(2) and calc_gain('tanh') == 5 / 3 and calc_gain('selu') == 3 / 4
    assert calc_gain('leaky_relu') == math.sqrt(2 / (1 + 0.01**2)) and calc_gain('leaky_relu', 0) == math.sqrt(2)

@pytest.mark.parametrize('param', [None, 0, 1, -3, 10**30, 0.2, 1.0, -0.5, 0.0, np.float64(0.2), 1e200,
                                   True, False, '0.1', [0.1], 1j, np.float32(0.2), np.int64(1), torch.tensor(0.2)])
def test_leaky_relu_slope_like_pytorch(param):
    assert_same_outcome(outcome(calc_gain, 'leaky_relu', param), outcome(tnn.calculate_gain, 'leaky_relu', param))

@checks
@given(st.one_of(st.floats(allow_nan=False), st.integers(-10**40, 10**40)))
def test_leaky_relu_any_number_like_pytorch(param):
    assert_same_outcome(outcome(calc_gain, 'leaky_relu', param), outcome(tnn.calculate_gain, 'leaky_relu', param))

@pytest.mark.parametrize('param', [True, '0.1', [0.1], np.float32(0.2), torch.tensor(0.2)])
def test_leaky_relu_slope_that_is_not_a_number_is_named(param):
    with pytest.raises(ValueError, match='negative slope') as e: calc_gain('leaky_relu', param)
    assert repr(param) in str(e.value)

@pytest.mark.parametrize('nonlinearity', ['softplus', 'ReLU', 'Linear', 'conv4d', '', None, 1, ['relu'], ('tanh',)])
def test_unknown_nonlinearity_like_pytorch(nonlinearity):
    ours = outcome(calc_gain, nonlinearity)
    assert_same_outcome(ours, outcome(tnn.calculate_gain, nonlinearity))
    with pytest.raises(ValueError, match='unsupported nonlinearity') as e: calc_gain(nonlinearity)
    assert repr(nonlinearity) in str(e.value)

@checks
@given(st.text(max_size=20), st.one_of(st.none(), st.floats(-5, 5), st.text(max_size=3)))
def test_any_name_any_param_like_pytorch(nonlinearity, param):
    assert_same_outcome(outcome(calc_gain, nonlinearity, param), outcome(tnn.calculate_gain, nonlinearity, param))

@pytest.mark.parametrize('nonlinearity', [n for n in TORCH_NONLINEARITIES if n != 'leaky_relu'])
def test_param_ignored_by_other_nonlinearities_as_in_pytorch(nonlinearity):
    assert calc_gain(nonlinearity, 'anything') == tnn.calculate_gain(nonlinearity, 'anything') == calc_gain(nonlinearity)


# ---------------------------------------------------------------- init_std_
@checks
@given(shapes, st.floats(0, 10), seeds)
def test_init_std_normal_is_torch_normal(shape, std, seed):
    assert_close(init_std_(torch.empty(shape), std, generator=gen(seed)), tnn.normal_(torch.empty(shape), 0., std, generator=gen(seed)))

@checks
@given(shapes, st.floats(0, 10), seeds)
def test_init_std_uniform_is_torch_uniform(shape, std, seed):
    b = math.sqrt(3) * std
    assert_close(init_std_(torch.empty(shape), std, 'uniform', gen(seed)), tnn.uniform_(torch.empty(shape), -b, b, generator=gen(seed)))

@pytest.mark.parametrize('dist', ['normal', 'uniform'])
def test_init_std_has_that_std(dist):
    w = init_std_(torch.empty(500, 400), 0.3, dist)
    assert abs(w.mean()) < 0.003 and abs(w.std() / 0.3 - 1) < 0.01
    if dist == 'uniform': assert w.abs().max() <= math.sqrt(3) * 0.3

def test_init_std_in_place_on_a_parameter():
    p = torch.nn.Parameter(torch.zeros(30, 20))
    assert init_std_(p, 1.) is p
    assert p.requires_grad and p.grad_fn is None and (p != 0).all()

def test_init_std_refuses_bad_arguments():
    with pytest.raises(ValueError, match="'cauchy'"): init_std_(torch.empty(3, 4), 1., 'cauchy')
    with pytest.raises(ValueError, match='std must be at least 0'): init_std_(torch.empty(3, 4), -1.)
    with pytest.raises(ValueError, match='std must be at least 0'): init_std_(torch.empty(3, 4), -1., 'uniform')


# ---------------------------------------------------------------- Kaiming, number for number with PyTorch
kaiming_settings = st.tuples(st.sampled_from([0, 0.01, 0.2, 1, -0.5, None]), st.sampled_from(['fan_in', 'fan_out']),
                             st.sampled_from(TORCH_NONLINEARITIES))              # (a, mode, nonlinearity)

@checks
@given(shapes, seeds, st.sampled_from(['normal', 'uniform']), kaiming_settings)
def test_kaiming_in_pytorch_layout_draws_pytorchs_numbers(shape, seed, dist, kaiming):
    a, mode, nonlinearity = kaiming
    theirs_ = dict(normal=tnn.kaiming_normal_, uniform=tnn.kaiming_uniform_)[dist]
    ours = init_kaiming_(torch.empty(shape), a, mode, nonlinearity, dist, layout='out_in', generator=gen(seed))
    assert_close(ours, theirs_(torch.empty(shape), a, mode, nonlinearity, generator=gen(seed)))

@checks
@given(conv_shapes, seeds, st.sampled_from(['normal', 'uniform']), kaiming_settings)
def test_kaiming_on_conv_weights_by_default_is_pytorchs(shape, seed, dist, kaiming):
    a, mode, nonlinearity = kaiming
    theirs_ = dict(normal=tnn.kaiming_normal_, uniform=tnn.kaiming_uniform_)[dist]
    ours = init_kaiming_(torch.empty(shape), a, mode, nonlinearity, dist, generator=gen(seed))
    assert_close(ours, theirs_(torch.empty(shape), a, mode, nonlinearity, generator=gen(seed)))

@checks
@given(st.integers(1, 30), st.integers(1, 30), seeds, st.sampled_from(['normal', 'uniform']), kaiming_settings)
def test_kaiming_in_our_layout_is_pytorchs_on_the_transposed_shape(n_in, n_out, seed, dist, kaiming):
    "Both fill memory in order with the same std, so the same numbers come out, in our shape and in PyTorch's."
    a, mode, nonlinearity = kaiming
    theirs_ = dict(normal=tnn.kaiming_normal_, uniform=tnn.kaiming_uniform_)[dist]
    ours = init_kaiming_(torch.empty(n_in, n_out), a, mode, nonlinearity, dist, layout='in_out', generator=gen(seed))
    theirs = theirs_(torch.empty(n_out, n_in), a, mode, nonlinearity, generator=gen(seed))
    assert_close(ours.flatten(), theirs.flatten())

def test_kaiming_defaults_are_pytorchs():
    assert_close(init_kaiming_(torch.empty(20, 30), layout='out_in', generator=gen(3)),
                 tnn.kaiming_normal_(torch.empty(20, 30), generator=gen(3)))
    w = init_kaiming_(torch.empty(2000, 300), layout='in_out')             # a=0 with leaky_relu: the ReLU gain
    assert abs(w.std() / math.sqrt(2 / 2000) - 1) < 0.01

@pytest.mark.parametrize('a', [0.2, 1., 3.])
def test_kaiming_uses_a_under_its_default(a):
    w = init_kaiming_(torch.empty(2000, 300), a, layout='in_out')
    assert abs(w.std() / (math.sqrt(2 / (1 + a**2)) / math.sqrt(2000)) - 1) < 0.01

def test_kaiming_relu_ignores_a_as_pytorch_does():
    assert_close(init_kaiming_(torch.empty(50, 40), 0.7, nonlinearity='relu', layout='in_out', generator=gen(1)),
                 init_kaiming_(torch.empty(50, 40), 0., nonlinearity='relu', layout='in_out', generator=gen(1)))

@pytest.mark.parametrize('a', [True, 'steep', [0.1]])
def test_kaiming_refuses_a_slope_that_is_not_a_number(a):
    with pytest.raises(ValueError, match='negative slope'): init_kaiming_(torch.empty(3, 4), a)
    with pytest.raises(ValueError): tnn.kaiming_normal_(torch.empty(3, 4), a)

@pytest.mark.parametrize('shape', [(64, 32, 3, 3), (32, 16, 5), (8, 4, 3, 3, 3)])
@pytest.mark.parametrize('dist', ['normal', 'uniform'])
def test_kaiming_std_on_conv_weights_is_the_formula(shape, dist):
    out, in_, kernel = shape[0], shape[1], math.prod(shape[2:])
    for mode, fan in (('fan_in', in_ * kernel), ('fan_out', out * kernel)):
        w = init_kaiming_(torch.empty(shape), mode=mode, dist=dist)
        assert abs(w.std() / (math.sqrt(2) / math.sqrt(fan)) - 1) < 0.04, (shape, mode)


# ---------------------------------------------------------------- Xavier, number for number with PyTorch
@checks
@given(shapes, seeds, st.sampled_from(['normal', 'uniform']), st.floats(0, 5))
def test_xavier_in_pytorch_layout_draws_pytorchs_numbers(shape, seed, dist, gain):
    theirs_ = dict(normal=tnn.xavier_normal_, uniform=tnn.xavier_uniform_)[dist]
    ours = init_xavier_(torch.empty(shape), gain, dist=dist, layout='out_in', generator=gen(seed))
    assert_close(ours, theirs_(torch.empty(shape), gain, generator=gen(seed)))

@checks
@given(conv_shapes, seeds, st.sampled_from(['normal', 'uniform']), st.floats(0, 5))
def test_xavier_on_conv_weights_by_default_is_pytorchs(shape, seed, dist, gain):
    theirs_ = dict(normal=tnn.xavier_normal_, uniform=tnn.xavier_uniform_)[dist]
    assert_close(init_xavier_(torch.empty(shape), gain, dist=dist, generator=gen(seed)),
                 theirs_(torch.empty(shape), gain, generator=gen(seed)))

@checks
@given(st.integers(1, 30), st.integers(1, 30), seeds, st.sampled_from(['normal', 'uniform']), st.floats(0, 5))
def test_xavier_in_our_layout_is_pytorchs_on_the_transposed_shape(n_in, n_out, seed, dist, gain):
    theirs_ = dict(normal=tnn.xavier_normal_, uniform=tnn.xavier_uniform_)[dist]
    ours = init_xavier_(torch.empty(n_in, n_out), gain, dist=dist, generator=gen(seed))
    assert_close(ours.flatten(), theirs_(torch.empty(n_out, n_in), gain, generator=gen(seed)).flatten())

@pytest.mark.parametrize('shape', [(64, 32, 3, 3), (32, 16, 5), (8, 4, 3, 3, 3)])
def test_xavier_std_on_conv_weights_is_the_formula(shape):
    out, in_, kernel = shape[0], shape[1], math.prod(shape[2:])
    w = init_xavier_(torch.empty(shape), 5 / 3)
    assert abs(w.std() / (5 / 3 * math.sqrt(2 / (in_ * kernel + out * kernel))) - 1) < 0.04

@pytest.mark.parametrize('mode', ['fan_in', 'fan_out'])
def test_xavier_with_one_fan(mode):
    w = init_xavier_(torch.empty(1200, 300), mode=mode, layout='in_out')
    assert abs(w.std() * math.sqrt(dict(fan_in=1200, fan_out=300)[mode]) - 1) < 0.02


# ---------------------------------------------------------------- edge cases shared by both initializers
initializers = [lambda w: init_kaiming_(w, layout='in_out'), init_xavier_, lambda w: init_kaiming_(w, dist='uniform', layout='in_out'),
                lambda w: init_xavier_(w, dist='uniform'), lambda w: init_kaiming_(w, layout='out_in')]

@pytest.mark.parametrize('shape', [(0,), (0, 5), (5, 0), (0, 0), (2, 0, 3), (4, 3, 0, 2)])
@pytest.mark.parametrize('init_', initializers)
def test_zero_elements_warn_and_do_nothing(shape, init_):
    w = torch.empty(shape)
    with pytest.warns(UserWarning, match=EMPTY_MSG) as caught: res = init_(w)
    assert res is w and res.shape == shape
    assert caught[0].filename in (__file__, __file__.rstrip('c'))          # the warning points at the caller

@pytest.mark.parametrize('shape', [(0,), (0, 5), (5, 0), (0, 0), (2, 0, 3)])
def test_pytorch_warns_the_same_for_zero_elements(shape):
    with pytest.warns(UserWarning, match=EMPTY_MSG): tnn.kaiming_normal_(torch.empty(shape))
    with pytest.warns(UserWarning, match=EMPTY_MSG): init_kaiming_(torch.empty(shape))

@pytest.mark.parametrize('init_', initializers)
def test_one_dimension_refused_like_pytorch(init_):
    with pytest.raises(ValueError, match=FAN_MSG): init_(torch.empty(10))
    with pytest.raises(ValueError, match=FAN_MSG): tnn.kaiming_normal_(torch.empty(10))
    with pytest.raises(ValueError, match=FAN_MSG): tnn.xavier_normal_(torch.empty(10))

@pytest.mark.parametrize('init_', initializers)
def test_in_place_on_a_parameter(init_):
    p = torch.nn.Parameter(torch.zeros(40, 30))
    assert init_(p) is p
    assert p.requires_grad and p.grad_fn is None and (p != 0).all()

def test_bad_mode_dist_layout_refused():
    w = torch.empty(3, 4)
    with pytest.raises(ValueError, match="'fan_sum'"): init_kaiming_(w, mode='fan_sum')
    with pytest.raises(ValueError, match="'fan_sum'"): init_kaiming_(w, mode='fan_sum', layout='in_out')
    with pytest.raises(ValueError, match="'fan_sum'"): init_xavier_(w, mode='fan_sum')
    with pytest.raises(ValueError, match="'cauchy'"): init_kaiming_(w, dist='cauchy', layout='in_out')
    with pytest.raises(ValueError, match="'n_in'"): init_xavier_(w, layout='n_in')
    with pytest.raises(ValueError, match="'softplus'"): init_kaiming_(w, nonlinearity='softplus')


# ---------------------------------------------------------------- the self-check agrees
def test_check_init_accepts_ours():
    assert check_init(lambda w: init_kaiming_(w, layout='in_out'), verbose=False)
    assert check_init(lambda w: init_kaiming_(w, mode='fan_out', layout='in_out'), mode='fan_out', verbose=False)
    assert check_init(init_xavier_, target='xavier', verbose=False)
    assert check_init(lambda w: init_kaiming_(w, layout='out_in'), layout='out_in', verbose=False)
    assert not check_init(lambda w: init_kaiming_(w, layout='out_in'), verbose=False)   # the wrong fan is caught


# ---------------------------------------------------------------- a 2-D weight's layout: stated, or not needed
def test_nn_linear_weight_gets_pytorchs_std_when_the_layout_is_stated():
    lin_ = torch.nn.Linear(784, 50)                                         # weight (50, 784): n_out x n_in
    torch.manual_seed(0); ours = init_kaiming_(torch.empty_like(lin_.weight), layout='out_in').std().item()
    torch.manual_seed(0); theirs = tnn.kaiming_normal_(torch.empty_like(lin_.weight)).std().item()
    assert abs(ours / theirs - 1) < 0.02 and abs(theirs - math.sqrt(2 / 784)) < 0.002

@pytest.mark.parametrize('init_', [init_kaiming_, lambda w: init_xavier_(w, mode='fan_in'), lambda w: init_kaiming_(w, mode='fan_out'),
                                   lambda w: init_kaiming_(w, dist='uniform')])
def test_a_2d_weight_whose_fans_differ_needs_its_layout(init_):
    "Which dimension is fan_in depends on the layout: a 2-D weight that is not square must say it, or the std could be silently wrong."
    with pytest.raises(ValueError, match=r"layout='in_out'.*layout='out_in'.*nn\.Linear") as e: init_(torch.empty(50, 784))
    assert '(50, 784)' in str(e.value)

def test_where_the_layout_changes_nothing_it_is_not_needed():
    torch.manual_seed(0); a = init_kaiming_(torch.empty(300, 300))                       # square: fan_in = fan_out
    torch.manual_seed(0); b = init_kaiming_(torch.empty(300, 300), layout='out_in')
    assert torch.equal(a, b)
    torch.manual_seed(0); a = init_xavier_(torch.empty(1200, 300))                       # fan_avg: the same both ways
    torch.manual_seed(0); b = init_xavier_(torch.empty(1200, 300), layout='in_out')
    assert torch.equal(a, b)
    torch.manual_seed(0); a = init_kaiming_(torch.empty(64, 32, 3, 3))                   # a convolution: PyTorch's layout
    torch.manual_seed(0); b = tnn.kaiming_normal_(torch.empty(64, 32, 3, 3))
    assert torch.equal(a, b)
