//! `faultline mcp`: a Model Context Protocol server over standard input and output (the
//! official Rust SDK, `rmcp`), so an agent can ask what a change does to a scenario and get
//! the deterministic answer `faultline run` would give.
//!
//! Every tool only simulates: nothing touches real infrastructure, so each is annotated
//! read-only, idempotent (the same call gives the same fingerprint), not destructive and not
//! open-world. Tools take scenario text or a library name; files only under `--root`
//! (`input.rs`). Each call runs on a blocking thread under the process's budgets
//! (`--max-memory`, `--max-events`, `--timeout`, whose default here is [`DEFAULT_TIMEOUT`]),
//! so a huge or endless request ends in a budget error or an inconclusive run, and a panic
//! ends only its own call: the server keeps serving. Standard output carries the protocol
//! and nothing else; warnings go to standard error.
//!
//! `sweep` runs as an MCP task (the SDK's tasks extension, `io.modelcontextprotocol/tasks`:
//! create, poll `tasks/get`, result) when the client declares that extension; otherwise it
//! answers in the call and sends progress notifications when the call carries a progress
//! token.

mod explain;
mod input;
mod resources;
mod slots;
mod tools;
mod transport;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::*;
use rmcp::service::{RequestContext, RoleServer};
use rmcp::task_manager::{TaskExit, TaskManager, TaskOptions};
use rmcp::{ErrorData as McpError, ServerHandler, ServiceExt, tool, tool_router};

use input::{Root, ScenarioArg};
use slots::Slots;
use tools::{Answer, ExplainParams, ImportParams, RunParams, ShrinkParams, SweepParams};

/// The wall-clock budget of one run when `faultline mcp` is given no `--timeout`: a run
/// that hits it is inconclusive, with the budget named, like `faultline run --timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a sweep task lives (and is kept for polling after it ends, as long again): an
/// hour, well past a sweep's default 5-minute budget (the SDK's default TTL is 5 minutes,
/// after which a task still running is marked failed).
const TASK_TTL_MS: u64 = 3_600_000;

/// The server: the root requests may read under, the tools, and the sweeps running as tasks.
#[derive(Clone)]
pub struct Faultline {
    root: Arc<Root>,
    /// The simulations running at once, over every call and task (`slots.rs`).
    slots: Arc<Slots>,
    tool_router: ToolRouter<Faultline>,
    tasks: TaskManager,
}

fn reply(a: Answer) -> CallToolResult {
    match a {
        Ok(r) => {
            let mut content: Vec<ContentBlock> = r.text.into_iter().map(ContentBlock::text).collect();
            let mut out = match &r.json {
                // Clients that read only text get the JSON too (the spec asks for both).
                Some(j) => {
                    content.push(ContentBlock::text(serde_json::to_string_pretty(j).unwrap_or_default()));
                    CallToolResult::success(content)
                }
                None => CallToolResult::success(content),
            };
            out.structured_content = r.json;
            out
        }
        Err(msg) => CallToolResult::error(vec![ContentBlock::text(msg)]),
    }
}

/// The answer of a call whose thread panicked: a bug, reported as the call's error.
fn panicked(tool: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!(
        "internal error: the `{tool}` call panicked (a bug in faultline: please report it with the call's arguments); the server keeps serving"
    ))])
}

impl Faultline {
    pub fn new(root: Root, max_running: usize) -> Faultline {
        Faultline {
            root: Arc::new(root),
            slots: Arc::new(Slots::new(max_running)),
            tool_router: Self::tool_router(),
            tasks: TaskManager::new(),
        }
    }

    /// Runs `f` on a blocking thread (compiling and simulating are CPU-bound and synchronous).
    async fn blocking(&self, tool: &'static str, f: impl FnOnce(&Root) -> Answer + Send + 'static) -> Result<CallToolResult, McpError> {
        let root = self.root.clone();
        Ok(match tokio::task::spawn_blocking(move || f(&root)).await {
            Ok(a) => reply(a),
            Err(_) => panicked(tool),
        })
    }

    /// Like [`blocking`](Self::blocking) for a call that simulates: it first takes one
    /// simulation slot and up to `want` (waiting for the first, or refused as busy), runs
    /// with as many threads as it got, and gives them back when its thread ends.
    async fn simulating(
        &self,
        tool: &'static str,
        want: usize,
        f: impl FnOnce(&Root, usize) -> Answer + Send + 'static,
    ) -> Result<CallToolResult, McpError> {
        let held = match self.slots.take(want).await {
            Ok(h) => h,
            Err(busy) => return Ok(reply(Err(busy))),
        };
        self.blocking(tool, move |root| {
            let a = f(root, held.count);
            drop(held);
            a
        })
        .await
    }
}

