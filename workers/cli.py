"""`delo`: ingest scans in-process (embedded mode), parse text, OCR a file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workers.config import get_settings
from workers.errors import DeloError, FailureCode

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="delo: scanned Soviet-era archive pages in, structured archival records out.")
err = Console(stderr=True)
SUFFIXES = {".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"}


def _inputs(paths: list[Path]) -> list[Path]:
    """Files as given (whatever their extension: content decides) and, in folders,
    files with a scan's extension, in a stable order."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        else:
            files.append(p)
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)  # a file named twice is ingested once
    return list(unique.values())


def _out_names(files: list[Path]) -> dict[Path, str]:
    """OUT/<file name>.json; a second file of the same name (from another folder) is
    prefixed with its folder's name rather than overwriting the first."""
    names: dict[Path, str] = {}
    taken: set[str] = set()
    for f in files:
        name = f.name if f.name not in taken else f"{f.parent.name}__{f.name}"
        taken.add(name)
        names[f] = name
    return names


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="scan files or folders of scans")],
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for <file name>.json records")],
    db: Annotated[Path | None, typer.Option(help="SQLite file that keeps the records [default: OUT/delo.sqlite3]")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary table")] = False,
) -> None:
    """OCR and parse each file in-process; one JSON record per file in OUT."""
    from workers.pipeline import process_local_file
    from workers.stores.localdir import write_record
    from workers.stores.sqlite import SqliteStore

    settings = get_settings()
    files = _inputs(paths)
    if not files:
        err.print("delo ingest: no input files found")
        raise typer.Exit(2)
    names = _out_names(files)
    failures: list[tuple[Path, DeloError]] = []
    records: list[tuple[Path, dict]] = []
    with SqliteStore(db or out / "delo.sqlite3") as store, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    ) as progress:
        overall = progress.add_task("files", total=len(files))
        pages = progress.add_task("pages", total=None)
        for file in files:
            progress.update(pages, description=f"  {file.name[:40]}", completed=0, total=None)

            def on_page(done: int, total: int) -> None:
                progress.update(pages, completed=done, total=total)

            try:
                if not file.exists():
                    raise DeloError(FailureCode.NOT_FOUND, f"{file} does not exist")
                record = process_local_file(file, settings, on_page=on_page)
            except Exception as exc:  # a bug in one file must not stop the others either
                failure = exc if isinstance(exc, DeloError) else \
                    DeloError(FailureCode.INTERNAL, f"{type(exc).__name__}: {exc}")
                failures.append((file, failure))
                store.put_failure(file.resolve().as_uri(), failure.code.value, failure.message)
                # one line per failure, never wrapped, so it can be grepped
                progress.console.print(f"FAILED {file}: {failure}", soft_wrap=True, markup=False, highlight=False)
            else:
                write_record(out, names[file], record)
                store.put_record(record)
                records.append((file, record))
            progress.advance(overall)
    if not quiet:
        _summary(records)
    err.print(f"{len(records)} record(s) written to {out}, {len(failures)} failed")
    if failures:
        raise typer.Exit(1)


def _summary(records: list[tuple[Path, dict]]) -> None:
    table = Table(title="What delo found", show_lines=False)
    for col in ("file", "pages", "conf", "type", "date", "reg. no.", "markings", "addressees", "signatories", "archival reference"):
        table.add_column(col, overflow="fold")
    for file, rec in records:
        r = rec["record"]
        ref = r["archival_references"][0]["raw"] if r["archival_references"] else ""
        table.add_row(
            file.name, str(rec["source"]["page_count"]), f"{rec['ocr']['mean_confidence'] or 0:.0f}",
            r["document_type"] or "", r["date"] or "", r["registration_number"] or "",
            ", ".join(r["classification"]) + (" (declassified)" if r["declassified"] else ""),
            ", ".join(p["name"] for p in r["addressees"]), ", ".join(p["name"] for p in r["signatories"]), ref,
        )
    Console(width=200).print(table)


