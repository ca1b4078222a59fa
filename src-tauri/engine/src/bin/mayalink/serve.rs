//! `mayalink serve`: the second host of the engine's command map. Serves the
//! built UI and the map over a WebSocket on loopback, behind a random per-run
//! token in the URL's path, so the real UI runs in any browser against the real
//! engine (the browser tests use it).
//!
//! WebSocket messages (JSON text): `{"id":1,"call":"maya_run","args":{…}}` is
//! answered by `{"id":1,"ok":…}` or `{"id":1,"err":{code,message}}`;
//! `{"id":2,"subscribe":"console"}` by `{"id":2,"ok":null}`, then
//! `{"sub":2,"data":…}` per message until `{"unsubscribe":2}` or the socket closes.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Args as ClapArgs;
use futures::{SinkExt, StreamExt};
use mayalink_engine::api::{self, Engine, EngineConfig};
use mayalink_engine::AppError;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;
use tower_http::services::ServeDir;

#[derive(ClapArgs)]
pub struct Args {
    /// TCP port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The built UI (default: ui/dist of this checkout; `npm run build` makes it).
    #[arg(long)]
    ui: Option<PathBuf>,
    /// Where saved sessions and autosaved tabs live (default: the OS's config folder).
    #[arg(long)]
    config_dir: Option<PathBuf>,
    /// Start the demo Maya and Mosketch where no real ones are reachable.
    #[arg(long)]
    demo: bool,
}

pub fn run(a: Args) -> ExitCode {
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    rt.block_on(serve(a))
}

async fn serve(a: Args) -> ExitCode {
    let Some(ui) =
        a.ui.or_else(find_ui)
            .filter(|d| d.join("index.html").is_file())
    else {
        eprintln!("mayalink serve: the UI is not built. Run `npm run build` in the Mayalink checkout, or pass --ui DIR (a folder with index.html).");
        return ExitCode::from(2);
    };
    let config = match a.config_dir {
        Some(dir) => EngineConfig {
            config_dir: Some(dir),
        },
        None => EngineConfig::user(),
    };
    let engine = Engine::new(config);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", a.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("mayalink serve: cannot listen on 127.0.0.1:{}: {e}", a.port);
            return ExitCode::from(2);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(a.port);
    let token = token();
    let host = Arc::new(Host {
        engine: engine.clone(),
        allowed_hosts: vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")],
    });
    // `nest_service`, not `nest`: the page itself is `/<token>/` (with the slash, so
    // its relative asset paths stay under the token).
    let under_token = Router::new()
        .route("/ws", get(ws))
        .fallback_service(ServeDir::new(&ui))
        .with_state(host.clone());
    let app = Router::new()
        .nest_service(&format!("/{token}"), under_token)
        .fallback(|| async {
            (
                StatusCode::FORBIDDEN,
                "Open the URL `mayalink serve` printed (it carries this run's token).",
            )
        })
        .layer(axum::middleware::from_fn_with_state(host, check_host));

    engine.console.notice(
        "app",
        format!(
            "Mayalink {} ready (served to a browser).",
            mayalink_engine::VERSION
        ),
    );
    engine.workspace.restore();
    if a.demo {
        let e = engine.clone();
        tokio::spawn(async move {
            if let Err(err) = e.demo_where_needed().await {
                e.console
                    .notice("app", format!("Demo mode failed: {}", err.message));
            }
        });
    }
    // Listening for SIGTERM before saying we are up.
    let stop = mayalink_engine::shutdown::requested();
    println!("Mayalink UI: http://127.0.0.1:{port}/{token}/");
    // Open WebSockets never end by themselves: stop serving at once when asked.
    tokio::select! {
        served = axum::serve(listener, app) => if let Err(e) = served {
            eprintln!("mayalink serve: {e}");
        },
        _ = stop => {}
    }
    // Every Maya this run touched loses its callback before we exit.
    engine.shutdown().await;
    ExitCode::SUCCESS
}

