"""Tests of `foundations.refactor` against PyTorch: the layer classes and `Model`, the `Layer` base class, the
autograd Functions `MyRelu` and `MyLinear` (checked with `gradcheck` in float64), `LinearLayer` against
`nn.Linear`, and the from-scratch `Module`, `Linear`, `Sequential` and `AutoModule`."""
import math, warnings
import pytest, torch
import torch.nn.functional as F
from torch import nn
from hypothesis import given, settings, strategies as st
from torch.testing import assert_close
from foundations.init import lin, relu
from foundations.backprop import mse, forward_and_backward
from foundations.check import check_linear_layer
from foundations.refactor import (Relu, Lin, Mse, CrossEntropy, Model, Layer, ReluLayer, LinLayer, MseLayer, MyRelu,
                                  MyLinear, LinearLayer, Module, Linear, Sequential, AutoModule)

f64 = torch.float64
FLOATS = [torch.float32, torch.float64]
LEADS = [(), (1,), (8,), (2, 3), (2, 3, 4), (0,), (3, 0)]
hyp = settings(max_examples=40, deadline=None)

def model_tensors(n=20, n_in=6, nh=8, n_out=1, dtype=torch.float32):
    return (torch.randn(n, n_in, dtype=dtype), torch.randn(n_in, nh, dtype=dtype) / n_in**0.5, torch.randn(nh, dtype=dtype),
            torch.randn(nh, n_out, dtype=dtype) / nh**0.5, torch.randn(n_out, dtype=dtype))

def take_g(ts):
    gs = [t.g for t in ts]
    for t in ts: del t.g
    return gs

def autograd(f, *ts):
    ts = [t.detach().clone().requires_grad_() for t in ts]
    f(*ts).backward()
    return [t.grad for t in ts]

# ---------------------------------------------------------------- layer classes and Model

@pytest.mark.parametrize('layers', ['plain', 'on Layer'])
@pytest.mark.parametrize('n', [1, 2, 20, 200])
def test_model_gives_exactly_what_the_functions_give(layers, n):
    ts = model_tensors(n); y = torch.randn(n)
    ref_loss = forward_and_backward(ts[0], y, *ts[1:]); ref = take_g(ts)
    x, w1, b1, w2, b2 = ts
    model = (Model([Lin(w1, b1), Relu(), Lin(w2, b2)], Mse()) if layers == 'plain' else
             Model([LinLayer(w1, b1), ReluLayer(), LinLayer(w2, b2)], MseLayer()))
    loss = model(x, y); model.backward()
    assert torch.equal(loss, ref_loss)
    for g, r in zip(take_g(ts), ref): assert torch.equal(g, r)
    assert len(model.params) == 4 and all(p is q for p, q in zip(model.params, [w1, b1, w2, b2]))

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('targ_dtype', [torch.int64, torch.uint8, torch.int32])
def test_cross_entropy_model_matches_autograd(dtype, targ_dtype):
    x, w1, b1, w2, b2 = ts = model_tensors(32, 6, 8, 5, dtype=dtype)
    t = torch.randint(0, 5, (32,))
    clf = Model([Lin(w1, b1), Relu(), Lin(w2, b2)], CrossEntropy())
    loss = clf(x, t.to(targ_dtype)); clf.backward()
    expected = autograd(lambda *p: F.cross_entropy(F.relu(p[0] @ p[1] + p[2]) @ p[3] + p[4], t), *ts)
    assert_close(loss, F.cross_entropy(clf.forward(x), t))
    tol = dict(rtol=1e-4, atol=1e-6) if dtype == torch.float32 else {}
    for g, e in zip(take_g(ts), expected): assert_close(g, e, **tol)

def test_model_forward_is_the_predictions():
    x, w1, b1, w2, b2 = model_tensors()
    model = Model([Lin(w1, b1), Relu(), Lin(w2, b2)], Mse())
    assert_close(model.forward(x), lin(relu(lin(x, w1, b1)), w2, b2))

def test_model_backward_needs_a_forward_pass():
    with pytest.raises(RuntimeError, match='Model.backward\\(\\) needs a forward pass first'): Model([Relu()], Mse()).backward()

