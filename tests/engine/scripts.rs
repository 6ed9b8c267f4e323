//! The scripts never leave half a change. Redis does not roll a script back
//! when a command fails inside it, so the guarantee is by construction:
//! every check (including key types) runs before the first write, writes come
//! only after a `-- writes` marker, and the shebang makes Redis refuse a script
//! for lack of memory before it starts. These tests check the construction and
//! then try to break it on a real Redis.

use std::collections::BTreeMap;
use ticketgrab::domain::{Choices, Seats};

use ticketgrab::Error;
use ticketgrab::domain::PaymentId;
use ticketgrab::domain::{Channel, Code, OrgPath, StatusAction};
use ticketgrab::store::keys::event_keys;
use ticketgrab::store::{Find, scripts};
use ticketgrab::store::{Grab, Join};

use super::{Harness, redis};
use testkit::{card, event_id, open_event, pool_id};

const WRITE_COMMANDS: &[&str] = &[
    "HSET", "HINCRBY", "HDEL", "XADD", "SET", "DEL", "SADD", "INCR", "EXPIRE", "ZADD", "ZREM",
    "UNLINK",
];

/// The prelude's writing helpers: each a whole change of its own (or part of
/// the caller's, after its checks), called only after `-- writes`.
const WRITING_HELPERS: &[&str] = &[
    "expire_hold",
    "serve",
    "drop_waiting",
    "count_seats",
    "add_place",
    "write_entry",
    "give_back",
    "release_due",
];

/// A writing helper that is a whole change of its own, made before the
/// script's own (the release of kept parts whose time came: lib.lua
/// `release_due`): allowed among the checks, after every key's type was
/// checked (`guard_types()`), since a refusal after it leaves the release
/// done and nothing half-done.
const PRIOR_CHANGE: &str = "release_due(";

/// Helpers that write through another (`serve`): called where writes may.
const SERVING: &[&str] = &["serve_waiting", "serve_part"];

fn calls_helper(lua: &str) -> Option<&'static str> {
    WRITING_HELPERS
        .iter()
        .chain(SERVING)
        .find(|h| lua.contains(&format!("{h}(")))
        .copied()
}

fn write_calls(lua: &str) -> Vec<&str> {
    lua.lines()
        .filter(|l| {
            WRITE_COMMANDS
                .iter()
                .any(|c| l.contains(&format!("redis.call('{c}'")))
        })
        .collect()
}

