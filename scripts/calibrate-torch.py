#!/usr/bin/env python3
"""Calibration line of scripts/gpu-run.sh: PyTorch eager fp32 throughput of timm's ViT-S/16 at 224 on this GPU.

The paper's figures are PyTorch on an A100; Favor's GPU figures come from onnxruntime-node's WebGPU provider. This
measures the same model (timm `vit_small_patch16_224`, random weights: speed does not depend on them) the paper's
way on the same GPU, so the ratio Favor/PyTorch says how far the WebGPU path is from native CUDA:

- fp32 throughout: TF32 off for matmuls and convolutions (`allow_tf32 = False`), no autocast, eager (no compile);
- throughput = the best images/s over batch sizes 1, 2, 4, ... until out of memory, --max-batch, or the budget,
  each timed after warm-up with the GPU synchronised; the best batch is timed again for the reported figure.

Prints one JSON object. Without torch or a GPU it prints {"error": ...} and exits 0 (the run goes on);
--dry-run times the CPU with a tiny budget (tests).
"""
import argparse
import json
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="vit_small_patch16_224")
    p.add_argument("--resolution", type=int, default=224)
    p.add_argument("--budget-s", type=float, default=70.0)
    p.add_argument("--max-batch", type=int, default=2048)
    p.add_argument("--min-seconds", type=float, default=0.5, help="least timed time per batch size")
    p.add_argument("--dry-run", action="store_true", help="CPU, batch sizes up to 2, a few runs")
    args = p.parse_args()
    started = time.time()
    out = {
        "model": args.model,
        "resolution": args.resolution,
        "precision": "fp32",
        "mode": "eager",
        "tf32": False,
        "protocol": "best images/s over power-of-two batches until out of memory, max batch or budget; GPU synchronised",
    }
    try:
        import torch
        import timm
    except ImportError as error:
        out["error"] = f"cannot import torch and timm: {error}"
        print(json.dumps(out))
        return 0
    out["torch"] = torch.__version__
    out["timm"] = timm.__version__
    cuda = torch.cuda.is_available() and not args.dry_run
    if not cuda and not args.dry_run:
        out["error"] = "torch sees no CUDA device"
        print(json.dumps(out))
        return 0
    device = torch.device("cuda" if cuda else "cpu")
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        out["gpu"] = torch.cuda.get_device_name(0)
        out["cuda"] = torch.version.cuda
    max_batch = 2 if args.dry_run else args.max_batch
    min_seconds = 0.05 if args.dry_run else args.min_seconds
    model = timm.create_model(args.model, pretrained=False, num_classes=1000).to(device).eval()

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    def timed(batch: int, seconds: float) -> float:
        x = torch.randn(batch, 3, args.resolution, args.resolution, device=device)
        for _ in range(3):
            model(x)
        sync()
        runs = 0
        t0 = time.perf_counter()
        while runs < 5 or time.perf_counter() - t0 < seconds:
            model(x)
            runs += 1
        sync()
        return batch * runs / (time.perf_counter() - t0)

    trials = []
    best = None
    stopped = "max-batch"
    with torch.inference_mode():
        batch = 1
        while batch <= max_batch:
            if time.time() - started > args.budget_s * 0.7:
                stopped = "budget"
                break
            try:
                ips = timed(batch, min_seconds)
            except torch.cuda.OutOfMemoryError:
                stopped = "out-of-memory"
                break
            except RuntimeError as error:
                if "out of memory" in str(error).lower():
                    stopped = "out-of-memory"
                    break
                raise
            finally:
                if cuda:
                    torch.cuda.empty_cache()
            trials.append({"batchSize": batch, "imagesPerSecond": round(ips, 2)})
            if best is None or ips > best[1]:
                best = (batch, ips)
            batch *= 2
        if best is None:
            out["error"] = f"batch 1 did not run ({stopped})"
            print(json.dumps(out))
            return 0
        final = timed(best[0], min(2.0, max(min_seconds, args.budget_s - (time.time() - started) - 5)))
    out.update(
        {
            "batchSize": best[0],
            "imagesPerSecond": round(max(final, 0.0), 2),
            "trials": trials,
            "stoppedBy": stopped,
            "seconds": round(time.time() - started, 1),
        }
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
