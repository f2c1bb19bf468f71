//! sim-core's `BuildError`s mapped back to a span of the file.
//!
//! `Model::build` is the authority on values; this module only decides where its errors point.

use std::ops::Range;

use sim_core::BuildError;

use super::context::Ctx;
use crate::error::Diagnostic;

/// Maps a sim-core error to the span of the first element id it mentions.
pub(super) fn build_error(cx: &Ctx<'_>, e: &BuildError, fallback: &Range<usize>) -> Box<Diagnostic> {
    let msg = e.to_string();
    let span = msg.split('`').skip(1).step_by(2).find_map(|id| cx.spans.get(id)).unwrap_or(fallback);
    cx.err(span, msg)
}