#[test]
fn every_script_writes_only_after_all_its_checks() {
    for name in scripts::names() {
        let source = scripts::source(name).unwrap();
        assert!(
            source.starts_with("#!lua"),
            "{name} needs the shebang so OOM is checked before it starts"
        );
        // The script's own file: the prelude (lib.lua) is checked below.
        let own = std::fs::read_to_string(format!("{}/lua/{name}.lua", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
        assert!(source.ends_with(&own), "{name}: the file is not what runs");
        let body = own.as_str();
        if name == "grabs" {
            // grab.lua as a function, called per grab: it writes nothing of
            // its own, and each grab is held to the rules as grab.lua.
            assert!(write_calls(body).is_empty(), "grabs.lua writes");
            assert!(
                calls_helper(body).is_none(),
                "grabs.lua calls a writing helper"
            );
            let grab = scripts::source("grab").unwrap();
            let (_, grab_body) = grab.split_once("-- grab.lua:").unwrap();
            assert!(
                source.contains(&format!(
                    "local function grab(ARGV)\n-- grab.lua:{grab_body}\nend\n"
                )),
                "grabs does not run grab.lua as it is"
            );
            continue;
        }
        if name == "read" {
            assert!(write_calls(body).is_empty(), "read.lua writes");
            assert!(source.starts_with("#!lua flags=no-writes"));
            continue;
        }
        // A script of several actions (lottery.lua): each `if action == ...`
        // section is held to the rules on its own, after the shared head.
        let mut sections: Vec<&str> = body.split("\nif action == '").collect();
        let head = if sections.len() > 2 {
            let head = sections.remove(0);
            assert!(
                write_calls(head).is_empty(),
                "{name} writes before its actions"
            );
            assert!(
                calls_helper(head).is_none(),
                "{name} calls a writing helper early"
            );
            head
        } else {
            sections = vec![body];
            ""
        };
        for section in sections {
            check_section(name, head, section);
        }
    }
}

/// One state change's code, after the script's `head` of shared checks.
fn check_section(name: &str, head: &str, body: &str) {
    {
        let (checks, writes) = body
            .split_once("-- writes")
            .unwrap_or_else(|| panic!("{name} has no '-- writes' marker"));
        let checks = &format!("{head}{checks}");
        if let Some(at) = checks.find(PRIOR_CHANGE) {
            assert!(
                checks[..at].contains("guard_types()"),
                "{name} releases kept parts before checking every key's type"
            );
        }
        let checks = &checks.replace(PRIOR_CHANGE, "prior_change(");
        assert!(
            write_calls(checks).is_empty(),
            "{name} writes before its checks end: {:?}",
            write_calls(checks)
        );
        assert!(
            !write_calls(writes).is_empty() || calls_helper(writes).is_some(),
            "{name} writes nothing after its marker"
        );
        // The prelude's writing helpers run only where writes may.
        assert_eq!(
            calls_helper(checks),
            None,
            "{name} calls a writing helper before its checks end"
        );
        // Every key's type is checked before the first write: all ten by
        // guard_types(), or (grab.lua, the hot path) the keys it reads by the
        // reads themselves (`checked`) and, when it writes others (a hold, the
        // waiting list), those by guard_types(KEY, ...). The hot path checks
        // the log by its first own write: a pcall whose failure returns before
        // any other write of the grab.
        assert!(
            checks.contains("guard_types()")
                || (checks.contains("checked(")
                    && checks.contains("guard_types(CNT, LOG, HOLDS, PAYS, WAITQ, PLACES)")
                    && writes.contains("logged = redis.pcall('XADD', LOG")),
            "{name} does not check key types"
        );
        // After the marker there is no way out but success, except before the
        // script's own first write, right after a helper's whole change (a
        // grab whose member's expired hold went to the waiting list, say).
        let code_lines: Vec<&str> = writes
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect();
        let first_write = code_lines
            .iter()
            .position(|l| !write_calls(l).is_empty())
            .unwrap_or(code_lines.len());
        let late_returns = code_lines[first_write..]
            .iter()
            .filter(|l| l.contains("return"))
            .count();
        // A section whose writes are all a helper's (lottery.lua's enter:
        // `write_entry`) returns its result after it, and nothing before.
        let expected = usize::from(first_write < code_lines.len());
        assert_eq!(
            late_returns, expected,
            "{name} may return between its writes"
        );
    }
}

#[test]
fn the_prelude_writes_only_inside_its_writing_helpers() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/lua/lib.lua")).unwrap();
    // lib.lua, cut at each function: every piece that writes is a helper's.
    let mut pieces = lib.split("local function ");
    let head = pieces.next().unwrap();
    assert!(write_calls(head).is_empty(), "lib.lua writes at its top");
    let mut writers = Vec::new();
    for piece in pieces {
        let name = piece.split('(').next().unwrap().trim();
        if !write_calls(piece).is_empty() {
            writers.push(name);
        }
    }
    writers.sort();
    let mut expected = WRITING_HELPERS.to_vec();
    expected.sort();
    // They type-check nothing themselves: their callers did (guard_types
    // before any write).
    assert_eq!(writers, expected, "lib.lua writes outside its helpers");
}

/// Every key of the instance with its DUMP: byte-for-byte state.
fn dump_all(h: &Harness) -> BTreeMap<String, Vec<u8>> {
    let mut conn = h.redis.as_ref().unwrap().conn();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    keys.into_iter()
        .map(|k| {
            let dump: Vec<u8> = redis::cmd("DUMP").arg(&k).query(&mut conn).unwrap();
            (k, dump)
        })
        .collect()
}

fn d<T: std::fmt::Debug>(r: Result<T, Error>) -> Result<String, Error> {
    r.map(|x| format!("{x:?}"))
}

/// One of each state change on event `e`, with the results.
async fn every_change(h: &Harness, held: &Code) -> Vec<Result<String, Error>> {
    let ev = event_id("e");
    let member = h.engine.member(&card(1));
    let newcomer = h.engine.member(&card(99));
    let org = OrgPath::parse("bj").unwrap();
    let p = [pool_id("p")];
    let grab = Grab {
        groups: &[],
        event: &ev,
        member: &newcomer,
        org: Some(&org),
        choices: &Choices::new(p.to_vec()).unwrap(),
        seats: Seats::ONE,
        channel: Channel::App,
    };
    vec![
        d(h.engine.grab(&grab.clone()).await),
        d(h.engine
            .pay(&ev, held, &PaymentId::parse("pay-1").unwrap(), 500)
            .await),
        d(h.engine.expire_holds(&ev, 10).await),
        d(h.engine.cancel(&ev, &member.key, held).await),
        d(h.engine.redeem(&ev, &Find::Code(held.clone())).await),
        d(h.engine.restock(&ev, &pool_id("p"), 3).await),
        d(h.engine.enter(&grab.clone()).await),
        d(h.engine.set_public_value(&ev, "drand 1").await),
        d(h.engine.join_waiting(&Join { grab, cutoff: None }).await),
        d(h.engine.leave_waiting(&ev, &member.key).await),
        d(h.engine.release_unredeemed(&ev, &pool_id("p")).await),
        d(h.engine.set_status(&ev, StatusAction::Pause).await),
        d(h.engine.tally(&ev, "desk-1", "issued", 1).await),
        d(h.engine.create_event(&open_event("e", &[("p", 10)])).await),
    ]
}

/// Event `e` (a 500-fen sale) with card 1's ticket; `hold_ms` > 0 makes it a
/// hold, and the sale one whose grabs touch every key.
async fn event_with_one_ticket(h: &Harness, hold_ms: i64) -> Code {
    let mut event = open_event("e", &[("p", 10)]);
    event.hold_ms = hold_ms;
    h.engine.create_event(&event).await.unwrap();
    grab_on_e(h, 1).await.unwrap().reservation.code
}

/// Card `n`'s grab of one seat in pool `p` of event `e`, from the app.
async fn grab_on_e(h: &Harness, n: u64) -> Result<ticketgrab::store::Grabbed, Error> {
    super::grab_one(&h.engine, "e", n, "bj").await
}

#[tokio::test]
async fn a_key_of_the_wrong_type_fails_every_script_before_any_write() {
    let h = redis();
    let held = event_with_one_ticket(&h, 60_000).await;
    let mut conn = h.redis.as_ref().unwrap().conn();
    // The live totals last: with them broken a grab still sells (below).
    let mut keys = event_keys(&event_id("e")).to_vec();
    keys.sort_by_key(|k| k.ends_with(":total"));
    for key in keys {
        let existed = break_key(&mut conn, &key);
        // A grab neither reads nor writes the live totals (the hot path
        // reads what it decides on): with them broken it still sells, whole.
        // Its ticket taken first, every change then answers from the rest.
        let sells_anyway = key.ends_with(":total");
        if sells_anyway {
            assert!(every_change(&h, &held).await[0].is_ok());
        }
        let before = dump_all(&h);
        for (i, result) in every_change(&h, &held).await.into_iter().enumerate() {
            let refused = matches!(&result, Err(Error::Corrupt(m)) if m.contains("TG_CORRUPT"));
            let retry =
                sells_anyway && i == 0 && matches!(&result, Ok(s) if s.contains("new: false"));
            assert!(refused || retry, "change {i} with {key} broken: {result:?}");
        }
        assert_eq!(
            dump_all(&h),
            before,
            "a script wrote something with {key} broken"
        );
        restore_key(&mut conn, &key, existed);
    }
    let report = h.engine.audit(&event_id("e")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

/// Replaces `key` by a string, as a stray command or a bug elsewhere might (a
/// key the event has not written yet is simply created); the key as it was
/// is kept as `saved`. Whether it existed.
fn break_key(conn: &mut redis::Connection, key: &str) -> bool {
    let existed: bool = redis::cmd("EXISTS").arg(key).query(conn).unwrap();
    if existed {
        let _: () = redis::cmd("RENAME")
            .arg(key)
            .arg("saved")
            .query(conn)
            .unwrap();
    }
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg("not what you expect")
        .query(conn)
        .unwrap();
    existed
}

/// Puts back what `break_key` replaced.
fn restore_key(conn: &mut redis::Connection, key: &str, existed: bool) {
    if existed {
        let _: () = redis::cmd("RENAME")
            .arg("saved")
            .arg(key)
            .query(conn)
            .unwrap();
    } else {
        let _: () = redis::cmd("DEL").arg(key).query(conn).unwrap();
    }
}

#[tokio::test]
async fn scripts_flushed_from_redis_are_loaded_again_by_the_next_call() {
    let h = redis();
    event_with_one_ticket(&h, 0).await;
    let mut conn = h.redis.as_ref().unwrap().conn();
    let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut conn).unwrap();
    // Every kind of call after the flush: a change (grab) and a read.
    assert!(grab_on_e(&h, 2).await.unwrap().new);
    let _: () = redis::cmd("SCRIPT").arg("FLUSH").query(&mut conn).unwrap();
    assert_eq!(
        h.engine.event(&event_id("e")).await.unwrap().pools[0].remaining,
        8
    );
}

#[tokio::test]
async fn out_of_memory_refuses_every_script_before_it_starts() {
    let h = redis();
    let held = event_with_one_ticket(&h, 60_000).await;
    let mut conn = h.redis.as_ref().unwrap().conn();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("noeviction")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("1")
        .query(&mut conn)
        .unwrap();
    let before = dump_all(&h);
    for (i, result) in every_change(&h, &held).await.into_iter().enumerate() {
        assert!(
            matches!(&result, Err(Error::Unavailable(m)) if m.contains("OOM")),
            "change {i}: {result:?}"
        );
    }
    assert_eq!(dump_all(&h), before);
    // Reads still work: the read script is flagged no-writes.
    assert_eq!(
        h.engine.event(&event_id("e")).await.unwrap().pools[0].remaining,
        9
    );
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("0")
        .query(&mut conn)
        .unwrap();
    assert!(every_change(&h, &held).await[0].is_ok());
}

#[tokio::test]
async fn the_audit_reports_tampering_and_lost_tickets() {
    let h = redis();
    let held = event_with_one_ticket(&h, 60_000).await;
    let ev = event_id("e");
    assert!(h.engine.audit(&ev).await.unwrap().ok);
    let mut conn = h.redis.as_ref().unwrap().conn();
    let [_, stock, _, _, res, ..] = event_keys(&ev);
    // An extra ticket appears out of nowhere.
    let _: () = redis::cmd("HINCRBY")
        .arg(&stock)
        .arg("p")
        .arg(1)
        .query(&mut conn)
        .unwrap();
    let report = h.engine.audit(&ev).await.unwrap();
    assert!(!report.ok);
    assert!(!report.pools[0].balanced);
    assert!(
        report.violations.iter().any(|v| v.contains("!= total")),
        "{:?}",
        report.violations
    );
    // A confirmed ticket disappears (as after a failover without WAIT).
    let _: () = redis::cmd("HDEL")
        .arg(&res)
        .arg(held.as_str())
        .query(&mut conn)
        .unwrap();
    let report = h.engine.audit(&ev).await.unwrap();
    assert!(
        report.violations.iter().any(|v| v.contains("lost ticket")),
        "{:?}",
        report.violations
    );
}

/// Rewrites an event on Redis into the layout of the build before family
/// seats and payment holds: no `max_seats` or `hold_ms` in the meta hash, no
/// held or expired counters, records of eight fields, log entries without
/// `seats`.
fn downgrade_to_single_seats(h: &Harness, ev: &ticketgrab::domain::EventId) {
    let mut conn = h.redis.as_ref().unwrap().conn();
    let [meta, _, _, cnt, res, _, log, ..] = event_keys(ev);
    let _: () = redis::cmd("HDEL")
        .arg(&meta)
        .arg("max_seats")
        .arg("hold_ms")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("HDEL")
        .arg(&cnt)
        .arg("held:p")
        .arg("expired:p")
        .query(&mut conn)
        .unwrap();
    let records: Vec<(String, String)> = redis::cmd("HGETALL").arg(&res).query(&mut conn).unwrap();
    for (code, record) in records {
        let old = record
            .strip_suffix("|1|")
            .expect("one seat, no hold")
            .to_owned();
        let _: () = redis::cmd("HSET")
            .arg(&res)
            .arg(code)
            .arg(old)
            .query(&mut conn)
            .unwrap();
    }
    type Entry = (String, Vec<(String, String)>);
    let entries: Vec<Entry> = redis::cmd("XRANGE")
        .arg(&log)
        .arg("-")
        .arg("+")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("DEL").arg(&log).query(&mut conn).unwrap();
    for (id, fields) in entries {
        let mut add = redis::cmd("XADD");
        add.arg(&log).arg(id);
        for (k, v) in fields.iter().filter(|(k, _)| k != "seats" && k != "pay_by") {
            add.arg(k).arg(v);
        }
        let _: String = add.query(&mut conn).unwrap();
    }
}

#[tokio::test]
async fn events_and_tickets_from_before_family_seats_hold_one_seat() {
    let h = redis();
    let held = event_with_one_ticket(&h, 0).await;
    let ev = event_id("e");
    downgrade_to_single_seats(&h, &ev);
    let view = h.engine.event(&ev).await.unwrap();
    assert_eq!((view.event.max_seats, view.pools[0].remaining), (1, 9));
    let r = h
        .engine
        .reservation(&ev, &Find::Code(held.clone()))
        .await
        .unwrap();
    assert_eq!(r.seats, 1);
    assert!(h.engine.audit(&ev).await.unwrap().ok);
    // The old ticket is given back as one seat, the old event refuses two.
    let member = h.engine.member(&card(1));
    h.engine.cancel(&ev, &member.key, &held).await.unwrap();
    let org = OrgPath::parse("bj").unwrap();
    let p = [pool_id("p")];
    let mut grab = Grab {
        groups: &[],
        event: &ev,
        member: &member,
        org: Some(&org),
        choices: &Choices::new(p.to_vec()).unwrap(),
        seats: Seats::new("seats", 2).unwrap(),
        channel: Channel::App,
    };
    assert_eq!(
        h.engine.grab(&grab).await,
        Err(Error::TooManySeats { max: 1 })
    );
    grab.seats = Seats::ONE;
    assert_eq!(h.engine.grab(&grab).await.unwrap().reservation.seats, 1);
    let view = h.engine.event(&ev).await.unwrap();
    assert_eq!((view.pools[0].remaining, view.pools[0].cancelled), (9, 1));
    let report = h.engine.audit(&ev).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

/// Redis counts no active seats (lib.lua `count_seats`): they are what the
/// rest leaves. An event from a build that counted them still has an
/// `active:<pool>` field, which nothing updates any more; it is not read.
#[tokio::test]
async fn active_seats_are_worked_out_and_an_older_builds_counter_is_not_read() {
    let h = redis();
    event_with_one_ticket(&h, 0).await;
    grab_on_e(&h, 2).await.unwrap();
    let ev = event_id("e");
    let [_, _, _, cnt, ..] = event_keys(&ev);
    let mut conn = h.redis.as_ref().unwrap().conn();
    let fields: Vec<String> = redis::cmd("HKEYS").arg(&cnt).query(&mut conn).unwrap();
    assert!(
        !fields.iter().any(|f| f.starts_with("active:")),
        "{fields:?}"
    );
    // As an older build left it: a stale count.
    let _: () = redis::cmd("HSET")
        .arg(&cnt)
        .arg("active:p")
        .arg(7)
        .query(&mut conn)
        .unwrap();
    let member = h.engine.member(&card(1));
    let held = h
        .engine
        .reservation(&ev, &Find::Member(member.key.clone()))
        .await
        .unwrap();
    h.engine
        .redeem(&ev, &Find::Code(held.code.clone()))
        .await
        .unwrap();
    let view = h.engine.event(&ev).await.unwrap();
    let p = &view.pools[0];
    assert_eq!((p.remaining, p.active, p.redeemed), (8, 1, 1));
    let report = h.engine.audit(&ev).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
}

/// The plain grab (a free sale, the hot path) checks only what it touches:
/// with any key of the event broken it either refuses and writes nothing, or
/// (a key it does not touch: the counters, the live totals, holds, payments,
/// the waiting list) sells a whole ticket that the audit finds in order.
#[tokio::test]
async fn a_plain_grab_with_a_key_broken_refuses_untouched_or_sells_whole() {
    let h = redis();
    event_with_one_ticket(&h, 0).await;
    let mut conn = h.redis.as_ref().unwrap().conn();
    let untouched = [":cnt", ":total", ":holds", ":pays", ":waitq"];
    for (n, key) in event_keys(&event_id("e")).into_iter().enumerate() {
        let existed = break_key(&mut conn, &key);
        let before = dump_all(&h);
        let result = grab_on_e(&h, 100 + n as u64).await;
        let sells = untouched.iter().any(|s| key.ends_with(s));
        if sells {
            assert!(result.as_ref().is_ok_and(|g| g.new), "{key}: {result:?}");
        } else {
            assert!(
                matches!(&result, Err(Error::Corrupt(m)) if m.contains("TG_CORRUPT")),
                "{key}: {result:?}"
            );
            assert_eq!(
                dump_all(&h),
                before,
                "a refused grab wrote with {key} broken"
            );
        }
        // A sold grab leaves the broken key as it was: a string.
        restore_key(&mut conn, &key, existed);
    }
    let report = h.engine.audit(&event_id("e")).await.unwrap();
    assert!(report.ok, "{:?}", report.violations);
    let view = h.engine.event(&event_id("e")).await.unwrap();
    assert_eq!(view.pools[0].remaining, 10 - 1 - 5);
}

/// Each script's header shows a call that runs as written: as many keys as
/// every call passes (`EVENT_KEYS`), first to last.
#[test]
fn every_script_header_example_passes_the_event_keys() {
    use ticketgrab::store::keys::EVENT_KEYS;
    for name in scripts::names() {
        let own = std::fs::read_to_string(format!("{}/lua/{name}.lua", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
        let example = own
            .lines()
            .find_map(|l| l.strip_prefix("-- Example: EVALSHA <sha> "))
            .unwrap_or_else(|| panic!("{name}.lua has no Example line"));
        let mut words = example.split_whitespace();
        let count: usize = words.next().unwrap().parse().unwrap();
        assert_eq!(count, EVENT_KEYS.len(), "{name}.lua: {example}");
        let (first, dots, last) = (words.next(), words.next(), words.next());
        assert!(
            first.is_some_and(|k| k.ends_with(&format!(":{}", EVENT_KEYS[0]))),
            "{name}"
        );
        assert_eq!(dots, Some("..."), "{name}");
        let tail = EVENT_KEYS[EVENT_KEYS.len() - 1];
        assert!(
            last.is_some_and(|k| k.ends_with(&format!(":{tail}"))),
            "{name}: {example}"
        );
    }
}

/// Every word a script answers with is a success tag or an outcome of the
/// one table (src/domain/outcome.rs), so the reply parser and the problem
/// documents know it.
#[test]
fn every_word_a_script_answers_is_in_the_outcome_table() {
    use ticketgrab::domain::Outcome;
    let words = regex::Regex::new(r#"\{\s*"([a-z_]+)""#).unwrap();
    let mut seen = 0;
    for name in scripts::names().chain(["lib"]) {
        let own = std::fs::read_to_string(format!("{}/lua/{name}.lua", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
        for word in words
            .captures_iter(&own)
            .map(|c| c.get(1).unwrap().as_str())
        {
            seen += 1;
            let success = ["ok", "reserved", "existing", "registered"].contains(&word);
            // grabs.lua's answer for one grab that failed under pcall.
            let failed = name == "grabs" && word == "error";
            assert!(
                success || failed || Outcome::from_code(word).is_some(),
                "{name}.lua answers {word:?}, which the outcome table lacks"
            );
        }
    }
    assert!(
        seen > 50,
        "only {seen} answers found: the pattern misses them"
    );
}
