//! TCP proxies: one listener per `[[proxy]]` table (or per proxy a Toxiproxy client
//! created), each accepted connection bound to one simulated flow.
//!
//! [`Proxies`] is the registry the session and the API share: it owns the listeners and the
//! toxics, and records every connection ([`crate::report::ConnectionLog`]). A connection's
//! bytes are moved by [`pump`], one task per direction; [`conn`] binds it, connects upstream
//! (on the simulated SYN schedule) and resets it when the simulation says so.

pub mod conn;
pub mod pump;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::report::ConnectionLog;
use crate::state::Snapshot;
use crate::toxic::Toxic;

/// A proxy as the API shows it (Toxiproxy's fields, plus the traffic group it is bound to).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProxyInfo {
    pub name: String,
    /// The address it listens on (the bound one when the request asked for port 0).
    pub listen: String,
    pub upstream: String,
    pub enabled: bool,
    /// The traffic group whose flows its connections become; `None` for a proxy a
    /// Toxiproxy client created under a name that is no traffic group (toxics only).
    pub traffic: Option<String>,
}

/// Why the registry refused a request. The API maps each to a status.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("no proxy named `{0}`")]
    NotFound(String),
    #[error("no toxic named `{toxic}` on proxy `{proxy}`")]
    ToxicNotFound { proxy: String, toxic: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
}

/// What every connection of every proxy reads: the simulation's state, the log it writes to,
/// and the signal to stop.
#[derive(Clone)]
pub struct Shared {
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
    pub log: ConnectionLog,
    pub seed: u64,
    /// Traffic group ids by model index (to bind a proxy by name).
    pub groups: Arc<Vec<String>>,
    /// Becomes true when the session stops: listeners close, connections are reset.
    pub shutdown: watch::Receiver<bool>,
}

struct Entry {
    info: ProxyInfo,
    group: Option<usize>,
    toxics: watch::Sender<Arc<Vec<Toxic>>>,
    /// Bumped to close every connection of the proxy (disable, delete, reset).
    generation: watch::Sender<u64>,
    listener: Option<JoinHandle<()>>,
}

/// The proxies of a live session.
#[derive(Clone)]
pub struct Proxies {
    entries: Arc<Mutex<BTreeMap<String, Entry>>>,
    shared: Shared,
}

impl Proxies {
    pub fn new(shared: Shared) -> Proxies {
        Proxies { entries: Arc::new(Mutex::new(BTreeMap::new())), shared }
    }

    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        // A panic while holding the lock cannot leave an entry half-written (every update is
        // one insert or field store), so a poisoned lock is still consistent.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every proxy, by name.
    pub fn list(&self) -> Vec<(ProxyInfo, Vec<Toxic>)> {
        self.lock().values().map(|e| (e.info.clone(), e.toxics.borrow().as_ref().clone())).collect()
    }

    pub fn get(&self, name: &str) -> Result<(ProxyInfo, Vec<Toxic>), ProxyError> {
        self.lock().get(name).map(|e| (e.info.clone(), e.toxics.borrow().as_ref().clone())).ok_or_else(|| ProxyError::NotFound(name.into()))
    }

    /// Creates a proxy and, when enabled, starts listening. A proxy whose name is a traffic
    /// group's id (or given `traffic`) is bound to that group.
    pub async fn create(
        &self,
        name: &str,
        listen: &str,
        upstream: &str,
        enabled: bool,
        traffic: Option<&str>,
    ) -> Result<ProxyInfo, ProxyError> {
        if name.is_empty() {
            return Err(ProxyError::Invalid("a proxy needs a non-empty `name`".into()));
        }
        if self.lock().contains_key(name) {
            return Err(ProxyError::Conflict(format!("proxy `{name}` already exists")));
        }
        check_upstream(upstream)?;
        let group = match traffic {
            Some(t) => Some(
                self.shared
                    .groups
                    .iter()
                    .position(|g| g == t)
                    .ok_or_else(|| ProxyError::Invalid(format!("no traffic group `{t}` in the scenario")))?,
            ),
            None => self.shared.groups.iter().position(|g| g == name),
        };
        let info = ProxyInfo {
            name: name.to_string(),
            listen: listen.to_string(),
            upstream: upstream.to_string(),
            enabled,
            traffic: group.map(|g| self.shared.groups[g].clone()),
        };
        let (toxics, _) = watch::channel(Arc::new(Vec::new()));
        let (generation, _) = watch::channel(0);
        let mut entry = Entry { info, group, toxics, generation, listener: None };
        if enabled {
            self.start(&mut entry).await?;
        }
        let info = entry.info.clone();
        let mut map = self.lock();
        if map.contains_key(name) {
            if let Some(l) = entry.listener.take() {
                l.abort();
            }
            return Err(ProxyError::Conflict(format!("proxy `{name}` already exists")));
        }
        map.insert(name.to_string(), entry);
        Ok(info)
    }

    async fn start(&self, entry: &mut Entry) -> Result<(), ProxyError> {
        let addr: SocketAddr = entry
            .info
            .listen
            .parse()
            .map_err(|_| ProxyError::Invalid(format!("`listen` = {:?} is not an IP:port socket address", entry.info.listen)))?;
        let listener = listen(addr).map_err(|source| ProxyError::Bind { addr: addr.to_string(), source })?;
        if let Ok(bound) = listener.local_addr() {
            entry.info.listen = bound.to_string();
        }
        let ctx = conn::ProxyCtx {
            name: entry.info.name.clone(),
            upstream: entry.info.upstream.clone(),
            group: entry.group,
            toxics: entry.toxics.subscribe(),
            generation: entry.generation.subscribe(),
            shared: self.shared.clone(),
        };
        entry.listener = Some(tokio::spawn(conn::accept_loop(listener, ctx)));
        Ok(())
    }

