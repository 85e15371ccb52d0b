"""Dynamic int8 quantisation of a GPT-2 model on the CPU (`realizers.gpt2.dtype: int8`).

Dynamic quantisation stores the weights of every `nn.Linear` as int8 and quantises the activations on the fly, per
batch; torch's CPU kernels (fbgemm / x86, qnnpack on ARM) then multiply in int8. GPT-2 writes its projections as
transformers' `Conv1D` (the same affine map with the weight stored transposed), which quantisation does not know, so
those are rewritten as `nn.Linear` first.
"""

from __future__ import annotations

import warnings
from typing import Any

INT8 = "int8"
INT8_DEVICES = ("cpu",)


def int8_device_error(device: str) -> str | None:
    """Why `dtype: int8` cannot run on `device` (None when it can); `auto` runs int8 on the CPU."""
    if device in {"auto", *INT8_DEVICES}:
        return None
    return (f"dtype int8 is dynamic quantisation for the CPU and cannot run on device {device!r}; use device: cpu "
            "(or auto) with int8, or dtype float16 / bfloat16 on a GPU")


def conv1d_to_linear(model: Any) -> int:
    """Replace every transformers `Conv1D` in `model` by an equal `nn.Linear`, in place; return how many."""
    import torch
    from transformers.pytorch_utils import Conv1D

    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if not isinstance(child, Conv1D):
                continue
            inputs, outputs = child.weight.shape  # Conv1D keeps (in, out); Linear wants (out, in)
            linear = torch.nn.Linear(inputs, outputs, bias=True, dtype=child.weight.dtype,
                                     device=child.weight.device)
            with torch.no_grad():
                linear.weight.copy_(child.weight.t())
                linear.bias.copy_(child.bias)
            setattr(parent, name, linear)
            replaced += 1
    return replaced


def quantize_int8(model: Any) -> Any:
    """The model with every linear layer (GPT-2's Conv1D projections and the LM head) dynamically quantised to int8.

    The model must be float32 on the CPU. Returns the quantised model (the same object, changed in place).
    """
    import torch

    conv1d_to_linear(model)
    with warnings.catch_warnings():
        # torch marks torch.ao.quantization deprecated in favour of torchao, which is not installed here; the eager
        # dynamic path still runs on torch's own fbgemm/x86 kernels, so the warnings say nothing a user can act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)  # type: ignore[no-untyped-call]


def quantized_layers(model: Any) -> int:
    """How many dynamically quantised linear layers `model` holds (for checks and traces)."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    return sum(isinstance(module, DynamicLinear) for module in model.modules())
