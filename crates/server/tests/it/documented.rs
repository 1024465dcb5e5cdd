//! Every answer any test sees must be one the OpenAPI document lists for its operation: so each
//! test that goes through [`crate::support::TestApp`] checks the document too.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::OnceLock;

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(&tollgate_server::openapi_json()).expect("the document")
    })
}

/// The document's path template that `path` belongs to, the most specific one where several
/// match (`/users/first` before `/users/{user}`).
fn template_of(path: &str) -> Option<(&'static String, &'static Value)> {
    let segments: Vec<&str> = path.split('/').collect();
    let paths = document()["paths"].as_object()?;
    paths
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, template, item))
        })
        .max_by_key(|(literal, ..)| *literal)
        .map(|(_, template, item)| (template, item))
}

/// Panics when the document does not list `status` for the operation `method path` answered.
/// Routes the document does not describe (unknown paths, methods a path lacks) are not checked.
pub fn assert_documented(method: &Method, path: &str, status: StatusCode) {
    let path = path.split('?').next().unwrap_or_default();
    let Some((template, item)) = template_of(path) else { return };
    let Some(operation) = item.get(method.as_str().to_ascii_lowercase()) else { return };
    let listed = &operation["responses"];
    assert!(
        listed.get(status.as_str()).is_some() || listed.get("default").is_some(),
        "{method} {template} answered {status}, which the OpenAPI document does not list"
    );
}
