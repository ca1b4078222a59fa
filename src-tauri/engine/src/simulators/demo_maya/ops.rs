//! Python's operators on Demo Maya's values: arithmetic with Python's rules
//! (floor division, int overflow as a limitation), comparisons, `%`-formatting
//! and f-string format specs, and the size limits that keep runs from eating memory.

use std::cmp::Ordering;

use super::value::{check_size, PyError, Value, MAX_ITEMS, MAX_SIZE};

pub(super) fn overflow() -> PyError {
    PyError::limitation("integers beyond 64 bits")
}

pub(super) fn memory_check(len: usize) -> Result<(), PyError> {
    if len > MAX_SIZE {
        Err(PyError::new("MemoryError", ""))
    } else {
        Ok(())
    }
}

pub(super) fn sized(v: Value) -> Result<Value, PyError> {
    check_size(&v)?;
    Ok(v)
}

pub(super) fn items_check(len: usize) -> Result<(), PyError> {
    if len > MAX_ITEMS {
        Err(PyError::new("MemoryError", ""))
    } else {
        Ok(())
    }
}

/// `a <op> b` for + - * / // % **.
pub(super) fn binop(op: &str, a: Value, b: Value) -> Result<Value, PyError> {
    use Value::*;
    let unsupported = |a: &Value, b: &Value| {
        let shown = if op == "**" { "** or pow()" } else { op };
        PyError::type_error(format!(
            "unsupported operand type(s) for {shown}: '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ))
    };
    let repeat_count = |n: &Value| n.as_i64().map(|n| n.max(0) as usize);
    match (op, &a, &b) {
        ("+", Str(x), Str(y)) => {
            memory_check(x.len() + y.len())?;
            Ok(Str(format!("{x}{y}")))
        }
        ("+", List(x), List(y)) => {
            items_check(x.len() + y.len())?;
            sized(List(x.iter().chain(y).cloned().collect()))
        }
        ("+", Tuple(x), Tuple(y)) => {
            items_check(x.len() + y.len())?;
            sized(Tuple(x.iter().chain(y).cloned().collect()))
        }
        ("+", Str(_) | List(_) | Tuple(_), other) => Err(PyError::type_error(format!(
            "can only concatenate {} (not \"{}\") to {}",
            a.type_name(),
            other.type_name(),
            a.type_name()
        ))),
        ("*", Str(s), Int(_) | Bool(_)) | ("*", Int(_) | Bool(_), Str(s)) => {
            let n = repeat_count(if matches!(a, Str(_)) { &b } else { &a }).unwrap_or(0);
            memory_check(s.len().saturating_mul(n))?;
            Ok(Str(s.repeat(n)))
        }
        ("*", List(v) | Tuple(v), Int(_) | Bool(_))
        | ("*", Int(_) | Bool(_), List(v) | Tuple(v)) => {
            let list_first = matches!(a, List(_) | Tuple(_));
            let n = repeat_count(if list_first { &b } else { &a }).unwrap_or(0);
            items_check(v.len().saturating_mul(n))?;
            check_size(&List(v.clone()))?;
            let items: Vec<Value> = (0..n).flat_map(|_| v.iter().cloned()).collect();
            sized(if matches!(if list_first { &a } else { &b }, Tuple(_)) {
                Tuple(items)
            } else {
                List(items)
            })
        }
        ("%", Str(fmt), args) => percent_format(fmt, args),
        _ => match (a.as_i64(), b.as_i64(), a.as_f64(), b.as_f64()) {
            (Some(x), Some(y), _, _) => int_op(op, x, y),
            (_, _, Some(x), Some(y)) => float_op(op, x, y),
            _ => Err(unsupported(&a, &b)),
        },
    }
}

fn int_op(op: &str, x: i64, y: i64) -> Result<Value, PyError> {
    let zero = || PyError::new("ZeroDivisionError", "integer division or modulo by zero");
    Ok(Value::Int(match op {
        "+" => x.checked_add(y).ok_or_else(overflow)?,
        "-" => x.checked_sub(y).ok_or_else(overflow)?,
        "*" => x.checked_mul(y).ok_or_else(overflow)?,
        "/" => {
            if y == 0 {
                return Err(PyError::new("ZeroDivisionError", "division by zero"));
            }
            return Ok(Value::Float(x as f64 / y as f64));
        }
        "//" => {
            if y == 0 {
                return Err(zero());
            }
            let q = x.checked_div(y).ok_or_else(overflow)?;
            if x % y != 0 && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            }
        }
        "%" => {
            if y == 0 {
                return Err(zero());
            }
            let r = x.checked_rem(y).unwrap_or(0);
            if r != 0 && ((r < 0) != (y < 0)) {
                r + y
            } else {
                r
            }
        }
        "**" => {
            if y < 0 {
                if x == 0 {
                    return Err(PyError::new(
                        "ZeroDivisionError",
                        "0.0 cannot be raised to a negative power",
                    ));
                }
                return Ok(Value::Float((x as f64).powf(y as f64)));
            }
            let e = u32::try_from(y).map_err(|_| overflow())?;
            x.checked_pow(e).ok_or_else(overflow)?
        }
        _ => return Err(PyError::type_error(format!("unsupported operator {op}"))),
    }))
}

fn float_op(op: &str, x: f64, y: f64) -> Result<Value, PyError> {
    let zero = |m: &str| PyError::new("ZeroDivisionError", m);
    Ok(Value::Float(match op {
        "+" => x + y,
        "-" => x - y,
        "*" => x * y,
        "/" if y == 0.0 => return Err(zero("float division by zero")),
        "/" => x / y,
        "//" if y == 0.0 => return Err(zero("float floor division by zero")),
        "//" => (x / y).floor(),
        "%" if y == 0.0 => return Err(zero("float modulo")),
        "%" => {
            let r = x % y;
            if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                r + y
            } else {
                r
            }
        }
        "**" if x == 0.0 && y < 0.0 => {
            return Err(zero("0.0 cannot be raised to a negative power"))
        }
        "**" if x < 0.0 && y.fract() != 0.0 => return Err(PyError::limitation("complex numbers")),
        "**" => x.powf(y),
        _ => return Err(PyError::type_error(format!("unsupported operator {op}"))),
    }))
}