def test_model_trains():
    torch.manual_seed(0)
    xs = torch.randn(256, 20); ts = (xs @ torch.randn(20, 4)).argmax(1)
    clf = Model([Lin(torch.randn(20, 32) * math.sqrt(2 / 20), torch.zeros(32)), Relu(),
                 Lin(torch.randn(32, 4) * math.sqrt(1 / 32), torch.zeros(4))], CrossEntropy())
    first = clf(xs, ts).item()
    for _ in range(30):
        clf(xs, ts); clf.backward()
        for p in clf.params: p -= 0.5 * p.g
    assert clf(xs, ts).item() < 0.6 * first
    assert (clf.forward(xs).argmax(1) == ts).float().mean() > 0.9

@pytest.mark.parametrize('shape', [(5,), (4, 6), (2, 3, 4), (0, 3)])
def test_relu_layers_match_autograd(shape):
    for layer in (Relu(), ReluLayer()):
        z = torch.randn(shape); up = torch.randn(shape)
        out = layer(z); out.g = up
        layer.backward()
        zz = z.clone().requires_grad_(); torch.relu(zz).backward(up)
        assert_close(z.g, zz.grad)

@pytest.mark.parametrize('n, n_in, n_out', [(1, 1, 1), (5, 3, 2), (7, 4, 4), (0, 3, 2)])
def test_lin_layers_match_autograd(n, n_in, n_out):
    for cls in (Lin, LinLayer):
        x, w, b, up = torch.randn(n, n_in), torch.randn(n_in, n_out), torch.randn(n_out), torch.randn(n, n_out)
        layer = cls(w, b)
        out = layer(x); out.g = up
        layer.backward()
        xx, ww, bb = (t.clone().requires_grad_() for t in (x, w, b))
        (xx @ ww + bb).backward(up)
        for g, e in zip((x.g, w.g, b.g), (xx.grad, ww.grad, bb.grad)): assert_close(g, e)
        assert layer.params[0] is w and layer.params[1] is b

def test_mse_layer_matches_autograd_and_checks_shapes():
    out, y = torch.randn(9, 1), torch.randn(9)
    layer = MseLayer()
    assert_close(layer(out, y), F.mse_loss(out[:, 0], y))
    layer.backward()
    assert_close(out.g, autograd(lambda o: F.mse_loss(o[:, 0], y), out)[0])
    with pytest.raises(ValueError, match=r'got output \(5, 2\) and targ \(5,\)'): MseLayer()(torch.randn(5, 2), torch.randn(5))

def test_layer_base_class_errors_name_the_class():
    class Half(Layer):
        def forward(self, inp): return 2 * inp
    h = Half()
    with pytest.raises(RuntimeError, match=r'Half.backward\(\) needs a forward pass first'): h.backward()
    assert_close(h(torch.ones(2)), torch.full((2,), 2.))
    with pytest.raises(NotImplementedError, match=r'Half must implement bwd\(self, out, \*inputs\)'): h.backward()
    with pytest.raises(NotImplementedError, match='Layer must implement forward'): Layer()(torch.ones(2))

def test_layer_stores_its_arguments_and_output():
    class Add(Layer):
        def forward(self, a, b): return a + b
        def bwd(self, out, a, b): a.g, b.g = out.g, out.g
    layer, a, b = Add(), torch.ones(3), torch.zeros(3)
    out = layer(a, b)
    assert layer.args == (a, b) and layer.out is out
    out.g = torch.arange(3.)
    layer.backward()
    assert_close(a.g, out.g)
    assert_close(b.g, out.g)

# ---------------------------------------------------------------- MyRelu and MyLinear

@pytest.mark.parametrize('lead', LEADS)
def test_my_relu_gradcheck(lead):
    x = torch.randn(*lead, 5, dtype=f64, requires_grad=True)
    assert_close(MyRelu.apply(x), torch.relu(x))
    assert torch.autograd.gradcheck(MyRelu.apply, (x,))

def test_gradcheck_catches_a_relu_without_its_mask():
    class MasklessRelu(torch.autograd.Function):
        @staticmethod
        def forward(ctx, inp): return inp.clamp_min(0.)
        @staticmethod
        def backward(ctx, grad_out): return grad_out
    x = torch.randn(8, 5, dtype=f64, requires_grad=True)
    with pytest.raises(Exception, match='Jacobian mismatch'): torch.autograd.gradcheck(MasklessRelu.apply, (x,))

