"""Tests of foundations.attention: scaled_dot_product_attention against F.scaled_dot_product_attention (values and
float64 gradients; every mask form: boolean, float, broadcast, causal, a query that sees no key; scale; batch of one,
length one, zero-size batches; dropout), MultiheadAttention against nn.MultiheadAttention (both layouts, unbatched,
every mask, need_weights, average_attn_weights, no bias, zero-size batches, dropout in training), what both refuse,
and TransformerBlock, patches, ViT and cls_attention."""
import math, pytest, torch
from torch import nn
import torch.nn.functional as F
from torch.testing import assert_close
from foundations.attention import scaled_dot_product_attention, multi_head_attention, MultiheadAttention, TransformerBlock, patches, ViT, cls_attention

def grads_both(f, g, inputs, seed=0, **kwargs):
    "Outputs and gradients of f and g on the same float64 inputs, for one random loss."
    res = []
    for fn in (f, g):
        xs = [t.clone().requires_grad_() for t in inputs]
        out = fn(*xs, **kwargs)
        gen = torch.Generator().manual_seed(seed)
        loss = (out * torch.randn(out.shape, generator=gen, dtype=out.dtype)).sum()
        res.append([out, *torch.autograd.grad(loss, xs, allow_unused=True, materialize_grads=True)])
    return res

def rand(*shape, seed=0): return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

SHAPES = [  # (query, key, value)
    ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7)), ((5, 4), (6, 4), (6, 3)), ((1, 1, 4), (1, 1, 4), (1, 1, 4)),
    ((3, 1, 4), (3, 6, 4), (3, 6, 2)), ((0, 2, 5, 4), (0, 2, 6, 4), (0, 2, 6, 3)), ((2, 3, 5, 4), (1, 3, 6, 4), (1, 1, 6, 7)),
]

def mask_forms(L, S):
    g = torch.Generator().manual_seed(5)
    b = torch.rand(L, S, generator=g) > 0.4
    dead = b.clone(); dead[0] = False
    return [{}, {'is_causal': True}, {'attn_mask': b}, {'attn_mask': dead}, {'attn_mask': torch.randn(L, S, generator=g, dtype=torch.float64)},
            {'attn_mask': torch.ones(L, S, dtype=torch.bool)}, {'attn_mask': torch.zeros(1, S, dtype=torch.bool).index_fill(1, torch.tensor([0]), True)},
            {'scale': 0.3}, {'is_causal': True, 'scale': 2.}]

@pytest.mark.parametrize('shapes', SHAPES)
def test_sdpa_matches_torch(shapes):
    L, S = shapes[0][-2], shapes[1][-2]
    for kw in mask_forms(L, S):
        r1, r2 = grads_both(scaled_dot_product_attention, F.scaled_dot_product_attention, [rand(*s, seed=i) for i, s in enumerate(shapes)], **kw)
        for a, b in zip(r1, r2):
            assert a.shape == b.shape and a.dtype == b.dtype
            assert_close(a, b, rtol=1e-10, atol=1e-12)

def test_sdpa_float32_and_broadcast_masks():
    q, k, v = torch.randn(2, 3, 5, 4), torch.randn(2, 3, 6, 4), torch.randn(2, 3, 6, 4)
    for m in (torch.rand(2, 1, 1, 6) > 0.3, torch.rand(2, 3, 5, 6) > 0.3, torch.randn(1, 3, 1, 6)):
        assert_close(scaled_dot_product_attention(q, k, v, attn_mask=m), F.scaled_dot_product_attention(q, k, v, attn_mask=m))

def test_sdpa_no_key_gives_zeros_and_no_nan_gradients():
    q, k, v = (rand(1, 4, 3, seed=i).requires_grad_() for i in range(3))
    m = torch.ones(4, 4, dtype=torch.bool); m[1] = False
    out = scaled_dot_product_attention(q, k, v, attn_mask=m)
    assert (out[0, 1] == 0).all()
    out.sum().backward()
    assert all(t.grad.isfinite().all() for t in (q, k, v))

def test_sdpa_dropout():
    q, k, v = torch.randn(1, 4, 8), torch.randn(1, 4, 8), torch.eye(4)[None]
    torch.manual_seed(0)
    w = scaled_dot_product_attention(q, k, v, dropout_p=0.5)          # the values are the identity: out = weights
    kept = w[w != 0]
    full = scaled_dot_product_attention(q, k, v)
    assert_close(w[w != 0], 2 * full[w != 0])                       # kept weights scaled by 1 / (1 - p)
    assert 0 < (w == 0).float().mean() < 1
    assert_close(scaled_dot_product_attention(q, k, v, dropout_p=1.), torch.zeros_like(full))

