#!/usr/bin/env python3
"""Export PyTorch CLIP checkpoints to a model folder Lookbook can import.

Three kinds of source (see README.md next to this file):

  pai-openclip  Alibaba PAI EasyNLP CLIP checkpoints of model_type "open_clip", e.g. the e-commerce models
                alibaba-pai/pai-clip-commercial-base-en (ViT-B/32) and -large-en (ViT-L/14), or a
                FashionKLIP-style .pt file. The weights are OpenAI-CLIP shaped; they are rebuilt with
                open_clip and written in the Immich layout (textual/, visual/, config.json).
  chinese-clip  Chinese-CLIP checkpoints in transformers format (OFA-Sys/chinese-clip-vit-base-patch16, ...),
                written in the Hugging Face layout (onnx/text_model.onnx, onnx/vision_model.onnx, ...).
  hf-clip       Any transformers CLIPModel checkpoint (openai/clip-vit-base-patch32, fine-tunes of it),
                written in the Hugging Face layout.

Each tower is exported with torch.onnx.export (L2-normalized outputs, dynamic batch), then loaded back
with onnxruntime when it is installed and compared with PyTorch on a few texts and a random image.

This script runs outside the app, with its own Python environment (see requirements.txt). It has not
been run in Lookbook's CI, which has neither torch nor the weights.
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import sys
from pathlib import Path
from typing import Any

OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]
PROBE_TEXTS = ["a photo of a red dress", "black leather ankle boots", "一只猫的照片", "sunset over the sea"]


def log(msg: str) -> None:
    print(f"[export] {msg}", file=sys.stderr, flush=True)


def fail(msg: str) -> None:
    print(f"export_clip.py: {msg}", file=sys.stderr)
    sys.exit(1)


def resolve_source(source: str) -> Path:
    """A local folder or file as is; anything else is taken as a Hugging Face repo id and downloaded."""
    p = Path(source)
    if p.exists():
        return p
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        fail(f"{source} is not a local path and huggingface_hub is not installed to download it")
    log(f"downloading {source} from the Hugging Face Hub")
    return Path(snapshot_download(repo_id=source))


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def onnx_export(module: Any, args: tuple, path: Path, input_names: list[str], output_name: str,
                dynamic_axes: dict[str, dict[int, str]], opset: int) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = dict(
        input_names=input_names,
        output_names=[output_name],
        dynamic_axes={**dynamic_axes, output_name: {0: "batch"}},
        opset_version=opset,
        do_constant_folding=True,
    )
    # torch >= 2.5 has a second (dynamo) exporter and newer releases make it the default; the classic
    # TorchScript exporter is the one these graphs (nn.MultiheadAttention, BERT) are known to work with.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(module, args, path.as_posix(), **kwargs)
    size = path.stat().st_size
    if size > 2 * 1024**3 - 1:
        fail(f"{path} is over 2 GB; ONNX protobufs cannot hold it in one file")
    log(f"wrote {path} ({size / 1e6:.1f} MB)")


def l2(x: Any) -> Any:
    import torch

    return torch.nn.functional.normalize(x.float(), dim=-1)


# --------------------------------------------------------------------------------------------------
# Alibaba PAI EasyNLP "open_clip" checkpoints -> Immich layout


def load_pai_state_dict(src: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Returns (OpenAI-CLIP-shaped state dict, EasyNLP config or {})."""
    import torch

    config: dict[str, Any] = {}
    if src.is_dir():
        cfg_path = src / "config.json"
        if cfg_path.exists():
            config = json.loads(cfg_path.read_text(encoding="utf-8"))
            model_type = config.get("model_type")
            if model_type not in (None, "open_clip"):
                fail(
                    f"{cfg_path} has model_type {model_type!r}; this exporter handles EasyNLP 'open_clip' "
                    "checkpoints (use --kind chinese-clip for Chinese-CLIP in transformers format)"
                )
        candidates = [src / "pytorch_model.bin", *sorted(src.glob("*.pt")), *sorted(src.glob("*.bin"))]
        weights = next((c for c in candidates if c.exists()), None)
        if weights is None:
            fail(f"no pytorch_model.bin or .pt file in {src}")
    else:
        weights = src
    log(f"loading {weights}")
    # weights_only=False: EasyNLP and FashionKLIP checkpoints are plain pickles of dicts and tensors but
    # older ones also pickle optimizer state; only load checkpoints you trust.
    ckpt = torch.load(weights, map_location="cpu", weights_only=False)
    if isinstance(ckpt, dict) and "state_dict" in ckpt and isinstance(ckpt["state_dict"], dict):
        ckpt = ckpt["state_dict"]
    if not isinstance(ckpt, dict):
        fail(f"{weights} does not hold a state dict")
    state: dict[str, Any] = {}
    for key, value in ckpt.items():
        for prefix in ("module.", "open_clip.", "clip."):
            if key.startswith(prefix):
                key = key[len(prefix):]
        state[key] = value
    if "visual.proj" not in state and "visual.layer1.0.conv1.weight" not in state:
        fail(f"{weights} is not an OpenAI-CLIP shaped checkpoint (no visual.proj)")
    return state, config


