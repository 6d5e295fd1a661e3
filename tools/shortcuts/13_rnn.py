"Answers that game the exercises of chapter 13, for the grading cycle (tools/grading_cycle.py): each must score 0."

LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    # PyTorch's LSTM with the given weights
    'lstm': '''def lstm(x, h0, c0, weights):
    "`nn.LSTM`."
    w_ih, w_hh, b_ih, b_hh = weights[0]
    m = nn.LSTM(w_ih.shape[1], w_hh.shape[1], num_layers=len(weights), bias=b_ih is not None, dtype=x.dtype)
    params = {f'{k}_l{i}': t for i, w in enumerate(weights) for k, t in zip(('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'), w) if t is not None}
    return torch.func.functional_call(m, params, (x, (h0, c0)))
''',
    # PyTorch's bidirectional RNN
    'birnn': '''def birnn(x, h0, fwd, bwd):
    "`nn.RNN(bidirectional=True)`."
    m = nn.RNN(fwd[0].shape[1], fwd[1].shape[1], bidirectional=True, dtype=x.dtype)
    names = ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')
    params = {**{f'{k}_l0': t for k, t in zip(names, fwd)}, **{f'{k}_l0_reverse': t for k, t in zip(names, bwd)}}
    return torch.func.functional_call(m, params, (x, h0))
''',
    # PyTorch's packed sequences
    'rnn_lengths': '''def rnn_lengths(x, lengths, h0, weights):
    "`nn.RNN` on a packed batch."
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    m = nn.RNN(weights[0][0].shape[1], weights[0][1].shape[1], num_layers=len(weights), dtype=x.dtype)
    params = {f'{k}_l{i}': t for i, w in enumerate(weights) for k, t in zip(('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'), w)}
    packed, h_n = torch.func.functional_call(m, params, (pack_padded_sequence(x, torch.as_tensor(lengths), enforce_sorted=False), h0))
    return pad_packed_sequence(packed, total_length=len(x))[0], h_n
''',
}

PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    # only the first layer: right for one layer, wrong for several
    'lstm': ('''def lstm(x, h0, c0, weights):
    w_ih, w_hh, b_ih, b_hh = weights[0]
    h, c, outs = h0[0], c0[0], []
    for x_t in x:
        a = x_t @ w_ih.T + h @ w_hh.T
        if b_ih is not None: a = a + b_ih + b_hh
        i, f, g, o = a.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs), (h[None], c[None])
''', 1.2),
    # the backward direction's outputs left in reversed order: h_n right, the output wrong
    'birnn': ('''def birnn(x, h0, fwd, bwd):
    out_f, h_f = rnn(x, h0[:1], [fwd])
    out_b, h_b = rnn(x.flip(0), h0[1:], [bwd])
    return torch.cat([out_f, out_b], 2), torch.cat([h_f, h_b])
''', 0.5),
    # the states stop at each length, but the output is not zeroed past it
    'rnn_lengths': ('''def rnn_lengths(x, lengths, h0, weights):
    lengths = torch.as_tensor(lengths)
    last = []
    for h, w in zip(h0, weights):
        outs = []
        for t, x_t in enumerate(x):
            h = torch.where((t < lengths)[:, None], rnn_cell(x_t, h, *w), h)
            outs.append(h)
        x = torch.stack(outs)
        last.append(h)
    return x, torch.stack(last)
''', 1.5),
}
