//! Paging of every list: Coder's `limit` and `offset` query parameters, checked here once. The
//! store takes the page in SQL, so a page costs only its rows.

use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use tollgate_api_types as api;
use tollgate_store::Page;

/// The largest page any list serves.
pub const MAX_PAGE: i64 = 1000;

/// A list's page sizes: `default` when `limit` is absent or 0, `max` the largest accepted.
#[derive(Debug, Clone, Copy)]
pub struct PageRule {
    pub default: i64,
    pub max: i64,
}

impl PageRule {
    /// Lists Coder returns whole (no paging, or `limit` 0 meaning all): the largest page, so a
    /// client that never pages still sees everything in any ordinary deployment.
    pub const WHOLE: Self = Self { default: MAX_PAGE, max: MAX_PAGE };
    /// chats.md: chats and chat messages, 50 by default, at most 200.
    pub const CHATS: Self = Self { default: 50, max: 200 };
    /// limits-plus §4: the audit log, 50 by default.
    pub const AUDIT: Self = Self { default: 50, max: MAX_PAGE };
    /// chats.md: per-user costs, 50 by default.
    pub const COSTS: Self = Self { default: 50, max: MAX_PAGE };
}

/// `limit` and `offset` as sent. Kept as text so a bad value is answered by name, in the API's
/// error shape, rather than with serde's message.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page; absent or 0 for the list's default page size (the maximum, 1000, unless
    /// the list says otherwise).
    #[param(value_type = Option<i32>, minimum = 0)]
    pub limit: Option<String>,
    /// Items to skip first.
    #[param(value_type = Option<i32>, minimum = 0)]
    pub offset: Option<String>,
    /// Coder's keyset paging; refused rather than ignored, so a client using it never gets a
    /// page it did not ask for.
    #[param(ignore)]
    pub after_id: Option<String>,
}

impl PageParams {
    pub fn page(&self, rule: PageRule) -> ApiResult<Page> {
        if self.after_id.as_deref().is_some_and(|id| !id.is_empty()) {
            return Err(invalid(
                "after_id",
                "Query param \"after_id\" is not supported; page with \"offset\".",
            ));
        }
        Ok(Page {
            limit: limit(self.limit.as_deref(), rule)?,
            offset: non_negative("offset", self.offset.as_deref())?,
        })
    }
}

/// A `limit` under `rule`: absent, empty or 0 gives the default (Coder reads 0 as "no limit").
pub fn limit(raw: Option<&str>, rule: PageRule) -> ApiResult<i64> {
    match non_negative("limit", raw)? {
        0 => Ok(rule.default),
        n if n > rule.max => {
            Err(invalid("limit", format!("Query param \"limit\" must be at most {}.", rule.max)))
        }
        n => Ok(n),
    }
}

/// Keyset paging by a row id: absent or empty for the first page.
pub fn after_id(raw: Option<&str>) -> ApiResult<Option<i64>> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>().ok().filter(|n| *n >= 0).map(Some).ok_or_else(|| {
        invalid("after_id", "Query param \"after_id\" must be a whole number from 0.")
    })
}

/// A whole number from 0 to 2³¹−1 (Coder's int32 range); absent or empty is 0.
fn non_negative(field: &str, raw: Option<&str>) -> ApiResult<i64> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Ok(0);
    }
    raw.parse::<i32>().ok().filter(|n| *n >= 0).map(i64::from).ok_or_else(|| {
        invalid(
            field,
            format!("Query param {field:?} must be a whole number from 0 to {}.", i32::MAX),
        )
    })
}

/// Coder's answer to bad query parameters; the detail repeats the validation so clients that
/// only show `detail` still name the parameter.
fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
    let detail = detail.into();
    let mut err =
        ApiError::bad_request("Query parameters have invalid values.").with_detail(detail.clone());
    err.validations.push(api::ValidationError { field: field.to_owned(), detail });
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(limit: Option<&str>, offset: Option<&str>) -> ApiResult<Page> {
        let params = PageParams {
            limit: limit.map(str::to_owned),
            offset: offset.map(str::to_owned),
            after_id: None,
        };
        params.page(PageRule::CHATS)
    }

    #[test]
    fn absent_and_zero_mean_the_default() {
        assert_eq!(page(None, None).unwrap(), Page { limit: 50, offset: 0 });
        assert_eq!(page(Some("0"), Some("")).unwrap(), Page { limit: 50, offset: 0 });
        assert_eq!(page(Some("200"), Some("7")).unwrap(), Page { limit: 200, offset: 7 });
    }

    #[test]
    fn bad_values_name_the_parameter() {
        for (limit, offset, field) in [
            (Some("-1"), None, "limit"),
            (Some("abc"), None, "limit"),
            (Some("201"), None, "limit"),
            (Some("1.5"), None, "limit"),
            (None, Some("-1"), "offset"),
            (None, Some("2147483648"), "offset"),
        ] {
            let err = page(limit, offset).unwrap_err();
            assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
            assert_eq!(err.validations[0].field, field, "{limit:?} {offset:?}");
            assert!(err.detail.unwrap().contains(&format!("{field:?}")));
        }
    }
}
