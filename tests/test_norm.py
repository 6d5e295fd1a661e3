"""Tests of foundations.norm: batch_norm and layer_norm against F.batch_norm and F.layer_norm (values, gradients,
running statistics, errors), the modules against PyTorch's (training and evaluation, momentum None, no running
statistics, state_dict), LayerStats, and the residual blocks."""
import copy
import pytest, torch
from torch import nn
import torch.nn.functional as F
from torch.testing import assert_close
from foundations.norm import batch_norm, layer_norm, BatchNorm1d, BatchNorm2d, LayerNorm, LayerStats, ResBlock, resnet
from foundations.conv import Conv2d

def both(f_ours, f_theirs, inputs, seed=0):
    "Outputs and gradients (for a random upstream gradient) of both functions on copies of `inputs` (None stays None)."
    g = torch.Generator().manual_seed(seed)
    res = []
    for f in (f_ours, f_theirs):
        ts = [None if t is None else t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
        y = f(*ts)
        dy = torch.randn(y.shape, generator=torch.Generator().manual_seed(seed), dtype=y.dtype)
        leaves = [t for t in ts if t is not None and t.requires_grad]
        res.append((y, torch.autograd.grad(y, leaves, dy)))
    return res

SHAPES = [(8, 3), (4, 5, 7), (6, 3, 4, 4), (2, 4, 3, 3, 2), (16, 1, 5, 5)]

@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('training', [True, False])
@pytest.mark.parametrize('affine', [True, False])
@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_batch_norm_matches(shape, training, affine, dtype):
    g = torch.Generator().manual_seed(1)
    c = shape[1]
    x = torch.randn(shape, generator=g, dtype=dtype) * 3 + 2
    w, b = (torch.rand(c, generator=g, dtype=dtype) + 0.5, torch.randn(c, generator=g, dtype=dtype)) if affine else (None, None)
    stats = [(torch.randn(c, dtype=dtype), torch.rand(c, dtype=dtype) + 0.5) for _ in range(2)]
    stats[1] = (stats[0][0].clone(), stats[0][1].clone())
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-4, atol=1e-5)
    (y1, g1), (y2, g2) = both(lambda x, w, b: batch_norm(x, *stats[0], w, b, training, 0.3, 1e-4),
                              lambda x, w, b: F.batch_norm(x, *stats[1], w, b, training, 0.3, 1e-4), [x, w, b])
    assert y1.dtype == y2.dtype and y1.shape == y2.shape
    assert_close(y1, y2, **tol)
    for a, bb in zip(g1, g2): assert_close(a, bb, **tol)
    for a, bb in zip(stats[0], stats[1]): assert_close(a, bb, **tol)

def test_batch_norm_without_running_stats_in_training():
    x = torch.randn(5, 3, 2)
    assert_close(batch_norm(x, None, None, training=True), F.batch_norm(x, None, None, training=True))

def test_batch_norm_refuses():
    with pytest.raises(ValueError):
        F.batch_norm(torch.randn(1, 3), torch.zeros(3), torch.ones(3), training=True)
    with pytest.raises(ValueError, match='more than 1 value per channel'):
        batch_norm(torch.randn(1, 3), torch.zeros(3), torch.ones(3), training=True)
    with pytest.raises(ValueError, match='running_mean'): batch_norm(torch.randn(4, 3), None, None, training=False)
    with pytest.raises(ValueError, match='shape'): batch_norm(torch.randn(4), None, None, training=True)

@pytest.mark.parametrize('shape,ns', [((4, 10), (10,)), ((3, 4, 5), (5,)), ((3, 4, 5), (4, 5)), ((2, 3, 4, 5), (3, 4, 5)), ((7,), (7,)), ((2, 3, 4), 4)])
@pytest.mark.parametrize('affine', [True, False])
def test_layer_norm_matches(shape, ns, affine):
    g = torch.Generator().manual_seed(2)
    nshape = (ns,) if isinstance(ns, int) else ns
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 2 - 1
    w, b = (torch.randn(nshape, generator=g, dtype=torch.float64), torch.randn(nshape, generator=g, dtype=torch.float64)) if affine else (None, None)
    (y1, g1), (y2, g2) = both(lambda x, w, b: layer_norm(x, ns, w, b, 1e-3), lambda x, w, b: F.layer_norm(x, nshape, w, b, 1e-3), [x, w, b])
    assert_close(y1, y2)
    for a, bb in zip(g1, g2): assert_close(a, bb)

def test_layer_norm_refuses_a_wrong_shape():
    with pytest.raises(RuntimeError): F.layer_norm(torch.randn(3, 4), (5,))
    with pytest.raises(RuntimeError, match='normalized_shape'): layer_norm(torch.randn(3, 4), (5,))
    with pytest.raises(RuntimeError): layer_norm(torch.randn(4), (2, 4))

@pytest.mark.parametrize('ours,theirs,shape', [(BatchNorm1d, nn.BatchNorm1d, (16, 6)), (BatchNorm1d, nn.BatchNorm1d, (8, 6, 5)),
                                               (BatchNorm2d, nn.BatchNorm2d, (8, 6, 4, 4))])
