//! One Maya driven by the live link: maps Mosketch's joints onto its nodes, reads
//! their rest data (one helper call), starts the helper's receiver, then one task
//! owns the link's UDP socket — it turns each new Mosketch pose into channel values
//! (the maths run here, never in Maya), sends them, and reads back what Maya
//! applied, how long its main thread spent, and which plugs refused a value.

use super::euler::RotateOrder;
use super::mapping::{self, Mapping, MayaNode, Overrides};
use super::rig::{RestNode, RigNode, SceneUnits};
use super::stats::{LinkFigures, Recorder};
use super::target_task::{samples, Command, Task};
use super::wire::{Token, ROTATE, TRANSLATE};
use crate::maya::MayaSession;
use crate::mosketch::{JointSample, MosketchSession};
use crate::{AppError, ErrorCode};
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

/// How the link reaches one Maya.
pub struct TargetSpec {
    pub session: Arc<MayaSession>,
    /// The Maya's host, where the helper's receiver listens (loopback for a local Maya).
    pub host: IpAddr,
    pub overrides: Overrides,
}

/// What a target reports: its mapping, figures and warnings, on a watch.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TargetStatus {
    pub session: String,
    pub mapping: Mapping,
    pub figures: LinkFigures,
    /// Plugs Maya refused (locked, connected…), each reported once, and link problems.
    pub warnings: Vec<String>,
    /// Maya's pose goes to Mosketch live (instead of Mosketch driving Maya).
    pub following: bool,
    /// The link to this Maya ended (Maya gone, or stopped).
    pub ended: Option<String>,
    /// Poses go out but this Maya has applied none for a while (frozen, paused in a
    /// debugger, busy): said until it applies one again.
    pub stalled: Option<String>,
}

/// The handle. Dropping it stops the task; `stop` also stops the helper's receiver.
pub struct MayaTarget {
    pub link_id: String,
    session: Arc<MayaSession>,
    nodes: Vec<String>,
    rig: Vec<RigNode>,
    status: watch::Receiver<TargetStatus>,
    /// Set when Maya says another scene is open (the link must map again).
    scene_left: watch::Receiver<Option<String>>,
    commands: mpsc::Sender<Command>,
    _guard: DropGuard,
}

/// Helper call, with the helper's `{ok:false, error}` turned into an `AppError`.
pub(super) async fn call(
    session: &MayaSession,
    body: serde_json::Value,
) -> Result<serde_json::Value, AppError> {
    let v = session.call(body).await?;
    if v["ok"] == json!(true) {
        return Ok(v);
    }
    Err(AppError::new(
        ErrorCode::ScriptError,
        format!(
            "Maya refused the live link: {}",
            v["error"]["message"].as_str().unwrap_or("unknown error")
        ),
    ))
}

fn parse<T: serde::de::DeserializeOwned>(v: &serde_json::Value, what: &str) -> Result<T, AppError> {
    serde_json::from_value(v.clone())
        .map_err(|e| AppError::protocol(format!("Maya's helper sent an odd {what}: {e}")))
}

/// How Mosketch's joints would map onto this Maya's nodes (one helper call),
/// without starting anything: the mapping table before a link runs.
pub async fn map_only(
    session: &MayaSession,
    joints: &[String],
    overrides: &Overrides,
) -> Result<(Mapping, usize), AppError> {
    let listed = call(session, json!({"op": "link_nodes"})).await?;
    let nodes: Vec<MayaNode> = parse(&listed["nodes"], "node list")?;
    Ok((mapping::map(joints, &nodes, overrides), nodes.len()))
}

