//! Configuration checks with the SDK's messages. Each check skips a value that is null or not
//! yet known, as the SDK's validators do.

use crate::diag::Diags;
use crate::value::Value;

/// Go's `%q` of a string slice: `["a" "b"]`.
fn go_list(options: &[&str]) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("{o:?}")).collect();
    format!("[{}]", quoted.join(" "))
}

/// `validation.StringInSlice`.
pub fn one_of(diags: &mut Diags, value: &Value, path: &[&str], options: &[&str]) {
    if let Some(s) = value.as_str()
        && !options.contains(&s)
    {
        let name = path.last().copied().unwrap_or_default();
        diags.push_attr_error(
            path,
            format!("expected {name} to be one of {}, got {s}", go_list(options)),
        );
    }
}

/// `validation.IntAtLeast`.
pub fn at_least(diags: &mut Diags, value: &Value, path: &[&str], min: i64) {
    if let Some(n) = value.as_i64()
        && n < min
    {
        let name = path.last().copied().unwrap_or_default();
        diags.push_attr_error(path, format!("expected {name} to be at least ({min}), got {n}"));
    }
}

/// `validation.IntBetween`.
pub fn between(diags: &mut Diags, value: &Value, path: &[&str], min: i64, max: i64) {
    if let Some(n) = value.as_i64()
        && (n < min || n > max)
    {
        let name = path.last().copied().unwrap_or_default();
        diags.push_attr_error(
            path,
            format!("expected {name} to be in the range ({min} - {max}), got {n}"),
        );
    }
}

/// `validation.StringIsNotEmpty`.
pub fn not_empty(diags: &mut Diags, value: &Value, path: &[&str]) {
    if value.as_str() == Some("") {
        let name = path.last().copied().unwrap_or_default();
        diags.push_attr_error(path, format!("expected {name:?} to not be an empty string, got "));
    }
}

/// A maximum length in bytes, with the caller's message.
pub fn max_len(diags: &mut Diags, value: &Value, path: &[&str], max: usize, message: &str) {
    if value.as_str().is_some_and(|s| s.len() > max) {
        diags.push_attr_error(path, message.to_owned());
    }
}

/// `validation.IsUUID`.
pub fn uuid(diags: &mut Diags, value: &Value, path: &[&str]) {
    if let Some(s) = value.as_str()
        && uuid::Uuid::parse_str(s).is_err()
    {
        let name = path.last().copied().unwrap_or_default();
        diags.push_attr_error(path, format!("expected {name:?} to be a valid UUID, got {s}"));
    }
}

/// Two attributes (or blocks) that may not both be set.
pub fn conflicts(diags: &mut Diags, config: &Value, name: &str, others: &[&str]) {
    if !is_set(config.get(name)) {
        return;
    }
    for other in others {
        if is_set(config.get(other)) {
            diags.push_attr_error(&[name], format!("\"{name}\": conflicts with {other}"));
        }
    }
}

/// Set in the configuration: not null, and for blocks at least one item.
pub fn is_set(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::List(items) => !items.is_empty(),
        _ => true,
    }
}

/// The first repeated string among `keys`, if any.
pub fn first_duplicate<'a>(keys: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    keys.into_iter().find(|k| !seen.insert(*k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_the_sdk() {
        let mut d = Diags::new();
        one_of(&mut d, &Value::from("sparc"), &["arch"], &["amd64", "arm64"]);
        at_least(&mut d, &Value::from(-1i64), &["connection_timeout"], 0);
        one_of(&mut d, &Value::Unknown, &["arch"], &["amd64"]);
        let texts: Vec<_> = d.0.iter().map(|x| x.summary.clone()).collect();
        assert_eq!(
            texts,
            vec![
                r#"expected arch to be one of ["amd64" "arm64"], got sparc"#,
                "expected connection_timeout to be at least (0), got -1",
            ]
        );
        assert_eq!(first_duplicate(["a", "b", "a"]), Some("a"));
    }
}
