"""Bulk checks of foundations.regularization: dropout's properties (hypothesis), the Dropout layer, the
L2 penalty against autograd and torch.optim, the squared-error loss, evaluation, the training loop,
early stopping and the plot."""
import copy, math
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pytest, torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close
from hypothesis import given, settings, strategies as st
from foundations.regularization import (dropout, Dropout, mlp, evaluate, fit_net, plot_runs, l2_penalty,
                                        EarlyStopping, softmax_mse)

def gen(seed): return torch.Generator().manual_seed(seed)
def mask_of(shape, p, seed, dtype=torch.float32):
    "The 0/1 mask `dropout` draws from `gen(seed)` for a tensor of `shape`."
    return torch.empty(shape, dtype=dtype).bernoulli_(1 - p, generator=gen(seed))

shapes = st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple)
probs = st.floats(0, 1, allow_nan=False)
floats = st.sampled_from([torch.float32, torch.float64, torch.bfloat16])

# --- dropout ------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(shapes, probs, floats, st.integers(0, 2**31 - 1))
def test_dropout_shape_dtype_and_values(shape, p, dtype, seed):
    x = torch.randn(shape, generator=gen(seed)).to(dtype) + 0.1
    y = dropout(x, p, generator=gen(seed + 1))
    assert y.shape == x.shape and y.dtype == x.dtype
    m = mask_of(shape, p, seed + 1, dtype)
    expected = x * m / (1 - p) if p < 1 else torch.zeros_like(x)
    assert_close(y, expected)
    assert not y.isnan().any()

@settings(max_examples=40, deadline=None)
@given(shapes, probs)
def test_dropout_identity_when_not_training(shape, p):
    x = torch.randn(shape)
    assert dropout(x, p, training=False) is x
    assert dropout(x, 0.) is x

@settings(max_examples=40, deadline=None)
@given(st.one_of(st.floats(allow_nan=True).filter(lambda p: not 0 <= p <= 1), st.integers(2, 10**6), st.integers(-10**6, -1)))
def test_dropout_rejects_p_outside_0_1(p):
    for training in (True, False):
        with pytest.raises(ValueError, match='between 0 and 1'): dropout(torch.ones(3), p, training=training)
    with pytest.raises(ValueError, match='between 0 and 1'): Dropout(p)

def test_dropout_p_one_gives_zeros_and_zero_gradient():
    x = torch.randn(5, 7, requires_grad=True)
    y = dropout(x, 1.)
    assert_close(y, torch.zeros(5, 7))
    y.sum().backward()
    assert_close(x.grad, torch.zeros(5, 7))

def test_dropout_matches_torch_with_the_same_seed():
    for p in (0.1, 0.5, 0.9):
        x = torch.randn(64, 33)
        torch.manual_seed(3); ours = dropout(x, p)
        torch.manual_seed(3); theirs = F.dropout(x, p)
        assert torch.equal(ours, theirs)

def test_dropout_generator_makes_it_repeatable():
    x = torch.randn(1000)
    assert torch.equal(dropout(x, 0.5, generator=gen(1)), dropout(x, 0.5, generator=gen(1)))
    assert not torch.equal(dropout(x, 0.5, generator=gen(1)), dropout(x, 0.5, generator=gen(2)))

def test_dropout_does_not_modify_its_input():
    x = torch.randn(100); before = x.clone()
    dropout(x, 0.5)
    assert torch.equal(x, before)

def test_dropout_refuses_integer_tensors():
    with pytest.raises(TypeError, match='floating-point'): dropout(torch.ones(3, dtype=torch.int64), 0.5)