// Every tool's annotations say what it is: it simulates, so it reads nothing outside the
// request (and the root), changes nothing, and gives the same answer to the same call.
#[tool_router]
impl Faultline {
    /// The embedded scenario library: each scenario's name, one-line summary, documented
    /// verdict and resource URI.
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn list(&self) -> Result<CallToolResult, McpError> {
        self.blocking("list", |_| tools::list()).await
    }

    /// A scenario's topology, negotiated timers, traffic, faults and expectations as the
    /// simulator compiled it (what `faultline show` prints), and the compiled model as JSON.
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn show(&self, Parameters(a): Parameters<ScenarioArg>) -> Result<CallToolResult, McpError> {
        self.blocking("show", move |root| tools::show(&a, root)).await
    }

    /// Checks a scenario without running it: `valid` and its warnings, or the error at
    /// file:line:column.
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn validate(&self, Parameters(a): Parameters<ScenarioArg>) -> Result<CallToolResult, McpError> {
        self.blocking("validate", move |root| tools::validate(&a, root)).await
    }

    /// Runs a scenario once (deterministic: the same call gives the same fingerprint).
    /// Returns the human summary and the JSON of `faultline run --json` (verdict, faults
    /// with detect/converge/recover times, traffic with RTO, fingerprint, reproduce line).
    /// For "what if" questions pass `set`, e.g. ["bfd.interval=1s", "bfd.multiplier=5"].
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn run(&self, Parameters(p): Parameters<RunParams>) -> Result<CallToolResult, McpError> {
        self.simulating("run", 1, move |root, _| tools::run(&p, root)).await
    }

    /// Runs a scenario over a range of seeds (and, with `vary`, over the values of one
    /// assumption): percentiles of detection and recovery, the failing seeds with their
    /// reproduce lines, and a digest. Long sweeps run as an MCP task when the client
    /// supports tasks; otherwise progress notifications are sent.
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn sweep(&self, Parameters(p): Parameters<SweepParams>, ctx: RequestContext<RoleServer>) -> Result<CallToolResult, McpError> {
        // Progress as notifications, when the call asked for them with a token.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
        let mut forward = None;
        if let Some(token) = ctx.meta.get_progress_token() {
            let peer = ctx.peer.clone();
            forward = Some(tokio::spawn(async move {
                while let Some((done, total)) = rx.recv().await {
                    let n = ProgressNotificationParam::new(token.clone(), done as f64)
                        .with_total(total as f64)
                        .with_message(format!("{done} of {total} runs"));
                    if peer.notify_progress(n).await.is_err() {
                        break;
                    }
                }
            }));
        }
        let cancelled = ctx.ct.clone();
        let result = self
            .simulating("sweep", self.slots.size(), move |root, jobs| {
                tools::sweep(&p, root, jobs, &|done, total| {
                    let _ = tx.send((done, total));
                    !cancelled.is_cancelled()
                })
            })
            .await;
        // Every notification goes out before the result (the sender is gone with the work).
        if let Some(f) = forward {
            let _ = f.await;
        }
        result
    }

    /// Shrinks a failing scenario to a smaller one that fails the same expectation; returns
    /// the sizes before and after and the smaller scenario's TOML.
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn shrink(&self, Parameters(p): Parameters<ShrinkParams>) -> Result<CallToolResult, McpError> {
        self.simulating("shrink", self.slots.size(), move |root, jobs| tools::shrink(&p, root, jobs)).await
    }

    /// Runs a scenario and tells each fault's timeline in sentences: start, detection,
    /// convergence, recovery (by failover or by repair), blackhole time, bytes lost, the
    /// RTO it caused, alarms and runbook steps in its window, and its repair.
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn explain(&self, Parameters(p): Parameters<ExplainParams>) -> Result<CallToolResult, McpError> {
        self.simulating("explain", 1, move |root, _| tools::explain(&p, root)).await
    }

    /// Writes a scenario (TOML) from `terraform show -json` output (a plan or a state),
    /// with the faults worth rehearsing and the resources it does not model listed.
    #[tool(annotations(read_only_hint = true, destructive_hint = false, idempotent_hint = true, open_world_hint = false))]
    async fn import(&self, Parameters(p): Parameters<ImportParams>) -> Result<CallToolResult, McpError> {
        self.blocking("import", move |root| tools::import(&p, root)).await
    }
}