@pytest.mark.parametrize('bias', [True, False])
@pytest.mark.parametrize('lead', LEADS)
def test_my_linear_gradcheck_any_leading_dims(lead, bias):
    x = torch.randn(*lead, 5, dtype=f64, requires_grad=True)
    w = torch.randn(5, 3, dtype=f64, requires_grad=True)
    b = torch.randn(3, dtype=f64, requires_grad=True) if bias else None
    out = MyLinear.apply(x, w, b)
    assert out.shape == (*lead, 3)
    assert_close(out, F.linear(x, w.T, b))
    assert torch.autograd.gradcheck(MyLinear.apply, (x, w, b) if bias else (x, w))

@pytest.mark.parametrize('n_in, n_out', [(0, 3), (4, 0), (1, 1)])
def test_my_linear_empty_layers(n_in, n_out):
    x, w, b = (torch.randn(*s, dtype=f64, requires_grad=True) for s in [(6, n_in), (n_in, n_out), (n_out,)])
    assert_close(MyLinear.apply(x, w, b), F.linear(x, w.T, b))
    assert torch.autograd.gradcheck(MyLinear.apply, (x, w, b))

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('lead', LEADS)
def test_my_linear_matches_torch(lead, dtype):
    x, w, b = torch.randn(*lead, 7, dtype=dtype), torch.randn(7, 4, dtype=dtype), torch.randn(4, dtype=dtype)
    up = torch.randn(*lead, 4, dtype=dtype)
    mine = [t.clone().requires_grad_() for t in (x, w, b)]
    theirs = [t.clone().requires_grad_() for t in (x, w, b)]
    out = MyLinear.apply(*mine)
    ref = F.linear(theirs[0], theirs[1].T, theirs[2])
    assert_close(out, ref)
    out.backward(up); ref.backward(up)
    for a, r in zip(mine, theirs): assert_close(a.grad, r.grad)

@hyp
@given(st.lists(st.integers(0, 3), max_size=3), st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_my_linear_any_shape(lead, n_in, n_out, seed):
    g = torch.Generator().manual_seed(seed)
    x, w, b = (torch.randn(*s, generator=g, dtype=f64, requires_grad=True) for s in [(*lead, n_in), (n_in, n_out), (n_out,)])
    assert torch.autograd.gradcheck(MyLinear.apply, (x, w, b))

def test_my_linear_computes_only_the_gradients_asked_for():
    x, w, b = torch.randn(4, 3), torch.randn(3, 2, requires_grad=True), torch.randn(2)
    MyLinear.apply(x, w, b).sum().backward()
    assert x.grad is None and b.grad is None
    assert_close(w.grad, x.sum(0)[:, None].expand(3, 2))

@pytest.mark.parametrize('x, w, b, says', [
    (torch.tensor(1.), torch.randn(1, 2), None, r'got inp \(\), w \(1, 2\)'),
    (torch.randn(4, 3), torch.randn(2, 5), None, r'got inp \(4, 3\), w \(2, 5\)'),
    (torch.randn(4, 3), torch.randn(3), None, r'w \(3,\)'),
    (torch.randn(4, 3), torch.randn(3, 2), torch.randn(3), r'and b \(3,\)'),
    (torch.randn(4, 3), torch.randn(3, 2), torch.randn(4, 2), r'and b \(4, 2\)')])
def test_my_linear_refuses_mismatched_shapes(x, w, b, says):
    with pytest.raises(ValueError, match=says): MyLinear.apply(x, w, b)

def test_my_functions_train_a_model():
    torch.manual_seed(2)
    xt = torch.randn(256, 8)
    yt = (F.relu(xt @ torch.randn(8, 16)) @ torch.randn(16, 1)).squeeze(-1)
    ps = [t.requires_grad_() for t in (torch.randn(8, 16) * 0.5, torch.zeros(16), torch.randn(16, 1) * 0.25, torch.zeros(1))]
    losses = []
    for _ in range(40):
        loss = mse(MyLinear.apply(MyRelu.apply(MyLinear.apply(xt, ps[0], ps[1])), ps[2], ps[3]), yt)
        loss.backward()
        with torch.no_grad():
            for p in ps: p -= 0.01 * p.grad; p.grad = None
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]