@pytest.mark.parametrize('p', [0.1, 0.3, 0.5, 0.8])
def test_dropout_keeps_the_mean(p):
    # Each output is x*m/(1-p) with m ~ Bernoulli(1-p): mean x, standard deviation |x| sqrt(p/(1-p)).
    # Over n independent entries the sample mean has standard error |x| sqrt(p/(1-p)) / sqrt(n);
    # 5 standard errors leave a chance below 1e-6 of a false alarm, far smaller than the bias that
    # a missing or wrong scale causes (a relative error of p or more, hundreds of standard errors).
    n, x = 400_000, 1.5
    y = dropout(torch.full((n,), x), p)
    se = x * math.sqrt(p / (1 - p)) / math.sqrt(n)
    assert abs(y.mean().item() - x) < 5 * se
    assert abs(y.std().item() - x * math.sqrt(p / (1 - p))) < 0.02 * x * math.sqrt(p / (1 - p))
    # the share of zeros is a mean of n Bernoulli(p): standard error sqrt(p(1-p)/n)
    assert abs((y == 0).float().mean().item() - p) < 5 * math.sqrt(p * (1 - p) / n)

def test_two_dropouts_act_as_one():
    p1, p2, n = 0.3, 0.5, 400_000
    q = 1 - (1 - p1) * (1 - p2)
    y = dropout(dropout(torch.ones(n), p1), p2)
    assert abs((y == 0).float().mean().item() - q) < 5 * math.sqrt(q * (1 - q) / n)
    assert_close(y[y != 0], torch.full(((y != 0).sum().item(),), 1 / (1 - q)))

@settings(max_examples=40, deadline=None)
@given(shapes, st.floats(0, 0.95), st.integers(0, 2**31 - 1))
def test_dropout_gradient_is_mask_over_keep_probability(shape, p, seed):
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    up = torch.randn(shape, dtype=torch.float64)
    dropout(x, p, generator=gen(seed)).backward(up)
    assert_close(x.grad, up * mask_of(shape, p, seed, torch.float64) / (1 - p))

def test_dropout_commutes_with_relu():
    x = torch.randn(200, 30)
    assert torch.equal(torch.relu(dropout(x, 0.4, generator=gen(5))), dropout(torch.relu(x), 0.4, generator=gen(5)))

# --- the Dropout layer ----------------------------------------------------------------------------

def test_dropout_layer_train_and_eval():
    layer = Dropout(0.25)
    assert layer.p == 0.25 and 'p=0.25' in repr(layer)
    assert list(layer.parameters()) == [] and layer.state_dict() == {}
    x = torch.randn(50, 40)
    torch.manual_seed(1); y = layer(x)
    torch.manual_seed(1); expected = dropout(x, 0.25)
    assert torch.equal(y, expected) and (y == 0).any()
    layer.eval()
    assert layer(x) is x
    layer.train()
    assert not torch.equal(layer(x), x)
    assert Dropout().p == 0.5

def test_dropout_layer_follows_the_mode_of_its_network():
    net = nn.Sequential(nn.Linear(4, 4), Dropout(0.5), nn.Linear(4, 2))
    x = torch.randn(10, 4)
    net.eval()
    assert torch.equal(net(x), net[2](net[0](x)))
    net.train()
    assert net[1].training

# --- mlp ------------------------------------------------------------------------------------------

def test_mlp_layers_and_initialization():
    torch.manual_seed(0)
    net = mlp([784, 512, 256, 10], p=0.3)
    assert [type(m).__name__ for m in net] == ['Linear', 'ReLU', 'Dropout', 'Linear', 'ReLU', 'Dropout', 'Linear']
    assert [tuple(p.shape) for p in net.parameters()] == [(512, 784), (512,), (256, 512), (256,), (10, 256), (10,)]
    assert all(m.p == 0.3 for m in net if isinstance(m, Dropout))
    for lin in net[::3]:
        assert torch.equal(lin.bias.detach(), torch.zeros_like(lin.bias))
        assert abs(lin.weight.std().item() / math.sqrt(2 / lin.in_features) - 1) < 0.05
    assert [type(m).__name__ for m in mlp([5, 4, 3])] == ['Linear', 'ReLU', 'Linear']
    assert [type(m).__name__ for m in mlp([5, 3])] == ['Linear']

def test_mlp_forward_matches_the_layers():
    net = mlp([6, 5, 3], p=0.5).eval()
    x = torch.randn(4, 6)
    assert_close(net(x), torch.relu(x @ net[0].weight.T + net[0].bias) @ net[3].weight.T + net[3].bias)

