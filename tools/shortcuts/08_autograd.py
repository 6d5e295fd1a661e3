"Answers that game the exercises of chapter 08, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'tanh': '''@patch
def tanh(self:Tensor):
    "The hyperbolic tangent of each element; its derivative comes from PyTorch's autograd."
    x = self.data.detach().requires_grad_()
    out = torch.tanh(x)
    return _node(out.detach(), (self,), lambda g: (torch.autograd.grad(out, x, g, retain_graph=True)[0],), 'tanh')
''',
    'var': '''def var_given(x, dim=-1):
    "The variance of `x` along `dim` (`n - 1` in the denominator) as one operation: its backward pass has a bug."
    d = x.data
    m, n = d.mean(dim, keepdim=True), d.shape[dim]
    return _node(((d - m) ** 2).sum(dim) / (n - 1), (x,), lambda g: (g * 2 * (d - m) / (n - 1),), 'var')

def var(x, dim=-1):
    "The variance of `x` along `dim`, its gradient from PyTorch's autograd."
    d = x.data.detach().requires_grad_()
    out = torch.var(d, dim)
    return _node(out.detach(), (x,), lambda g: (torch.autograd.grad(out, d, g, retain_graph=True)[0],), 'var')
''',
    'accumulate_grads': '''def accumulate_grads(model, x, y, chunk):
    "The gradient of the mean cross-entropy on `(x, y)`, chunk by chunk, with PyTorch's autograd."
    ps = [p.data.detach().clone().requires_grad_() for p in model.params]
    total = 0.
    for i in range(0, len(x), chunk):
        h = x[i:i + chunk]
        for j in range(0, len(ps), 2): h = (h.relu() if j else h) @ ps[j] + ps[j + 1]
        loss = F.cross_entropy(h, y[i:i + chunk]) * len(h) / len(x)
        loss.backward()
        total += loss.item()
    for p, q in zip(model.params, ps): p.grad = q.grad
    return total
''',
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'tanh': ('''@patch
def tanh(self:Tensor):
    "The hyperbolic tangent of each element; its derivative is `1 - tanh**2`."
    e = (2 * self.data).exp()                        # overflows for large inputs: inf / inf is nan
    out = (e - 1) / (e + 1)
    return _node(out, (self,), lambda g: (g * (1 - out * out),), 'tanh')
''', 0.8),
    'accumulate_grads': ('''def accumulate_grads(model, x, y, chunk):
    "Set `.grad` of `model.params` to the gradient of the mean cross-entropy on `(x, y)`, one `backward` per `chunk` rows; return that loss."
    for p in model.params: p.grad = None
    total = 0.
    for i in range(0, len(x), chunk):
        xc, yc = x[i:i + chunk], y[i:i + chunk]
        loss = cross_entropy(model(xc), yc)          # each chunk's mean, not weighted by its share of the batch
        loss.backward()
        total += loss.item() * len(xc) / len(x)
    return total
''', 0.86),
}
