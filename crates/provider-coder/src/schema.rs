//! Schemas the way Coder's provider declares them with Terraform's plugin SDK v2: attributes
//! that are required, optional (maybe with a default), computed or optional+computed, and
//! nested blocks in list or set mode. Besides the wire form, a schema knows how to shape a
//! value to itself, fill defaults, and find the force-new attributes that changed — the parts
//! of the SDK's behaviour that show in Terraform's plans and states.

use std::collections::BTreeMap;

use crate::proto::tfplugin6 as tf;
use crate::value::Value;

/// A Terraform type constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    String,
    Number,
    Bool,
    List(Box<Ty>),
    Map(Box<Ty>),
    Object(Vec<(&'static str, Ty)>),
}

impl Ty {
    /// The JSON type constraint Terraform reads from a schema (`"string"`, `["list","string"]`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Ty::String => json!("string"),
            Ty::Number => json!("number"),
            Ty::Bool => json!("bool"),
            Ty::List(t) => json!(["list", t.to_json()]),
            Ty::Map(t) => json!(["map", t.to_json()]),
            Ty::Object(attrs) => {
                let m: serde_json::Map<_, _> =
                    attrs.iter().map(|(k, t)| ((*k).to_owned(), t.to_json())).collect();
                json!(["object", m])
            }
        }
    }
}

/// How an attribute is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Required,
    Optional,
    Computed,
    OptionalComputed,
}

#[derive(Clone, Debug)]
pub struct Attr {
    pub name: &'static str,
    pub ty: Ty,
    pub mode: Mode,
    pub sensitive: bool,
    pub force_new: bool,
    pub deprecated: bool,
    pub default: Option<Value>,
}

impl Attr {
    pub fn new(name: &'static str, ty: Ty) -> Self {
        Attr {
            name,
            ty,
            mode: Mode::Optional,
            sensitive: false,
            force_new: false,
            deprecated: false,
            default: None,
        }
    }
    pub fn required(mut self) -> Self {
        self.mode = Mode::Required;
        self
    }
    pub fn computed(mut self) -> Self {
        self.mode = Mode::Computed;
        self
    }
    pub fn optional_computed(mut self) -> Self {
        self.mode = Mode::OptionalComputed;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }
    fn is_computed(&self) -> bool {
        matches!(self.mode, Mode::Computed | Mode::OptionalComputed)
    }
}

/// An optional string attribute.
pub fn string(name: &'static str) -> Attr {
    Attr::new(name, Ty::String)
}

/// An optional number attribute (the SDK's TypeInt).
pub fn int(name: &'static str) -> Attr {
    Attr::new(name, Ty::Number)
}

/// An optional bool attribute.
pub fn boolean(name: &'static str) -> Attr {
    Attr::new(name, Ty::Bool)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    List,
    Set,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub name: &'static str,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
    pub block: Block,
    pub force_new: bool,
    /// Optional+computed in the SDK: the provider fills it when the configuration has none.
    pub computed: bool,
}

impl NestedBlock {
    pub fn max(mut self, n: i64) -> Self {
        self.max_items = n;
        self
    }
    pub fn min(mut self, n: i64) -> Self {
        self.min_items = n;
        self
    }
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
}

/// A nested block in list mode.
pub fn list_block(name: &'static str, block: Block) -> NestedBlock {
    NestedBlock {
        name,
        nesting: Nesting::List,
        min_items: 0,
        max_items: 0,
        block,
        force_new: false,
        computed: false,
    }
}

/// A nested block in set mode.
pub fn set_block(name: &'static str, block: Block) -> NestedBlock {
    NestedBlock { nesting: Nesting::Set, ..list_block(name, block) }
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<NestedBlock>,
}

impl Block {
    pub fn new(attrs: Vec<Attr>) -> Self {
        Block { attrs, blocks: Vec::new() }
    }

    pub fn with_blocks(mut self, blocks: Vec<NestedBlock>) -> Self {
        self.blocks = blocks;
        self
    }