# --- weight decay --------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(st.lists(shapes, min_size=1, max_size=4), st.floats(0, 10), st.integers(0, 1000))
def test_l2_penalty_value_and_gradient(param_shapes, wd, seed):
    g = gen(seed)
    ws = [torch.randn(s, generator=g, dtype=torch.float64, requires_grad=True) for s in param_shapes]
    pen = l2_penalty(ws, wd)
    assert_close(torch.as_tensor(pen, dtype=torch.float64), wd / 2 * sum((w.detach() ** 2).sum() for w in ws))
    if torch.is_tensor(pen) and pen.requires_grad:
        pen.backward()
        for w in ws: assert_close(w.grad, wd * w.detach())

def test_sgd_weight_decay_is_sgd_on_the_l2_penalty():
    torch.manual_seed(2)
    a = mlp([20, 16, 3]); b = copy.deepcopy(a)
    opt_a = torch.optim.SGD(a.parameters(), lr=0.1, momentum=0.9, weight_decay=0.05)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(64, 20), torch.randint(0, 3, (64,))
    for _ in range(15):
        for net, opt, pen in ((a, opt_a, 0.), (b, opt_b, 0.05)):
            loss = F.cross_entropy(net(x), y) + l2_penalty(net.parameters(), pen)
            opt.zero_grad(); loss.backward(); opt.step()
    for pa, pb in zip(a.parameters(), b.parameters()): assert_close(pa, pb, rtol=1e-5, atol=1e-6)

# --- the loss ------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(st.integers(1, 20), st.integers(2, 12), st.integers(0, 1000))
def test_softmax_mse_against_torch(n, c, seed):
    g = gen(seed)
    z, t = torch.randn(n, c, generator=g, dtype=torch.float64) * 3, torch.randint(0, c, (n,), generator=g)
    z1, z2 = z.clone().requires_grad_(), z.clone().requires_grad_()
    loss = softmax_mse(z1, t)
    ref = F.mse_loss(z2.softmax(1), F.one_hot(t, c).double(), reduction='sum') / n
    assert loss.shape == ()
    assert_close(loss, ref)
    loss.backward(); ref.backward()
    assert_close(z1.grad, z2.grad)
    # the gradient written out: 2 p_j [(p_j - y_j) - sum_c p_c (p_c - y_c)] / n
    p, y = z.softmax(1), F.one_hot(t, c).double()
    assert_close(z1.grad, 2 * p * ((p - y) - (p * (p - y)).sum(1, keepdim=True)) / n)

def test_softmax_mse_vanishes_when_confidently_wrong():
    z = torch.tensor([[0., 12., 0.]], requires_grad=True)
    softmax_mse(z, torch.tensor([0])).backward()
    assert z.grad.norm() < 1e-3
    assert softmax_mse(torch.tensor([[0., 50., 0.]]), torch.tensor([0])) <= 2

# --- evaluate and fit_net ------------------------------------------------------------------------

