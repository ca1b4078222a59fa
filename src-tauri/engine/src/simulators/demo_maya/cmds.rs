//! The `maya.cmds` functions Demo Maya simulates, on its fake [`Scene`]. Flags
//! take Maya's long or short names; an unknown flag is Maya's `TypeError:
//! Invalid flag`, an unknown command a `DemoLimitation`.

use super::interpreter::Ctx;
use super::scene::{Attr, NodeKind, Scene, VecAttr};
use super::value::{PyError, Value};

/// What `cmds.about(version=True)` answers.
pub const MAYA_VERSION: &str = "2025";

/// Every command Demo Maya knows, for its "what can I try" hints.
pub const SIMULATED: &[&str] = &[
    "about",
    "polySphere",
    "polyCube",
    "polyCylinder",
    "polyCone",
    "polyPlane",
    "polyTorus",
    "spaceLocator",
    "joint",
    "ls",
    "select",
    "delete",
    "objExists",
    "nodeType",
    "file",
    "warning",
    "error",
    "getAttr",
    "setAttr",
    "listRelatives",
];

/// Validated keyword flags, stored under their long names.
struct Flags(Vec<(&'static str, Value)>);

impl Flags {
    fn parse(
        kwargs: Vec<(String, Value)>,
        known: &[(&'static str, &'static str)],
    ) -> Result<Self, PyError> {
        let mut out = Vec::with_capacity(kwargs.len());
        for (k, v) in kwargs {
            match known.iter().find(|(long, short)| *long == k || *short == k) {
                Some((long, _)) => out.push((*long, v)),
                None => return Err(PyError::type_error(format!("Invalid flag '{k}'"))),
            }
        }
        Ok(Self(out))
    }
    fn get(&self, long: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == long).map(|(_, v)| v)
    }
    fn on(&self, long: &str) -> bool {
        self.get(long).map(Value::truthy).unwrap_or(false)
    }
    fn string(&self, long: &str) -> Result<Option<String>, PyError> {
        match self.get(long) {
            None => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.clone())),
            Some(v) => Err(PyError::type_error(format!(
                "Invalid argument for flag '{long}': expected a string, got {}",
                v.repr()
            ))),
        }
    }
    fn vector(&self, long: &str) -> Result<Option<[f64; 3]>, PyError> {
        self.get(long).map(|v| vector3(v, long)).transpose()
    }
}

fn vector3(v: &Value, what: &str) -> Result<[f64; 3], PyError> {
    let bad = || {
        PyError::type_error(format!("Invalid arguments for flag '{what}'. Expected ( distance, distance, distance ), got {}", v.repr()))
    };
    let items = v.items().ok_or_else(bad)?;
    match items {
        [a, b, c] => Ok([
            a.as_f64().ok_or_else(bad)?,
            b.as_f64().ok_or_else(bad)?,
            c.as_f64().ok_or_else(bad)?,
        ]),
        _ => Err(bad()),
    }
}

/// Object names from positional arguments: strings or lists of strings.
fn names(args: &[Value]) -> Result<Vec<String>, PyError> {
    let mut out = Vec::new();
    for a in args {
        match a {
            Value::Str(s) => out.push(s.clone()),
            Value::List(v) | Value::Tuple(v) => out.extend(names(v)?),
            v => {
                return Err(PyError::type_error(format!(
                    "Object {} is invalid",
                    v.repr()
                )))
            }
        }
    }
    Ok(out)
}

fn no_match(name: &str) -> PyError {
    PyError::value_error(format!("No object matches name: {name}"))
}

fn str_list(v: Vec<String>) -> Value {
    Value::List(v.into_iter().map(Value::Str).collect())
}

/// Patterns (with `*`) expanded to existing names; plain names must exist.
fn resolve(scene: &Scene, wanted: &[String]) -> Result<Vec<String>, PyError> {
    let mut out = Vec::new();
    for w in wanted {
        let hits = if w.contains('*') || w.contains('?') {
            scene.ls(std::slice::from_ref(w), None)
        } else {
            vec![w.clone()]
        };
        if hits.is_empty() || hits.iter().any(|h| !scene.exists(h)) {
            return Err(no_match(w));
        }
        for h in hits {
            if !out.contains(&h) {
                out.push(h);
            }
        }
    }
    Ok(out)
}

