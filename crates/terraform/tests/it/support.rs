//! Builders for small synthetic states and graphs.

use serde_json::{Value, json};
use tollgate_terraform::{Conversion, Error};

/// One resource of a synthetic state.
#[derive(Clone, Debug)]
pub struct Res {
    pub address: String,
    pub mode: &'static str,
    pub type_: String,
    pub name: String,
    pub values: Value,
}

/// A managed root-module resource `type.name` (an index in `name`, e.g. `x[0]`, goes to the address only).
pub fn managed(type_: &str, name: &str, values: Value) -> Res {
    let bare = name.split('[').next().unwrap_or(name);
    Res {
        address: format!("{type_}.{name}"),
        mode: "managed",
        type_: type_.into(),
        name: bare.into(),
        values,
    }
}

pub fn data(type_: &str, name: &str, values: Value) -> Res {
    Res {
        address: format!("data.{type_}.{name}"),
        mode: "data",
        type_: type_.into(),
        name: name.into(),
        values,
    }
}

fn resource_json(r: &Res) -> Value {
    json!({"address": r.address, "mode": r.mode, "type": r.type_, "name": r.name, "values": r.values})
}

/// A state document with these root-module resources.
pub fn state(resources: &[Res]) -> String {
    let list: Vec<Value> = resources.iter().map(resource_json).collect();
    json!({"format_version": "1.0", "values": {"root_module": {"resources": list}}}).to_string()
}

/// A plan document: `planned` in planned_values, `prior` in prior_state.
pub fn plan(planned: &[Res], prior: &[Res]) -> String {
    let p: Vec<Value> = planned.iter().map(resource_json).collect();
    let q: Vec<Value> = prior.iter().map(resource_json).collect();
    json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": p}},
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": q}}}
    })
    .to_string()
}

/// A Terraform-style graph: a node per label, `edges` as `(dependent, dependency)` labels.
pub fn graph(labels: &[&str], edges: &[(&str, &str)]) -> String {
    let id = |l: &str| format!("\"[root] {l} (expand)\"");
    let mut out = String::from("digraph {\n\tcompound = \"true\"\n\tsubgraph \"root\" {\n");
    for l in labels {
        out.push_str(&format!("\t\t{} [label = \"{l}\", shape = \"box\"]\n", id(l)));
    }
    for (a, b) in edges {
        out.push_str(&format!("\t\t{} -> {}\n", id(a), id(b)));
    }
    out.push_str("\t}\n}\n");
    out
}

/// Convert with deterministic app ids (`app-0`, `app-1`, …).
pub fn run(json: &str, dot: &str) -> Result<Conversion, Error> {
    let mut n = 0;
    tollgate_terraform::convert_with_app_ids(json, dot, &mut || {
        n += 1;
        format!("app-{n}")
    })
}

pub fn err(json: &str, dot: &str) -> String {
    match run(json, dot) {
        Ok(c) => panic!("expected an error, got {:#?}", c.state),
        Err(e) => e.to_string(),
    }
}

pub fn agent(name: &str, id: &str) -> Res {
    managed(
        "coder_agent",
        name,
        json!({"id": id, "auth": "token", "token": format!("tok-{id}"), "os": "linux", "arch": "amd64"}),
    )
}
