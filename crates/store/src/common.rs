//! Parsing of the text columns both backends share (roles, statuses, periods, policies, ids,
//! prices) and the small conversions every area needs.

use crate::{StoreError, StoreResult, Time, UserStatus};
use tollgate_core::{GroupPolicy, Period, Price, Role};
use uuid::Uuid;

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("stored {what} {value:?} is not valid"))
}

/// A text column parsed with `FromStr`, or a database error naming what was corrupt.
pub(crate) fn parse<T: std::str::FromStr>(what: &str, s: &str) -> StoreResult<T> {
    s.parse().map_err(|_| corrupt(what, s))
}

pub(crate) fn parse_status(s: &str) -> StoreResult<UserStatus> {
    match s {
        "active" => Ok(UserStatus::Active),
        "suspended" => Ok(UserStatus::Suspended),
        other => Err(corrupt("user status", other)),
    }
}

pub(crate) fn parse_period(s: &str) -> StoreResult<Period> {
    parse("period", s)
}

pub(crate) fn parse_policy(s: &str) -> StoreResult<GroupPolicy> {
    parse("group policy", s)
}

/// Roles stored one per row, aggregated as a comma-separated list; sorted.
pub(crate) fn parse_roles(joined: Option<&str>) -> StoreResult<Vec<Role>> {
    let mut roles =
        split(joined).map(|s| parse::<Role>("role", s)).collect::<StoreResult<Vec<_>>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

pub(crate) fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| corrupt("id", s))
}

/// Ids aggregated as a comma-separated list; sorted.
pub(crate) fn parse_uuid_list(joined: Option<&str>) -> StoreResult<Vec<Uuid>> {
    let mut ids = split(joined).map(parse_uuid).collect::<StoreResult<Vec<_>>>()?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

fn split(joined: Option<&str>) -> impl Iterator<Item = &str> {
    joined.unwrap_or("").split(',').filter(|s| !s.is_empty())
}

pub(crate) fn price_text(price: Option<Price>) -> Option<String> {
    price.map(|p| p.to_string())
}

/// Roles as stored: their text form, deduplicated.
pub(crate) fn role_texts(roles: &[Role]) -> Vec<&'static str> {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.into_iter().map(Role::as_str).collect()
}

pub(crate) fn from_micros(us: i64) -> StoreResult<Time> {
    Time::from_timestamp_micros(us)
        .ok_or_else(|| StoreError::Database(format!("stored time {us} is out of range")))
}

/// `t` truncated to whole microseconds, the precision both backends keep. PostgreSQL would round
/// instead, which could move a time at the very end of a period across its boundary.
pub(crate) fn trunc_micros(t: Time) -> Time {
    Time::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// A `LIKE … ESCAPE '\'` pattern that matches `needle` anywhere, its wildcards taken literally.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl crate::Page {
    /// Every row: for callers inside the server that need a whole (small) list.
    pub const ALL: Self = Self { limit: 0, offset: 0 };

    /// The value bound to `LIMIT`: a non-positive limit means all rows.
    pub(crate) fn limit_arg(self) -> i64 {
        if self.limit > 0 { self.limit } else { i64::MAX }
    }

    /// The value bound to `OFFSET`.
    pub(crate) fn offset_arg(self) -> i64 {
        self.offset.max(0)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    /// Tie-breaks compare ids as text on SQLite and as uuids on PostgreSQL (and in
    /// `tollgate_core`): the canonical lowercase text must sort like the uuid.
    #[test]
    fn id_text_order_is_uuid_order() {
        let mut ids: Vec<Uuid> = (0..500).map(|_| Uuid::new_v4()).collect();
        ids.extend([Uuid::nil(), Uuid::max(), Uuid::from_u128(0x0a), Uuid::from_u128(0xa0 << 64)]);
        let mut by_text = ids.clone();
        by_text.sort_by_key(|u| u.to_string());
        ids.sort();
        assert_eq!(by_text, ids);
        assert!(Uuid::max().to_string().chars().all(|c| !c.is_ascii_uppercase()));
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(super::contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
