"""Tests of foundations.optim: every optimizer against its torch.optim twin step for step (float64, hundreds of
steps, two parameter groups, parameters without gradients), their states and state_dicts, the argument checks
against PyTorch's, the schedules against torch.optim.lr_scheduler value for value, and the learning-rate finder."""
import copy, math
from functools import partial
import pytest, torch
from torch import nn
import torch.nn.functional as F
from torch.testing import assert_close
from foundations.optim import Optimizer, SGD, RMSprop, Adam, AdamW, Scheduler, cos_anneal, cosine_lr, warmup_cosine, one_cycle, lr_find

def race(ours, theirs, steps=300, seed=0, skip_every=0, **kw):
    "Run our optimizer and PyTorch's on the same float64 problem; returns (largest parameter difference, ours, theirs, our params, their params)."
    g = torch.Generator().manual_seed(seed)
    shapes = [(6, 4), (4,), (3, 2, 2), (5,), (2,)]
    init = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
    curv = [torch.rand(s, generator=g, dtype=torch.float64) * 4 for s in shapes]
    runs = []
    for cls in (ours, theirs):
        ps = [t.clone().requires_grad_() for t in init]
        groups = [{'params': ps[:2]}, {'params': ps[2:4], 'lr': kw.get('lr', 1e-3) / 10}, {'params': ps[4:]}]
        runs.append((ps, cls(groups, **kw)))
    diff = 0.
    for step in range(steps):
        noise = [torch.randn(s, generator=g, dtype=torch.float64) for s in shapes]
        for ps, opt in runs:
            loss = sum((c * p ** 2).sum() + (n * p).sum() for c, n, p in zip(curv[:4], noise, ps[:4]))   # ps[4] never has a gradient
            loss = loss + (ps[0][:, :1] * ps[1][:1]).sum()                                                 # a coupling
            opt.zero_grad()
            (-loss if kw.get('maximize') else loss).backward()
            if skip_every and step % skip_every == 0: ps[2].grad = None                                   # now and then no gradient
            opt.step()
        diff = max(diff, max((p - q).abs().max().item() for p, q in zip(runs[0][0], runs[1][0])))
    return diff, runs[0][1], runs[1][1], runs[0][0], runs[1][0]

SETTINGS = [
    (SGD, torch.optim.SGD, dict()), (SGD, torch.optim.SGD, dict(lr=0.01)), (SGD, torch.optim.SGD, dict(lr=0.01, momentum=0.9)),
    (SGD, torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)), (SGD, torch.optim.SGD, dict(lr=0.01, momentum=0.5, dampening=0.5)),
    (SGD, torch.optim.SGD, dict(lr=0.02, momentum=0.9, weight_decay=0.1, nesterov=True)),
    (SGD, torch.optim.SGD, dict(lr=0.01, weight_decay=0.3)), (SGD, torch.optim.SGD, dict(lr=0.01, momentum=0.8, maximize=True)),
    (RMSprop, torch.optim.RMSprop, dict()), (RMSprop, torch.optim.RMSprop, dict(lr=0.001, alpha=0.9)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.003, momentum=0.9)), (RMSprop, torch.optim.RMSprop, dict(lr=0.003, weight_decay=0.2, eps=1e-4)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.003, momentum=0.5, maximize=True)),
    (Adam, torch.optim.Adam, dict()), (Adam, torch.optim.Adam, dict(lr=0.01, betas=(0.5, 0.99))),
    (Adam, torch.optim.Adam, dict(lr=0.01, weight_decay=0.1)), (Adam, torch.optim.Adam, dict(lr=0.01, eps=1e-2, betas=(0., 0.9))),
    (Adam, torch.optim.Adam, dict(lr=0.003, maximize=True, weight_decay=0.05)),
    (AdamW, torch.optim.AdamW, dict()), (AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.3)),
    (AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0., betas=(0.8, 0.9))), (AdamW, torch.optim.AdamW, dict(lr=0.003, maximize=True)),
]