const POLY: &[(&str, &str)] = &[
    ("name", "n"),
    ("radius", "r"),
    ("width", "w"),
    ("height", "h"),
    ("depth", "d"),
    ("subdivisionsX", "sx"),
    ("subdivisionsY", "sy"),
    ("subdivisionsZ", "sz"),
    ("subdivisionsAxis", "sa"),
    ("subdivisionsHeight", "sh"),
    ("axis", "ax"),
    ("constructionHistory", "ch"),
];

pub fn call(
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
    ctx: &mut Ctx,
) -> Result<Value, PyError> {
    match name {
        "about" => {
            let f = Flags::parse(
                kwargs,
                &[
                    ("version", "v"),
                    ("apiVersion", "api"),
                    ("operatingSystem", "os"),
                    ("product", "p"),
                    ("batch", "b"),
                    ("query", "q"),
                ],
            )?;
            Ok(if f.on("apiVersion") {
                Value::Int(20250000)
            } else if f.on("operatingSystem") {
                Value::Str(
                    if cfg!(windows) {
                        "win64"
                    } else if cfg!(target_os = "macos") {
                        "mac"
                    } else {
                        "linux64"
                    }
                    .into(),
                )
            } else if f.on("product") {
                Value::Str(format!("Maya {MAYA_VERSION}"))
            } else if f.on("batch") {
                Value::Bool(false)
            } else {
                Value::Str(MAYA_VERSION.into())
            })
        }
        "polySphere" | "polyCube" | "polyCylinder" | "polyCone" | "polyPlane" | "polyTorus" => {
            if !args.is_empty() {
                return Err(PyError::limitation(&format!(
                    "editing an existing {name} (cmds.{name} with objects)"
                )));
            }
            let f = Flags::parse(kwargs, POLY)?;
            let n = f.string("name")?;
            let history = f
                .get("constructionHistory")
                .map(Value::truthy)
                .unwrap_or(true);
            Ok(str_list(ctx.scene.create_object(
                name,
                n.as_deref(),
                history,
            )))
        }
        "spaceLocator" => {
            let f = Flags::parse(
                kwargs,
                &[
                    ("name", "n"),
                    ("position", "p"),
                    ("absolute", "a"),
                    ("relative", "r"),
                ],
            )?;
            let n = f.string("name")?;
            let created = ctx.scene.create_object("spaceLocator", n.as_deref(), false);
            if let (Some(p), Some(node)) = (f.vector("position")?, ctx.scene.get_mut(&created[0])) {
                node.translate = p;
            }
            Ok(str_list(created))
        }
        "joint" => {
            let f = Flags::parse(
                kwargs,
                &[
                    ("name", "n"),
                    ("position", "p"),
                    ("absolute", "a"),
                    ("relative", "r"),
                    ("radius", "rad"),
                    ("orientation", "o"),
                ],
            )?;
            let n = f.string("name")?;
            let p = f.vector("position")?.unwrap_or([0.0; 3]);
            let j = ctx.scene.create_joint(n.as_deref(), p);
            if let (Some(o), Some(node)) = (f.vector("orientation")?, ctx.scene.get_mut(&j)) {
                node.joint_orient = o;
            }
            Ok(Value::Str(j))
        }
        "ls" => {
            let f = Flags::parse(
                kwargs,
                &[
                    ("selection", "sl"),
                    ("type", "typ"),
                    ("long", "l"),
                    ("transforms", "tr"),
                    ("shapes", "s"),
                    ("dagObjects", "dag"),
                ],
            )?;
            let patterns = names(&args)?;
            let types: Vec<String> = match f.get("type") {
                None => Vec::new(),
                Some(v @ (Value::Str(_) | Value::List(_) | Value::Tuple(_))) => {
                    names(std::slice::from_ref(v))?
                }
                Some(v) => {
                    return Err(PyError::type_error(format!(
                        "Invalid argument for flag 'type': {}",
                        v.repr()
                    )))
                }
            };
            let mut types = types;
            if f.on("transforms") {
                types.push("transform".into());
            }
            if f.on("shapes") {
                types.push("shape".into());
            }
            let mut out: Vec<String> = if types.is_empty() {
                ctx.scene.ls(&patterns, None)
            } else {
                let mut all = Vec::new();
                for t in &types {
                    for n in ctx.scene.ls(&patterns, Some(t)) {
                        if !all.contains(&n) {
                            all.push(n);
                        }
                    }
                }
                all
            };
            if f.on("selection") {
                let sel = &ctx.scene.selection;
                out = sel.iter().filter(|s| out.contains(s)).cloned().collect();
            }
            Ok(str_list(out))
        }
        "select" => {
            let f = Flags::parse(
                kwargs,
                &[
                    ("clear", "cl"),
                    ("add", "add"),
                    ("deselect", "d"),
                    ("replace", "r"),
                    ("toggle", "tgl"),
                ],
            )?;
            let wanted = resolve(ctx.scene, &names(&args)?)?;
            let sel = &mut ctx.scene.selection;
            if f.on("clear") {
                sel.clear();
            } else if f.on("deselect") {
                sel.retain(|s| !wanted.contains(s));
            } else if f.on("add") || f.on("toggle") {
                for w in wanted {
                    if let Some(i) = sel.iter().position(|s| *s == w) {
                        if f.on("toggle") {
                            sel.remove(i);
                        }
                    } else {
                        sel.push(w);
                    }
                }
            } else {
                *sel = wanted;
            }
            Ok(Value::None)
        }
        "delete" => {
            Flags::parse(kwargs, &[])?;
            let mut doomed = resolve(ctx.scene, &names(&args)?)?;
            if args.is_empty() {
                doomed = ctx.scene.selection.clone();
            }
            if doomed.is_empty() {
                return Err(PyError::new(
                    "RuntimeError",
                    "Not enough objects or values.",
                ));
            }
            ctx.scene.delete(&doomed).map_err(|n| no_match(&n))?;
            Ok(Value::None)
        }
        "objExists" => match (args.as_slice(), kwargs.is_empty()) {
            ([Value::Str(n)], true) => Ok(Value::Bool(ctx.scene.exists(n))),
            _ => Err(PyError::type_error(
                "objExists() takes exactly one object name",
            )),
        },
        "nodeType" => match (args.as_slice(), kwargs.is_empty()) {
            ([Value::Str(n)], true) => match ctx.scene.get(n) {
                Some(node) => Ok(Value::Str(node.kind.type_name().into())),
                None => Err(no_match(n)),
            },
            _ => Err(PyError::type_error(
                "nodeType() takes exactly one object name",
            )),
        },
        "file" => {
            let f = Flags::parse(
                kwargs,
                &[
                    ("query", "q"),
                    ("sceneName", "sn"),
                    ("new", "new"),
                    ("force", "f"),
                    ("rename", "rn"),
                    ("save", "s"),
                    ("open", "o"),
                    ("type", "typ"),
                    ("modified", "mf"),
                ],
            )?;
            if f.on("query") && f.on("sceneName") {
                Ok(Value::Str(ctx.scene.path.clone()))
            } else if f.on("query") && f.on("modified") {
                Ok(Value::Bool(false))
            } else if f.on("new") {
                *ctx.scene = Scene::empty();
                Ok(Value::Str("untitled".into()))
            } else if let Some(path) = f.string("rename")? {
                ctx.scene.path = path.clone();
                Ok(Value::Str(path))
            } else {
                Err(PyError::limitation(
                    "cmds.file with these flags (Demo Maya has no files on disk)",
                ))
            }
        }
        "warning" | "error" => {
            Flags::parse(kwargs, &[("noContext", "n"), ("showLineNumber", "sl")])?;
            let msg = args.iter().map(Value::to_str).collect::<Vec<_>>().join(" ");
            if name == "warning" {
                ctx.emit(3, &format!("Warning: {msg}\n"));
                Ok(Value::None)
            } else {
                ctx.emit(4, &format!("Error: {msg}\n"));
                Err(PyError::new("RuntimeError", msg))
            }
        }
        "getAttr" => {
            Flags::parse(kwargs, &[])?;
            let [Value::Str(plug)] = args.as_slice() else {
                return Err(PyError::type_error(
                    "getAttr() takes one 'node.attribute' string",
                ));
            };
            let (node, attr) = plug_of(ctx.scene, plug)?;
            let n = ctx.scene.get(&node).ok_or_else(|| no_match(plug))?;
            Ok(match attr {
                Attr::Vector(v) => {
                    let x = *vec_of(n, v);
                    Value::List(vec![Value::Tuple(
                        x.iter().map(|f| Value::Float(*f)).collect(),
                    )])
                }
                Attr::Component(v, i) => Value::Float(vec_of(n, v)[i]),
                Attr::RotateOrder => Value::Int(n.rotate_order),
                Attr::Visibility => Value::Bool(n.visibility),
            })
        }
        "setAttr" => {
            Flags::parse(kwargs, &[("type", "typ")])?;
            let Some(Value::Str(plug)) = args.first() else {
                return Err(PyError::type_error(
                    "setAttr() takes a 'node.attribute' string and values",
                ));
            };
            let (node, attr) = plug_of(ctx.scene, plug)?;
            let values: Vec<Value> = match &args[1..] {
                [Value::List(v) | Value::Tuple(v)] => v.clone(),
                rest => rest.to_vec(),
            };
            let nums: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            let wrong = || {
                PyError::new(
                    "RuntimeError",
                    format!("setAttr: wrong number or type of values for '{plug}'"),
                )
            };
            if nums.len() != values.len() {
                return Err(wrong());
            }
            let n = ctx.scene.get_mut(&node).ok_or_else(|| no_match(plug))?;
            match (attr, nums.as_slice()) {
                (Attr::Vector(v), [a, b, c]) => *vec_of_mut(n, v) = [*a, *b, *c],
                (Attr::Component(v, i), [x]) => vec_of_mut(n, v)[i] = *x,
                (Attr::RotateOrder, [x]) if (0.0..=5.0).contains(x) => n.rotate_order = *x as i64,
                (Attr::Visibility, [x]) => n.visibility = *x != 0.0,
                _ => return Err(wrong()),
            }
            Ok(Value::None)
        }
        "listRelatives" => {
            let f = Flags::parse(
                kwargs,
                &[
                    ("parent", "p"),
                    ("children", "c"),
                    ("allDescendents", "ad"),
                    ("shapes", "s"),
                    ("type", "typ"),
                ],
            )?;
            let mut targets = resolve(ctx.scene, &names(&args)?)?;
            if args.is_empty() {
                targets = ctx.scene.selection.clone();
            }
            let mut out: Vec<String> = Vec::new();
            for t in &targets {
                let found = if f.on("parent") {
                    ctx.scene
                        .get(t)
                        .and_then(|n| n.parent.clone())
                        .into_iter()
                        .collect()
                } else if f.on("allDescendents") {
                    ctx.scene.descendants(t)
                } else {
                    ctx.scene.children(t)
                };
                for n in found {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
            let want_type = f.string("type")?;
            out.retain(|n| {
                let kind = ctx
                    .scene
                    .get(n)
                    .map(|n| n.kind)
                    .unwrap_or(NodeKind::Transform);
                (!f.on("shapes") || kind.is_shape())
                    && want_type
                        .as_deref()
                        .map(|t| kind.type_name() == t)
                        .unwrap_or(true)
            });
            // Maya answers None, not [], when there is nothing.
            Ok(if out.is_empty() {
                Value::None
            } else {
                str_list(out)
            })
        }
        other => Err(PyError::limitation(&format!("cmds.{other}()"))),
    }
}

/// `node.attr` → (node, attribute), checked against the scene.
fn plug_of(scene: &Scene, plug: &str) -> Result<(String, Attr), PyError> {
    let (node, attr) = plug.split_once('.').ok_or_else(|| no_match(plug))?;
    let n = scene.get(node).ok_or_else(|| no_match(plug))?;
    let attr = Attr::parse(attr).ok_or_else(|| no_match(plug))?;
    if !n.kind.is_transform() {
        return Err(no_match(plug));
    }
    Ok((node.to_string(), attr))
}

fn vec_of(n: &super::scene::Node, v: VecAttr) -> &[f64; 3] {
    match v {
        VecAttr::Translate => &n.translate,
        VecAttr::Rotate => &n.rotate,
        VecAttr::Scale => &n.scale,
        VecAttr::JointOrient => &n.joint_orient,
        VecAttr::RotateAxis => &n.rotate_axis,
    }
}

fn vec_of_mut(n: &mut super::scene::Node, v: VecAttr) -> &mut [f64; 3] {
    match v {
        VecAttr::Translate => &mut n.translate,
        VecAttr::Rotate => &mut n.rotate,
        VecAttr::Scale => &mut n.scale,
        VecAttr::JointOrient => &mut n.joint_orient,
        VecAttr::RotateAxis => &mut n.rotate_axis,
    }
}
