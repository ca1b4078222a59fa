//! The live link's datagrams between the app and the helper in Maya
//! (`maya/helper_link.py`). Every datagram starts `MLL1`, the link's 16-byte token,
//! a kind and a sequence number; anything else is dropped unread.
//!
//! - pose (app → Maya): `u16 count`, then per node `u16 index, u8 mask` and, when the
//!   mask has rotate bits (0–2), three f64 rotate values, when it has translate bits
//!   (3–5), three f64 translate values — in the scene's UI units.
//! - keepalive (app → Maya): nothing; the helper stops a link quiet for 10 s.
//! - applied (Maya → app): f64 main-thread seconds, u32 frames applied, u32 frames
//!   superseded (totals), then the JSON `[[plug, message], …]` of plugs that failed
//!   for the first time (each is reported once).
//! - sample (Maya → app, "Follow Maya"): `u16 count`, then six f64 per node (rotate,
//!   translate, UI units).
//! - scene (Maya → app): Maya opened another scene (or the mapped nodes are gone);
//!   the body is the scene's name (UTF-8, empty when untitled). The helper stops
//!   applying and repeats it until the app maps again.

use bytes::{Buf, BufMut, BytesMut};

pub const MAGIC: &[u8; 4] = b"MLL1";
pub const HEADER: usize = 4 + 16 + 1 + 4;
pub const KIND_POSE: u8 = 1;
pub const KIND_KEEPALIVE: u8 = 2;
pub const KIND_APPLIED: u8 = 10;
pub const KIND_SAMPLE: u8 = 11;
pub const KIND_SCENE: u8 = 12;

pub type Token = [u8; 16];

/// Which channels a pose entry sets: bits 0–2 rotate X/Y/Z, 3–5 translate X/Y/Z.
pub const ROTATE: u8 = 0b000_111;
pub const TRANSLATE: u8 = 0b111_000;

#[derive(Debug, Clone, PartialEq)]
pub struct PoseEntry {
    pub index: u16,
    pub mask: u8,
    pub rotate: [f64; 3],
    pub translate: [f64; 3],
}

fn header(buf: &mut BytesMut, token: &Token, kind: u8, seq: u32) {
    buf.put_slice(MAGIC);
    buf.put_slice(token);
    buf.put_u8(kind);
    buf.put_u32(seq);
}

pub fn encode_pose(token: &Token, seq: u32, entries: &[PoseEntry]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(HEADER + 2 + entries.len() * 51);
    header(&mut buf, token, KIND_POSE, seq);
    buf.put_u16(entries.len() as u16);
    for e in entries {
        buf.put_u16(e.index);
        buf.put_u8(e.mask);
        if e.mask & ROTATE != 0 {
            e.rotate.iter().for_each(|v| buf.put_f64(*v));
        }
        if e.mask & TRANSLATE != 0 {
            e.translate.iter().for_each(|v| buf.put_f64(*v));
        }
    }
    buf
}

pub fn encode_keepalive(token: &Token) -> BytesMut {
    let mut buf = BytesMut::with_capacity(HEADER);
    header(&mut buf, token, KIND_KEEPALIVE, 0);
    buf
}

/// What Maya sends back.
#[derive(Debug, Clone, PartialEq)]
pub enum FromMaya {
    Applied {
        seq: u32,
        main_thread_s: f64,
        applied: u32,
        superseded: u32,
        /// `(plug, message)` of plugs that failed for the first time.
        failures: Vec<(String, String)>,
    },
    Sample(Vec<[f64; 6]>),
    /// Another scene is open: the mapping no longer holds.
    Scene(String),
}

