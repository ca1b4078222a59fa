//! A link's work on Demo Maya's main thread (the helper's deferred jobs): the
//! newest pose applied with ready values, and "Follow Maya"'s samples.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{find, lock, Link, Links, Mailbox};
use crate::link::wire::{FromMaya, ROTATE, TRANSLATE};
use crate::simulators::demo_maya::scene::Scene;

/// At most this share of the main thread goes to applying poses (the helper's
/// `_LINK_DUTY`): after an apply that took t, the next waits t·(1 − duty)/duty.
const DUTY: f64 = 0.5;
const CHANNELS: [&str; 6] = [
    "rotateX",
    "rotateY",
    "rotateZ",
    "translateX",
    "translateY",
    "translateZ",
];

fn node_name(scene: &Scene, path: &str) -> Option<String> {
    find(scene, path)
        .filter(|n| n.kind.is_transform())
        .map(|n| n.name.clone())
}

impl Links {
    /// The link whose mailbox this is (not a newer link started under the same id).
    fn link_of(&mut self, id: &str, mailbox: &Arc<Mutex<Mailbox>>) -> Option<&mut Link> {
        self.links
            .get_mut(id)
            .filter(|l| Arc::ptr_eq(&l.mailbox, mailbox))
    }

    /// Main thread: the newest pose, set with ready values (the helper's `apply`).
    pub(super) fn apply(&mut self, id: &str, mailbox: &Arc<Mutex<Mailbox>>, scene: &mut Scene) {
        let frame = {
            let mut m = lock(mailbox);
            m.pending = false;
            m.latest.take()
        };
        let (Some((seq, entries)), Some(link)) = (frame, self.link_of(id, mailbox)) else {
            return;
        };
        let started = Instant::now();
        let (nodes, refused) = (&link.nodes, &mut link.refused);
        for e in &entries {
            let Some(path) = nodes.get(e.index as usize) else {
                continue;
            };
            let name = node_name(scene, path);
            for (group, values, first) in [
                (e.mask & ROTATE, e.rotate, 0usize),
                (e.mask & TRANSLATE, e.translate, 3),
            ] {
                let bits = group >> first;
                if bits == 0 {
                    continue;
                }
                let node = name.as_deref().and_then(|n| scene.get_mut(n));
                let Some(node) = node else {
                    let group_name = if first == 0 { "rotate" } else { "translate" };
                    if bits == 0b111 {
                        refused.fail(format!("{path}.{group_name}"));
                    } else {
                        for k in (0..3).filter(|k| bits & (1 << k) != 0) {
                            refused.fail(format!("{path}.{}", CHANNELS[first + k]));
                        }
                    }
                    continue;
                };
                let target = if first == 0 {
                    &mut node.rotate
                } else {
                    &mut node.translate
                };
                for k in (0..3).filter(|k| bits & (1 << k) != 0) {
                    target[k] = values[k];
                }
            }
        }
        let ended = Instant::now();
        let took = ended - started;
        let main_thread_s = took.as_secs_f64();
        link.applied = link.applied.wrapping_add(1);
        let superseded = {
            let mut m = lock(mailbox);
            m.not_before = Some(ended + took.mul_f64((1.0 - DUTY) / DUTY));
            m.superseded
        };
        let _ = link.replies.send(FromMaya::Applied {
            seq,
            main_thread_s,
            applied: link.applied,
            superseded,
            failures: std::mem::take(&mut link.refused.unreported),
        });
    }

    /// Main thread, "Follow Maya": the nodes' values, sent only when they changed.
    pub(super) fn sample(&mut self, id: &str, mailbox: &Arc<Mutex<Mailbox>>, scene: &Scene) {
        lock(mailbox).pending = false;
        let Some(link) = self.link_of(id, mailbox) else {
            return;
        };
        let values: Vec<[f64; 6]> = link
            .nodes
            .iter()
            .map(|p| match find(scene, p).filter(|n| n.kind.is_transform()) {
                Some(n) => {
                    let (r, t) = (n.rotate, n.translate);
                    [r[0], r[1], r[2], t[0], t[1], t[2]]
                }
                None => [0.0; 6],
            })
            .collect();
        if link.last_sample.as_ref() != Some(&values) {
            link.last_sample = Some(values.clone());
            let _ = link.replies.send(FromMaya::Sample(values));
        }
    }
}
