//! The admission check's cost against the size of the spend ledger: resolve the limit, then sum
//! the spend — exactly the two calls the chat daemon makes before admitting work — with 10k,
//! 100k and 1M costed messages, on SQLite and PostgreSQL, measured side by side in one run.
//!
//! `cargo bench -p tollgate-store --bench admission` (PostgreSQL from
//! `TOLLGATE_TEST_DATABASE_URL` or a throw-away cluster). `ADMISSION_SAMPLES` sets the samples
//! per size (default 200); `ADMISSION_SIZES` the sizes (default `10000,100000,1000000`).

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

#[tokio::main]
async fn main() {
    let samples: usize =
        std::env::var("ADMISSION_SAMPLES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let sizes: Vec<usize> = std::env::var("ADMISSION_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    println!("admission check = resolve_limit + spend; {samples} samples per size\n");
    println!(
        "{:<10} {:>10} {:>12} {:>12} {:>14}",
        "backend", "messages", "p50", "p99", "p50 / first"
    );
    let mut dbs = vec![testing::sqlite().await];
    match testing::postgres().await {
        Some(db) => dbs.push(db),
        None => println!("(PostgreSQL unavailable: set TOLLGATE_TEST_DATABASE_URL)"),
    }
    for db in &dbs {
        let mut fixture = setup(db.store.as_ref()).await;
        let mut first_p50 = None;
        for &size in &sizes {
            seed(db, &mut fixture, size).await;
            let (p50, p99) = measure(db.store.as_ref(), &fixture, samples).await;
            let base = *first_p50.get_or_insert(p50);
            let name = match db.store.backend() {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            println!(
                "{name:<10} {size:>10} {:>12} {:>12} {:>13.1}x",
                fmt(p50),
                fmt(p99),
                p50.as_secs_f64() / base.as_secs_f64()
            );
        }
    }
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
    store.update_limit_config(config, now).await.expect("enable limits");
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
    if db.store.backend() == Backend::Postgres {
        db.execute("ANALYZE chat_messages").await;
    }
    fixture.seeded += per_chat * fixture.chats.len();
}

async fn measure(store: &Store, f: &Fixture, samples: usize) -> (Duration, Duration) {
    let check = || async {
        let limit = store.resolve_limit(f.user, Some(f.org)).await.expect("resolve");
        let bounds = limit.period.bounds(&chrono::Utc::now());
        store.spend(f.user, limit.spend_scope(Some(f.org)), bounds).await.expect("spend")
    };
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
    (at(0.50), at(0.99))
}
