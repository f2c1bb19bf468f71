//! Bytes -> the scenario loader -> if they compile, a short fluid run under a small budget.
//! The per-input work is `scenarios::fuzzing::exercise`, which the stable test
//! `scenarios/tests/fuzz_corpus.rs` replays over the committed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = scenarios::fuzzing::exercise(data);
});
