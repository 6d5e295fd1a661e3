"""Tests of foundations.training: the data helpers, the hand-written backward pass (against the
functions it replaces, the layer classes of chapter 06 and autograd), SGD against torch.optim.SGD,
the schedule, the loop (`batches`, `fit`), the PyTorch twin, and the plots. Random data only, except
one short run on Fashion-MNIST where this machine has it."""
import math
import pytest, torch
import torch.nn.functional as F
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from hypothesis import given, settings, strategies as st
from torch.testing import assert_close
from foundations.init import lin, relu
from foundations.backprop import lin_grad, relu_grad, cross_entropy
from foundations.refactor import Lin, Relu, CrossEntropy, Model
from foundations.training import (MLP, SGD, batches, fit, accuracy, cos_sched, flatten_images, normalize, split_train_valid,
                                  torch_mlp, confusion_matrix, train_step, lin_grad_params, relu_grad_, plot_history)

def autograd_grads(model, x, y):
    "The gradients of the cross-entropy of `model`'s network (same weights) computed by autograd."
    leaves = [p.detach().clone().requires_grad_() for p in model.params]
    h = x
    for i in range(0, len(leaves), 2):
        h = h @ leaves[i] + leaves[i + 1]
        if i < len(leaves) - 2: h = h.relu()
    F.cross_entropy(h, y).backward()
    return [l.grad for l in leaves]

def toy(n=600, d=20, c=4, seed=0):
    "A small separable classification problem: `n` points in `d` dimensions around `c` random centres."
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(c, d, generator=g) * 3
    y = torch.randint(0, c, (n,), generator=g)
    return centres[y] + torch.randn(n, d, generator=g), y

# ---------------------------------------------------------------- data helpers

def test_flatten_and_normalize():
    imgs = torch.tensor([[[0, 255], [51, 102]], [[255, 255], [0, 0]]], dtype=torch.uint8)
    x = flatten_images(imgs)
    assert_close(x, torch.tensor([[0., 1., 0.2, 0.4], [1., 1., 0., 0.]]))
    assert imgs.dtype == torch.uint8 and imgs[0, 0, 1] == 255                    # the images are not changed
    assert_close(normalize(x, 0.5, 0.25), (x - 0.5) * 4)
    assert_close(normalize(x, x.mean(0), x.std(0) + 1).mean(0), torch.zeros(4), atol=1e-6, rtol=0)

def test_split_train_valid():
    x, y = torch.arange(100.)[:, None], torch.arange(100)
    (xt, yt), (xv, yv) = split_train_valid(x, y, n_valid=30, seed=1)
    assert (len(xt), len(xv)) == (70, 30)
    assert sorted(torch.cat([yt, yv]).tolist()) == list(range(100))             # every item once
    assert torch.equal(xt[:, 0].long(), yt) and torch.equal(xv[:, 0].long(), yv)  # rows stay with their labels
    (xt2, _), (xv2, _) = split_train_valid(x, y, n_valid=30, seed=1)
    assert torch.equal(xv, xv2) and torch.equal(xt, xt2)                          # fixed by the seed
    assert not torch.equal(split_train_valid(x, y, n_valid=30, seed=2)[1][1], yv)
    assert yv.tolist() != list(range(30))                                         # a random sample, not the first rows
    x0 = torch.randn(5, 2); state = torch.get_rng_state()
    split_train_valid(x0, torch.zeros(5), n_valid=2)
    assert torch.equal(torch.get_rng_state(), state)                              # the global generator is left alone

@pytest.mark.parametrize('n_valid', [0, 100, 101, -1])
def test_split_train_valid_refuses_sizes(n_valid):
    with pytest.raises(ValueError, match=f'n_valid={n_valid} must be between 1 and 99'):
        split_train_valid(torch.zeros(100, 3), torch.zeros(100), n_valid=n_valid)

def test_split_train_valid_refuses_mismatch():
    with pytest.raises(ValueError, match='10 inputs but 9 targets'): split_train_valid(torch.zeros(10, 2), torch.zeros(9), 2)

# ---------------------------------------------------------------- the backward pass

def test_lin_grad_params_is_lin_grad_without_inp():
    inp, w, b = torch.randn(8, 5), torch.randn(5, 3), torch.randn(3)
    out = lin(inp, w, b); og = torch.randn(8, 3)
    out.g = og.clone(); lin_grad(inp, out, w, b); wg, bg = w.g, b.g
    del inp.g
    out.g = og.clone(); lin_grad_params(inp, out, w, b)
    assert torch.equal(w.g, wg) and torch.equal(b.g, bg)
    assert not hasattr(inp, 'g') and not hasattr(out, 'g')