# ---------------------------------------------------------------- LinearLayer and Linear

LAYERS = [LinearLayer, Linear]

@pytest.mark.parametrize('cls', LAYERS)
def test_linear_parameters_and_init(cls):
    m = cls(10, 4)
    assert [(k, tuple(p.shape)) for k, p in m.named_parameters()] == [('weight', (4, 10)), ('bias', (4,))]
    assert all(p.requires_grad for p in m.parameters())
    torch.manual_seed(4); big = cls(1000, 500)
    torch.manual_seed(4); kw = nn.init.kaiming_normal_(torch.empty(500, 1000), nonlinearity='relu')
    assert torch.equal(big.weight.data, kw)
    assert abs(big.weight.std().item() / math.sqrt(2 / 1000) - 1) < 0.01
    assert torch.equal(big.bias.data, torch.zeros(500))

@pytest.mark.parametrize('dtype', FLOATS)
@pytest.mark.parametrize('lead', LEADS)
@pytest.mark.parametrize('cls', LAYERS)
def test_linear_matches_nn_linear(cls, lead, dtype):
    ref = nn.Linear(7, 5).to(dtype)
    m = cls(7, 5)
    with torch.no_grad(): m.weight.data, m.bias.data = ref.weight.detach().clone(), ref.bias.detach().clone()
    x = torch.randn(*lead, 7, dtype=dtype)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    out, expected = m(xa), ref(xb)
    assert_close(out, expected)
    up = torch.randn_like(out)
    out.backward(up); expected.backward(up)
    for a, b in [(xa.grad, xb.grad), (m.weight.grad, ref.weight.grad), (m.bias.grad, ref.bias.grad)]: assert_close(a, b)

@pytest.mark.parametrize('cls', LAYERS)
def test_linear_with_no_inputs_is_its_bias_and_warns_nothing(cls):
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        m = cls(0, 3)
    assert m.weight.shape == (3, 0)
    with torch.no_grad(): m.bias.copy_(torch.tensor([1., 2., 3.]))
    out = m(torch.randn(4, 0))
    assert_close(out, torch.tensor([1., 2., 3.]).expand(4, 3))
    out.sum().backward()
    assert_close(m.bias.grad, torch.full((3,), 4.))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        ref = nn.Linear(0, 3)
    assert_close(cls(0, 3)(torch.randn(2, 0)), ref(torch.randn(2, 0)))

@pytest.mark.parametrize('cls', LAYERS)
def test_linear_with_no_outputs(cls):
    m = cls(4, 0)
    assert m(torch.randn(5, 4)).shape == (5, 0)

@pytest.mark.parametrize('cls', LAYERS)
@pytest.mark.parametrize('shape', [(3, 7), (7,), (), (2, 3, 4)])
def test_linear_refuses_the_wrong_width(cls, shape):
    with pytest.raises(ValueError, match=f'{cls.__name__}\\(5, 2\\) got input of shape {re_shape(shape)}: last dimension must be 5'):
        cls(5, 2)(torch.randn(shape))

def re_shape(shape): return str(tuple(shape)).replace('(', r'\(').replace(')', r'\)')

def test_linear_layer_passes_the_self_check():
    assert check_linear_layer(LinearLayer, init='kaiming', verbose=False)

def test_sequentials_of_linear_layers_agree():
    torch.manual_seed(5)
    seq = nn.Sequential(nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 1))
    mine = nn.Sequential(LinearLayer(20, 10), nn.ReLU(), LinearLayer(10, 1))
    mine.load_state_dict(seq.state_dict())
    x = torch.randn(30, 20)
    assert_close(mine(x), seq(x))

# ---------------------------------------------------------------- Module, Sequential, AutoModule

class TorchMLP(nn.Module):
    def __init__(self, n_in, nh, n_out):
        super().__init__()
        self.l1, self.l2 = nn.Linear(n_in, nh), nn.Linear(nh, n_out)
    def forward(self, x): return self.l2(F.relu(self.l1(x)))

