"Answers that game the exercises of chapter 14, for the grading cycle (tools/grading_cycle.py): each must score 0."

LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    # PyTorch's attention, which groups the heads itself
    'gqa': '''def gqa_attention(query, key, value, is_causal=False):
    "`F.scaled_dot_product_attention(enable_gqa=True)`."
    return F.scaled_dot_product_attention(query, key, value, is_causal=is_causal, enable_gqa=True)
''',
    # PyTorch's encoder layer itself
    'encoder_layer': '''def encoder_layer(x, layer, src_key_padding_mask=None):
    "`nn.TransformerEncoderLayer`."
    return layer(x, src_key_padding_mask=src_key_padding_mask)
''',
    # PyTorch's module itself
    'mha_kv': '''def mha_kv(query, key, value, m, key_padding_mask=None):
    "`nn.MultiheadAttention`."
    return m(query, key, value, key_padding_mask=key_padding_mask)
''',
}

PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    # the key heads tiled rather than each repeated in place: right with one key head or as many as query heads
    'gqa': ('''def gqa_attention(query, key, value, is_causal=False):
    g = query.shape[-3] // key.shape[-3]
    return scaled_dot_product_attention(query, key.repeat(1, g, 1, 1), value.repeat(1, g, 1, 1), is_causal=is_causal)
''', 1.2),
    # always post-norm: right where the layer is post-norm
    'encoder_layer': ('''def encoder_layer(x, layer, src_key_padding_mask=None):
    a = layer.self_attn
    mask = None if src_key_padding_mask is None else torch.zeros(src_key_padding_mask.shape, dtype=x.dtype).masked_fill(src_key_padding_mask, float('-inf'))[:, None, None, :]
    y = multi_head_attention(x, x, x, a.num_heads, a.in_proj_weight, a.in_proj_bias, a.out_proj.weight, a.out_proj.bias, mask)[0]
    x = F.layer_norm(x + y, layer.norm1.normalized_shape, layer.norm1.weight, layer.norm1.bias, layer.norm1.eps)
    y = layer.linear2(torch.relu(layer.linear1(x)))
    return F.layer_norm(x + y, layer.norm2.normalized_shape, layer.norm2.weight, layer.norm2.bias, layer.norm2.eps)
''', 0.6),
    # the padding mask ignored: right without one
    'mha_kv': ('''def mha_kv(query, key, value, m, key_padding_mask=None):
    (N, L, E), S, h = query.shape, key.shape[1], m.num_heads
    b_q, b_k, b_v = m.in_proj_bias.chunk(3)
    q = (query @ m.q_proj_weight.T + b_q).view(N, L, h, E // h)
    k = (key @ m.k_proj_weight.T + b_k).view(N, S, h, E // h)
    v = (value @ m.v_proj_weight.T + b_v).view(N, S, h, E // h)
    weights = (torch.einsum('nlhd,nshd->nhls', q, k) / math.sqrt(E // h)).softmax(-1)
    out = torch.einsum('nhls,nshd->nlhd', weights, v).reshape(N, L, E)
    return m.out_proj(out), weights.mean(1)
''', 1.2),
}
