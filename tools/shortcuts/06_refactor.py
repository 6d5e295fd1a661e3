"Answers that game the exercises of chapter 06, for the grading cycle (tools/grading_cycle.py): each must score 0."
LIBRARY = {  # grade_id of the solution cell: an answer that calls the library function the exercise replaces
    'sigmoid_fn': 'class SigmoidLayer(Layer):\n'
                  '    def forward(self, inp): return torch.sigmoid(inp)\n'
                  '    def bwd(self, out, inp):\n'
                  '        x = inp.detach().requires_grad_()\n'
                  '        torch.sigmoid(x).backward(out.g)\n'
                  '        inp.g = x.grad\n',
    'leaky_relu_fn': 'class LeakyReluLayer(Layer):\n'
                     '    def __init__(self, a=0.01): self.a = a\n'
                     '    def forward(self, inp): return F.leaky_relu(inp, self.a)\n'
                     '    def bwd(self, out, inp):\n'
                     '        x = inp.detach().requires_grad_()\n'
                     '        F.leaky_relu(x, self.a).backward(out.g)\n'
                     '        inp.g = x.grad\n',
    'my_tanh': 'class MyTanh(torch.autograd.Function):\n'
               '    @staticmethod\n'
               '    def forward(ctx, inp):\n'
               '        out = torch.tanh(inp)\n'
               '        ctx.save_for_backward(out)\n'
               '        return out\n'
               '    @staticmethod\n'
               '    def backward(ctx, grad_out):\n'
               '        out, = ctx.saved_tensors\n'
               '        return torch.ops.aten.tanh_backward(grad_out, out)\n',
    'lin_nd_fn': 'class LinNdLayer(Layer):\n'
                 '    def __init__(self, w, b): self.w, self.b = w, b\n'
                 '    def forward(self, inp): return inp @ self.w + self.b\n'
                 '    def bwd(self, out, inp):\n'
                 '        ts = [t.detach().requires_grad_() for t in (inp, self.w, self.b)]\n'
                 '        (ts[0] @ ts[1] + ts[2]).backward(out.g)\n'
                 '        inp.g, self.w.g, self.b.g = (t.grad for t in ts)\n',
    'fn_linear': 'class FnLinear(nn.Linear):\n'
                 '    "nn.Linear already stores and initializes its parameters as asked."\n'
                 '    def forward(self, x): return MyLinear.apply(x, self.weight.T, self.bias)\n',
}
PARTIAL = {  # grade_id: (an answer right on some cases only, the points it must earn: more than 0, less than full)
    'lin_nd_fn': ('class LinNdLayer(Layer):\n'
                  '    def __init__(self, w, b): self.w, self.b = w, b\n'
                  '    def forward(self, inp): return inp @ self.w + self.b\n'
                  '    def bwd(self, out, inp):\n'
                  '        "b.g summed over the first dimension only."\n'
                  '        inp.g = out.g @ self.w.T\n'
                  '        self.w.g = inp.reshape(-1, inp.shape[-1]).T @ out.g.reshape(-1, out.g.shape[-1])\n'
                  '        self.b.g = out.g.sum(0)\n', 1.14),
    'fn_linear': ('class FnLinear(nn.Module):\n'
                  '    "Initialized as the chapter\'s LinearLayer, with Kaiming\'s normal std."\n'
                  '    def __init__(self, n_in, n_out):\n'
                  '        super().__init__()\n'
                  '        self.weight = nn.Parameter(torch.randn(n_out, n_in) * math.sqrt(2 / n_in))\n'
                  '        self.bias = nn.Parameter(torch.zeros(n_out))\n'
                  '    def forward(self, x): return MyLinear.apply(x, self.weight.T, self.bias)\n', 2.14),
    'my_tanh': ('class MyTanh(torch.autograd.Function):\n'
                '    "Saves the input, as for most functions."\n'
                '    @staticmethod\n'
                '    def forward(ctx, inp):\n'
                '        ctx.save_for_backward(inp)\n'
                '        return torch.tanh(inp)\n'
                '    @staticmethod\n'
                '    def backward(ctx, grad_out):\n'
                '        inp, = ctx.saved_tensors\n'
                '        return grad_out * (1 - torch.tanh(inp)**2)\n', 1.71),
}
