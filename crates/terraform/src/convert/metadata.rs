//! `coder_metadata` (spec §7): attached through the graph to the closest resource it depends
//! on; `resource_id` is not used.

use super::{Converter, decode_error, label_of};
use crate::decode::{DecodeResult, Fields};
use crate::error::{Error, ErrorKind};
use crate::graph::Direction;
use crate::model::ResourceMetadata;
use crate::state::StateResource;

/// What a `coder_metadata` gives every instance of its target label.
#[derive(Debug, Clone, Default)]
pub(super) struct LabelMetadata {
    pub hide: bool,
    pub icon: String,
    pub daily_cost: i32,
    pub items: Vec<ResourceMetadata>,
}

impl Converter<'_, '_> {
    pub(super) fn metadata(&mut self) -> Result<(), Error> {
        for &res in self.index.of_type("coder_metadata") {
            let meta = decode_metadata(res).map_err(decode_error("metadata", res))?;
            let Some(node) = self.graph.find_by_label(label_of(&res.address)) else { continue };
            let index = &self.index;
            let Some(target) =
                self.graph.closest(node, Direction::Down, |l| index.is_host_label(l))
            else {
                continue;
            };
            if self.metadata.contains_key(target) {
                let err = ErrorKind::DuplicateMetadata(target.to_owned());
                return Err(Error::from(err).at(&res.address));
            }
            self.metadata.insert(target, meta);
        }
        Ok(())
    }
}

fn decode_metadata(res: &StateResource) -> DecodeResult<LabelMetadata> {
    let f = Fields::new(&res.values);
    f.string("resource_id")?;
    let items = f
        .blocks("item")?
        .iter()
        .map(|i| {
            Ok(ResourceMetadata {
                key: i.string("key")?,
                value: i.string("value")?,
                sensitive: i.boolean("sensitive")?,
                is_null: i.boolean("is_null")?,
            })
        })
        .collect::<DecodeResult<_>>()?;
    Ok(LabelMetadata {
        hide: f.boolean("hide")?,
        icon: f.string("icon")?,
        daily_cost: f.int32("daily_cost")?,
        items,
    })
}
