"Answers that game the exercises of chapter 10, for the grading cycle (tools/grading_cycle.py): each must score 0."

LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    # the size read off the shape of PyTorch's own pooling
    'pool_out_size': '''def pool_out_size(h, k, s=None, p=0, d=1, ceil_mode=False):
    "The output size of a pooling window along a dimension of size `h`, as `F.max_pool2d` computes it."
    return F.max_pool2d(torch.zeros(1, 1, h, h), k, s, p, d, ceil_mode=ceil_mode).shape[-1]
''',
    # PyTorch's average pooling instead of a convolution
    'avg_pool_conv': '''def avg_pool_conv(x, kernel_size, stride=None, padding=0):
    "Average pooling of `x` (N, C, H, W)."
    return F.avg_pool2d(x, kernel_size, stride, padding)
''',
}

PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    # rounds up, but keeps a last window that would start in the right padding
    'pool_out_size': ('''def pool_out_size(h, k, s=None, p=0, d=1, ceil_mode=False):
    s = k if s is None else s
    span = h + 2 * p - d * (k - 1) - 1
    return (span + s - 1) // s + 1 if ceil_mode else span // s + 1
''', 0.5),
    # right values and gradients, but one conv2d per channel instead of one call with groups
    'avg_pool_conv': ('''def avg_pool_conv(x, kernel_size, stride=None, padding=0):
    kh, kw = pair(kernel_size, 'kernel_size')
    stride = kernel_size if stride is None else stride
    w = x.new_full((1, 1, kh, kw), 1 / (kh * kw))
    return torch.cat([conv2d(x[:, c:c + 1], w, None, stride, padding) for c in range(x.shape[1])], 1)
''', 1.33),
    # the field's size and place, but padding moves the start by p pixels of the input, not p steps of the layer
    'field_box': ('''def field_box(layers, i, j):
    start, jump, r = [0, 0], [1, 1], [1, 1]
    for layer in layers_of(layers):
        k, s = layer_geometry(layer)
        p = (0, 0) if isinstance(layer, POINTWISE) else pair(layer.padding, 'padding')
        for a in range(2):
            start[a] -= p[a]
            r[a] += (k[a] - 1) * jump[a]
            jump[a] *= s[a]
    return tuple((start[a] + q * jump[a], start[a] + q * jump[a] + r[a] - 1) for a, q in enumerate((i, j)))
''', 0.5),
}
