"""`delo`: ingest scans in-process (embedded mode), parse text, OCR a file."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from workers.config import get_settings
from workers.errors import DeloError, FailureCode, UnavailableError, exit_status, exit_status_help
from workers.threads import one_per_process

app = typer.Typer(add_completion=False, no_args_is_help=True, epilog=exit_status_help(),
                  help="delo: scanned Soviet-era archive pages in, structured archival records out.")
err = Console(stderr=True)
SUFFIXES = {".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"}


@app.callback()
def _entry() -> None:
    one_per_process()  # before any command reads a page (workers/threads.py)


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
    """OUT/<file name>.json; a file whose name is taken (from another folder) is prefixed
    with as many of its folders as it takes to be unique (x/scan.png, b__x__scan.png, …).
    Names are compared case-folded, since OUT may be on a case-insensitive disk, and the
    result depends only on the inputs and their order (which _inputs keeps stable)."""
    names: dict[Path, str] = {}
    taken: set[str] = set()
    for f in files:
        folders = [part for part in f.resolve().parent.parts if part != f.resolve().anchor]
        candidates = [f.name] + ["__".join([*folders[-depth:], f.name]) for depth in range(1, len(folders) + 1)]
        # distinct resolved paths have distinct full candidates, but a file literally named
        # `a__b.png` (or case-folding) can still meet one: then a counter decides
        candidates += [f"{candidates[-1]}~{n}" for n in range(2, len(files) + 2)]
        name = next(c for c in candidates if c.casefold() not in taken)
        taken.add(name.casefold())
        names[f] = name
    return names


@app.command(epilog=exit_status_help())
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="scan files or folders of scans")],
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for the records: <file name>.json, or "
                                                          "<file name>.<n>.json for each document of a file that "
                                                          "holds several")],
    db: Annotated[Path | None, typer.Option(help="SQLite file that keeps the records [default: OUT/delo.sqlite3]")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary table")] = False,
    drop: Annotated[str | None, typer.Option("--drop", help="the drop the files belong to: their records name it")] = None,
    manifest: Annotated[Path | None, typer.Option(
        "--manifest", help="the drop's manifest.json or .csv: its archive, fond, opis and delo fill the archival "
                           "reference of a record whose text gives none, as in the stack")] = None,
    sheets: Annotated[bool, typer.Option(
        "--sheets", help="with --drop: the files are the sheets of one delo (one image each), read as one file in "
                         "name order, or the order the manifest lists (a manifest with \"sheets\": true says so "
                         "too); OUT/<drop>.json, or <drop>.<n>.json per document")] = False,
    outputs: Annotated[str | None, typer.Option(
        "--outputs", help="beside each record: alto (ALTO 4 XML, <name>.alto.xml), pdf (the searchable PDF, "
                          "<name>.pdf), comma-separated; '' for none [default: DELO_OUTPUTS, alto,pdf]")] = None,
) -> None:
    """OCR and parse each file in-process; one JSON record per document in OUT."""
    from workers import drops
    from workers.ocr import options
    from workers.outputs import kinds
    from workers.pipeline import process_file, process_sheets
    from workers.stores.localdir import output_sink, write_records
    from workers.stores.sqlite import SqliteStore

    settings = get_settings()
    try:
        which = kinds(settings.outputs if outputs is None else outputs)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--outputs") from None
    if manifest and not drop:
        raise typer.BadParameter("--manifest goes with --drop NAME")
    try:  # the same reading of a manifest as the stack's
        metadata = drops.read_manifest(manifest.name, manifest.read_bytes()) if manifest else None
    except (OSError, DeloError) as exc:
        raise typer.BadParameter(f"--manifest {manifest}: {exc}") from None
    sheets = sheets or bool(metadata and metadata.get("sheets"))
    settings = options.apply(settings, (metadata or {}).get("ocr"))  # as the stack reads the drop
    if sheets and not drop:
        raise typer.BadParameter("--sheets goes with --drop NAME")
    files = _inputs(paths)
    if not files:
        err.print("delo ingest: no input files found")
        raise typer.Exit(2)
    units = _units(files, drop if sheets else None, metadata)
    failures: list[tuple[Path, DeloError]] = []
    records: list[tuple[Path, dict]] = []
    with SqliteStore(db or out / "delo.sqlite3") as store, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    ) as progress:
        overall = progress.add_task("files", total=len(units))
        pages = progress.add_task("pages", total=None)
        for label, unit, name in units:
            progress.update(pages, description=f"  {label.name[:40]}", completed=0, total=None)

            def on_page(done: int, total: int) -> None:
                progress.update(pages, completed=done, total=total)

            try:
                if missing := [f for f in unit if not f.exists()]:
                    raise DeloError(FailureCode.NOT_FOUND, f"{missing[0]} does not exist")
                sink = output_sink(out, name, which) if which else None
                found = process_sheets(unit, settings, drop=name, manifest=metadata, on_page=on_page, sink=sink) \
                    if sheets else process_file(label, settings, drop=drop, manifest=metadata, on_page=on_page,
                                                sink=sink)
            except Exception as exc:  # a bug in one file must not stop the others either
                failure = exc if isinstance(exc, DeloError) else \
                    DeloError(FailureCode.INTERNAL, f"{type(exc).__name__}: {exc}")
                failures.append((label, failure))
                store.put_failure(label.resolve().as_uri() + ("/" if sheets else ""), failure.code.value, failure.message)
                # one line per failure, never wrapped, so it can be grepped
                progress.console.print(f"FAILED {label}: {failure}", soft_wrap=True, markup=False, highlight=False)
            else:
                write_records(out, name, found)
                store.put_records(found)
                records += [(label, record) for record in found]
            progress.advance(overall)
    if not quiet:
        _summary(records)
    err.print(f"{len(records)} record(s) written to {out}, {len(failures)} failed")
    if failures:  # the most serious class met decides (workers/errors.py: MOST_SERIOUS_FIRST)
        raise typer.Exit(exit_status(failure for _, failure in failures))


def _units(files: list[Path], sheets_of: str | None, manifest: dict | None) -> list[tuple[Path, list[Path], str]]:
    """What is read as one source: each file, or all of them as the one file of the drop
    `sheets_of`. Each as (what failures and the table call it, its files, its output name)."""
    from workers import drops

    if not sheets_of:
        names = _out_names(files)
        return [(f, [f], names[f]) for f in files]
    by_name = {f.name: f for f in files}
    folder = Path(os.path.commonpath([f.resolve().parent for f in files]))
    return [(folder, [by_name[n] for n in drops.sheet_order(list(by_name), manifest)], sheets_of)]


def _summary(records: list[tuple[Path, dict]]) -> None:
    table = Table(title="What delo found", show_lines=False)
    for col in ("file", "pages", "conf", "type", "date", "reg. no.", "markings", "addressees", "signatories",
                "archival reference"):
        table.add_column(col, overflow="fold")
    for file, rec in records:
        r = rec["record"]
        ref = r["archival_references"][0]["raw"] if r["archival_references"] else ""
        place = rec.get("document")  # one of the documents a file holds: which, and on which pages
        table.add_row(
            f"{file.name} [{place['index']}/{place['count']}]" if place else file.name,
            _pages(place["pages"]) if place else str(rec["source"]["page_count"]),
            f"{rec['ocr']['mean_confidence'] or 0:.0f}",
            r["document_type"] or "", r["date"] or "", r["registration_number"] or "",
            ", ".join(r["classification"]) + (" (declassified)" if r["declassified"] else ""),
            ", ".join(p["name"] for p in r["addressees"]), ", ".join(p["name"] for p in r["signatories"]), ref,
        )
    Console(width=200).print(table)


def _pages(numbers: list[int]) -> str:
    return f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else f"{numbers[0]}"


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
        raise typer.Exit(exc.exit_status) from None
    sys.stdout.write(result.text + "\n")


jobs_app = typer.Typer(no_args_is_help=True, help="The job ledger: list jobs, show one.")
app.add_typer(jobs_app, name="jobs")
FilterState = Annotated[str | None, typer.Option("--state", help="received, queued, ocr, parsing, publishing, published, failed")]
FilterDrop = Annotated[str | None, typer.Option("--drop", help="the drop's name (the folder under drops/)")]
FilterCode = Annotated[str | None, typer.Option("--code", help="failure code, e.g. CORRUPT_FILE (any case)")]
FilterSince = Annotated[str | None, typer.Option("--since", help="30m, 2h, 7d or an ISO time: state changed since")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON on stdout instead of lines for people")]


def _filter(state, drop, code, since, conn=None, superseded: bool = False):
    """The filters, refused (exit 2) when they name what cannot match: an unknown state or
    code here, an unknown drop once the ledger is open (`conn`)."""
    from workers.ledger.queries import JobFilter, check_drop, parse_since

    try:
        flt = JobFilter(state=state, drop=drop, code=code, since=parse_since(since), superseded=superseded)
        if conn is not None:
            check_drop(conn, drop)
        return flt
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _json_default(value):
    """Rows as JSON: numeric aggregates as numbers (not "0E-20"), times and the rest as text."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else str(value)


