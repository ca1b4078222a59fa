//! The Python built-ins Demo Maya runs (print, len, str, int, min, sorted…), and the
//! ones it knows exist but does not run, which are a limitation rather than a NameError.

use std::cmp::Ordering;

use super::Eval;
use crate::simulators::demo_maya::access::iterate;
use crate::simulators::demo_maya::ops::{binop, compare, order, overflow};
use crate::simulators::demo_maya::value::{PyError, Value};

/// Python built-ins Demo Maya runs.
pub(super) const BUILTINS: &[&str] = &[
    "print", "len", "str", "repr", "int", "float", "bool", "abs", "round", "min", "max", "sum",
    "list", "sorted",
];

/// Python built-ins it knows exist but does not run (a limitation, not a NameError).
pub(super) const OTHER_BUILTINS: &[&str] = &[
    "range",
    "enumerate",
    "zip",
    "map",
    "filter",
    "open",
    "input",
    "dict",
    "set",
    "tuple",
    "type",
    "isinstance",
    "getattr",
    "setattr",
    "hasattr",
    "exec",
    "eval",
    "compile",
    "__import__",
    "iter",
    "next",
    "reversed",
    "any",
    "all",
    "format",
    "chr",
    "ord",
    "hex",
    "bin",
    "oct",
    "divmod",
    "pow",
    "hash",
    "id",
    "dir",
    "vars",
    "globals",
    "locals",
    "super",
    "object",
    "callable",
    "help",
    "frozenset",
    "bytes",
    "bytearray",
    "slice",
    "complex",
    "exit",
    "quit",
    "Exception",
    "ValueError",
    "RuntimeError",
    "TypeError",
    "KeyError",
    "IndexError",
    "NameError",
    "issubclass",
];