/// Decodes a datagram from Maya; `None` for anything that is not ours or is malformed.
pub fn decode(token: &Token, data: &[u8]) -> Option<FromMaya> {
    if data.len() < HEADER || &data[..4] != MAGIC || &data[4..20] != token {
        return None;
    }
    let kind = data[20];
    let seq = u32::from_be_bytes(data[21..25].try_into().ok()?);
    let mut body = &data[HEADER..];
    match kind {
        KIND_APPLIED => {
            if body.remaining() < 16 {
                return None;
            }
            let main_thread_s = body.get_f64();
            let applied = body.get_u32();
            let superseded = body.get_u32();
            let failures = if body.is_empty() {
                vec![]
            } else {
                serde_json::from_slice::<Vec<(String, String)>>(body).ok()?
            };
            Some(FromMaya::Applied {
                seq,
                main_thread_s,
                applied,
                superseded,
                failures,
            })
        }
        KIND_SAMPLE => {
            if body.remaining() < 2 {
                return None;
            }
            let n = body.get_u16() as usize;
            if body.remaining() != n * 48 {
                return None;
            }
            Some(FromMaya::Sample(
                (0..n)
                    .map(|_| std::array::from_fn(|_| body.get_f64()))
                    .collect(),
            ))
        }
        KIND_SCENE => Some(FromMaya::Scene(String::from_utf8_lossy(body).into_owned())),
        _ => None,
    }
}

/// Maya's side (the helper, and Demo Maya): what the app sent.
#[derive(Debug, Clone, PartialEq)]
pub enum ToMaya {
    /// Channel values; a channel group its mask leaves out reads as zeros.
    Pose {
        seq: u32,
        entries: Vec<PoseEntry>,
    },
    Keepalive,
    /// Ours (magic and token match) but a truncated pose or an unknown kind: unread,
    /// though it still says the app is there (the helper's `_accept`).
    Unreadable,
}

/// Decodes a datagram from the app as the helper does; `None` when it is not ours.
/// Bytes after the last entry are ignored, like the helper's `_decode_pose`.
pub fn decode_to_maya(token: &Token, data: &[u8]) -> Option<ToMaya> {
    if data.len() < HEADER || &data[..4] != MAGIC || &data[4..20] != token {
        return None;
    }
    let seq = u32::from_be_bytes(data[21..25].try_into().ok()?);
    Some(match data[20] {
        KIND_POSE => match decode_pose_body(&data[HEADER..]) {
            Some(entries) => ToMaya::Pose { seq, entries },
            None => ToMaya::Unreadable,
        },
        KIND_KEEPALIVE => ToMaya::Keepalive,
        _ => ToMaya::Unreadable,
    })
}

fn decode_pose_body(mut body: &[u8]) -> Option<Vec<PoseEntry>> {
    let take3 = |b: &mut &[u8]| -> Option<[f64; 3]> {
        (b.remaining() >= 24).then(|| std::array::from_fn(|_| b.get_f64()))
    };
    if body.remaining() < 2 {
        return None;
    }
    let n = body.get_u16() as usize;
    let mut entries = Vec::with_capacity(n.min(body.remaining() / 3));
    for _ in 0..n {
        if body.remaining() < 3 {
            return None;
        }
        let index = body.get_u16();
        let mask = body.get_u8();
        let rotate = if mask & ROTATE != 0 {
            take3(&mut body)?
        } else {
            [0.0; 3]
        };
        let translate = if mask & TRANSLATE != 0 {
            take3(&mut body)?
        } else {
            [0.0; 3]
        };
        entries.push(PoseEntry {
            index,
            mask,
            rotate,
            translate,
        });
    }
    Some(entries)
}

/// Maya's `applied` datagram: main-thread seconds, totals, first-time failures.
pub fn encode_applied(
    token: &Token,
    seq: u32,
    main_thread_s: f64,
    applied: u32,
    superseded: u32,
    failures: &[(String, String)],
) -> BytesMut {
    let mut buf = BytesMut::with_capacity(HEADER + 16);
    header(&mut buf, token, KIND_APPLIED, seq);
    buf.put_f64(main_thread_s);
    buf.put_u32(applied);
    buf.put_u32(superseded);
    if !failures.is_empty() {
        buf.put_slice(&serde_json::to_vec(failures).unwrap_or_default());
    }
    buf
}

/// Maya's `sample` datagram ("Follow Maya"): six values per node, sequence 0.
pub fn encode_sample(token: &Token, values: &[[f64; 6]]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(HEADER + 2 + values.len() * 48);
    header(&mut buf, token, KIND_SAMPLE, 0);
    buf.put_u16(values.len() as u16);
    values.iter().flatten().for_each(|v| buf.put_f64(*v));
    buf
}

