//! Reading Demo Maya's Python values: iteration, attributes, str methods, indexing and
//! slicing, with Python's errors for what does not apply.

use super::ops::memory_check;
use super::value::{Func, PyError, Value};

pub(super) fn iterate(v: &Value) -> Result<Vec<Value>, PyError> {
    match v {
        Value::List(items) | Value::Tuple(items) => Ok(items.clone()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        v => Err(PyError::type_error(format!(
            "'{}' object is not iterable",
            v.type_name()
        ))),
    }
}

const STR_METHODS: &[&str] = &[
    "upper",
    "lower",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "join",
    "replace",
    "startswith",
    "endswith",
];
const OTHER_STR_METHODS: &[&str] = &[
    "format",
    "count",
    "find",
    "rfind",
    "index",
    "rindex",
    "title",
    "capitalize",
    "zfill",
    "center",
    "ljust",
    "rjust",
    "isdigit",
    "isalpha",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "splitlines",
    "encode",
    "partition",
    "rpartition",
    "rsplit",
    "swapcase",
    "casefold",
    "expandtabs",
    "removeprefix",
    "removesuffix",
    "format_map",
];
const LIST_METHODS: &[&str] = &[
    "append", "extend", "insert", "remove", "pop", "clear", "index", "count", "sort", "reverse",
    "copy",
];

pub(super) fn getattr(v: Value, a: &str) -> Result<Value, PyError> {
    match &v {
        Value::Module(m) => match m.as_str() {
            "maya.cmds" => Ok(Value::Func(Func::Cmds(a.to_string()))),
            "maya.mel" => Ok(Value::Func(Func::Mel(a.to_string()))),
            m if m == "maya" || m.starts_with("maya.") => Ok(Value::Module(format!("{m}.{a}"))),
            m => {
                let root = m.split('.').next().unwrap_or(m);
                Err(PyError::limitation(&format!("the '{root}' module")))
            }
        },
        Value::Str(_) if STR_METHODS.contains(&a) => {
            Ok(Value::Func(Func::Method(Box::new(v), a.to_string())))
        }
        Value::Str(_) if OTHER_STR_METHODS.contains(&a) => {
            Err(PyError::limitation(&format!("str.{a}()")))
        }
        Value::List(_) if LIST_METHODS.contains(&a) => Err(PyError::limitation(&format!(
            "list.{a}() (only name.append(x) and name.extend(xs) on a variable)"
        ))),
        _ => Err(PyError::new(
            "AttributeError",
            format!("'{}' object has no attribute '{a}'", v.type_name()),
        )),
    }
}

pub(super) fn str_method(
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, PyError> {
    let Value::Str(s) = recv else {
        return Err(PyError::type_error("not a str"));
    };
    if !kwargs.is_empty() {
        return Err(PyError::limitation(&format!(
            "keyword arguments to str.{name}()"
        )));
    }
    let arg_str = |i: usize| -> Result<Option<&str>, PyError> {
        match args.get(i) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Str(a)) => Ok(Some(a)),
            Some(v) => Err(PyError::type_error(format!(
                "must be str or None, not {}",
                v.type_name()
            ))),
        }
    };
    let max_args = match name {
        "upper" | "lower" => 0,
        "strip" | "lstrip" | "rstrip" | "split" | "join" | "startswith" | "endswith" => 1,
        _ => 2,
    };
    if args.len() > max_args {
        return Err(PyError::type_error(format!(
            "str.{name}() takes at most {max_args} arguments ({} given)",
            args.len()
        )));
    }
    let s = s.as_str();
    let strip_set =
        |a: Option<&str>| -> Vec<char> { a.map(|a| a.chars().collect()).unwrap_or_default() };
    let stripper = |set: &[char], c: char| {
        if set.is_empty() {
            c.is_whitespace()
        } else {
            set.contains(&c)
        }
    };
    Ok(match name {
        "upper" => Value::Str(s.to_uppercase()),
        "lower" => Value::Str(s.to_lowercase()),
        "strip" => {
            let set = strip_set(arg_str(0)?);
            Value::Str(s.trim_matches(|c| stripper(&set, c)).to_string())
        }
        "lstrip" => {
            let set = strip_set(arg_str(0)?);
            Value::Str(s.trim_start_matches(|c| stripper(&set, c)).to_string())
        }
        "rstrip" => {
            let set = strip_set(arg_str(0)?);
            Value::Str(s.trim_end_matches(|c| stripper(&set, c)).to_string())
        }
        "split" => match arg_str(0)? {
            None => Value::List(s.split_whitespace().map(|p| Value::Str(p.into())).collect()),
            Some("") => return Err(PyError::value_error("empty separator")),
            Some(sep) => Value::List(s.split(sep).map(|p| Value::Str(p.into())).collect()),
        },
        "join" => {
            let items = iterate(args.first().unwrap_or(&Value::None))?;
            let mut parts = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                match v {
                    Value::Str(p) => parts.push(p.as_str()),
                    v => {
                        return Err(PyError::type_error(format!(
                            "sequence item {i}: expected str instance, {} found",
                            v.type_name()
                        )))
                    }
                }
            }
            let joined = parts.join(s);
            memory_check(joined.len())?;
            Value::Str(joined)
        }
        "replace" => match (arg_str(0)?, arg_str(1)?) {
            (Some(a), Some(b)) => {
                let out = s.replace(a, b);
                memory_check(out.len())?;
                Value::Str(out)
            }
            _ => return Err(PyError::type_error("replace expected 2 str arguments")),
        },
        "startswith" | "endswith" => {
            let options: Vec<String> = match args.first() {
                Some(Value::Str(p)) => vec![p.clone()],
                Some(Value::Tuple(ps)) => ps
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect(),
                _ => {
                    return Err(PyError::type_error(format!(
                        "{name} first arg must be str or a tuple of str"
                    )))
                }
            };
            let hit = options.iter().any(|p| {
                if name == "startswith" {
                    s.starts_with(p.as_str())
                } else {
                    s.ends_with(p.as_str())
                }
            });
            Value::Bool(hit)
        }
        other => return Err(PyError::limitation(&format!("str.{other}()"))),
    })
}