class MyMLP(Module):
    def __init__(self, n_in, nh, n_out):
        super().__init__()
        self.l1, self.l2 = Linear(n_in, nh), Linear(nh, n_out)
    def forward(self, x): return self.l2(relu(self.l1(x)))

def test_module_matches_nn_module():
    tm, mm = TorchMLP(8, 6, 2), MyMLP(8, 6, 2)
    assert [k for k, _ in mm.named_parameters()] == [k for k, _ in tm.named_parameters()] == ['l1.weight', 'l1.bias', 'l2.weight', 'l2.bias']
    with torch.no_grad():
        for p, q in zip(mm.parameters(), tm.parameters()): p.copy_(q)
    x, y = torch.randn(10, 8), torch.randn(10, 2)
    assert_close(mm(x), tm(x))
    F.mse_loss(mm(x), y).backward(); F.mse_loss(tm(x), y).backward()
    for p, q in zip(mm.parameters(), tm.parameters()): assert_close(p.grad, q.grad)
    mm.zero_grad()
    assert all(p.grad is None for p in mm.parameters())

def test_module_registration_follows_assignment():
    m = Linear(3, 2)
    m.scale = nn.Parameter(torch.ones(2)); m.cache = torch.zeros(2)
    assert [k for k, _ in m.named_parameters()] == ['weight', 'bias', 'scale']
    m.bias = torch.zeros(2)
    assert [k for k, _ in m.named_parameters()] == ['weight', 'scale']
    del m.weight
    assert [k for k, _ in m.named_parameters()] == ['scale'] and not hasattr(m, 'weight')

def test_shared_parameters_are_listed_once_as_in_torch():
    tied, tied_t = MyMLP(4, 4, 4), TorchMLP(4, 4, 4)
    tied.l2.weight, tied_t.l2.weight = tied.l1.weight, tied_t.l1.weight
    assert [k for k, _ in tied.named_parameters()] == [k for k, _ in tied_t.named_parameters()]
    assert len(list(tied.parameters())) == 3

def test_nested_names():
    class Outer(Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1)); self.inner = MyMLP(2, 3, 1)
    assert [k for k, _ in Outer().named_parameters()] == ['w', 'inner.l1.weight', 'inner.l1.bias', 'inner.l2.weight', 'inner.l2.bias']

def test_sequential_names_forward_and_training():
    torch.manual_seed(7)
    ms = Sequential(Linear(10, 6), relu, Linear(6, 1))
    assert [k for k, _ in ms.named_parameters()] == ['0.weight', '0.bias', '2.weight', '2.bias']
    x, y = torch.randn(64, 10), torch.randn(64)
    assert_close(ms(x), ms.layers[2](relu(ms.layers[0](x))))
    opt = torch.optim.SGD(ms.parameters(), lr=0.05)
    losses = []
    for _ in range(10):
        loss = mse(ms(x), y); loss.backward(); opt.step(); ms.zero_grad(); losses.append(loss.item())
    assert losses[-1] < losses[0]

def test_module_errors():
    class NoForward(Module): pass
    with pytest.raises(NotImplementedError, match='NoForward must implement forward'): NoForward()(torch.ones(1))
    class Forgot(Module):
        def __init__(self): self.l1 = Linear(2, 3)
    with pytest.raises(AttributeError, match=r"cannot assign 'l1' before Module.__init__\(\) ran: call super\(\).__init__\(\) first in Forgot.__init__"):
        Forgot()

def test_auto_module_needs_no_super():
    class NoSuper(AutoModule):
        def __init__(self): self.l1, self.l2 = Linear(2, 3), Linear(3, 1)
        def forward(self, x): return self.l2(relu(self.l1(x)))
    class LateSuper(AutoModule):
        def __init__(self):
            self.w = nn.Parameter(torch.ones(3))
            super().__init__()
    class EarlySuper(AutoModule):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(3))
    ns = NoSuper()
    assert [k for k, _ in ns.named_parameters()] == ['l1.weight', 'l1.bias', 'l2.weight', 'l2.bias']
    assert ns(torch.randn(5, 2)).shape == (5, 1)
    assert [k for k, _ in LateSuper().named_parameters()] == ['w'] == [k for k, _ in EarlySuper().named_parameters()]
