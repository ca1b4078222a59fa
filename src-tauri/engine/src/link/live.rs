//! A live link: one Mosketch session driving one or several Mayas. One task owns
//! the targets; the handle talks to it through a channel. It asks Mosketch for
//! Parent space with orient mode "keep" (what the maths assume) and gives the
//! artist's settings back when it stops; it maps again when Mosketch sends a new
//! character or a Maya opens another scene.

use super::target::{MayaTarget, TargetSpec, TargetStatus};
use crate::mosketch::{JointSpace, MosketchSession, OrientMode};
use crate::{AppError, ErrorCode};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

/// Live status of every target, in the order they were given.
pub type LinkStatus = Vec<TargetStatus>;

enum Command {
    Follow(usize, bool, oneshot::Sender<Result<(), AppError>>),
    SendMayaPose(usize, oneshot::Sender<Result<usize, AppError>>),
    Stop(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct LiveLink {
    commands: mpsc::Sender<Command>,
    status: watch::Receiver<LinkStatus>,
}

/// How long to wait for Mosketch's character before giving up.
const HIERARCHY_WAIT: Duration = Duration::from_secs(5);

impl LiveLink {
    /// Maps and starts every target; fails (leaving nothing behind) if any cannot start.
    pub async fn start(
        mosketch: Arc<MosketchSession>,
        specs: Vec<Arc<TargetSpecShared>>,
    ) -> Result<Self, AppError> {
        let joints = wait_for_joints(&mosketch).await?;
        let before = {
            let s = mosketch.status().borrow().clone();
            (s.joint_space, s.orient_mode)
        };
        if before.0 != JointSpace::Parent {
            mosketch.set_joint_space(JointSpace::Parent).await?;
        }
        if before.1 != OrientMode::Keep {
            mosketch.set_orient_mode(OrientMode::Keep).await?;
        }
        let targets = match start_all(&mosketch, &specs, &joints).await {
            Ok(t) => t,
            Err(e) => {
                restore(&mosketch, before).await;
                return Err(e);
            }
        };
        let (status_tx, status) = watch::channel(
            targets
                .iter()
                .map(|t| t.status().borrow().clone())
                .collect(),
        );
        let (commands, rx) = mpsc::channel(8);
        tokio::spawn(supervise(mosketch, specs, targets, before, rx, status_tx));
        Ok(Self { commands, status })
    }

    pub fn status(&self) -> watch::Receiver<LinkStatus> {
        self.status.clone()
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, AppError>>) -> Command,
    ) -> Result<T, AppError> {
        let (reply, rx) = oneshot::channel();
        let gone = || AppError::new(ErrorCode::Cancelled, "the live link has stopped");
        self.commands.send(make(reply)).await.map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// "Follow Maya" on target `i`: its pose goes to Mosketch live while on.
    pub async fn follow(&self, i: usize, on: bool) -> Result<(), AppError> {
        self.ask(|r| Command::Follow(i, on, r)).await
    }

    /// "Send Maya pose to Mosketch": one JointsStream of target `i`'s mapped joints.
    pub async fn send_maya_pose(&self, i: usize) -> Result<usize, AppError> {
        self.ask(|r| Command::SendMayaPose(i, r)).await
    }

    /// Stops every target (nothing of the link stays in any Maya) and gives Mosketch
    /// its settings back.
    pub async fn stop(&self) {
        let (reply, rx) = oneshot::channel();
        if self.commands.send(Command::Stop(reply)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// What a target needs to (re)start; shared so a re-map can rebuild it.
pub struct TargetSpecShared {
    pub session: Arc<crate::maya::MayaSession>,
    pub host: std::net::IpAddr,
    pub overrides: super::Overrides,
}

async fn wait_for_joints(mosketch: &MosketchSession) -> Result<Vec<String>, AppError> {
    let mut h = mosketch.hierarchy();
    let found = tokio::time::timeout(HIERARCHY_WAIT, async {
        loop {
            if let Some(h) = h.borrow_and_update().as_ref() {
                return Some(h.joints.clone());
            }
            if h.changed().await.is_err() {
                return None;
            }
        }
    })
    .await;
    match found {
        Ok(Some(j)) => Ok(j),
        _ => Err(AppError::new(
            ErrorCode::Unreachable,
            "Mosketch has not sent its character: is streaming enabled in Mosketch, and is the session connected?",
        )),
    }
}

async fn start_all(
    mosketch: &Arc<MosketchSession>,
    specs: &[Arc<TargetSpecShared>],
    joints: &[String],
) -> Result<Vec<MayaTarget>, AppError> {
    let mut started = Vec::with_capacity(specs.len());
    for spec in specs {
        let t = MayaTarget::start(
            TargetSpec {
                session: spec.session.clone(),
                host: spec.host,
                overrides: spec.overrides.clone(),
            },
            mosketch.clone(),
            joints,
        )
        .await;
        match t {
            Ok(t) => started.push(t),
            Err(e) => {
                for t in started {
                    let _ = t.stop().await;
                }
                return Err(e);
            }
        }
    }
    Ok(started)
}

async fn restore(mosketch: &MosketchSession, (space, mode): (JointSpace, OrientMode)) {
    if space != JointSpace::Parent {
        let _ = mosketch.set_joint_space(space).await;
    }
    if mode != OrientMode::Keep {
        let _ = mosketch.set_orient_mode(mode).await;
    }
}

async fn supervise(
    mosketch: Arc<MosketchSession>,
    specs: Vec<Arc<TargetSpecShared>>,
    mut targets: Vec<MayaTarget>,
    before: (JointSpace, OrientMode),
    mut commands: mpsc::Receiver<Command>,
    status: watch::Sender<LinkStatus>,
) {
    let mut hierarchy = mosketch.hierarchy();
    hierarchy.borrow_and_update();
    let mut scenes: Vec<_> = specs.iter().map(|s| s.session.status()).collect();
    let scene_of = |rx: &watch::Receiver<crate::maya::SessionStatus>| {
        rx.borrow().info.as_ref().map(|i| i.scene.clone())
    };
    let mut last_scenes: Vec<_> = scenes.iter().map(scene_of).collect();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut mosketch_status = mosketch.status();
    let mut mosketch_gone = false;
    loop {
        tokio::select! {
            changed = mosketch_status.changed(), if !mosketch_gone => {
                use crate::mosketch::ConnectionState::*;
                let gone = match changed {
                    Err(_) => Some("Mosketch's session ended.".to_string()),
                    Ok(()) => match &mosketch_status.borrow_and_update().connection {
                        Failed { reason } => Some(format!("Mosketch is gone ({reason}).")),
                        Disconnected => Some("Mosketch disconnected.".to_string()),
                        _ => None, // reconnecting: the stream resumes where it left off
                    },
                };
                if let Some(why) = gone {
                    mosketch_gone = true;
                    // Nothing drives the Mayas any more: their side stops cleanly.
                    let mut ended: LinkStatus = targets.iter().map(|t| t.status().borrow().clone()).collect();
                    for t in targets.drain(..) {
                        let _ = t.stop().await;
                    }
                    for s in &mut ended {
                        s.ended = Some(format!("{why} The link to this Maya stopped."));
                    }
                    status.send_replace(ended);
                }
            }
            cmd = commands.recv() => match cmd {
                None | Some(Command::Stop(_)) => {
                    for t in targets.drain(..) {
                        let _ = t.stop().await;
                    }
                    restore(&mosketch, before).await;
                    if let Some(Command::Stop(reply)) = cmd {
                        let _ = reply.send(());
                    }
                    return;
                }
                Some(Command::Follow(i, on, reply)) => {
                    let r = match targets.get(i) {
                        Some(t) => t.follow(on).await,
                        None => Err(AppError::invalid(format!("no Maya #{i} in this link"))),
                    };
                    let _ = reply.send(r);
                }
                Some(Command::SendMayaPose(i, reply)) => {
                    let r = match targets.get(i) {
                        Some(t) => match t.read_pose().await {
                            Ok(joints) => {
                                let n = joints.len();
                                mosketch.send_pose(joints).await.map(|_| n)
                            }
                            Err(e) => Err(e),
                        },
                        None => Err(AppError::invalid(format!("no Maya #{i} in this link"))),
                    };
                    let _ = reply.send(r);
                }
            },
            changed = hierarchy.changed(), if !mosketch_gone => {
                if changed.is_err() { mosketch_gone = true; continue; }
                // A new character: map every Maya again.
                let joints = hierarchy.borrow_and_update().as_ref().map(|h| h.joints.clone());
                if let Some(joints) = joints {
                    for t in targets.drain(..) {
                        let _ = t.stop().await;
                    }
                    targets = start_all(&mosketch, &specs, &joints).await.unwrap_or_default();
                }
            }
            _ = tick.tick(), if !mosketch_gone => {
                // A Maya that opened another scene is mapped again.
                for (i, rx) in scenes.iter_mut().enumerate() {
                    let now = scene_of(rx);
                    if now.is_some() && now != last_scenes[i] {
                        last_scenes[i] = now;
                        let joints = mosketch.hierarchy().borrow().as_ref().map(|h| h.joints.clone());
                        if let (true, Some(joints)) = (i < targets.len(), joints) {
                            let old = targets.remove(i);
                            let _ = old.stop().await;
                            if let Ok(mut fresh) = start_all(&mosketch, &specs[i..=i], &joints).await {
                                targets.insert(i, fresh.remove(0));
                            }
                        }
                    }
                }
                let now: LinkStatus = targets.iter().map(|t| t.status().borrow().clone()).collect();
                status.send_if_modified(|s| {
                    let changed = *s != now;
                    *s = now;
                    changed
                });
            }
        }
    }
}
