//! Demo Maya's MEL: `print <expr>;` (strings, numbers, `+`, `` `about -v` ``),
//! `about -v;`, comments, and a MEL-like error for everything else. Used for
//! `lang: "mel"` runs, `maya.mel.eval`, and lines sent to a MEL port.

use super::cmds::MAYA_VERSION;
use super::interpreter::Ctx;
use super::value::{PyError, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct MelError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl MelError {
    /// `Line 1.5: Cannot find procedure "foo".`, as Maya words it.
    pub fn text(&self) -> String {
        format!("Line {}.{}: {}", self.line, self.col, self.message)
    }
}

/// What `maya.mel.eval` does with it, seen from Python: the result as a string
/// (None when the last statement has none), or Maya's RuntimeError after the
/// MEL error went to the Script Editor.
pub fn eval_from_python(code: &str, ctx: &mut Ctx) -> Result<Value, PyError> {
    match eval(code, ctx) {
        Ok(v) => Ok(v.map(Value::Str).unwrap_or(Value::None)),
        Err(e) => {
            ctx.emit(4, &format!("Error: {}\n", e.text()));
            Err(PyError::new(
                "RuntimeError",
                "Error occurred during execution of MEL script",
            ))
        }
    }
}

/// Runs MEL statements; returns the last statement's result.
pub fn eval(code: &str, ctx: &mut Ctx) -> Result<Option<String>, MelError> {
    let mut result = None;
    for (line, col, stmt) in statements(code)? {
        result = statement(&stmt, line, col, ctx)?;
    }
    Ok(result)
}

/// Splits on `;` outside strings and backquotes, dropping comments. Each
/// statement comes with the line and column it starts at.
fn statements(code: &str) -> Result<Vec<(usize, usize, String)>, MelError> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut line, mut col) = (1, 1);
    let mut cur = String::new();
    let mut start: Option<(usize, usize)> = None;
    let mut i = 0;
    let mut in_str = false;
    let mut in_tick = false;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if !in_str && c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if !in_str && c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    line += 1;
                    col = 1;
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        if c == '\n' {
            if in_str {
                return Err(MelError {
                    line,
                    col,
                    message: "Unterminated string.".into(),
                });
            }
            line += 1;
            col = 1;
            cur.push(' ');
            i += 1;
            continue;
        }
        if start.is_none() && !c.is_whitespace() {
            start = Some((line, col));
        }
        if in_str && c == '\\' {
            cur.push(c);
            if let Some(n) = next {
                cur.push(n);
            }
            i += 2;
            col += 2;
            continue;
        }
        match c {
            '"' => in_str = !in_str,
            '`' if !in_str => in_tick = !in_tick,
            ';' if !in_str && !in_tick => {
                if let Some((l, c0)) = start.take() {
                    out.push((l, c0, std::mem::take(&mut cur)));
                }
                cur.clear();
                i += 1;
                col += 1;
                continue;
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
        col += 1;
    }
    if in_str {
        return Err(MelError {
            line,
            col,
            message: "Unterminated string.".into(),
        });
    }
    if let Some((l, c0)) = start {
        if !cur.trim().is_empty() {
            out.push((l, c0, cur));
        }
    }
    Ok(out)
}

fn statement(
    stmt: &str,
    line: usize,
    col: usize,
    ctx: &mut Ctx,
) -> Result<Option<String>, MelError> {
    let s = stmt.trim();
    let word: String = s
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let err = |message: String| MelError { line, col, message };
    match word.as_str() {
        "" => Err(err("Syntax error".into())),
        "print" => {
            let text = expression(s[5..].trim(), &err)?;
            ctx.emit(1, &text);
            Ok(None)
        }
        "about" => about(s[5..].trim(), &err).map(Some),
        other => Err(err(format!(
            "Cannot find procedure \"{other}\". (Demo Maya's MEL runs only print and about -v; connect a real Maya for everything.)"
        ))),
    }
}

fn about(flags: &str, err: &dyn Fn(String) -> MelError) -> Result<String, MelError> {
    match flags.trim() {
        "-v" | "-version" => Ok(MAYA_VERSION.to_string()),
        "-api" | "-apiVersion" => Ok("20250000".to_string()),
        "-os" | "-operatingSystem" => Ok(if cfg!(windows) {
            "win64"
        } else if cfg!(target_os = "macos") {
            "mac"
        } else {
            "linux64"
        }
        .into()),
        "-p" | "-product" => Ok(format!("Maya {MAYA_VERSION}")),
        other => Err(err(format!("about: Invalid flag '{other}'"))),
    }
}

