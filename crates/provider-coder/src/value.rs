//! Terraform values as this provider handles them, and their two wire encodings: msgpack (what
//! Terraform sends and reads back) and JSON (stored states handed to `UpgradeResourceState`).
//!
//! The tree is untyped: lists, sets and tuples are all [`Value::List`], maps and objects are
//! [`Value::Map`]. That is enough because Terraform decodes what we send against the schema it
//! already has, and cty's msgpack decoder accepts an object with attributes missing (they become
//! null) — the only things we must get right are names, nesting and unknowns.

use std::collections::BTreeMap;

use rmpv::Value as Mp;

/// A number as Terraform sends it. Integers stay exact; anything else is a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn from_f64(f: f64) -> Self {
        // Integral floats become integers so that `3` and `3.0` compare equal when planning.
        if f.fract() == 0.0 && f.abs() < 9.0e15 { Number::Int(f as i64) } else { Number::Float(f) }
    }

    /// The number as an integer, truncating a fraction like Go's int conversion.
    pub fn as_i64(self) -> i64 {
        match self {
            Number::Int(i) => i,
            Number::Float(f) => f as i64,
        }
    }
}

/// A Terraform value.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    /// A list, set or tuple.
    List(Vec<Value>),
    /// A map or object.
    Map(BTreeMap<String, Value>),
}

static NULL: Value = Value::Null;

impl Value {
    /// `obj[key]`, or null when this is not an object or the key is absent.
    pub fn get(&self, key: &str) -> &Value {
        match self {
            Value::Map(m) => m.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Set `key` on an object (a null value becomes an empty object first).
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        if !matches!(self, Value::Map(_)) {
            *self = Value::Map(BTreeMap::new());
        }
        if let Value::Map(m) = self {
            m.insert(key.to_owned(), value.into());
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self {
            Value::Map(m) => m.get_mut(key),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The string, or "" for null/unknown (Go SDK's zero value).
    pub fn str_or_empty(&self) -> &str {
        self.as_str().unwrap_or("")
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => Some(n.as_i64()),
            _ => None,
        }
    }

    /// The elements of a list or set; empty for anything else.
    pub fn items(&self) -> &[Value] {
        match self {
            Value::List(items) => items,
            _ => &[],
        }
    }

    pub fn items_mut(&mut self) -> &mut [Value] {
        match self {
            Value::List(items) => items,
            _ => &mut [],
        }
    }

    /// Replace every unknown inside this value by null (what an unset computed attribute
    /// becomes after apply).
    pub fn unknowns_to_null(&mut self) {
        match self {
            Value::Unknown => *self = Value::Null,
            Value::List(items) => items.iter_mut().for_each(Value::unknowns_to_null),
            Value::Map(m) => m.values_mut().for_each(Value::unknowns_to_null),
            _ => {}
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Number(Number::Int(i))
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(items)
    }
}

/// cty's encoding of an unknown value: msgpack fixext1 of extension type 0 with one zero byte.
const UNKNOWN_EXT_TYPE: i8 = 0;

/// Decode a msgpack DynamicValue. Any extension value is an unknown (cty uses type 0 for plain
/// unknowns and type 12 for unknowns carrying refinements, which we do not need).
pub fn from_msgpack(bytes: &[u8]) -> Result<Value, String> {
    let mut reader = bytes;
    let mp = rmpv::decode::read_value(&mut reader).map_err(|e| format!("decode msgpack: {e}"))?;
    from_mp(mp)
}

fn from_mp(mp: Mp) -> Result<Value, String> {
    Ok(match mp {
        Mp::Nil => Value::Null,
        Mp::Boolean(b) => Value::Bool(b),
        Mp::Integer(i) => match i.as_i64() {
            Some(i) => Value::Number(Number::Int(i)),
            None => Value::Number(Number::from_f64(i.as_f64().unwrap_or(f64::MAX))),
        },
        Mp::F32(f) => Value::Number(Number::from_f64(f64::from(f))),
        Mp::F64(f) => Value::Number(Number::from_f64(f)),
        // cty sends a number that fits no msgpack number type as a decimal string; such a
        // number (beyond 64 bits) reads as a string here, and no Coder attribute needs one.
        Mp::String(s) => Value::String(s.into_str().ok_or("invalid UTF-8 string in msgpack")?),
        Mp::Binary(_) => return Err("unexpected binary value in msgpack".into()),
        Mp::Array(items) => Value::List(items.into_iter().map(from_mp).collect::<Result<_, _>>()?),
        Mp::Map(pairs) => {
            let mut m = BTreeMap::new();
            for (k, v) in pairs {
                let key = k.as_str().ok_or("non-string key in msgpack map")?.to_owned();
                m.insert(key, from_mp(v)?);
            }
            Value::Map(m)
        }
        Mp::Ext(_, _) => Value::Unknown,
    })
}

/// Encode a value as msgpack for Terraform.
pub fn to_msgpack(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &to_mp(value));
    out
}

fn to_mp(value: &Value) -> Mp {
    match value {
        Value::Null => Mp::Nil,
        Value::Unknown => Mp::Ext(UNKNOWN_EXT_TYPE, vec![0]),
        Value::Bool(b) => Mp::Boolean(*b),
        Value::Number(Number::Int(i)) => Mp::from(*i),
        Value::Number(Number::Float(f)) => Mp::F64(*f),
        Value::String(s) => Mp::from(s.as_str()),
        Value::List(items) => Mp::Array(items.iter().map(to_mp).collect()),
        Value::Map(m) => Mp::Map(m.iter().map(|(k, v)| (Mp::from(k.as_str()), to_mp(v))).collect()),
    }
}

/// Decode a JSON document (a stored state) into a value.
pub fn from_json(json: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match json {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Number(Number::Int(i)),
            None => Value::Number(Number::from_f64(n.as_f64().unwrap_or(0.0))),
        },
        J::String(s) => Value::String(s.clone()),
        J::Array(items) => Value::List(items.iter().map(from_json).collect()),
        J::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msgpack_round_trips_unknowns_numbers_and_nesting() {
        let mut v = Value::Null;
        v.set("id", Value::Unknown);
        v.set("n", 120i64);
        v.set("f", Value::Number(Number::Float(1.5)));
        v.set("list", vec![Value::from("a"), Value::Null]);
        let bytes = to_msgpack(&v);
        assert_eq!(from_msgpack(&bytes).unwrap(), v);
        // The exact bytes cty writes for an unknown.
        assert_eq!(to_msgpack(&Value::Unknown), vec![0xd4, 0, 0]);
    }

    #[test]
    fn refined_unknowns_decode_as_unknown() {
        // ext type 12 with a payload, as cty writes for a refined unknown string.
        let bytes = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
        assert_eq!(from_msgpack(&bytes).unwrap(), Value::Unknown);
    }

    #[test]
    fn integral_floats_compare_equal_to_integers() {
        let bytes = to_msgpack(&Value::Number(Number::Float(3.0)));
        assert_eq!(from_msgpack(&bytes).unwrap(), Value::from(3i64));
    }
}
