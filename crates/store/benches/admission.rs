//! The admission check's cost against the size of the spend ledger, measured side by side in
//! one run: tollgate's check (`limit_standing`: resolve the limit, then read the day counters
//! and the live reservations — what admission and `/usage-limits/status` do) and Coder's
//! (resolve, then `SUM(total_cost_micros)` over the user's messages in the period), with 10 k,
//! 100 k and 1 M costed messages over 90 days, on SQLite and PostgreSQL.
//!
//! `cargo bench -p tollgate-store --bench admission` (PostgreSQL from
//! `TOLLGATE_TEST_DATABASE_URL` or a throw-away cluster). `ADMISSION_SAMPLES` sets the samples
//! per size (default 200; Coder's query gets a quarter of them); `ADMISSION_SIZES` the sizes
//! (default `10000,100000,1000000`). The last lines (accounting.md §8), one per backend:
//! `admission <backend>: p99_1m_ms=… flat_1m_over_10k=… vs_coder_sum_1m=…` — the new check's
//! p99 at the largest size; its p50 there over its p50 at the smallest; Coder's p50 over the new
//! check's p50 at the largest size.

use std::future::Future;
use std::time::{Duration, Instant};
use tollgate_core::{GroupPolicy, LimitConfig, Micros, Period};
use tollgate_store::testing::{self, TestDb};
use tollgate_store::{Backend, NewChat, NewOrganization, NewUser, Store};
use uuid::Uuid;

const CHATS: usize = 100;

struct Fixture {
    user: Uuid,
    org: Uuid,
    chats: Vec<Uuid>,
    seeded: usize,
}

/// p50 and p99 of one check at one size.
#[derive(Clone, Copy)]
struct Timing {
    p50: Duration,
    p99: Duration,
}

