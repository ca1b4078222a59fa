//! The MCP tools: their names, arguments and descriptions are a contract other
//! tools rely on (issue 11). Failures the assistant should read (Maya unreachable,
//! the code raised) are tool results with `isError: true`, never protocol errors.

use base64::Engine as _;
use mayalink_engine::maya::{Language, MayaInfo};
use mayalink_engine::AppError;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, ErrorData, ServerHandler};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::mayas::{Maya, Mayas};
use super::mosketch::Mosketches;
use super::targets::{self, Targets};

/// The tools that run the assistant's code in Maya; `--read-only` leaves them out.
pub const RUNS_CODE: &[&str] = &["run_python", "run_mel"];

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RunArgs {
    /// The code, any length, any number of lines.
    pub code: String,
    /// Which Maya: "HOST:PORT" as list_mayas shows it. Optional when exactly one Maya is reachable.
    #[serde(default)]
    pub maya: Option<String>,
    /// Give up waiting after this many seconds (the code may go on running in Maya). Default: wait.
    #[serde(default)]
    pub timeout_s: Option<f64>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ReadOutputArgs {
    /// Which Maya: "HOST:PORT". Optional when exactly one Maya is reachable.
    #[serde(default)]
    pub maya: Option<String>,
    /// At most this many of the latest lines (default 200).
    #[serde(default)]
    pub max_lines: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct MayaArg {
    /// Which Maya: "HOST:PORT". Optional when exactly one Maya is reachable.
    #[serde(default)]
    pub maya: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct MosketchArg {
    /// Mosketch's streaming server, "HOST:PORT" (default: --mosketch, else 127.0.0.1:16094).
    #[serde(default)]
    pub mosketch: Option<String>,
}

/// The server's state, shared by every tool call of one client connection.
pub struct Shared {
    pub targets: Targets,
    pub mayas: Mayas,
    pub mosketches: Mosketches,
    pub mosketch_default: String,
    queries: AtomicU64,
}

impl Shared {
    pub fn new(targets: Targets, mosketch_default: String) -> Self {
        Self {
            targets,
            mayas: Mayas::default(),
            mosketches: Mosketches::default(),
            mosketch_default,
            queries: AtomicU64::new(0),
        }
    }
}

#[derive(Clone)]
pub struct MayalinkMcp {
    shared: Arc<Shared>,
    tool_router: ToolRouter<Self>,
    read_only: bool,
}

fn failed(text: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text.into())])
}

fn ok_text(text: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(text.into())])
}

fn ok_json(v: Value) -> CallToolResult {
    let text = serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string());
    let mut r = ok_text(text);
    r.structured_content = Some(v);
    r
}

#[tool_router]
impl MayalinkMcp {
    pub fn new(shared: Arc<Shared>, read_only: bool) -> Self {
        let mut tool_router = Self::tool_router();
        if read_only {
            for name in RUNS_CODE {
                tool_router.remove_route(name);
            }
        }
        Self {
            shared,
            tool_router,
            read_only,
        }
    }

    /// A Maya connected and alive, or found listening just now by discovery, is
    /// reachable; any other is tried with a bare connect (no byte sent).
    async fn reachable(
        &self,
        c: &targets::Candidate,
        connected: &HashMap<String, (Option<MayaInfo>, bool)>,
    ) -> bool {
        connected.get(&c.key).is_some_and(|(_, alive)| *alive)
            || c.sources
                .iter()
                .any(|s| matches!(s, targets::Source::Discovered { .. }))
            || targets::listening(&c.address).await
    }