@pytest.mark.parametrize('kw', [dict(), dict(momentum=None), dict(momentum=0.5, eps=1e-3), dict(affine=False), dict(track_running_stats=False)])
def test_batch_norm_modules(ours, theirs, shape, kw):
    torch.manual_seed(0)
    a, b = ours(shape[1], **kw), theirs(shape[1], **kw)
    b.load_state_dict(a.state_dict())
    assert isinstance(a, theirs) and repr(a).split('(', 1)[1] == repr(b).split('(', 1)[1]
    for step in range(4):
        x = torch.randn(shape) * 2 + step
        assert_close(a(x), b(x), rtol=1e-4, atol=1e-5)
    for k, v in b.state_dict().items(): assert_close(a.state_dict()[k], v, rtol=1e-5, atol=1e-6)
    a.eval(); b.eval()
    x = torch.randn(shape)
    assert_close(a(x), b(x), rtol=1e-4, atol=1e-5)

def test_batch_norm_module_checks_dims():
    with pytest.raises(ValueError): BatchNorm2d(3)(torch.randn(4, 3))
    with pytest.raises(ValueError): BatchNorm1d(3)(torch.randn(4, 3, 2, 2))

@pytest.mark.parametrize('ns', [8, (4, 8), (3, 4, 8)])
def test_layer_norm_module(ns):
    torch.manual_seed(0)
    a, b = LayerNorm(ns), nn.LayerNorm(ns)
    with torch.no_grad(): a.weight.normal_(); a.bias.normal_()
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 4, 8, requires_grad=True)
    ya, yb = a(x), b(x)
    assert_close(ya, yb, rtol=1e-5, atol=1e-5)
    ya.sum().backward(); ga = x.grad.clone(); x.grad = None; yb.sum().backward()
    assert_close(ga, x.grad, rtol=1e-4, atol=1e-5)

def test_layer_stats_records_and_removes():
    net = nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 5), nn.Sigmoid(), nn.Linear(5, 2))
    acts = [net[1], net[3]]
    with LayerStats(acts, bins=10) as st:
        for _ in range(3):
            x = torch.randn(7, 4)
            out = net(x); loss = out.pow(2).sum(); loss.backward()
        net.eval(); net(x); net.train()                                          # not recorded
    h1 = net[1](net[0](x)).detach()
    assert len(st.stats[0]['mean']) == 3 and len(st.stats[1]['grad']) == 3
    assert abs(st.stats[0]['mean'][-1] - h1.mean().item()) < 1e-6
    assert abs(st.stats[0]['std'][-1] - h1.std(0).mean().item()) < 1e-6
    assert st.get('hist').shape == (2, 3, 10) and st.get('hist')[0, -1].sum() == h1.numel()
    net(x).sum().backward()                                                       # hooks are gone
    assert len(st.stats[0]['mean']) == 3

def test_layer_stats_gradient_is_that_of_the_output():
    lin, act = nn.Linear(3, 4), nn.Sigmoid()
    with LayerStats([act]) as st:
        x = torch.randn(5, 3)
        h = act(lin(x)); h.retain_grad(); (h ** 2).sum().backward()
    assert abs(st.stats[0]['grad'][0] - h.grad.norm().item()) < 1e-6

@pytest.mark.parametrize('c_in,c_out,stride', [(8, 8, 1), (8, 16, 2), (4, 8, 1)])
def test_res_block_shapes_and_identity_path(c_in, c_out, stride):
    blk = ResBlock(c_in, c_out, stride)
    x = torch.randn(2, c_in, 9, 9)
    y = blk(x)
    assert y.shape == (2, c_out, (9 - 1) // stride + 1, (9 - 1) // stride + 1) and (y >= 0).all()
    assert isinstance(blk.skip, nn.Identity) == (stride == 1 and c_in == c_out)
    if isinstance(blk.skip, nn.Identity):
        with torch.no_grad(): blk.convs[-1].weight.zero_(); blk.convs[-1].bias.zero_()
        assert_close(blk(x), F.relu(x))                                           # a zero residual: the block passes its input on

def test_resnet_learns_a_little():
    torch.manual_seed(0)
    assert resnet(channels=(4, 8))(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    net = resnet(channels=(4, 8), size=12)
    x, y = torch.randn(64, 1, 12, 12), torch.randint(0, 10, (64,))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    first = F.cross_entropy(net(x), y).item()
    for _ in range(30):
        opt.zero_grad(); loss = F.cross_entropy(net(x), y); loss.backward(); opt.step()
    assert loss.item() < 0.7 * first                                               # it fits the batch

@pytest.mark.parametrize('channels,size,c_in', [((4, 8, 16), 28, 1), ((4, 8, 8, 16), 9, 3), ((6,), 5, 2), ((4, 4), 7, 1)])
def test_resnet_halves_where_the_channels_grow(channels, size, c_in):
    net = resnet(channels, n_classes=7, c_in=c_in, size=size)
    blocks = [m for m in net if isinstance(m, ResBlock)]
    assert [b.convs[0].stride[0] for b in blocks] == [2 if b > a else 1 for a, b in zip(channels, channels[1:])]
    assert all(isinstance(m, (Conv2d, nn.Linear)) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    assert all(isinstance(m, BatchNorm2d) for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    assert net(torch.randn(2, c_in, size, size)).shape == (2, 7)
