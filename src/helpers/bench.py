"""Command line of the benchmarks (make bench, make bench-scale): python -m helpers.bench entities|scale.

Also the hidden sub-commands the benchmarks run in fresh processes.

In: the command line (``--articles``, ``--model``, ``--aliases`` ...).
Out: what the chosen benchmark writes (``reports/benchmarks/*.json``) and its table on stdout.
Used by: the Makefile; ``helpers.bench_entities`` and ``helpers.bench_scale`` start
``python -m helpers.bench _memory|_scale|_scale_framing`` for measurements that need a fresh
interpreter. The dispatch lives here only: the benchmark modules import ``helpers.bench_corpus``
and never this module, so there is no import circle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import bench_entities, bench_scale
from . import paths as P
from .bench_corpus import DEFAULT_MODEL, DEFAULT_SEED, synthetic_articles
from .bench_entities import DEFAULT_ARTICLES, DEFAULT_BATCH_SIZE

__all__ = ["build_arg_parser", "main", "synthetic_articles"]


def build_arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    bench_scale.add_arguments(sub.add_parser("scale", help="the entity stage at scale, local vs dask backend"), child=False)
    bench_scale.add_arguments(sub.add_parser("_scale", help=argparse.SUPPRESS), child=True)
    bench_scale.add_arguments(sub.add_parser("_scale_framing", help=argparse.SUPPRESS), child=True)
    for name in ("entities", "_memory"):
        p = sub.add_parser(name, help="benchmark the entity stage" if name == "entities" else argparse.SUPPRESS)
        p.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help=f"N, articles in the synthetic corpus (default {DEFAULT_ARTICLES})")
        p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the sentence resampling")
        p.add_argument("--model", default=DEFAULT_MODEL, help=f"spaCy pipeline (default {DEFAULT_MODEL})")
        p.add_argument("--aliases", default=str(P.LEXICONS_DIR / "aliases.csv"), help="alias lexicon")
        p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"nlp.pipe batch size (default {DEFAULT_BATCH_SIZE})")
        p.add_argument("--out", default=str(P.PROJ_ROOT / "reports" / "benchmarks" / "entities.json"), help="JSON output")
        p.add_argument("--no-memory", action="store_true", help="skip the N / 10·N memory runs")
        p.add_argument("--repeat", type=int, default=2, help="runs of each timing, interleaved; the fastest is kept")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_arg_parser().parse_args(argv)
    if args.command == "scale":
        return bench_scale.main(args)
    if args.command in ("_scale", "_scale_framing"):
        return bench_scale.child_main(args)
    if args.command == "_memory":
        return bench_entities.memory_child(args)
    results = bench_entities.bench_entities(args.articles, args.seed, args.model, Path(args.aliases), args.batch_size,
                             Path(args.out), memory=not args.no_memory, repeat=args.repeat)
    print(bench_entities.format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
