"""Tests of foundations.rnn: rnn_cell, rnn, gru and the RNN and GRU modules against nn.RNN and nn.GRU (values and
gradients in float64; batch of one, length one, empty batch, batch_first, several layers, with and without a first
state, unbatched input, no bias, ReLU), what the modules refuse, rnn_backward against autograd, clip_grad_norm_
against torch.nn.utils.clip_grad_norm_, and Reader."""
import pytest, torch
from torch import nn
from torch.testing import assert_close
from foundations.rnn import rnn_cell, recur, rnn, gru_cell, gru, layer_weights, RNN, GRU, rnn_backward, clip_grad_norm_, Reader

def pair(ours, theirs, *args, **kwargs):
    b = theirs(*args, dtype=torch.float64, **kwargs)
    a = ours(*args, dtype=torch.float64, **kwargs)
    a.load_state_dict(b.state_dict())
    return a, b

def run_both(a, b, x, hx=None, seed=0):
    "Outputs, final states and gradients (input, state, every parameter) of both modules for one random loss."
    res = []
    for m in (a, b):
        xx = x.clone().requires_grad_()
        h = None if hx is None else hx.clone().requires_grad_()
        out, h_n = m(xx, h)
        g = torch.Generator().manual_seed(seed)
        loss = (out * torch.randn(out.shape, generator=g, dtype=out.dtype)).sum() + (h_n * torch.randn(h_n.shape, generator=g, dtype=h_n.dtype)).sum()
        leaves = [xx, *([h] if h is not None else []), *m.parameters()]
        res.append([out, h_n, *torch.autograd.grad(loss, leaves, allow_unused=True)])
    return res

def check(a, b, x, hx=None):
    r1, r2 = run_both(a, b, x, hx)
    for p, q in zip(r1, r2):
        if p is None or q is None: assert p is None and q is None; continue
        assert p.shape == q.shape and p.dtype == q.dtype
        assert_close(p, q, rtol=1e-10, atol=1e-12)

CASES = [  # (constructor kwargs, input shape, give h0)
    ({}, (5, 3, 4), False), ({}, (5, 3, 4), True), ({}, (1, 1, 4), True), ({}, (1, 3, 4), False),
    ({}, (4, 0, 4), False), ({'batch_first': True}, (3, 5, 4), True), ({'batch_first': True}, (0, 5, 4), False),
    ({'num_layers': 3}, (6, 2, 4), True), ({'num_layers': 2, 'batch_first': True}, (2, 6, 4), False),
    ({'bias': False}, (5, 2, 4), True), ({}, (7, 4), True), ({}, (7, 4), False), ({'num_layers': 2}, (1, 4), True),
    ({'batch_first': True}, (7, 4), True),
]

def state_shape(kw, shape, hidden=6):
    layers = kw.get('num_layers', 1)
    if len(shape) == 2: return (layers, hidden)
    return (layers, shape[0 if kw.get('batch_first') else 1], hidden)

@pytest.mark.parametrize('kw,shape,give_h0', CASES)
@pytest.mark.parametrize('nonlinearity', ['tanh', 'relu'])
def test_rnn_module_matches(kw, shape, give_h0, nonlinearity):
    torch.manual_seed(0)
    a, b = pair(RNN, nn.RNN, 4, 6, nonlinearity=nonlinearity, **kw)
    hx = torch.randn(state_shape(kw, shape), dtype=torch.float64) if give_h0 else None
    check(a, b, torch.randn(shape, dtype=torch.float64), hx)

@pytest.mark.parametrize('kw,shape,give_h0', CASES)
def test_gru_module_matches(kw, shape, give_h0):
    torch.manual_seed(1)
    a, b = pair(GRU, nn.GRU, 4, 6, **kw)
    hx = torch.randn(state_shape(kw, shape), dtype=torch.float64) if give_h0 else None
    check(a, b, torch.randn(shape, dtype=torch.float64), hx)

@pytest.mark.parametrize('Ours,Theirs', [(RNN, nn.RNN), (GRU, nn.GRU)])
def test_modules_are_pytorchs(Ours, Theirs):
    torch.manual_seed(2)
    a, b = Ours(3, 5, num_layers=2), Theirs(3, 5, num_layers=2)
    assert isinstance(a, Theirs) and repr(a) == repr(b)
    assert list(a.state_dict()) == list(b.state_dict())
    assert [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]

def test_float32_and_eval_dropout():
    torch.manual_seed(3)
    b = nn.GRU(4, 8, num_layers=2, dropout=0.5).eval()
    a = GRU(4, 8, num_layers=2, dropout=0.5).eval(); a.load_state_dict(b.state_dict())
    x = torch.randn(9, 3, 4)
    for p, q in zip(a(x), b(x)): assert p.dtype == torch.float32; assert_close(p, q, rtol=1e-5, atol=1e-6)

