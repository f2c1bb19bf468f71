//! The scenario the TUI tests open, and helpers to drive and draw the app headless.

// Each test crate includes this module and uses only part of it.
#![allow(dead_code)]

use std::time::Duration;

use faultline_tui::{App, Check, Compiled, Compiler, Judge, Judgement, Msg, Session, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A 60 s managed AWS-GCP quad with 6 Gbps over 64 flows; the file's seed is 1.
pub const SOURCE: &str = include_str!("../fixtures/tui-fixture.toml");

/// The fixture opened at `seed`, as `faultline tui fixture.toml --seed N` would.
pub fn session(seed: u64) -> Session {
    let s = scenarios::load_str("tui-fixture", SOURCE).expect("the fixture compiles");
    Session {
        name: s.name,
        origin: "tui-fixture.toml".into(),
        source: SOURCE.into(),
        spec: s.spec,
        seed,
        duration: s.duration,
        judge: None,
        compile: Some(compiler()),
        control: sim_core::ControlMode::default(),
    }
}

/// The compiler `faultline tui` passes: the scenarios crate's, with the ids of the file.
pub fn compiler() -> Compiler {
    Compiler::new(|text| {
        let s = scenarios::load_str("session", text).map_err(|e| e.to_string())?;
        Ok(Compiled { ids: s.ids(), seed: s.seed, spec: s.spec })
    })
}

/// The flagship library scenario (`facility-power-loss`) at its own seed, with the judge.
pub fn flagship() -> Session {
    let s = scenarios::load_library(scenarios::FLAGSHIP).expect("the flagship compiles");
    Session {
        name: s.name,
        origin: scenarios::FLAGSHIP.into(),
        source: s.source.text,
        spec: s.spec,
        seed: s.seed,
        duration: s.duration,
        judge: Some(judge()),
        compile: Some(compiler()),
        control: sim_core::ControlMode::default(),
    }
}

/// `session` with the judge `faultline tui` passes.
pub fn judged(session: Session) -> Session {
    Session { judge: Some(judge()), ..session }
}

/// The judge as `faultline tui` builds it: the session's file, as it would be exported, compiled
/// by the scenarios crate and judged by `scenarios::evaluate`, the function `faultline run` uses.
pub fn judge() -> Judge {
    Judge::of_file(
        |text| scenarios::load_str("session", text).map_err(|e| e.to_string()),
        |scenario, report| {
            let (verdict, checks) = scenarios::evaluate(scenario, report);
            judgement(verdict, &checks)
        },
    )
}

/// A verdict and checks of the scenarios crate, in the TUI's terms.
pub fn judgement(verdict: scenarios::Verdict, checks: &[scenarios::Check]) -> Judgement {
    Judgement {
        verdict: Some(verdict.name()),
        checks: checks
            .iter()
            .map(|c| Check { name: c.name.to_string(), status: c.status.name(), limit: c.limit, unit: c.unit, detail: c.detail.clone() })
            .collect(),
    }
}

/// Sends messages in order.
pub fn send(app: &mut App, msgs: &[Msg]) {
    for m in msgs {
        update(app, m.clone());
    }
}

/// `n` ticks of 100 ms of wall time each.
pub fn ticks(app: &mut App, n: usize) {
    for _ in 0..n {
        update(app, Msg::Tick(Duration::from_millis(100)));
    }
}

/// Draws the app on a headless terminal of the given size.
pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test backend never fails");
    terminal.draw(|f| view(app, f)).expect("a test backend never fails");
    terminal
}
