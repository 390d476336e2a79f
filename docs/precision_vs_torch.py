"""The rules of autograd/src/precision.rs, checked against PyTorch's autocast.

Each case is one of the Rust tests in precision.rs, run under
torch.autocast(float16); the assertions are the ones the Rust tests make.
    python3 -m venv torchenv && torchenv/bin/pip install torch
    torchenv/bin/python3 docs/precision_vs_torch.py
"""
import torch


def half(t):
    return t.half().float()


# A half tensor's gradient is half; a matmul rounds what it sends to an f32 parameter.
x = torch.tensor([[0.1, -0.7, 3.3]])
r = torch.tensor([[0.3, 1.0e-3, -2.2, 7.1]])
w = torch.full((4, 3), 0.25, requires_grad=True)
with torch.autocast("cpu", dtype=torch.float16):
    y = x @ w.t()
    y.retain_grad()
    loss = (y * r).sum()
loss.backward()
assert y.dtype == torch.float16 and loss.dtype == torch.float32
assert torch.equal(y.grad.float(), half(r))
assert w.grad.dtype == torch.float32
assert torch.equal(w.grad, half(half(r).t() @ half(x)))

# Gradients below half the smallest subnormal vanish.
x = torch.tensor([[1.0, 2.0]])
w = torch.full((3, 2), 0.5, requires_grad=True)
with torch.autocast("cpu", dtype=torch.float16):
    loss = (torch.relu(x @ w.t()) * 1e-8).sum()
loss.backward()
assert torch.all(w.grad == 0)

# A matmul output above 65 504 is inf; zero times it is NaN; relu keeps NaN.
with torch.autocast("cpu", dtype=torch.float16):
    y = torch.full((1, 4), 200.0) @ torch.full((1, 4), 100.0).t()
assert y.item() == float("inf") and torch.isnan(y * torch.zeros(1, 1)).all()
assert torch.isnan(torch.relu(torch.tensor([float("nan")]))).all()

# A bias added after the product, as the paper's authors' layers do, promotes to
# f32 (`f16-autocast-f32-bias`); so does subtracting a half inhibition from it.
x = torch.tensor([[0.1, 0.2, 0.3]])
w = torch.full((2, 3), 0.1)
b = torch.tensor([1.0e-4, -0.3])
with torch.autocast("cpu", dtype=torch.float16):
    h = x @ w.t()
    y = h + b
    z = y - x @ w.t()
assert h.dtype == torch.float16 and y.dtype == torch.float32 and z.dtype == torch.float32
assert torch.equal(y, h.float() + b)
assert (z[0, 0] - b[0]).abs() < 1e-8

# addmm rounds once; our matmul, then bias, rounds twice: at most one half ulp apart.
torch.manual_seed(0)
xs, ws, b = torch.rand(256, 784), torch.rand(500, 784) * 0.1, torch.randn(500)
with torch.autocast("cpu", dtype=torch.float16):
    once = torch.addmm(b, xs, ws.t()).float()
    twice = ((xs @ ws.t()) + b.half()).float()
rel = ((once - twice).abs() / once.abs()).max().item()
assert rel <= 2.0**-10, rel
print(f"all rules agree with torch {torch.__version__}; addmm vs matmul + bias: "
      f"{(once == twice).float().mean().item():.0%} identical, at most {rel:.2g} apart (one half ulp)")