impl Eval<'_, '_, '_> {
    pub(super) fn builtin(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<Value, PyError> {
        if name == "print" {
            let (mut sep, mut end) = (" ".to_string(), "\n".to_string());
            for (k, v) in kwargs {
                let text = match &v {
                    Value::None => None,
                    Value::Str(s) => Some(s.clone()),
                    other => {
                        return Err(PyError::type_error(format!(
                            "{k} must be None or a string, not {}",
                            other.type_name()
                        )))
                    }
                };
                match k.as_str() {
                    "sep" => sep = text.unwrap_or_else(|| " ".into()),
                    "end" => end = text.unwrap_or_else(|| "\n".into()),
                    "flush" => {}
                    "file" => return Err(PyError::limitation("print(file=...)")),
                    _ => {
                        return Err(PyError::type_error(format!(
                            "'{k}' is an invalid keyword argument for print()"
                        )))
                    }
                }
            }
            let text = args
                .iter()
                .map(Value::to_str)
                .collect::<Vec<_>>()
                .join(&sep);
            // Like Maya: the text and the line end arrive as two messages.
            if !text.is_empty() {
                self.ctx.emit(1, &text);
            }
            if !end.is_empty() {
                self.ctx.emit(1, &end);
            }
            return Ok(Value::None);
        }
        if !kwargs.is_empty() && !matches!(name, "round" | "sum") {
            return Err(PyError::type_error(format!(
                "{name}() takes no keyword arguments"
            )));
        }
        let one = |args: &[Value]| -> Result<Value, PyError> {
            match args {
                [v] => Ok(v.clone()),
                _ => Err(PyError::type_error(format!(
                    "{name}() takes exactly one argument ({} given)",
                    args.len()
                ))),
            }
        };
        match name {
            "len" => match one(&args)? {
                Value::Str(s) => Ok(Value::Int(s.chars().count() as i64)),
                Value::List(v) | Value::Tuple(v) => Ok(Value::Int(v.len() as i64)),
                v => Err(PyError::type_error(format!("object of type '{}' has no len()", v.type_name()))),
            },
            "str" if args.is_empty() => Ok(Value::Str(String::new())),
            "str" => Ok(Value::Str(one(&args)?.to_str())),
            "repr" => Ok(Value::Str(one(&args)?.repr())),
            "bool" if args.is_empty() => Ok(Value::Bool(false)),
            "bool" => Ok(Value::Bool(one(&args)?.truthy())),
            "int" if args.is_empty() => Ok(Value::Int(0)),
            "int" => match one(&args)? {
                Value::Bool(b) => Ok(Value::Int(b as i64)),
                v @ Value::Int(_) => Ok(v),
                Value::Float(f) if f.is_finite() && f.abs() < 9.2e18 => Ok(Value::Int(f.trunc() as i64)),
                Value::Float(f) if f.is_nan() => Err(PyError::value_error("cannot convert float NaN to integer")),
                Value::Float(_) => Err(overflow()),
                Value::Str(s) => s
                    .trim()
                    .replace('_', "")
                    .parse::<i64>()
                    .map(Value::Int)
                    .map_err(|_| PyError::value_error(format!("invalid literal for int() with base 10: {}", Value::Str(s).repr()))),
                v => Err(PyError::type_error(format!(
                    "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                    v.type_name()
                ))),
            },
            "float" if args.is_empty() => Ok(Value::Float(0.0)),
            "float" => match one(&args)? {
                Value::Str(s) => {
                    let t = s.trim().to_ascii_lowercase();
                    let parsed = match t.trim_start_matches(['+', '-']) {
                        "inf" | "infinity" | "nan" => t.replace("infinity", "inf").parse::<f64>().ok(),
                        _ => t.parse::<f64>().ok(),
                    };
                    parsed
                        .map(Value::Float)
                        .ok_or_else(|| PyError::value_error(format!("could not convert string to float: {}", Value::Str(s).repr())))
                }
                v => v.as_f64().map(Value::Float).ok_or_else(|| {
                    PyError::type_error(format!("float() argument must be a string or a real number, not '{}'", v.type_name()))
                }),
            },
            "abs" => match one(&args)? {
                Value::Bool(b) => Ok(Value::Int(b as i64)),
                Value::Int(i) => i.checked_abs().map(Value::Int).ok_or_else(overflow),
                Value::Float(f) => Ok(Value::Float(f.abs())),
                v => Err(PyError::type_error(format!("bad operand type for abs(): '{}'", v.type_name()))),
            },
            "round" => {
                let mut args = args;
                for (k, v) in kwargs {
                    match k.as_str() {
                        "ndigits" if args.len() == 1 => args.push(v),
                        _ => return Err(PyError::type_error(format!("'{k}' is an invalid keyword argument for round()"))),
                    }
                }
                match args.as_slice() {
                    [Value::Float(f)] => {
                        let r = f.round_ties_even();
                        if r.is_finite() && r.abs() < 9.2e18 {
                            Ok(Value::Int(r as i64))
                        } else {
                            Err(overflow())
                        }
                    }
                    [v @ (Value::Int(_) | Value::Bool(_))] => Ok(Value::Int(v.as_i64().unwrap_or(0))),
                    [v, Value::None] => self.builtin("round", vec![v.clone()], Vec::new()),
                    [Value::Float(f), n] => {
                        let n = n.as_i64().ok_or_else(|| PyError::type_error("'ndigits' must be an integer"))?;
                        let m = 10f64.powi(n.clamp(-308, 308) as i32);
                        Ok(Value::Float((f * m).round_ties_even() / m))
                    }
                    [v @ (Value::Int(_) | Value::Bool(_)), _] => Ok(Value::Int(v.as_i64().unwrap_or(0))),
                    [v, ..] if args.len() <= 2 => {
                        Err(PyError::type_error(format!("type {} doesn't define __round__ method", v.type_name())))
                    }
                    _ => Err(PyError::type_error(format!("round() takes 1 or 2 arguments ({} given)", args.len()))),
                }
            }
            "min" | "max" => {
                let items = if args.len() == 1 { iterate(&args[0])? } else { args };
                let mut best: Option<Value> = None;
                for v in items {
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let better = if name == "min" { compare("<", &v, &b)? } else { compare(">", &v, &b)? };
                            if better {
                                v
                            } else {
                                b
                            }
                        }
                    });
                }
                best.ok_or_else(|| PyError::value_error(format!("{name}() arg is an empty sequence")))
            }
            "sum" => {
                let mut start = Value::Int(0);
                for (k, v) in kwargs {
                    match k.as_str() {
                        "start" => start = v,
                        _ => return Err(PyError::type_error(format!("'{k}' is an invalid keyword argument for sum()"))),
                    }
                }
                let (items, start) = match args.as_slice() {
                    [it] => (iterate(it)?, start),
                    [it, s] => (iterate(it)?, s.clone()),
                    _ => return Err(PyError::type_error(format!("sum() takes at most 2 arguments ({} given)", args.len()))),
                };
                if matches!(start, Value::Str(_)) {
                    return Err(PyError::type_error("sum() can't sum strings [use ''.join(seq) instead]"));
                }
                items.into_iter().try_fold(start, |acc, v| binop("+", acc, v))
            }
            "list" if args.is_empty() => Ok(Value::List(Vec::new())),
            "list" => Ok(Value::List(iterate(&one(&args)?)?)),
            "sorted" => {
                let mut items = iterate(&one(&args)?)?;
                let mut err = None;
                items.sort_by(|a, b| match order(a, b) {
                    Ok(o) => o.unwrap_or(Ordering::Equal),
                    Err(e) => {
                        err.get_or_insert(e);
                        Ordering::Equal
                    }
                });
                match err {
                    Some(e) => Err(e),
                    None => Ok(Value::List(items)),
                }
            }
            _ => Err(PyError::limitation(&format!("the built-in '{name}'"))),
        }
    }
}
