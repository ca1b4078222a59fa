//! The parser of Demo Maya's tiny Python: statements and expressions of one
//! logical line into a small syntax tree (statements here, expressions in
//! parser/expr.rs). Chains (`a + b - c`, `x.y(z)[0]`) are kept flat and nesting is
//! capped, so nothing recurses deeply, whatever the input.

use super::lexer::{self, Tok};
use super::value::{PyError, Value};

mod expr;
use expr::parse_full;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stmt {
    Expr(Expr),
    Assign(Vec<String>, Expr),
    AugAssign(String, &'static str, Expr),
    /// (name to bind, module it refers to)
    Import(Vec<(String, String)>),
    Pass,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Const(Value),
    Name(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    FStr(Vec<FPart>),
    /// A left-associative chain (`a + b - c`), kept flat: no deep trees.
    Chain(Box<Expr>, Vec<(&'static str, Expr)>),
    Neg(Box<Expr>),
    Pos(Box<Expr>),
    Power(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare(Box<Expr>, Vec<(&'static str, Expr)>),
    /// A base followed by attribute accesses, calls and subscripts, kept flat.
    Postfix(Box<Expr>, Vec<Post>),
}

/// Positional and keyword arguments of a call.
type Args = (Vec<Expr>, Vec<(String, Expr)>);

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Post {
    Attr(String),
    Call(Vec<Expr>, Vec<(String, Expr)>),
    Index(Expr),
    Slice(Option<Expr>, Option<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum FPart {
    Lit(String),
    Expr(Expr, Option<char>, String),
}

fn syntax(message: &str) -> PyError {
    PyError::new("SyntaxError", message)
}

/// What a keyword that starts unsupported code is, for the limitation message.
fn keyword_what(k: &str) -> &'static str {
    match k {
        "def" | "return" | "yield" | "global" | "nonlocal" => "defining functions (def, return)",
        "class" => "classes",
        "for" | "while" | "break" | "continue" => "loops (for, while) and comprehensions",
        "if" | "elif" | "else" => "if statements and conditional expressions",
        "try" | "except" | "finally" | "raise" | "assert" => "exceptions (try, raise, assert)",
        "with" => "with blocks",
        "lambda" => "lambdas",
        "del" => "del",
        "async" | "await" => "async code",
        _ => "this statement",
    }
}

pub(super) fn split_semicolons(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Op("(" | "[" | "{") => depth += 1,
            Tok::Op(")" | "]" | "}") => depth -= 1,
            Tok::Op(";") if depth == 0 => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&toks[start..]);
    out.retain(|s| !s.is_empty());
    out
}

/// Indices of top-level tokens matching `f`.
fn top_level(toks: &[Tok], f: impl Fn(&Tok) -> bool) -> Vec<usize> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Op("(" | "[" | "{") => depth += 1,
            Tok::Op(")" | "]" | "}") => depth -= 1,
            t if depth == 0 && f(t) => out.push(i),
            _ => {}
        }
    }
    out
}

fn is_aug(op: &str) -> bool {
    matches!(
        op,
        "+=" | "-=" | "*=" | "/=" | "//=" | "%=" | "**=" | "&=" | "|=" | "^=" | ">>=" | "<<="
    )
}

pub(super) fn parse_statement(toks: &[Tok]) -> Result<Stmt, PyError> {
    if let Some(Tok::Name(k)) = toks.first() {
        match k.as_str() {
            "import" => return parse_import(&toks[1..]),
            "from" => return parse_from(&toks[1..]),
            "pass" if toks.len() == 1 => return Ok(Stmt::Pass),
            "True" | "False" | "None" | "not" | "lambda" | "await" => {}
            k if lexer::is_keyword(k) => return Err(PyError::limitation(keyword_what(k))),
            _ => {}
        }
    }
    if !top_level(toks, |t| matches!(t, Tok::Op(":="))).is_empty() {
        return Err(PyError::limitation("the walrus operator (:=)"));
    }
    let augs = top_level(toks, |t| matches!(t, Tok::Op(op) if is_aug(op)));
    if let Some(&i) = augs.first() {
        return match (&toks[..i], &toks[i]) {
            ([Tok::Name(n)], Tok::Op(op))
                if !lexer::is_keyword(n) && !matches!(*op, "&=" | "|=" | "^=" | ">>=" | "<<=") =>
            {
                let bin: &'static str = match *op {
                    "+=" => "+",
                    "-=" => "-",
                    "*=" => "*",
                    "/=" => "/",
                    "//=" => "//",
                    "%=" => "%",
                    _ => "**",
                };
                Ok(Stmt::AugAssign(n.clone(), bin, parse_full(&toks[i + 1..])?))
            }
            _ => Err(PyError::limitation("this kind of augmented assignment")),
        };
    }
    let eqs = top_level(toks, |t| matches!(t, Tok::Op("=")));
    if let Some(&last) = eqs.last() {
        if !top_level(&toks[..eqs[0]], |t| matches!(t, Tok::Op(":"))).is_empty() {
            return Err(PyError::limitation("type annotations"));
        }
        let mut targets = Vec::new();
        let mut start = 0;
        for &i in &eqs {
            match &toks[start..i] {
                [Tok::Name(n)] if !lexer::is_keyword(n) => targets.push(n.clone()),
                [] => return Err(syntax("invalid syntax")),
                [Tok::Name(k)] if matches!(k.as_str(), "True" | "False" | "None") => {
                    return Err(syntax(&format!("cannot assign to {k}")))
                }
                [Tok::Int(_) | Tok::Float(_) | Tok::Str(_)] => {
                    return Err(syntax("cannot assign to literal"))
                }
                _ => {
                    return Err(PyError::limitation(
                        "assigning to anything but a plain name (unpacking, items, attributes)",
                    ))
                }
            }
            start = i + 1;
        }
        return Ok(Stmt::Assign(targets, parse_full(&toks[last + 1..])?));
    }
    if matches!(toks.last(), Some(Tok::Op(":"))) {
        return Err(PyError::limitation("blocks (a line ending with ':')"));
    }
    parse_full(toks).map(Stmt::Expr)
}

fn dotted(toks: &[Tok], p: &mut usize) -> Result<String, PyError> {
    let mut name = String::new();
    loop {
        match toks.get(*p) {
            Some(Tok::Name(n)) if !lexer::is_keyword(n) => name.push_str(n),
            Some(Tok::Op("." | "...")) if name.is_empty() => {
                return Err(PyError::limitation("relative imports"))
            }
            _ => return Err(syntax("invalid syntax")),
        }
        *p += 1;
        if toks.get(*p) == Some(&Tok::Op(".")) {
            name.push('.');
            *p += 1;
        } else {
            return Ok(name);
        }
    }
}

fn alias(toks: &[Tok], p: &mut usize) -> Result<Option<String>, PyError> {
    if toks.get(*p) == Some(&Tok::Name("as".into())) {
        *p += 1;
        match toks.get(*p) {
            Some(Tok::Name(n)) if !lexer::is_keyword(n) => {
                *p += 1;
                Ok(Some(n.clone()))
            }
            _ => Err(syntax("invalid syntax")),
        }
    } else {
        Ok(None)
    }
}

fn parse_import(toks: &[Tok]) -> Result<Stmt, PyError> {
    let mut p = 0;
    let mut binds = Vec::new();
    loop {
        let module = dotted(toks, &mut p)?;
        match alias(toks, &mut p)? {
            Some(a) => binds.push((a, module)),
            None => {
                let root = module.split('.').next().unwrap_or_default().to_string();
                binds.push((root.clone(), root));
            }
        }
        match toks.get(p) {
            None => return Ok(Stmt::Import(binds)),
            Some(Tok::Op(",")) => p += 1,
            _ => return Err(syntax("invalid syntax")),
        }
    }
}

fn parse_from(toks: &[Tok]) -> Result<Stmt, PyError> {
    let mut p = 0;
    let module = dotted(toks, &mut p)?;
    if toks.get(p) != Some(&Tok::Name("import".into())) {
        return Err(syntax("invalid syntax"));
    }
    p += 1;
    if toks.get(p) == Some(&Tok::Op("*")) && p + 1 == toks.len() {
        return Err(PyError::limitation("'from … import *'"));
    }
    let paren = toks.get(p) == Some(&Tok::Op("("));
    if paren {
        p += 1;
    }
    let mut binds = Vec::new();
    loop {
        let name = match toks.get(p) {
            Some(Tok::Name(n)) if !lexer::is_keyword(n) => n.clone(),
            Some(Tok::Op(")")) if paren && !binds.is_empty() => break,
            _ => return Err(syntax("invalid syntax")),
        };
        p += 1;
        let bound = alias(toks, &mut p)?.unwrap_or_else(|| name.clone());
        binds.push((bound, format!("{module}.{name}")));
        match toks.get(p) {
            Some(Tok::Op(",")) => p += 1,
            Some(Tok::Op(")")) if paren => break,
            None if !paren => return Ok(Stmt::Import(binds)),
            _ => return Err(syntax("invalid syntax")),
        }
    }
    if p + 1 != toks.len() {
        return Err(syntax("invalid syntax"));
    }
    Ok(Stmt::Import(binds))
}
