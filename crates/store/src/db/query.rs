//! A statement and its arguments, run on either backend.

use super::error::map_error;
use super::{Arg, Db, Ex, Row, Tx, dialect};
use crate::{Backend, StoreResult};
use std::borrow::Cow;

/// One SQL statement with `$n` placeholders and dialect markers ([`dialect`]), and its arguments.
#[must_use = "a query does nothing until it is run"]
pub(crate) struct Query {
    sql: Cow<'static, str>,
    args: Vec<Arg>,
}

pub(crate) fn sql(text: impl Into<Cow<'static, str>>) -> Query {
    Query { sql: text.into(), args: Vec::new() }
}

/// Runs `$call` (on `q`, a sqlx query bound for the executor's backend, and `conn`, its
/// executor), then converts what it returns with `$sqlite` or `$postgres`, the backend's rows
/// being of different types.
macro_rules! run {
    ($query:ident, $ex:ident, |$q:ident, $conn:ident| $call:expr, $sqlite:expr, $postgres:expr) => {{
        let text = dialect::render(&$query.sql, $ex.backend());
        let args = $query.args;
        match $ex {
            Ex::Db(Db::Sqlite(pool, _)) => {
                let $q = args.into_iter().fold(sqlx::query(&text), |q, a| a.bind_sqlite(q));
                let $conn = pool;
                $call.map($sqlite)
            }
            Ex::Tx(Tx::Sqlite(tx, _)) => {
                let $q = args.into_iter().fold(sqlx::query(&text), |q, a| a.bind_sqlite(q));
                let $conn = &mut **tx;
                $call.map($sqlite)
            }
            Ex::Db(Db::Postgres(pool)) => {
                let $q = args.into_iter().fold(sqlx::query(&text), |q, a| a.bind_postgres(q));
                let $conn = pool;
                $call.map($postgres)
            }
            Ex::Tx(Tx::Postgres(tx)) => {
                let $q = args.into_iter().fold(sqlx::query(&text), |q, a| a.bind_postgres(q));
                let $conn = &mut **tx;
                $call.map($postgres)
            }
        }
        .map_err(map_error)
    }};
}

impl Query {
    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Runs the statement; returns how many rows it changed.
    pub async fn execute<'a>(self, ex: impl Into<Ex<'a>>) -> StoreResult<u64> {
        let ex = ex.into();
        run!(self, ex, |q, conn| q.execute(conn).await, |done| done.rows_affected(), |done| done
            .rows_affected())
    }

    pub async fn fetch_all<'a>(self, ex: impl Into<Ex<'a>>) -> StoreResult<Vec<Row>> {
        let ex = ex.into();
        run!(
            self,
            ex,
            |q, conn| q.fetch_all(conn).await,
            |rows| rows.into_iter().map(Row::Sqlite).collect(),
            |rows| rows.into_iter().map(Row::Postgres).collect()
        )
    }

    pub async fn fetch_optional<'a>(self, ex: impl Into<Ex<'a>>) -> StoreResult<Option<Row>> {
        let ex = ex.into();
        run!(self, ex, |q, conn| q.fetch_optional(conn).await, |row| row.map(Row::Sqlite), |row| {
            row.map(Row::Postgres)
        })
    }

    pub async fn fetch_one<'a>(self, ex: impl Into<Ex<'a>>) -> StoreResult<Row> {
        let ex = ex.into();
        run!(self, ex, |q, conn| q.fetch_one(conn).await, Row::Sqlite, Row::Postgres)
    }

    /// Whether the statement returns a row.
    pub async fn exists<'a>(self, ex: impl Into<Ex<'a>>) -> StoreResult<bool> {
        Ok(self.fetch_optional(ex).await?.is_some())
    }
}

impl Backend {
    /// The name used in logs and benchmarks.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}
