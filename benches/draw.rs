//! A lottery's draw at the scale of issue 13: 200,000 entries over the
//! theatre's 8 shows (375 seats each), ranked choices of up to 3 shows and
//! 1–2 seats. The draw itself (digest, draw seed, 200,000 HMAC ranks, the
//! sort and the walk) and `verify-draw`'s check of its export.
//!
//! cargo bench --bench draw

use criterion::{Criterion, criterion_group, criterion_main};
use ticketgrab::domain::{CardNumber, MemberKeyer, PoolId, with_check_digit};
use ticketgrab::lottery::close::Closing;
use ticketgrab::lottery::draw::Entry;
use ticketgrab::lottery::export::{Export, verify};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENTRIES: u64 = 200_000;

fn entries() -> (Vec<Entry>, Vec<(PoolId, i64)>) {
    let keyer = MemberKeyer::new(b"bench");
    let shows: Vec<PoolId> = (1..=8)
        .map(|i| PoolId::parse(&format!("show-{i}")).unwrap())
        .collect();
    let entries = (0..ENTRIES)
        .map(|n| {
            let card = CardNumber::parse(&with_check_digit(&format!("6217{n:014}"))).unwrap();
            let first = (n * 7 % 8) as usize;
            Entry {
                member: keyer.key(&card),
                choices: (0..1 + n % 3)
                    .map(|k| shows[(first + k as usize * 3) % 8].clone())
                    .collect(),
                seats: 1 + (n % 2) as u8,
                earlier: None,
            }
        })
        .collect();
    (entries, shows.into_iter().map(|s| (s, 375)).collect())
}

fn bench(c: &mut Criterion) {
    let (entries, stock) = entries();
    let seed = [42u8; 32];
    let mut g = c.benchmark_group("lottery");
    g.sample_size(10);
    g.bench_function("draw 200,000 entries over 8 shows", |b| {
        b.iter(|| {
            let closing = Closing::new("theatre", &entries, 2, &stock);
            closing.draw(&entries, &seed, "drand round 5000000")
        })
    });
    let export = Export::new("theatre", &seed, ("drand", "r"), 2, &stock, &entries);
    let kept = export.closing.as_ref().map(|c| c.digest.clone());
    g.bench_function("verify-draw of its export", |b| {
        b.iter(|| verify(&export, kept.as_deref()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
