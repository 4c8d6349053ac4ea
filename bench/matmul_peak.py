"""The machine's measured matrix-multiply peak, the yardstick for the benchmarks' training FLOP/s.

It times `torch.mm` (that is, libtorch's CPU kernels: oneDNN/MKL, AMX for bfloat16 where the CPU
has it) on two square matrices in float32 and in bfloat16, with the given intra-op thread count,
and prints one JSON object: per precision the best GFLOP/s over the timed repeats (2·n³ FLOPs per
product) and the median.

    python bench/matmul_peak.py [--threads N] [--size 2048] [--repeats 10]
"""
import argparse
import json
import statistics
import time

import torch

PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16}
WARM_UP = 3


def main() -> None:
    args = parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    result = {"torch": torch.__version__, "size": args.size, "repeats": args.repeats, "threads": threads}
    for name, dtype in PRECISIONS.items():
        result[name] = measure(args.size, dtype, args.repeats)
    print(json.dumps(result, indent=2))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--size", type=int, default=2048, help="rows = columns of both matrices")
    parser.add_argument("--repeats", type=int, default=10, help="timed products per precision")
    return parser.parse_args()


def measure(size: int, dtype: torch.dtype, repeats: int) -> dict:
    """Peak and median GFLOP/s of `repeats` timed products, after a few untimed ones."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(dtype)
    b = torch.randn(size, size, generator=generator).to(dtype)
    out = torch.empty(size, size, dtype=dtype)
    for _ in range(WARM_UP):
        torch.mm(a, b, out=out)
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b, out=out)
        rates.append(2 * size**3 / (time.perf_counter() - started) / 1e9)
    return {"peak_gflops": max(rates), "median_gflops": statistics.median(rates)}


if __name__ == "__main__":
    main()
