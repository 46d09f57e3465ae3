"""Scale benchmark of the entity stage: a large synthetic corpus on the local and the dask backend.

In: the raw seed pages (their sentences are resampled into N articles with a fixed seed), a spaCy
pipeline name, the alias lexicon, and the backends to compare.
Out: ``reports/benchmarks/entities_scale.json`` (sorted keys) and a table on stdout.
Used by: ``make bench-scale`` / ``python -m helpers.bench scale --articles 50000 --backend both``.
Not a test, and far too long for ``make test`` (tens of minutes on 2 cores): run it by hand on
a quiet machine and commit the JSON; the README quotes it.

Each backend runs in its own fresh interpreter, cold (empty Doc cache, empty output directory):

  - ``local``: ``run_entities(backend="local", n_process=W)``, spaCy's own worker processes;
  - ``dask``: a ``LocalCluster`` of W single-threaded worker processes started by the child,
    then ``run_entities(backend="dask", scheduler=<its address>)``, exactly as a user passes
    the address of a cluster of their own.

For each: wall time, words/s, CPU seconds (the process and its reaped descendants, which
include the dask workers; for dask also the workers' own share, from their ``getrusage``), peak resident memory (``VmHWM`` of the driver; the largest of the
spaCy children's or of the dask workers'), the number of rows, and the sha256 of the three
output tables, so the comparison also checks that both backends wrote the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import paths as P
from .bench import DEFAULT_MODEL, DEFAULT_SEED, peak_rss_kib, synthetic_articles
from .io import write_text

DEFAULT_SCALE_ARTICLES = 50_000
# Wire-story length (mean 6 sentences, ~140 words): 50,000 of them are ~7 M words, a run of
# minutes per backend on 2 cores. Throughput is per word (see the 10·N run of the entity
# benchmark), so longer articles scale the times linearly.
SCALE_SENTENCES_PER_ARTICLE = (3, 9)
DEFAULT_WORKERS = 2
DEFAULT_BATCH_SIZE = 64
BACKENDS = ("local", "dask")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _own_usage() -> dict:
    """CPU seconds and peak RSS (MiB) of the calling process; run on each dask worker."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_seconds": ru.ru_utime + ru.ru_stime, "peak_rss_mib": peak_rss_kib() / 1024}


def _run_backend(backend: str, n_articles: int, seed: int, model: str, aliases: Path, batch_size: int,
                 n_workers: int, out_dir: Path) -> dict:
    """One cold run of the stage on one backend, in this (fresh) process."""
    from .entities import run_entities

    articles = synthetic_articles(n_articles, seed, sentences_per_article=SCALE_SENTENCES_PER_ARTICLE)
    n_words = int(articles["n_words"].sum())
    paths = P.run_paths(P.DEFAULT_RAW_DIR, out_dir)
    worker_usage: list[dict] = []
    start_cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if backend == "local":
        summary = run_entities(articles, paths, model, aliases, batch_size, n_workers, backend="local")
        multiprocessing.active_children()  # reap spaCy's workers so their CPU time is counted
    else:
        from distributed import Client, LocalCluster

        from .backends import restored_environ

        with restored_environ(), LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                              dashboard_address=None) as cluster, Client(cluster) as client:
            summary = run_entities(articles, paths, model, aliases, batch_size, backend="dask",
                                   scheduler=cluster.scheduler_address)
            worker_usage = list(client.run(_own_usage).values())
    seconds = time.perf_counter() - start
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - start_cpu
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "backend": backend,
        "n_articles": n_articles,
        "n_words": n_words,
        "n_workers": n_workers,
        "seconds": round(seconds, 1),
        "words_per_s": round(n_words / seconds, 1),
        "cpu_seconds_driver_and_children": round(cpu, 1),
        "cpu_seconds_workers": round(sum(w["cpu_seconds"] for w in worker_usage), 1),
        "peak_rss_mib_driver": round(peak_rss_kib() / 1024, 1),
        "peak_rss_mib_largest_worker": round(
            max((w["peak_rss_mib"] for w in worker_usage), default=children_rss), 1),
        "n_sentences": summary.n_sentences,
        "n_entities": summary.n_entities,
        "n_parsed": summary.n_parsed,
        "sha256": {p.name: _sha256(p) for p in summary.outputs},
    }


