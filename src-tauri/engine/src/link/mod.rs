//! The live link: Mosketch drives Maya rigs live, and Maya poses go back, from
//! outside Maya, to several Mayas at once. The maths ([`euler`], [`rig`]) and the
//! name mapping ([`mapping`]) run here; Maya only receives ready channel values
//! over UDP ([`wire`]) and applies them on its main thread (`maya/helper_link.py`).
//! [`target`] is one Maya (its task: `target_task`); [`live`] holds one Mosketch session and its targets.
//! Spec: `shared/docs/maya-joints.md`, `shared/docs/mosketch-protocol.md`.

pub mod euler;
pub mod live;
pub mod mapping;
pub mod overrides;
pub mod rig;
pub mod stats;
pub mod target;
mod target_task;
pub mod wire;

pub use live::LiveLink;
pub use mapping::{Mapping, Overrides};
pub use stats::LinkFigures;
pub use target::{MayaTarget, TargetSpec, TargetStatus};