def test_sdpa_refuses():
    q = torch.randn(2, 5, 4)
    with pytest.raises(RuntimeError): scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(5, 5, dtype=torch.bool), is_causal=True)
    with pytest.raises(RuntimeError): scaled_dot_product_attention(q, torch.randn(2, 5, 3), q)
    with pytest.raises(RuntimeError): scaled_dot_product_attention(q, q, torch.randn(2, 4, 4))
    with pytest.raises(ValueError): scaled_dot_product_attention(q, q, q, dropout_p=1.5)
    with pytest.raises(ValueError): scaled_dot_product_attention(torch.randn(4), torch.randn(4), torch.randn(4))

def mha_pair(E=8, heads=2, **kwargs):
    b = nn.MultiheadAttention(E, heads, dtype=torch.float64, **kwargs)
    a = MultiheadAttention(E, heads, dtype=torch.float64, **kwargs)
    a.load_state_dict(b.state_dict())
    return a, b

def mha_run(m, q, k, v, seed=0, **kwargs):
    xs = [t.clone().requires_grad_() for t in (q, k, v)]
    out, w = m(*xs, **kwargs)
    gen = torch.Generator().manual_seed(seed)
    loss = (out * torch.randn(out.shape, generator=gen, dtype=out.dtype)).sum()
    if w is not None: loss = loss + (w * torch.randn(w.shape, generator=gen, dtype=w.dtype)).sum()
    return [out, w, *torch.autograd.grad(loss, [*xs, *m.parameters()], allow_unused=True, materialize_grads=True)]

def check_mha(a, b, q, k, v, **kwargs):
    for x, y in zip(mha_run(a, q, k, v, **kwargs), mha_run(b, q, k, v, **kwargs)):
        if x is None or y is None: assert x is None and y is None; continue
        assert x.shape == y.shape and x.dtype == y.dtype
        assert_close(x, y, rtol=1e-10, atol=1e-12)

def mha_masks(N, L, S, heads):
    g = torch.Generator().manual_seed(7)
    kpm = torch.rand(N, S, generator=g) > 0.6; kpm[:, 0] = False
    am = torch.rand(L, S, generator=g) > 0.6; am[:, 0] = False
    return [{}, {'key_padding_mask': kpm}, {'attn_mask': am}, {'attn_mask': am, 'key_padding_mask': kpm},
            {'attn_mask': torch.randn(L, S, generator=g, dtype=torch.float64)}, {'key_padding_mask': torch.randn(N, S, generator=g, dtype=torch.float64)},
            {'attn_mask': torch.randn(N * heads, L, S, generator=g, dtype=torch.float64), 'key_padding_mask': kpm},
            {'attn_mask': (torch.rand(N * heads, L, S, generator=g) > 0.5).index_fill(2, torch.tensor([0]), False)},   # no row masked whole: PyTorch's weights are NaN there
            {'need_weights': False, 'key_padding_mask': kpm}, {'average_attn_weights': False, 'attn_mask': am},
            {'attn_mask': nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64)[:, :S] if S <= L else torch.zeros(L, S, dtype=torch.float64), 'is_causal': True}]

@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('N,L,S', [(3, 5, 6), (1, 1, 1), (2, 4, 4), (1, 6, 2)])
def test_mha_matches_torch(batch_first, N, L, S):
    a, b = mha_pair(batch_first=batch_first)
    a.eval(); b.eval()
    shape = (lambda n: (N, n, 8)) if batch_first else (lambda n: (n, N, 8))
    q, k, v = rand(*shape(L), seed=1), rand(*shape(S), seed=2), rand(*shape(S), seed=3)
    for kw in mha_masks(N, L, S, 2):
        check_mha(a, b, q, k, v, **kw)
        if S == L: check_mha(a, b, q, q, q, **kw)                         # self-attention

@pytest.mark.parametrize('kwargs', [{}, {'bias': False}, {'batch_first': True}])
def test_mha_unbatched_and_options(kwargs):
    a, b = mha_pair(12, 3, **kwargs)
    q, kv = rand(5, 12, seed=1), rand(7, 12, seed=2)
    for kw in [{}, {'key_padding_mask': torch.tensor([False] * 5 + [True] * 2)}, {'attn_mask': torch.rand(5, 7) > 0.7}, {'average_attn_weights': False}, {'need_weights': False}]:
        check_mha(a, b, q, kv, kv, **kw)

