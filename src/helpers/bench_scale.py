"""Scale benchmark of the entity stage: a large synthetic corpus on the local and the dask backend.

In: the raw seed pages (their sentences are resampled into N articles with a fixed seed), a spaCy
pipeline name, the alias lexicon, and the backends to compare.
Out: ``reports/benchmarks/entities_scale.json`` (sorted keys) and a table on stdout.
Used by: ``make bench-scale`` / ``python -m helpers.bench scale --articles 50000 --backend both
--framing`` (the command line is ``helpers.bench``, which calls ``main`` and ``child_main`` here).
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
With ``--framing``, 03-framing then runs on the same corpus (spread over 20 synthetic writers)
in a fresh process of its own: its time and peak memory show whether the downstream stages
hold up at that size.
"""

from __future__ import annotations

import argparse
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
from .bench_corpus import DEFAULT_MODEL, DEFAULT_SEED, cpu_seconds, peak_rss_kib, synthetic_articles
from .cluster import BACKENDS
from .io import sha256_file, write_text

DEFAULT_SCALE_ARTICLES = 50_000
# Wire-story length (mean 6 sentences, ~140 words): 50,000 of them are ~7 M words, a run of
# minutes per backend on 2 cores. Throughput is per word (see the 10·N run of the entity
# benchmark), so longer articles scale the times linearly.
SCALE_SENTENCES_PER_ARTICLE = (3, 9)
DEFAULT_WORKERS = 2
DEFAULT_BATCH_SIZE = 64
SYNTHETIC_WRITERS = 20  # the framing run spreads the articles over this many writers


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
    start_cpu = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if backend == "local":
        summary = run_entities(articles, paths, model, aliases, batch_size, n_workers, backend="local")
        multiprocessing.active_children()  # reap spaCy's workers so their CPU time is counted
    else:
        from .cluster import dask_client

        with dask_client("", n_workers) as client:  # the LocalCluster a run without a scheduler gets
            summary = run_entities(articles, paths, model, aliases, batch_size, backend="dask",
                                   scheduler=client.scheduler.address)
            worker_usage = list(client.run(_own_usage).values())
    seconds = time.perf_counter() - start
    cpu = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - start_cpu
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
        "sha256": {p.name: sha256_file(p) for p in summary.outputs},
    }


def _run_framing(n_articles: int, seed: int, model: str, aliases: Path, batch_size: int, n_workers: int,
                 out_dir: Path, step: str, frame_model: str = "default") -> dict:
    """The framing stage on the synthetic corpus, in two fresh processes: ``prepare`` writes
    articles.parquet (articles spread over ``SYNTHETIC_WRITERS`` writers) and runs the entity
    stage (not measured; a Doc cache already in ``out_dir`` is used); ``measure`` runs
    ``run_framing`` with the study's defaults in ``n_workers`` processes and reports its time,
    CPU and peak memory (this process and its largest worker). ``frame_model``: 'default' (the
    project's detector v2), 'none' (the rules alone) or a model file."""
    from . import schema
    from .framing import run_framing
    from .io import write_parquet

    paths = P.run_paths(P.DEFAULT_RAW_DIR, out_dir)
    if step == "prepare":
        from .entities import run_entities

        articles = synthetic_articles(n_articles, seed, sentences_per_article=SCALE_SENTENCES_PER_ARTICLE)
        articles["author"] = [f"Writer {i % SYNTHETIC_WRITERS:02d}" for i in range(len(articles))]
        articles["author_stated"] = articles["author"]
        articles["author_source"] = "byline"
        paths.processed_dir.mkdir(parents=True, exist_ok=True)
        write_parquet(articles, paths.articles, schema.ARTICLES)
        summary = run_entities(articles, paths, model, aliases, batch_size, n_workers)
        multiprocessing.active_children()
        return {"n_parsed": summary.n_parsed, "n_cache_hits": summary.n_cache_hits}
    from .framing import DEFAULT_MODEL_FILE

    model_file = {"default": DEFAULT_MODEL_FILE, "none": None}.get(frame_model, frame_model)
    start = time.perf_counter()
    cpu = cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)
    result = run_framing(paths, spacy_model=model, aliases_file=aliases, frame_model_file=model_file, n_workers=n_workers)
    seconds = time.perf_counter() - start
    return {
        "n_articles": n_articles,
        "n_writers": len(result.authors),
        "n_sentences": len(result.sentences),
        "n_workers": n_workers,
        "detector": result.detector,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu, 1),
        "peak_rss_mib": round(peak_rss_kib() / 1024, 1),
        "peak_rss_mib_largest_worker": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "articles_parquet_mib": round(paths.articles.stat().st_size / 2**20, 1),
    }


