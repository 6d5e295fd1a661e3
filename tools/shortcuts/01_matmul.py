"Answers that game the exercises of chapter 01, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'dense_cols': (
        'def dense_cols(xs, w, bs):\n'
        '    for x in xs:\n'
        '        if len(x) != len(w): raise ValueError(f"an input holds {len(x)} numbers but w has {len(w)} rows")\n'
        '    return (torch.tensor(xs).reshape(len(xs), len(w)) @ torch.tensor(w) + torch.tensor(bs)).tolist()\n'),
    'lin_t': (
        'def lin_t(x, w, b):\n'
        '    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[1] or b.shape != (w.shape[0],):\n'
        '        raise ValueError(f"bad shapes: x {tuple(x.shape)}, w {tuple(w.shape)}, b {tuple(b.shape)}")\n'
        '    return F.linear(x, w, b)\n'),
    'matmul_dot': (
        'def matmul_dot(a, b):\n'
        '    ar, ac, bc = check_matmul_shapes(a, b)\n'
        '    c = a.new_zeros(ar, bc, dtype=torch.result_type(a, b))\n'
        '    for i, j in product(range(ar), range(bc)): c[i, j] = a[i] @ b[:, j]\n'
        '    return c\n'),
    'matmul_outer': (
        'def matmul_outer(a, b):\n'
        '    ar, ac, bc = check_matmul_shapes(a, b)\n'
        '    c = a.new_zeros(ar, bc, dtype=torch.result_type(a, b))\n'
        '    for k in range(ac): c += a[:, k:k+1] @ b[k:k+1]\n'
        '    return c\n'),
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'matmul_dot': (  # no shape check: a mismatch raises PyTorch's RuntimeError, not a ValueError naming the shapes
        'def matmul_dot(a, b):\n'
        '    c = a.new_zeros(a.shape[0], b.shape[1], dtype=torch.result_type(a, b))\n'
        '    for i, j in product(range(a.shape[0]), range(b.shape[1])): c[i, j] = torch.dot(a[i], b[:, j])\n'
        '    return c\n', 1.8),
    'matmul_outer': (  # a float32 result whatever the inputs: int64 fails
        'def matmul_outer(a, b):\n'
        '    ar, ac, bc = check_matmul_shapes(a, b)\n'
        '    c = torch.zeros(ar, bc)\n'
        '    for k in range(ac): c += torch.outer(a[:, k], b[k])\n'
        '    return c\n', 2.4),
    'lin_t': (  # no shape checks: the values are right, bad shapes raise PyTorch's RuntimeError
        'def lin_t(x, w, b):\n'
        '    return x @ w.t() + b\n', 0.67),
}