def test_mha_zero_size_batch():
    a, b = mha_pair(batch_first=True)
    q = torch.randn(0, 5, 8, dtype=torch.float64)
    oa, wa = a(q, q, q); ob, wb = b(q, q, q)
    assert oa.shape == ob.shape and wa.shape == wb.shape

def test_mha_dropout_in_training_only():
    a, b = mha_pair(batch_first=True, dropout=0.5)
    q = rand(2, 5, 8)
    a.eval(); b.eval()
    check_mha(a, b, q, q, q)
    a.train()
    torch.manual_seed(0)
    _, w = a(q, q, q, average_attn_weights=False)
    assert (w == 0).any() and not torch.allclose(w.sum(-1), torch.ones(2, 2, 5, dtype=torch.float64))

def test_mha_state_dict_and_refusals():
    a, b = mha_pair()
    assert list(a.state_dict()) == list(b.state_dict()) and repr(a) == repr(b)
    q = torch.randn(3, 2, 8, dtype=torch.float64)
    for kw in ({'kdim': 4}, {'vdim': 5}, {'add_bias_kv': True}, {'add_zero_attn': True}):
        with pytest.raises(NotImplementedError): MultiheadAttention(8, 2, **kw)(q, q, q)
    with pytest.raises(AssertionError): a(torch.randn(3, 2, 6, dtype=torch.float64), q, q)
    with pytest.raises(RuntimeError): a(q, q, q, is_causal=True)
    with pytest.raises(ValueError): a(q, q[0], q[0])

def test_multi_head_attention_one_head_is_sdpa():
    q, k, v = rand(2, 5, 4, seed=1), rand(2, 6, 4, seed=2), rand(2, 6, 4, seed=3)
    eye = torch.eye(4, dtype=torch.float64)
    out, w = multi_head_attention(q, k, v, 1, torch.cat([eye] * 3), None, eye, None)
    assert_close(out, F.scaled_dot_product_attention(q, k, v))
    assert w.shape == (2, 1, 5, 6)

def test_transformer_block():
    torch.manual_seed(0)
    blk = TransformerBlock(16, 4, 32).double().eval()
    x = rand(3, 7, 16)
    perm = torch.randperm(7)
    assert_close(blk(x[:, perm]), blk(x)[:, perm])
    y = blk.norm1(x)
    manual = x + blk.attn(y, y, y)[0]
    assert_close(blk(x), manual + blk.mlp(blk.norm2(manual)))
    assert blk(x[:0]).shape == (0, 7, 16)

def test_patches_and_vit():
    x = torch.arange(2 * 28 * 28, dtype=torch.float32).view(2, 28, 28)
    p = patches(x, 7)
    assert p.shape == (2, 16, 49)
    for i in range(4):
        for j in range(4): assert torch.equal(p[1, 4 * i + j], x[1, 7 * i:7 * i + 7, 7 * j:7 * j + 7].flatten())
    assert patches(x, 4).shape == (2, 49, 16)
    torch.manual_seed(0)
    net = ViT(patch=4, d=32, depth=2, heads=2, hidden=64).eval()
    assert net(x).shape == (2, 10)
    maps = cls_attention(net, x)
    assert maps.shape == (2, 2, 49) and (maps >= 0).all() and (maps.sum(-1) <= 1 + 1e-5).all()

@pytest.mark.parametrize('need_weights', [True, False])
@pytest.mark.parametrize('batch_first', [True, False])
def test_mha_a_query_that_sees_no_key_as_pytorch(need_weights, batch_first):
    "PyTorch's module gives NaN for a fully masked query when it returns the weights (a plain softmax), 0 when it does not (fused attention)."
    torch.manual_seed(3)
    theirs = nn.MultiheadAttention(4, 2, batch_first=batch_first)
    ours = MultiheadAttention(4, 2, batch_first=batch_first); ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 3, 4) if batch_first else torch.randn(3, 2, 4)
    kpm = torch.tensor([[True, True, True], [False, True, False]])
    a, b = theirs(x, x, x, key_padding_mask=kpm, need_weights=need_weights), ours(x, x, x, key_padding_mask=kpm, need_weights=need_weights)
    torch.testing.assert_close(b[0], a[0], equal_nan=True)
    if need_weights: torch.testing.assert_close(b[1], a[1], equal_nan=True); assert b[1].isnan().any()
    else: assert a[1] is None and b[1] is None
