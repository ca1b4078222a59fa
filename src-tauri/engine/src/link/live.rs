//! A live link: one Mosketch session driving one or several Mayas. One task owns
//! the targets; the handle talks to it through a channel. It asks Mosketch for
//! Parent space with orient mode "keep" (what the maths assume) and gives the
//! artist's settings back when it stops; it maps again when Mosketch sends a new
//! character or a Maya opens another scene. A Maya whose link ended keeps its last
//! status (with why) in its place, so target indices never shift.

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

impl TargetSpecShared {
    /// A Maya on this machine (the helper's receiver on loopback), no overrides.
    pub fn local(session: Arc<crate::maya::MayaSession>) -> Arc<Self> {
        Arc::new(Self {
            session,
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            overrides: super::Overrides::new(),
        })
    }
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

/// One Maya of the link: running, or ended (its last status says why).
enum Slot {
    Running(MayaTarget),
    Ended(TargetStatus),
}

impl Slot {
    fn status(&self) -> TargetStatus {
        match self {
            Slot::Running(t) => t.status().borrow().clone(),
            Slot::Ended(s) => s.clone(),
        }
    }

    fn running(&self) -> Result<&MayaTarget, AppError> {
        match self {
            Slot::Running(t) => Ok(t),
            Slot::Ended(s) => Err(AppError::new(
                ErrorCode::Cancelled,
                format!(
                    "The link to this Maya has ended: {}",
                    s.ended.as_deref().unwrap_or("stopped")
                ),
            )),
        }
    }

    /// Stops a running target; its last status, ended with `why`, stays.
    async fn end(&mut self, why: String) {
        let mut last = self.status();
        if let Slot::Running(t) = std::mem::replace(self, Slot::Ended(TargetStatus::default())) {
            let _ = t.stop().await;
        }
        last.ended.get_or_insert(why);
        *self = Slot::Ended(last);
    }

    /// Maps this Maya again (a new character, another scene): a fresh target, or
    /// ended with the reason it could not start (e.g. nothing maps any more).
    async fn remap(
        &mut self,
        mosketch: &Arc<MosketchSession>,
        spec: &Arc<TargetSpecShared>,
        joints: &[String],
        why: &str,
    ) {
        let session = self.status().session;
        if let Slot::Running(t) = std::mem::replace(self, Slot::Ended(TargetStatus::default())) {
            let _ = t.stop().await;
        }
        *self = match start_all(mosketch, std::slice::from_ref(spec), joints).await {
            Ok(mut fresh) => {
                let t = fresh.remove(0);
                let mapped = t.status().borrow().mapping.pairs.len();
                let note = format!("{why}: mapped again ({mapped} joints).");
                // The warning rides on the fresh target's own status.
                t.note(note);
                Slot::Running(t)
            }
            Err(e) => Slot::Ended(TargetStatus {
                session,
                ended: Some(format!("{why}, and mapping again failed: {}", e.message)),
                ..Default::default()
            }),
        };
    }
}

async fn supervise(
    mosketch: Arc<MosketchSession>,
    specs: Vec<Arc<TargetSpecShared>>,
    targets: Vec<MayaTarget>,
    before: (JointSpace, OrientMode),
    mut commands: mpsc::Receiver<Command>,
    status: watch::Sender<LinkStatus>,
) {
    let mut slots: Vec<Slot> = targets.into_iter().map(Slot::Running).collect();
    let mut hierarchy = mosketch.hierarchy();
    hierarchy.borrow_and_update();
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
                    for slot in &mut slots {
                        slot.end(format!("{why} The link to this Maya stopped.")).await;
                    }
                    publish(&status, &slots);
                }
            }
            cmd = commands.recv() => match cmd {
                None | Some(Command::Stop(_)) => {
                    for slot in &mut slots {
                        slot.end("Stopped.".into()).await;
                    }
                    restore(&mosketch, before).await;
                    if let Some(Command::Stop(reply)) = cmd {
                        let _ = reply.send(());
                    }
                    return;
                }
                Some(Command::Follow(i, on, reply)) => {
                    let r = match slot_at(&slots, i) {
                        Ok(t) => t.follow(on).await,
                        Err(e) => Err(e),
                    };
                    let _ = reply.send(r);
                }
                Some(Command::SendMayaPose(i, reply)) => {
                    let r = match slot_at(&slots, i) {
                        Ok(t) => match t.read_pose().await {
                            Ok(joints) => {
                                let n = joints.len();
                                mosketch.send_pose(joints).await.map(|_| n)
                            }
                            Err(e) => Err(e),
                        },
                        Err(e) => Err(e),
                    };
                    let _ = reply.send(r);
                }
            },
            changed = hierarchy.changed(), if !mosketch_gone => {
                if changed.is_err() { mosketch_gone = true; continue; }
                // A new character: map every Maya again.
                let joints = hierarchy.borrow_and_update().as_ref().map(|h| h.joints.clone());
                if let Some(joints) = joints {
                    for (slot, spec) in slots.iter_mut().zip(&specs) {
                        slot.remap(&mosketch, spec, &joints, "Mosketch sent a new character").await;
                    }
                    publish(&status, &slots);
                }
            }
            _ = tick.tick() => {
                // A Maya that opened another scene is mapped again.
                if !mosketch_gone {
                    for (slot, spec) in slots.iter_mut().zip(&specs) {
                        let left = match slot {
                            Slot::Running(t) => t.scene_left(),
                            Slot::Ended(_) => None,
                        };
                        let joints: Option<Vec<String>> = mosketch.hierarchy().borrow().as_ref().map(|h| h.joints.clone());
                        if let (Some(scene), Some(joints)) = (left, joints) {
                            let scene = if scene.is_empty() { "an untitled scene".to_string() } else { scene };
                            slot.remap(&mosketch, spec, &joints, &format!("Maya opened {scene}")).await;
                        }
                    }
                }
                publish(&status, &slots);
            }
        }
    }
}

fn slot_at(slots: &[Slot], i: usize) -> Result<&MayaTarget, AppError> {
    slots
        .get(i)
        .ok_or_else(|| AppError::invalid(format!("no Maya #{i} in this link")))?
        .running()
}

fn publish(status: &watch::Sender<LinkStatus>, slots: &[Slot]) {
    let now: LinkStatus = slots.iter().map(Slot::status).collect();
    status.send_if_modified(|s| {
        let changed = *s != now;
        *s = now;
        changed
    });
}
