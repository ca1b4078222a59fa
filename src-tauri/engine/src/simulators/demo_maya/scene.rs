//! Demo Maya's fake scene: a handful of named nodes (cameras, a ground plane and the
//! simulated Mosketch's 65-joint Mixamo-style humanoid), a selection, and Maya's naming rules (unique
//! short names, `pSphere1`, `pSphereShape1`, `ball` → `ball1`). Enough for the
//! few `cmds` calls Demo Maya simulates and for the helper's `skeleton` query.

use std::sync::OnceLock;

use glam::DQuat;
use serde_json::{json, Value as Json};

use crate::link::euler::{self, RotateOrder};
use crate::simulators::mosketch::{Character, CharacterKind};

/// The scene Demo Maya pretends to have open.
pub const DEMO_SCENE_PATH: &str = "/projects/demo/scenes/walk_cycle.ma";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Transform,
    Joint,
    Mesh,
    Locator,
    Camera,
    /// A construction-history node such as `polySphere1`; the payload is its type.
    History(&'static str),
}

impl NodeKind {
    /// Maya's node type name, as `cmds.ls(type=...)` and `nodeType` use it.
    pub fn type_name(self) -> &'static str {
        match self {
            NodeKind::Transform => "transform",
            NodeKind::Joint => "joint",
            NodeKind::Mesh => "mesh",
            NodeKind::Locator => "locator",
            NodeKind::Camera => "camera",
            NodeKind::History(t) => t,
        }
    }

    /// Has translate/rotate/scale (a DAG transform; joints are transforms too).
    pub fn is_transform(self) -> bool {
        matches!(self, NodeKind::Transform | NodeKind::Joint)
    }

    pub fn is_shape(self) -> bool {
        matches!(self, NodeKind::Mesh | NodeKind::Locator | NodeKind::Camera)
    }

    /// `ls(type=t)` matching: a joint is also a "transform", shapes are "shape".
    fn is_a(self, t: &str) -> bool {
        self.type_name() == t
            || (t == "transform" && self.is_transform())
            || (t == "shape" && self.is_shape())
            || (t == "dagNode" && !matches!(self, NodeKind::History(_)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub kind: NodeKind,
    pub parent: Option<String>,
    pub translate: [f64; 3],
    pub rotate: [f64; 3],
    pub scale: [f64; 3],
    pub joint_orient: [f64; 3],
    pub rotate_axis: [f64; 3],
    pub rotate_order: i64,
    pub visibility: bool,
}

impl Node {
    fn new(name: &str, kind: NodeKind, parent: Option<&str>) -> Self {
        Self {
            name: name.to_string(),
            kind,
            parent: parent.map(str::to_string),
            translate: [0.0; 3],
            rotate: [0.0; 3],
            scale: [1.0; 3],
            joint_orient: [0.0; 3],
            rotate_axis: [0.0; 3],
            rotate_order: 0,
            visibility: true,
        }
    }
}

/// A numeric attribute of a node: a vector (`translate`), one component (`tx`)
/// or a scalar (`rotateOrder`, `visibility`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attr {
    Vector(VecAttr),
    Component(VecAttr, usize),
    RotateOrder,
    Visibility,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VecAttr {
    Translate,
    Rotate,
    Scale,
    JointOrient,
    RotateAxis,
}

impl Attr {
    pub fn parse(name: &str) -> Option<Attr> {
        let vec = |n: &str| match n {
            "translate" | "t" => Some(VecAttr::Translate),
            "rotate" | "r" => Some(VecAttr::Rotate),
            "scale" | "s" => Some(VecAttr::Scale),
            "jointOrient" | "jo" => Some(VecAttr::JointOrient),
            "rotateAxis" | "ra" => Some(VecAttr::RotateAxis),
            _ => None,
        };
        if let Some(v) = vec(name) {
            return Some(Attr::Vector(v));
        }
        match name {
            "rotateOrder" | "ro" => return Some(Attr::RotateOrder),
            "visibility" | "v" => return Some(Attr::Visibility),
            _ => {}
        }
        // tx / translateX / jointOrientZ …
        let (base, axis) = name.split_at(name.len().checked_sub(1)?);
        let i = match axis {
            "x" | "X" => 0,
            "y" | "Y" => 1,
            "z" | "Z" => 2,
            _ => return None,
        };
        vec(base).map(|v| Attr::Component(v, i))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Empty for an untitled scene.
    pub path: String,
    nodes: Vec<Node>,
    pub selection: Vec<String>,
}

impl Default for Scene {
    fn default() -> Self {
        Self::demo()
    }
}

/// One joint of the demo rig.
struct RigJoint {
    name: String,
    parent: Option<String>,
    /// Rest offset from the parent, in centimetres.
    translate: [f64; 3],
    /// Degrees, xyz.
    joint_orient: [f64; 3],
}

/// The demo rig is the simulated Mosketch's humanoid (65 Mixamo-style joints): same
/// names, parents, rest offsets and orientations, so the live link maps every joint.
fn rig() -> &'static [RigJoint] {
    static RIG: OnceLock<Vec<RigJoint>> = OnceLock::new();
    RIG.get_or_init(|| {
        // Metres → centimetres, without float dust (0.07 × 100 is 7.000000000000001).
        let clean = |v: f64| (v * 1e9).round() / 1e9;
        let character = Character::new(CharacterKind::Humanoid);
        let joints = character.skeleton().joints();
        joints
            .iter()
            .map(|j| RigJoint {
                name: j.name.clone(),
                parent: j.parent.map(|p| joints[p].name.clone()),
                translate: j.offset.map(|v| clean(v * 100.0)),
                joint_orient: euler::from_quat(DQuat::from_array(j.orient), RotateOrder::Xyz, None)
                    .map(|a| clean(a.to_degrees())),
            })
            .collect()
    })
}

impl Scene {
    /// An untitled scene with only Maya's default cameras (`cmds.file(new=True)`).
    pub fn empty() -> Self {
        let mut s = Self {
            path: String::new(),
            nodes: Vec::new(),
            selection: Vec::new(),
        };
        for cam in ["persp", "top", "front", "side"] {
            s.nodes.push(Node::new(cam, NodeKind::Transform, None));
            let shape = format!("{cam}Shape");
            s.nodes.push(Node::new(&shape, NodeKind::Camera, Some(cam)));
        }
        s
    }

    /// The demo scene: cameras, a ground plane and the walk-cycle rig.
    pub fn demo() -> Self {
        let mut s = Self::empty();
        s.path = DEMO_SCENE_PATH.to_string();
        let mut ground = Node::new("ground", NodeKind::Transform, None);
        ground.scale = [20.0, 1.0, 20.0];
        s.nodes.push(ground);
        s.nodes
            .push(Node::new("groundShape", NodeKind::Mesh, Some("ground")));
        s.nodes.push(Node::new(
            "polyPlane1",
            NodeKind::History("polyPlane"),
            None,
        ));
        for r in rig() {
            let mut j = Node::new(&r.name, NodeKind::Joint, r.parent.as_deref());
            j.translate = r.translate;
            j.joint_orient = r.joint_orient;
            s.nodes.push(j);
        }
        s
    }

    pub fn get(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.name == name)
    }

    pub fn exists(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All node names, in creation order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.name.as_str())
    }

    /// `cmds.ls`: names matching any of the patterns (`*` and `?` wildcards;
    /// all nodes if none) and the type, if given.
    pub fn ls(&self, patterns: &[String], type_name: Option<&str>) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| patterns.is_empty() || patterns.iter().any(|p| wildcard(p, &n.name)))
            .filter(|n| type_name.map(|t| n.kind.is_a(t)).unwrap_or(true))
            .map(|n| n.name.clone())
            .collect()
    }

    pub fn children(&self, name: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.parent.as_deref() == Some(name))
            .map(|n| n.name.clone())
            .collect()
    }

    pub fn descendants(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![name.to_string()];
        while let Some(n) = todo.pop() {
            for c in self.children(&n) {
                out.push(c.clone());
                todo.push(c);
            }
        }
        out
    }

    /// A name nobody has yet, following Maya: `wanted` itself if free, else its
    /// trailing digits replaced by the first free number (`ball` → `ball1`).
    pub fn unique_name(&self, wanted: &str) -> String {
        if !wanted.is_empty() && !self.exists(wanted) {
            return wanted.to_string();
        }
        let base = wanted.trim_end_matches(|c: char| c.is_ascii_digit());
        let base = if base.is_empty() { "node" } else { base };
        (1u64..)
            .map(|i| format!("{base}{i}"))
            .find(|n| !self.exists(n))
            .expect("unbounded")
    }

    /// The first free `base1`, `base2`, …
    fn numbered(&self, base: &str) -> String {
        (1u64..)
            .map(|i| format!("{base}{i}"))
            .find(|n| !self.exists(n))
            .expect("unbounded")
    }

    /// Creates a transform with a shape under it (and a history node for
    /// polygons). Returns `[transform, history]` (history only for polygons).
    pub fn create_object(&mut self, kind: &str, name: Option<&str>, history: bool) -> Vec<String> {
        let (default_base, shape_kind, history_type) = match kind {
            "polySphere" => ("pSphere", NodeKind::Mesh, Some("polySphere")),
            "polyCube" => ("pCube", NodeKind::Mesh, Some("polyCube")),
            "polyCylinder" => ("pCylinder", NodeKind::Mesh, Some("polyCylinder")),
            "polyCone" => ("pCone", NodeKind::Mesh, Some("polyCone")),
            "polyPlane" => ("pPlane", NodeKind::Mesh, Some("polyPlane")),
            "polyTorus" => ("pTorus", NodeKind::Mesh, Some("polyTorus")),
            _ => ("locator", NodeKind::Locator, None),
        };
        let transform = match name.filter(|n| !n.is_empty()) {
            Some(n) => self.unique_name(n),
            None => self.numbered(default_base),
        };
        // Maya puts "Shape" before the trailing number: pSphere1 → pSphereShape1.
        let digits = transform.len()
            - transform
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .len();
        let (stem, num) = transform.split_at(transform.len() - digits);
        let shape = self.unique_name(&format!("{stem}Shape{num}"));
        self.nodes
            .push(Node::new(&transform, NodeKind::Transform, None));
        self.nodes
            .push(Node::new(&shape, shape_kind, Some(&transform)));
        let mut out = vec![transform.clone()];
        if let (Some(h), true) = (history_type, history) {
            let hist = self.numbered(h);
            self.nodes
                .push(Node::new(&hist, NodeKind::History(h), None));
            out.push(hist);
        }
        self.selection = vec![transform];
        out
    }

    /// `cmds.joint`: a new joint under the selected joint (if one is selected),
    /// selected afterwards, like Maya.
    pub fn create_joint(&mut self, name: Option<&str>, position: [f64; 3]) -> String {
        let name = match name.filter(|n| !n.is_empty()) {
            Some(n) => self.unique_name(n),
            None => self.numbered("joint"),
        };
        let parent = self
            .selection
            .first()
            .filter(|s| {
                self.get(s)
                    .map(|n| n.kind == NodeKind::Joint)
                    .unwrap_or(false)
            })
            .cloned();
        let mut j = Node::new(&name, NodeKind::Joint, parent.as_deref());
        // Maya's position flag is in world space: store it relative to the parent.
        let origin = parent
            .as_deref()
            .map(|p| self.world_position(p))
            .unwrap_or([0.0; 3]);
        j.translate = [
            position[0] - origin[0],
            position[1] - origin[1],
            position[2] - origin[2],
        ];
        self.nodes.push(j);
        self.selection = vec![name.clone()];
        name
    }

    /// Translation-only world position (the demo ignores parent rotations).
    pub fn world_position(&self, name: &str) -> [f64; 3] {
        let mut p = [0.0; 3];
        let mut cur = self.get(name);
        let mut guard = 0;
        while let Some(n) = cur {
            for (k, v) in p.iter_mut().enumerate() {
                *v += n.translate[k];
            }
            cur = n.parent.as_deref().and_then(|p| self.get(p));
            guard += 1;
            if guard > 10_000 {
                break;
            }
        }
        p
    }

    /// Deletes nodes with everything under them. Returns names that did not exist.
    pub fn delete(&mut self, names: &[String]) -> Result<(), String> {
        if let Some(missing) = names.iter().find(|n| !self.exists(n)) {
            return Err(missing.clone());
        }
        let mut doomed: Vec<String> = Vec::new();
        for n in names {
            doomed.push(n.clone());
            doomed.extend(self.descendants(n));
        }
        self.nodes.retain(|n| !doomed.contains(&n.name));
        self.selection.retain(|s| !doomed.contains(s));
        Ok(())
    }

    /// The helper's `skeleton` op for one name, in helper.py's JSON shape.
    pub fn joint_record(&self, name: &str) -> Json {
        match self.get(name).filter(|n| n.kind.is_transform()) {
            None => json!({"name": name, "found": false}),
            Some(n) => json!({
                "name": n.name,
                "found": true,
                "parent": n.parent,
                "translate": n.translate,
                "jointOrient": n.joint_orient,
                "rotateAxis": n.rotate_axis,
                "rotateOrder": n.rotate_order,
            }),
        }
    }

    /// The names of the demo rig's joints, root first.
    pub fn rig_joint_names() -> Vec<&'static str> {
        rig().iter().map(|j| j.name.as_str()).collect()
    }
}

