//! The Prometheus registry and what it holds, and a store decorator that times
//! every store call.

mod metered;

use std::sync::Arc;
use std::time::Instant;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

use crate::domain::Error;
use crate::domain::EventView;
use crate::store::{Store, Taken};

/// Every metric ticketgrab exports. Names are listed in the README and queried
/// by deploy/grafana; a test checks that the two agree.
pub struct Metrics {
    pub registry: Registry,
    /// tg_grabs_total{event, outcome}: grab answers (reserved, existing, or an
    /// error's code: sold_out, not_open, ...).
    pub grabs: IntCounterVec,
    /// tg_http_request_duration_seconds{route, method, status}.
    pub http_latency: HistogramVec,
    /// tg_pool_remaining{event, pool}: unsold tickets, refreshed every second.
    pub remaining: IntGaugeVec,
    /// tg_rate_limited_total{scope}: requests refused with 429 (member or ip).
    pub rate_limited: IntCounterVec,
    /// tg_shed_total{reason}: requests refused with 503 (overloaded or timeout).
    pub shed: IntCounterVec,
    /// tg_store_errors_total{op, kind}: failed store calls (unavailable or corrupt).
    pub store_errors: IntCounterVec,
    /// tg_store_call_duration_seconds{op}.
    pub store_latency: HistogramVec,
}

/// Latency buckets from 100 µs (a Redis round trip) to 10 s (a timeout).
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("metric registered once");
            c
        };
        let histogram = |name: &str, help: &str, labels: &[&str]| {
            let h = HistogramVec::new(
                HistogramOpts::new(name, help).buckets(BUCKETS.to_vec()),
                labels,
            )
            .expect("valid metric");
            registry
                .register(Box::new(h.clone()))
                .expect("metric registered once");
            h
        };
        let remaining = IntGaugeVec::new(
            Opts::new("tg_pool_remaining", "Unsold tickets per pool"),
            &["event", "pool"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(remaining.clone()))
            .expect("metric registered once");
        let metrics = Self {
            grabs: counter(
                "tg_grabs_total",
                "Grab answers by event and outcome",
                &["event", "outcome"],
            ),
            http_latency: histogram(
                "tg_http_request_duration_seconds",
                "HTTP request latency by route",
                &["route", "method", "status"],
            ),
            remaining,
            rate_limited: counter(
                "tg_rate_limited_total",
                "Requests refused by a rate limit",
                &["scope"],
            ),
            shed: counter("tg_shed_total", "Requests shed under overload", &["reason"]),
            store_errors: counter(
                "tg_store_errors_total",
                "Failed store calls",
                &["op", "kind"],
            ),
            store_latency: histogram(
                "tg_store_call_duration_seconds",
                "Store call latency",
                &["op"],
            ),
            registry,
        };
        // Series that stay at zero in a healthy run exist from the start, so
        // rates and alerts over them are defined before the first incident.
        for scope in ["member", "ip"] {
            metrics.rate_limited.with_label_values(&[scope]);
        }
        for reason in ["overloaded", "timeout"] {
            metrics.shed.with_label_values(&[reason]);
        }
        for kind in ["unavailable", "corrupt"] {
            metrics.store_errors.with_label_values(&["grab", kind]);
        }
        metrics
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        prometheus::TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }

    /// What this instance refused since it started: the staff dashboard's
    /// "is the crowd being turned away" line (Prometheus has the rates).
    pub fn refusals(&self) -> Refusals {
        use prometheus::core::Collector;
        let families = |c: &dyn Collector| c.collect();
        let counted = |c: &dyn Collector| -> u64 {
            families(c)
                .iter()
                .flat_map(|f| f.get_metric())
                .map(|m| m.get_counter().get_value() as u64)
                .sum()
        };
        let server_errors = families(&self.http_latency)
            .iter()
            .flat_map(|f| f.get_metric())
            .filter(|m| {
                m.get_label()
                    .iter()
                    .any(|l| l.name() == "status" && l.value().starts_with('5'))
            })
            .map(|m| m.get_histogram().get_sample_count())
            .sum();
        Refusals {
            rate_limited: counted(&self.rate_limited),
            overloaded: counted(&self.shed),
            store_errors: counted(&self.store_errors),
            server_errors,
        }
    }

    /// The gauges of exactly these sales: a sale that is no longer live
    /// leaves the scrape.
    pub fn only_remaining(&self, views: &[EventView]) {
        self.remaining.reset();
        views.iter().for_each(|v| self.set_remaining(v));
    }

    pub fn set_remaining(&self, view: &EventView) {
        for pool in &view.pools {
            self.remaining
                .with_label_values(&[view.event.id.as_str(), pool.id.as_str()])
                .set(pool.remaining);
        }
    }
}

/// Answers this instance refused since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Refusals {
    /// 429: a member or an address tried too often.
    pub rate_limited: u64,
    /// 503 `overloaded`: shed under load or timed out.
    pub overloaded: u64,
    /// Store calls that failed (members saw 503 `store_unavailable`).
    pub store_errors: u64,
    /// Answers with a 5xx status (503s included).
    pub server_errors: u64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The outcome label of a grab answer: `reserved`, `existing`, or the
/// error's one word ([`Error::code`]).
pub fn grab_outcome(result: &Result<Taken, Error>) -> &'static str {
    match result {
        Ok(Taken::Ticket(g)) if g.new => "reserved",
        Ok(Taken::Ticket(_)) => "existing",
        Ok(Taken::Registered(_)) => "registered",
        Err(e) => e.code(),
    }
}

/// A store that records the latency and failures of every call.
pub struct MeteredStore {
    pub(super) inner: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

impl MeteredStore {
    pub fn new(inner: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }

    pub(super) async fn timed<T>(
        &self,
        op: &str,
        call: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        let result = call.await;
        self.metrics
            .store_latency
            .with_label_values(&[op])
            .observe(started.elapsed().as_secs_f64());
        // The kind of a store failure, a dimension of its own beside the
        // outcome (`store_unavailable` and `internal` in the outcome words).
        let kind = match &result {
            Err(Error::Unavailable(_)) => Some("unavailable"),
            Err(Error::Corrupt(_)) => Some("corrupt"),
            _ => None,
        };
        if let Some(kind) = kind {
            self.metrics
                .store_errors
                .with_label_values(&[op, kind])
                .inc();
        }
        result
    }
}
