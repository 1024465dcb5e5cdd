//! spend-limits §3, per period (limits-plus §1), in one statement: for each of day, week and
//! month, the user's override at that period, else the group policy over their groups' limits at
//! that period, else the default at that period. A tier's limit at the deployment period is its
//! `spend_limit_micros` (Coder's column); at the other periods, that period's column.

use std::sync::LazyLock;
use tollgate_core::Period;

/// The limit of the tier row `alias` at `period`.
fn tier_at(alias: &str, main: &str, period: Period) -> String {
    let p = period.as_str();
    format!("CASE WHEN cfg.period = '{p}' THEN {alias}.{main} ELSE {alias}.{p}_limit_micros END")
}

/// `$1` user, `$2` organization or NULL. Columns `user_found`, `period` (the deployment's) and,
/// per period `p`, `p_source`, `p_lim`, `p_group_id`. Ties between equal group limits go to the
/// smallest group id (uuid order; SQLite's canonical text sorts alike).
pub(super) static RESOLVE_SQL: LazyLock<String> = LazyLock::new(|| {
    let grp_cols: Vec<String> = Period::ALL
        .iter()
        .map(|&p| format!("{} AS {}_lim", tier_at("gl", "spend_limit_micros", p), p.as_str()))
        .collect();
    let ovr_cols: Vec<String> = Period::ALL
        .iter()
        .map(|&p| format!("{} AS {}_lim", tier_at("o", "spend_limit_micros", p), p.as_str()))
        .collect();
    let mut wins = Vec::new();
    let mut cols = Vec::new();
    let mut joins = Vec::new();
    for period in Period::ALL {
        let p = period.as_str();
        let default = tier_at("cfg", "default_limit_micros", period);
        wins.push(format!(
            "win_{p} AS (
                SELECT grp.group_id, grp.{p}_lim AS lim FROM grp, cfg WHERE grp.{p}_lim IS NOT NULL
                ORDER BY CASE cfg.group_policy WHEN 'highest' THEN -grp.{p}_lim ELSE grp.{p}_lim END,
                         grp.group_id
                LIMIT 1)"
        ));
        cols.push(format!(
            "CASE WHEN NOT cfg.enabled THEN 'disabled'
                  WHEN ovr.{p}_lim IS NOT NULL THEN 'user'
                  WHEN win_{p}.group_id IS NOT NULL THEN 'group'
                  WHEN {default} IS NOT NULL THEN 'default'
                  ELSE 'disabled' END AS {p}_source,
             CASE WHEN cfg.enabled THEN coalesce(ovr.{p}_lim, win_{p}.lim, {default}) END AS {p}_lim,
             CASE WHEN cfg.enabled AND ovr.{p}_lim IS NULL THEN win_{p}.group_id END AS {p}_group_id"
        ));
        joins.push(format!("LEFT JOIN win_{p} ON TRUE"));
    }
    format!(
        "WITH cfg AS (
            SELECT enabled, default_limit_micros, period, group_policy,
                   day_limit_micros, week_limit_micros, month_limit_micros
            FROM chat_usage_limit_config WHERE id = 1
        ), grp AS (
            SELECT gl.group_id, {grp}
            FROM chat_usage_limit_group_overrides gl
            JOIN groups g ON g.id = gl.group_id
            JOIN group_memberships gm ON gm.group_id = g.id AND gm.user_id = $1
            CROSS JOIN cfg
            WHERE $2 IS NULL OR g.organization_id = $2
        ), ovr AS (
            SELECT {ovr} FROM chat_usage_limit_overrides o CROSS JOIN cfg WHERE o.user_id = $1
        ), {wins}
        SELECT
            EXISTS (SELECT 1 FROM users WHERE id = $1 AND NOT deleted) AS user_found,
            cfg.period,
            {cols}
        FROM cfg LEFT JOIN ovr ON TRUE {joins}",
        grp = grp_cols.join(", "),
        ovr = ovr_cols.join(", "),
        wins = wins.join(",\n"),
        cols = cols.join(",\n"),
        joins = joins.join(" "),
    )
});
