//! A row of either backend, read by column name. Each backend decodes its own encodings of
//! uuids, times and JSON; every other column decodes alike.

use super::error::map_error;
use crate::common::{from_micros, parse_uuid};
use crate::{StoreError, StoreResult, Time};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};
use uuid::Uuid;

pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// Reads a column whose Rust type decodes the same way from both backends.
macro_rules! plain {
    ($($name:ident -> $ty:ty;)*) => {
        $(
            pub fn $name(&self, col: &str) -> StoreResult<$ty> {
                self.get::<$ty>(col)
            }
        )*
    };
}

impl Row {
    fn get<T>(&self, col: &str) -> StoreResult<T>
    where
        T: for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        match self {
            Row::Sqlite(row) => row.try_get(col).map_err(map_error),
            Row::Postgres(row) => row.try_get(col).map_err(map_error),
        }
    }

    plain! {
        text -> String;
        opt_text -> Option<String>;
        int -> i32;
        bigint -> i64;
        opt_bigint -> Option<i64>;
        opt_float -> Option<f64>;
        opt_bytes -> Option<Vec<u8>>;
        flag -> bool;
    }

    pub fn uuid(&self, col: &str) -> StoreResult<Uuid> {
        self.opt_uuid(col)?.ok_or_else(|| null(col))
    }

    pub fn opt_uuid(&self, col: &str) -> StoreResult<Option<Uuid>> {
        match self {
            Row::Sqlite(row) => {
                let text: Option<String> = row.try_get(col).map_err(map_error)?;
                text.as_deref().map(parse_uuid).transpose()
            }
            Row::Postgres(row) => row.try_get(col).map_err(map_error),
        }
    }

    pub fn time(&self, col: &str) -> StoreResult<Time> {
        self.opt_time(col)?.ok_or_else(|| null(col))
    }

    pub fn opt_time(&self, col: &str) -> StoreResult<Option<Time>> {
        match self {
            Row::Sqlite(row) => {
                let micros: Option<i64> = row.try_get(col).map_err(map_error)?;
                micros.map(from_micros).transpose()
            }
            Row::Postgres(row) => row.try_get(col).map_err(map_error),
        }
    }

    /// A JSON column: text on SQLite, `jsonb` on PostgreSQL.
    pub fn json(&self, col: &str) -> StoreResult<serde_json::Value> {
        self.opt_json(col)?.ok_or_else(|| null(col))
    }

    pub fn opt_json(&self, col: &str) -> StoreResult<Option<serde_json::Value>> {
        match self {
            Row::Sqlite(row) => {
                let text: Option<String> = row.try_get(col).map_err(map_error)?;
                text.map(|t| {
                    serde_json::from_str(&t)
                        .map_err(|_| StoreError::Database(format!("stored {col} is not JSON")))
                })
                .transpose()
            }
            Row::Postgres(row) => {
                let value: Option<sqlx::types::Json<serde_json::Value>> =
                    row.try_get(col).map_err(map_error)?;
                Ok(value.map(|v| v.0))
            }
        }
    }
}

fn null(col: &str) -> StoreError {
    StoreError::Database(format!("column {col} is unexpectedly NULL"))
}