@pytest.mark.parametrize('ours,theirs,kw', SETTINGS, ids=[f'{o.__name__}-{kw}' for o, _, kw in SETTINGS])
@pytest.mark.parametrize('skip_every', [3])
def test_twin_step_for_step(ours, theirs, kw, skip_every):
    diff, o, t, ps, qs = race(ours, theirs, skip_every=skip_every, **kw)
    assert diff < 1e-12, diff
    so, st = o.state_dict(), t.state_dict()
    assert sorted(so['state']) == sorted(st['state'])
    assert 4 not in so['state'] and (len(so['state']) == 4 or (ours is SGD and not kw.get('momentum')))   # no state without gradient (or momentum)
    for i, s in so['state'].items():
        assert set(s) == set(st['state'][i])
        for k, v in s.items(): assert_close(torch.as_tensor(v, dtype=torch.float64), st['state'][i][k].double(), rtol=1e-12, atol=1e-14)
    assert [g['params'] for g in so['param_groups']] == [g['params'] for g in st['param_groups']]
    for go, gt in zip(so['param_groups'], st['param_groups']):
        for k, v in go.items(): assert gt[k] == v, k                                     # every setting of ours is PyTorch's, same value
    assert torch.equal(ps[4], qs[4])

@pytest.mark.parametrize('cls', [SGD, RMSprop, Adam, AdamW])
def test_float32_and_module(cls):
    "On an nn.Module in float32, trained on the same batches, ours and PyTorch's agree closely."
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
    twin = copy.deepcopy(net)
    kw = dict(lr=0.01, momentum=0.9) if cls is SGD else dict(lr=0.003)
    opt, topt = cls(net.parameters(), **kw), getattr(torch.optim, cls.__name__)(twin.parameters(), **kw)
    x, y = torch.randn(64, 10), torch.randint(0, 3, (64,))
    for _ in range(50):
        for m, o in ((net, opt), (twin, topt)):
            o.zero_grad(); F.cross_entropy(m(x), y).backward(); o.step()
    for p, q in zip(net.parameters(), twin.parameters()): assert_close(p, q, rtol=1e-4, atol=1e-5)

def test_zero_grad_and_closure():
    p = torch.ones(3, requires_grad=True)
    opt = SGD([p], lr=0.1)
    def closure():
        opt.zero_grad(); loss = (p ** 2).sum(); loss.backward(); return loss
    loss = opt.step(closure)
    assert loss.item() == 3. and torch.allclose(p.detach(), torch.full((3,), 0.8))
    opt.zero_grad(); assert p.grad is None
    before = p.detach().clone(); opt.step(); assert torch.equal(p.detach(), before)     # no gradient: nothing moves

def test_groups_take_defaults_and_own_settings():
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    opt = Adam([{'params': [a]}, {'params': b, 'lr': 0.1, 'betas': (0.5, 0.6)}], lr=0.01)
    assert opt.param_groups[0]['lr'] == 0.01 and opt.param_groups[0]['betas'] == (0.9, 0.999)
    assert opt.param_groups[1]['lr'] == 0.1 and opt.param_groups[1]['betas'] == (0.5, 0.6) and opt.param_groups[1]['params'] == [b]
    assert isinstance(opt, Optimizer) and AdamW([a]).param_groups[0]['weight_decay'] == 1e-2
    gen = (p for p in [a, b]); assert len(SGD(gen, lr=0.1).param_groups[0]['params']) == 2       # any iterable, read once

w = torch.zeros(3, requires_grad=True)
BAD = [lambda m: m.SGD(w, lr=0.1), lambda m: m.SGD([], lr=0.1), lambda m: m.SGD([{'params': [w]}, {'params': [w]}], lr=0.1),
       lambda m: m.SGD([w * 2], lr=0.1), lambda m: m.Adam([1.0]), lambda m: m.SGD([w], lr=-1.), lambda m: m.SGD([w], lr=0.1, momentum=-1),
       lambda m: m.SGD([w], lr=0.1, weight_decay=-1), lambda m: m.SGD([w], lr=0.1, nesterov=True),
       lambda m: m.SGD([w], lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), lambda m: m.Adam([w], lr=-1),
       lambda m: m.Adam([w], betas=(1., 0.9)), lambda m: m.Adam([w], betas=(0.9, -0.1)), lambda m: m.Adam([w], eps=-1.),
       lambda m: m.AdamW([w], weight_decay=-1.), lambda m: m.RMSprop([w], alpha=-1.), lambda m: m.RMSprop([w], momentum=-1.),
       lambda m: m.RMSprop([w], eps=-1.), lambda m: m.RMSprop([w], lr=-1.)]

