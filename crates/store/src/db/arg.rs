//! A value bound to a statement, kept typed until the backend is known: each backend encodes
//! uuids, times, JSON and lists its own way.

use crate::Time;
use crate::common::trunc_micros;
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Postgres, Sqlite};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Bool(Option<bool>),
    I32(Option<i32>),
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Uuid(Option<Uuid>),
    Time(Option<Time>),
    Json(Option<serde_json::Value>),
    /// A list of ids matched with the `{ANY $n}` marker.
    Uuids(Vec<Uuid>),
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;
type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

impl Arg {
    pub fn json(value: &serde_json::Value) -> Arg {
        Arg::Json(Some(value.clone()))
    }

    /// SQLite: uuids as canonical text, times as integer microseconds, JSON and lists as text.
    pub fn bind_sqlite(self, q: SqliteQuery<'_>) -> SqliteQuery<'_> {
        bind_arg!(q, self, |v| {
            uuid: v.map(|u| u.to_string()),
            time: v.map(|t| t.timestamp_micros()),
            json: v.map(|j| j.to_string()),
            uuids: serde_json::Value::from(v.iter().map(Uuid::to_string).collect::<Vec<_>>()).to_string(),
        })
    }

    /// PostgreSQL: native types; times truncated to microseconds as SQLite keeps them.
    pub fn bind_postgres(self, q: PgQuery<'_>) -> PgQuery<'_> {
        bind_arg!(q, self, |v| {
            uuid: v,
            time: v.map(trunc_micros),
            json: v.map(sqlx::types::Json),
            uuids: v,
        })
    }
}

/// Binds `$arg` to `$q`: the plain types alike on both backends, the four others encoded by the
/// expressions given (each sees the value as `$v`).
macro_rules! bind_arg {
    ($q:ident, $arg:expr, |$v:ident| {
        uuid: $uuid:expr, time: $time:expr, json: $json:expr, uuids: $uuids:expr $(,)?
    }) => {
        match $arg {
            Arg::Bool(v) => $q.bind(v),
            Arg::I32(v) => $q.bind(v),
            Arg::I64(v) => $q.bind(v),
            Arg::F64(v) => $q.bind(v),
            Arg::Text(v) => $q.bind(v),
            Arg::Bytes(v) => $q.bind(v),
            Arg::Uuid($v) => $q.bind($uuid),
            Arg::Time($v) => $q.bind($time),
            Arg::Json($v) => $q.bind($json),
            Arg::Uuids($v) => $q.bind($uuids),
        }
    };
}
use bind_arg;

macro_rules! arg_from {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(
            impl From<$ty> for Arg {
                fn from(v: $ty) -> Arg {
                    Arg::$variant(Some(v.into()))
                }
            }
            impl From<Option<$ty>> for Arg {
                fn from(v: Option<$ty>) -> Arg {
                    Arg::$variant(v.map(Into::into))
                }
            }
        )*
    };
}

arg_from!(
    bool => Bool,
    i32 => I32,
    i64 => I64,
    f64 => F64,
    String => Text,
    &str => Text,
    &String => Text,
    Vec<u8> => Bytes,
    Uuid => Uuid,
    Time => Time,
);

impl From<&[Uuid]> for Arg {
    fn from(ids: &[Uuid]) -> Arg {
        Arg::Uuids(ids.to_vec())
    }
}

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<&Option<Vec<u8>>> for Arg {
    fn from(v: &Option<Vec<u8>>) -> Arg {
        Arg::Bytes(v.clone())
    }
}
