//! A live session: the driver thread, the proxies, the API and `--l3`, started together and
//! stopped together (end of the run, Ctrl-C, SIGTERM), with the report written either way.

use std::net::SocketAddr;
use std::sync::Arc;

use scenarios::Scenario;
use sim_core::{SimOptions, Simulation};
use tokio::sync::watch;

use crate::control::{Handle, ScenarioInfo};
use crate::driver::Driver;
use crate::proxy::{Proxies, ProxyInfo, Shared};
use crate::report::{ConnectionLog, ConnectionReport, ToxicEvent};
use crate::state::InjectedFault;

/// How a live session runs.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    pub seed: u64,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Where the control API listens; `None` runs without one.
    pub api: Option<SocketAddr>,
    pub allow_remote: bool,
    /// The bearer token mutating API requests must carry.
    pub token: String,
    /// Accept unauthenticated Toxiproxy requests (only honoured on a loopback bind).
    pub toxiproxy_compat: bool,
    /// Keep proxies and the API up after the run's end, until Ctrl-C.
    pub hold: bool,
    pub l3: bool,
}

/// Something the CLI prints on stderr while the session runs.
#[derive(Clone, Debug)]
pub enum Notice {
    Proxy(ProxyInfo),
    Api(SocketAddr),
    /// The run reached its end and `--hold` keeps everything up.
    Holding,
    /// Stopping because of a signal.
    Signal(&'static str),
    L3(String),
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("{0}")]
    Build(#[from] sim_core::BuildError),
    #[error("proxy `{name}`: {source}")]
    Proxy { name: String, source: crate::proxy::ProxyError },
    #[error("cannot listen for the API on {addr}: {source}")]
    Api { addr: SocketAddr, source: std::io::Error },
    #[error("the API address {0} is not a loopback address; pass --allow-remote to serve it beyond this machine")]
    Remote(SocketAddr),
    #[error("--speed must be a positive number of simulated seconds per wall second (got {0})")]
    Speed(f64),
    #[error("{0}")]
    L3(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// What a session leaves behind.
pub struct LiveResult {
    /// The simulation as it ended (at the end of the run, or where it was stopped).
    pub sim: Simulation,
    pub connections: Vec<ConnectionReport>,
    pub toxics: Vec<ToxicEvent>,
    pub injected: Vec<InjectedFault>,
    /// Stopped before the end of the run.
    pub interrupted: bool,
    /// The scenario with the injected faults scripted in (`None` when none were injected).
    pub export: Option<String>,
    pub l3: Option<serde_json::Value>,
}

/// Runs a live session of `scenario` to its end (or until a signal) and returns the result.
pub fn run(scenario: &Scenario, opts: &LiveOptions, notify: impl FnMut(Notice) + Send + 'static) -> Result<LiveResult, LiveError> {
    if !(opts.speed.is_finite() && opts.speed > 0.0) {
        return Err(LiveError::Speed(opts.speed));
    }
    if let Some(a) = opts.api
        && !a.ip().is_loopback()
        && !opts.allow_remote
    {
        return Err(LiveError::Remote(a));
    }
    let sim = scenarios::prepare(scenario, opts.seed, SimOptions { keep_trace: true, ..SimOptions::default() })?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(LiveError::Runtime)?;
    rt.block_on(session(scenario, opts, sim, notify))
}

async fn session(
    scenario: &Scenario,
    opts: &LiveOptions,
    sim: Simulation,
    mut notify: impl FnMut(Notice) + Send + 'static,
) -> Result<LiveResult, LiveError> {
    let log = ConnectionLog::default();
    // Follow every group: a Toxiproxy client may create a proxy named after any of them.
    let groups: Vec<usize> = (0..sim.model().groups.len()).collect();
    let group_ids: Vec<String> = sim.model().groups.iter().map(|g| g.spec.id.clone()).collect();
    let (driver, snapshot) = Driver::new(sim, scenario.clone(), opts.speed, groups, log.clone(), opts.hold);
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = Handle {
        tx,
        scenario: Arc::new(ScenarioInfo {
            name: scenario.name.clone(),
            origin: scenario.source.display_name(),
            seed: opts.seed,
            text: scenario.source.text.clone(),
        }),
    };
    let (shutdown_tx, shutdown) = watch::channel(false);
    let proxies = Proxies::new(Shared {
        snapshot: snapshot.clone(),
        log: log.clone(),
        seed: opts.seed,
        groups: Arc::new(group_ids),
        shutdown: shutdown.clone(),
    });

    // Listeners first: a port in use is an error before the clock starts.
    for p in scenario.proxies.iter().filter(|_| !opts.l3) {
        match proxies.create(&p.name, &p.listen.to_string(), &p.upstream, true, Some(&p.traffic)).await {
            Ok(info) => notify(Notice::Proxy(info)),
            Err(source) => {
                proxies.close_all();
                return Err(LiveError::Proxy { name: p.name.clone(), source });
            }
        }
    }
    let api_task = match opts.api {
        Some(addr) => {
            let listener = match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(source) => {
                    proxies.close_all();
                    return Err(LiveError::Api { addr, source });
                }
            };
            let bound = listener.local_addr().unwrap_or(addr);
            notify(Notice::Api(bound));
            let state = crate::api::ApiState {
                handle: handle.clone(),
                proxies: proxies.clone(),
                token: Arc::new(opts.token.clone()),
                allow_remote: opts.allow_remote,
                toxiproxy_compat: opts.toxiproxy_compat && bound.ip().is_loopback(),
            };
            Some(tokio::spawn(crate::api::serve(listener, state, shutdown.clone())))
        }
        None => None,
    };

    // `--l3`: the proxies' ends are network namespaces joined by TUN devices; the kernels'
    // own TCP runs over the simulated path, so no TCP proxy listens for those tables.
    let l3 = if opts.l3 {
        match crate::l3::start(&scenario.proxies, snapshot.clone(), opts.speed, opts.seed, shutdown.clone()).await {
            Ok(h) => {
                for e in h.ends() {
                    notify(Notice::L3(format!(
                        "--l3 proxy {} (traffic {}): server side `ip netns exec {} SERVER` on {}, client side `ip netns exec {} CLIENT {} PORT`",
                        e.proxy, e.traffic, e.server_ns, e.server_addr, e.client_ns, e.server_addr
                    )));
                }
                Some(h)
            }
            Err(e) => {
                proxies.close_all();
                return Err(LiveError::L3(e.to_string()));
            }
        }
    } else {
        None
    };
    let mut drive = tokio::task::spawn_blocking(move || driver.run(rx));
    let mut finished_rx = snapshot.clone();
    let signal = wait_signal();
    tokio::pin!(signal);
    let out = loop {
        tokio::select! {
            out = &mut drive => break out,
            sig = &mut signal => {
                notify(Notice::Signal(sig));
                handle.stop();
                break (&mut drive).await;
            }
            r = finished_rx.changed(), if opts.hold => {
                if r.is_ok() && finished_rx.borrow_and_update().finished {
                    notify(Notice::Holding);
                }
            }
        }
    };
    // Stop everything: connections are reset, listeners and the API close.
    let _ = shutdown_tx.send(true);
    proxies.close_all();
    if let Some(t) = api_task {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), t).await;
    }
    // Give connection tasks a moment to record how they ended.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let out = match out {
        Ok(o) => o,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let l3 = match l3 {
        Some(h) => Some(serde_json::json!({ "connections": h.stop().await })),
        None => None,
    };
    let connections = out.connections(&log);
    let export = (!out.injected.is_empty()).then(|| {
        let faults: Vec<_> =
            out.injected.iter().map(|f| (sim_core::SimTime(f.at_ns), f.repaired_ns.map(sim_core::SimTime), f.table.clone())).collect();
        scenarios::live::export_with_faults(scenario, opts.seed, &faults)
    });
    Ok(LiveResult {
        connections,
        toxics: log.toxic_events(),
        injected: out.injected,
        interrupted: out.interrupted,
        export,
        l3,
        sim: out.sim,
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, naming it.
async fn wait_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "interrupt",
                _ = term.recv() => "terminate",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "interrupt"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "interrupt"
    }
}
