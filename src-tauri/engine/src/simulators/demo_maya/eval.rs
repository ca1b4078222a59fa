//! The evaluator of Demo Maya's tiny Python: statements, expressions, built-ins,
//! str methods, and the calls into `maya.cmds` and `maya.mel`.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::interpreter::Ctx;
use super::ops::{binop, compare, format_spec, memory_check, order, overflow, sized};
use super::parser::{Expr, FPart, Post, Stmt};
use super::value::{Func, PyError, Value};
use super::{cmds, mel};

pub(super) struct Eval<'g, 'c, 'x> {
    pub(super) globals: &'g mut HashMap<String, Value>,
    pub(super) ctx: &'c mut Ctx<'x>,
}

/// Python built-ins Demo Maya runs.
const BUILTINS: &[&str] = &[
    "print", "len", "str", "repr", "int", "float", "bool", "abs", "round", "min", "max", "sum",
    "list", "sorted",
];

/// Python built-ins it knows exist but does not run (a limitation, not a NameError).
const OTHER_BUILTINS: &[&str] = &[
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
    pub(super) fn exec(&mut self, stmt: &Stmt) -> Result<Value, PyError> {
        match stmt {
            Stmt::Pass => Ok(Value::None),
            Stmt::Expr(e) => self.eval(e),
            Stmt::Assign(targets, e) => {
                let v = self.eval(e)?;
                for t in targets {
                    self.globals.insert(t.clone(), v.clone());
                }
                Ok(Value::None)
            }
            Stmt::AugAssign(name, op, e) => {
                let cur = self.lookup(name)?;
                let rhs = self.eval(e)?;
                let v = binop(op, cur, rhs)?;
                self.globals.insert(name.clone(), v);
                Ok(Value::None)
            }
            Stmt::Import(binds) => {
                for (name, module) in binds {
                    self.globals
                        .insert(name.clone(), Value::Module(module.clone()));
                }
                Ok(Value::None)
            }
        }
    }

    fn lookup(&self, name: &str) -> Result<Value, PyError> {
        if let Some(v) = self.globals.get(name) {
            return Ok(v.clone());
        }
        if let Some(b) = BUILTINS.iter().find(|b| **b == name) {
            return Ok(Value::Func(Func::Builtin(b)));
        }
        if OTHER_BUILTINS.contains(&name) {
            return Err(PyError::limitation(&format!("the built-in '{name}'")));
        }
        Err(PyError::name_error(name))
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, PyError> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Name(n) => self.lookup(n),
            Expr::List(items) => sized(Value::List(self.eval_all(items)?)),
            Expr::Tuple(items) => sized(Value::Tuple(self.eval_all(items)?)),
            Expr::FStr(parts) => {
                let mut s = String::new();
                for part in parts {
                    match part {
                        FPart::Lit(l) => s.push_str(l),
                        FPart::Expr(e, conv, spec) => {
                            let v = self.eval(e)?;
                            let v = match conv {
                                Some('r' | 'a') => Value::Str(v.repr()),
                                Some(_) => Value::Str(v.to_str()),
                                None => v,
                            };
                            s.push_str(&format_spec(&v, spec)?);
                        }
                    }
                    memory_check(s.len())?;
                }
                Ok(Value::Str(s))
            }
            Expr::Chain(first, rest) => {
                let mut acc = self.eval(first)?;
                for (op, e) in rest {
                    let rhs = self.eval(e)?;
                    acc = binop(op, acc, rhs)?;
                }
                Ok(acc)
            }
            Expr::Neg(e) => match self.eval(e)? {
                Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
                Value::Bool(b) => Ok(Value::Int(-(b as i64))),
                Value::Float(f) => Ok(Value::Float(-f)),
                v => Err(PyError::type_error(format!(
                    "bad operand type for unary -: '{}'",
                    v.type_name()
                ))),
            },
            Expr::Pos(e) => match self.eval(e)? {
                Value::Bool(b) => Ok(Value::Int(b as i64)),
                v @ (Value::Int(_) | Value::Float(_)) => Ok(v),
                v => Err(PyError::type_error(format!(
                    "bad operand type for unary +: '{}'",
                    v.type_name()
                ))),
            },
            Expr::Power(a, b) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                binop("**", a, b)
            }
            Expr::Not(e) => Ok(Value::Bool(!self.eval(e)?.truthy())),
            Expr::And(items) => {
                let mut v = Value::None;
                for e in items {
                    v = self.eval(e)?;
                    if !v.truthy() {
                        break;
                    }
                }
                Ok(v)
            }
            Expr::Or(items) => {
                let mut v = Value::None;
                for e in items {
                    v = self.eval(e)?;
                    if v.truthy() {
                        break;
                    }
                }
                Ok(v)
            }
            Expr::Compare(first, rest) => {
                let mut left = self.eval(first)?;
                for (op, e) in rest {
                    let right = self.eval(e)?;
                    if !compare(op, &left, &right)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Ok(Value::Bool(true))
            }
            Expr::Postfix(base, posts) => self.eval_postfix(base, posts),
        }
    }

    fn eval_all(&mut self, items: &[Expr]) -> Result<Vec<Value>, PyError> {
        items.iter().map(|e| self.eval(e)).collect()
    }

    fn eval_postfix(&mut self, base: &Expr, posts: &[Post]) -> Result<Value, PyError> {
        // `name.append(x)` / `name.extend(xs)` mutate the variable in place.
        if let (Expr::Name(n), [Post::Attr(m), Post::Call(args, kwargs)]) = (base, posts) {
            if matches!(m.as_str(), "append" | "extend")
                && matches!(self.globals.get(n), Some(Value::List(_)))
            {
                let args = self.eval_all(args)?;
                if !kwargs.is_empty() || args.len() != 1 {
                    return Err(PyError::type_error(format!(
                        "list.{m}() takes exactly one argument ({} given)",
                        args.len()
                    )));
                }
                let arg = args.into_iter().next().unwrap_or(Value::None);
                let extra = match (m.as_str(), arg) {
                    ("append", v) => vec![v],
                    (_, Value::List(v) | Value::Tuple(v)) => v,
                    (_, Value::Str(s)) => s.chars().map(|c| Value::Str(c.to_string())).collect(),
                    (_, v) => {
                        return Err(PyError::type_error(format!(
                            "'{}' object is not iterable",
                            v.type_name()
                        )))
                    }
                };
                if let Some(Value::List(list)) = self.globals.get(n) {
                    let mut grown = list.clone();
                    grown.extend(extra);
                    let grown = sized(Value::List(grown))?;
                    self.globals.insert(n.clone(), grown);
                }
                return Ok(Value::None);
            }
        }
        let mut v = self.eval(base)?;
        for post in posts {
            v = match post {
                Post::Attr(a) => getattr(v, a)?,
                Post::Call(args, kwargs) => {
                    let args = self.eval_all(args)?;
                    let mut kw = Vec::with_capacity(kwargs.len());
                    for (k, e) in kwargs {
                        kw.push((k.clone(), self.eval(e)?));
                    }
                    self.call(v, args, kw)?
                }
                Post::Index(i) => {
                    let i = self.eval(i)?;
                    index(v, i)?
                }
                Post::Slice(a, b) => {
                    let a = a.as_ref().map(|e| self.eval(e)).transpose()?;
                    let b = b.as_ref().map(|e| self.eval(e)).transpose()?;
                    slice(v, a, b)?
                }
            };
        }
        Ok(v)
    }

    fn call(
        &mut self,
        f: Value,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<Value, PyError> {
        match f {
            Value::Func(Func::Builtin(name)) => self.builtin(name, args, kwargs),
            Value::Func(Func::Cmds(name)) => cmds::call(&name, args, kwargs, self.ctx),
            Value::Func(Func::Mel(name)) if name == "eval" => {
                let code = match (args.as_slice(), kwargs.is_empty()) {
                    ([Value::Str(s)], true) => s.clone(),
                    _ => {
                        return Err(PyError::type_error(
                            "mel.eval() takes exactly one string argument",
                        ))
                    }
                };
                mel::eval_from_python(&code, self.ctx)
            }
            Value::Func(Func::Mel(name)) => Err(PyError::limitation(&format!("maya.mel.{name}"))),
            Value::Func(Func::Method(recv, name)) => str_method(&recv, &name, args, kwargs),
            Value::Module(m) if m.starts_with("maya") => {
                Err(PyError::limitation(&format!("{m}()")))
            }
            other => Err(PyError::type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    fn builtin(
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

fn iterate(v: &Value) -> Result<Vec<Value>, PyError> {
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

fn getattr(v: Value, a: &str) -> Result<Value, PyError> {
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

fn str_method(
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

fn index(v: Value, i: Value) -> Result<Value, PyError> {
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

fn slice(v: Value, a: Option<Value>, b: Option<Value>) -> Result<Value, PyError> {
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
