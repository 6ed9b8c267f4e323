//! The grabs of one event that arrive together go to Redis as one call
//! (`src/store/redis/batch.rs`, `lua/grabs.lua`): each still gets the answer
//! it would have got alone, and a grab that fails fails alone.

use std::collections::{HashMap, HashSet};
use ticketgrab::domain::{Choices, Seats};

use redis::Value;
use ticketgrab::Error;
use ticketgrab::domain::{Channel, OrgPath};
use ticketgrab::store::keys::event_keys;
use ticketgrab::store::{Grab, scripts};

use super::{Harness, grab_one, redis};
use testkit::{card, event_id, open_event, pool_id};

/// Calls of EVALSHA Redis has served since the last reset.
fn evalsha_calls(conn: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(conn).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("cmdstat_evalsha:calls="))
        .and_then(|l| l.split(',').next()?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn grabs_that_arrive_together_share_calls_and_keep_their_own_answers() {
    let h = redis();
    h.engine
        .create_event(&open_event("e", &[("p", 50)]))
        .await
        .unwrap();
    let mut conn = h.redis.as_ref().unwrap().conn();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut conn)
        .unwrap();
    // 200 members of the event's union, 50 of them twice; 40 from another
    // union; 30 asking for a pool the sale does not have: all at once.
    let mut attempts: Vec<(u64, &str, &str)> = (0..200).map(|n| (n, "bj", "p")).collect();
    attempts.extend((0..50).map(|n| (n * 4, "bj", "p")));
    attempts.extend((1000..1040).map(|n| (n, "sh", "p")));
    attempts.extend((2000..2030).map(|n| (n, "bj", "nope")));
    let tasks: Vec<_> = attempts
        .iter()
        .map(|&(n, org, pool)| {
            let engine = h.engine.clone();
            tokio::spawn(async move {
                let member = engine.member(&card(n));
                let org = OrgPath::parse(org).unwrap();
                let choices = [pool_id(pool)];
                let grab = Grab {
                    groups: &[],
                    event: &event_id("e"),
                    member: &member,
                    org: Some(&org),
                    choices: &Choices::new(choices.to_vec()).unwrap(),
                    seats: Seats::ONE,
                    channel: Channel::App,
                };
                (n, engine.grab(&grab).await)
            })
        })
        .collect();
    let mut codes: HashMap<u64, HashSet<String>> = HashMap::new();
    let (mut new, mut sold_out) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            (n, Ok(g)) => {
                assert!(n < 200, "card {n} got a ticket");
                codes
                    .entry(n)
                    .or_default()
                    .insert(g.reservation.code.to_string());
                new += usize::from(g.new);
            }
            (n, Err(Error::SoldOut)) => {
                assert!(n < 200, "card {n} was told sold_out");
                sold_out += 1;
            }
            (n, Err(Error::NotEligible)) => assert!((1000..1040).contains(&n)),
            (n, Err(Error::UnknownPool(p))) => {
                assert!((2000..2030).contains(&n) && p == "nope", "card {n}: {p}")
            }
            (n, Err(e)) => panic!("card {n}: {e:?}"),
        }
    }
    assert_eq!(new, 50, "exactly the stock is sold");
    assert!(
        codes.values().all(|c| c.len() == 1),
        "a member got two codes"
    );
    let holder_answers: usize = codes
        .keys()
        .map(|n| 1 + usize::from(n % 4 == 0 && *n < 200))
        .sum();
    assert_eq!(
        sold_out + holder_answers,
        250,
        "every member's grab answered once"
    );
    // 320 grabs; had each been its own call there would be 320 calls (the
    // event's creation is not an EVALSHA of this test's reset).
    let calls = evalsha_calls(&mut conn);
    assert!(
        calls < 160,
        "{calls} calls for 320 grabs: no grabs shared a call"
    );
    let report = h.engine.audit(&event_id("e")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

/// `grabs.lua` called directly with `args` for each grab; its replies.
fn grabs(conn: &mut redis::Connection, grabs: &[Vec<String>]) -> Vec<Value> {
    let script = redis::Script::new(&scripts::source("grabs").unwrap());
    let mut invocation = script.prepare_invoke();
    for key in event_keys(&event_id("e")) {
        invocation.key(key);
    }
    for args in grabs {
        invocation.arg(args.len());
        for arg in args {
            invocation.arg(arg);
        }
    }
    match invocation.invoke(conn).unwrap() {
        Value::Array(replies) => replies,
        other => panic!("grabs.lua answered {other:?}"),
    }
}

/// grab.lua's ARGV for card `n`'s app grab of one seat in `pool`, as a
/// member of `org`, with `code` drawn.
fn grab_args(h: &Harness, n: u64, org: &str, pool: &str, code: &str) -> Vec<String> {
    let member = h.engine.member(&card(n));
    [
        member.key.as_str(),
        member.card.as_str(),
        "app",
        code,
        org,
        "1",
        "",
        "",
        pool,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn words(v: &Value) -> Vec<String> {
    redis::from_redis_value_ref(v).unwrap()
}

#[tokio::test]
async fn one_call_answers_each_grab_as_it_would_be_answered_alone() {
    let h = redis();
    h.engine
        .create_event(&open_event("e", &[("p", 2)]))
        .await
        .unwrap();
    let mut conn = h.redis.as_ref().unwrap().conn();
    let args = |n, org, pool, code| grab_args(&h, n, org, pool, code);
    let replies = grabs(
        &mut conn,
        &[
            args(1, "bj", "p", "AAAAAAAAAAAA"),
            args(1, "bj", "p", "BBBBBBBBBBBB"),
            args(2, "sh", "p", "CCCCCCCCCCCC"),
            args(3, "bj", "nope", "DDDDDDDDDDDD"),
            args(4, "bj", "p", "AAAAAAAAAAAA"),
            args(5, "bj", "p", "EEEEEEEEEEEE"),
            args(6, "bj", "p", "FFFFFFFFFFFF"),
        ],
    );
    let tags: Vec<Vec<String>> = replies.iter().map(words).collect();
    assert_eq!(tags.len(), 7);
    assert_eq!(tags[0][..2], ["reserved", "AAAAAAAAAAAA"]);
    assert_eq!(
        tags[1][..2],
        ["existing", "AAAAAAAAAAAA"],
        "the same member again"
    );
    assert_eq!(tags[2], ["not_eligible"]);
    assert_eq!(tags[3], ["unknown_pool", "nope"]);
    assert_eq!(
        tags[4],
        ["code_taken"],
        "the code of grab 1, taken in this call"
    );
    assert_eq!(tags[5][..2], ["reserved", "EEEEEEEEEEEE"]);
    assert_eq!(tags[6], ["sold_out"], "grab 1 and 6 took the two tickets");
    let report = h.engine.audit(&event_id("e")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

#[tokio::test]
async fn a_grab_that_fails_in_a_call_fails_alone_and_writes_nothing() {
    let h = redis();
    h.engine
        .create_event(&open_event("e", &[("p", 10)]))
        .await
        .unwrap();
    let keys = event_keys(&event_id("e"));
    let (cnt, member_hash) = (&keys[3], &keys[5]);
    let mut conn = h.redis.as_ref().unwrap().conn();
    // Card 2 is on the waiting list (as far as its entry says), and the
    // counters' key is broken: its grab must check that key before it writes,
    // and fails; plain grabs do not touch it.
    let waiter = h.engine.member(&card(2));
    let _: () = redis::cmd("HSET")
        .arg(member_hash)
        .arg(format!("w:{}", waiter.key.as_str()))
        .arg("0000000000000001|1|9999999999999|p|6217 **** **** 0002|app|0|WWWWWWWWWWWW")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(cnt)
        .arg("oops")
        .query(&mut conn)
        .unwrap();
    let args = |n, code| grab_args(&h, n, "bj", "p", code);
    let replies = grabs(
        &mut conn,
        &[
            args(1, "AAAAAAAAAAAA"),
            args(2, "BBBBBBBBBBBB"),
            args(3, "CCCCCCCCCCCC"),
        ],
    );
    let tags: Vec<Vec<String>> = replies.iter().map(words).collect();
    assert_eq!(tags[0][..2], ["reserved", "AAAAAAAAAAAA"]);
    assert_eq!(tags[1][0], "error");
    assert!(tags[1][1].starts_with("TG_CORRUPT"), "{:?}", tags[1]);
    assert_eq!(tags[2][..2], ["reserved", "CCCCCCCCCCCC"]);
    let code_of_2: Option<String> = redis::cmd("HGET")
        .arg(member_hash)
        .arg(waiter.key.as_str())
        .query(&mut conn)
        .unwrap();
    assert_eq!(code_of_2, None, "the failed grab wrote its member index");
    let stock: i64 = redis::cmd("HGET")
        .arg(&keys[1])
        .arg("p")
        .query(&mut conn)
        .unwrap();
    assert_eq!(stock, 8, "two tickets taken, not three");
    // Through the store, the failure is that grab's own error.
    let failed = grab_one(&h.engine, "e", 2, "bj").await;
    assert!(
        matches!(&failed, Err(Error::Corrupt(m)) if m.contains("TG_CORRUPT")),
        "{failed:?}"
    );
    assert!(grab_one(&h.engine, "e", 4, "bj").await.unwrap().new);
}