@pytest.mark.parametrize('seed', range(4))
def test_functions_match(seed):
    g = torch.Generator().manual_seed(seed)
    layers, L, N = 1 + seed % 3, 1 + seed * 2, 1 + seed
    x = torch.randn(L, N, 3, generator=g, dtype=torch.float64)
    for fn, M in ((rnn, nn.RNN), (gru, nn.GRU)):
        torch.manual_seed(seed)
        m = M(3, 5, num_layers=layers, dtype=torch.float64)
        h0 = torch.randn(layers, N, 5, generator=g, dtype=torch.float64)
        out, h_n = fn(x, h0, layer_weights(m))
        ref_out, ref_h = m(x, h0)
        assert_close(out, ref_out); assert_close(h_n, ref_h)
        out_bf, h_bf = fn(x.transpose(0, 1), h0, layer_weights(m), batch_first=True)
        assert_close(out_bf, ref_out.transpose(0, 1)); assert_close(h_bf, ref_h)

def test_cells_match_pytorch_cells():
    torch.manual_seed(4)
    x, h = torch.randn(3, 4, dtype=torch.float64), torch.randn(3, 5, dtype=torch.float64)
    for cell, M, kw in ((rnn_cell, nn.RNNCell, {}), (rnn_cell, nn.RNNCell, {'act': torch.relu}), (gru_cell, nn.GRUCell, {})):
        m = M(4, 5, dtype=torch.float64, **({'nonlinearity': 'relu'} if kw else {}))
        assert_close(cell(x, h, m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh, **kw), m(x, h))

def test_recur_with_a_custom_cell():
    x, h0 = torch.ones(3, 2, 1), torch.zeros(2, 2, 1)
    out, h_n = recur(lambda x, h, c: h + x * c, x, h0, [(1.,), (2.,)])
    assert_close(out[:, 0, 0], torch.tensor([2., 6., 12.]))     # layer 1 counts 1, 2, 3; layer 2 sums twice those
    assert_close(h_n[:, 0, 0], torch.tensor([3., 12.]))

@pytest.mark.parametrize('L,N', [(1, 1), (6, 3), (4, 0)])
def test_rnn_backward_matches_autograd(L, N):
    torch.manual_seed(5)
    m = nn.RNN(4, 5, dtype=torch.float64)
    x = torch.randn(L, N, 4, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, N, 5, dtype=torch.float64, requires_grad=True)
    dout = torch.randn(L, N, 5, dtype=torch.float64)
    w = layer_weights(m)[0]
    hs, _ = rnn(x, h0, [w])
    auto = torch.autograd.grad((hs * dout).sum(), [x, h0, *w])
    mine = rnn_backward(x.detach(), h0.detach()[0], hs.detach(), w[0].detach(), w[1].detach(), dout)
    for k, a in zip(['x', 'h0', 'w_ih', 'w_hh', 'b_ih', 'b_hh'], auto): assert_close(mine[k], a.squeeze(0) if k == 'h0' else a)

@pytest.mark.parametrize('max_norm', [0.1, 1., 1e6])
def test_clip_grad_norm_matches(max_norm):
    g = torch.Generator().manual_seed(6)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    grads = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    sets = []
    for _ in range(2):
        ps = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes] + [torch.zeros(2, dtype=torch.float64, requires_grad=True)]
        for p, gr in zip(ps, grads): p.grad = gr.clone()
        sets.append(ps)
    assert_close(clip_grad_norm_(sets[0], max_norm), torch.nn.utils.clip_grad_norm_(sets[1], max_norm))
    for p, q in zip(sets[0][:-1], sets[1][:-1]): assert_close(p.grad, q.grad)
    assert sets[0][-1].grad is None

@pytest.mark.parametrize('Ours,Theirs', [(RNN, nn.RNN), (GRU, nn.GRU)])
def test_modules_refuse_what_pytorch_refuses(Ours, Theirs):
    m, ref = Ours(4, 6, num_layers=2), Theirs(4, 6, num_layers=2)
    for bad in [torch.randn(5, 3, 3), torch.randn(2, 5, 3, 4), torch.randn(0, 3, 4)]:
        with pytest.raises((RuntimeError, ValueError)): ref(bad)
        with pytest.raises((RuntimeError, ValueError)): m(bad)
    for x, hx in [(torch.randn(5, 3, 4), torch.randn(1, 3, 6)), (torch.randn(5, 3, 4), torch.randn(2, 2, 6)), (torch.randn(5, 4), torch.randn(2, 3, 6))]:
        with pytest.raises(RuntimeError): ref(x, hx)
        with pytest.raises(RuntimeError, match='hidden size'): m(x, hx)

@pytest.mark.parametrize('M', [RNN, GRU])
@pytest.mark.parametrize('kw', [dict(bidirectional=True), dict(num_layers=2, dropout=0.5)])
def test_modules_refuse_what_they_do_not_do(M, kw):
    with pytest.raises(NotImplementedError): M(4, 6, **kw)(torch.randn(3, 2, 4))

def test_packed_sequences_refused():
    from torch.nn.utils.rnn import pack_padded_sequence
    packed = pack_padded_sequence(torch.randn(4, 2, 3), torch.tensor([4, 2]))
    with pytest.raises(NotImplementedError, match='packed'): RNN(3, 5)(packed)

@pytest.mark.parametrize('cell', [RNN, GRU])
def test_reader(cell):
    torch.manual_seed(7)
    net = Reader(cell, n_in=5, hidden=8, n_out=3, num_layers=2)
    x = torch.randn(4, 6, 5)
    y = net(x)
    assert y.shape == (4, 3)
    assert_close(y, net.head(net.rnn(x)[0][:, -1]))
