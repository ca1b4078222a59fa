//! The Mayas this server touched: one engine session per Maya, opened on first
//! use and kept (its output callback keeps capturing between tool calls), all
//! sharing one output listener. `close_all` removes every callback on exit.

use mayalink_engine::console::ConsoleHub;
use mayalink_engine::maya::{
    Language, MayaAddress, MayaInfo, MayaSession, RunOptions, RunResult, SessionConfig,
};
use mayalink_engine::output::OutputService;
use mayalink_engine::{AppError, ErrorCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

use super::capture;

pub struct Maya {
    pub key: String,
    /// Keys this server's callback in Maya (unique per server process and Maya).
    pub id: String,
    session: MayaSession,
    /// One run at a time per Maya, held until a run has finished in Maya (also
    /// after its caller stopped waiting), so each run's output window is its own.
    run_lock: Arc<Mutex<()>>,
}

pub struct RunOutcome {
    pub result: RunResult,
    /// What the run printed (and anything else Maya printed meanwhile).
    pub output: String,
}

pub struct Mayas {
    hub: ConsoleHub,
    output: OutputService,
    open: Mutex<HashMap<String, Arc<Maya>>>,
    next: AtomicU32,
}

impl Default for Mayas {
    fn default() -> Self {
        let hub = ConsoleHub::new(64, 0);
        Self {
            output: OutputService::new(hub.clone(), Default::default()),
            hub,
            open: Mutex::default(),
            next: AtomicU32::new(0),
        }
    }
}

impl Mayas {
    /// The session for a Maya, connecting it (helper and output callback) the
    /// first time. A Maya that cannot be reached is not kept.
    pub async fn get(&self, key: &str, address: &MayaAddress) -> Result<Arc<Maya>, AppError> {
        let mut open = self.open.lock().await;
        if let Some(m) = open.get(key) {
            return Ok(m.clone());
        }
        let id = format!(
            "mcp-{}-{}",
            std::process::id(),
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let session = MayaSession::spawn(
            SessionConfig::new(id.clone(), "mcp", address.clone()),
            self.hub.clone(),
            Some(self.output.clone()),
        );
        // Holding the map while connecting: two first calls for one Maya must not
        // install two callbacks. Connecting a live Maya takes milliseconds.
        if let Err(e) = session.connect().await {
            let _ = tokio::time::timeout(Duration::from_secs(2), session.shutdown()).await;
            self.output.forget(&id);
            return Err(e);
        }
        let maya = Arc::new(Maya {
            key: key.to_string(),
            id,
            session,
            run_lock: Arc::default(),
        });
        open.insert(key.to_string(), maya.clone());
        Ok(maya)
    }

    /// What the server knows of the Mayas it has connected (for `list_mayas`).
    pub async fn connected(&self) -> HashMap<String, (Option<MayaInfo>, bool)> {
        let open = self.open.lock().await;
        open.iter()
            .map(|(k, m)| {
                let s = m.session.status();
                let s = s.borrow();
                (k.clone(), (s.info.clone(), s.alive))
            })
            .collect()
    }

    /// Runs code once and collects what it printed. `timeout` bounds the wait;
    /// the run itself goes on in Maya (its output then shows in `read_output`),
    /// and the next run on that Maya starts after it.
    pub async fn run(
        &self,
        maya: &Arc<Maya>,
        code: &str,
        lang: Language,
        timeout: Option<Duration>,
    ) -> Result<RunOutcome, AppError> {
        let one_at_a_time = maya.run_lock.clone().lock_owned().await;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (m, output, code) = (maya.clone(), self.output.clone(), code.to_string());
        tokio::spawn(async move {
            // Lines already received belong before this run.
            output.flush(&m.id).await;
            let from = output.line_count(&m.id);
            let r = m.session.run(&code, lang, RunOptions::default()).await;
            // The session flushed the run's output before it recorded the result.
            let r = r.map(|result| RunOutcome {
                output: capture::run_lines(&output, &m.id, from, &result),
                result,
            });
            let _ = tx.send(r);
            drop(one_at_a_time);
        });
        let closed = || AppError::new(ErrorCode::Cancelled, "this Maya session was closed");
        match timeout {
            None => rx.await.map_err(|_| closed())?,
            Some(t) => match tokio::time::timeout(t, rx).await {
                Ok(r) => r.map_err(|_| closed())?,
                Err(_) => Err(AppError::new(
                    ErrorCode::Timeout,
                    format!(
                        "Gave up waiting after {} s: Maya at {} is still busy (the code may still be running there, \
                         or Maya shows a dialog). read_output shows what it prints meanwhile; the next run there \
                         starts when this one has finished.",
                        t.as_secs_f64(),
                        maya.key
                    ),
                )),
            },
        }
    }

    /// A helper call (a fixed query), outside the console history.
    pub async fn call(
        &self,
        maya: &Maya,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, AppError> {
        let _one_at_a_time = maya.run_lock.lock().await;
        maya.session.call(body).await
    }

    /// The last `max` lines captured from this Maya since the server connected to it.
    pub async fn read(&self, maya: &Maya, max: usize) -> (String, u64) {
        self.output.flush(&maya.id).await;
        let range = self.output.history_range(&maya.id);
        let from = range.end.saturating_sub(max as u64).max(range.start);
        let lines = self.output.history(&maya.id, from, max);
        (capture::text_of(&lines), range.end)
    }

    /// Removes this server's callback from every Maya it touched, all at once;
    /// a Maya that is gone costs under a second, one still busy with a run a few
    /// seconds at most (its callback then stays: Maya never answered).
    pub async fn close_all(&self) {
        let all: Vec<Arc<Maya>> = self.open.lock().await.drain().map(|(_, m)| m).collect();
        let closing = all.iter().map(|m| async move {
            // Queued behind a run still in flight, if any.
            match tokio::time::timeout(Duration::from_millis(2500), m.session.cleanup()).await {
                Ok(Ok(r)) => tracing::info!(maya = %m.key, ?r, "cleaned up"),
                Ok(Err(e)) => tracing::warn!(maya = %m.key, "clean-up failed: {}", e.message),
                Err(_) => tracing::warn!(maya = %m.key, "clean-up timed out (Maya busy?)"),
            }
        });
        futures::future::join_all(closing).await;
        drop(all); // the last handle of each session ends its task
        self.output.shutdown().await;
    }
}