impl MayaTarget {
    /// Maps, reads rest data, starts the helper's receiver and the task.
    pub async fn start(
        spec: TargetSpec,
        mosketch: Arc<MosketchSession>,
        joints: &[String],
    ) -> Result<Self, AppError> {
        let session_id = spec.session.status().borrow().id.clone();
        let (mut mapping, node_count) = map_only(&spec.session, joints, &spec.overrides).await?;
        if let Some(why) = mapping.nothing_mapped(joints.len(), node_count) {
            return Err(AppError::invalid(why));
        }
        let paths: Vec<String> = mapping.pairs.iter().map(|p| p.maya.clone()).collect();
        let rest = call(&spec.session, json!({"op": "link_rest", "nodes": paths})).await?;
        let units: SceneUnits = parse(&rest["units"], "unit")?;
        let rest_nodes: Vec<RestNode> = parse(&rest["nodes"], "rest pose")?;
        for (pair, r) in mapping.pairs.iter_mut().zip(&rest_nodes) {
            pair.rotate_order = RotateOrder::from_maya(r.rotate_order);
        }
        let mut rig = Vec::with_capacity(rest_nodes.len());
        let mut warnings = vec![];
        let mut masks = Vec::with_capacity(rest_nodes.len());
        for r in &rest_nodes {
            rig.push(RigNode::new(r, &units).map_err(AppError::invalid)?);
            let mut mask = ROTATE | TRANSLATE;
            for (i, why) in r.blocked.iter().enumerate() {
                if let Some(why) = why {
                    mask &= !(1 << i);
                    let channel = [
                        "rotateX",
                        "rotateY",
                        "rotateZ",
                        "translateX",
                        "translateY",
                        "translateZ",
                    ][i];
                    warnings.push(format!(
                        "{}.{channel} is {why}: the link leaves it alone.",
                        r.path
                    ));
                }
            }
            masks.push(mask);
        }
        let bind: SocketAddr = if spec.host.is_ipv6() {
            "[::]:0".parse().expect("address")
        } else {
            "0.0.0.0:0".parse().expect("address")
        };
        let socket = UdpSocket::bind(bind).await?;
        let token: Token = rand::random();
        let link_id = format!("{session_id}:link");
        use base64::Engine as _;
        let started = call(
            &spec.session,
            json!({"op": "link_start", "link": link_id, "session": session_id,
                   "token": base64::engine::general_purpose::STANDARD.encode(token),
                   "nodes": paths, "host": spec.host.to_string()}),
        )
        .await?;
        let port = started["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| AppError::protocol("Maya's helper did not say where it listens"))?;
        socket.connect(SocketAddr::new(spec.host, port)).await?;
        let status = TargetStatus {
            session: session_id,
            mapping,
            warnings,
            ..Default::default()
        };
        let (status_tx, status_rx) = watch::channel(status);
        let (scene_tx, scene_left) = watch::channel(None);
        let (commands, commands_rx) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let task = Task {
            socket,
            token,
            index: joints_index(joints, &rest_nodes, &status_rx.borrow().mapping),
            rig: rig.clone(),
            masks,
            mosketch,
            session: spec.session.clone(),
            status: status_tx,
            scene_left: scene_tx,
            recorder: Recorder::default(),
            last_sent: None,
            seq: 0,
            following: false,
            unapplied_since: None,
        };
        tokio::spawn(task.run(commands_rx, cancel.clone()));
        Ok(Self {
            link_id,
            session: spec.session,
            nodes: paths,
            rig,
            status: status_rx,
            scene_left,
            commands,
            _guard: cancel.drop_guard(),
        })
    }

    pub fn status(&self) -> watch::Receiver<TargetStatus> {
        self.status.clone()
    }

    /// Adds a line to this target's warnings.
    pub fn note(&self, text: String) {
        let _ = self.commands.try_send(Command::Note(text));
    }

    /// The name of the scene Maya opened instead of the mapped one (empty when
    /// untitled), once Maya has said so; the mapping no longer holds.
    pub fn scene_left(&self) -> Option<String> {
        self.scene_left.borrow().clone()
    }

    /// "Follow Maya": Maya's pose goes to Mosketch live (up to 30 Hz, when it changes).
    pub async fn follow(&self, on: bool) -> Result<(), AppError> {
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.commands
            .send(Command::Follow(on, reply))
            .await
            .map_err(|_| AppError::new(ErrorCode::Cancelled, "the link to this Maya has ended"))?;
        rx.await
            .map_err(|_| AppError::new(ErrorCode::Cancelled, "the link to this Maya has ended"))?
    }

    /// Maya's current pose of the mapped joints, as one `JointsStream` for Mosketch.
    pub async fn read_pose(&self) -> Result<Vec<JointSample>, AppError> {
        let v = call(
            &self.session,
            json!({"op": "link_read", "nodes": self.nodes}),
        )
        .await?;
        let values: Vec<Option<[f64; 6]>> = parse(&v["values"], "pose")?;
        let mapping = self.status.borrow().mapping.clone();
        Ok(samples(&mapping, &self.rig, &values))
    }

    /// Stops the helper's receiver in Maya, then the task.
    pub async fn stop(self) -> Result<(), AppError> {
        let r = call(
            &self.session,
            json!({"op": "link_stop", "link": self.link_id}),
        )
        .await;
        drop(self);
        r.map(|_| ())
    }
}

/// For each mapped pair (in map order): the Mosketch joint's index in the pose.
fn joints_index(joints: &[String], rest: &[RestNode], mapping: &Mapping) -> Vec<Option<usize>> {
    mapping
        .pairs
        .iter()
        .zip(rest)
        .map(|(p, _)| joints.iter().position(|j| *j == p.mosketch))
        .collect()
}
