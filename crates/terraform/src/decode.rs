//! Attribute decoding with Go `mapstructure` semantics (spec §1.1): a missing key or `null` is
//! the zero value, numbers truncate to the integer type, unknown keys are ignored, and a value
//! of the wrong JSON type is an error worded like mapstructure's.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A mapstructure-style decoding error (the `%w` part of `decode <kind> attributes: %w`).
pub type DecodeResult<T> = Result<T, String>;

/// A view on an attribute object, remembering its path for error messages.
#[derive(Clone)]
pub struct Fields<'a> {
    map: Option<&'a Map<String, Value>>,
    path: String,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Self { map: Some(map), path: String::new() }
    }

    /// The raw value of `key`, `None` when absent or `null`.
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    /// Whether `key` exists at all (even as `null`).
    pub fn has_key(&self, key: &str) -> bool {
        self.map.is_some_and(|m| m.contains_key(key))
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }

    pub fn string(&self, key: &str) -> DecodeResult<String> {
        match self.raw(key) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(unconvertible(&self.name(key), "string", other)),
        }
    }

    /// A `*string`: `None` when absent or `null`.
    pub fn opt_string(&self, key: &str) -> DecodeResult<Option<String>> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(unconvertible(&self.name(key), "*string", other)),
        }
    }

    pub fn boolean(&self, key: &str) -> DecodeResult<bool> {
        match self.raw(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(unconvertible(&self.name(key), "bool", other)),
        }
    }

    pub fn int64(&self, key: &str) -> DecodeResult<i64> {
        match self.raw(key) {
            None => Ok(0),
            Some(Value::Number(n)) => Ok(truncate_i64(n)),
            Some(other) => Err(unconvertible(&self.name(key), "int64", other)),
        }
    }

    /// Go stores `int64(float)` into an int32 field, which keeps the low 32 bits.
    pub fn int32(&self, key: &str) -> DecodeResult<i32> {
        match self.raw(key) {
            None => Ok(0),
            Some(Value::Number(n)) => Ok(truncate_i64(n) as i32),
            Some(other) => Err(unconvertible(&self.name(key), "int32", other)),
        }
    }

    /// A `map[string]string`.
    pub fn string_map(&self, key: &str) -> DecodeResult<BTreeMap<String, String>> {
        let Some(raw) = self.raw(key) else { return Ok(BTreeMap::new()) };
        let Value::Object(obj) = raw else {
            return Err(one_error(format!(
                "'{}' expected a map, got '{}'",
                self.name(key),
                kind(raw)
            )));
        };
        let mut out = BTreeMap::new();
        for (k, v) in obj {
            let value = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => {
                    return Err(unconvertible(
                        &format!("{}[{k}]", self.name(key)),
                        "string",
                        other,
                    ));
                }
            };
            out.insert(k.clone(), value);
        }
        Ok(out)
    }

    /// A nested block list (`[]struct`): each element an object, `null` elements are empty.
    pub fn blocks(&self, key: &str) -> DecodeResult<Vec<Fields<'a>>> {
        let Some(raw) = self.raw(key) else { return Ok(Vec::new()) };
        let Value::Array(items) = raw else {
            return Err(one_error(format!(
                "'{}': source data must be an array or slice, got {}",
                self.name(key),
                kind(raw)
            )));
        };
        let base = self.name(key);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{base}[{i}]");
            match item {
                Value::Null => out.push(Fields { map: None, path }),
                Value::Object(map) => out.push(Fields { map: Some(map), path }),
                other => {
                    return Err(one_error(format!(
                        "'{path}' expected a map, got '{}'",
                        kind(other)
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// Go converts the JSON float64 to the integer type; out-of-range values saturate here
/// (Go's result is unspecified) and NaN cannot occur in JSON.
fn truncate_i64(n: &serde_json::Number) -> i64 {
    n.as_i64().unwrap_or_else(|| n.as_f64().map_or(0, |f| f as i64))
}

fn one_error(detail: String) -> String {
    format!("1 error(s) decoding:\n\n* {detail}")
}

fn unconvertible(name: &str, expected: &str, got: &Value) -> String {
    one_error(format!(
        "'{name}' expected type '{expected}', got unconvertible type '{}', value: '{}'",
        go_type(got),
        go_value(got)
    ))
}

/// The Go type `encoding/json` decodes a JSON value into.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

/// Roughly Go's `%v`, shortened so a huge value does not flood the message.
fn go_value(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.len() <= 64 {
        return text;
    }
    let mut end = 64;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
