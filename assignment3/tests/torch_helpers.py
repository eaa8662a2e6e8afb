"""Test-side helpers for PyTorch parts: run submitted code with autograd, build small reference nets.

Tests reach submitted code only through data: arrays, tensors, numbers, strings, lists,
dicts, and objects created by the submitted package itself (models, optimizers), whose
methods they call and whose parameters they read with `state_dict()` and set with
`load_state_dict()`. They never pass a function or a test-defined object into submitted
code. Two things a test needs beyond that live here, so that the grader can run them
beside the submitted code (in its worker) instead of in the test's process:

- `autograd_call(fn, *args, grad_output=None, **kwargs)`: the output of a submitted function
  or module and the gradients of a loss with respect to its tensor inputs and parameters.
- `torch_sequential(spec, state_dict=None, seed=0)`: a small `nn.Sequential` made of standard
  `torch.nn` layers, built from a plain-data description, to hand to submitted code that takes
  a model (saliency, fooling images, style features).

Locally (`pytest tests`) both run in this process.
"""

import torch
from torch import nn

# layers a spec may name: standard torch.nn layers only
_LAYERS = {
    name: getattr(nn, name)
    for name in (
        "Conv2d",
        "Linear",
        "ReLU",
        "LeakyReLU",
        "Tanh",
        "Sigmoid",
        "MaxPool2d",
        "AvgPool2d",
        "AdaptiveAvgPool2d",
        "Flatten",
        "BatchNorm1d",
        "BatchNorm2d",
        "LayerNorm",
        "Dropout",
        "Identity",
    )
}


def autograd_call(fn, *args, grad_output=None, **kwargs):
    """Call fn(*args, **kwargs) with autograd and backpropagate from its output.

    Inputs:
    - fn: a function or an nn.Module (the latter's parameters get gradients too)
    - args: positional arguments; floating-point tensors among them get requires_grad
    - grad_output: upstream gradient, shaped like the output; None means d(sum(out))
    - kwargs: keyword arguments, passed as they are (no gradients)

    Returns a tuple of:
    - out: the output, detached
    - input_grads: list, one entry per positional argument: its gradient, or None
      (not a floating tensor, or not reached by the output)
    - param_grads: dict name -> gradient for fn's named parameters (empty for a function);
      a parameter the output does not reach has None
    """
    leaves = []
    call_args = []
    for a in args:
        if isinstance(a, torch.Tensor) and a.is_floating_point():
            a = a.detach().clone().requires_grad_(True)
            leaves.append(a)
        else:
            leaves.append(None)
        call_args.append(a)
    params = dict(fn.named_parameters()) if isinstance(fn, nn.Module) else {}
    for p in params.values():
        p.grad = None
    out = fn(*call_args, **kwargs)
    assert isinstance(out, torch.Tensor), f"expected a tensor output, got {type(out).__name__}"
    if grad_output is None:
        grad_output = torch.ones_like(out)
    out.backward(grad_output)
    input_grads = [None if a is None or a.grad is None else a.grad.detach() for a in leaves]
    param_grads = {k: None if p.grad is None else p.grad.detach().clone() for k, p in params.items()}
    return out.detach(), input_grads, param_grads


def torch_sequential(spec, state_dict=None, seed=0):
    """A small nn.Sequential from a plain-data description, in eval mode.

    Inputs:
    - spec: list of [layer_name, *positional_args], layer_name one of the standard torch.nn
      layers in _LAYERS, e.g. [["Conv2d", 3, 4, 3, 1, 1], ["ReLU"], ["Flatten"], ["Linear", 64, 10]]
    - state_dict: optional dict name -> tensor to load (strictly)
    - seed: seeds the initial weights when no state_dict is given

    Returns: the module.
    """
    # layers initialise their weights when built: seed first, then restore the caller's state
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        layers = []
        for entry in spec:
            name, *layer_args = entry
            assert name in _LAYERS, f"layer {name!r} is not one of {sorted(_LAYERS)}"
            layers.append(_LAYERS[name](*layer_args))
        model = nn.Sequential(*layers)
    finally:
        torch.random.set_rng_state(gen_state)
    if state_dict is not None:
        model.load_state_dict(state_dict, strict=True)
    return model.eval()
