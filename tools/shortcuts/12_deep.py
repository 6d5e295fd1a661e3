"Answers that game the exercises of chapter 12, for the grading cycle (tools/grading_cycle.py): each must score 0."

LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    # PyTorch's group norm
    'group_norm': '''def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    "`F.group_norm`."
    return F.group_norm(x, num_groups, weight, bias, eps)
''',
    # PyTorch's RMS norm
    'rms_norm': '''def rms_norm(x, normalized_shape, weight=None, eps=None):
    "`F.rms_norm`."
    if isinstance(normalized_shape, int): normalized_shape = (normalized_shape,)
    return F.rms_norm(x, normalized_shape, weight, eps)
''',
    # PyTorch's folding of batch norm into a convolution
    'fuse_conv_bn': '''def fuse_conv_bn(conv, bn):
    "torch.nn.utils.fuse_conv_bn_eval."
    import copy
    return torch.nn.utils.fuse_conv_bn_eval(copy.deepcopy(conv).eval(), copy.deepcopy(bn).eval())
''',
}

PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    # the normalization is right, but the bias is forgotten
    'group_norm': ('''def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    n, c = x.shape[:2]
    xg = x.reshape(n, num_groups, -1)
    mean = xg.mean(-1, keepdim=True)
    var = ((xg - mean) ** 2).mean(-1, keepdim=True)
    y = ((xg - mean) / torch.sqrt(var + eps)).reshape(x.shape)
    if weight is not None: y = y * weight.reshape(1, c, *[1] * (x.ndim - 2))
    return y
''', 0.67),
    # the normalization is right, but the weight is forgotten
    'rms_norm': ('''def rms_norm(x, normalized_shape, weight=None, eps=None):
    if isinstance(normalized_shape, int): normalized_shape = (normalized_shape,)
    if eps is None: eps = torch.finfo(x.dtype).eps
    dims = tuple(range(-len(normalized_shape), 0))
    return x / torch.sqrt((x * x).mean(dims, keepdim=True) + eps)
''', 1.0),
    # batch norm's eps is forgotten: right only where eps is 0
    'fuse_conv_bn': ('''def fuse_conv_bn(conv, bn):
    scale = 1 / torch.sqrt(bn.running_var)
    if bn.weight is not None: scale = scale * bn.weight
    shift = -bn.running_mean * scale
    if bn.bias is not None: shift = shift + bn.bias
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
                      conv.groups, padding_mode=conv.padding_mode, dtype=conv.weight.dtype)
    with torch.no_grad():
        fused.weight.copy_(conv.weight * scale[:, None, None, None])
        fused.bias.copy_(shift + (conv.bias * scale if conv.bias is not None else 0))
    return fused
''', 0.4),
}