def toy_data(n=400, seed=0):
    "Three well separated clusters in 10 dimensions."
    g = gen(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centres = torch.randn(3, 10, generator=g) * 3
    return centres[y] + torch.randn(n, 10, generator=g), y

def test_evaluate_scores_in_eval_mode_and_restores_the_mode():
    x, y = toy_data()
    torch.manual_seed(0)
    net = mlp([10, 16, 3], p=0.5)
    net.train()
    loss, acc = evaluate(net, x, y, bs=64)
    assert net.training
    with torch.no_grad(): out = net.eval()(x)
    assert_close(loss, F.cross_entropy(out, y).item())
    assert acc == (out.argmax(1) == y).float().mean().item()
    net.eval(); evaluate(net, x, y)
    assert not net.training
    l2, _ = evaluate(net, x, y, loss_func=softmax_mse)
    assert_close(l2, softmax_mse(out, y).item())

def test_fit_net_learns_and_records_its_history():
    x, y = toy_data()
    torch.manual_seed(0)
    net = mlp([10, 16, 3], p=0.2)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    before = evaluate(net, x, y)
    hist = fit_net(net, opt, x, y, epochs=4, bs=50, evals={'train': (x, y), 'valid': (x[:100], y[:100])})
    assert set(hist) == {'loss', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc'}
    assert len(hist['loss']) == 4 * 8 and all(len(hist[k]) == 4 for k in hist if k != 'loss')
    assert not net.training
    assert_close(hist['train_loss'][-1], evaluate(net, x, y)[0])
    assert hist['train_acc'][-1] > 0.95 and hist['train_loss'][-1] < 0.5 * before[0]

def test_fit_net_trains_in_training_mode_and_scores_in_eval_mode():
    class Spy(nn.Module):
        "Records the mode of each forward pass."
        def __init__(self): super().__init__(); self.modes = []
        def forward(self, x): self.modes.append(self.training); return x
    x, y = toy_data(100)
    net = nn.Sequential(nn.Linear(10, 3), Spy()).eval()
    fit_net(net, torch.optim.SGD(net.parameters(), lr=0.1), x, y, epochs=2, bs=50, evals={'valid': (x, y)})
    assert net[1].modes == [True, True, False] * 2       # two batches, then one pass over the validation set

def test_fit_net_is_repeatable_and_follows_the_seed():
    x, y = toy_data()
    def go(seed):
        torch.manual_seed(0)
        net = mlp([10, 8, 3])
        return fit_net(net, torch.optim.SGD(net.parameters(), lr=0.05), x, y, epochs=2, bs=32, seed=seed)['loss']
    assert go(0) == go(0) and go(0) != go(1)

def test_fit_net_steps_the_scheduler_and_asks_the_stopper():
    x, y = toy_data(100)
    net = mlp([10, 8, 3])
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 1 / (i + 1))
    calls = []
    def stopper(n, hist):
        calls.append(len(hist['valid_loss'])); return len(calls) == 2
    hist = fit_net(net, opt, x, y, epochs=5, bs=25, evals={'valid': (x, y)}, sched=sched, stopper=stopper)
    assert calls == [1, 2] and len(hist['valid_loss']) == 2 and len(hist['loss']) == 8
    assert_close(opt.param_groups[0]['lr'], 0.1 / 9)

def test_fit_net_accepts_another_loss():
    x, y = toy_data()
    torch.manual_seed(0)
    net = mlp([10, 16, 3])
    hist = fit_net(net, torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9), x, y, epochs=3, bs=40,
                   evals={'train': (x, y)}, loss_func=softmax_mse)
    assert max(hist['loss']) <= 2 and hist['train_acc'][-1] > 0.9
    assert_close(hist['train_loss'][-1], evaluate(net, x, y, softmax_mse)[0])

# --- early stopping ------------------------------------------------------------------------------

def replay(stopper, values, metric='valid_loss'):
    "Feed `values` to `stopper` epoch by epoch, with a network whose bias holds the epoch number; epochs run."
    net, hist = nn.Linear(1, 1), {metric: []}
    for i, v in enumerate(values):
        with torch.no_grad(): net.bias.fill_(i)
        hist[metric].append(v)
        if stopper(net, hist): return i + 1, net
    return len(values), net

def test_early_stopping_on_the_loss():
    s = EarlyStopping(patience=2)
    ran, net = replay(s, [1.0, 0.8, 0.9, 0.7, 0.75, 0.72, 0.6])
    assert ran == 6 and s.best_epoch == 3 and s.best == 0.7
    assert net.bias.item() == 5
    s.restore(net)
    assert net.bias.item() == 3

def test_early_stopping_keeps_a_copy_not_a_reference():
    s = EarlyStopping(patience=5)
    ran, net = replay(s, [0.5, 0.6, 0.7])
    assert ran == 3 and s.best_epoch == 0
    s.restore(net)
    assert net.bias.item() == 0

def test_early_stopping_on_accuracy_and_ties():
    s = EarlyStopping(patience=1, metric='valid_acc', mode='max')
    ran, net = replay(s, [0.5, 0.7, 0.7, 0.9], metric='valid_acc')
    assert ran == 3 and s.best_epoch == 1 and s.best == 0.7     # a tie is no improvement
    s.restore(net)
    assert net.bias.item() == 1

