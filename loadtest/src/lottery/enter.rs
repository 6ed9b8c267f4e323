//! The crowd entering the lottery, as the app does.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One member's entry: (url, authorization, address, body).
pub(super) type Entry = (String, String, String, String);

/// Sends every member's entry with `connections` in flight; 429 and 503 are
/// retried after their Retry-After, as the app does.
pub(super) async fn enter_all(
    client: &reqwest::Client,
    members: Vec<Entry>,
    connections: usize,
) -> (u64, u64, u64) {
    let queue = Arc::new(std::sync::Mutex::new(members));
    let (sent, accepted, errors) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (client, queue) = (client.clone(), queue.clone());
            let (sent, accepted, errors) = (sent.clone(), accepted.clone(), errors.clone());
            tokio::spawn(async move {
                loop {
                    let Some((url, auth, ip, body)) = queue.lock().expect("queue").pop() else {
                        return;
                    };
                    for _ in 0..20 {
                        sent.fetch_add(1, Ordering::Relaxed);
                        let r = client
                            .post(&url)
                            .header("authorization", &auth)
                            .header("x-forwarded-for", &ip)
                            .header("content-type", "application/json")
                            .body(body.clone())
                            .send()
                            .await;
                        match r.map(|r| r.status().as_u16()) {
                            Ok(200 | 201) => {
                                accepted.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            Ok(429 | 503) | Err(_) => {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                            }
                            Ok(_) => {
                                errors.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    (
        sent.load(Ordering::Relaxed),
        accepted.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
    )
}