def test_relu_grad_in_place_is_relu_grad():
    inp = torch.randn(8, 5); inp[0, :2] = 0.
    r = relu(inp); rg = torch.randn(8, 5)
    r.g = rg.clone(); relu_grad(inp, r); expected = inp.g
    r.g = g_in = rg.clone(); relu_grad_(inp, r)
    assert torch.equal(inp.g, expected) and inp.g is g_in and not hasattr(r, 'g')

@pytest.mark.parametrize('fn', [lin_grad_params, relu_grad_])
def test_missing_out_g(fn):
    inp, w, b = torch.randn(4, 3), torch.randn(3, 3), torch.randn(3)
    out = lin(inp, w, b)
    args = (inp, out, w, b) if fn is lin_grad_params else (inp, out)
    with pytest.raises(RuntimeError, match='`out.g` is missing'): fn(*args)

def test_mlp_shapes_and_init():
    m = MLP([784, 256, 128, 10])
    assert [tuple(p.shape) for p in m.params] == [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
    assert all(p is q for p, q in zip(m.params, [m.ws[0], m.bs[0], m.ws[1], m.bs[1], m.ws[2], m.bs[2]]))
    for w in m.ws: assert_close(w.std().item(), math.sqrt(2 / w.shape[0]), rtol=0.05, atol=0)
    for b in m.bs: assert torch.equal(b, torch.zeros_like(b))
    assert all(torch.equal(p, q) for p, q in zip(m.params, MLP([784, 256, 128, 10]).params))      # the seed fixes them
    assert not torch.equal(m.ws[0], MLP([784, 256, 128, 10], seed=1).ws[0])
    state = torch.get_rng_state(); MLP([5, 3]); assert torch.equal(torch.get_rng_state(), state)

def test_mlp_forward():
    m = MLP([6, 5, 4, 3], seed=2)
    x = torch.randn(7, 6)
    expected = lin(relu(lin(relu(lin(x, m.ws[0], m.bs[0])), m.ws[1], m.bs[1])), m.ws[2], m.bs[2])
    assert_close(m(x), expected)
    assert len(m.acts) == 6 and m.acts[0] is x

sizes = st.lists(st.integers(1, 12), min_size=2, max_size=5)
@settings(max_examples=40, deadline=None)
@given(sizes, st.integers(1, 9), st.integers(0, 2**31 - 1))
def test_mlp_backward_matches_autograd(sz, n, seed):
    sz[-1] = max(sz[-1], 2)
    g = torch.Generator().manual_seed(seed)
    m = MLP(sz, seed=seed)
    for b in m.bs: b.normal_(generator=g)                                       # nonzero biases, ReLUs on both sides of 0
    x, y = torch.randn(n, sz[0], generator=g), torch.randint(0, sz[-1], (n,), generator=g)
    m(x); m.backward(y)
    for p, ag in zip(m.params, autograd_grads(m, x, y)):
        assert p.g.shape == p.shape
        assert_close(p.g, ag, rtol=1e-4, atol=1e-6)

def test_mlp_backward_bit_for_bit_with_layers():
    "The same functions in the same order as chapter 06's layer classes: the same gradients, exactly."
    m = MLP([30, 16, 8, 5], seed=4)
    x, y = torch.randn(12, 30), torch.randint(0, 5, (12,))
    loss = cross_entropy(m(x), y); m.backward(y)
    ws, bs = [w.clone() for w in m.ws], [b.clone() for b in m.bs]
    layered = Model([Lin(ws[0], bs[0]), Relu(), Lin(ws[1], bs[1]), Relu(), Lin(ws[2], bs[2])], CrossEntropy())
    assert torch.equal(layered(x, y), loss)
    layered.backward()
    for p, q in zip(m.params, [t for wb in zip(ws, bs) for t in wb]): assert torch.equal(p.g, q.g)

def test_mlp_gradients_are_used_up():
    "Each activation's `.g` is removed once passed on: a layer's gradient cannot be taken twice from stale numbers."
    m = MLP([6, 4, 3])
    x, y = torch.randn(5, 6), torch.randint(0, 3, (5,))
    m(x); m.backward(y)
    assert not any(hasattr(a, 'g') for a in m.acts[1:])
    with pytest.raises(RuntimeError, match='`out.g` is missing'): lin_grad_params(m.acts[0], m.acts[1], m.ws[0], m.bs[0])
    with pytest.raises(RuntimeError, match='`out.g` is missing'): relu_grad_(m.acts[1], m.acts[2])
    gs = [p.g for p in m.params]
    m.backward(y)                                      # the whole backward pass again starts from the loss: same gradients
    for p, g in zip(m.params, gs): assert torch.equal(p.g, g)

def test_softmax_regression_is_a_one_layer_mlp():
    m = MLP([6, 3])
    x, y = torch.randn(5, 6), torch.randint(0, 3, (5,))
    assert_close(m(x), x @ m.ws[0] + m.bs[0])
    m.backward(y)
    for p, ag in zip(m.params, autograd_grads(m, x, y)): assert_close(p.g, ag)

# ---------------------------------------------------------------- the optimizer and the schedule

def test_sgd_worked_example():
    p = torch.tensor([2.])
    opt = SGD([p], lr=0.1, mom=0.9, wd=0.5)
    p.g = torch.tensor([1.]); opt.step(); opt.zero_grad()
    assert_close(p, torch.tensor([1.8]))
    p.g = torch.tensor([1.]); opt.step(); opt.zero_grad()
    assert_close(p, torch.tensor([1.43]))
    with pytest.raises(RuntimeError, match=r'a parameter of shape \(1,\) has no gradient; run backward first'): opt.step()

@pytest.mark.parametrize('lr,mom,wd', [(0.1, 0., 0.), (0.1, 0.9, 0.), (0.05, 0.9, 5e-4), (0.3, 0.5, 0.1), (0.01, 0., 0.2)])
def test_sgd_matches_torch(lr, mom, wd):
    ps = [torch.randn(4, 3), torch.randn(3)]
    tps = [p.clone().requires_grad_() for p in ps]
    opt, topt = SGD(ps, lr=lr, mom=mom, wd=wd), torch.optim.SGD(tps, lr=lr, momentum=mom, weight_decay=wd)
    for _ in range(6):
        for p, tp in zip(ps, tps): p.g = torch.randn(p.shape); tp.grad = p.g.clone()
        opt.step(); opt.zero_grad(); topt.step()
        for p, tp in zip(ps, tps): assert_close(p, tp.detach())
    assert all(p.g is None for p in ps)

def test_sgd_in_place():
    p = torch.randn(3); q = p
    opt = SGD([p], lr=0.1, mom=0.9)
    v = opt.vs[0]
    p.g = torch.ones(3); opt.step()
    assert p is q and opt.vs[0] is v and torch.equal(v, torch.ones(3))

def test_cos_sched_matches_torch():
    n = 37
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.05)
    ref = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=n)
    theirs = []
    for _ in range(n): theirs.append(topt.param_groups[0]['lr']); topt.step(); ref.step()
    assert_close(torch.tensor([cos_sched(0.05, i / n) for i in range(n)]), torch.tensor(theirs))
    assert (cos_sched(0.05, 0), cos_sched(0.05, 0.5), cos_sched(0.05, 1)) == (0.05, 0.025, 0.)