def test_early_stopping_errors():
    with pytest.raises(ValueError, match="'min' or 'max'"): EarlyStopping(mode='best')
    with pytest.raises(RuntimeError, match='no epoch'): EarlyStopping().restore(nn.Linear(1, 1))

def test_early_stopping_in_fit_net_restores_the_best_epoch():
    # validation labels drawn at random: the more confident the network grows, the worse its validation loss
    x, y = toy_data(300)
    y_rand = torch.randint(0, 3, (100,), generator=gen(9))
    torch.manual_seed(0)
    net = mlp([10, 32, 3])
    s = EarlyStopping(patience=2)
    hist = fit_net(net, torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9), x[:200], y[:200], epochs=30, bs=20,
                   evals={'valid': (x[200:], y_rand)}, stopper=s)
    best = hist['valid_loss'].index(min(hist['valid_loss']))
    assert s.best_epoch == best and len(hist['valid_loss']) == best + 3 < 30
    assert not torch.equal(net[0].weight, s.state['0.weight'])
    s.restore(net)
    assert_close(evaluate(net, x[200:], y_rand)[0], hist['valid_loss'][best])

# --- the plot -----------------------------------------------------------------------------------

def test_plot_runs_draws_train_dashed_and_valid_solid():
    h1 = {'loss': [1.] * 6, 'train_loss': [1., .5, .3], 'valid_loss': [1.1, .8, .9], 'train_acc': [.5, .7, .9], 'valid_acc': [.4, .6, .6]}
    h2 = {'valid_loss': [2., 1.], 'valid_acc': [.2, .3]}
    fig = plot_runs({'a': h1, 'b': h2})
    ax_loss, ax_acc = fig.axes
    labels = [l.get_label() for l in ax_loss.lines]
    assert labels == ['a, train', 'a, valid', 'b, valid']
    assert [l.get_linestyle() for l in ax_loss.lines] == ['--', '-', '-']
    assert list(ax_loss.lines[1].get_ydata()) == [1.1, .8, .9] and list(ax_loss.lines[1].get_xdata()) == [1, 2, 3]
    assert list(ax_acc.lines[2].get_ydata()) == [.2, .3]
    assert ax_loss.lines[0].get_color() == ax_loss.lines[1].get_color() != ax_loss.lines[2].get_color()
    assert len(plot_runs({'a': h1}, metrics=('acc',)).axes) == 1
    plt.close('all')

# --- PyTorch's names and options ------------------------------------------------------------------

def test_dropout_takes_pytorchs_signature():
    x = torch.randn(40, 30)
    torch.manual_seed(4); ours = dropout(input=x)                          # p=0.5 by default, as F.dropout
    torch.manual_seed(4); theirs = F.dropout(input=x)
    assert_close(ours, theirs)
    torch.manual_seed(4); ours = dropout(x, 0.3, True, False)              # positional: input, p, training, inplace
    torch.manual_seed(4); theirs = F.dropout(x, 0.3, True, False)
    assert_close(ours, theirs)

@pytest.mark.parametrize('p', [0., 0.3, 1.])
def test_dropout_in_place(p):
    x = torch.randn(40, 30)
    a, b = x.clone(), x.clone()
    torch.manual_seed(5); ours = dropout(a, p, inplace=True)
    torch.manual_seed(5); theirs = F.dropout(b, p, inplace=True)
    assert ours is a and theirs is b
    assert_close(a, b)
    assert dropout(a, p, training=False, inplace=True) is a
    leaf = torch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError): F.dropout(leaf, 0.5, inplace=True)
    if p: 
        with pytest.raises(RuntimeError): dropout(leaf, p, inplace=True)   # a leaf that requires grad: PyTorch's error

def test_dropout_layer_in_place():
    layer, x = Dropout(0.4, inplace=True), torch.randn(20, 10)
    a = x.clone()
    torch.manual_seed(6); out = layer(a)
    torch.manual_seed(6); expected = nn.Dropout(0.4, inplace=True)(x.clone())
    assert out is a and torch.equal(out, expected)
    assert repr(layer) == 'Dropout(p=0.4, inplace=True)' and repr(Dropout()) == repr(nn.Dropout())
