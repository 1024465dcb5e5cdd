//! `limits explain`: why a user's limits are what they are (limits-plus §2), in sentences
//! built only from the server's one answer.

use super::{organization, path_segment, user, wire_name};
use crate::client::Client;
use crate::output::{OutputArgs, print_json, utc_minute};
use anyhow::{Context, Result};
use clap::Args;
use tollgate_api_types as api;
use tollgate_api_types::{ChatUsageLimitExplainWindow as Window, ChatUsageLimitSource as Source};
use tollgate_core::Micros;

const BASE: &str = "/api/experimental/chats/usage-limits";

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tollgate limits explain                  # my own limits
  tollgate limits explain alice --organization research")]
pub struct ExplainArgs {
    /// The user: a username, an id, or `me`. Members may explain only themselves.
    #[arg(value_name = "USER", default_value = "me")]
    pub user: String,
    /// Resolve group limits within this organization only (name or id).
    #[arg(long, visible_alias = "org", value_name = "ORG")]
    pub organization: Option<String>,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn explain(client: &Client, args: ExplainArgs) -> Result<()> {
    let mut path = format!("{BASE}/explain?user={}", path_segment(&args.user));
    if let Some(org) = &args.organization {
        path.push_str(&format!("&organization_id={}", organization(client, Some(org)).await?.id));
    }
    // JSON as the server wrote it, every field kept; the sentences read the typed answer.
    let raw: serde_json::Value = client.get(&path).await?;
    if args.out.json() {
        return print_json(&raw);
    }
    let answer: api::ChatUsageLimitExplainResponse = serde_json::from_value(raw.clone())
        .with_context(|| format!("unexpected answer from the server: {raw}"))?;
    let own = user(client, "me").await?.id == answer.user_id;
    for line in sentences(&answer, own) {
        println!("{line}");
    }
    Ok(())
}

/// The headline, then one sentence per window with a limit; `own` when the caller is the user
/// explained (their override is "your own").
pub fn sentences(e: &api::ChatUsageLimitExplainResponse, own: bool) -> Vec<String> {
    let name = &e.username;
    let limited: Vec<&Window> =
        e.windows.iter().filter(|w| w.effective_limit_micros.is_some()).collect();
    if limited.is_empty() {
        return vec![format!("{name}: no spend limit applies (unlimited)")];
    }
    let mut lines = vec![headline(e, &limited)];
    lines.extend(limited.iter().map(|w| window_sentence(e, w, own)));
    lines
}

/// Blocked until when (the last reset among the exhausted windows), or which window binds.
fn headline(e: &api::ChatUsageLimitExplainResponse, limited: &[&Window]) -> String {
    let mode = wire_name(&e.enforcement);
    let until = limited.iter().filter(|w| exhausted(w)).map(|w| w.resets_at).max();
    match (until, e.binding_period) {
        (Some(t), _) => format!(
            "{}: blocked until {}; new chats and messages are refused ({mode} enforcement)",
            e.username,
            utc_minute(t)
        ),
        (None, Some(p)) => format!(
            "{}: not blocked; the {} window has the least left ({mode} enforcement)",
            e.username,
            wire_name(&p)
        ),
        (None, None) => format!("{}: not blocked ({mode} enforcement)", e.username),
    }
}

/// As the server counts it: nothing left once spend and reservations reach the limit.
fn exhausted(w: &Window) -> bool {
    w.remaining_micros.is_some_and(|r| r <= 0)
}

fn window_sentence(e: &api::ChatUsageLimitExplainResponse, w: &Window, own: bool) -> String {
    let money = |m: i64| Micros::new(m).to_string();
    let limit = money(w.effective_limit_micros.unwrap_or_default());
    let (name, period, spent) = (&e.username, wire_name(&w.period), money(w.spent_micros));
    let reserved = match w.reserved_micros {
        0 => String::new(),
        r => format!(" ({} reserved)", money(r)),
    };
    let source = source_words(e, w, own);
    let resets = utc_minute(w.resets_at);
    if exhausted(w) {
        return format!(
            "{name}: blocked by the {period} window — {spent} of {limit}{reserved} from \
             {source}; resets {resets}"
        );
    }
    let left = money(w.remaining_micros.unwrap_or_default());
    let forecast = w
        .forecast_exhaustion_at
        .map(|t| format!("; at this rate runs out {}", utc_minute(t)))
        .unwrap_or_default();
    format!(
        "{name}: {period} window — {spent} of {limit} spent{reserved}, {left} left, from \
         {source}; resets {resets}{forecast}"
    )
}

/// Where a window's limit comes from; a group's is shown among the other groups considered,
/// since the group policy picked it from them.
fn source_words(e: &api::ChatUsageLimitExplainResponse, w: &Window, own: bool) -> String {
    match w.source {
        Some(Source::User) if own => "your own override".into(),
        Some(Source::User) => format!("the override for {}", e.username),
        Some(Source::Group) => {
            let group = group_name(w.group_name.as_deref(), w.group_id);
            let groups: Vec<String> = w
                .candidates
                .iter()
                .filter(|c| c.source == Source::Group)
                .map(|c| {
                    let name = group_name(c.group_name.as_deref(), c.group_id);
                    format!("{name} {}", Micros::new(c.spend_limit_micros))
                })
                .collect();
            match groups.len() {
                0 | 1 => format!("group {group}"),
                _ => format!(
                    "group {group} ({} of {})",
                    wire_name(&e.group_policy),
                    groups.join(", ")
                ),
            }
        }
        _ => "the deployment default".into(),
    }
}

/// A group's name, else its id (a group deleted meanwhile has no name).
fn group_name(name: Option<&str>, id: Option<uuid::Uuid>) -> String {
    match (name, id) {
        (Some(n), _) => n.to_owned(),
        (None, Some(id)) => id.to_string(),
        (None, None) => "(unnamed)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::ChatUsageLimitPeriod::{Day, Month, Week};
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    fn at(s: &str) -> DateTime<Utc> {
        format!("{s}:00Z").parse().expect(s)
    }

    fn group(name: &str, limit: i64) -> api::ChatUsageLimitCandidate {
        api::ChatUsageLimitCandidate {
            source: Source::Group,
            group_id: Some(Uuid::from_u128(name.len() as u128)),
            group_name: Some(name.into()),
            spend_limit_micros: limit,
        }
    }

    /// A window of `period` with no limit and no spend, resetting at `resets`.
    fn window(period: api::ChatUsageLimitPeriod, resets: &str) -> Window {
        Window {
            period,
            effective_limit_micros: None,
            source: None,
            group_id: None,
            group_name: None,
            candidates: Vec::new(),
            spent_micros: 0,
            reserved_micros: 0,
            remaining_micros: None,
            period_start: at("2026-11-01T00:00"),
            period_end: at(resets),
            resets_at: at(resets),
            forecast_exhaustion_at: None,
        }
    }

    /// `window` limited at `limit` from `source`, `spent` and `reserved` of it used.
    fn limited(mut w: Window, source: Source, limit: i64, spent: i64, reserved: i64) -> Window {
        w.effective_limit_micros = Some(limit);
        w.source = Some(source);
        w.spent_micros = spent;
        w.reserved_micros = reserved;
        w.remaining_micros = Some((limit - spent - reserved).max(0));
        w
    }

    fn answer(
        windows: Vec<Window>,
        binding: Option<api::ChatUsageLimitPeriod>,
    ) -> api::ChatUsageLimitExplainResponse {
        api::ChatUsageLimitExplainResponse {
            user_id: Uuid::from_u128(7),
            username: "alice".into(),
            organization_id: None,
            enforcement: api::ChatUsageLimitEnforcement::Strict,
            group_policy: api::ChatUsageLimitGroupPolicy::Lowest,
            blocked: windows.iter().any(exhausted),
            binding_period: binding,
            windows,
        }
    }

    fn three(day: Window, month: Window) -> Vec<Window> {
        vec![day, window(Week, "2026-12-07T00:00"), month]
    }

    #[test]
    fn no_limit_at_any_period_is_one_sentence() {
        let e =
            answer(three(window(Day, "2026-12-01T00:00"), window(Month, "2027-01-01T00:00")), None);
        assert_eq!(sentences(&e, true), ["alice: no spend limit applies (unlimited)"]);
    }

    #[test]
    fn an_exhausted_group_window_names_the_groups_the_policy_chose_from() {
        let mut day =
            limited(window(Day, "2026-12-01T00:00"), Source::Group, 2_000_000, 2_000_000, 0);
        day.group_name = Some("interns".into());
        day.candidates = vec![group("interns", 2_000_000), group("research", 5_000_000)];
        let mut month = limited(
            window(Month, "2027-01-01T00:00"),
            Source::Default,
            50_000_000,
            3_100_000,
            400_000,
        );
        month.forecast_exhaustion_at = Some(at("2026-12-20T14:00"));
        let e = answer(three(day, month), Some(Day));
        assert_eq!(
            sentences(&e, true),
            [
                "alice: blocked until 2026-12-01 00:00 UTC; new chats and messages are refused \
                 (strict enforcement)",
                "alice: blocked by the day window — $2.00 of $2.00 from group interns (lowest of \
                 interns $2.00, research $5.00); resets 2026-12-01 00:00 UTC",
                "alice: month window — $3.10 of $50.00 spent ($0.40 reserved), $46.50 left, from \
                 the deployment default; resets 2027-01-01 00:00 UTC; at this rate runs out \
                 2026-12-20 14:00 UTC",
            ]
        );
    }

    #[test]
    fn a_single_group_is_named_without_candidates_and_highest_is_said() {
        let mut week =
            limited(window(Week, "2026-12-07T00:00"), Source::Group, 20_000_000, 1_500, 0);
        week.group_name = Some("interns".into());
        week.candidates = vec![
            group("interns", 20_000_000),
            api::ChatUsageLimitCandidate {
                source: Source::Default,
                group_id: None,
                group_name: None,
                spend_limit_micros: 50_000_000,
            },
        ];
        let mut e = answer(
            vec![window(Day, "2026-12-01T00:00"), week.clone(), window(Month, "2027-01-01T00:00")],
            Some(Week),
        );
        let lines = sentences(&e, true);
        assert_eq!(
            lines,
            [
                "alice: not blocked; the week window has the least left (strict enforcement)",
                "alice: week window — $0.0015 of $20.00 spent, $19.9985 left, from group interns; \
                 resets 2026-12-07 00:00 UTC",
            ]
        );
        week.candidates.insert(0, group("research", 30_000_000));
        week.group_name = Some("research".into());
        e.windows[1] = week;
        e.group_policy = api::ChatUsageLimitGroupPolicy::Highest;
        e.enforcement = api::ChatUsageLimitEnforcement::Check;
        let lines = sentences(&e, true);
        assert_eq!(
            lines[0],
            "alice: not blocked; the week window has the least left (check enforcement)"
        );
        assert!(
            lines[1].contains("from group research (highest of research $30.00, interns $20.00);"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn an_override_is_your_own_or_named_for_whom_it_is() {
        let day = limited(window(Day, "2026-12-01T00:00"), Source::User, 5_000_000, 0, 0);
        let e = answer(three(day, window(Month, "2027-01-01T00:00")), Some(Day));
        let tail =
            "$0.00 of $5.00 spent, $5.00 left, from your own override; resets 2026-12-01 00:00 UTC";
        assert_eq!(sentences(&e, true)[1], format!("alice: day window — {tail}"));
        let theirs = sentences(&e, false);
        assert!(theirs[1].contains("from the override for alice;"), "{}", theirs[1]);
    }

    #[test]
    fn blocked_until_the_last_exhausted_window_resets() {
        let day = limited(window(Day, "2026-12-01T00:00"), Source::User, 1_000, 600, 400);
        let month = limited(window(Month, "2027-01-01T00:00"), Source::Default, 1_000, 1_000, 0);
        let e = answer(three(day, month), Some(Day));
        let lines = sentences(&e, true);
        assert!(lines[0].starts_with("alice: blocked until 2027-01-01 00:00 UTC;"), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "alice: blocked by the day window — $0.0006 of $0.001 ($0.0004 reserved) from your own \
             override; resets 2026-12-01 00:00 UTC"
        );
    }
}
