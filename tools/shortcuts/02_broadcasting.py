"Answers that game the exercises of chapter 02, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'normalize_rows': (
        'def normalize_rows(x):\n'
        '    n = x.shape[1]\n'
        '    return F.layer_norm(x, (n,), eps=0.) * ((n - 1) / n) ** 0.5   # layer_norm divides by the biased std\n'),
    'my_outer': (
        'def my_outer(u, v):\n'
        '    if u.ndim != 1 or v.ndim != 1:\n'
        '        raise ValueError(f"my_outer needs two 1-D tensors, got shapes {tuple(u.shape)} and {tuple(v.shape)}")\n'
        '    return torch.outer(u, v)\n'),
    'broadcast_shape_zip': (
        'def broadcast_shape_zip(*shapes):\n'
        '    try: return torch.broadcast_shapes(*shapes)\n'
        '    except RuntimeError as e: raise ValueError(f"shapes {shapes} do not broadcast: {e}") from None\n'),
    'sq_dists': (
        'def sq_dists(x, y):\n'
        '    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:\n'
        '        raise ValueError(f"sq_dists needs shapes (n, d) and (m, d), got {tuple(x.shape)} and {tuple(y.shape)}")\n'
        '    return torch.cdist(x, y) ** 2\n'),
    'my_expand': (
        'def my_expand(x, shape):\n'
        '    shape, lead = tuple(shape), len(shape) - x.ndim\n'
        '    if lead < 0 or any(n != s and n != 1 for n, s in zip(x.shape, shape[lead:])):\n'
        '        raise ValueError(f"can\'t expand a tensor of shape {tuple(x.shape)} to {shape}")\n'
        '    return x.expand(shape)\n'),
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'normalize_rows': (  # right values, but a loop over the rows
        'def normalize_rows(x):\n'
        '    return torch.stack([(row - row.mean()) / row.std() for row in x])\n', 0.86),
    'broadcast_shape_zip': (  # right shapes, but the error does not say which shapes clash
        'def broadcast_shape_zip(*shapes):\n'
        '    out = []\n'
        '    for sizes in zip_longest(*(reversed(s) for s in shapes), fillvalue=1):\n'
        '        big = set(sizes) - {1}\n'
        '        if len(big) > 1: raise ValueError("these shapes do not broadcast")\n'
        '        out.append(big.pop() if big else 1)\n'
        '    return torch.Size(out[::-1])\n', 1.11),
    'my_expand': (  # the view is right, but shapes it cannot expand to are not refused
        'def my_expand(x, shape):\n'
        '    shape, lead = tuple(shape), len(shape) - x.ndim\n'
        '    strides = [0] * lead + [st if n == s else 0 for n, s, st in zip(x.shape, shape[lead:], x.stride())]\n'
        '    return torch.as_strided(x, shape, strides)\n', 2.45),
}
