"Answers that game the exercises of chapter 09, for the grading cycle (tools/grading_cycle.py): each must score 0."

LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    # the gradient found by autograd instead of by hand
    'l1_penalty': '''def l1_penalty(params, wd):
    "`wd` times the sum of the absolute values of all `params`."
    return wd * sum(w.abs().sum() for w in params)

def l1_penalty_grad(w, wd):
    "The gradient of `l1_penalty([w], wd)` with respect to `w`."
    w = w.detach().clone().requires_grad_()
    l1_penalty([w], wd).backward()
    return w.grad
''',
    # the backward pass left to autograd: the forward pass recomputed and differentiated with torch.autograd.grad
    'dropout_function': '''class DropoutFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, p, generator=None):
        mask = torch.empty_like(x).bernoulli_(1 - p, generator=generator)
        ctx.save_for_backward(x, mask)
        ctx.p = p
        return x * mask / (1 - p)

    @staticmethod
    def backward(ctx, grad):
        x, mask = ctx.saved_tensors
        with torch.enable_grad():
            x = x.detach().requires_grad_()
            out = x * mask / (1 - ctx.p)
            return torch.autograd.grad(out, x, grad)[0], None, None
''',
    # PyTorch's dropout, unscaled afterwards
    'classic_dropout': '''def classic_dropout(x, p, training=True, generator=None):
    return F.dropout(x, p, training) * (1 - p)
''',
}

PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    # the penalty is right; the gradient gives +wd instead of 0 where a weight is 0
    'l1_penalty': ('''def l1_penalty(params, wd):
    "`wd` times the sum of the absolute values of all `params`."
    return wd * sum(w.abs().sum() for w in params)

def l1_penalty_grad(w, wd):
    "The gradient of `l1_penalty([w], wd)` with respect to `w`."
    return wd * torch.where(w >= 0, 1., -1.).to(w.dtype)
''', 1),
    # the forward pass is right; the backward pass forgets to divide by 1 - p
    'dropout_function': ('''class DropoutFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, p, generator=None):
        mask = torch.empty_like(x).bernoulli_(1 - p, generator=generator)
        ctx.save_for_backward(mask)
        return x * mask / (1 - p)

    @staticmethod
    def backward(ctx, grad):
        mask, = ctx.saved_tensors
        return grad * mask, None, None
''', 1),
    # training is right; evaluation forgets to scale by 1 - p
    'classic_dropout': ('''def classic_dropout(x, p, training=True, generator=None):
    if not 0 <= p <= 1: raise ValueError(f'p must be between 0 and 1, got {p}')
    if not training: return x
    return x * torch.empty_like(x).bernoulli_(1 - p, generator=generator)
''', 1.33),
}