class Ours: SGD, Adam, AdamW, RMSprop = SGD, Adam, AdamW, RMSprop

@pytest.mark.parametrize('i', range(len(BAD)))
def test_refuses_what_pytorch_refuses(i):
    with pytest.raises(Exception) as theirs: BAD[i](torch.optim)
    with pytest.raises(theirs.type): BAD[i](Ours)

def test_accepts_what_pytorch_accepts_here():
    for make in [lambda m: m.SGD([w], lr=0.), lambda m: m.SGD([w], lr=0.1, momentum=0.9, dampening=0.9),
                 lambda m: m.Adam([w], betas=(0., 0.)), lambda m: m.RMSprop([w], alpha=0.), lambda m: m.SGD(iter([w]), lr=1)]:
        make(torch.optim); make(Ours)

# ---------------------------------------------------------------- schedules

def run_sched(make, n, lr=0.1):
    opt = torch.optim.SGD([{'params': [torch.zeros(1, requires_grad=True)]}, {'params': [torch.zeros(1, requires_grad=True)], 'lr': lr / 7}], lr=lr)
    sched, out = make(opt), []
    for _ in range(n):
        out.append([g['lr'] for g in opt.param_groups]); opt.step(); sched.step()
    return torch.tensor(out, dtype=torch.float64)

@pytest.mark.parametrize('T_max,eta_min,n', [(100, 0., 100), (37, 1e-3, 37), (10, 0.01, 35), (1, 0., 5), (250, 1e-5, 250)])
def test_cosine_matches_pytorch(T_max, eta_min, n):
    ours = run_sched(lambda o: Scheduler(o, partial(cosine_lr, T_max=T_max, eta_min=eta_min)), n)
    theirs = run_sched(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T_max, eta_min=eta_min), n)
    assert_close(ours, theirs, rtol=1e-9, atol=1e-12)

@pytest.mark.parametrize('total,pct,div,final', [(1000, 0.3, 25., 1e4), (97, 0.25, 10., 100.), (50, 0.5, 5., 1e3), (400, 0.1, 25., 1e4), (20, 0.3, 2., 10.)])
def test_one_cycle_matches_pytorch(total, pct, div, final):
    ours = run_sched(lambda o: Scheduler(o, partial(one_cycle, total_steps=total, pct_start=pct, div_factor=div, final_div_factor=final)), total)
    theirs = run_sched(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, [0.1, 0.1 / 7], total_steps=total, pct_start=pct, div_factor=div,
                                                                    final_div_factor=final, cycle_momentum=False), total)
    assert_close(ours, theirs, rtol=1e-9, atol=1e-15)
    assert abs(ours[:, 0].max().item() - 0.1) < 1e-3 and abs(ours[0, 0].item() - 0.1 / div) < 1e-12

def test_one_cycle_refuses():
    with pytest.raises(ValueError, match='total_steps'): one_cycle(0.1, 101, total_steps=100)
    with pytest.raises(ValueError, match='total_steps'): one_cycle(0.1, 0, total_steps=0)
    with pytest.raises(ValueError, match='pct_start'): one_cycle(0.1, 0, total_steps=10, pct_start=1.5)