struct Host {
    engine: Engine,
    /// `Host` headers we answer: a page on another name (DNS rebinding) gets nothing.
    allowed_hosts: Vec<String>,
}

async fn check_host(
    State(host): State<Arc<Host>>,
    headers: HeaderMap,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let ok = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| host.allowed_hosts.iter().any(|a| a == h));
    if !ok {
        return (StatusCode::FORBIDDEN, "Wrong host").into_response();
    }
    next.run(req).await
}

/// The checkout's `ui/dist`, from the working directory or from the binary's
/// place in `target/<profile>/`.
fn find_ui() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MAYALINK_UI_DIR") {
        return Some(PathBuf::from(dir));
    }
    let from_cwd = PathBuf::from("ui/dist");
    if from_cwd.join("index.html").is_file() {
        return Some(from_cwd);
    }
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .skip(1)
        .map(|d: &Path| d.join("ui").join("dist"))
        .find(|d| d.join("index.html").is_file())
}

fn token() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn ws(upgrade: WebSocketUpgrade, State(host): State<Arc<Host>>) -> Response {
    let engine = host.engine.clone();
    upgrade.on_upgrade(move |socket| connection(socket, engine))
}

#[derive(serde::Deserialize)]
struct Request {
    id: Option<u64>,
    call: Option<String>,
    #[serde(default)]
    args: serde_json::Value,
    subscribe: Option<String>,
    unsubscribe: Option<u64>,
}

/// One browser tab: a writer task owns the socket's sending half; calls run as
/// tasks of their own (a long run never holds up the others).
async fn connection(socket: WebSocket, engine: Engine) {
    let (mut send, mut recv) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(text) = rx.recv().await {
            if send.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
    });
    let mut subscriptions: HashMap<u64, Arc<AtomicBool>> = HashMap::new();
    while let Some(Ok(msg)) = recv.next().await {
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        let req: Request = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                let err = AppError::invalid(format!("Not a request: {e}"));
                let _ = tx.send(reply(None, Err(err)));
                continue;
            }
        };
        if let Some(id) = req.unsubscribe {
            if let Some(live) = subscriptions.remove(&id) {
                live.store(false, Ordering::Relaxed);
            }
            continue;
        }
        let id = req.id;
        if let Some(call) = req.call {
            let (engine, tx) = (engine.clone(), tx.clone());
            tokio::spawn(async move {
                let res = api::dispatch(&engine, &call, req.args).await;
                let _ = tx.send(reply(id, res));
            });
        } else if let Some(stream) = req.subscribe.filter(|s| api::STREAMS.contains(&s.as_str())) {
            let live = Arc::new(AtomicBool::new(true));
            let (sub_tx, sub_live) = (tx.clone(), live.clone());
            let sub = id.unwrap_or(0);
            // The confirmation goes first: the stream's first message follows it.
            let _ = tx.send(reply(id, Ok("null".into())));
            match api::subscribe(&engine, &stream, move |json| {
                sub_live.load(Ordering::Relaxed)
                    && sub_tx
                        .send(format!("{{\"sub\":{sub},\"data\":{json}}}"))
                        .is_ok()
            }) {
                Ok(()) => {
                    subscriptions.insert(sub, live);
                }
                Err(e) => {
                    let _ = tx.send(reply(id, Err(e)));
                }
            }
        } else {
            let _ = tx.send(reply(
                id,
                Err(AppError::invalid("A request needs `call` or `subscribe`.")),
            ));
        }
    }
    for live in subscriptions.values() {
        live.store(false, Ordering::Relaxed);
    }
    drop(tx);
    let _ = writer.await;
}

fn reply(id: Option<u64>, res: Result<String, AppError>) -> String {
    let id = id.map_or("null".to_string(), |i| i.to_string());
    match res {
        Ok(json) => format!("{{\"id\":{id},\"ok\":{json}}}"),
        Err(e) => format!(
            "{{\"id\":{id},\"err\":{}}}",
            serde_json::to_string(&e).unwrap_or_else(|_| "null".into())
        ),
    }
}
