//! Which Maya node each Mosketch joint drives. Names match when they are equal
//! once Maya's DAG path and namespaces are set aside (`|rig|mixamorig:Hips` is
//! `Hips`); a name two Maya nodes share maps to neither until the artist picks.
//! The artist's overrides win, and are kept per (Maya scene, Mosketch character).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

/// A node Maya listed: its long DAG path and node type (joint or transform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MayaNode {
    pub path: String,
    pub kind: String,
}

/// `|rig|ns:sub:Hips` → `Hips`.
pub fn base_name(path: &str) -> &str {
    let leaf = path.rsplit('|').next().unwrap_or(path);
    leaf.rsplit(':').next().unwrap_or(leaf)
}

/// The artist's choices: Mosketch joint → Maya node path, or `None` for "drive nothing".
pub type Overrides = BTreeMap<String, Option<String>>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MappedPair {
    pub mosketch: String,
    pub maya: String,
    pub kind: String,
    /// The artist chose this pair (rather than the names matching).
    pub overridden: bool,
    /// The Maya node's rotate order, once the link has read it.
    #[serde(default)]
    pub rotate_order: Option<super::euler::RotateOrder>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Ambiguous {
    pub mosketch: String,
    /// Every Maya node the name matched.
    pub candidates: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Mapping {
    pub pairs: Vec<MappedPair>,
    /// Names two or more Maya nodes share: used for neither until the artist picks.
    pub ambiguous: Vec<Ambiguous>,
    /// Mosketch joints with no Maya node (ambiguous ones are listed there instead).
    pub unmapped_mosketch: Vec<String>,
    /// Maya joints no Mosketch joint drives (plain transforms are not listed: scenes
    /// have many that are not part of a rig).
    pub unmapped_maya: Vec<String>,
}

impl Mapping {
    /// Why nothing would move, for the artist; `None` when something is mapped.
    pub fn nothing_mapped(&self, mosketch_joints: usize, maya_nodes: usize) -> Option<String> {
        if !self.pairs.is_empty() {
            return None;
        }
        Some(if mosketch_joints == 0 {
            "Mosketch has not sent its character yet: nothing to map.".to_string()
        } else if maya_nodes == 0 {
            "This Maya scene has no joints or transforms: nothing to map.".to_string()
        } else if !self.ambiguous.is_empty() {
            format!(
                "No joint is mapped: {} names match more than one Maya node; pick them in the mapping table.",
                self.ambiguous.len()
            )
        } else {
            format!(
                "No Mosketch joint matches a Maya node by name ({mosketch_joints} joints, {maya_nodes} nodes): map them by hand in the mapping table."
            )
        })
    }
}

pub fn map(mosketch: &[String], nodes: &[MayaNode], overrides: &Overrides) -> Mapping {
    let mut by_name: HashMap<&str, Vec<&MayaNode>> = HashMap::new();
    for n in nodes {
        by_name.entry(base_name(&n.path)).or_default().push(n);
    }
    let kind_of: HashMap<&str, &str> = nodes
        .iter()
        .map(|n| (n.path.as_str(), n.kind.as_str()))
        .collect();
    let mut out = Mapping::default();
    let mut used: HashMap<&str, ()> = HashMap::new();
    for name in mosketch {
        if let Some(choice) = overrides.get(name) {
            match choice
                .as_deref()
                .and_then(|p| kind_of.get(p).map(|k| (p, *k)))
            {
                Some((path, kind)) => {
                    used.insert(path, ());
                    out.pairs.push(MappedPair {
                        mosketch: name.clone(),
                        maya: path.to_string(),
                        kind: kind.to_string(),
                        overridden: true,
                        rotate_order: None,
                    });
                }
                // "Drive nothing", or a node that is no longer in the scene.
                None => out.unmapped_mosketch.push(name.clone()),
            }
            continue;
        }
        match by_name.get(base_name(name)).map(Vec::as_slice) {
            Some([only]) => {
                used.insert(only.path.as_str(), ());
                out.pairs.push(MappedPair {
                    mosketch: name.clone(),
                    maya: only.path.clone(),
                    kind: only.kind.clone(),
                    overridden: false,
                    rotate_order: None,
                });
            }
            Some(many) if many.len() > 1 => out.ambiguous.push(Ambiguous {
                mosketch: name.clone(),
                candidates: many.iter().map(|n| n.path.clone()).collect(),
            }),
            _ => out.unmapped_mosketch.push(name.clone()),
        }
    }
    // An ambiguous name's candidates are not "unmapped Maya joints": they wait for a pick.
    for a in &out.ambiguous {
        for c in &a.candidates {
            used.insert(c.as_str(), ());
        }
    }
    out.unmapped_maya = nodes
        .iter()
        .filter(|n| n.kind == "joint" && !used.contains_key(n.path.as_str()))
        .map(|n| n.path.clone())
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(path: &str, kind: &str) -> MayaNode {
        MayaNode {
            path: path.into(),
            kind: kind.into(),
        }
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn namespaces_and_dag_paths_are_set_aside() {
        assert_eq!(base_name("|rig|mixamorig:Hips"), "Hips");
        assert_eq!(base_name("a:b:Spine"), "Spine");
        assert_eq!(base_name("Head"), "Head");
        let nodes = [
            node("|rig|mixamorig:Hips", "joint"),
            node("|rig|mixamorig:Hips|mixamorig:Spine", "joint"),
            node("|rig|ctrl_grp", "transform"),
            node("|rig|mixamorig:Hips|mixamorig:Tail", "joint"),
        ];
        let m = map(
            &names(&["Hips", "Spine", "Head"]),
            &nodes,
            &Overrides::new(),
        );
        assert_eq!(m.pairs.len(), 2);
        assert_eq!(m.pairs[0].maya, "|rig|mixamorig:Hips");
        assert_eq!(m.unmapped_mosketch, names(&["Head"]));
        assert_eq!(
            m.unmapped_maya,
            names(&["|rig|mixamorig:Hips|mixamorig:Tail"])
        );
        assert_eq!(m.nothing_mapped(3, 4), None);
    }

    #[test]
    fn a_name_two_nodes_share_maps_to_neither_until_the_artist_picks() {
        let nodes = [node("|a:Hips", "joint"), node("|b:Hips", "joint")];
        let m = map(&names(&["Hips"]), &nodes, &Overrides::new());
        assert!(m.pairs.is_empty());
        assert_eq!(m.ambiguous[0].candidates, names(&["|a:Hips", "|b:Hips"]));
        assert!(m.unmapped_maya.is_empty());
        assert!(m.nothing_mapped(1, 2).unwrap().contains("more than one"));
        let picked = Overrides::from([("Hips".to_string(), Some("|b:Hips".to_string()))]);
        let m = map(&names(&["Hips"]), &nodes, &picked);
        assert_eq!(m.pairs[0].maya, "|b:Hips");
        assert!(m.pairs[0].overridden);
        assert_eq!(m.unmapped_maya, names(&["|a:Hips"]));
    }

    #[test]
    fn overrides_can_unmap_and_stale_ones_are_unmapped() {
        let nodes = [node("|Hips", "joint"), node("|Root", "joint")];
        let o = Overrides::from([
            ("Hips".to_string(), None),
            ("Spine".to_string(), Some("|Gone".to_string())),
            ("Pelvis".to_string(), Some("|Root".to_string())),
        ]);
        let m = map(&names(&["Hips", "Spine", "Pelvis"]), &nodes, &o);
        assert_eq!(m.pairs.len(), 1);
        assert_eq!(m.pairs[0].mosketch, "Pelvis");
        assert_eq!(m.unmapped_mosketch, names(&["Hips", "Spine"]));
    }

    #[test]
    fn nothing_mapped_says_why() {
        let m = map(&names(&["A"]), &[node("|B", "joint")], &Overrides::new());
        assert!(m.nothing_mapped(1, 1).unwrap().contains("by hand"));
        assert!(Mapping::default()
            .nothing_mapped(0, 5)
            .unwrap()
            .contains("not sent"));
        assert!(Mapping::default()
            .nothing_mapped(5, 0)
            .unwrap()
            .contains("no joints"));
    }
}
