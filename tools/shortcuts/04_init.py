"Answers that game the exercises of chapter 04, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'kaiming_uniform': 'def kaiming_uniform_(w):\n'
                       '    "PyTorch stores weights n_out x n_in: its fan_in of w.T is our n_in."\n'
                       '    with torch.no_grad(): torch.nn.init.kaiming_uniform_(w.T)\n'
                       '    return w\n',
    'init_leaky': 'def init_leaky_(w, a=0.01, mode=\'fan_in\'):\n'
                  '    with torch.no_grad(): torch.nn.init.kaiming_normal_(w.T, a=a, mode=mode, nonlinearity=\'leaky_relu\')\n'
                  '    return w\n',
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'tanh_gain': ('def tanh_preact_stds(x, ws, gain):\n'
                  '    stds, h = [], x\n'
                  '    for w in ws:\n'
                  '        z = h @ (w * gain / math.sqrt(w.shape[0]))\n'
                  '        stds.append(z.std())\n'
                  '        h = torch.tanh(z)\n'
                  '    return torch.stack(stds)\n\n'
                  'def best_tanh_gain(x, ws, gains):\n'
                  '    "The theory says 5/3 for tanh: take the gain nearest to it."\n'
                  '    return min(gains, key=lambda g: abs(g - 5/3))\n', 1.6),
    'lsuv': ('def lsuv_(x, ws, bs, act=relu):\n'
             '    means, stds, h = [], [], x\n'
             '    with torch.no_grad():\n'
             '        for w, b in zip(ws, bs):\n'
             '            z = lin(h, w, b)\n'
             '            m, s = z.mean(), z.std()\n'
             '            w /= s; b -= m; b /= s\n'
             '            z = lin(h, w, b)\n'
             '            means.append(z.mean()); stds.append(z.std())\n'
             '            h = act(z)\n'
             '    return torch.stack(means), torch.stack(stds)\n', 2.62),
}