# ---------------------------------------------------------------- the loop

def test_batches():
    g = torch.Generator().manual_seed(1)
    idxs = batches(10, 4, g)
    assert [len(i) for i in idxs] == [4, 4, 2]
    assert sorted(torch.cat(idxs).tolist()) == list(range(10))
    assert torch.cat(batches(10, 4, g)).tolist() != torch.cat(idxs).tolist()         # a new order each epoch
    assert torch.cat(batches(10, 4, torch.Generator().manual_seed(1))).tolist() == torch.cat(idxs).tolist()
    assert [len(i) for i in batches(8, 4, g)] == [4, 4] and [len(i) for i in batches(3, 10, g)] == [3]

@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(1, 64))
def test_batches_cover_each_item_once(n, bs):
    idxs = batches(n, bs, torch.Generator().manual_seed(0))
    assert len(idxs) == math.ceil(n / bs) and all(len(i) == bs for i in idxs[:-1])
    assert sorted(torch.cat(idxs).tolist()) == list(range(n))

def test_accuracy():
    assert accuracy(torch.tensor([[0., 1.], [3., 2.], [1., 5.], [0., -1.]]), torch.tensor([1, 0, 0, 1])) == 0.5
    assert accuracy(torch.eye(3), torch.arange(3)) == 1.0 and isinstance(accuracy(torch.eye(3), torch.arange(3)), float)
    with pytest.raises(ValueError, match=r'got \(4, 10\) and \(3,\)'): accuracy(torch.zeros(4, 10), torch.zeros(3))
    with pytest.raises(ValueError, match=r'got \(4,\) and \(4,\)'): accuracy(torch.zeros(4), torch.zeros(4))

