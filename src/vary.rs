//! `sweep --vary KEY=A..B:N`: the points of a sweep over a labelled assumption, each a
//! scenario recompiled with the key set to one value.
//!
//! (Issue 11: to be written.)
