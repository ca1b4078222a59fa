//! Values of Demo Maya's tiny Python, with Python's `repr`/`str`, truthiness and
//! errors.

use std::fmt::Write as _;

/// The largest string or list a run may build (a runaway `"x" * 10**9` is a MemoryError).
pub const MAX_SIZE: usize = 64 << 20;
/// The most items (counted through nested lists) a list or tuple may have.
pub const MAX_ITEMS: usize = 1 << 20;
/// The deepest list nesting (deeper values would make repr and drop recurse too far).
pub const MAX_NESTING: usize = 100;

/// Checks that a value is small enough to keep: items, nesting and text bytes,
/// counted without recursion. A runaway `x = [x, x]` ends in MemoryError.
pub fn check_size(v: &Value) -> Result<(), PyError> {
    let (mut nodes, mut bytes) = (0usize, 0usize);
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        nodes += 1;
        if let Value::Str(s) = v {
            bytes += s.len();
        }
        if nodes > MAX_ITEMS || bytes > MAX_SIZE {
            return Err(PyError::new("MemoryError", ""));
        }
        if depth > MAX_NESTING {
            return Err(PyError::limitation("lists nested more than 100 deep"));
        }
        if let Some(items) = v.items() {
            stack.extend(items.iter().map(|i| (i, depth + 1)));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    /// An imported module, by dotted name (`maya.cmds`).
    Module(String),
    Func(Func),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Func {
    /// A Python built-in (`print`, `len`…).
    Builtin(&'static str),
    /// `maya.cmds.<name>`.
    Cmds(String),
    /// `maya.mel.<name>` (only `eval` works).
    Mel(String),
    /// A bound method of a value (`"a b".split`).
    Method(Box<Value>, String),
}

/// A Python exception: its type name and `str(exc)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PyError {
    pub kind: String,
    pub message: String,
}

/// The type Demo Maya uses for "this is valid Python, but the demo does not simulate it".
pub const LIMITATION: &str = "DemoLimitation";

impl PyError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_string(),
            message: message.into(),
        }
    }
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new("TypeError", message)
    }
    pub fn value_error(message: impl Into<String>) -> Self {
        Self::new("ValueError", message)
    }
    pub fn name_error(name: &str) -> Self {
        Self::new("NameError", format!("name '{name}' is not defined"))
    }
    /// Valid Python the demo does not run: says so, and what to do instead.
    pub fn limitation(what: &str) -> Self {
        Self::new(LIMITATION, limitation_message(what))
    }
}

pub fn limitation_message(what: &str) -> String {
    format!(
        "Demo Maya runs only simple code (print, variables, arithmetic, strings, lists and a few cmds calls); \
         {what} is not simulated. Connect a real Maya to run everything."
    )
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Module(_) => "module",
            Value::Func(Func::Method(..)) => "builtin_function_or_method",
            Value::Func(Func::Builtin(_)) => "builtin_function_or_method",
            Value::Func(_) => "function",
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(v) | Value::Tuple(v) => !v.is_empty(),
            Value::Module(_) | Value::Func(_) => true,
        }
    }

    /// Python's `str(x)`.
    pub fn to_str(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            other => other.repr(),
        }
    }

    /// Python's `repr(x)`.
    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&float_repr(*f)),
            Value::Str(s) => out.push_str(&str_repr(s)),
            Value::List(items) => {
                out.push('[');
                for (k, v) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out);
                }
                out.push(']');
            }
            Value::Tuple(items) => {
                out.push('(');
                for (k, v) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    v.write_repr(out);
                }
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::Module(m) => {
                let _ = write!(out, "<module '{m}'>");
            }
            Value::Func(Func::Builtin(n)) => {
                let _ = write!(out, "<built-in function {n}>");
            }
            Value::Func(Func::Cmds(n)) => {
                let _ = write!(out, "<function {n}>");
            }
            Value::Func(Func::Mel(n)) => {
                let _ = write!(out, "<function {n}>");
            }
            Value::Func(Func::Method(v, n)) => {
                let _ = write!(out, "<built-in method {n} of {} object>", v.type_name());
            }
        }
    }

    /// The number as f64, for int, bool and float.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(*b as i64 as f64),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The integer, for int and bool.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Bool(b) => Some(*b as i64),
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// List or tuple items.
    pub fn items(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// JSON for the helper's replies (cmds results are plain data).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Value::None => json!(null),
            Value::Bool(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Float(f) => json!(f),
            Value::Str(s) => json!(s),
            Value::List(v) | Value::Tuple(v) => {
                serde_json::Value::Array(v.iter().map(Value::to_json).collect())
            }
            other => json!(other.repr()),
        }
    }
}

/// Python's float repr: shortest round-trip digits, `1.0`, `1e+16`, `1.5e-05`, `inf`, `nan`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Rust: "1.5e-5" → Python: "1.5e-05"
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mant}e{sign}{digits:0>2}");
    }
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Python's str repr: single quotes unless the text has ' and no ".
pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprs_match_python() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(-2.5), "-2.5");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a'\"b\n"), "'a\\'\"b\\n'");
        assert_eq!(Value::Tuple(vec![Value::Int(1)]).repr(), "(1,)");
        assert_eq!(
            Value::List(vec![Value::Str("pSphere1".into()), Value::None]).repr(),
            "['pSphere1', None]"
        );
    }
}
