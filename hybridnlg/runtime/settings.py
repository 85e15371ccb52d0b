"""Settings of `hybridnlg serve`: one pydantic model shared by the plain server and its Ray Serve deployment."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

WORK_PATHS = ("/render", "/batch", "/verify")  # endpoints that render or validate: limited, timed, gathered


class ServeSettings(BaseModel):
    """Every knob of the HTTP service. API keys are SecretStr so a repr or a log of the settings never shows them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wait_s: float = Field(0.01, ge=0, description="How long a /render request waits for others to share a window.")
    max_window: int = Field(64, ge=1, description="Most requests (or /batch records) rendered in one window.")
    max_body_bytes: int = Field(1_000_000, ge=1, description="Larger request bodies are refused with 413.")
    max_records: int = Field(10_000, ge=1, description="Most records per /batch and items per /verify list.")
    timeout_s: float | None = Field(60.0, gt=0, description="A work request still unanswered after this gets 504.")
    max_concurrency: int | None = Field(
        256, ge=1, description="Work requests in flight at once; more are answered 429 with Retry-After.")
    retry_after_s: int = Field(1, ge=0, description="The Retry-After of a 429.")
    api_keys: tuple[SecretStr, ...] = Field((), description="Bearer keys; none: the service is open.")
    protect_health: bool = Field(False, description="/health* needs a key too (default: open, for probes).")
    protect_metrics: bool = Field(False, description="/metrics needs a key too (default: open, for Prometheus).")
    log_json: bool = Field(False, description="One JSON log line per request on stderr (request id, status, ms).")
    redact: tuple[str, ...] = Field((), description="Record fields masked in traces and logs, beside the config's.")
    warmup: bool = Field(True, description="Load the models and render the sample record before /health/ready.")
    sample_record: str | None = Field(None, description="Record rendered at warm-up (default: record.json beside "
                                                        "the config, when there is one).")
    drain_s: float = Field(30.0, ge=0, description="Seconds a shutdown waits for in-flight requests and windows.")

    def keys(self) -> tuple[bytes, ...]:
        return tuple(key.get_secret_value().encode() for key in self.api_keys)
