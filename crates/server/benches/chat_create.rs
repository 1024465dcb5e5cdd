//! Chat-create throughput through a real server on a real port, with limits on (strict: every
//! create checks the counters and every run reserves before it calls the model) and limits off,
//! side by side in one run: rounds alternate between two servers on two databases of the same
//! backend, so drift on a busy machine hits both alike. The daemon answers every chat (the
//! offline `simulated` model, no delay), so a round measures what creating work costs end to
//! end: the request, the claim and its reservation, the run, the settle.
//!
//! `cargo bench -p tollgate-server --bench chat_create` (PostgreSQL from
//! `TOLLGATE_TEST_DATABASE_URL` or a throw-away cluster). `CHAT_CREATE_ROUNDS` (default 10) and
//! `CHAT_CREATE_CHATS` (default 300 a round, 16 clients at once) set the size. The last line, one
//! per backend: `chat_create <backend>: strict_chats_per_s=… off_chats_per_s=… strict_over_off=…`
//! (medians; the ratio is the median of the rounds' own ratios; target ≥ 0.9).

mod common;

use common::{CHATS, Served};
use futures::future::join_all;
use serde_json::json;
use std::time::{Duration, Instant};
use tollgate_store::ChatStatus;

const CLIENTS: usize = 16;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rounds = env("CHAT_CREATE_ROUNDS", 10);
    let chats = env("CHAT_CREATE_CHATS", 300);
    println!("chat create: {rounds} rounds of {chats} chats, {CLIENTS} clients at once\n");
    let mut lines = Vec::new();
    for postgres in [false, true] {
        let (Some(strict), Some(off)) =
            (server(postgres, true).await, server(postgres, false).await)
        else {
            println!("(PostgreSQL unavailable: set TOLLGATE_TEST_DATABASE_URL)");
            continue;
        };
        let name = if postgres { "postgres" } else { "sqlite" };
        let (mut on_rate, mut off_rate) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Who goes first alternates, so neither gains from the other's warm caches.
            if round % 2 == 0 {
                on_rate.push(round_rate(&strict, chats, round).await);
                off_rate.push(round_rate(&off, chats, round).await);
            } else {
                off_rate.push(round_rate(&off, chats, round).await);
                on_rate.push(round_rate(&strict, chats, round).await);
            }
            println!(
                "{name:<9} round {round}: strict {:>7.1} chats/s   off {:>7.1} chats/s",
                on_rate[round], off_rate[round]
            );
        }
        // The median of each round's own ratio: a round's two halves ran back to back, so
        // the machine's drift between rounds cancels.
        let ratios: Vec<f64> = on_rate.iter().zip(&off_rate).map(|(on, off)| on / off).collect();
        let ratio = median(&ratios);
        lines.push(format!(
            "chat_create {name}: strict_chats_per_s={:.1} off_chats_per_s={:.1} strict_over_off={ratio:.2}",
            median(&on_rate),
            median(&off_rate)
        ));
        strict.stop();
        off.stop();
    }
    println!();
    for line in lines {
        println!("{line}");
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A server on its own database (see `common`); with `limited`, a deployment limit high enough
/// never to refuse (so both servers do the same work).
async fn server(postgres: bool, limited: bool) -> Option<Served> {
    let served = Served::start(postgres, |settings| {
        settings.chat.simulated_delta_delay = Duration::ZERO;
        settings.chat.poll_interval = Duration::from_millis(50);
    })
    .await?;
    if limited {
        served.limit_that_never_refuses().await;
    }
    Some(served)
}

/// Creates `chats` chats with `CLIENTS` clients at once and waits until every one is answered;
/// returns chats a second.
async fn round_rate(s: &Served, chats: usize, round: usize) -> f64 {
    let start = Instant::now();
    let per_client = chats.div_ceil(CLIENTS);
    join_all((0..CLIENTS).map(|c| async move {
        for n in 0..per_client {
            let body = json!({"content": [{"type": "text", "text": format!("round {round} client {c} chat {n}")}]});
            let resp = s.http.post(format!("{}{CHATS}", s.base)).header("Coder-Session-Token", &s.token);
            let resp = resp.json(&body).send().await.expect("create");
            assert_eq!(resp.status().as_u16(), 201, "{}", resp.text().await.unwrap_or_default());
        }
    }))
    .await;
    while busy(s).await {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (per_client * CLIENTS) as f64 / start.elapsed().as_secs_f64()
}

/// Whether any chat is still pending or running.
async fn busy(s: &Served) -> bool {
    let chats =
        s.store().list_chats(s.user, false, tollgate_store::Page::ALL).await.expect("chats");
    chats.iter().any(|c| matches!(c.status, ChatStatus::Pending | ChatStatus::Running))
}