/// Ordering of two values: `Err` if Python would refuse to compare them,
/// `Ok(None)` for NaN.
pub(super) fn order(a: &Value, b: &Value) -> Result<Option<Ordering>, PyError> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(Some(x.cmp(y))),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !equal(p, q) {
                    return order(p, q);
                }
            }
            Ok(Some(x.len().cmp(&y.len())))
        }
        _ => match (a.as_i64(), b.as_i64(), a.as_f64(), b.as_f64()) {
            (Some(x), Some(y), _, _) => Ok(Some(x.cmp(&y))),
            (_, _, Some(x), Some(y)) => Ok(x.partial_cmp(&y)),
            _ => Err(PyError::type_error(format!(
                "'<' not supported between instances of '{}' and '{}'",
                a.type_name(),
                b.type_name()
            ))),
        },
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => match (a.as_i64(), b.as_i64()) {
                (Some(i), Some(j)) => i == j,
                _ => x == y,
            },
            _ => a == b,
        },
    }
}

pub(super) fn compare(op: &str, a: &Value, b: &Value) -> Result<bool, PyError> {
    let with_op =
        |e: PyError| PyError::new(&e.kind, e.message.replacen("'<'", &format!("'{op}'"), 1));
    Ok(match op {
        "==" => equal(a, b),
        "!=" => !equal(a, b),
        "is" => a.type_name() == b.type_name() && equal(a, b),
        "is not" => !(a.type_name() == b.type_name() && equal(a, b)),
        "in" | "not in" => {
            let hit = match (a, b) {
                (Value::Str(x), Value::Str(y)) => y.contains(x.as_str()),
                (x, Value::Str(_)) => {
                    return Err(PyError::type_error(format!(
                        "'in <string>' requires string as left operand, not {}",
                        x.type_name()
                    )))
                }
                (x, Value::List(v) | Value::Tuple(v)) => v.iter().any(|y| equal(x, y)),
                (_, y) => {
                    return Err(PyError::type_error(format!(
                        "argument of type '{}' is not iterable",
                        y.type_name()
                    )))
                }
            };
            hit == (op == "in")
        }
        _ => {
            let o = order(a, b).map_err(with_op)?;
            match (op, o) {
                (_, None) => false,
                ("<", Some(o)) => o == Ordering::Less,
                (">", Some(o)) => o == Ordering::Greater,
                ("<=", Some(o)) => o != Ordering::Greater,
                (">=", Some(o)) => o != Ordering::Less,
                _ => false,
            }
        }
    })
}

