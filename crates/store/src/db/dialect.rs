//! The SQL both databases accept differently, as named markers in otherwise shared SQL text:
//!
//! | marker | PostgreSQL | SQLite |
//! |---|---|---|
//! | `{FOR_UPDATE}` | `FOR UPDATE` (lock the rows read) | nothing: a write transaction holds the whole database |
//! | `{FOR_SHARE}` | `FOR SHARE` | nothing |
//! | `{SKIP_LOCKED}` | `FOR UPDATE SKIP LOCKED` (replicas claim different rows) | nothing |
//! | `{C}` | `COLLATE "C"` (byte order whatever the locale) | nothing: SQLite compares bytes |
//! | `{ANY $n}` | `= ANY($n)` over a uuid array | `IN (SELECT value FROM json_each($n))` over a JSON array |
//! | `{DAY created_at}` | the UTC day (days since 1970-01-01) of a `timestamptz` column | of an integer-microseconds column |
//!
//! Every other part of a statement is written once.

use crate::Backend;
use std::borrow::Cow;

/// `sql` with its markers replaced for `backend`; unknown braces are left as they are.
pub(crate) fn render(sql: &str, backend: Backend) -> Cow<'_, str> {
    if !sql.contains('{') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 32);
    let mut rest = sql;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| marker(&after[..close], backend).map(|m| (close, m)))
        {
            Some((close, replacement)) => {
                out.push_str(&replacement);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn marker(name: &str, backend: Backend) -> Option<String> {
    let pg = backend == Backend::Postgres;
    let fixed = |text: &str| Some(if pg { text.to_owned() } else { String::new() });
    match name {
        "FOR_UPDATE" => fixed("FOR UPDATE"),
        "FOR_SHARE" => fixed("FOR SHARE"),
        "SKIP_LOCKED" => fixed("FOR UPDATE SKIP LOCKED"),
        "C" => fixed("COLLATE \"C\""),
        _ if name.starts_with("DAY ") => {
            let column = name.strip_prefix("DAY ")?;
            Some(if pg {
                format!("CAST(floor(extract(epoch FROM {column}) / 86400) AS BIGINT)")
            } else {
                format!("({column} / 86400000000)")
            })
        }
        _ => {
            let param = name.strip_prefix("ANY ")?;
            Some(if pg {
                format!("= ANY({param})")
            } else {
                format!("IN (SELECT value FROM json_each({param}))")
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_render_per_backend() {
        let sql = "SELECT a FROM t WHERE id {ANY $1} ORDER BY name {C} {FOR_UPDATE}";
        assert_eq!(
            render(sql, Backend::Postgres),
            "SELECT a FROM t WHERE id = ANY($1) ORDER BY name COLLATE \"C\" FOR UPDATE"
        );
        assert_eq!(
            render(sql, Backend::Sqlite),
            "SELECT a FROM t WHERE id IN (SELECT value FROM json_each($1)) ORDER BY name  "
        );
    }

    #[test]
    fn other_braces_are_kept() {
        let sql = "SELECT '{}', '{\"a\": 1}' {SKIP_LOCKED}";
        assert_eq!(render(sql, Backend::Sqlite), "SELECT '{}', '{\"a\": 1}' ");
        assert!(matches!(render("SELECT 1", Backend::Postgres), Cow::Borrowed(_)));
    }
}
