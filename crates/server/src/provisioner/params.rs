//! Parameter values of a build: resolved (given, else the previous build's, else the default)
//! and checked before any job is queued, with the same rules and texts as Coder's provider
//! (`tollgate_provider_coder`'s `parameter_rules`, which the provider itself runs at apply).

use crate::error::{ApiError, ApiResult};
use std::collections::HashMap;
use tollgate_api_types as api;
use tollgate_provider_coder::data_sources::parameter_rules::{
    Parameter, Validation, validate_input,
};
use tollgate_provider_coder::data_sources::{parameter_env, previous_parameter_env};

/// The build's values, one per template parameter, in the template's order. `given` values
/// override `previous` ones (an immutable parameter keeps its previous value); a value for no
/// parameter, a missing required value or a value the rules refuse is a 400 naming it.
pub fn resolve(
    params: &[api::TemplateVersionParameter],
    given: &[api::WorkspaceBuildParameter],
    previous: &[api::WorkspaceBuildParameter],
) -> ApiResult<Vec<api::WorkspaceBuildParameter>> {
    let given_by: HashMap<&str, &str> =
        given.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
    let previous_by: HashMap<&str, &str> =
        previous.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
    if let Some(unknown) = given.iter().find(|g| !params.iter().any(|p| p.name == g.name)) {
        return Err(ApiError::validation(
            &unknown.name,
            format!("Parameter {:?} is not defined in the template version.", unknown.name),
        ));
    }
    let mut out = Vec::with_capacity(params.len());
    for p in params {
        let old = previous_by.get(p.name.as_str()).copied().filter(|_| !p.ephemeral);
        let new = given_by.get(p.name.as_str()).copied();
        if let (Some(old), Some(new), false) = (old, new, p.mutable)
            && old != new
        {
            return Err(ApiError::validation(
                &p.name,
                format!(
                    "Parameter {:?} is not mutable, so it can't be updated after creating a workspace.",
                    p.name
                ),
            ));
        }
        let value = new.or(old);
        if value.is_none() && p.required {
            return Err(ApiError::validation(
                &p.name,
                format!("Parameter {:?} is required but was not provided.", p.name),
            ));
        }
        let checked = validate_input(&mut rules_of(p), value, old).map_err(|diags| {
            let text = diags
                .0
                .iter()
                .map(|d| {
                    if d.detail.is_empty() {
                        d.summary.clone()
                    } else {
                        format!("{}: {}", d.summary, d.detail)
                    }
                })
                .collect::<Vec<_>>()
                .join("; ");
            ApiError::validation(&p.name, text)
        })?;
        out.push(api::WorkspaceBuildParameter { name: p.name.clone(), value: checked });
    }
    Ok(out)
}

fn rules_of(p: &api::TemplateVersionParameter) -> Parameter {
    let has_validation = p.validation_min.is_some()
        || p.validation_max.is_some()
        || !p.validation_regex.is_empty()
        || !p.validation_monotonic.is_empty();
    Parameter {
        type_: p.param_type.clone(),
        form_type: p.form_type.clone(),
        default: (!p.required).then(|| p.default_value.clone()),
        options: p.options.iter().map(|o| (o.name.clone(), o.value.clone())).collect(),
        validation: has_validation.then(|| Validation {
            min: p.validation_min.map_or(0, i64::from),
            min_disabled: p.validation_min.is_none(),
            max: p.validation_max.map_or(0, i64::from),
            max_disabled: p.validation_max.is_none(),
            monotonic: p.validation_monotonic.clone(),
            regex: p.validation_regex.clone(),
            error: p.validation_error.clone(),
        }),
    }
}

/// The provider's environment for these values (and the previous build's, for monotonic rules).
pub fn env(
    values: &[api::WorkspaceBuildParameter],
    previous: &[api::WorkspaceBuildParameter],
) -> Vec<(String, String)> {
    let current = values.iter().map(|p| (parameter_env(&p.name), p.value.clone()));
    let before = previous.iter().map(|p| (previous_parameter_env(&p.name), p.value.clone()));
    current.chain(before).collect()
}