def _child(command: str, args: argparse.Namespace, work_dir: str, **extra: str) -> dict:
    cmd = [sys.executable, "-m", "helpers.bench", command, "--articles", str(args.articles),
           "--seed", str(args.seed), "--model", args.model, "--aliases", str(args.aliases),
           "--batch-size", str(args.batch_size), "--workers", str(args.workers), "--work-dir", work_dir,
           "--frame-model", args.frame_model]
    for k, v in extra.items():
        cmd += [f"--{k}", v]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark step failed ({' '.join(cmd)}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_in_fresh_process(backend: str, args: argparse.Namespace) -> dict:
    """``_run_backend`` in a new interpreter, so that peak memory and CPU belong to that run only."""
    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{backend}-") as tmp:
        return _child("_scale", args, tmp, backend=backend)


def framing_in_fresh_processes(args: argparse.Namespace) -> dict:
    """``_run_framing``: prepare, then measure, each in a new interpreter; in ``--framing-dir``
    when given (kept, and its Doc cache reused by the next run), else in a temporary directory."""
    if args.framing_dir:
        Path(args.framing_dir).mkdir(parents=True, exist_ok=True)
        prepared = _child("_scale_framing", args, args.framing_dir, step="prepare")
        return {**_child("_scale_framing", args, args.framing_dir, step="measure"), "entities_before": prepared}
    with tempfile.TemporaryDirectory(prefix="bench-scale-framing-") as tmp:
        prepared = _child("_scale_framing", args, tmp, step="prepare")
        return {**_child("_scale_framing", args, tmp, step="measure"), "entities_before": prepared}


def bench_scale(args: argparse.Namespace) -> dict:
    backends = {"both": BACKENDS, "none": ()}.get(args.backend, (args.backend,))
    results: dict = {
        "n_articles": args.articles, "seed": args.seed, "model": args.model, "batch_size": args.batch_size,
        "n_workers": args.workers, "sentences_per_article": list(SCALE_SENTENCES_PER_ARTICLE),
        "cpu_count": os.cpu_count(), "load_average_start": [round(x, 2) for x in os.getloadavg()], "runs": {},
    }
    for backend in backends:
        results["runs"][backend] = run_in_fresh_process(backend, args)
    if args.framing:
        results["framing"] = framing_in_fresh_processes(args)
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
    lines = [f"at scale: {r['n_articles']:,} synthetic articles, {r['n_workers']} workers, model {r['model']}",
             f"{'measure':<40}" + "".join(f"{n:>14}" for n in names)]
    rows = [("wall time (s)", "seconds", "{:,.0f}"), ("words/s", "words_per_s", "{:,.0f}"),
            ("CPU s, all processes", "cpu_seconds_driver_and_children", "{:,.0f}"),
            ("  of which dask workers", "cpu_seconds_workers", "{:,.0f}"),
            ("peak RSS, driver (MiB)", "peak_rss_mib_driver", "{:,.0f}"),
            ("peak RSS, largest worker (MiB)", "peak_rss_mib_largest_worker", "{:,.0f}"),
            ("sentences", "n_sentences", "{:,}"), ("entities", "n_entities", "{:,}")]
    for label, key, fmt in rows if names else ():
        lines.append(f"{label:<40}" + "".join(f"{fmt.format(runs[n][key]):>14}" for n in names))
    if "framing" in r:
        f = r["framing"]
        lines.append(f"03-framing on the same corpus ({f['n_writers']} synthetic writers, {f['n_sentences']:,} sentences): "
                     f"{f['seconds']:,.0f} s, peak RSS {f['peak_rss_mib']:,.0f} MiB")
    if "same_tables" in r:
        lines.append(f"{'same table bytes (local vs dask)':<40}{str(r['same_tables']):>14}")
        lines.append(f"{'dask / local throughput':<40}{r['dask_vs_local_throughput']:>14.3f}")
    return "\n".join(lines)


def add_arguments(p: argparse.ArgumentParser, child: bool) -> None:
    p.add_argument("--articles", type=int, default=DEFAULT_SCALE_ARTICLES,
                   help=f"articles in the synthetic corpus (default {DEFAULT_SCALE_ARTICLES:,})")
    p.add_argument("--backend", choices=BACKENDS if child else (*BACKENDS, "both", "none"), default="both",
                   help="backend(s) to run (default both, local first; none: only --framing)")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                   help=f"n_process of the local backend / worker processes of the dask LocalCluster (default {DEFAULT_WORKERS})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the sentence resampling")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"spaCy pipeline (default {DEFAULT_MODEL})")
    p.add_argument("--aliases", default=str(P.LEXICONS_DIR / "aliases.csv"), help="alias lexicon")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"nlp.pipe batch size (default {DEFAULT_BATCH_SIZE})")
    p.add_argument("--frame-model", default="default",
                   help="framing: 'default' (detector v2), 'none' (the rules alone) or a model file")
    if child:
        p.add_argument("--work-dir", required=True)
        p.add_argument("--step", choices=("prepare", "measure"), default="measure")
    else:
        p.add_argument("--out", default=str(P.PROJ_ROOT / "reports" / "benchmarks" / "entities_scale.json"), help="JSON output")
        p.add_argument("--framing", action="store_true",
                       help="also time 03-framing on the corpus (time and peak memory of run_framing, in a fresh process)")
        p.add_argument("--framing-dir", default="", help="keep the framing run's files (and Doc cache) here instead of a temporary directory")


def child_main(args: argparse.Namespace) -> int:
    if args.command == "_scale_framing":
        print(json.dumps(_run_framing(args.articles, args.seed, args.model, Path(args.aliases), args.batch_size,
                                      args.workers, Path(args.work_dir), args.step, args.frame_model), sort_keys=True))
        return 0
    result = _run_backend(args.backend, args.articles, args.seed, args.model, Path(args.aliases), args.batch_size,
                          args.workers, Path(args.work_dir))
    print(json.dumps(result, sort_keys=True))
    return 0


def main(args: argparse.Namespace) -> int:
    print(format_table(bench_scale(args)))
    return 0