    /// Every Maya known: `--maya`, discovered, saved, and the ones tools named
    /// earlier in this connection.
    async fn candidates(
        &self,
    ) -> (
        Vec<targets::Candidate>,
        Vec<String>,
        HashMap<String, (Option<MayaInfo>, bool)>,
    ) {
        let (mut candidates, notes) = self.shared.targets.candidates().await;
        let connected = self.shared.mayas.connected().await;
        for c in candidates.iter_mut() {
            if connected.contains_key(&c.key) {
                c.sources.push(targets::Source::Used);
            }
        }
        let mut used: Vec<&String> = connected
            .keys()
            .filter(|k| !candidates.iter().any(|c| &c.key == *k))
            .collect();
        used.sort();
        for key in used {
            if let Ok((key, address)) = targets::parse(key) {
                candidates.push(targets::Candidate {
                    key,
                    address,
                    sources: vec![targets::Source::Used],
                });
            }
        }
        (candidates, notes, connected)
    }

    /// The Maya a call means: the one named, else the only one reachable.
    async fn maya(&self, named: Option<&str>) -> Result<Arc<Maya>, String> {
        let s = &self.shared;
        let (key, address) = match named.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => targets::parse(n).map_err(|e| e.message)?,
            None => {
                let (candidates, _, connected) = self.candidates().await;
                let mut reachable = Vec::new();
                let mut tried = Vec::new();
                for c in candidates {
                    if self.reachable(&c, &connected).await {
                        reachable.push(c);
                    } else {
                        tried.push(c.key);
                    }
                }
                match targets::the_only_one(reachable) {
                    Ok(c) => (c.key, c.address),
                    Err(targets::NotOne::None) => {
                        return Err(targets::none_reachable_message(&tried))
                    }
                    Err(targets::NotOne::Several(keys)) => {
                        return Err(format!(
                            "Several Mayas are reachable ({}): say which one with maya=\"HOST:PORT\" (list_mayas describes them).",
                            keys.join(", ")
                        ));
                    }
                    Err(targets::NotOne::SeveralPorts(pid, keys)) => {
                        return Err(format!(
                            "The running Maya (pid {pid}) listens on several ports ({}), and not all of them need be \
                             commandPorts: say which one with maya=\"HOST:PORT\", or start the server with --maya.",
                            keys.join(", ")
                        ));
                    }
                }
            }
        };
        s.mayas.get(&key, &address).await.map_err(|e| e.message)
    }

    async fn run(&self, args: RunArgs, lang: Language) -> CallToolResult {
        let timeout = match args.timeout_s {
            Some(t) if !(t.is_finite() && t > 0.0) => {
                return failed(format!(
                    "timeout_s must be a positive number of seconds, not {t}"
                ))
            }
            Some(t) => Some(Duration::from_secs_f64(t.min(7.0 * 24.0 * 3600.0))),
            None => None,
        };
        let maya = match self.maya(args.maya.as_deref()).await {
            Ok(m) => m,
            Err(e) => return failed(e),
        };
        match self
            .shared
            .mayas
            .run(&maya, &args.code, lang, timeout)
            .await
        {
            Err(e) => failed(e.message),
            Ok(out) => {
                let text = super::capture::run_text(lang, &out.output, &out.result);
                let structured = json!({
                    "maya": maya.key,
                    "ok": out.result.ok,
                    "output": out.output,
                    "value": out.result.value,
                    "error": out.result.error,
                    "durationS": out.result.duration,
                });
                let mut r = if out.result.ok {
                    ok_text(text)
                } else {
                    failed(text)
                };
                r.structured_content = Some(structured);
                r
            }
        }
    }

    #[tool(
        description = "List the Maya instances this server can reach: running Mayas with an open commandPort \
        (found from the system's socket table), the Mayas given with --maya, and the sessions saved by the \
        Mayalink desktop app. For each: its address (HOST:PORT, the `maya` argument of the other tools), whether \
        it accepts connections, and for the Mayas this server has already connected to, the port kind (python or \
        mel), Maya version and scene. Runs nothing in Maya and sends nothing to it (it only checks that the port \
        accepts a connection).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_mayas(&self) -> Result<CallToolResult, ErrorData> {
        let (candidates, notes, connected) = self.candidates().await;
        let mut mayas = Vec::new();
        for c in candidates {
            let info = connected.get(&c.key);
            let reachable = self.reachable(&c, &connected).await;
            let mut entry = json!({
                "maya": c.key,
                "reachable": reachable,
                "from": c.sources.iter().map(|s| s.describe()).collect::<Vec<_>>(),
                "connected": info.is_some(),
            });
            if let Some((Some(i), _)) = info {
                entry["portKind"] = json!(i.port_kind);
                entry["mayaVersion"] = json!(i.maya_version);
                entry["scene"] = json!(if i.scene.is_empty() {
                    "untitled"
                } else {
                    &i.scene
                });
                entry["pid"] = json!(i.pid);
            }
            mayas.push(entry);
        }
        let empty = mayas.is_empty();
        let mut v = json!({ "mayas": mayas });
        if empty {
            v["hint"] = json!(targets::none_reachable_message(&[]));
        } else {
            v["note"] = json!("Port kind, version and scene are shown for the Mayas a tool has used, as of its first use; scene_info reads them now. The others are only checked for an open port; nothing is sent to them.");
        }
        if !notes.is_empty() {
            v["problems"] = json!(notes);
        }
        Ok(ok_json(v))
    }

    #[tool(
        description = "RUNS CODE IN MAYA. Runs Python exactly once in that Maya's __main__ namespace, like \
        Maya's Script Editor (variables persist between runs; `import maya.cmds as cmds` works). Returns what the \
        run printed (Script Editor output, warnings and errors included) and the value of a final expression, if \
        any (\"Result: ...\"). When the code raises, the result is an error holding the traceback from your code \
        down (exception type, message, the offending line). `maya` is HOST:PORT (see list_mayas), optional when \
        exactly one Maya is reachable; `timeout_s` stops waiting (the code may keep running in Maya).",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            open_world_hint = false
        )
    )]
    async fn run_python(
        &self,
        Parameters(args): Parameters<RunArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self.run(args, Language::Python).await)
    }

    #[tool(
        description = "RUNS CODE IN MAYA. Runs MEL exactly once as one block (maya.mel.eval), so multi-line \
        procedures and statements spanning lines work. Returns what the run printed and MEL's result, if any; \
        a MEL error makes the result an error with Maya's message. `maya` is HOST:PORT (see list_mayas), optional \
        when exactly one Maya is reachable; `timeout_s` stops waiting (the code may keep running in Maya).",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            open_world_hint = false
        )
    )]
    async fn run_mel(
        &self,
        Parameters(args): Parameters<RunArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(self.run(args, Language::Mel).await)
    }

    #[tool(
        description = "The Script Editor output captured from that Maya since this server connected to it \
        (the latest `max_lines`, default 200): prints, warnings, errors and stack traces, including output \
        caused by other tools, other clients or the artist. Runs no code of yours; on first use of a Maya it \
        installs Mayalink's helper module there and an output callback, which is removed when this server exits.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn read_output(
        &self,
        Parameters(args): Parameters<ReadOutputArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let maya = match self.maya(args.maya.as_deref()).await {
            Ok(m) => m,
            Err(e) => return Ok(failed(e)),
        };
        let max = args.max_lines.unwrap_or(200).max(1) as usize;
        let (text, total) = self.shared.mayas.read(&maya, max).await;
        Ok(ok_text(if text.is_empty() {
            format!("(nothing captured from {} yet)", maya.key)
        } else {
            format!(
                "{text}(end of output from {}, {total} lines captured in all)",
                maya.key
            )
        }))
    }

    #[tool(
        description = "Maya's version, the open scene's path, the selection and the working units (linear, \
        angular, time). Does not run your code, but it does execute a fixed read-only query (maya.cmds) in that \
        Maya through its commandPort; it never changes the scene. `maya` is HOST:PORT, optional when exactly one \
        Maya is reachable.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn scene_info(
        &self,
        Parameters(args): Parameters<MayaArg>,
    ) -> Result<CallToolResult, ErrorData> {
        let maya = match self.maya(args.maya.as_deref()).await {
            Ok(m) => m,
            Err(e) => return Ok(failed(e)),
        };
        match self.scene_query(&maya).await {
            Ok(mut v) => {
                v["maya"] = json!(maya.key);
                Ok(ok_json(v))
            }
            Err(e) => Ok(failed(e.message)),
        }
    }

    #[tool(
        description = "Mosketch's current pose: the character's joint names, each joint's rotation (a quaternion \
        [x, y, z, w] in the streaming joint space) and the root's translation in metres. Reads Mosketch's \
        streaming server (default --mosketch, else 127.0.0.1:16094); runs nothing in Maya.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn mosketch_pose(
        &self,
        Parameters(args): Parameters<MosketchArg>,
    ) -> Result<CallToolResult, ErrorData> {
        let address = args
            .mosketch
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| self.shared.mosketch_default.clone());
        match self
            .shared
            .mosketches
            .pose(&address, Duration::from_secs(5))
            .await
        {
            Ok(v) => Ok(ok_json(v)),
            Err(e) => Ok(failed(e)),
        }
    }
}