@app.command()
def parse(
    file: Annotated[str, typer.Argument(help="a UTF-8 text file, or - for standard input")],
    no_entities: Annotated[bool, typer.Option("--no-entities", help="skip named-entity tagging")] = False,
) -> None:
    """Text in, the record's `record` object as JSON on stdout."""
    from workers.records import parse_record

    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8", errors="replace")
    json.dump(parse_record(text, with_entities=not no_entities), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


@app.command()
def ocr(file: Annotated[Path, typer.Argument(help="a PDF, TIFF, PNG or JPEG")]) -> None:
    """Plain text out, pages separated by a form feed."""
    from workers.ocr import ocr_file

    try:
        result = ocr_file(file, get_settings())
    except DeloError as exc:
        err.print(f"FAILED {file}: {exc}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1) from None
    sys.stdout.write(result.text + "\n")


jobs_app = typer.Typer(no_args_is_help=True, help="The job ledger: list jobs, show one.")
app.add_typer(jobs_app, name="jobs")
FilterState = Annotated[str | None, typer.Option("--state", help="received, queued, ocr, parsing, publishing, published, failed")]
FilterDrop = Annotated[str | None, typer.Option("--drop", help="the drop's name (the folder under drops/)")]
FilterCode = Annotated[str | None, typer.Option("--code", help="failure code, e.g. CORRUPT_FILE")]
FilterSince = Annotated[str | None, typer.Option("--since", help="30m, 2h, 7d or an ISO time: state changed since")]


def _filter(state, drop, code, since):
    from workers.ledger.queries import JobFilter, parse_since

    try:
        return JobFilter(state=state, drop=drop, code=code, since=parse_since(since))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _ledger():
    from workers.errors import UnavailableError
    from workers.stores import postgres

    try:
        conn = postgres.connect(get_settings().database_url)
        postgres.migrate(conn)
        return conn
    except UnavailableError as exc:
        err.print(f"FAILED: {exc}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1) from None


@jobs_app.command("list")
def jobs_list(state: FilterState = None, drop: FilterDrop = None, code: FilterCode = None, since: FilterSince = None,
              limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 50,
              as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False) -> None:
    """Jobs matching the filters, newest change first."""
    from workers.ledger.queries import count_jobs, list_jobs

    flt = _filter(state, drop, code, since)
    with _ledger() as conn:
        rows, total = list_jobs(conn, flt, limit), count_jobs(conn, flt)
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, default=str, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{total} job(s)" + (f", newest {len(rows)}" if total > len(rows) else ""))
    for col in ("id", "state", "attempts", "drop", "key", "code", "message", "changed"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["state"], str(r["attempts"]), r["drop_name"] or "", r["key"], r["failure_code"] or "",
                      (r["failure_message"] or "")[:80], r["state_changed_at"].strftime("%Y-%m-%d %H:%M:%S"))
    Console(width=200).print(table)


@jobs_app.command("show")
def jobs_show(job_id: int) -> None:
    """One job: its row and every transition."""
    from workers.ledger import jobs as ledger

    with _ledger() as conn:
        job = ledger.get(conn, job_id)
        if job is None:
            err.print(f"no job {job_id}")
            raise typer.Exit(1)
        job["events"] = ledger.events(conn, job_id)
    sys.stdout.write(json.dumps(job, default=str, ensure_ascii=False, indent=2) + "\n")


@app.command()
def replay(
    job_ids: Annotated[list[int] | None, typer.Argument(help="job ids to replay")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="replay every failed job matching the filters")] = False,
    published: Annotated[bool, typer.Option("--published", help="also replay published jobs")] = False,
    drop: FilterDrop = None, code: FilterCode = None, since: FilterSince = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would be replayed, change nothing")] = False,
) -> None:
    """Send failed (or, with --published, published) jobs through the pipeline again.
    Publishing is an upsert: a replay never makes a second document."""
    from workers.celery_app import send_jobs
    from workers.ledger import replay as replays

    if bool(job_ids) == failed:
        raise typer.BadParameter("give job ids, or --failed with filters")
    with _ledger() as conn:
        if failed:
            ids = replays.matching(conn, _filter(None, drop, code, since), include_published=published)
        else:
            ids = list(job_ids)
        if dry_run:
            sys.stdout.write(json.dumps({"would_replay": len(ids), "job_ids": ids[:1000]}) + "\n")
            return
        done = replays.replay(conn, ids, include_published=published, by="cli")
    send_jobs(done)
    skipped = sorted(set(ids) - set(done))
    sys.stdout.write(json.dumps({"replayed": len(done), "job_ids": done[:1000], "skipped": skipped[:1000]}) + "\n")


@app.command()
def reconcile() -> None:
    """Start jobs for objects in the scans bucket the ledger has never seen, and re-queue stuck jobs."""
    from workers.errors import UnavailableError
    from workers.tasks import jobs, resources

    try:
        result = jobs.reconcile_bucket(resources.db(), resources.s3(), get_settings(), jobs.enqueue)
    except UnavailableError as exc:
        err.print(f"FAILED reconcile: {exc}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1) from None
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    app()
