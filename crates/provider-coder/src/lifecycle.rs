//! The lifecycle every resource shares, shaped like Terraform's plugin SDK v2 (which Coder's
//! provider is built on) so that plans and states look like Coder's:
//!
//! * plan: defaults filled; on create every computed attribute the configuration leaves null is
//!   unknown, and so is an optional+computed block (`display_apps`) the configuration omits;
//!   on update a changed force-new attribute asks for replacement (Terraform then plans the
//!   create again with no prior state);
//! * apply: create fills ids and computed values, whatever is still unknown becomes null, and
//!   optional attributes inside blocks read back as zero values, as the SDK's flatmap does;
//! * read, import, upgrade and data sources on the same shapes.
//!
//! SDK v2 providers set `legacy_type_system` so that Terraform tolerates exactly these
//! differences between configuration, plan and state (a computed block, zero values inside
//! blocks); this provider sets it for the same reason.

use crate::diag::Diags;
use crate::resource::{Ctx, DataSource, Resource, new_id};
use crate::schema::{Block, Mode, Schema, Ty};
use crate::value::{Number, Value};

pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<Vec<String>>,
}

/// PlanResourceChange.
pub fn plan(schema: &Schema, prior: &Value, proposed: &Value) -> Planned {
    let block = &schema.block;
    if proposed.is_null() {
        return Planned { state: Value::Null, requires_replace: Vec::new() };
    }
    let mut planned = block.normalize(proposed);
    block.apply_defaults(&mut planned);
    if prior.is_null() {
        // Nulls inside blocks stay null until apply: `coder_metadata` records them (`is_null`).
        block.mark_unknown_computed(&mut planned);
        return Planned { state: planned, requires_replace: Vec::new() };
    }
    // The prior state holds zero values where the configuration has nulls; compare like with
    // like, or every plan would show a change.
    zero_fill_blocks(block, &mut planned);
    keep_prior_computed_blocks(block, prior, &mut planned);
    let requires_replace = block.force_new_changes(prior, &planned);
    Planned { state: planned, requires_replace }
}

/// An optional+computed block the configuration does not write keeps what the provider
/// filled in before (Terraform's proposed value only follows the configuration for blocks).
fn keep_prior_computed_blocks(block: &Block, prior: &Value, planned: &mut Value) {
    for nested in block.blocks.iter().filter(|b| b.computed) {
        if planned.get(nested.name) == &Value::List(Vec::new()) {
            planned.set(nested.name, prior.get(nested.name).clone());
        }
    }
}

/// ApplyResourceChange. Destroying is planning null; nothing is kept anywhere to delete.
pub fn apply(
    resource: &dyn Resource,
    schema: &Schema,
    prior: &Value,
    planned: &Value,
    ctx: &Ctx<'_>,
) -> Result<Value, Diags> {
    if planned.is_null() {
        return Ok(Value::Null);
    }
    let mut state = planned.clone();
    if prior.is_null() {
        state.set("id", new_id());
        let diags = resource.create(&mut state, ctx);
        if diags.has_errors() {
            return Err(diags);
        }
    }
    Ok(finish(&schema.block, state))
}

/// ReadResource: a state that was removed stays removed.
pub fn read(
    resource: &dyn Resource,
    schema: &Schema,
    current: &Value,
    ctx: &Ctx<'_>,
) -> Result<Value, Diags> {
    if current.is_null() {
        return Ok(Value::Null);
    }
    let mut state = schema.block.normalize(current);
    let diags = resource.read(&mut state, ctx);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(finish(&schema.block, state))
}

/// ImportResourceState: the state is the id alone; Terraform reads it right after.
pub fn import(schema: &Schema, id: &str) -> Value {
    let mut state = schema.block.normalize(&Value::Null);
    state.set("id", id);
    state
}