fn seq_index(len: usize, i: &Value, what: &str) -> Result<usize, PyError> {
    let i = match i {
        Value::Int(_) | Value::Bool(_) => i.as_i64().unwrap_or(0),
        v => {
            return Err(PyError::type_error(format!(
                "{what} indices must be integers or slices, not {}",
                v.type_name()
            )))
        }
    };
    let idx = if i < 0 { i + len as i64 } else { i };
    if idx < 0 || idx >= len as i64 {
        let name = if what == "string" { "string" } else { what };
        return Err(PyError::new(
            "IndexError",
            format!("{name} index out of range"),
        ));
    }
    Ok(idx as usize)
}

pub(super) fn index(v: Value, i: Value) -> Result<Value, PyError> {
    match v {
        Value::List(items) => Ok(items[seq_index(items.len(), &i, "list")?].clone()),
        Value::Tuple(items) => Ok(items[seq_index(items.len(), &i, "tuple")?].clone()),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::Str(
                chars[seq_index(chars.len(), &i, "string")?].to_string(),
            ))
        }
        v => Err(PyError::type_error(format!(
            "'{}' object is not subscriptable",
            v.type_name()
        ))),
    }
}

pub(super) fn slice(v: Value, a: Option<Value>, b: Option<Value>) -> Result<Value, PyError> {
    let bound = |x: Option<Value>, len: usize, default: usize| -> Result<usize, PyError> {
        match x {
            None | Some(Value::None) => Ok(default),
            Some(v @ (Value::Int(_) | Value::Bool(_))) => {
                let i = v.as_i64().unwrap_or(0);
                let i = if i < 0 {
                    (i + len as i64).max(0)
                } else {
                    i.min(len as i64)
                };
                Ok(i as usize)
            }
            Some(_) => Err(PyError::type_error(
                "slice indices must be integers or None or have an __index__ method",
            )),
        }
    };
    let cut = |len: usize, a: Option<Value>, b: Option<Value>| -> Result<(usize, usize), PyError> {
        let s = bound(a, len, 0)?;
        let e = bound(b, len, len)?;
        Ok((s, e.max(s)))
    };
    match v {
        Value::List(items) => {
            let (s, e) = cut(items.len(), a, b)?;
            Ok(Value::List(items[s..e].to_vec()))
        }
        Value::Tuple(items) => {
            let (s, e) = cut(items.len(), a, b)?;
            Ok(Value::Tuple(items[s..e].to_vec()))
        }
        Value::Str(st) => {
            let chars: Vec<char> = st.chars().collect();
            let (s, e) = cut(chars.len(), a, b)?;
            Ok(Value::Str(chars[s..e].iter().collect()))
        }
        v => Err(PyError::type_error(format!(
            "'{}' object is not subscriptable",
            v.type_name()
        ))),
    }
}