class Spy:
    "Model and optimizer in one: records the items of each batch (each item's only feature is its number) and each step's learning rate."
    def __init__(self): self.seen, self.lrs, self.lr = [], [], 1.
    def __call__(self, x): self.seen.append(x[:, 0].long()); return torch.zeros(len(x), 10)
    def backward(self, targ): pass
    def step(self): self.lrs.append(self.lr)
    def zero_grad(self): pass

def test_fit_visits_each_item_once_per_epoch_and_follows_the_schedule():
    spy = Spy()
    hist = fit(spy, spy, torch.arange(10.)[:, None], torch.zeros(10, dtype=torch.int64), epochs=3, bs=4, progress=False)
    assert [len(b) for b in spy.seen] == [4, 4, 2] * 3
    orders = [torch.cat(spy.seen[3*e:3*e + 3]).tolist() for e in range(3)]
    for o in orders: assert sorted(o) == list(range(10))
    assert len({tuple(o) for o in orders}) == 3
    assert_close(torch.tensor(spy.lrs), torch.tensor([cos_sched(1., i / 9) for i in range(9)]))
    assert spy.lr == 1. and len(hist['loss']) == 9 and hist['acc'] == []
    assert_close(torch.tensor(hist['loss']), torch.full((9,), math.log(10)))

def test_fit_without_schedule():
    spy = Spy()
    fit(spy, spy, torch.arange(10.)[:, None], torch.zeros(10, dtype=torch.int64), epochs=2, bs=5, sched=None, progress=False)
    assert spy.lrs == [1.] * 4

def test_fit_scores_validation_each_epoch():
    spy = Spy()
    valid = (torch.arange(4.)[:, None], torch.tensor([0, 0, 1, 2]))
    hist = fit(spy, spy, torch.arange(10.)[:, None], torch.zeros(10, dtype=torch.int64), epochs=2, bs=5, valid=valid, progress=False)
    assert hist['acc'] == [0.5, 0.5]                      # zero logits: class 0 for every row, right for two of four

def test_fit_learns_and_is_deterministic():
    x, y = toy()
    def one(seed, init_seed=0):
        m = MLP([20, 16, 4], seed=init_seed)
        return m, fit(m, SGD(m.params, lr=0.05, mom=0.9, wd=5e-4), x[:400], y[:400], epochs=3, bs=32, valid=(x[400:], y[400:]), seed=seed, progress=False)
    (m1, h1), (m2, h2), (m3, h3) = one(0), one(0), one(1)
    assert h1 == h2 and all(torch.equal(p, q) for p, q in zip(m1.params, m2.params))
    assert h1['loss'][:13] != h3['loss'][:13]
    assert h1['acc'][-1] > 0.9 and sum(h1['loss'][-5:]) < 0.3 * sum(h1['loss'][:5])
    assert len(h1['loss']) == 3 * math.ceil(400 / 32) and len(h1['acc']) == 3

def test_fit_puts_lr_back_and_keeps_tensors():
    x, y = toy()
    m = MLP([20, 8, 4]); opt = SGD(m.params, lr=0.1, mom=0.9)
    params = list(m.params)
    fit(m, opt, x, y, epochs=1, bs=64, progress=False)
    assert opt.lr == 0.1 and all(p is q for p, q in zip(m.params, params))

def test_train_step():
    x, y = toy(64)
    m = MLP([20, 8, 4]); opt = SGD(m.params, lr=0.1)
    before = [p.clone() for p in m.params]
    expected = cross_entropy(m(x), y).item()
    loss = train_step(m, opt, x, y)
    assert isinstance(loss, float) and loss == expected
    assert all(not torch.equal(p, q) for p, q in zip(m.params, before))
    assert all(p.g is None for p in m.params)

def test_fit_progress(capsys):
    x, y = toy(100)
    m = MLP([20, 4])
    fit(m, SGD(m.params, lr=0.1), x, y, epochs=2, bs=10, valid=(x, y))          # outside a notebook: one line at the end
    out, err = capsys.readouterr()
    assert out == '' and err.count('\n') == 1
    assert err.startswith('fit: 20/20 in ') and 'epoch 2/2, loss ' in err and 'valid accuracy' in err
    fit(m, SGD(m.params, lr=0.1), x, y, epochs=2, bs=10, progress=False)
    assert capsys.readouterr() == ('', '')

# ---------------------------------------------------------------- the PyTorch twin

