"Answers that game the exercises of chapter 05, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'leaky_relu_grad': 'def leaky_relu_grad(inp, out, slope=0.01):\n'
                       '    x = inp.detach().clone().requires_grad_()\n'
                       '    F.leaky_relu(x, slope).backward(out.g)\n'
                       '    inp.g = x.grad\n',
    'huber_grad': 'def huber_grad(inp, targ, delta=1.):\n'
                  '    x = inp.detach().clone().requires_grad_()\n'
                  '    F.huber_loss(x.squeeze(-1), targ, delta=delta).backward()\n'
                  '    inp.g = x.grad\n',
    'lin_grad_einsum': 'def lin_grad_einsum(inp, out, w, b):\n'
                       '    g = out.g\n'
                       '    inp.g = torch.einsum(\'ij,kj->ik\', g, w)\n'
                       '    w.g = torch.einsum(\'ik,ij->kj\', inp, g)\n'
                       '    b.g = torch.einsum(\'ij->j\', g)\n',
    'softmax_grad': 'def softmax_grad(inp, out):\n'
                    '    inp.g = torch.func.vjp(lambda z: torch.softmax(z, -1), inp)[1](out.g)[0]\n',
    'forward_and_backward3': 'def forward_and_backward3(inp, targ, w1, b1, w2, b2, w3, b3):\n'
                             '    ts = [t.detach().clone().requires_grad_() for t in (inp, w1, b1, w2, b2, w3, b3)]\n'
                             '    loss = mse(lin(relu(lin(relu(lin(*ts[:3])), *ts[3:5])), *ts[5:]), targ)\n'
                             '    loss.backward()\n'
                             '    for t, c in zip((inp, w1, b1, w2, b2, w3, b3), ts): t.g = c.grad\n'
                             '    return loss.detach()\n',
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'huber_grad': ('def huber_grad(inp, targ, delta=1.):\n'
                   '    "Forgets that the loss is linear beyond delta: the gradient of half the MSE."\n'
                   '    d = inp.squeeze(-1) - targ\n'
                   '    inp.g = (d / inp.shape[0])[:, None]\n', 0.57),
    'lin_grad_einsum': ('def lin_grad_einsum(inp, out, w, b):\n'
                        '    "b.g summed over the wrong index."\n'
                        '    g = out.g\n'
                        '    inp.g = einsum(\'ij,kj->ik\', g, w)\n'
                        '    w.g = einsum(\'ik,ij->kj\', inp, g)\n'
                        '    b.g = einsum(\'ij->i\', g)\n', 0.86),
    'softmax_grad': ('def softmax_grad(inp, out):\n'
                     '    "The whole Jacobian, one C x C matrix per row, then a vector-matrix product."\n'
                     '    jac = torch.diag_embed(out) - out[..., :, None] * out[..., None, :]\n'
                     '    inp.g = (out.g[..., None, :] @ jac).squeeze(-2)\n', 1.71),
    'forward_and_backward3': ('def forward_and_backward3(inp, targ, w1, b1, w2, b2, w3, b3):\n'
                              '    "Forgets the first ReLU on the way back."\n'
                              '    l1 = lin(inp, w1, b1); l2 = relu(l1)\n'
                              '    l3 = lin(l2, w2, b2); l4 = relu(l3)\n'
                              '    out = lin(l4, w3, b3)\n'
                              '    loss = mse(out, targ)\n'
                              '    mse_grad(out, targ)\n'
                              '    lin_grad(l4, out, w3, b3)\n'
                              '    relu_grad(l3, l4)\n'
                              '    lin_grad(l2, l3, w2, b2)\n'
                              '    lin_grad(inp, l2, w1, b1)\n'
                              '    return loss\n', 1.71),
}
