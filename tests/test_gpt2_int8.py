"""`realizers.gpt2.dtype: int8`: Conv1D rewritten as Linear, dynamic int8 quantisation, CPU only."""

from __future__ import annotations

from pathlib import Path

import pytest
from gpt2_fixtures import RECORDS, build_tiny_model, draft_context, segment
from pydantic import ValidationError

from hybridnlg import Candidate, Failure

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch
from transformers import GPT2LMHeadModel

from hybridnlg_gpt2.quantize import conv1d_to_linear, quantized_layers
from hybridnlg_gpt2.realizer import GPT2Realizer


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("gpt2-int8") / "tiny")


def make(model_dir: Path, dtype: str) -> GPT2Realizer:
    config = GPT2Realizer.Config(model=model_dir.name, max_new_tokens=12, local_files_only=True, dtype=dtype)
    return GPT2Realizer(config, draft_context(model_dir.parent))


def prompt_ids() -> torch.Tensor:
    return torch.tensor([[5, 17, 40, 33, 8, 90, 21, 64]])


def test_conv1d_to_linear_computes_the_same_function(model_dir: Path) -> None:
    model = GPT2LMHeadModel.from_pretrained(model_dir).eval()
    with torch.no_grad():
        before = model(prompt_ids()).logits
        assert conv1d_to_linear(model) == 4 * model.config.n_layer  # c_attn, attn.c_proj, c_fc, mlp.c_proj per block
        after = model(prompt_ids()).logits
    assert not any(type(m).__name__ == "Conv1D" for m in model.modules())
    assert torch.allclose(before, after, atol=1e-5)


def test_int8_loads_through_the_realizer_with_every_linear_layer_quantised(model_dir: Path) -> None:
    fp32, int8 = make(model_dir, "float32"), make(model_dir, "int8")
    assert int8.check() == [] and fp32.check() == []
    assert int8.describe()["dtype"] == "int8" and int8.describe()["device"] == "cpu"
    assert int8.model is not None and fp32.model is not None and int8.model.model is not fp32.model.model
    n_layer = int8.model.model.config.n_layer
    assert quantized_layers(int8.model.model) == 4 * n_layer + 1  # the projections of every block and the LM head
    assert quantized_layers(fp32.model.model) == 0  # the shared float32 copy is left alone
    with torch.no_grad():
        exact = fp32.model.model(prompt_ids()).logits
        approx = int8.model.model(prompt_ids()).logits
    # int8 rounding moves the logits a little, never wholesale
    assert (approx - exact).norm() / exact.norm() < 0.1


def test_int8_generates_through_the_same_pipeline(model_dir: Path) -> None:
    segments = [segment(record, index=i, verbatim=()) for i, record in enumerate(RECORDS)]
    int8 = make(model_dir, "int8").realize(segments)
    assert len(int8) == len(segments)
    texts = 0
    for result in int8:
        assert isinstance(result, Failure) or all(isinstance(c, Candidate) and c.text for c in result)
        texts += not isinstance(result, Failure)
    assert texts  # a random tiny model writes garbage, but it writes it; the validator judges it as any other text


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_int8_on_a_gpu_is_a_config_error(device: str) -> None:
    with pytest.raises(ValidationError, match="int8 .* cannot run on device"):
        GPT2Realizer.Config(dtype="int8", device=device)


def test_int8_with_device_auto_runs_on_the_cpu() -> None:
    from hybridnlg_gpt2.loading import pick_device

    assert GPT2Realizer.Config(dtype="int8").device == "auto"
    assert pick_device("auto", "int8") == "cpu"
    with pytest.raises(ValueError, match="cannot run on device 'cuda'"):
        pick_device("cuda", "int8")