/// UpgradeResourceState: a stored JSON state shaped to today's schema. Attributes that no
/// longer exist are dropped and new ones start null, which is all Coder's own schema versions
/// ever needed (its resources have no state upgraders).
pub fn upgrade(schema: &Schema, version: i64, raw_json: &[u8]) -> Result<Value, Diags> {
    if version > schema.version {
        return Err(Diags::error(format!(
            "the state was written by a newer provider (schema version {version}, this provider \
             knows {})",
            schema.version
        )));
    }
    if raw_json.is_empty() {
        return Err(Diags::error("legacy flatmap states (Terraform < 0.12) are not supported"));
    }
    let json: serde_json::Value = serde_json::from_slice(raw_json)
        .map_err(|e| Diags::error(format!("stored state is not JSON: {e}")))?;
    Ok(schema.block.normalize(&crate::value::from_json(&json)))
}

/// ReadDataSource.
pub fn read_data(
    source: &dyn DataSource,
    schema: &Schema,
    config: &Value,
    ctx: &Ctx<'_>,
) -> Result<Value, Diags> {
    let config = schema.block.normalize(config);
    let mut state = config.clone();
    schema.block.apply_defaults(&mut state);
    let diags = source.read(&mut state, &config, ctx);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(finish(&schema.block, state))
}

fn finish(block: &Block, mut state: Value) -> Value {
    state.unknowns_to_null();
    let mut state = block.normalize(&state);
    zero_fill_blocks(block, &mut state);
    state
}

/// Inside blocks the SDK cannot store null: an unset optional attribute reads back as its zero
/// value (`""`, `0`, `false`), as Coder's states show (`"description": ""` in an `option`).
fn zero_fill_blocks(block: &Block, value: &mut Value) {
    for nested in &block.blocks {
        let Some(items) = value.get_mut(nested.name) else { continue };
        for item in items.items_mut() {
            for attr in nested.block.attrs.iter().filter(|a| a.mode != Mode::Computed) {
                if item.get(attr.name).is_null()
                    && let Some(zero) = zero_of(&attr.ty)
                {
                    item.set(attr.name, zero);
                }
            }
            zero_fill_blocks(&nested.block, item);
        }
    }
}

fn zero_of(ty: &Ty) -> Option<Value> {
    match ty {
        Ty::String => Some(Value::from("")),
        Ty::Number => Some(Value::Number(Number::Int(0))),
        Ty::Bool => Some(Value::Bool(false)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attr, boolean, list_block, string};

    fn schema() -> Schema {
        let item = Block::new(vec![string("key").required(), string("label"), boolean("on")]);
        let block = Block::new(vec![
            string("name").required().force_new(),
            string("secret").computed().sensitive(),
            Attr::new("mode", Ty::String).default("fast").force_new(),
        ])
        .with_blocks(vec![list_block("item", item).force_new()])
        .with_sdk_id();
        Schema { version: 1, block }
    }

    #[test]
    fn destroy_plans_null_and_upgrade_drops_removed_attributes() {
        let s = schema();
        assert!(plan(&s, &Value::Null, &Value::Null).state.is_null());
        let raw = br#"{"id":"x","name":"n","login_before_ready":true,"item":null}"#;
        let up = upgrade(&s, 0, raw).unwrap();
        assert_eq!(up.get("name"), &Value::from("n"));
        assert!(up.get("login_before_ready").is_null());
        assert_eq!(up.get("item"), &Value::List(vec![]));
        assert!(upgrade(&s, 2, raw).is_err());
    }

    #[test]
    fn finished_states_have_zero_values_inside_blocks_only() {
        let s = schema();
        let mut v = Value::Null;
        v.set("name", "n");
        let mut item = Value::Null;
        item.set("key", "k");
        v.set("item", vec![item]);
        let done = finish(&s.block, v);
        assert!(done.get("secret").is_null());
        assert_eq!(done.get("item").items()[0].get("label"), &Value::from(""));
        assert_eq!(done.get("item").items()[0].get("on"), &Value::Bool(false));
    }

    #[test]
    fn update_with_same_configuration_keeps_the_state() {
        let s = schema();
        let mut proposed = Value::Null;
        proposed.set("name", "n");
        let created = plan(&s, &Value::Null, &proposed).state;
        assert!(created.get("id").is_unknown() && created.get("secret").is_unknown());
        let mut prior = finish(&s.block, created);
        prior.set("id", "abc");
        prior.set("secret", "s");
        let again = plan(&s, &prior, &prior);
        assert!(again.requires_replace.is_empty());
        assert_eq!(again.state, prior);
    }
}