    fn stop(entry: &mut Entry) -> Option<JoinHandle<()>> {
        let l = entry.listener.take();
        if let Some(l) = &l {
            l.abort();
        }
        entry.generation.send_modify(|g| *g += 1);
        l
    }

    /// Stops a proxy and waits until its listening socket is closed, so that the address
    /// can be bound again at once.
    async fn stop_and_wait(entry: &mut Entry) {
        if let Some(l) = Self::stop(entry) {
            let _ = l.await;
        }
    }

    /// Changes a proxy's `listen`, `upstream` or `enabled` (Toxiproxy's `POST /proxies/{name}`).
    pub async fn update(
        &self,
        name: &str,
        listen: Option<&str>,
        upstream: Option<&str>,
        enabled: Option<bool>,
    ) -> Result<ProxyInfo, ProxyError> {
        let mut entry = self.lock().remove(name).ok_or_else(|| ProxyError::NotFound(name.into()))?;
        let old = entry.info.clone();
        if let Some(u) = upstream {
            if let Err(e) = check_upstream(u) {
                self.lock().insert(name.to_string(), entry);
                return Err(e);
            }
            entry.info.upstream = u.to_string();
        }
        if let Some(l) = listen {
            entry.info.listen = l.to_string();
        }
        let enable = enabled.unwrap_or(entry.info.enabled);
        let restart = enable && (!old.enabled || listen.is_some_and(|l| l != old.listen) || upstream.is_some_and(|u| u != old.upstream));
        if !enable || restart {
            Self::stop_and_wait(&mut entry).await;
        }
        entry.info.enabled = enable;
        let result = if restart { self.start(&mut entry).await } else { Ok(()) };
        if result.is_err() {
            entry.info.enabled = false;
        }
        let info = entry.info.clone();
        self.lock().insert(name.to_string(), entry);
        result.map(|()| info)
    }

    /// Deletes a proxy: its listener closes and its connections are reset.
    pub async fn delete(&self, name: &str) -> Result<(), ProxyError> {
        let mut entry = self.lock().remove(name).ok_or_else(|| ProxyError::NotFound(name.into()))?;
        Self::stop_and_wait(&mut entry).await;
        Ok(())
    }

    /// Adds a toxic (`Conflict` if one of that name exists).
    pub fn add_toxic(&self, proxy: &str, toxic: Toxic) -> Result<Toxic, ProxyError> {
        let map = self.lock();
        let e = map.get(proxy).ok_or_else(|| ProxyError::NotFound(proxy.into()))?;
        if e.toxics.borrow().iter().any(|t| t.name == toxic.name) {
            return Err(ProxyError::Conflict(format!("toxic `{}` already exists on proxy `{proxy}`", toxic.name)));
        }
        e.toxics.send_modify(|v| Arc::make_mut(v).push(toxic.clone()));
        self.shared.log.toxic(proxy, &toxic, true);
        Ok(toxic)
    }

    /// Replaces the toxic of that name.
    pub fn update_toxic(&self, proxy: &str, toxic: Toxic) -> Result<Toxic, ProxyError> {
        let map = self.lock();
        let e = map.get(proxy).ok_or_else(|| ProxyError::NotFound(proxy.into()))?;
        if !e.toxics.borrow().iter().any(|t| t.name == toxic.name) {
            return Err(ProxyError::ToxicNotFound { proxy: proxy.into(), toxic: toxic.name });
        }
        e.toxics.send_modify(|v| {
            for t in Arc::make_mut(v).iter_mut() {
                if t.name == toxic.name {
                    *t = toxic.clone();
                }
            }
        });
        self.shared.log.toxic(proxy, &toxic, true);
        Ok(toxic)
    }

    pub fn remove_toxic(&self, proxy: &str, name: &str) -> Result<(), ProxyError> {
        let map = self.lock();
        let e = map.get(proxy).ok_or_else(|| ProxyError::NotFound(proxy.into()))?;
        let Some(t) = e.toxics.borrow().iter().find(|t| t.name == name).cloned() else {
            return Err(ProxyError::ToxicNotFound { proxy: proxy.into(), toxic: name.into() });
        };
        e.toxics.send_modify(|v| Arc::make_mut(v).retain(|t| t.name != name));
        self.shared.log.toxic(proxy, &t, false);
        Ok(())
    }

    /// Toxiproxy's `POST /reset`: every proxy enabled, every toxic removed.
    pub async fn reset(&self) -> Result<(), ProxyError> {
        let names: Vec<String> = self.lock().keys().cloned().collect();
        for n in names {
            let toxics: Vec<String> = self.get(&n).map(|(_, t)| t.into_iter().map(|t| t.name).collect()).unwrap_or_default();
            for t in toxics {
                let _ = self.remove_toxic(&n, &t);
            }
            self.update(&n, None, None, Some(true)).await?;
        }
        Ok(())
    }

    /// Closes every listener and resets every connection (the session is stopping).
    pub fn close_all(&self) {
        for e in self.lock().values_mut() {
            let _ = Self::stop(e);
        }
    }
}

/// A listening socket with a backlog of 1,024 (tokio's `bind` uses 128, which a burst of
/// clients overflows: their SYNs are dropped and retried a second later).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let sock = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    #[cfg(unix)]
    sock.set_reuseaddr(true)?;
    sock.bind(addr)?;
    sock.listen(1024)
}

fn check_upstream(upstream: &str) -> Result<(), ProxyError> {
    match upstream.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => Ok(()),
        _ => Err(ProxyError::Invalid(format!("`upstream` = {upstream:?} is not host:port"))),
    }
}
