//! The standing read in one statement (`limit_standing`) agrees with its parts read apart: the
//! resolution, Coder's sum over the raw history for the resolved period and scope, and the live
//! reservations in that scope — for every period, for a group limit (one organization's
//! budget) and a personal one (every organization).

use crate::fixtures::*;
use tollgate_core::{Enforcement, GroupPolicy, LimitConfig, Micros, Period, SpendScope};
use tollgate_store::*;
use uuid::Uuid;

/// Reserves `amount`-ish for `user` in `org` (a gateway call: no chat), returning what was held.
async fn hold(store: &Store, user: Uuid, org: Uuid, input_tokens: u64) -> Micros {
    let spec = CallSpec {
        key_limit: None,
        user_id: user,
        organization_id: org,
        source: CostSource::Gateway,
        chat_id: None,
        api_key_id: None,
        model_config_id: None,
        prices: Some(tollgate_core::Prices {
            input: Some("1".parse().unwrap()),
            ..Default::default()
        }),
        input_tokens,
        max_output_tokens: 0,
        lookahead_tokens: 0,
        holder: "w1".into(),
        lease_until: june(30),
        at: june(11),
        enforcement: Enforcement::Check,
    };
    store.reserve_call(&spec).await.unwrap().expect("check mode grants").amount
}

async fn standing_in_one_statement_matches_its_parts(store: &Store) {
    let (a, b) = (org(store, "a").await, org(store, "b").await);
    let user = user(store, "alice", &[a, b]).await;
    let (chat_a, chat_b) = (chat(store, user, a).await, chat(store, user, b).await);
    // Spend on days inside and outside each window of 11 June 2025 (a Wednesday).
    let spends = [(chat_a, 31, 5, 7), (chat_a, 1, 6, 11), (chat_b, 9, 6, 13), (chat_a, 10, 6, 17)];
    for (i, (chat, day, month, cost)) in spends.into_iter().enumerate() {
        let when = at(2025, month, day, 8, 0, i as u32);
        store.append_chat_message(message(chat, Some(Micros::new(cost)), when)).await.unwrap();
    }
    store.append_chat_message(message(chat_b, Some(Micros::new(19)), june(11))).await.unwrap();
    let held_a = hold(store, user, a, 23).await;
    let held_b = hold(store, user, b, 29).await;
    limited_group(store, a, "team", 5, &[user]).await;
    let now = june(11);
    for period in Period::ALL {
        let config = LimitConfig {
            enabled: true,
            default_limit: dollars(3),
            period,
            group_policy: GroupPolicy::Lowest,
        };
        store.update_limit_config(config, &tollgate_store::testing::by(june(1))).await.unwrap();
        for scope in [None, Some(a), Some(b)] {
            let got = store.limit_standing(user, scope, now).await.unwrap().expect("limited");
            let limit = store.resolve_limit(user, scope).await.unwrap();
            assert_eq!(got.limit, limit, "{period:?} {scope:?}");
            let bounds = period.bounds(&now);
            let spend_scope = limit.spend_scope(scope);
            let spent = store.spend(user, spend_scope, bounds).await.unwrap();
            let reserved = match spend_scope {
                SpendScope::AllOrganizations => held_a.checked_add(held_b).unwrap(),
                SpendScope::Organization(org) if org == a => held_a,
                SpendScope::Organization(_) => held_b,
            };
            let w = got.window;
            assert_eq!(
                (w.spent, w.reserved, w.bounds),
                (spent, reserved, bounds),
                "{period:?} {scope:?}"
            );
            assert_eq!(w.limit, limit.limit.expect("an amount"));
        }
    }
    // The figures the loop compared are not all zero: the week's group window in `a`.
    let config = LimitConfig {
        enabled: true,
        default_limit: dollars(3),
        period: Period::Week,
        group_policy: GroupPolicy::Lowest,
    };
    store.update_limit_config(config, &tollgate_store::testing::by(june(1))).await.unwrap();
    let w = store.limit_standing(user, Some(a), now).await.unwrap().expect("limited").window;
    assert_eq!((w.spent, w.reserved, w.limit), (Micros::new(17), held_a, dollars(5)));
}

conformance!(standing_in_one_statement_matches_its_parts);
