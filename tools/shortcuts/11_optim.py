"Answers that game the exercises of chapter 11, for the grading cycle (tools/grading_cycle.py): each must score 0."

LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    # PyTorch's Adagrad does the steps; its state is shared as ours
    'adagrad': '''class Adagrad(Optimizer):
    "Adagrad with learning-rate decay and weight decay, as `torch.optim.Adagrad`."
    def __init__(self, params, lr=1e-2, lr_decay=0., weight_decay=0., initial_accumulator_value=0., eps=1e-10, *, maximize=False):
        params = list(params)
        self.inner = torch.optim.Adagrad(params, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                         initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, dict(lr=lr))
        self.state = self.inner.state

    def step(self, closure=None):
        for s in self.inner.state.values(): s['step'] = torch.as_tensor(s['step'], dtype=torch.float32)
        self.inner.step(closure)
        for s in self.inner.state.values(): s['step'] = int(s['step'])
''',
    # PyTorch's clipping
    'clip_grad_norm': '''def clip_grad_norm_(params, max_norm, norm_type=2.):
    "Rescale the gradients of `params` in place so that their total `norm_type`-norm is at most `max_norm`; returns the total norm before."
    return torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
''',
    # PyTorch's Rprop does the steps
    'rprop': '''class Rprop(Optimizer):
    "Resilient backpropagation, as `torch.optim.Rprop`."
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        params = list(params)
        self.inner = torch.optim.Rprop(params, lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        super().__init__(params, dict(lr=lr))
        self.state = self.inner.state

    def step(self, closure=None):
        return self.inner.step(closure)
''',
}

PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    # every setting but the learning-rate decay
    'adagrad': ('''class Adagrad(Optimizer):
    "Adagrad with weight decay, as `torch.optim.Adagrad`."
    def __init__(self, params, lr=1e-2, lr_decay=0., weight_decay=0., initial_accumulator_value=0., eps=1e-10, *, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize))

    def update(self, p, g, state, group):
        if group['maximize']: g = -g
        g = g + group['weight_decay'] * p
        if not state: state.update(step=0, sum=torch.full_like(p, group['initial_accumulator_value']))
        state['step'] += 1
        state['sum'] += g * g
        p -= group['lr'] * g / (state['sum'].sqrt() + group['eps'])
''', 1.0),
    # the 2-norm whatever norm_type asks for
    'clip_grad_norm': ('''def clip_grad_norm_(params, max_norm, norm_type=2.):
    "Rescale the gradients of `params` in place so that their total norm is at most `max_norm`; returns the total norm before."
    if isinstance(params, torch.Tensor): params = [params]
    grads = [p.grad for p in params if p.grad is not None]
    total = sum((g ** 2).sum() for g in grads) ** 0.5 if grads else torch.tensor(0.)
    for g in grads: g *= min(1., float(max_norm / (total + 1e-6)))
    return total
''', 0.75),
    # forgets maximize
    'rprop': ('''class Rprop(Optimizer):
    "Resilient backpropagation, as `torch.optim.Rprop`."
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize))

    def update(self, p, g, state, group):
        if not state: state.update(step=0, prev=torch.zeros_like(p), step_size=torch.full_like(p, group['lr']))
        state['step'] += 1
        s = torch.sign(g * state['prev'])
        eta_minus, eta_plus = group['etas']
        factor = torch.ones_like(g)
        factor[s > 0] = eta_plus
        factor[s < 0] = eta_minus
        state['step_size'] = (state['step_size'] * factor).clamp(*group['step_sizes'])
        g = g.clone()
        g[s < 0] = 0.
        p -= torch.sign(g) * state['step_size']
        state['prev'] = g.clone()
''', 1.5),
}