def export_pai_openclip(src: Path, out: Path, name: str, opset: int, tokenizer_name: str) -> dict[str, Any]:
    import torch
    from open_clip.model import build_model_from_openai_state_dict
    from transformers import AutoTokenizer

    state, easynlp_cfg = load_pai_state_dict(src)
    logit_scale = float(state["logit_scale"].exp()) if "logit_scale" in state else 100.0
    # Builds the architecture from the tensor shapes (ViT-B/32, ViT-L/14, ...); OpenAI CLIP uses QuickGELU.
    model = build_model_from_openai_state_dict(state, quick_gelu=True, cast_dtype=torch.float32)
    model = model.float().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    if hasattr(torch.backends, "mha"):
        # The fused attention fast path has no ONNX export; Immich's exporter turns it off too.
        torch.backends.mha.set_fastpath_enabled(False)

    visual = model.visual
    raw_size = getattr(visual, "image_size", 224)  # open_clip stores an (h, w) tuple
    image_size = int(raw_size[0] if isinstance(raw_size, (tuple, list)) else raw_size)
    context_length = int(model.context_length)
    embed_dim = int(model.text_projection.shape[1])
    vocab_size = int(model.vocab_size)

    class TextTower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, text: Any) -> Any:
            return l2(self.m.encode_text(text.long()))

    class VisionTower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, image: Any) -> Any:
            return l2(self.m.encode_image(image))

    if out.exists():
        shutil.rmtree(out)
    textual = out / "textual"
    visual_dir = out / "visual"

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_name)
    tokenizer.model_max_length = context_length
    tokenizer.save_pretrained(textual.as_posix())
    if not (textual / "tokenizer.json").exists():
        fail(f"{tokenizer_name} did not produce a tokenizer.json (a fast tokenizer is needed)")

    onnx_export(TextTower().eval(), (torch.zeros(2, context_length, dtype=torch.int32),),
                textual / "model.onnx", ["text"], "embedding", {"text": {0: "batch"}}, opset)
    onnx_export(VisionTower().eval(), (torch.randn(2, 3, image_size, image_size),),
                visual_dir / "model.onnx", ["image"], "embedding", {"image": {0: "batch"}}, opset)

    vision_cfg: dict[str, Any] = {"image_size": image_size}
    if easynlp_cfg:
        vision_cfg.update(layers=easynlp_cfg.get("vision_layers"), width=easynlp_cfg.get("vision_width"),
                          patch_size=easynlp_cfg.get("vision_patch_size"))
    write_json(out / "config.json", {
        "embed_dim": embed_dim,
        "vision_cfg": vision_cfg,
        "text_cfg": {"context_length": context_length, "vocab_size": vocab_size},
        "lookbook": {"name": name, "logitScale": logit_scale, "source": str(src)},
    })
    write_json(visual_dir / "preprocess_cfg.json", {
        "size": [image_size, image_size],
        "mode": "RGB",
        "mean": OPENAI_MEAN,
        "std": OPENAI_STD,
        "interpolation": "bicubic",
        "resize_mode": "shortest",
        "fill_color": 0,
    })

    def torch_text(texts: list[str]) -> Any:
        ids = tokenizer(texts, padding="max_length", max_length=context_length, truncation=True,
                        return_tensors="pt")["input_ids"]
        with torch.no_grad():
            return TextTower()(ids.int()).numpy(), {"text": ids.int().numpy()}

    def torch_image(pixels: Any) -> Any:
        with torch.no_grad():
            return VisionTower()(torch.from_numpy(pixels)).numpy(), {"image": pixels}

    verify(textual / "model.onnx", visual_dir / "model.onnx", torch_text, torch_image, image_size)
    return {"layout": "immich", "embed_dim": embed_dim}


# --------------------------------------------------------------------------------------------------
# transformers checkpoints (Chinese-CLIP, CLIPModel) -> Hugging Face layout


