"""Settings from the environment (prefix DELO_), one Settings object for every driver."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DELO_", env_file=".env", extra="ignore")

    # OCR. Measured with bench/ocr.py against bare `tesseract -l rus` (CER; s/page ratio):
    # real scanned print: `Cyrillic` 1.17% vs 2.14% (1.09×), `rus` 2.13% (1.04×),
    # `rus+Cyrillic` 1.19% but 1.32× the time; renders clean/bilevel/noisy: `Cyrillic`
    # 0.65/0.69/0.63% vs bare 1.05/1.09/87%. `Cyrillic` is the most accurate model
    # within 1.15× of bare `rus`. It also writes the pre-1918 letters (ѣ, і) that `rus`
    # cannot, and reads the typewriter's `N 45` as `№ 45` (`rus` gives `М 45`).
    ocr_languages: str = "Cyrillic"
    # `auto`: each page gets what it is measured to need (workers/ocr/preprocess.py);
    # `none`: pages go to tesseract as scanned. A manifest or a replay may say otherwise.
    preprocess: str = "auto"
    # Words tesseract gave a confidence below this are reported per page as uncertain,
    # and a record field read from one gets `uncertain_field:...`. Measured on real print
    # and the renders (5,434 words, 243 misread, `Cyrillic`): below 80 holds 62% of the
    # misread words and 2.0% of the right ones (60: 35% / 0.75%; 90: 78% / 6.4%); past
    # 80 each point of misreads caught costs more right words flagged.
    uncertain_word_confidence: float = 80.0
    pdf_dpi: int = 300
    # Images that carry no resolution are assumed to be scanned at this one.
    default_image_dpi: int = 300
    page_timeout_seconds: int = 120
    render_timeout_seconds: int = 60
    low_confidence: float = 60.0
    # What each document gets beside its record, from the same reading (workers/outputs):
    # `alto` (ALTO 4 XML), `pdf` (the searchable PDF); comma-separated, empty for none.
    outputs: str = "alto,pdf"

    # Limits: each gives its own failure code when exceeded.
    max_file_bytes: int = 512 * 1024 * 1024
    max_pages: int = 2000
    # 80 Mpx is an A0 sheet at 300 dpi; a decompression bomb declares far more.
    max_page_pixels: int = 80_000_000

    # The event-driven stack: object store, broker, ledger and documents database
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = "delo"
    s3_secret_key: str = "delo-secret"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    scans_bucket: str = "scans"
    records_bucket: str = "records"
    redis_url: str = "redis://127.0.0.1:6379/0"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/delo"
    # Where published documents go, when not beside the ledger (downstream's database).
    documents_database_url: str | None = None
    # true when the database URLs lead to a transaction-mode pooler (PgBouncer, as past
    # about 100 workers): a session's prepared statements would meet other sessions' server
    # connections there, so delo prepares none. Directly, psycopg prepares a statement run
    # five times: bench/ledger.py measured 25-40% more transitions/s with it.
    database_pooler: bool = False
    documents_stream: str = "delo:documents"
    # The stream's own Redis (appendonly expected), apart from the broker's: a broker
    # restarted empty must not take downstream's stream with it. Unset: the broker's.
    stream_redis_url: str | None = None
    intake_token: str = "dev-token"
    max_event_bytes: int = 1024 * 1024  # an event names a few objects; MinIO's are ~1 KB
    # Buckets whose uploads start jobs, comma-separated (the scans bucket when empty);
    # events for any other bucket are answered and ignored
    intake_buckets: str = ""

    @property
    def accepted_buckets(self) -> set[str]:
        return {b.strip() for b in self.intake_buckets.split(",") if b.strip()} or {self.scans_bucket}
    # Above the longest task (a page at the OCR timeout, plus margin): a task that
    # outlives it is handed to a second worker and runs twice.
    visibility_timeout_seconds: int = 600
    worker_max_memory_kb: int = 1_500_000
    # Celery's task events (sent, started, succeeded, failed): what Flower and `celery
    # events` show of delo's tasks. Off, workers send none.
    task_events: bool = True
    # A task whose store did not answer is retried after 1, 2, 4, 8 s, then every
    # retry_delay_max_seconds (each delay 50–100% of its step): an outage is noticed
    # within that long after it ends. 40 tries span 3 to 6 minutes.
    task_max_retries: int = 40
    retry_delay_max_seconds: float = 10.0
    # Recovery (workers/sweep.py): every sweep_every_seconds, jobs whose messages the
    # broker no longer holds are sent again, and messages held by a worker that has not
    # said it is alive for worker_lost_after_seconds go back to their queue.
    sweep_every_seconds: float = 10.0
    worker_lost_after_seconds: float = 20.0
    # `delo reconcile` (and beat's, every reconcile_every_seconds) sends again the jobs this
    # long short of the end whose messages the broker lost: the sweep's question, asked at once.
    stuck_after_seconds: int = 900
    # A drop of one image per sheet (workers/sheets.py) is read as one file once every file
    # its manifest lists has arrived, or once no sheet has arrived for this long.
    sheets_settle_seconds: float = 30.0
    reconcile_every_seconds: int = 300
    # beat's reconciler lists this many objects a run, from where the last run stopped (20
    # LIST requests); a bucket of a million objects is gone through in 50 runs. `delo
    # reconcile` goes through all of it at once.
    reconcile_batch: int = 20_000
    # The dashboard: a viewer may look, an operator may also replay. Unset: nobody gets in.
    dashboard_viewer_token: str | None = None
    dashboard_operator_token: str | None = None
    metrics_public: bool = True
    # The edge. The tokens that ship as defaults (dev-token, change-me, …) are refused
    # unless this says the stack is a developer's own.
    allow_default_tokens: bool = False
    # SNS: TopicArns whose messages are accepted, comma-separated (none when empty).
    sns_topic_arns: str = ""
    # Tests only, never in production: a base URL that stands in for AWS's SNS host, from
    # which signing certificates and SubscribeURLs (checked as AWS's first) are fetched.
    sns_test_aws_url: str | None = None
    # Where worker processes keep downloaded sources while their pages are OCR'd.
    cache_dir: Path = Path("/tmp/delo-cache")


@lru_cache
def get_settings() -> Settings:
    return Settings()
