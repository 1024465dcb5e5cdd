//! `coder_parameter` and `coder_workspace_preset` (spec §9.1, §9.2), in discovery order.

use std::collections::HashSet;

use super::Converter;
use crate::decode::{DecodeResult, Fields};
use crate::error::{Error, ErrorKind};
use crate::model::{
    ExpirationPolicy, ParameterOption, Prebuild, Preset, PresetParameter, RichParameter, Schedule,
    Scheduling,
};
use crate::quote::{go_quote, join_with_conjunction};
use crate::state::StateResource;

/// Proto `ParameterFormType` names, in enum order (index = number).
const FORM_TYPES: [&str; 11] = [
    "",
    "error",
    "radio",
    "dropdown",
    "input",
    "textarea",
    "slider",
    "checkbox",
    "switch",
    "tag-select",
    "multi-select",
];

impl Converter<'_, '_> {
    pub(super) fn parameters(&self) -> Result<Vec<RichParameter>, Error> {
        let mut parameters = Vec::with_capacity(self.index.parameters.len());
        let mut seen: HashSet<String> = HashSet::new();
        let mut duplicated: Vec<String> = Vec::new();
        for &res in &self.index.parameters {
            let param = decode_parameter(res).map_err(|detail| {
                Error::from(ErrorKind::DecodeParameter { name: res.name.clone(), detail })
                    .at(&res.address)
            })?;
            let param = param?;
            let quoted = go_quote(&param.name);
            if !seen.insert(param.name.clone()) && !duplicated.contains(&quoted) {
                duplicated.push(quoted);
            }
            parameters.push(param);
        }
        if !duplicated.is_empty() {
            let suffix = if duplicated.len() == 1 { "s" } else { "" };
            let names = join_with_conjunction(&duplicated);
            return Err(ErrorKind::DuplicateParameterNames { names, suffix }.into());
        }
        Ok(parameters)
    }

    pub(super) fn presets(&self) -> Result<Vec<Preset>, Error> {
        let mut presets = Vec::with_capacity(self.index.presets.len());
        for &res in &self.index.presets {
            let preset = decode_preset(res).map_err(|detail| {
                Error::from(ErrorKind::Decode { kind: "preset", detail }).at(&res.address)
            })?;
            presets.push(preset);
        }
        let defaults = presets.iter().filter(|p| p.default).count();
        if defaults > 1 {
            return Err(ErrorKind::MultipleDefaultPresets(defaults).into());
        }
        Ok(presets)
    }
}

/// Outer error: decoding (`decode map values …`); inner error: an unknown form type.
fn decode_parameter(res: &StateResource) -> DecodeResult<Result<RichParameter, Error>> {
    let f = Fields::new(&res.values);
    let mut param = RichParameter {
        name: f.string("name")?,
        display_name: f.string("display_name")?,
        description: f.string("description")?,
        type_: f.string("type")?,
        mutable: f.boolean("mutable")?,
        default_value: f.opt_string("default")?.unwrap_or_default(),
        icon: f.string("icon")?,
        required: !f.boolean("optional")?,
        order: f.int64("order")? as i32,
        ephemeral: f.boolean("ephemeral")?,
        ..RichParameter::default()
    };
    let form_type = f.string("form_type")?;
    param.options = f
        .blocks("option")?
        .iter()
        .map(|o| {
            Ok(ParameterOption {
                name: o.string("name")?,
                description: o.string("description")?,
                value: o.string("value")?,
                icon: o.string("icon")?,
            })
        })
        .collect::<DecodeResult<_>>()?;
    let validations = f.blocks("validation")?;
    let mut decoded = Vec::with_capacity(validations.len());
    for v in &validations {
        decoded.push(Validation::decode(v)?);
    }
    if let [v] = decoded.as_slice() {
        apply_validation(&mut param, v);
    }
    let Some(number) = FORM_TYPES.iter().position(|t| *t == form_type) else {
        let detail = format!("unsupported form type {}", go_quote(&form_type));
        let err = ErrorKind::DecodeFormType { name: res.name.clone(), detail };
        return Ok(Err(Error::from(err).at(&res.address)));
    };
    param.form_type = number as i32;
    Ok(Ok(param))
}

struct Validation {
    min: i64,
    max: i64,
    min_disabled: bool,
    max_disabled: bool,
    monotonic: String,
    regex: String,
    error: String,
}

impl Validation {
    fn decode(v: &Fields<'_>) -> DecodeResult<Self> {
        let (min, max) = (v.int64("min")?, v.int64("max")?);
        let (mut min_disabled, mut max_disabled) =
            (v.boolean("min_disabled")?, v.boolean("max_disabled")?);
        // Providers before 0.8.2 had no *_disabled keys: both bounds set together or neither.
        if !v.has_key("min_disabled") {
            let unset = min == 0 && max == 0;
            (min_disabled, max_disabled) = (unset, unset);
        }
        Ok(Self {
            min,
            max,
            min_disabled,
            max_disabled,
            monotonic: v.string("monotonic")?,
            regex: v.string("regex")?,
            error: v.string("error")?,
        })
    }
}

fn apply_validation(param: &mut RichParameter, v: &Validation) {
    param.validation_regex = v.regex.clone();
    param.validation_error = v.error.clone();
    param.validation_monotonic = v.monotonic.clone();
    if !v.max_disabled {
        param.validation_max = Some(v.max as i32);
    }
    if !v.min_disabled {
        param.validation_min = Some(v.min as i32);
    }
}

fn decode_preset(res: &StateResource) -> DecodeResult<Preset> {
    let f = Fields::new(&res.values);
    // Coder reads a Go map, whose order is unspecified; sorting by name makes it stable.
    let parameters = f
        .string_map("parameters")?
        .into_iter()
        .map(|(name, value)| PresetParameter { name, value })
        .collect();
    let mut prebuilds = Vec::new();
    for p in f.blocks("prebuilds")? {
        prebuilds.push(decode_prebuild(&p)?);
    }
    Ok(Preset {
        name: f.string("name")?,
        parameters,
        prebuild: prebuilds.into_iter().next().unwrap_or_default(),
        default: f.boolean("default")?,
        description: f.string("description")?,
        icon: f.string("icon")?,
    })
}

fn decode_prebuild(p: &Fields<'_>) -> DecodeResult<Prebuild> {
    let instances = p.int64("instances")?.min(i64::from(i32::MAX)) as i32;
    let expiration_policy = p
        .blocks("expiration_policy")?
        .iter()
        .map(|e| Ok(ExpirationPolicy { ttl: e.int64("ttl")? as i32 }))
        .collect::<DecodeResult<Vec<_>>>()?
        .into_iter()
        .next();
    let mut scheduling = Vec::new();
    for s in p.blocks("scheduling")? {
        let schedule = s
            .blocks("schedule")?
            .iter()
            .map(|c| {
                Ok(Schedule { cron: c.string("cron")?, instances: c.int64("instances")? as i32 })
            })
            .collect::<DecodeResult<_>>()?;
        scheduling.push(Scheduling { timezone: s.string("timezone")?, schedule });
    }
    Ok(Prebuild { instances, expiration_policy, scheduling: scheduling.into_iter().next() })
}