impl Faultline {
    /// `sweep` as a task: the work starts on a blocking thread, the call returns the task
    /// at once, and `tasks/get` shows its status message (runs done) and then the result.
    fn sweep_task(&self, p: SweepParams) -> Result<CallToolResponse, McpError> {
        let root = self.root.clone();
        let slots = self.slots.clone();
        let task = self.tasks.spawn(
            TaskOptions::new().with_ttl_ms(TASK_TTL_MS).with_poll_interval_ms(500).with_status_message("starting"),
            move |ctx| {
                Box::pin(async move {
                    let status = ctx.clone();
                    status.set_status_message("waiting for a free simulation slot".to_string());
                    let held = tokio::select! {
                        _ = ctx.cancelled() => return Err(TaskExit::Cancelled),
                        h = slots.take(slots.size()) => h,
                    };
                    let held = match held {
                        Ok(h) => h,
                        Err(busy) => return Ok(reply(Err(busy))),
                    };
                    let work = tokio::task::spawn_blocking(move || {
                        let a = tools::sweep(&p, &root, held.count, &|done, total| {
                            status.set_status_message(format!("{done} of {total} runs"));
                            !status.is_cancel_requested()
                        });
                        drop(held);
                        a
                    });
                    // Cancelling answers at once; no further seed starts, the ones running finish
                    // on their thread and their result is dropped.
                    tokio::select! {
                        _ = ctx.cancelled() => Err(TaskExit::Cancelled),
                        r = work => Ok(match r { Ok(a) => reply(a), Err(_) => panicked("sweep") }),
                    }
                })
            },
        );
        Ok(CallToolResponse::Task(CreateTaskResult::new(task)))
    }
}

const INSTRUCTIONS: &str = "faultline simulates failures of multicloud private interconnects (AWS, Google Cloud, Azure; BFD, BGP, ECMP, TCP) deterministically: the same scenario and seed always give the same fingerprint and numbers. Every tool only simulates, nothing touches real infrastructure. Name a scenario with `name` (see `list` or the faultline://scenarios/ resources), `scenario_toml` (its text; the format's JSON Schema is faultline://schema) or `path` (under the server's root). Ask what-if questions with `set`, e.g. run {\"name\": \"silent-blackhole-bfd\", \"set\": [\"bfd.interval=1s\", \"bfd.multiplier=5\"]} and compare faults[].detect_s and traffic[].rto_s with the run without it.";

impl ServerHandler for Faultline {
    async fn call_tool(&self, request: CallToolRequestParams, context: RequestContext<RoleServer>) -> Result<CallToolResponse, McpError> {
        let tasks = context.client_capabilities().is_some_and(|c| c.supports_tasks());
        if request.name == "sweep" && tasks {
            // Arguments that do not fit the schema go the router's way instead: a tool
            // result with `isError`, as for every other tool (SEP-1303, README).
            let args = serde_json::Value::Object(request.arguments.clone().unwrap_or_default());
            if let Ok(p) = serde_json::from_value::<SweepParams>(args) {
                return self.sweep_task(p);
            }
        }
        self.tool_router.call(ToolCallContext::new(self, request, context)).await
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tool_router.list_all()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tool_router.get(name).cloned()
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(resources::list()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        resources::read(&request.uri).map(Into::into)
    }

    async fn get_task(&self, request: GetTaskParams, _context: RequestContext<RoleServer>) -> Result<GetTaskResult, McpError> {
        Ok(GetTaskResult::new(self.tasks.get_task(&request.task_id)?))
    }

    async fn update_task(&self, request: UpdateTaskParams, _context: RequestContext<RoleServer>) -> Result<(), McpError> {
        self.tasks.update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(&self, request: CancelTaskParams, _context: RequestContext<RoleServer>) -> Result<(), McpError> {
        self.tasks.cancel_task(&request.task_id)
    }

    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().enable_tasks().build())
            .with_server_info(
                Implementation::new("faultline", env!("CARGO_PKG_VERSION"))
                    .with_title("faultline: deterministic interconnect failure simulator"),
            )
            .with_instructions(INSTRUCTIONS)
    }
}

/// `faultline mcp [--root DIR]`: serves one client on standard input and output until it
/// closes them; exit 0, or 3 for a bad `--root`.
pub fn cmd_mcp(root: Option<&Path>, max_running: Option<usize>) -> anyhow::Result<u8> {
    let root = match Root::new(root) {
        Ok(r) => r,
        Err(e) => {
            crate::output::err(&format!("error: {e:#}"));
            return Ok(crate::EXIT_INVALID);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let slots = max_running.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let service = Faultline::new(root, slots).serve(transport::Stdio::new()).await?;
        service.waiting().await?;
        anyhow::Ok(())
    })?;
    // A blocking read of standard input cannot be cancelled; do not wait for it.
    rt.shutdown_timeout(Duration::from_millis(100));
    Ok(0)
}
