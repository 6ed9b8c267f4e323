//! Protection from the crowd: a per-member and a per-IP rate limit (429 with
//! Retry-After), a global in-flight limit that sheds load (503 overloaded), and
//! a request timeout (503 overloaded). All answer problem+json.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::Semaphore;

use super::error::ApiError;
use crate::domain::MemberKey;
use crate::metrics::Metrics;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// A keyed rate limit that answers with the wait in whole seconds.
pub struct KeyedLimit<K: std::hash::Hash + Eq + Clone> {
    limiter: Option<Keyed<K>>,
    clock: DefaultClock,
}

impl<K: std::hash::Hash + Eq + Clone> KeyedLimit<K> {
    /// `rate` per second sustained, `burst` at once; a rate of 0 disables it.
    pub fn new(rate: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(rate).map(|rate| {
            let burst = NonZeroU32::new(burst.max(1)).expect("max(1) is non-zero");
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// `Err(RateLimited)` with Retry-After rounded up to a whole second.
    pub fn check(&self, key: &K) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let rounded_up = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited {
                retry_after: rounded_up.max(1),
            }
        })
    }

    /// Forgets keys whose limit has fully recovered, so memory stays bounded.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// All limits of one process.
pub struct Limits {
    /// Grabs and cancels per member key (kept inline: checking a member
    /// allocates nothing).
    pub member: KeyedLimit<MemberKey>,
    /// API requests per client IP.
    pub ip: KeyedLimit<IpAddr>,
    /// Payment notifications with a missing or wrong signature, per client
    /// IP (valid ones are outside every per-IP limit).
    pub unsigned: KeyedLimit<IpAddr>,
    /// Proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Free in-flight slots; none left means shed.
    pub in_flight: Arc<Semaphore>,
    pub request_timeout: Duration,
    /// Where refusals are counted.
    pub metrics: Arc<Metrics>,
}

impl Limits {
    pub fn member_check(&self, member_key: &MemberKey) -> Result<(), ApiError> {
        self.member.check(member_key).inspect_err(|_| {
            self.metrics
                .rate_limited
                .with_label_values(&["member"])
                .inc();
        })
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the
/// right-most address in X-Forwarded-For that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    // Right to left, the last header line first: no list is built per request.
    let chain = headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','));
    let mut client = peer;
    for hop in chain {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The answer when the client's address (from `peer` and, behind a trusted
/// proxy, `X-Forwarded-For`) is over its limit: step 4 of steps.rs.
pub fn peer_refusal(
    limits: &Limits,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Option<Response> {
    let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
    let ip = client_ip(peer, headers, &limits.trusted_proxies);
    let refused = limits.ip.check(&ip).err()?;
    limits.metrics.rate_limited.with_label_values(&["ip"]).inc();
    Some(refused.into_response())
}

/// A notification whose signature failed, from `peer`: refused with 429
/// once its address is over the unsigned limit; logged (throttled) either way.
pub fn unsigned_refusal(
    limits: &Limits,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> ApiError {
    static LOGGED: super::throttle::Throttle =
        super::throttle::Throttle::new(Duration::from_secs(10));
    let peer = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
    let ip = client_ip(peer, headers, &limits.trusted_proxies);
    let limited = limits.unsigned.check(&ip).err();
    if let Some(left_out) = LOGGED.allow() {
        tracing::warn!(client = %ip, limited = limited.is_some(), left_out, "payment notification with a missing or wrong signature");
    }
    match limited {
        Some(refused) => {
            limits
                .metrics
                .rate_limited
                .with_label_values(&["unsigned"])
                .inc();
            refused
        }
        None => ApiError::Unauthenticated("missing or wrong payment signature"),
    }
}

/// An in-flight slot for one request; none (counted as shed) when none is
/// free, and the request is answered 503 overloaded (step 5 of steps.rs).
pub fn admit(limits: &Limits) -> Option<tokio::sync::OwnedSemaphorePermit> {
    let permit = limits.in_flight.clone().try_acquire_owned().ok();
    if permit.is_none() {
        limits.metrics.shed.with_label_values(&["overloaded"]).inc();
    }
    permit
}

/// The answer to a request that ran out of `request_timeout`.
pub fn timed_out(limits: &Limits) -> Response {
    // A grab cut off here may still complete in the store; the member's
    // retry then gets the same ticket back, so this is safe.
    limits.metrics.shed.with_label_values(&["timeout"]).inc();
    ApiError::Overloaded.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.0.0.2".parse().unwrap(),
        );
        let trusted = [proxy, "10.0.0.2".parse().unwrap()];
        assert_eq!(
            client_ip(proxy, &headers, &trusted),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(client_ip(stranger, &headers, &trusted), stranger);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        // Two header lines are one list, the last line's last address first.
        let cases = [
            (
                ["6.6.6.6, 203.0.113.7", "198.51.100.1, 10.0.0.2"],
                "198.51.100.1",
            ),
            (["203.0.113.7", "10.0.0.2"], "203.0.113.7"),
        ];
        for (lines, client) in cases {
            let mut headers = HeaderMap::new();
            for line in lines {
                headers.append("x-forwarded-for", line.parse().unwrap());
            }
            let client: IpAddr = client.parse().unwrap();
            assert_eq!(client_ip(proxy, &headers, &trusted), client, "{lines:?}");
        }
    }

    #[test]
    fn a_spent_burst_answers_with_a_retry_after_of_at_least_a_second() {
        let limit = KeyedLimit::new(1, 2);
        assert!(limit.check(&1).is_ok());
        assert!(limit.check(&1).is_ok());
        match limit.check(&1) {
            Err(ApiError::RateLimited { retry_after }) => assert!(retry_after >= 1),
            other => panic!("{other:?}"),
        }
        assert!(limit.check(&2).is_ok(), "keys are limited separately");
        assert!(KeyedLimit::new(0, 0).check(&1).is_ok(), "rate 0 disables");
    }
}
