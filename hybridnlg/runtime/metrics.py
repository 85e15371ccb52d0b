"""Prometheus metrics of `hybridnlg serve`, each taken from what the engine returns (reports and their trace) or
measured around it (request and window wall time, queue wait, component load time). One registry per app."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from ..pipeline.report import Report

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServeMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter("hybridnlg_http_requests", "HTTP requests by endpoint, method and status.",
                                ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("hybridnlg_http_request_duration_seconds", "Request wall time by endpoint and status.",
                                 ["endpoint", "status"], buckets=LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge("hybridnlg_http_requests_in_flight", "Requests being served.", registry=r)
        self.records = Counter("hybridnlg_records", "Records rendered, by outcome (report or error).", ["outcome"],
                               registry=r)
        self.segments = Counter("hybridnlg_segments", "Segments by the realizer whose text was published "
                                "(`none`: dropped).", ["realizer"], registry=r)
        self.fallbacks = Counter("hybridnlg_fallback_segments", "Segments published flagged or by a realizer outside "
                                 "their first route (as `hybridnlg eval` counts them).", registry=r)
        self.flagged = Counter("hybridnlg_flagged_segments", "Segments published although nothing passed validation.",
                               registry=r)
        self.dropped = Counter("hybridnlg_dropped_segments", "Segments left out because nothing passed validation.",
                               registry=r)
        self.rejections = Counter("hybridnlg_validator_rejections", "Error issues in validated candidates, by "
                                  "validator and issue code.", ["validator", "code"], registry=r)
        self.realizer_batch = Histogram("hybridnlg_realizer_batch_segments", "Segments handed to a realizer in one "
                                        "window (its batch).", ["realizer"], buckets=SIZE_BUCKETS, registry=r)
        self.tokens = Counter("hybridnlg_generated_tokens", "Tokens generated, summed from the candidates' "
                              "`tokens`.", ["realizer"], registry=r)
        self.tokens_per_s = Histogram("hybridnlg_window_generated_tokens_per_second", "Tokens generated in a window "
                                      "over its wall time (realize and validate).", ["realizer"],
                                      buckets=(10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000), registry=r)
        self.window_seconds = Histogram("hybridnlg_window_seconds", "Wall time of one window (plan to assembly).",
                                        buckets=LATENCY_BUCKETS, registry=r)
        self.window_requests = Histogram("hybridnlg_window_requests", "Requests (or /batch records) per window.",
                                         buckets=SIZE_BUCKETS, registry=r)
        self.queue_wait = Histogram("hybridnlg_queue_wait_seconds", "Time a /render request waited for its window "
                                    "to start.", buckets=LATENCY_BUCKETS, registry=r)
        self.load_seconds = Gauge("hybridnlg_model_load_seconds", "Seconds a realizer's or validator's load() took at "
                                  "warm-up.", ["kind", "name"], registry=r)
        self.warmup_seconds = Gauge("hybridnlg_warmup_seconds", "Seconds the whole warm-up took.", registry=r)
        self.ready = Gauge("hybridnlg_ready", "1 once warm-up is done.", registry=r)

    def observe_request(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, method, str(status)).inc()
        self.latency.labels(endpoint, str(status)).observe(seconds)

    def observe_window(self, outcomes: Sequence[Report | Exception | dict[str, Any]], seconds: float,
                       waits: Sequence[float] = ()) -> None:
        """One rendered window: its reports' segments, rejections, realizer batches and generated tokens."""
        from ..pipeline.report import Report

        self.window_seconds.observe(seconds)
        self.window_requests.observe(len(outcomes))
        for wait in waits:
            self.queue_wait.observe(wait)
        batch: Tally[str] = Tally()
        tokens: Tally[str] = Tally()
        for outcome in outcomes:
            if not isinstance(outcome, Report):
                self.records.labels("error").inc()
                continue
            self.records.labels("report").inc()
            for result in outcome.segments:
                self._observe_segment(result, batch, tokens)
        for realizer, size in batch.items():
            self.realizer_batch.labels(realizer).observe(size)
        for realizer, count in tokens.items():
            self.tokens.labels(realizer).inc(count)
            if seconds > 0:
                self.tokens_per_s.labels(realizer).observe(count / seconds)

    def _observe_segment(self, result: Any, batch: Tally[str], tokens: Tally[str]) -> None:
        self.segments.labels(result.realizer or "none").inc()
        if result.realizer is None:
            self.dropped.inc()
        else:
            self.flagged.inc(result.flagged)
            self.fallbacks.inc(result.flagged or result.realizer not in result.route.realizers)
        asked = {trace.candidate.realizer for trace in result.candidates} | set(result.failures)
        batch.update(asked)
        for trace in result.candidates:
            generated = trace.candidate.meta.get("tokens")
            if isinstance(generated, int):
                tokens[trace.candidate.realizer] += generated
            for report in trace.reports if trace.validated and not trace.duplicate else []:
                for issue in report.issues:
                    if issue.severity == "error":
                        self.rejections.labels(report.validator, issue.code).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