@pytest.mark.parametrize('warmup,total,sf', [(100, 1000, 0.01), (10, 50, 0.1), (5, 200, 0.5)])
def test_warmup_cosine_matches_pytorch(warmup, total, sf):
    ours = run_sched(lambda o: Scheduler(o, partial(warmup_cosine, warmup=warmup, total=total, start_factor=sf)), total)
    lrs = torch.optim.lr_scheduler
    theirs = run_sched(lambda o: lrs.SequentialLR(o, [lrs.LinearLR(o, sf, 1., total_iters=warmup), lrs.CosineAnnealingLR(o, T_max=total - warmup)],
                                                  milestones=[warmup]), total)
    assert_close(ours, theirs, rtol=1e-9, atol=1e-12)

def test_cos_anneal_ends():
    assert cos_anneal(3., 1., 0.) == 3. and cos_anneal(3., 1., 1.) == 1. and cos_anneal(3., 1., 0.5) == 2.

def test_scheduler_with_our_optimizer_trains_like_pytorch():
    "Adam + one-cycle, ours and PyTorch's (momentum cycling off), on the same float64 problem."
    torch.manual_seed(0)
    x, y = torch.randn(200, 5, dtype=torch.float64), torch.randn(200, dtype=torch.float64)
    w0 = torch.randn(5, dtype=torch.float64)
    ws = [w0.clone().requires_grad_() for _ in range(2)]
    o1, o2 = Adam([ws[0]], lr=0.05), torch.optim.Adam([ws[1]], lr=0.05)
    s1, s2 = Scheduler(o1, partial(one_cycle, total_steps=100)), torch.optim.lr_scheduler.OneCycleLR(o2, 0.05, total_steps=100, cycle_momentum=False)
    for _ in range(100):
        for wt, o, s in ((ws[0], o1, s1), (ws[1], o2, s2)):
            o.zero_grad(); ((x @ wt - y) ** 2).mean().backward(); o.step(); s.step()
    assert_close(ws[0], ws[1], rtol=1e-12, atol=1e-14)

# ---------------------------------------------------------------- the learning-rate finder

def toy(n=512, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(4, 8, generator=g) * 3
    y = torch.randint(0, 4, (n,), generator=g)
    return centres[y] + torch.randn(n, 8, generator=g), y

@pytest.mark.parametrize('cls,kw', [(SGD, dict(lr=0.1, momentum=0.9)), (Adam, dict(lr=0.01)), (torch.optim.Adam, dict(lr=0.01))])
def test_lr_find_restores_and_stops(cls, kw):
    x, y = toy()
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    opt = cls(net.parameters(), **kw)
    for _ in range(3):
        opt.zero_grad(); F.cross_entropy(net(x[:64]), y[:64]).backward(); opt.step()
    net_before, state_before = copy.deepcopy(net.state_dict()), copy.deepcopy(opt.state_dict())
    lrs, losses = lr_find(net, opt, x, y, start=1e-5, end=100., n=150, bs=32)
    assert 10 < len(lrs) < 150 and len(lrs) == len(losses)                            # it stopped when the loss blew up
    assert not losses[-1] <= 4 * min(losses[:-1])
    assert all(l <= 4 * min(losses[:i + 1]) for i, l in enumerate(losses[:-1]))
    assert_close(torch.tensor(lrs[:3], dtype=torch.float64), 1e-5 * (1e7) ** (torch.arange(3.).double() / 149))
    for k, v in net.state_dict().items(): assert torch.equal(v, net_before[k])
    sd = opt.state_dict()
    assert [g['lr'] for g in sd['param_groups']] == [g['lr'] for g in state_before['param_groups']]
    for i, s in state_before['state'].items():
        for k, v in s.items(): assert torch.equal(torch.as_tensor(sd['state'][i][k]), torch.as_tensor(v))
    assert lr_find(net, opt, x, y, start=1e-5, end=100., n=150, bs=32) == (lrs, losses)  # from the same state, the same run

def test_lr_find_runs_all_steps_when_nothing_blows_up():
    x, y = toy()
    net = nn.Linear(8, 4)
    lrs, losses = lr_find(net, SGD(net.parameters(), lr=0.1), x, y, start=1e-6, end=1e-4, n=20)
    assert len(lrs) == 20 and math.isclose(lrs[-1], 1e-4)