def test_torch_mlp_copies():
    m = MLP([20, 16, 8, 4], seed=1)
    net = torch_mlp(m)
    assert [type(l).__name__ for l in net] == ['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']
    x = torch.randn(9, 20)
    with torch.no_grad(): assert_close(net(x), m(x), rtol=1e-5, atol=1e-6)
    with torch.no_grad(): net[0].weight.zero_()
    assert not torch.equal(m.ws[0], torch.zeros_like(m.ws[0]))                     # copies, not views

def test_training_matches_pytorch_step_by_step():
    x, y = toy(1000, d=40, c=5)
    mine = MLP([40, 32, 16, 5], seed=3)
    net = torch_mlp(mine)
    opt = SGD(mine.params, lr=0.05, mom=0.9, wd=5e-4)
    topt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    ours, theirs = [], []
    for idx in batches(1000, 50, torch.Generator().manual_seed(5)):
        ours.append(train_step(mine, opt, x[idx], y[idx]))
        topt.zero_grad(); loss = F.cross_entropy(net(x[idx]), y[idx]); loss.backward(); topt.step()
        theirs.append(loss.item())
    assert_close(torch.tensor(ours), torch.tensor(theirs), rtol=1e-5, atol=1e-5)
    for w, b, l in zip(mine.ws, mine.bs, net[::2]):
        assert_close(w, l.weight.detach().T, rtol=1e-4, atol=1e-5); assert_close(b, l.bias.detach(), rtol=1e-4, atol=1e-5)

# ---------------------------------------------------------------- confusion matrix and plots

def test_confusion_matrix():
    cm = confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    preds, targ = torch.randint(0, 7, (500,)), torch.randint(0, 7, (500,))
    slow = torch.zeros(7, 7, dtype=torch.int64)
    for t, p in zip(targ.tolist(), preds.tolist()): slow[t, p] += 1
    assert torch.equal(confusion_matrix(preds, targ, 7), slow)
    assert confusion_matrix(torch.tensor([0]), torch.tensor([0]), 4).shape == (4, 4)

def test_plot_history():
    hist = {'loss': [2., 1.5, 1.2, 1., 0.9, 0.8], 'acc': [0.5, 0.7]}
    fig = plot_history(hist, 'a', smooth=2)
    ax1, ax2 = fig.axes
    raw, smooth = ax1.lines
    assert_close(torch.tensor(raw.get_xdata()), torch.tensor([1/3, 2/3, 1., 4/3, 5/3, 2.]), check_dtype=False)   # in epochs
    assert_close(torch.tensor(smooth.get_ydata()), torch.tensor([1.75, 1.35, 1.1, 0.95, 0.85]), check_dtype=False)
    assert list(ax2.lines[0].get_ydata()) == [0.5, 0.7] and list(ax2.lines[0].get_xdata()) == [1, 2]
    assert plot_history({'loss': [1., 0.5], 'acc': [0.9, 0.95]}, 'b', fig) is fig and len(ax2.lines) == 2
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ['a', 'b']
    assert_close(fig.axes[0].get_ylim(), (0., 2.2))                              # from the first losses of both runs
    fig = plot_history({'loss': [3., 2., 1e30, float('nan')], 'acc': [0.1]})        # a run that diverges
    assert_close(fig.axes[0].get_ylim(), (0., 3.3))
    fig = plot_history({'loss': [1., 0.5, 0.2], 'acc': []})                       # no validation: steps on the x axis
    assert fig.axes[0].get_xlabel() == 'step' and list(fig.axes[0].lines[0].get_xdata()) == [1., 2., 3.]
    assert not fig.axes[1].get_visible()                                          # no empty accuracy panel
    plot_history({'loss': [1., 0.5], 'acc': [0.9, 0.95]}, 'c', fig)
    assert fig.axes[1].get_visible() and fig.axes[1].get_legend() is not None
    plt.close('all')

# ---------------------------------------------------------------- on Fashion-MNIST, where the machine has it

def fashion():
    from foundations.data import find_fashion_mnist, load_fashion_mnist
    if find_fashion_mnist() is None: pytest.skip('Fashion-MNIST is not on this machine')
    return load_fashion_mnist()

def test_one_epoch_on_fashion_mnist():
    d = fashion()
    (xt, yt), (xv, yv) = split_train_valid(flatten_images(d.x_train), d.y_train, n_valid=10_000)
    mean, std = xt.mean(), xt.std()
    xt, xv = normalize(xt[:10_000], mean, std), normalize(xv, mean, std)
    m = MLP([784, 64, 10])
    hist = fit(m, SGD(m.params, lr=0.1, mom=0.9, wd=5e-4), xt, yt[:10_000], epochs=2, valid=(xv, yv), progress=False)
    assert hist['acc'][-1] > 0.8, hist['acc']
