//! Frames in the joint space and orientation mode a client chose: parent, world or
//! parent-in-world rotations, with the joints' initial orientations kept or taken out.

use bytes::Bytes;
use glam::DQuat;

use super::{single, Character};
use crate::mosketch::command::{JointSpace, OrientMode};
use crate::mosketch::packet::encode;

impl Character {
    /// A frame as a client that chose `space` and `orient` receives it. Parent space
    /// with the orientation kept is what [`Character::pose_at`] produces (and is cached).
    pub fn frame_bytes_in(
        &self,
        frame: u64,
        dt: f64,
        partial: bool,
        space: JointSpace,
        orient: OrientMode,
    ) -> Bytes {
        if space == JointSpace::Parent && orient == OrientMode::Keep {
            return self.frame_bytes(frame, dt, partial);
        }
        let mut samples = self.pose_at(frame, dt);
        let joints = self.skeleton.joints();
        let local: Vec<(DQuat, glam::DVec3)> = samples
            .iter()
            .zip(joints)
            .map(|(s, j)| {
                (
                    DQuat::from_array(s.r.unwrap_or(j.orient)),
                    glam::DVec3::from_array(s.t.unwrap_or(j.offset)),
                )
            })
            .collect();
        let world = self.skeleton.world_transforms(|i, _| local[i]);
        for (i, (s, j)) in samples.iter_mut().zip(joints).enumerate() {
            let parent_world = j
                .parent
                .map(|p| world[p].rotation)
                .unwrap_or(DQuat::IDENTITY);
            let r = match space {
                JointSpace::Parent => local[i].0,
                JointSpace::World => world[i].rotation,
                // The rotation relative to the parent, expressed in world axes.
                JointSpace::ParentInWorld => world[i].rotation * parent_world.inverse(),
            };
            // Discard: the joint's initial orientation is taken out of what is streamed.
            let r = if orient == OrientMode::Discard {
                DQuat::from_array(j.orient).inverse() * r
            } else {
                r
            };
            s.r = Some(single(r.normalize().to_array()));
            if s.t.is_some() && space != JointSpace::Parent {
                s.t = Some(single(world[i].translation.to_array()));
            }
        }
        if partial && Self::is_partial_frame(frame) {
            samples = samples
                .into_iter()
                .enumerate()
                .filter(|(i, _)| Self::in_partial_subset(*i))
                .map(|(_, s)| s)
                .collect();
        }
        Bytes::from(encode::joints_stream(&samples))
    }
}