#[tokio::main]
async fn main() {
    let samples: usize =
        std::env::var("ADMISSION_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let sizes: Vec<usize> = std::env::var("ADMISSION_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    println!("admission check, {samples} samples per size (Coder's query: {})\n", samples / 4);
    println!(
        "{:<10} {:>10} {:>12} {:>12} {:>12} {:>12} {:>10}",
        "backend", "messages", "new p50", "new p99", "coder p50", "coder p99", "coder/new"
    );
    let mut dbs = vec![testing::sqlite().await];
    match testing::postgres().await {
        Some(db) => dbs.push(db),
        None => println!("(PostgreSQL unavailable: set TOLLGATE_TEST_DATABASE_URL)"),
    }
    let mut summaries = Vec::new();
    for db in &dbs {
        summaries.push(run_backend(db, &sizes, samples).await);
    }
    println!();
    for line in summaries {
        println!("{line}");
    }
}

/// Every size on one backend; returns its summary line.
async fn run_backend(db: &TestDb, sizes: &[usize], samples: usize) -> String {
    let store = db.store.as_ref();
    let name = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let mut fixture = setup(store).await;
    let mut results: Vec<(Timing, Timing)> = Vec::new();
    for &size in sizes {
        seed(db, &mut fixture, size).await;
        let new = measure(samples, || new_check(store, &fixture)).await;
        let coder = measure(samples / 4, || coder_check(store, &fixture)).await;
        println!(
            "{name:<10} {size:>10} {:>12} {:>12} {:>12} {:>12} {:>9.1}x",
            fmt(new.p50),
            fmt(new.p99),
            fmt(coder.p50),
            fmt(coder.p99),
            ratio(coder.p50, new.p50)
        );
        results.push((new, coder));
    }
    let (first, last) = (results[0].0, results[results.len() - 1]);
    format!(
        "admission {name}: p99_1m_ms={:.3} flat_1m_over_10k={:.2} vs_coder_sum_1m={:.1}",
        last.0.p99.as_secs_f64() * 1000.0,
        ratio(last.0.p50, first.p50),
        ratio(last.1.p50, last.0.p50)
    )
}

/// What admission does: the limit that applies and where its window stands (counters and live
/// reservations).
async fn new_check(store: &Store, f: &Fixture) -> Option<Micros> {
    let standing = store.limit_standing(f.user, Some(f.org), chrono::Utc::now()).await;
    standing.expect("standing").map(|s| s.window.spent)
}

/// What Coder does: resolve, then sum the user's messages in the period.
async fn coder_check(store: &Store, f: &Fixture) -> Option<Micros> {
    let limit = store.resolve_limit(f.user, Some(f.org)).await.expect("resolve");
    let bounds = limit.period.bounds(&chrono::Utc::now());
    Some(store.spend(f.user, limit.spend_scope(Some(f.org)), bounds).await.expect("spend"))
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

fn fmt(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

async fn setup(store: &Store) -> Fixture {
    let now = chrono::Utc::now();
    let user = NewUser {
        id: Uuid::new_v4(),
        username: "bench".into(),
        email: "bench@example.com".into(),
        name: String::new(),
        password_hash: None,
        login_type: "none".into(),
        roles: vec![],
        organization_ids: vec![],
        created_at: now,
    };
    let org = NewOrganization {
        id: Uuid::new_v4(),
        name: "bench".into(),
        display_name: "bench".into(),
        description: String::new(),
        icon: String::new(),
        is_default: true,
        created_at: now,
        updated_at: now,
    };
    let (user, org) = store.create_first_user(user, org).await.expect("first user");
    let config = LimitConfig {
        enabled: true,
        default_limit: Micros::new(1_000_000_000),
        period: Period::Month,
        group_policy: GroupPolicy::Lowest,
    };
    store
        .update_limit_config(config, &tollgate_store::testing::by(now))
        .await
        .expect("enable limits");
    let mut chats = Vec::with_capacity(CHATS);
    for _ in 0..CHATS {
        let chat = NewChat {
            id: Uuid::new_v4(),
            owner_id: user.id,
            organization_id: org.id,
            workspace_id: None,
            parent_chat_id: None,
            model_config_id: None,
            labels: serde_json::json!({}),
            title: "bench".into(),
            status: tollgate_store::ChatStatus::Waiting,
            created_at: now,
        };
        chats.push(chat.id);
        store.create_chat(chat).await.expect("chat");
    }
    Fixture { user: user.id, org: org.id, chats, seeded: 0 }
}

/// Grows the ledger to `size` costed messages, spread over the last ~90 days (so most rows lie
/// outside the current period, as in a long-lived deployment), in bulk SQL.
async fn seed(db: &TestDb, fixture: &mut Fixture, size: usize) {
    let add = size.saturating_sub(fixture.seeded);
    let per_chat = add / fixture.chats.len();
    let now_micros = chrono::Utc::now().timestamp_micros();
    for chat in &fixture.chats {
        let sql = match db.store.backend() {
            Backend::Sqlite => format!(
                "WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < {per_chat}) \
                 INSERT INTO chat_messages (chat_id, role, content, output_tokens, total_cost_micros, created_at) \
                 SELECT '{chat}', 'assistant', '[]', 100, 1500, {now_micros} - (x * 7776000000000 / {per_chat}) FROM seq"
            ),
            Backend::Postgres => format!(
                "INSERT INTO chat_messages (chat_id, role, content, output_tokens, total_cost_micros, created_at) \
                 SELECT '{chat}', 'assistant', '[]', 100, 1500, now() - (x * interval '90 days' / {per_chat}) \
                 FROM generate_series(1, {per_chat}) AS x"
            ),
        };
        db.execute(&sql).await;
    }
    // Each message's ledger row, as the daemon writes it; then the day counters, rebuilt from
    // the ledger by what `tollgate admin verify-ledger --repair` runs.
    db.execute(&format!(
        "INSERT INTO spend_ledger (user_id, organization_id, source, chat_id, message_id, \
             output_tokens, cost_micros, created_at) \
         SELECT '{}', '{}', 'chat_message', chat_id, id, output_tokens, total_cost_micros, created_at \
         FROM chat_messages WHERE id > (SELECT coalesce(max(message_id), 0) FROM spend_ledger)",
        fixture.user, fixture.org
    ))
    .await;
    let report = db.store.verify_ledger(true, chrono::Utc::now()).await.expect("counters");
    assert!(report.repaired || report.is_consistent());
    if db.store.backend() == Backend::Postgres {
        db.execute("ANALYZE chat_messages").await;
        db.execute("ANALYZE spend_ledger").await;
        db.execute("ANALYZE spend_counters").await;
    }
    fixture.seeded += per_chat * fixture.chats.len();
}

async fn measure<F, Fut>(samples: usize, check: F) -> Timing
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<Micros>>,
{
    let samples = samples.max(2);
    for _ in 0..samples.min(10) {
        check().await;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        std::hint::black_box(check().await);
        times.push(start.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Timing { p50: at(0.50), p99: at(0.99) }
}