    /// The SDK adds an optional+computed `id` to every resource and data source that does not
    /// declare one itself.
    pub fn with_sdk_id(mut self) -> Self {
        if !self.attrs.iter().any(|a| a.name == "id") {
            self.attrs.push(string("id").optional_computed());
        }
        self
    }

    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    fn to_proto(&self) -> tf::schema::Block {
        let mut attributes: Vec<_> = self.attrs.iter().map(attr_to_proto).collect();
        attributes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut block_types: Vec<_> = self.blocks.iter().map(nested_to_proto).collect();
        block_types.sort_by(|a, b| a.type_name.cmp(&b.type_name));
        tf::schema::Block { attributes, block_types, ..Default::default() }
    }

    /// Shape `value` to this block: every attribute present (null when missing), unknown keys
    /// dropped, every nested block a list. Used on stored states and imports.
    pub fn normalize(&self, value: &Value) -> Value {
        let mut out = BTreeMap::new();
        for attr in &self.attrs {
            out.insert(attr.name.to_owned(), value.get(attr.name).clone());
        }
        for nested in &self.blocks {
            let items = value.get(nested.name);
            let shaped = match items {
                Value::Unknown => Value::Unknown,
                _ => Value::List(items.items().iter().map(|i| nested.block.normalize(i)).collect()),
            };
            out.insert(nested.name.to_owned(), shaped);
        }
        Value::Map(out)
    }

    /// Fill every null attribute that has a default, here and in nested blocks.
    pub fn apply_defaults(&self, value: &mut Value) {
        for attr in &self.attrs {
            if let Some(default) = &attr.default
                && value.get(attr.name).is_null()
            {
                value.set(attr.name, default.clone());
            }
        }
        for nested in &self.blocks {
            if let Some(items) = value.get_mut(nested.name) {
                items.items_mut().iter_mut().for_each(|i| nested.block.apply_defaults(i));
            }
        }
    }

    /// On create (or replace), a computed attribute the configuration leaves null is unknown
    /// until apply; so is an optional+computed block the configuration does not write.
    pub fn mark_unknown_computed(&self, value: &mut Value) {
        for attr in self.attrs.iter().filter(|a| a.is_computed()) {
            if value.get(attr.name).is_null() {
                value.set(attr.name, Value::Unknown);
            }
        }
        for nested in &self.blocks {
            let empty = value.get(nested.name).items().is_empty();
            if nested.computed && empty {
                value.set(nested.name, Value::Unknown);
            } else if let Some(items) = value.get_mut(nested.name) {
                items.items_mut().iter_mut().for_each(|i| nested.block.mark_unknown_computed(i));
            }
        }
    }

    /// Paths of force-new attributes and blocks whose planned value differs from the prior one.
    /// A value that becomes unknown (say, the id of an agent being replaced) is a change, as in
    /// the SDK. Computed-only attributes are the provider's to set and never force replacement.
    pub fn force_new_changes(&self, prior: &Value, planned: &Value) -> Vec<Vec<String>> {
        let mut paths = Vec::new();
        for attr in self.attrs.iter().filter(|a| a.force_new && a.mode != Mode::Computed) {
            let new = planned.get(attr.name);
            if !new.is_wholly_known() || prior.get(attr.name) != new {
                paths.push(vec![attr.name.to_owned()]);
            }
        }
        for nested in self.blocks.iter().filter(|b| b.force_new) {
            let (old, new) = (prior.get(nested.name), planned.get(nested.name));
            if !same_ignoring_computed(&nested.block, old, new) {
                paths.push(vec![nested.name.to_owned()]);
            }
        }
        paths
    }

    /// Drop the computed-only attributes, recursively, so that two block values can be compared
    /// on what the configuration controls.
    fn configured_part(&self, value: &Value) -> Value {
        let mut out = BTreeMap::new();
        for attr in self.attrs.iter().filter(|a| a.mode != Mode::Computed) {
            out.insert(attr.name.to_owned(), value.get(attr.name).clone());
        }
        for nested in &self.blocks {
            let items = value.get(nested.name).items();
            let shaped = items.iter().map(|i| nested.block.configured_part(i)).collect();
            out.insert(nested.name.to_owned(), Value::List(shaped));
        }
        Value::Map(out)
    }
}

