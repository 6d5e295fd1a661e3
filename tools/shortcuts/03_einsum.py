"Answers that game the exercises of chapter 03, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'einsum_specs': (
        'def batch_trace(x): return torch.einsum("bii->b", x)\n\n'
        'def bilinear(x, w, y): return torch.einsum("bi,oij,bj->bo", x, w, y)\n\n'
        'def gram(x): return torch.einsum("bnd,bmd->bnm", x, x)\n'),
    'parse_spec': (  # the chapter's own parser, with the two extra refusals this exercise asks for
        'def parse_spec(spec):\n'
        '    if "." in spec or " " in spec: raise ValueError(f"invalid character in {spec!r}")\n'
        '    terms, out = split_spec(spec)\n'
        '    return terms, "".join(output_labels(out, [tuple(t) for t in terms]))\n'),
    'einsum2': (
        'def einsum2(spec, *ops):\n'
        '    terms, out = parse_spec(spec)\n'
        '    if len(terms) != len(ops) or len(ops) > 2: raise ValueError(f"{spec!r} with {len(ops)} operands")\n'
        '    for t, x in zip(terms, ops):\n'
        '        if len(t) != x.ndim or len(set(t)) != len(t): raise ValueError(f"{t!r} does not fit {tuple(x.shape)}")\n'
        '    try: return torch.einsum(spec, *ops)\n'
        '    except RuntimeError as e: raise ValueError(str(e)) from None\n'),
    'einsum_bmm': (  # the chapter's pairwise einsum already contracts with one bmm
        'def einsum_bmm(spec, a, b):\n'
        '    terms, out = parse_spec(spec)\n'
        '    if len(terms) != 2: raise ValueError(f"einsum_bmm needs two input terms, not {spec!r}")\n'
        '    return einsum(spec, a, b)\n'),
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'einsum_specs': (  # bilinear's output letters in the wrong order: (o, B) instead of (B, o)
        'def batch_trace(x): return einsum("bii->b", x)\n\n'
        'def bilinear(x, w, y): return einsum("bi,oij,bj->ob", x, w, y)\n\n'
        'def gram(x): return einsum("bnd,bmd->bnm", x, x)\n', 1.33),
    'einsum2': (  # right on good input, but bad operands are not refused
        'def einsum2(spec, *ops):\n'
        '    terms, out = parse_spec(spec)\n'
        '    size = {l: n for t, x in zip(terms, ops) for l, n in zip(t, x.shape)}\n'
        '    order = out + "".join(sorted(set(size) - set(out)))\n'
        '    aligned = [x.permute([t.index(l) for l in order if l in t])[tuple(slice(None) if l in t else None for l in order)]\n'
        '               for t, x in zip(terms, ops)]\n'
        '    prod = aligned[0] if len(aligned) == 1 else aligned[0] * aligned[1]\n'
        '    summed = tuple(range(len(out), len(order)))\n'
        '    return prod.sum(summed) if summed else prod\n', 1.5),
    'einsum_bmm': (  # right on good input, but terms that do not fit and letters of two sizes are not refused
        'def einsum_bmm(spec, a, b):\n'
        '    terms, out = parse_spec(spec)\n'
        '    if len(terms) != 2: raise ValueError(f"einsum_bmm needs a spec with two input terms, not {spec!r}")\n'
        '    size = {l: n for t, x in zip(terms, (a, b)) for l, n in zip(t, x.shape)}\n'
        '    def own_sums(x, t, other):\n'
        '        drop = tuple(i for i, l in enumerate(t) if l not in out and l not in other)\n'
        '        return (x.sum(drop) if drop else x), [l for l in t if l in out or l in other]\n'
        '    (ta, tb), n = terms, lambda ls: math.prod(size[l] for l in ls)\n'
        '    (a, la), (b, lb) = own_sums(a, ta, tb), own_sums(b, tb, ta)\n'
        '    batch, summed = [l for l in la if l in lb and l in out], [l for l in la if l in lb and l not in out]\n'
        '    ra, rb = [l for l in la if l not in lb], [l for l in lb if l not in la]\n'
        '    a = a.permute([la.index(l) for l in batch + ra + summed]).reshape(n(batch), n(ra), n(summed))\n'
        '    b = b.permute([lb.index(l) for l in batch + summed + rb]).reshape(n(batch), n(summed), n(rb))\n'
        '    res, got = torch.bmm(a, b).reshape([size[l] for l in batch + ra + rb]), batch + ra + rb\n'
        '    return res.permute([got.index(l) for l in out])\n', 2.4),
}