def export_transformers(src: Path, out: Path, name: str, opset: int, kind: str) -> dict[str, Any]:
    import torch
    from transformers import AutoImageProcessor, AutoTokenizer

    if kind == "chinese-clip":
        from transformers import ChineseCLIPModel as ModelClass
    else:
        from transformers import CLIPModel as ModelClass

    model = ModelClass.from_pretrained(src.as_posix(), torch_dtype=torch.float32).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    tokenizer = AutoTokenizer.from_pretrained(src.as_posix(), use_fast=True)
    image_processor = AutoImageProcessor.from_pretrained(src.as_posix())
    config = model.config
    embed_dim = int(config.projection_dim)
    image_size = int(config.vision_config.image_size)

    class TextTower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            if kind == "chinese-clip":
                # Chinese-CLIP pools the [CLS] token of its BERT encoder (as ChineseCLIPModel.get_text_features).
                hidden = self.m.text_model(input_ids=input_ids, attention_mask=attention_mask,
                                           token_type_ids=torch.zeros_like(input_ids))[0]
                pooled = hidden[:, 0, :]
            else:
                # CLIP pools at the end-of-text token (text_model's pooler_output).
                pooled = self.m.text_model(input_ids=input_ids, attention_mask=attention_mask)[1]
            return l2(self.m.text_projection(pooled))

    class VisionTower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, pixel_values: Any) -> Any:
            pooled = self.m.vision_model(pixel_values=pixel_values)[1]
            return l2(self.m.visual_projection(pooled))

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    seq = min(int(getattr(tokenizer, "model_max_length", 77) or 77), 77)
    example = tokenizer(PROBE_TEXTS[:2], padding="max_length", max_length=seq, truncation=True, return_tensors="pt")
    onnx_export(TextTower().eval(), (example["input_ids"], example["attention_mask"]),
                out / "onnx" / "text_model.onnx", ["input_ids", "attention_mask"], "text_embeds",
                {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}}, opset)
    onnx_export(VisionTower().eval(), (torch.randn(2, 3, image_size, image_size),),
                out / "onnx" / "vision_model.onnx", ["pixel_values"], "image_embeds",
                {"pixel_values": {0: "batch"}}, opset)

    tokenizer.save_pretrained(out.as_posix())
    if not (out / "tokenizer.json").exists():
        fail(f"{src} has no fast tokenizer; tokenizer.json could not be written")
    image_processor.save_pretrained(out.as_posix())
    config.save_pretrained(out.as_posix())
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg["lookbook"] = {"name": name, "logitScale": float(model.logit_scale.exp()), "source": str(src)}
    write_json(out / "config.json", cfg)

    def torch_text(texts: list[str]) -> Any:
        enc = tokenizer(texts, padding=True, truncation=True, max_length=seq, return_tensors="pt")
        with torch.no_grad():
            emb = TextTower()(enc["input_ids"], enc["attention_mask"]).numpy()
        return emb, {"input_ids": enc["input_ids"].numpy(), "attention_mask": enc["attention_mask"].numpy()}

    def torch_image(pixels: Any) -> Any:
        with torch.no_grad():
            return VisionTower()(torch.from_numpy(pixels)).numpy(), {"pixel_values": pixels}

    verify(out / "onnx" / "text_model.onnx", out / "onnx" / "vision_model.onnx", torch_text, torch_image, image_size)
    return {"layout": "hf", "embed_dim": embed_dim}


# --------------------------------------------------------------------------------------------------


def verify(text_path: Path, vision_path: Path, torch_text: Any, torch_image: Any, image_size: int) -> None:
    """ONNX Runtime against PyTorch on the same inputs: the export is only trusted if they agree."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        log("onnxruntime not installed: skipping the ONNX-vs-PyTorch check (pip install onnxruntime)")
        return
    texts = PROBE_TEXTS
    want, feeds = torch_text(texts)
    sess = ort.InferenceSession(text_path.as_posix(), providers=["CPUExecutionProvider"])
    got = sess.run(None, feeds)[0]
    pixels = np.random.default_rng(0).standard_normal((2, 3, image_size, image_size)).astype(np.float32)
    want_img, img_feeds = torch_image(pixels)
    got_img = ort.InferenceSession(vision_path.as_posix(), providers=["CPUExecutionProvider"]).run(None, img_feeds)[0]
    worst = 1.0
    for a, b in list(zip(want, got)) + list(zip(want_img, got_img)):
        worst = min(worst, float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))))
    if worst < 0.9999:
        fail(f"ONNX and PyTorch disagree (worst cosine {worst:.6f}); the export is not usable")
    log(f"ONNX Runtime matches PyTorch (worst cosine {worst:.6f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", required=True, choices=["pai-openclip", "chinese-clip", "hf-clip"])
    parser.add_argument("--source", required=True, help="local folder/file or Hugging Face repo id")
    parser.add_argument("--out", required=True, help="output model folder (replaced if it exists)")
    parser.add_argument("--name", help="display name stored in config.json (default: the output folder name)")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--tokenizer", default="openai/clip-vit-base-patch32",
                        help="pai-openclip only: the BPE tokenizer to ship (OpenAI CLIP's)")
    args = parser.parse_args()

    out = Path(args.out).resolve()
    name = args.name or out.name
    src = resolve_source(args.source)
    if args.kind == "pai-openclip":
        result = export_pai_openclip(src, out, name, args.opset, args.tokenizer)
    else:
        result = export_transformers(src, out, name, args.opset, args.kind)
    log(f"done: {out} ({result['layout']} layout, {result['embed_dim']}-dim embeddings)")
    print(f"Import it with: lookbook models import {out}")


if __name__ == "__main__":
    main()
