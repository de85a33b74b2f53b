"""The server set-ups `rideau serve` can run, each measured by the same scenarios: the shop
rush at C = 16 and C = 64 (`rush.py`) and the public event page with and without the page
cache (`pages.py`). Prints one JSON line per set-up (its options and each scenario's
figures), then one line naming the best set-up per scenario. Run it on a quiet machine:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \\
        .venv/bin/python bench/serve_matrix.py [--seconds 120] [--page-seconds 20] \\
            [--only sync4,gthread2x4] [--scenarios rush16,pages_cached]

Each scenario starts `rideau serve` with the set-up's options (`bench/_common.server`),
so what is measured is what production runs. The ASGI set-ups need uvicorn (in the dev
extra; `pip install uvicorn`); without it they are reported as skipped.
"""

import argparse
import importlib.util
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# label -> options of rush.py / pages.py (2 cores: the candidates around 2 processes per core)
SETUPS = {
    "sync4": "--workers 4",
    "sync6": "--workers 6",
    "sync4_no_persistent": "--workers 4 --conn-max-age 0",
    "gthread2x4": "--worker-class gthread --workers 2 --threads 4",
    "gthread4x2": "--worker-class gthread --workers 4 --threads 2",
    "gthread4x4": "--worker-class gthread --workers 4 --threads 4",
    "uvicorn2": "--server uvicorn --workers 2",
    "uvicorn4": "--server uvicorn --workers 4",
}
KEYS = ("orders_per_s", "requests_per_s", "p50_ms", "p99_ms", "errors", "oversold", "counter_drift")


def scenarios(seconds: float, page_seconds: float, quota: int) -> dict[str, tuple[list, dict]]:
    """name -> (script and options, extra environment)."""
    rush = ["rush.py", "--quota", str(quota), "--seconds", str(seconds)]
    pages = ["pages.py", "--seconds", str(page_seconds)]
    return {
        "rush16": ([*rush, "--concurrency", "16"], {}),
        "rush64": ([*rush, "--concurrency", "64"], {}),
        "pages_cached": (pages, {}),
        "pages_uncached": (pages, {"RIDEAU_PUBLIC_PAGE_SECONDS": "0"}),
    }


def run(script: list, options: list, env: dict) -> dict:
    command = [sys.executable, str(HERE / script[0]), *script[1:], *options]
    out = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"failed": (out.stderr or out.stdout)[-300:]}
    result = json.loads(lines[-1])
    return {key: result[key] for key in KEYS if key in result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120, help="time limit of a rush")
    parser.add_argument("--page-seconds", type=float, default=20, help="length of a pages run")
    parser.add_argument("--quota", type=int, default=3000)
    parser.add_argument("--only", default="", help="comma-separated set-up labels")
    parser.add_argument("--scenarios", default="", help="comma-separated scenario names")
    args = parser.parse_args()
    chosen = [s for s in args.only.split(",") if s] or list(SETUPS)
    unknown = set(chosen) - set(SETUPS)
    if unknown:
        sys.exit(f"unknown set-ups: {sorted(unknown)}; known: {sorted(SETUPS)}")
    runs = scenarios(args.seconds, args.page_seconds, args.quota)
    names = [s for s in args.scenarios.split(",") if s] or list(runs)
    uvicorn = importlib.util.find_spec("uvicorn") is not None
    best: dict[str, tuple[float, str]] = {}
    for label in chosen:
        options = shlex.split(SETUPS[label])
        line: dict = {"setup": label, "options": SETUPS[label]}
        if "uvicorn" in options and not uvicorn:
            print(json.dumps({**line, "skipped": "uvicorn is not installed"}), flush=True)
            continue
        for name in names:
            script, env = runs[name]
            result = run(script, options, env)
            line[name] = result
            rate = result.get("orders_per_s") or result.get("requests_per_s")
            if rate and not result.get("oversold") and rate > best.get(name, (0.0, ""))[0]:
                best[name] = (rate, label)
        print(json.dumps(line), flush=True)
    print(json.dumps({"best": {name: label for name, (_rate, label) in best.items()}}))


if __name__ == "__main__":
    main()