def _cpu(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def run_in_fresh_process(backend: str, args: argparse.Namespace) -> dict:
    """``_run_backend`` in a new interpreter, so that peak memory and CPU belong to that run only."""
    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{backend}-") as tmp:
        cmd = [sys.executable, "-m", "helpers.bench", "_scale", "--backend", backend, "--articles", str(args.articles),
               "--seed", str(args.seed), "--model", args.model, "--aliases", str(args.aliases),
               "--batch-size", str(args.batch_size), "--workers", str(args.workers), "--work-dir", tmp]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"scale run on backend {backend} failed ({' '.join(cmd)}):\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def bench_scale(args: argparse.Namespace) -> dict:
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    results: dict = {
        "n_articles": args.articles, "seed": args.seed, "model": args.model, "batch_size": args.batch_size,
        "n_workers": args.workers, "sentences_per_article": list(SCALE_SENTENCES_PER_ARTICLE),
        "cpu_count": os.cpu_count(), "load_average_start": [round(x, 2) for x in os.getloadavg()], "runs": {},
    }
    for backend in backends:
        results["runs"][backend] = run_in_fresh_process(backend, args)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if len(backends) == 2:
        local, dask = results["runs"]["local"], results["runs"]["dask"]
        results["same_tables"] = local["sha256"] == dask["sha256"]
        results["dask_vs_local_throughput"] = round(dask["words_per_s"] / local["words_per_s"], 3)
    write_text(Path(args.out), json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results


def format_table(r: dict) -> str:
    runs = r["runs"]
    names = list(runs)
    first = runs[names[0]]
    lines = [f"entity stage at scale: {r['n_articles']:,} articles, {first['n_words']:,} words, "
             f"{r['n_workers']} workers, model {r['model']}",
             f"{'measure':<40}" + "".join(f"{n:>14}" for n in names)]
    rows = [("wall time (s)", "seconds", "{:,.0f}"), ("words/s", "words_per_s", "{:,.0f}"),
            ("CPU s, all processes", "cpu_seconds_driver_and_children", "{:,.0f}"),
            ("  of which dask workers", "cpu_seconds_workers", "{:,.0f}"),
            ("peak RSS, driver (MiB)", "peak_rss_mib_driver", "{:,.0f}"),
            ("peak RSS, largest worker (MiB)", "peak_rss_mib_largest_worker", "{:,.0f}"),
            ("sentences", "n_sentences", "{:,}"), ("entities", "n_entities", "{:,}")]
    for label, key, fmt in rows:
        lines.append(f"{label:<40}" + "".join(f"{fmt.format(runs[n][key]):>14}" for n in names))
    if "same_tables" in r:
        lines.append(f"{'same table bytes (local vs dask)':<40}{str(r['same_tables']):>14}")
        lines.append(f"{'dask / local throughput':<40}{r['dask_vs_local_throughput']:>14.3f}")
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser, child: bool) -> None:
    p.add_argument("--articles", type=int, default=DEFAULT_SCALE_ARTICLES,
                   help=f"articles in the synthetic corpus (default {DEFAULT_SCALE_ARTICLES:,})")
    p.add_argument("--backend", choices=BACKENDS if child else (*BACKENDS, "both"), default="both",
                   help="backend(s) to run (default both, local first)")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                   help=f"n_process of the local backend / worker processes of the dask LocalCluster (default {DEFAULT_WORKERS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the sentence resampling")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"spaCy pipeline (default {DEFAULT_MODEL})")
    p.add_argument("--aliases", default=str(P.LEXICONS_DIR / "aliases.csv"), help="alias lexicon")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"nlp.pipe batch size (default {DEFAULT_BATCH_SIZE})")
    if child:
        p.add_argument("--work-dir", required=True)
    else:
        p.add_argument("--out", default=str(P.PROJ_ROOT / "reports" / "benchmarks" / "entities_scale.json"), help="JSON output")


def child_main(args: argparse.Namespace) -> int:
    result = _run_backend(args.backend, args.articles, args.seed, args.model, Path(args.aliases), args.batch_size,
                          args.workers, Path(args.work_dir))
    print(json.dumps(result, sort_keys=True))
    return 0


def main(args: argparse.Namespace) -> int:
    print(format_table(bench_scale(args)))
    return 0