/// Formats one value for a conversion (`s r d i f`) with flags, width and precision.
fn format_one(
    v: &Value,
    conv: char,
    left: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
) -> Result<String, PyError> {
    let body = match conv {
        's' => {
            let s = v.to_str();
            match prec {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'r' => v.repr(),
        'd' | 'i' => match v {
            Value::Int(_) | Value::Bool(_) => v.as_i64().unwrap_or(0).to_string(),
            Value::Float(f) if f.is_finite() => (f.trunc() as i64).to_string(),
            _ => {
                return Err(PyError::type_error(format!(
                    "%{conv} format: a real number is required, not {}",
                    v.type_name()
                )))
            }
        },
        'f' | 'F' => match v.as_f64() {
            Some(f) => format!("{:.*}", prec.unwrap_or(6).min(100), f),
            None => {
                return Err(PyError::type_error(format!(
                    "must be real number, not {}",
                    v.type_name()
                )))
            }
        },
        other => return Err(PyError::limitation(&format!("the '{other}' format"))),
    };
    let len = body.chars().count();
    if len >= width {
        return Ok(body);
    }
    let pad = width - len;
    Ok(if left {
        format!("{body}{}", " ".repeat(pad))
    } else if zero && conv != 's' && conv != 'r' {
        match body.strip_prefix('-') {
            Some(rest) => format!("-{}{rest}", "0".repeat(pad)),
            None => format!("{}{body}", "0".repeat(pad)),
        }
    } else {
        format!("{}{body}", " ".repeat(pad))
    })
}

/// Parses `[-0]*[width][.prec]` from `chars`; returns (left, zero, width, prec).
fn parse_flags(chars: &[char], i: &mut usize) -> (bool, bool, usize, Option<usize>) {
    let (mut left, mut zero) = (false, false);
    while let Some(c @ ('-' | '0' | '<' | '>')) = chars.get(*i) {
        match c {
            '-' | '<' => left = true,
            '0' => zero = true,
            _ => {}
        }
        *i += 1;
    }
    let mut width = 0usize;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        width = (width * 10 + d as usize).min(10_000);
        *i += 1;
    }
    let mut prec = None;
    if chars.get(*i) == Some(&'.') {
        *i += 1;
        let mut p = 0usize;
        while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
            p = (p * 10 + d as usize).min(10_000);
            *i += 1;
        }
        prec = Some(p);
    }
    (left, zero, width, prec)
}

/// f-string format spec: `[<>][0][width][.prec][s|d|f]`.
pub(super) fn format_spec(v: &Value, spec: &str) -> Result<String, PyError> {
    if spec.is_empty() {
        return Ok(v.to_str());
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let (left, zero, width, prec) = parse_flags(&chars, &mut i);
    let conv = match chars.get(i) {
        None => {
            if matches!(v, Value::Float(_)) && prec.is_some() {
                'f'
            } else if matches!(v, Value::Int(_) | Value::Bool(_)) {
                'd'
            } else {
                's'
            }
        }
        Some(c @ ('s' | 'd' | 'f' | 'F')) if i + 1 == chars.len() => *c,
        _ => return Err(PyError::limitation(&format!("the format spec ':{spec}'"))),
    };
    // Python left-aligns strings and right-aligns numbers by default.
    let left = left || (conv == 's' && !spec.starts_with('>') && width > 0 && !zero);
    if conv == 'd' && !matches!(v, Value::Int(_) | Value::Bool(_)) {
        return Err(PyError::value_error(format!(
            "Unknown format code 'd' for object of type '{}'",
            v.type_name()
        )));
    }
    format_one(v, conv, left, zero, width, prec)
}

/// `"fmt" % args`.
fn percent_format(fmt: &str, args: &Value) -> Result<Value, PyError> {
    let items: Vec<Value> = match args {
        Value::Tuple(v) => v.clone(),
        v => vec![v.clone()],
    };
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut next = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        if chars.get(i) == Some(&'(') {
            return Err(PyError::limitation("%(name)s formatting"));
        }
        let (left, zero, width, prec) = parse_flags(&chars, &mut i);
        let Some(&conv) = chars.get(i) else {
            return Err(PyError::value_error("incomplete format"));
        };
        i += 1;
        let Some(v) = items.get(next) else {
            return Err(PyError::type_error(
                "not enough arguments for format string",
            ));
        };
        next += 1;
        out.push_str(&format_one(v, conv, left, zero, width, prec)?);
        memory_check(out.len())?;
    }
    if next < items.len() {
        return Err(PyError::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(Value::Str(out))
}
