"""A/B runs back to back: the same scenario under two or more server set-ups, in
alternation (A B A B …), so a machine whose load drifts affects each set-up alike. Prints
each run's JSON line with its label, then one summary line per set-up (medians) and the
ratios to the first set-up.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rideau_bench \
        .venv/bin/python bench/ab.py --rounds 3 \
            --setup "sync4=--workers 4" \
            --setup "gthread=--worker-class gthread --workers 2 --threads 4" \
            -- rush.py --concurrency 16 --quota 1000 --seconds 60

A set-up is `label=options of the scenario`, optionally with `ENV=value` words first (e.g.
`"orm=RIDEAU_LEAN_TAKE=0 --workers 4"`: the server inherits the environment).
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ("orders_per_s", "requests_per_s", "p50_ms", "p95_ms", "p99_ms")


def parse_setup(text: str) -> tuple[str, dict, list[str]]:
    label, _sep, rest = text.partition("=")
    env, argv = {}, []
    for word in shlex.split(rest):
        name, eq, value = word.partition("=")
        if eq and not argv and not word.startswith("-") and name.isupper():
            env[name] = value
        else:
            argv.append(word)
    return label, env, argv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setup", action="append", required=True, help="label=[ENV=v …] options")
    parser.add_argument("scenario", nargs=argparse.REMAINDER, help="-- script.py [options]")
    args = parser.parse_args()
    scenario = [a for a in args.scenario if a != "--"]
    if not scenario:
        sys.exit("name the scenario after --, e.g. -- rush.py --concurrency 16")
    setups = [parse_setup(s) for s in args.setup]
    results: dict[str, list[dict]] = {label: [] for label, _e, _a in setups}
    for round_ in range(args.rounds):
        for label, env, argv in setups:
            command = [sys.executable, str(HERE / scenario[0]), *scenario[1:], *argv]
            out = subprocess.run(
                command, env={**os.environ, **env}, capture_output=True, text=True, check=False
            )
            lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
            if out.returncode or not lines:
                print(json.dumps({"label": label, "round": round_, "failed": out.stderr[-500:]}))
                continue
            result = json.loads(lines[-1])
            results[label].append(result)
            print(json.dumps({"label": label, "round": round_, **result}), flush=True)
    first = None
    for label, runs in results.items():
        medians = {
            key: statistics.median(r[key] for r in runs if r.get(key) is not None)
            for key in KEYS
            if any(r.get(key) is not None for r in runs)
        }
        first = first or medians
        ratios = {f"{k}_ratio": round(v / first[k], 3) for k, v in medians.items() if first.get(k)}
        print(json.dumps({"summary": label, "runs": len(runs), **medians, **ratios}), flush=True)


if __name__ == "__main__":
    main()
