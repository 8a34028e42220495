"""The history store's commands: ``ingest``, ``reannotate``, and ``analyze --store``'s run.

Option parsing and output only, as in ``textmine.cli.files``; the work is in
``textmine.pipeline.ingest`` and ``textmine.pipeline.stored``.
"""

import sys

import click

from textmine.cli._group import (
    check_stdin_once, cli, input_options, language_from, language_options, make_options, resolve_jobs,
    store_file)
from textmine.io.outputs import OutputPath, check_outputs, dated_path
from textmine.report.progress import Progress, report_ingest


def _store_option(required, made_here=True):
    where = "a SQLite file (made on first use)" if made_here else "a SQLite file made by textmine ingest"
    return click.option("--store", required=required, metavar="PATH|URL",
                        help=f"The store: {where} or postgresql://user@host/db.")


def _ingest(inputs, store, kwargs, jobs, quiet, *, id_column, segment_columns=(), date_column=None,
            score_column=None):
    from textmine.pipeline.ingest import IngestOptions, ingest_files

    check_stdin_once(inputs)
    read_options, language = make_options(kwargs)
    options = IngestOptions(id_column=id_column, segment_columns=tuple(segment_columns),
                            date_column=date_column, score_column=score_column)
    with Progress(quiet) as progress:
        result = ingest_files(inputs, store, options, read_options=read_options, language=language,
                              jobs=resolve_jobs(jobs), scheduler=kwargs["scheduler"], progress=progress,
                              stdin=sys.stdin.buffer)
    report_ingest(result, quiet)
    return result, language


@cli.command()
@input_options
@_store_option(required=True)
@click.option("--id-column", help="Column that identifies a row across exports (ticket number); "
                                  "default: rows with the same cells are the same row.")
@click.option("--segment-column", "segment_columns", multiple=True,
              help="Customer-group column (repeatable; default: detected).")
@click.option("--date-column", help="Date column (default: detected).")
@click.option("--score-column", help="Satisfaction / NPS score column (default: detected).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the batch's accounting as JSON here ({date} allowed; - for stdout).")
def ingest(inputs, store, id_column, segment_columns, date_column, score_column, json_path, jobs, quiet,
           **kwargs):
    """Annotate the rows and add them to a history store (made on first use).

    A row stored before (the same --id-column value, or without one the same
    cells) is counted as already stored and not added again, so overlapping
    weekly exports can be ingested as they come. The whole batch is one
    transaction: interrupted, the store stays as it was. Rows read = new +
    already stored + skipped (on stderr, and in --json).

    \b
    Example:
        textmine ingest week47.csv --store history.sqlite --id-column 工单号
        textmine ingest orders.xlsx --store postgresql://cx@db.internal/textmine
    """
    from textmine.io.write import write_json_summary

    json_path = dated_path(json_path)
    check_outputs(inputs, [OutputPath("--json", json_path, "json")], store=store_file(store))
    result, _ = _ingest(inputs, store, kwargs, jobs, quiet, id_column=id_column, segment_columns=segment_columns,
                        date_column=date_column, score_column=score_column)
    if json_path:
        write_json_summary(result.summary(), json_path, stdout=sys.stdout)


@cli.command()
@_store_option(required=True, made_here=False)
@language_options
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the counts and the new version as JSON here (- for stdout).")
def reannotate(store, json_path, jobs, quiet, **kwargs):
    """Recompute every stored annotation with this textmine's models and dictionaries.

    For after an upgrade or a dictionary change: each stored text is annotated
    again (from its stored, masked form), the duplicate marks are made again,
    and the new model / dictionary version is recorded. One transaction.

    \b
    Example:
        textmine reannotate --store history.sqlite --dict our_words.txt
    """
    from textmine.io.write import write_json_summary
    from textmine.pipeline.ingest import reannotate_store

    json_path = dated_path(json_path)
    check_outputs([], [OutputPath("--json", json_path, "json")], store=store_file(store))
    language = language_from(kwargs)
    with Progress(quiet) as progress:
        counts, version = reannotate_store(store, language, jobs=resolve_jobs(jobs), scheduler=kwargs["scheduler"],
                                           progress=progress)
    if not quiet:
        click.echo(f"textmine: re-annotated {counts['texts']:,} stored texts: {counts['texts_changed']:,} "
                   f"changed, {counts['duplicates_changed']:,} duplicate marks changed; version "
                   f"{counts['version_id']} (models {version['models'][:12]}, dictionaries "
                   f"{version['dictionaries'][:12]})", err=True)
    if json_path:
        write_json_summary({**counts, "version": {key: version[key] for key in ("textmine", "models", "dictionaries")}},
                           json_path, stdout=sys.stdout)


def run_store_analysis(inputs, kwargs, options, history, jobs, quiet):
    """``analyze --store``: ingest the INPUTs (if any), then analyse the stored history."""
    from textmine.pipeline.stored import analyze_store

    ingested = None
    if inputs:
        ingested, language = _ingest(inputs, history["store"], kwargs, jobs, quiet, id_column=history["id_column"],
                                     segment_columns=options.segment_columns, date_column=options.date_column,
                                     score_column=options.score_column)
    else:
        _, language = make_options(kwargs)  # the taxonomy names the report; the rest tells the version
    with Progress(quiet) as progress:
        run = analyze_store(history["store"], options, since=history["since"], until=history["until"],
                            language=language, progress=progress)
    if ingested is not None:
        run.summary["store"]["ingest"] = ingested.summary()
    if not run.summary["rows"]["read"]:
        window = run.summary["store"]["window"]
        click.echo(f"textmine: no stored comment is dated from {window['since'] or 'the first day'} to "
                   f"{window['until'] or 'the last day'}", err=True)
    if run.summary["store"]["versions_differ_from_this_textmine"]:
        click.echo("textmine: some stored annotations were made by other models or dictionaries than "
                   "this run's; `textmine reannotate` renews them", err=True)
    return run