def _safe_url(url: str) -> str:
    """A store's URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def _down(command: str, what: str, where: str, changes: bool) -> typer.Exit:
    """One line, no traceback: which store, where, and that nothing was changed."""
    tail = "; nothing was changed" if changes else ""
    err.print(f"delo {command}: the {what} at {where} does not answer{tail}", soft_wrap=True, markup=False, highlight=False)
    return typer.Exit(UnavailableError.exit_status)


def _ledger(command: str = "jobs", changes: bool = False):
    from workers.errors import UnavailableError
    from workers.stores import postgres

    url = get_settings().database_url
    try:
        return postgres.connect(url)
    except UnavailableError:
        raise _down(command, "ledger", _safe_url(url), changes) from None


def _check_broker(command: str) -> None:
    """Before the ledger changes: a job moved to `queued` with no task behind it waits
    for a sweep, so a command that would send tasks asks the broker first."""
    import redis

    url = get_settings().redis_url
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, OSError):
        raise _down(command, "broker", _safe_url(url), True) from None


def _check_object_store(command: str) -> None:
    from workers.errors import UnavailableError
    from workers.stores import objectstore

    settings = get_settings()
    try:
        with objectstore.unavailable_as_retryable(f"s3://{settings.scans_bucket}"):
            objectstore.client(settings).bucket_exists(settings.scans_bucket)
    except UnavailableError:
        raise _down(command, "object store", settings.s3_endpoint, True) from None


def _workers_alive() -> bool:
    from workers.celery_app import app as celery

    try:
        return bool(celery.control.ping(timeout=1.0))
    except Exception:  # a warning's check must not fail the command
        return True  # unknown: say nothing rather than something false


@jobs_app.command("list")
def jobs_list(state: FilterState = None, drop: FilterDrop = None, code: FilterCode = None, since: FilterSince = None,
              superseded: Annotated[bool, typer.Option("--superseded",
                                                       help="also failures a newer version has since replaced")] = False,
              limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 50,
              as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False) -> None:
    """Jobs matching the filters, newest change first."""
    from workers.ledger.queries import count_jobs, list_jobs

    _filter(state, drop, code, since)  # refused before the ledger is even opened
    with _ledger("jobs list") as conn:
        flt = _filter(state, drop, code, since, conn, superseded)
        rows, total = list_jobs(conn, flt, limit), count_jobs(conn, flt)
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, default=_json_default, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{total} job(s)" + (f", newest {len(rows)}" if total > len(rows) else ""))
    for col in ("id", "state", "attempts", "drop", "key", "code", "message", "changed"):
        table.add_column(col, overflow="fold")
    for r in rows:
        state_shown = r["state"] + (f" (superseded by {r['superseded_by']})" if r["superseded_by"] else "")
        table.add_row(str(r["id"]), state_shown, str(r["attempts"]), r["drop_name"] or "", r["key"], r["failure_code"] or "",
                      (r["failure_message"] or "")[:80], r["state_changed_at"].strftime("%Y-%m-%d %H:%M:%S"))
    Console(width=200).print(table)


@jobs_app.command("show")
def jobs_show(job_id: int) -> None:
    """One job: its row and every transition."""
    from workers.ledger import jobs as ledger

    with _ledger("jobs show") as conn:
        job = ledger.get(conn, job_id)
        if job is None:
            err.print(f"no job {job_id}")
            raise typer.Exit(1)
        job["events"] = ledger.events(conn, job_id)
    sys.stdout.write(json.dumps(job, default=str, ensure_ascii=False, indent=2) + "\n")


def _print_skipped(skipped: list[dict]) -> None:
    if not skipped:
        return
    table = Table(title=f"skipped {len(skipped)}", title_justify="left", show_header=True)
    for col in ("job", "why", "detail"):
        table.add_column(col, overflow="fold")
    for s in skipped:
        table.add_row(str(s["id"]), s["reason"], s["detail"])
    Console(width=200).print(table)


@app.command()
def replay(
    job_ids: Annotated[list[int] | None, typer.Argument(help="job ids to replay")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="replay every failed job matching the filters")] = False,
    published: Annotated[bool, typer.Option("--published", help="also replay published jobs")] = False,
    drop: FilterDrop = None, code: FilterCode = None, since: FilterSince = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would be replayed, change nothing")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="replay failures that can only repeat without asking")] = False,
    languages: Annotated[str | None, typer.Option(
        "--languages", help="read the pages with these OCR languages (rus, Cyrillic, rus+eng); the record says so")] = None,
    preprocess: Annotated[str | None, typer.Option(
        "--preprocess", help="auto (delo's measured preprocessing) or none (pages as scanned)")] = None,
    overwrite_corrections: Annotated[bool, typer.Option(
        "--overwrite-corrections", help="the new readings replace records a person corrected (kept otherwise)")] = False,
    as_json: AsJson = False,
) -> None:
    """Send failed (or, with --published, published) jobs through the pipeline again,
    with other OCR settings if asked.
    Publishing is an upsert: a replay never makes a second document.

    Says what it replayed and why it skipped the rest. Exit 0 when every job asked for
    was replayed, 1 when a job asked for was not replayed (unknown, in flight,
    published, superseded), 7 when a store did not answer (then nothing changed), 2 for
    a filter that cannot match."""
    from workers.errors import UnavailableError
    from workers.ledger import replay as replays
    from workers.ocr import options
    from workers.ocr.tesseract import check_languages

    if bool(job_ids) == failed:
        raise typer.BadParameter("give job ids, or --failed with filters")
    try:
        ocr = options.parse({"languages": languages, "preprocess": preprocess})
        if ocr.get("languages"):
            check_languages(ocr["languages"])  # here, where tesseract should be: a typo fails now, not each page
    except (ValueError, DeloError) as exc:
        raise typer.BadParameter(str(exc)) from None
    if not failed and (drop or code or since):
        raise typer.BadParameter("--drop, --code and --since go with --failed")
    _filter(None, drop, code, since)  # a filter that cannot match is refused before anything is opened
    with _ledger("replay", changes=not dry_run) as conn:
        try:
            ids = replays.matching(conn, _filter(None, drop, code, since, conn), include_published=published) \
                if failed else list(job_ids or [])  # given when not --failed (checked above)
            plan = replays.check(conn, ids, include_published=published)
        except UnavailableError:
            raise _down("replay", "ledger", _safe_url(get_settings().database_url), True) from None
        mendless = plan.unmendable_codes()
        warn = (f"{sum(mendless.values())} job(s) failed with a code a replay cannot mend "
                f"({', '.join(f'{c}: {n}' for c, n in mendless.items())}): the file is the same, "
                f"so they will likely fail the same way") if mendless else None
        if dry_run:
            _report_replay(as_json, dry=True, done=[j["id"] for j in plan.ready], plan=plan, warnings=[warn] if warn else [])
            return
        if plan.ready:
            _check_broker("replay")  # before the ledger changes, not after
        if warn and not yes:
            try:
                go = typer.confirm(f"{warn}. Replay them anyway?", default=False, err=True)
            except typer.Abort:  # no answer (stdin closed): no
                go = False
            if not go:
                plan.decline_unmendable()
        try:
            done = replays.apply(conn, plan, include_published=published, by="cli", ocr=ocr,
                                 overwrite_corrections=overwrite_corrections)
        except UnavailableError:
            raise _down("replay", "ledger", _safe_url(get_settings().database_url), True) from None
    warnings = [warn] if warn and yes else []
    if done:
        from workers.celery_app import send_jobs

        try:
            send_jobs(done)
        except Exception as exc:  # the broker went away after the check
            err.print(f"delo replay: {len(done)} job(s) were queued in the ledger but the broker stopped answering "
                      f"before their tasks were sent ({type(exc).__name__}); they stay queued for the sweep",
                      soft_wrap=True, markup=False, highlight=False)
            raise typer.Exit(UnavailableError.exit_status) from None
        if not _workers_alive():
            warnings.append("no worker answers: the jobs wait in their queues until one starts")
    _report_replay(as_json, dry=False, done=done, plan=plan, warnings=warnings)
    # skips by the operator's own "no" are what was asked; any other skip is not
    if any(s["reason"] != "not_confirmed" for s in plan.skipped) and not failed:
        raise typer.Exit(1)


def _report_replay(as_json: bool, *, dry: bool, done: list[int], plan, warnings: list[str]) -> None:
    if as_json:
        key = "would_replay" if dry else "replayed"
        out = {key: len(done), "job_ids": done[:1000], "skipped": plan.skipped[:1000], "warnings": warnings}
        if dry:
            out["unmendable"] = [j["id"] for j in plan.unmendable][:1000]
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return
    ids = ", ".join(map(str, done[:50])) + (" …" if len(done) > 50 else "")
    verb = "would replay" if dry else "replayed"
    print(f"{verb} {len(done)} job(s)" + (f": {ids}" if done else ""))
    _print_skipped(plan.skipped)
    for w in warnings:
        print(f"note: {w}")


@app.command()
def reconcile(as_json: AsJson = False) -> None:
    """Start jobs for objects in the scans bucket the ledger has never seen, and send again jobs whose messages the broker lost.

    Checks the ledger, the broker and the object store first: with one of them away it
    changes nothing and says which (exit 7)."""
    import redis

    from workers.celery_app import queue_again
    from workers.errors import UnavailableError
    from workers.reconcile import reconcile as reconcile_bucket
    from workers.stores import objectstore

    settings = get_settings()
    db = _ledger("reconcile", changes=True)
    _check_broker("reconcile")
    _check_object_store("reconcile")
    broker = redis.Redis.from_url(settings.redis_url)
    try:
        result = reconcile_bucket(db, objectstore.client(settings), broker, settings,
                                  lambda job_id: queue_again(db, broker, job_id), whole=True)
    except UnavailableError as exc:
        err.print(f"delo reconcile: stopped part way, a store stopped answering ({exc}); run it again when it is back",
                  soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(UnavailableError.exit_status) from None
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    # what each count means, and what was left alone and why
    said = {
        "unseen_objects": "object(s) in s3://{bucket} the ledger had never seen: jobs created and queued",
        "resent_lost": "job(s) short of the end for over {stuck} s whose messages the broker no longer holds: sent again",
    }
    for name, value in result.items():
        meaning = said.get(name, name).format(bucket=settings.scans_bucket, stuck=settings.stuck_after_seconds)
        print(f"{value} {meaning}")
    print(f"left alone: objects the ledger already knows (each version is one job), and jobs in flight "
          f"for less than {settings.stuck_after_seconds} s, and older ones the broker still holds (waiting or being read)")


@app.command("drops")
def drops_list(as_json: AsJson = False) -> None:
    """Each drop's progress; `done` only when nothing is pending and every file its
    manifest names has arrived."""
    from workers.ledger.queries import drops_summary

    with _ledger("drops") as conn:
        rows = drops_summary(conn)
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, default=_json_default, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(rows)} drop(s)")
    for col in ("drop", "published", "failed", "pending", "never arrived", "total", "status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = "done" if r["done"] else (f"{r['eta_minutes']} min left" if r["eta_minutes"] else "in progress")
        if r["pending"] == 0 and r["missing"]:
            status = "waiting for the manifest's files"
        table.add_row(r["name"], str(r["published"]), str(r["failed"]), str(r["pending"]), str(r["missing"]),
                      str(r["total"]), status)
    Console(width=200).print(table)


@app.command()
def migrate() -> None:
    """Bring the ledger's database (DELO_DATABASE_URL) and the documents' (DELO_DOCUMENTS_DATABASE_URL,
    when apart) to the current schema. The one step that changes schemas: `make stack`,
    compose's `migrate` service and the tests run it before any service starts; services
    and workers never migrate (many starting at once raced to)."""
    from workers.errors import UnavailableError
    from workers.stores import postgres

    settings = get_settings()
    for which, url in ((postgres.LEDGER, settings.database_url),
                       (postgres.DOCUMENTS, settings.documents_database_url or settings.database_url)):
        try:
            with postgres.connect(url) as conn:
                applied = postgres.migrate(conn, postgres.migrations(which))
        except UnavailableError:
            raise _down("migrate", f"{which} database", _safe_url(url), True) from None
        print(f"{which} {_safe_url(url)}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


@app.command()
def republish(
    since: FilterSince = None, drop: FilterDrop = None,
    all_: Annotated[bool, typer.Option("--all", help="every published record")] = False,
    as_json: AsJson = False,
) -> None:
    """Send published records from the documents table to the records bucket and the
    documents stream again: after the stream's Redis or the bucket lost them. Every
    matching record gets a stream entry, even one it had before (readers key on `id`)."""
    import redis

    from workers.errors import UnavailableError
    from workers.ledger.queries import parse_since
    from workers.publish import republish as republish_records
    from workers.stores import objectstore, postgres

    if not (since or drop or all_):
        raise typer.BadParameter("say which records: --since, --drop, or --all")
    try:
        since_at = parse_since(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    settings = get_settings()
    url = settings.documents_database_url or settings.database_url
    try:
        db = postgres.connect(url)
    except UnavailableError:
        raise _down("republish", "documents database", _safe_url(url), False) from None
    _check_object_store("republish")
    stream = redis.Redis.from_url(settings.stream_redis_url or settings.redis_url)
    try:
        stream.ping()
    except Exception:  # any failure to reach it is the same answer
        raise _down("republish", "stream's Redis", _safe_url(settings.stream_redis_url or settings.redis_url),
                    False) from None
    try:
        count = republish_records(db=db, s3=objectstore.client(settings), stream=stream,
                                  settings=settings, since=since_at, drop=drop)
    except UnavailableError as exc:
        err.print(f"delo republish: stopped part way, a store stopped answering ({exc}); run it again when it is back "
                  f"(records already sent are sent again, which readers take as an update)",
                  soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(UnavailableError.exit_status) from None
    if as_json:
        sys.stdout.write(json.dumps({"republished": count}) + "\n")
    else:
        print(f"{count} record(s) written to s3://{settings.records_bucket} and the stream {settings.documents_stream}")


@app.command()
def health(pid: Annotated[int, typer.Option(help="the process to check (the container's main one)")] = 1) -> None:
    """Exit 0 if this container's delo process does its job: a web service answers /healthz,
    a worker answers a ping over the broker and has its tesseract languages, beat keeps its
    schedule. The image's HEALTHCHECK and the Kubernetes probes run it (workers/health.py)."""
    from workers import health as checks

    try:
        print(checks.check(checks.command_line(pid)))
    except Exception as exc:  # every way of being unwell is the same answer: unhealthy, and why
        err.print(f"delo health: {exc}", soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1) from None


if __name__ == "__main__":
    app()
