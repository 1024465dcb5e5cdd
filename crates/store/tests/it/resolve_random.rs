//! The SQL resolution agrees with `tollgate_core::resolve_limit` on random memberships, limits,
//! overrides and policies (a seeded loop, so a failure reproduces).

use crate::fixtures::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use tollgate_core::{GroupLimit, GroupPolicy, LimitConfig, Micros, Period, resolve_limit};
use tollgate_store::*;
use uuid::Uuid;

const ROUNDS: usize = 8;

/// What the test believes is stored.
#[derive(Default)]
struct Model {
    orgs: Vec<Uuid>,
    /// group → (organization, explicit members); Everyone groups have no explicit members.
    groups: BTreeMap<Uuid, (Uuid, BTreeSet<Uuid>)>,
    org_members: BTreeMap<Uuid, BTreeSet<Uuid>>,
    group_limits: BTreeMap<Uuid, Micros>,
    overrides: BTreeMap<Uuid, Micros>,
    users: Vec<Uuid>,
}

impl Model {
    fn is_member(&self, group: Uuid, user: Uuid) -> bool {
        let (org, members) = &self.groups[&group];
        if group == *org { self.org_members[org].contains(&user) } else { members.contains(&user) }
    }

    fn group_limits_of(&self, user: Uuid) -> Vec<GroupLimit> {
        self.group_limits
            .iter()
            .filter(|(group, _)| self.is_member(**group, user))
            .map(|(group, limit)| GroupLimit {
                group_id: *group,
                organization_id: self.groups[group].0,
                limit: *limit,
            })
            .collect()
    }
}

async fn build(store: &Store, rng: &mut StdRng) -> Model {
    let mut model = Model::default();
    for i in 0..3 {
        let org = org(store, &format!("org{i}")).await;
        model.orgs.push(org);
        model.org_members.insert(org, BTreeSet::new());
        model.groups.insert(org, (org, BTreeSet::new()));
        for j in 0..3 {
            model.groups.insert(group(store, org, &format!("g{j}")).await, (org, BTreeSet::new()));
        }
    }
    for i in 0..6 {
        let orgs: Vec<Uuid> = model.orgs.iter().copied().filter(|_| rng.gen_bool(0.6)).collect();
        let user = user(store, &format!("user{i}"), &orgs).await;
        for org in orgs {
            model.org_members.entry(org).or_default().insert(user);
        }
        model.users.push(user);
    }
    model
}

async fn shuffle_limits(store: &Store, model: &mut Model, rng: &mut StdRng) {
    let choices = [1, 2, 3, 5].map(dollars);
    let groups: Vec<Uuid> = model.groups.keys().copied().collect();
    for group in groups {
        if rng.gen_bool(0.6) {
            let limit = *choices.choose(rng).expect("choices");
            store
                .upsert_group_limit(group, limit, &tollgate_store::testing::by(june(2)))
                .await
                .unwrap();
            model.group_limits.insert(group, limit);
        } else if model.group_limits.remove(&group).is_some() {
            store.delete_group_limit(group, &tollgate_store::testing::by(june(9))).await.unwrap();
        }
    }
    for user in model.users.clone() {
        if rng.gen_bool(0.25) {
            let limit = *choices.choose(rng).expect("choices");
            store
                .upsert_user_limit(user, limit, &tollgate_store::testing::by(june(2)))
                .await
                .unwrap();
            model.overrides.insert(user, limit);
        } else if model.overrides.remove(&user).is_some() {
            store.delete_user_limit(user, &tollgate_store::testing::by(june(9))).await.unwrap();
        }
    }
}

async fn shuffle_members(store: &Store, model: &mut Model, rng: &mut StdRng) {
    let groups: Vec<(Uuid, Uuid)> = model.groups.iter().map(|(g, (o, _))| (*g, *o)).collect();
    for (group, org) in groups.into_iter().filter(|(g, o)| g != o) {
        let candidates: Vec<Uuid> = model.org_members[&org].iter().copied().collect();
        let (add, remove): (Vec<Uuid>, Vec<Uuid>) =
            candidates.into_iter().partition(|_| rng.gen_bool(0.5));
        let patch =
            GroupPatch { add_users: add.clone(), remove_users: remove, ..Default::default() };
        store.update_group(group, patch, june(3)).await.unwrap();
        model.groups.insert(group, (org, add.into_iter().collect()));
    }
}

async fn shuffle_config(store: &Store, rng: &mut StdRng) -> LimitConfig {
    let config = LimitConfig {
        enabled: rng.gen_bool(0.9),
        default_limit: Micros::new(rng.gen_range(0..10_000_000)),
        period: *Period::ALL.choose(rng).expect("periods"),
        group_policy: if rng.gen_bool(0.5) { GroupPolicy::Lowest } else { GroupPolicy::Highest },
    };
    store.update_limit_config(config, &tollgate_store::testing::by(june(4))).await.unwrap();
    config
}

async fn sql_resolution_matches_core(store: &Store) {
    let mut rng = StdRng::seed_from_u64(0x7011_6a7e);
    let mut model = build(store, &mut rng).await;
    for round in 0..ROUNDS {
        shuffle_members(store, &mut model, &mut rng).await;
        shuffle_limits(store, &mut model, &mut rng).await;
        let config = shuffle_config(store, &mut rng).await;
        let scopes: Vec<Option<Uuid>> = [None, Some(Uuid::new_v4())]
            .into_iter()
            .chain(model.orgs.iter().map(|o| Some(*o)))
            .collect();
        for user in &model.users {
            let groups = model.group_limits_of(*user);
            for scope in &scopes {
                let expected =
                    resolve_limit(&config, model.overrides.get(user).copied(), &groups, *scope);
                let actual = store.resolve_limit(*user, *scope).await.unwrap();
                assert_eq!(
                    actual, expected,
                    "round {round}, user {user}, scope {scope:?}, groups {groups:?}"
                );
            }
        }
    }
}

conformance!(sql_resolution_matches_core);