/// The query scene_info runs: one expression (nothing is defined in `__main__`),
/// returning base64 JSON so its value comes back intact through `repr`.
const SCENE_QUERY: &str = "(lambda cmds, json, b64: b64.b64encode(json.dumps({\
'mayaVersion': str(cmds.about(version=True)), \
'scene': cmds.file(q=True, sceneName=True) or '', \
'selection': cmds.ls(selection=True) or [], \
'units': {'linear': cmds.currentUnit(q=True, linear=True), 'angular': cmds.currentUnit(q=True, angle=True), 'time': cmds.currentUnit(q=True, time=True)}\
}).encode('utf-8')).decode('ascii'))\
(__import__('maya.cmds', fromlist=['cmds']), __import__('json'), __import__('base64'))";

impl MayalinkMcp {
    /// Runs [`SCENE_QUERY`] through the helper's `run` op (outside the console
    /// history: it is not the artist's or the assistant's code).
    async fn scene_query(&self, maya: &Maya) -> Result<Value, AppError> {
        let n = self.shared.queries.fetch_add(1, Ordering::Relaxed);
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = json!({
            "op": "run",
            "id": format!("{}:scene-{n}", maya.id),
            "data": b64.encode(SCENE_QUERY),
        });
        let r = self.shared.mayas.call(maya, body).await?;
        if r["ok"] != json!(true) {
            return Err(AppError::protocol(format!(
                "Maya could not answer the scene query: {}: {}",
                r["error"]["type"].as_str().unwrap_or("Error"),
                r["error"]["message"].as_str().unwrap_or_default()
            )));
        }
        let value = r["value"].as_str().unwrap_or_default();
        let inner = value.trim_matches(|c| c == '\'' || c == '"');
        b64.decode(inner)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .ok_or_else(|| {
                AppError::protocol(format!(
                    "Unexpected answer to the scene query: {value:.200}"
                ))
            })
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for MayalinkMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("mayalink", mayalink_engine::VERSION)
                    .with_title("Mayalink: Maya and Mosketch"),
            )
            .with_instructions(if self.read_only {
                "Read Autodesk Maya (and Mosketch) through Mayalink, read-only: this server runs no code of \
                 yours in Maya. list_mayas shows the Mayas; read_output shows Maya's Script Editor output; \
                 scene_info describes the scene; mosketch_pose reads Mosketch's current pose."
            } else {
                "Drive Autodesk Maya (and read Mosketch) through Mayalink. list_mayas shows the Mayas; \
                 run_python and run_mel run code in Maya exactly once and return its output, value or \
                 traceback; read_output shows Maya's Script Editor output; scene_info describes the scene; \
                 mosketch_pose reads Mosketch's current pose."
            })
    }
}
