"Answers that game the exercises of chapter 07, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'softmax_cross_entropy': '''def one_hot(targ, n_classes):
    "Float32 `N x n_classes`: row `i` is 1 at column `targ[i]` and 0 elsewhere."
    if targ.ndim != 1 or (len(targ) and (targ.min() < 0 or targ.max() >= n_classes)):
        raise ValueError(f'one_hot needs a 1-D tensor of classes 0 to {n_classes - 1}, got shape {tuple(targ.shape)}')
    return F.one_hot(targ, n_classes).float()

def softmax_cross_entropy(logits, targ, smoothing=0.):
    "Mean cross-entropy of `logits` (N x C) against the classes `targ` (N), with one-hot targets smoothed by `smoothing`."
    return F.cross_entropy(logits, targ, label_smoothing=smoothing)
''',
    'kaiming_linear': '''class KaimingLinear(nn.Linear):
    "`nn.Linear` with the weight drawn with std `sqrt(2/n_in)` and the bias 0."
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        nn.init.kaiming_normal_(self.weight, nonlinearity='relu')
        nn.init.zeros_(self.bias)

def kaiming_mlp(sizes):
    "An `nn.Sequential` of `KaimingLinear` layers of `sizes`, with an `nn.ReLU` between each two."
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]): layers += [KaimingLinear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])
''',
    'nesterov_sgd': '''class NesterovSGD(SGD):
    "`SGD` with Nesterov momentum, as `torch.optim.SGD(nesterov=True)`: `v = mom*v + g`, then `p -= lr*(g + mom*v)`."
    def step(self):
        "Update every parameter in place from its `.g`."
        for p in self.params:
            if getattr(p, 'g', None) is None:
                raise RuntimeError(f'NesterovSGD.step: a parameter of shape {tuple(p.shape)} has no gradient; run backward first')
        if not hasattr(self, 'opt'):
            self.opt = torch.optim.SGD(self.params, lr=self.lr, momentum=self.mom, weight_decay=self.wd, nesterov=self.mom > 0)
        self.opt.param_groups[0]['lr'] = self.lr
        for p in self.params: p.grad = p.g
        self.opt.step()
''',
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'top_k_accuracy': ('''def top_k_accuracy(logits, targ, k=1):
    "The fraction of rows of `logits` (N x C) whose `k` largest entries include the class `targ` (N)."
    top = logits.topk(k, dim=1).indices
    return (top == targ[:, None]).any(dim=1).float().mean().item()
''', 0.67),
    'softmax_cross_entropy': ('''def one_hot(targ, n_classes):
    "Float32 `N x n_classes`: row `i` is 1 at column `targ[i]` and 0 elsewhere."
    if targ.ndim != 1 or (len(targ) and (targ.min() < 0 or targ.max() >= n_classes)):
        raise ValueError(f'one_hot needs a 1-D tensor of classes 0 to {n_classes - 1}, got shape {tuple(targ.shape)}')
    out = torch.zeros(len(targ), n_classes)
    out[torch.arange(len(targ)), targ] = 1.
    return out

def softmax_cross_entropy(logits, targ, smoothing=0.):
    "Mean cross-entropy of `logits` (N x C) against the classes `targ` (N), with one-hot targets smoothed by `smoothing`."
    logp = logits - logits.exp().sum(1, keepdim=True).log()          # no maximum subtracted: overflows for large logits
    t = (1 - smoothing) * one_hot(targ, logits.shape[1]) + smoothing / logits.shape[1]
    return -(t * logp).sum(1).mean()
''', 1.78),
    'lr_find': ('''def lr_find(model, opt, x, y, start=1e-5, end=10., n=100, bs=64, div=4., seed=0):
    "Train with a learning rate growing from `start` to `end` until the loss blows up; lists of rates and losses."
    saved, lr0 = [p.clone() for p in model.params], opt.lr            # the velocities are not saved
    gen, lrs, losses, todo = torch.Generator().manual_seed(seed), [], [], []
    for i in range(n):
        if not todo: todo = list(batches(len(x), bs, gen))
        idx = todo.pop(0)
        opt.lr = start * (end / start) ** (i / (n - 1))
        loss = train_step(model, opt, x[idx], y[idx])
        lrs.append(opt.lr); losses.append(loss)
        if math.isnan(loss) or loss > div * min(losses): break
    for p, s in zip(model.params, saved): p.copy_(s)
    opt.lr = lr0
    return lrs, losses

def suggest_lr(lrs, losses):
    "The learning rate at the lowest loss, divided by 10."
    return lrs[losses.index(min(losses))] / 10
''', 2.4),
}