/// Inside blocks the SDK stores an unset attribute as its zero value, so null and zero are the
/// same configuration there.
/// A block that became unknown (a `dynamic` block over unknown values) is a change.
fn same_ignoring_computed(block: &Block, old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Vec<Value> {
        v.items().iter().map(|i| zero_to_null(block.configured_part(i))).collect()
    };
    let stripped = strip(new);
    !new.is_unknown() && stripped.iter().all(Value::is_wholly_known) && strip(old) == stripped
}

fn zero_to_null(value: Value) -> Value {
    match value {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::Bool(false) => Value::Null,
        Value::Number(crate::value::Number::Int(0)) => Value::Null,
        Value::List(items) => Value::List(items.into_iter().map(zero_to_null).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, zero_to_null(v))).collect()),
        other => other,
    }
}

fn attr_to_proto(attr: &Attr) -> tf::schema::Attribute {
    tf::schema::Attribute {
        name: attr.name.to_owned(),
        r#type: attr.ty.to_json().to_string().into_bytes(),
        required: attr.mode == Mode::Required,
        optional: matches!(attr.mode, Mode::Optional | Mode::OptionalComputed),
        computed: attr.is_computed(),
        sensitive: attr.sensitive,
        deprecated: attr.deprecated,
        ..Default::default()
    }
}

fn nested_to_proto(nested: &NestedBlock) -> tf::schema::NestedBlock {
    let nesting = match nested.nesting {
        Nesting::List => tf::schema::nested_block::NestingMode::List,
        Nesting::Set => tf::schema::nested_block::NestingMode::Set,
    };
    tf::schema::NestedBlock {
        type_name: nested.name.to_owned(),
        block: Some(nested.block.to_proto()),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

/// A resource's or data source's schema with its version.
#[derive(Clone, Debug)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn to_proto(&self) -> tf::Schema {
        tf::Schema { version: self.version, block: Some(self.block.to_proto()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agentish() -> Block {
        Block::new(vec![
            string("os").required().force_new(),
            string("auth").force_new().default("token"),
            string("token").computed().sensitive(),
        ])
        .with_blocks(vec![
            set_block("display_apps", Block::new(vec![boolean("vscode").default(true)]))
                .max(1)
                .computed()
                .force_new(),
        ])
        .with_sdk_id()
    }

    #[test]
    fn types_encode_as_terraform_reads_them() {
        let ty = Ty::List(Box::new(Ty::Object(vec![("name", Ty::String)])));
        assert_eq!(ty.to_json().to_string(), r#"["list",["object",{"name":"string"}]]"#);
    }

    #[test]
    fn create_plan_fills_defaults_and_marks_computed_unknown() {
        let block = agentish();
        let mut v = block.normalize(&Value::Null);
        v.set("os", "linux");
        block.apply_defaults(&mut v);
        block.mark_unknown_computed(&mut v);
        assert_eq!(v.get("auth"), &Value::from("token"));
        assert!(v.get("token").is_unknown() && v.get("id").is_unknown());
        assert!(v.get("display_apps").is_unknown());
    }

    #[test]
    fn only_configured_force_new_changes_replace() {
        let block = agentish();
        let mut prior = block.normalize(&Value::Null);
        prior.set("os", "linux");
        prior.set("token", "secret");
        let mut planned = prior.clone();
        planned.set("token", Value::Unknown);
        assert!(block.force_new_changes(&prior, &planned).is_empty());
        planned.set("os", "darwin");
        assert_eq!(block.force_new_changes(&prior, &planned), vec![vec!["os".to_owned()]]);
        planned.set("os", Value::Unknown);
        assert_eq!(block.force_new_changes(&prior, &planned), vec![vec!["os".to_owned()]]);
        planned.set("os", "linux");
        planned.set("display_apps", Value::Unknown);
        assert_eq!(
            block.force_new_changes(&prior, &planned),
            vec![vec!["display_apps".to_owned()]]
        );
    }
}
