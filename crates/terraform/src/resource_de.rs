//! `StateResource` deserialized by hand, to keep a big state's memory near its text size: the
//! attribute `values` of a resource whose type the conversion never reads (everything but
//! `coder_*` and the instance-identity types) are checked exactly as a parse would check them —
//! same errors, same recursion limit — but not kept. A parsed attribute tree costs several
//! hundred bytes per resource; a state of 200k `null_resource`s spent most of its memory there.
//!
//! Terraform writes `type` before `values`; a document that does not is kept whole, as before.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::state::StateResource;

/// Whether the conversion reads a resource's `values`: the Coder resources, and the instance
/// types whose ids and sizes `convert/resources.rs` takes from them.
pub fn reads_values(type_: &str) -> bool {
    type_.starts_with("coder_")
        || matches!(
            type_,
            "google_compute_instance"
                | "aws_instance"
                | "aws_spot_instance_request"
                | "azurerm_linux_virtual_machine"
                | "azurerm_windows_virtual_machine"
        )
}

impl<'de> Deserialize<'de> for StateResource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("StateResource", FIELDS, ResourceVisitor)
    }
}

const FIELDS: &[&str] = &["address", "mode", "type", "name", "index", "values"];
const TYPE: usize = 2;

struct ResourceVisitor;

impl<'de> Visitor<'de> for ResourceVisitor {
    type Value = StateResource;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct StateResource")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StateResource, A::Error> {
        let mut res = StateResource::default();
        let mut seen = [false; FIELDS.len()];
        while let Some(key) = map.next_key::<Field>()? {
            let Field::Known(i) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::duplicate_field(FIELDS[i]));
            }
            match FIELDS[i] {
                "address" => res.address = map.next_value::<NullDefault<String>>()?.0,
                "mode" => res.mode = map.next_value::<NullDefault<String>>()?.0,
                "type" => res.type_ = map.next_value::<NullDefault<String>>()?.0,
                "name" => res.name = map.next_value::<NullDefault<String>>()?.0,
                "index" => res.index = map.next_value()?,
                "values" if seen[TYPE] && !reads_values(&res.type_) => {
                    map.next_value::<Option<Checked<true>>>()?;
                }
                _ => res.values = map.next_value::<NullDefault<Map<String, Value>>>()?.0,
            }
        }
        Ok(res)
    }

    /// serde's derive also reads a struct from an array of its fields, in order.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StateResource, A::Error> {
        let mut next = || Ok(seq.next_element::<NullDefault<String>>()?.unwrap_or_default().0);
        let mut res = StateResource {
            address: next()?,
            mode: next()?,
            type_: next()?,
            name: next()?,
            ..StateResource::default()
        };
        res.index = seq.next_element::<Option<Value>>()?.flatten();
        res.values = seq.next_element::<NullDefault<Map<String, Value>>>()?.unwrap_or_default().0;
        Ok(res)
    }
}

enum Field {
    Known(usize),
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
                Ok(FIELDS.iter().position(|f| *f == key).map_or(Field::Other, Field::Known))
            }
        }
        d.deserialize_identifier(FieldVisitor)
    }
}

/// JSON `null` is the type's zero value (the `null_default` of the derived types).
#[derive(Default)]
struct NullDefault<T>(T);

impl<'de, T: Default + Deserialize<'de>> Deserialize<'de> for NullDefault<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(NullDefault(Option::<T>::deserialize(d)?.unwrap_or_default()))
    }
}

/// Any JSON value, read with the checks a `Value` gets (numbers in range, strings valid, the
/// recursion limit) and dropped. `MAP_ONLY`: it must be an object, as a `Map` must.
struct Checked<const MAP_ONLY: bool>;

impl<'de, const MAP_ONLY: bool> Deserialize<'de> for Checked<MAP_ONLY> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if MAP_ONLY { d.deserialize_map(CheckVisitor) } else { d.deserialize_any(CheckVisitor) }
    }
}

struct CheckVisitor<const MAP_ONLY: bool>;

impl<'de, const MAP_ONLY: bool> Visitor<'de> for CheckVisitor<MAP_ONLY> {
    type Value = Checked<MAP_ONLY>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Checked<false>>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<Checked<false>, Checked<false>>()?.is_some() {}
        Ok(Checked)
    }
}