/// `"a" + 1 + `about -v``, optionally in parentheses: strings concatenate, numbers add.
fn expression(src: &str, err: &dyn Fn(String) -> MelError) -> Result<String, MelError> {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut depth = 0;
    enum Term {
        Str(String),
        Num(f64),
    }
    let mut terms = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        while i < chars.len() && chars[i] == '(' {
            depth += 1;
            i += 1;
            skip_ws(&mut i);
        }
        match chars.get(i) {
            Some('"') => {
                i += 1;
                let mut s = String::new();
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                        s.push(match chars[i] {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            c => c,
                        });
                    } else {
                        s.push(chars[i]);
                    }
                    i += 1;
                }
                i += 1;
                terms.push(Term::Str(s));
            }
            Some('`') => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '`')
                    .ok_or_else(|| err("Syntax error".into()))?;
                let inner: String = chars[i + 1..i + 1 + end].iter().collect();
                let inner = inner.trim().trim_end_matches(';').trim();
                let value = match inner.strip_prefix("about") {
                    Some(flags) => about(flags, err)?,
                    None => {
                        return Err(err(format!(
                            "Cannot find procedure \"{}\".",
                            inner.split_whitespace().next().unwrap_or("")
                        )))
                    }
                };
                terms.push(Term::Str(value));
                i += end + 2;
            }
            Some(c) if c.is_ascii_digit() || *c == '-' || *c == '.' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let n: String = chars[start..i].iter().collect();
                terms.push(Term::Num(
                    n.parse().map_err(|_| err("Syntax error".into()))?,
                ));
            }
            _ => return Err(err("Syntax error".into())),
        }
        skip_ws(&mut i);
        while i < chars.len() && chars[i] == ')' && depth > 0 {
            depth -= 1;
            i += 1;
            skip_ws(&mut i);
        }
        match chars.get(i) {
            Some('+') => i += 1,
            None if depth == 0 => break,
            _ => return Err(err("Syntax error".into())),
        }
    }
    let any_str = terms.iter().any(|t| matches!(t, Term::Str(_)));
    let num = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            format!("{n}")
        }
    };
    Ok(if any_str {
        terms
            .iter()
            .map(|t| match t {
                Term::Str(s) => s.clone(),
                Term::Num(n) => num(*n),
            })
            .collect()
    } else {
        num(terms
            .iter()
            .map(|t| if let Term::Num(n) = t { *n } else { 0.0 })
            .sum())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulators::demo_maya::scene::Scene;

    fn run(code: &str) -> (Result<Option<String>, MelError>, String) {
        let mut scene = Scene::demo();
        let mut out = String::new();
        let mut sink = |_t: u8, s: &str| out.push_str(s);
        let r = eval(
            code,
            &mut Ctx {
                scene: &mut scene,
                out: &mut sink,
            },
        );
        (r, out)
    }

    #[test]
    fn print_and_about() {
        assert_eq!(
            run("print \"hello\\n\";"),
            (Ok(None), "hello\n".to_string())
        );
        assert_eq!(run("about -v;"), (Ok(Some("2025".into())), String::new()));
        assert_eq!(
            run("// c\nprint (\"Maya \" + `about -v` + \"; \" + 1 + \"\\n\"); about -version").0,
            Ok(Some("2025".into()))
        );
        assert_eq!(run("print (\"Maya \" + `about -v`);").1, "Maya 2025");
        assert_eq!(run("print 1 + 2;").1, "3");
    }

    #[test]
    fn mel_like_errors() {
        let e = run("print \"a\";\n  polySphere -r 2;").0.unwrap_err();
        assert_eq!((e.line, e.col), (2, 3));
        assert!(
            e.text()
                .starts_with("Line 2.3: Cannot find procedure \"polySphere\"."),
            "{}",
            e.text()
        );
        assert_eq!(run("\"x\" + str(1)").0.unwrap_err().message, "Syntax error");
        assert!(run("print \"unterminated;").0.is_err());
        for garbage in [
            "`",
            "print (",
            "print `about",
            "print -",
            "(((",
            ";;;",
            "about -bogus",
            "/* open",
        ] {
            let _ = run(garbage);
        }
    }
}