/// Maya-style wildcard match: `*` any run, `?` one character.
pub fn wildcard(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matcher with backtracking to the last star: linear-ish, no recursion.
    let (mut pi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_mayas_rules() {
        let mut s = Scene::demo();
        assert_eq!(
            s.create_object("polySphere", None, true),
            ["pSphere1", "polySphere1"]
        );
        assert_eq!(
            s.create_object("polySphere", None, true),
            ["pSphere2", "polySphere2"]
        );
        assert!(s.exists("pSphereShape2"));
        assert_eq!(
            s.create_object("polyCube", Some("box"), true),
            ["box", "polyCube1"]
        );
        assert!(s.exists("boxShape"));
        assert_eq!(s.create_object("polyCube", Some("box"), true)[0], "box1");
        assert_eq!(s.create_object("spaceLocator", None, false), ["locator1"]);
    }

    #[test]
    fn joints_chain_under_the_selection() {
        let mut s = Scene::empty();
        let a = s.create_joint(None, [0.0, 10.0, 0.0]);
        let b = s.create_joint(Some("tip"), [0.0, 15.0, 0.0]);
        assert_eq!((a.as_str(), b.as_str()), ("joint1", "tip"));
        assert_eq!(s.get("tip").unwrap().parent.as_deref(), Some("joint1"));
        assert_eq!(s.get("tip").unwrap().translate, [0.0, 5.0, 0.0]);
    }

    #[test]
    fn ls_delete_and_wildcards() {
        let mut s = Scene::demo();
        assert_eq!(s.ls(&["Left*Leg".into()], None), ["LeftUpLeg", "LeftLeg"]);
        assert_eq!(s.ls(&[], Some("camera")).len(), 4);
        assert!(s.ls(&[], Some("transform")).contains(&"Hips".to_string()));
        s.delete(&["LeftUpLeg".into()]).unwrap();
        assert!(!s.exists("LeftToeBase"));
        assert_eq!(s.delete(&["nope".into()]), Err("nope".into()));
        assert!(wildcard("*", ""));
        assert!(wildcard("a?c*", "abcdef"));
        assert!(!wildcard("a*z", "abc"));
    }

    #[test]
    fn skeleton_records() {
        let s = Scene::demo();
        let r = s.joint_record("Spine");
        assert_eq!(r["found"], true);
        assert_eq!(r["parent"], "Hips");
        assert_eq!(r["translate"], json!([0.0, 10.0, 0.0]));
        assert_eq!(s.joint_record("Tail")["found"], false);
        assert_eq!(
            Attr::parse("tx"),
            Some(Attr::Component(VecAttr::Translate, 0))
        );
        assert_eq!(
            Attr::parse("jointOrientZ"),
            Some(Attr::Component(VecAttr::JointOrient, 2))
        );
        assert_eq!(Attr::parse("bogus"), None);
    }

    #[test]
    fn the_rig_is_the_simulated_mosketchs_humanoid() {
        let c = Character::new(CharacterKind::Humanoid);
        let s = Scene::demo();
        let joints = s.ls(&[], Some("joint"));
        assert_eq!(joints, c.names(), "same joints, same order");
        assert_eq!(Scene::rig_joint_names().len(), 65);
        for j in c.skeleton().joints() {
            let n = s.get(&j.name).unwrap();
            assert_eq!(
                n.parent.as_deref(),
                j.parent.map(|p| c.skeleton().joints()[p].name.as_str())
            );
            for k in 0..3 {
                assert!((n.translate[k] - j.offset[k] * 100.0).abs() < 1e-9);
            }
        }
        let arm = s.get("LeftArm").unwrap();
        assert_eq!(arm.parent.as_deref(), Some("LeftShoulder"));
        assert_eq!(arm.translate, [12.0, 0.0, 0.0]);
        assert_eq!(s.get("LeftToeBase").unwrap().translate, [0.0, -7.0, 12.0]);
    }
}
