"""Benchmark of the entity stage (``make bench``): speed, parallel speed-up, memory, cache.

In: the raw seed pages (read directly as text: only their sentences are needed), a spaCy
pipeline name and the alias lexicon.
Out: ``reports/benchmarks/entities.json`` (sorted keys) and a table on stdout.
Used by: ``make bench`` / ``python -m helpers.bench entities --articles N`` (the command line is
``helpers.bench``); the figures go into the README. Not a test: timings depend on the machine.

What it measures, side by side on one synthetic corpus of N articles (sentences of the raw
pages resampled with a fixed seed):
  - words/s of a bare ``nlp.pipe`` loop with the model alone (the baseline) and with the
    model + lexicon pipeline, and of the stage end to end (``run_entities``, cold cache,
    including loading the pipeline), and the ratio stage / baseline;
  - the speed-up of ``n_process=2`` over ``n_process=1`` (both cold);
  - the warm re-run (every Doc from the cache) as a share of the cold run;
  - peak resident memory of the stage at N and at 10·N articles, each in a fresh
    subprocess (its ``VmHWM``), and their ratio;
  - CPU seconds of every run next to its wall time: on a shared machine wall-clock ratios
    move with other processes' load, CPU-time ratios much less.
  - where the stage's time goes beyond parsing: DocBin serialisation, reading DocBins back,
    and building + writing rows, timed on a sample of parsed Docs and scaled to the corpus.
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

import pandas as pd

from . import paths as P
from .bench_corpus import cpu_seconds, peak_rss_kib, synthetic_articles
from .io import write_text

DEFAULT_ARTICLES = 120
DEFAULT_BATCH_SIZE = 16  # small enough that N articles make many batches for n_process=2 to share
OVERHEAD_SAMPLE = 40  # articles re-parsed to time the non-parsing jobs (extrapolated to N)
TARGETS = {
    "stage_vs_baseline": 0.9,
    "speedup_n_process_2": 1.6,
    "memory_ratio_10n_vs_n": 1.3,
    "warm_vs_cold": 0.10,
}


def _cpu_seconds() -> float:
    """CPU time of this process and its reaped children (spaCy's workers are joined when done)."""
    return cpu_seconds(resource.RUSAGE_SELF) + cpu_seconds(resource.RUSAGE_CHILDREN)


CPU_LOG: dict[str, float] = {}


def _timed(fn, label: str | None = None) -> tuple[float, object]:
    cpu = _cpu_seconds()
    start = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - start
    if label:
        CPU_LOG[label] = round(_cpu_seconds() - cpu, 2)
    return wall, result


def _stage(articles: pd.DataFrame, out_dir: Path, model: str, aliases: Path, batch_size: int, n_process: int,
           label: str | None = None):
    from .entities import run_entities

    paths = P.run_paths(P.DEFAULT_RAW_DIR, out_dir)

    def run():
        summary = run_entities(articles, paths, model, aliases, batch_size, n_process)
        multiprocessing.active_children()  # reap spaCy's workers so their CPU time is counted
        return summary

    return _timed(run, label)


def measure_memory(n_articles: int, seed: int, model: str, aliases: Path, batch_size: int) -> dict:
    """Run the stage (cold) in a fresh interpreter; its peak RSS in MiB and wall time."""
    cmd = [sys.executable, "-m", "helpers.bench", "_memory", "--articles", str(n_articles), "--seed", str(seed),
           "--model", model, "--aliases", str(aliases), "--batch-size", str(batch_size)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory run failed ({' '.join(cmd)}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_child(args: argparse.Namespace) -> int:
    """``python -m helpers.bench _memory``: one cold run of the stage, in this fresh process."""
    articles = synthetic_articles(args.articles, args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        seconds, summary = _stage(articles, Path(tmp), args.model, Path(args.aliases), args.batch_size, 1)
    print(json.dumps({"peak_rss_mib": round(peak_rss_kib() / 1024, 1), "seconds": round(seconds, 2),
                      "n_words": int(articles["n_words"].sum())}))
    return 0


def overhead_breakdown(articles: pd.DataFrame, nlp, batch_size: int) -> dict:
    """Seconds spent, on already-parsed Docs, in the stage's two non-parsing jobs."""
    from spacy.tokens import DocBin

    from .lexicon import doc_entities
    from .parsing import _TableStream, sentence_bounds
    from .schema import ENTITIES, SENTENCES

    sample = articles.head(OVERHEAD_SAMPLE)
    docs = list(nlp.pipe(sample["text"].tolist(), batch_size=batch_size))
    scale = int(articles["n_words"].sum()) / int(sample["n_words"].sum())  # extrapolate to the corpus
    serialise, _ = _timed(lambda: [DocBin(docs=[d], store_user_data=False).to_bytes() for d in docs])
    with tempfile.TemporaryDirectory(prefix="bench-rows-") as tmp:
        def rows() -> None:
            s = _TableStream(Path(tmp) / "s.parquet", SENTENCES)
            e = _TableStream(Path(tmp) / "e.parquet", ENTITIES)
            for i, (doc, text) in enumerate(zip(docs, sample["text"])):
                bounds = sentence_bounds(doc, text)
                for j, (a, b) in enumerate(bounds):
                    s.add(("x", j, a, b, text[a:b]))
                for ent, cid, cls, origin in doc_entities(doc):
                    e.add(("x", 0, ent.start_char, ent.end_char, text[ent.start_char:ent.end_char], ent.label_, cid, cls, origin))
                if (i + 1) % batch_size == 0:
                    s.flush()
                    e.flush()
            s.close()
            e.close()
        rows_seconds, _ = _timed(rows)
    blobs = [DocBin(docs=[d], store_user_data=False).to_bytes() for d in docs]
    deserialise, _ = _timed(lambda: [list(DocBin().from_bytes(b).get_docs(nlp.vocab)) for b in blobs])
    return {
        "docbin_serialise_seconds": round(serialise * scale, 3),
        "docbin_deserialise_seconds": round(deserialise * scale, 3),
        "rows_build_and_write_seconds": round(rows_seconds * scale, 3),
        "cache_bytes_per_word": round(sum(len(b) for b in blobs) / int(sample["n_words"].sum()), 1),
    }


def bench_entities(n_articles: int, seed: int, model: str, aliases: Path, batch_size: int, out_file: Path,
                   memory: bool = True, repeat: int = 2) -> dict:
    """Run every measurement ``repeat`` times, interleaved, and keep the fastest of each.

    Interleaving and taking the minimum keeps a burst of load from another process on the
    machine from landing on one side of a comparison only.
    """
    import spacy

    from .parsing import build_nlp

    articles = synthetic_articles(n_articles, seed)
    texts = articles["text"].tolist()
    n_words = int(articles["n_words"].sum())
    results: dict = {"n_articles": n_articles, "n_words": n_words, "seed": seed, "model": model,
                     "batch_size": batch_size, "repeat": repeat, "targets": TARGETS}

    load_seconds, bare = _timed(lambda: spacy.load(model))
    results["model_load_seconds"] = round(load_seconds, 2)
    full = build_nlp(model, aliases)
    for nlp in (bare, full):  # warm-up: first calls allocate
        for _ in nlp.pipe(texts[:5]):
            pass
    results["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    walls: dict[str, list[float]] = {k: [] for k in ("baseline", "model_plus_lexicon", "stage_1", "warm", "stage_2")}
    cpus: dict[str, list[float]] = {k: [] for k in walls}
    with tempfile.TemporaryDirectory(prefix="bench-stage-") as tmp:
        for r in range(repeat):
            runs = {
                "baseline": lambda: [None for _ in bare.pipe(texts, batch_size=batch_size)],
                "model_plus_lexicon": lambda: [None for _ in full.pipe(texts, batch_size=batch_size)],
                "stage_1": lambda: _stage(articles, Path(tmp) / f"np1-{r}", model, aliases, batch_size, 1)[1],
                "warm": lambda: _stage(articles, Path(tmp) / f"np1-{r}", model, aliases, batch_size, 1)[1],
                "stage_2": lambda: _stage(articles, Path(tmp) / f"np2-{r}", model, aliases, batch_size, 2)[1],
            }
            for name, run in runs.items():
                wall, out = _timed(run, name)
                walls[name].append(wall)
                cpus[name].append(CPU_LOG[name])
                if name == "warm" and out.n_parsed != 0:
                    raise RuntimeError(f"warm run parsed {out.n_parsed} articles: the cache did not hit")
    best = {k: min(v) for k, v in walls.items()}
    results["seconds_all_runs"] = {k: [round(x, 2) for x in v] for k, v in walls.items()}
    results["cpu_seconds_all_runs"] = cpus
    results["baseline_seconds"] = round(best["baseline"], 2)
    results["baseline_words_per_s"] = round(n_words / best["baseline"], 1)
    results["model_plus_lexicon_words_per_s"] = round(n_words / best["model_plus_lexicon"], 1)
    results["stage_seconds_n_process_1"] = round(best["stage_1"], 2)
    results["stage_seconds_n_process_2"] = round(best["stage_2"], 2)
    results["stage_words_per_s"] = round(n_words / best["stage_1"], 1)
    results["stage_vs_baseline"] = round(best["baseline"] / best["stage_1"], 3)
    results["stage_vs_model_plus_lexicon"] = round(best["model_plus_lexicon"] / best["stage_1"], 3)
    results["speedup_n_process_2"] = round(best["stage_1"] / best["stage_2"], 3)
    best_cpu = {k: min(v) for k, v in cpus.items()}
    results["stage_vs_baseline_cpu"] = round(best_cpu["baseline"] / best_cpu["stage_1"], 3)
    results["lexicon_vs_baseline_cpu"] = round(best_cpu["baseline"] / best_cpu["model_plus_lexicon"], 3)
    results["warm_seconds"] = round(best["warm"], 2)
    results["warm_vs_cold"] = round(best["warm"] / best["stage_1"], 3)
    results["overhead"] = overhead_breakdown(articles, full, batch_size)

    if memory:
        small = measure_memory(n_articles, seed, model, aliases, batch_size)
        large = measure_memory(10 * n_articles, seed, model, aliases, batch_size)
        results["peak_rss_mib_n"] = small["peak_rss_mib"]
        results["peak_rss_mib_10n"] = large["peak_rss_mib"]
        results["memory_ratio_10n_vs_n"] = round(large["peak_rss_mib"] / small["peak_rss_mib"], 3)
        results["stage_seconds_10n"] = large["seconds"]
        results["stage_words_per_s_10n"] = round(large["n_words"] / large["seconds"], 1)

    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["meets_targets"] = {
        "stage_vs_baseline": results["stage_vs_baseline"] >= TARGETS["stage_vs_baseline"],
        "speedup_n_process_2": results["speedup_n_process_2"] >= TARGETS["speedup_n_process_2"],
        "warm_vs_cold": results["warm_vs_cold"] <= TARGETS["warm_vs_cold"],
    }
    if memory:
        results["meets_targets"]["memory_ratio_10n_vs_n"] = results["memory_ratio_10n_vs_n"] <= TARGETS["memory_ratio_10n_vs_n"]
    write_text(out_file, json.dumps(results, indent=2, sort_keys=True) + "\n")
    return results


def format_table(r: dict) -> str:
    lines = [
        f"entity stage benchmark: {r['n_articles']} articles, {r['n_words']} words, model {r['model']}, batch_size {r['batch_size']}",
        f"{'measure':<44}{'value':>12}  target",
        f"{'bare nlp.pipe, model only (words/s)':<44}{r['baseline_words_per_s']:>12,.0f}",
        f"{'bare nlp.pipe, model + lexicon (words/s)':<44}{r['model_plus_lexicon_words_per_s']:>12,.0f}",
        f"{'stage end to end, cold (words/s)':<44}{r['stage_words_per_s']:>12,.0f}",
        f"{'stage / baseline':<44}{r['stage_vs_baseline']:>12.3f}  >= {TARGETS['stage_vs_baseline']}",
        f"{'stage / model + lexicon':<44}{r['stage_vs_model_plus_lexicon']:>12.3f}",
        f"{'stage / baseline, in CPU seconds':<44}{r['stage_vs_baseline_cpu']:>12.3f}",
        f"{'model + lexicon / baseline, in CPU seconds':<44}{r['lexicon_vs_baseline_cpu']:>12.3f}",
        f"{'speed-up n_process=2 over 1':<44}{r['speedup_n_process_2']:>12.3f}  >= {TARGETS['speedup_n_process_2']}",
        f"{'warm re-run / cold run':<44}{r['warm_vs_cold']:>12.3f}  <= {TARGETS['warm_vs_cold']}",
    ]
    if "peak_rss_mib_n" in r:
        lines += [
            f"{'peak RSS at N (MiB)':<44}{r['peak_rss_mib_n']:>12.1f}",
            f"{'peak RSS at 10N (MiB)':<44}{r['peak_rss_mib_10n']:>12.1f}",
            f"{'memory 10N / N':<44}{r['memory_ratio_10n_vs_n']:>12.3f}  <= {TARGETS['memory_ratio_10n_vs_n']}",
        ]
    o = r["overhead"]
    lines += [
        f"{'CPU s of fastest n_process=1 / =2 run':<44}{min(r['cpu_seconds_all_runs']['stage_1']):>6.1f} /{min(r['cpu_seconds_all_runs']['stage_2']):>5.1f}",
        f"{'load average at start / end (1 min)':<44}{r['load_average_start'][0]:>6.2f} /{r['load_average_end'][0]:>5.2f}",
        f"{'time: model load (s)':<44}{r['model_load_seconds']:>12.2f}",
        f"{'time: DocBin serialise, all docs (s)':<44}{o['docbin_serialise_seconds']:>12.2f}",
        f"{'time: DocBin read back, all docs (s)':<44}{o['docbin_deserialise_seconds']:>12.2f}",
        f"{'time: build + write rows (s)':<44}{o['rows_build_and_write_seconds']:>12.2f}",
    ]
    return "\n".join(lines)


