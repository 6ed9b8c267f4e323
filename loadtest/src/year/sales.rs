//! A month's sale over HTTP, as staff and the crowd use it: created (in the
//! program or not), raced by the fast members first and then the rest, or
//! entered, closed, given its public value and drawn. Every request is the
//! app's: a member token, the member's address, 429 and 503 retried.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use serde_json::{Value, json};
use ticketgrab::domain::Millis;
use ticketgrab::lottery::export::{Export, verify};

/// How a request of the crowd ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A ticket (a race) or an entry (a lottery).
    Yes,
    /// Registered in a race's fair window (202): its draw decides.
    Registered,
    /// Sold out, or refused at the program's cap.
    No,
    /// Anything else: an error the checks count.
    Error,
}

/// The HTTP side of a rehearsal: the client, the server, the staff token.
pub struct Staff {
    pub client: reqwest::Client,
    pub base: String,
    pub admin: String,
    pub connections: usize,
}

/// One request of a member: its token, its address.
#[derive(Clone)]
pub struct Caller {
    pub authorization: String,
    pub ip: String,
}

async fn json_of(r: reqwest::Response) -> anyhow::Result<(u16, Value)> {
    let status = r.status().as_u16();
    Ok((status, r.json().await.unwrap_or(Value::Null)))
}

impl Staff {
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.admin)
            .json(body)
            .send()
            .await?;
        json_of(r).await
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, Value)> {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.admin)
            .send()
            .await?;
        json_of(r).await
    }

    /// Creates a sale of `pools` × `per_pool` tickets, open now; a lottery
    /// closes after `window` and is drawn then; a race may have a fair
    /// window of `fair` seconds.
    pub async fn create(
        &self,
        id: &str,
        program: Option<&str>,
        pools: &[(String, i64)],
        window: Option<Duration>,
        fair: Option<i64>,
    ) -> anyhow::Result<Millis> {
        let now = Millis::now().0;
        let closes = now + window.map_or(3_600_000, |w| w.as_millis() as i64);
        let pools: Vec<Value> = pools
            .iter()
            .map(|(p, n)| json!({"id": p, "title": p, "total": n}))
            .collect();
        let mut body = json!({
            "id": id, "title": format!("普惠 {id}"), "org": "bj",
            "opens_at": Millis(now - 1_000).rfc3339(), "closes_at": Millis(closes).rfc3339(),
            "price_fen": 0, "pools": pools,
        });
        if window.is_some() {
            body["mode"] = json!("lottery");
            body["draw_at"] = json!(Millis(closes).rfc3339());
            body["public_source"] = json!("drand round 5000000");
        }
        if let Some(p) = program {
            body["program"] = json!(p);
        }
        if let Some(secs) = fair {
            body["fair_window_secs"] = json!(secs);
        }
        let (status, made) = self.post("/api/v1/admin/events", &body).await?;
        if status != 201 {
            bail!("creating {id}: {status} {made}");
        }
        Ok(Millis(closes))
    }

    /// Each caller's request to `path` with its body, `connections` at a
    /// time, in the order given; the answers in that order.
    pub async fn crowd(&self, path: &str, calls: Vec<(Caller, String)>) -> Vec<Answer> {
        let url = Arc::new(format!("{}{path}", self.base));
        futures_util::stream::iter(calls)
            .map(|(caller, body)| {
                let (client, url) = (self.client.clone(), url.clone());
                async move { one(&client, &url, &caller, body).await }
            })
            .buffered(self.connections.max(1))
            .collect()
            .await
    }

    /// After the lottery's close: the closing kept, the public value, the
    /// draw; the export once published, and whether it verifies against the
    /// closing kept.
    pub async fn draw(&self, event: &str, closes: Millis) -> anyhow::Result<(Export, bool)> {
        while Millis::now().0 <= closes.0 + 50 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let lottery = format!("/api/v1/events/{event}/lottery");
        let (_, closed) = self.get(&lottery).await?;
        let kept = closed["closing"]["digest"].as_str().map(str::to_owned);
        let admin = format!("/api/v1/admin/events/{event}/lottery");
        let (status, answer) = self
            .post(
                &format!("{admin}/public-value"),
                &json!({"value": format!("year {event}")}),
            )
            .await?;
        if status != 200 {
            bail!("the public value of {event}: {status} {answer}");
        }
        let (status, answer) = self.post(&format!("{admin}/draw"), &json!({})).await?;
        if status != 200 && status != 202 {
            bail!("drawing {event}: {status} {answer}");
        }
        self.drawn(event, kept.as_deref()).await
    }

    /// Waits until `event`'s draw is published (a lottery's, started by
    /// staff; a race's fair window, by the service itself); the export, and
    /// whether it verifies against the closing `kept` (by default, the one
    /// the draw publishes).
    pub async fn drawn(&self, event: &str, kept: Option<&str>) -> anyhow::Result<(Export, bool)> {
        let lottery = format!("/api/v1/events/{event}/lottery");
        let deadline = std::time::Instant::now() + Duration::from_secs(900);
        let published = loop {
            let (_, l) = self.get(&lottery).await?;
            if l["phase"] == "drawn" {
                break l;
            }
            if std::time::Instant::now() > deadline {
                bail!("{event} was not drawn within 900 s: {l}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let export: Export = self
            .client
            .get(format!("{}{lottery}/export", self.base))
            .send()
            .await?
            .json()
            .await
            .context("reading the export")?;
        let kept = kept.or(published["closing"]["digest"].as_str());
        let verified = kept.is_some() && verify(&export, kept).is_ok();
        Ok((export, verified))
    }

    /// Whether the sale's audit passes.
    pub async fn audit_ok(&self, event: &str) -> anyhow::Result<bool> {
        let (status, audit) = self
            .get(&format!("/api/v1/admin/events/{event}/audit"))
            .await?;
        Ok(status == 200 && audit["ok"] == true)
    }
}

/// One member's request, retried after 429 and 503 as the app does.
async fn one(client: &reqwest::Client, url: &str, caller: &Caller, body: String) -> Answer {
    for _ in 0..30 {
        let r = client
            .post(url)
            .header("authorization", &caller.authorization)
            .header("x-forwarded-for", &caller.ip)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let Ok(r) = r else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let status = r.status().as_u16();
        match status {
            200 | 201 => return Answer::Yes,
            202 => return Answer::Registered,
            429 | 503 => tokio::time::sleep(Duration::from_millis(200)).await,
            409 => {
                let problem: Value = r.json().await.unwrap_or(Value::Null);
                return match problem["code"].as_str() {
                    Some("sold_out" | "program_cap") => Answer::No,
                    _ => Answer::Error,
                };
            }
            _ => return Answer::Error,
        }
    }
    Answer::Error
}