/// Maya's `scene` datagram: another scene is open.
pub fn encode_scene(token: &Token, scene: &str) -> BytesMut {
    let mut buf = BytesMut::with_capacity(HEADER + scene.len());
    header(&mut buf, token, KIND_SCENE, 0);
    buf.put_slice(scene.as_bytes());
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_other_tokens_are_dropped() {
        let token = [7u8; 16];
        assert_eq!(decode(&token, b""), None);
        assert_eq!(decode(&token, &[0u8; 40]), None);
        let mut other = BytesMut::new();
        header(&mut other, &[8u8; 16], KIND_APPLIED, 1);
        other.put_slice(&[0u8; 16]);
        assert_eq!(decode(&token, &other), None);
        let mut truncated = BytesMut::new();
        header(&mut truncated, &token, KIND_SAMPLE, 0);
        truncated.put_u16(3);
        truncated.put_f64(1.0);
        assert_eq!(decode(&token, &truncated), None);
    }

    #[test]
    fn applied_and_sample_decode() {
        let token = [1u8; 16];
        let mut b = BytesMut::new();
        header(&mut b, &token, KIND_APPLIED, 42);
        b.put_f64(0.001);
        b.put_u32(10);
        b.put_u32(2);
        b.put_slice(br#"[["Hips.rotateX","locked"]]"#);
        assert_eq!(
            decode(&token, &b),
            Some(FromMaya::Applied {
                seq: 42,
                main_thread_s: 0.001,
                applied: 10,
                superseded: 2,
                failures: vec![("Hips.rotateX".into(), "locked".into())],
            })
        );
        let mut s = BytesMut::new();
        header(&mut s, &token, KIND_SAMPLE, 0);
        s.put_u16(1);
        (0..6).for_each(|i| s.put_f64(i as f64));
        assert_eq!(
            decode(&token, &s),
            Some(FromMaya::Sample(vec![[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]]))
        );
    }

    #[test]
    fn scene_decodes_with_its_name_untitled_too() {
        let token = [2u8; 16];
        assert_eq!(
            decode(&token, &encode_scene(&token, "shot_010.ma")),
            Some(FromMaya::Scene("shot_010.ma".into()))
        );
        assert_eq!(
            decode(&token, &encode_scene(&token, "")),
            Some(FromMaya::Scene(String::new()))
        );
        assert_eq!(decode(&[9u8; 16], &encode_scene(&token, "x")), None);
    }

    #[test]
    fn what_the_app_sends_decodes_on_mayas_side() {
        let token = [3u8; 16];
        let entries = vec![
            PoseEntry {
                index: 0,
                mask: ROTATE | TRANSLATE,
                rotate: [1.0, 2.0, 3.0],
                translate: [4.0, 5.0, 6.0],
            },
            PoseEntry {
                index: 7,
                mask: 0b000_010,
                rotate: [0.0, -9.5, 0.0],
                translate: [0.0; 3],
            },
        ];
        let pose = encode_pose(&token, 9, &entries);
        assert_eq!(
            decode_to_maya(&token, &pose),
            Some(ToMaya::Pose { seq: 9, entries })
        );
        assert_eq!(decode_to_maya(&[4u8; 16], &pose), None, "another token");
        assert_eq!(
            decode_to_maya(&token, &pose[..pose.len() - 1]),
            Some(ToMaya::Unreadable),
            "truncated: unread, but ours"
        );
        assert_eq!(
            decode_to_maya(&token, &encode_keepalive(&token)),
            Some(ToMaya::Keepalive)
        );
        assert_eq!(decode_to_maya(&token, b"MLL1"), None);
        // Maya's answers decode on the app's side.
        let fail = vec![("Hips.rotate".to_string(), "locked".to_string())];
        assert_eq!(
            decode(&token, &encode_applied(&token, 5, 0.5, 3, 1, &fail)),
            Some(FromMaya::Applied {
                seq: 5,
                main_thread_s: 0.5,
                applied: 3,
                superseded: 1,
                failures: fail,
            })
        );
        assert_eq!(
            decode(&token, &encode_applied(&token, 6, 0.0, 4, 1, &[])),
            Some(FromMaya::Applied {
                seq: 6,
                main_thread_s: 0.0,
                applied: 4,
                superseded: 1,
                failures: vec![],
            })
        );
        let values = vec![[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; 2];
        assert_eq!(
            decode(&token, &encode_sample(&token, &values)),
            Some(FromMaya::Sample(values))
        );
    }
}
