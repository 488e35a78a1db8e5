#!/usr/bin/env python3
"""Compare two builds of `blip` caption by caption (e.g. two ONNX Runtime versions, which cannot share a process).

    scripts/bench-builds.py DIR_A DIR_B MODEL [--pairs 20] [--images FILE...]

DIR_A and DIR_B each hold a copy of src/BlipCaptioning.Cli/bin/Release/net10.0 built with one setting. Both builds are
started at once with `blip bench --probe captions` (model loaded, one untimed caption), then captions alternate
A, B, B, A, A, B, ... on the same images, as `blip bench --compare` alternates two sessions inside one process, so both
see the same machine load. Prints each side's medians, the median of the per-pair ratios B/A with its p10 and p90, and
whether both produced the same number of tokens (docs/performance.md, "ONNX Runtime 1.32.0").
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def start(folder, model, images):
    dll = os.path.join(folder, "blip.dll")
    if not os.path.isfile(dll):
        sys.exit(f"bench-builds: no blip.dll in {folder} (copy src/BlipCaptioning.Cli/bin/Release/net10.0 there)")
    args = ["dotnet", dll, "bench", "--probe", "captions", "--model", model, "--threads", str(os.cpu_count() or 1),
            "--images", *images]
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    ready = process.stdout.readline()
    if not ready:
        sys.exit(f"bench-builds: {folder} did not start (exit code {process.wait()}); run it alone to see why:\n  {' '.join(args)}")
    return process, json.loads(ready)


def caption(process):
    process.stdin.write("next\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("model")
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--images", nargs="+", required=True, help="image files, captioned in turn by both builds")
    options = parser.parse_args()

    a, ready_a = start(options.a, options.model, options.images)
    b, ready_b = start(options.b, options.model, options.images)
    print(f"A: {options.a}: ONNX Runtime {ready_a['onnxruntime']}, {ready_a['precision']}, load {ready_a['load_ms']:.0f} ms")
    print(f"B: {options.b}: ONNX Runtime {ready_b['onnxruntime']}, {ready_b['precision']}, load {ready_b['load_ms']:.0f} ms")
    pairs = []
    for i in range(options.pairs):
        if i % 2 == 0:
            ra, rb = caption(a), caption(b)
        else:
            rb, ra = caption(b), caption(a)
        pairs.append((ra, rb))
    for process in (a, b):
        process.stdin.close()
        process.wait()

    ratios = [rb["caption_ms"] / ra["caption_ms"] for ra, rb in pairs]
    print(f"{len(pairs)} pairs, order swapped every pair")
    for key in ("caption_ms", "vision_ms", "cross_kv_ms", "generate_ms"):
        ma = statistics.median(ra[key] for ra, _ in pairs)
        mb = statistics.median(rb[key] for _, rb in pairs)
        print(f"  {key:<12} A {ma:8.1f}  B {mb:8.1f}  B/A {mb / ma:.3f}")
    step_a = statistics.median(ra["generate_ms"] / ra["steps"] for ra, _ in pairs)
    step_b = statistics.median(rb["generate_ms"] / rb["steps"] for _, rb in pairs)
    print(f"  {'step_ms':<12} A {step_a:8.2f}  B {step_b:8.2f}  B/A {step_b / step_a:.3f}")
    print(f"  caption ratio B/A per pair: median {statistics.median(ratios):.3f}, p10 {percentile(ratios, 10):.3f}, p90 {percentile(ratios, 90):.3f}")
    print(f"  peak RSS A {pairs[-1][0]['peak_rss_mb']:.0f} MiB, B {pairs[-1][1]['peak_rss_mb']:.0f} MiB")
    same = sum(ra["tokens"] == rb["tokens"] for ra, rb in pairs)
    print(f"  same token count in {same} of {len(pairs)} pairs")


if __name__ == "__main__":
    main()
