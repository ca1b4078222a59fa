//! Tokens for Demo Maya's tiny Python: logical lines (brackets and `\` join
//! physical lines), names, numbers, strings (single, triple, raw, f-strings),
//! operators. Never panics; errors carry Python's wording where it has one.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// An f-string, split into literal text and `{expression}` pieces.
    FStr(Vec<FPiece>),
    Op(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FPiece {
    Lit(String),
    /// Source of the expression, its `!r`/`!s` conversion and its format spec.
    Expr {
        src: String,
        conv: Option<char>,
        spec: String,
    },
}

/// One logical line: its first physical line number (1-based), whether it was
/// indented, and its tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub no: usize,
    pub indented: bool,
    pub toks: Vec<Tok>,
}

/// A problem found before anything runs: `kind` is "SyntaxError",
/// "IndentationError" or "DemoLimitation".
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub kind: &'static str,
    pub message: String,
    pub line: usize,
}

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",
    "%=", "&=", "|=", "^=", "->", ":=", "<<", ">>", "+", "-", "*", "/", "%", "(", ")", "[", "]",
    "{", "}", ",", ".", "=", ":", ";", "<", ">", "@", "&", "|", "^", "~",
];

pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

struct Lexer {
    c: Vec<char>,
    i: usize,
    line: usize,
}

pub fn tokenize(src: &str) -> Result<Vec<Line>, LexError> {
    let mut lx = Lexer {
        c: src.chars().collect(),
        i: 0,
        line: 1,
    };
    lx.run()
}

impl Lexer {
    fn peek(&self, k: usize) -> Option<char> {
        self.c.get(self.i + k).copied()
    }

    fn err(&self, kind: &'static str, message: impl Into<String>, line: usize) -> LexError {
        LexError {
            kind,
            message: message.into(),
            line,
        }
    }

    fn run(&mut self) -> Result<Vec<Line>, LexError> {
        let mut lines = Vec::new();
        let mut cur: Option<Line> = None;
        let mut brackets: Vec<(char, usize)> = Vec::new();
        let mut at_start = true;
        while self.i < self.c.len() {
            if at_start && brackets.is_empty() {
                let mut indent = 0;
                while matches!(self.peek(0), Some(' ' | '\t' | '\x0c')) {
                    indent += 1;
                    self.i += 1;
                }
                match self.peek(0) {
                    None => break,
                    Some('\n') => {
                        self.i += 1;
                        self.line += 1;
                        continue;
                    }
                    Some('\r') => {
                        self.i += 1;
                        continue;
                    }
                    Some('#') => {
                        self.skip_comment();
                        continue;
                    }
                    _ => {}
                }
                at_start = false;
                cur = Some(Line {
                    no: self.line,
                    indented: indent > 0,
                    toks: Vec::new(),
                });
            }
            let ch = self.c[self.i];
            match ch {
                '\n' => {
                    self.i += 1;
                    self.line += 1;
                    if brackets.is_empty() {
                        lines.extend(cur.take());
                        at_start = true;
                    }
                }
                ' ' | '\t' | '\r' | '\x0c' => self.i += 1,
                '#' => self.skip_comment(),
                '\\' => {
                    // Line continuation: only before a newline.
                    let mut j = self.i + 1;
                    while matches!(self.c.get(j), Some('\r')) {
                        j += 1;
                    }
                    if self.c.get(j) == Some(&'\n') {
                        self.i = j + 1;
                        self.line += 1;
                    } else {
                        return Err(self.err(
                            "SyntaxError",
                            "unexpected character after line continuation character",
                            self.line,
                        ));
                    }
                }
                '0'..='9' => {
                    let t = self.number()?;
                    push(&mut cur, t);
                }
                '.' if matches!(self.peek(1), Some('0'..='9')) => {
                    let t = self.number()?;
                    push(&mut cur, t);
                }
                '"' | '\'' => {
                    let t = self.string("")?;
                    push(&mut cur, t);
                }
                c if c == '_' || c.is_alphabetic() => {
                    let start = self.i;
                    while matches!(self.peek(0), Some(c) if c == '_' || c.is_alphanumeric()) {
                        self.i += 1;
                    }
                    let word: String = self.c[start..self.i].iter().collect();
                    let lower = word.to_ascii_lowercase();
                    if matches!(self.peek(0), Some('"' | '\''))
                        && matches!(
                            lower.as_str(),
                            "r" | "u" | "f" | "b" | "rb" | "br" | "fr" | "rf"
                        )
                    {
                        let t = self.string(&lower)?;
                        push(&mut cur, t);
                    } else {
                        push(&mut cur, Tok::Name(word));
                    }
                }
                _ => {
                    let op = OPS.iter().find(|op| {
                        op.chars()
                            .enumerate()
                            .all(|(k, oc)| self.peek(k) == Some(oc))
                    });
                    let Some(op) = op else {
                        return Err(self.err(
                            "SyntaxError",
                            format!("invalid character '{ch}' (U+{:04X})", ch as u32),
                            self.line,
                        ));
                    };
                    self.i += op.chars().count();
                    match *op {
                        "(" | "[" | "{" => {
                            if brackets.len() >= 200 {
                                return Err(self.err(
                                    "SyntaxError",
                                    "too many nested parentheses",
                                    self.line,
                                ));
                            }
                            brackets.push((op.chars().next().unwrap_or('('), self.line));
                        }
                        ")" | "]" | "}" => {
                            let close = op.chars().next().unwrap_or(')');
                            let want = match close {
                                ')' => '(',
                                ']' => '[',
                                _ => '{',
                            };
                            match brackets.pop() {
                                None => return Err(self.err("SyntaxError", format!("unmatched '{close}'"), self.line)),
                                Some((open, _)) if open != want => {
                                    return Err(self.err(
                                        "SyntaxError",
                                        format!("closing parenthesis '{close}' does not match opening parenthesis '{open}'"),
                                        self.line,
                                    ))
                                }
                                Some(_) => {}
                            }
                        }
                        _ => {}
                    }
                    push(&mut cur, Tok::Op(op));
                }
            }
        }
        if let Some((open, line)) = brackets.first() {
            return Err(self.err("SyntaxError", format!("'{open}' was never closed"), *line));
        }
        lines.extend(cur.take());
        Ok(lines)
    }

    fn skip_comment(&mut self) {
        while !matches!(self.peek(0), None | Some('\n')) {
            self.i += 1;
        }
    }

    fn number(&mut self) -> Result<Tok, LexError> {
        let start = self.i;
        let mut is_float = false;
        let digits = |lx: &mut Lexer| {
            while matches!(lx.peek(0), Some('0'..='9' | '_')) {
                lx.i += 1;
            }
        };
        digits(self);
        if self.peek(0) == Some('.') {
            is_float = true;
            self.i += 1;
            digits(self);
        }
        if matches!(self.peek(0), Some('e' | 'E'))
            && (matches!(self.peek(1), Some('0'..='9'))
                || (matches!(self.peek(1), Some('+' | '-'))
                    && matches!(self.peek(2), Some('0'..='9'))))
        {
            is_float = true;
            self.i += 2;
            digits(self);
        }
        if matches!(self.peek(0), Some(c) if c.is_alphanumeric() || c == '_') {
            // 0x1F, 10j, 1_000L …: real Python knows some of these; the demo does not.
            return Err(self.err(
                "DemoLimitation",
                "hexadecimal, octal, binary and complex number literals",
                self.line,
            ));
        }
        let text: String = self.c[start..self.i]
            .iter()
            .filter(|c| **c != '_')
            .collect();
        if is_float {
            text.parse::<f64>()
                .map(Tok::Float)
                .map_err(|_| self.err("SyntaxError", "invalid decimal literal", self.line))
        } else {
            match text.parse::<i64>() {
                Ok(v) => Ok(Tok::Int(v)),
                Err(_) => Err(self.err("DemoLimitation", "integers beyond 64 bits", self.line)),
            }
        }
    }

    /// A string literal starting at the quote; `prefix` is lower-cased (r, f, b, rb…).
    fn string(&mut self, prefix: &str) -> Result<Tok, LexError> {
        let start_line = self.line;
        let q = self.c[self.i];
        let triple = self.peek(1) == Some(q) && self.peek(2) == Some(q);
        self.i += if triple { 3 } else { 1 };
        let raw = prefix.contains('r');
        let mut body = String::new();
        loop {
            let Some(ch) = self.peek(0) else {
                let what = if triple {
                    "unterminated triple-quoted string literal"
                } else {
                    "unterminated string literal"
                };
                return Err(self.err(
                    "SyntaxError",
                    format!("{what} (detected at line {})", self.line),
                    start_line,
                ));
            };
            if ch == q && (!triple || (self.peek(1) == Some(q) && self.peek(2) == Some(q))) {
                self.i += if triple { 3 } else { 1 };
                break;
            }
            if ch == '\n' {
                if !triple {
                    return Err(self.err(
                        "SyntaxError",
                        format!(
                            "unterminated string literal (detected at line {})",
                            self.line
                        ),
                        start_line,
                    ));
                }
                self.line += 1;
            }
            if ch == '\\' {
                // Keep escapes raw here; they are decoded below (f-strings need the raw text).
                if let Some(next) = self.peek(1) {
                    body.push('\\');
                    body.push(next);
                    if next == '\n' {
                        self.line += 1;
                    }
                    self.i += 2;
                    continue;
                }
            }
            body.push(ch);
            self.i += 1;
        }
        if prefix.contains('b') {
            return Err(self.err("DemoLimitation", "bytes literals (b\"...\")", start_line));
        }
        if prefix.contains('f') {
            return split_fstring(&body, raw)
                .map(Tok::FStr)
                .map_err(|(kind, m)| self.err(kind, m, start_line));
        }
        Ok(Tok::Str(if raw { body } else { unescape(&body) }))
    }
}

fn push(cur: &mut Option<Line>, t: Tok) {
    if let Some(l) = cur.as_mut() {
        l.toks.push(t);
    }
}

/// Python's backslash escapes.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = it.next() else {
            out.push('\\');
            break;
        };
        let hex = |n: usize, it: &mut std::iter::Peekable<std::str::Chars>| {
            let h: String = (0..n)
                .filter_map(|_| it.next_if(|c| c.is_ascii_hexdigit()))
                .collect();
            u32::from_str_radix(&h, 16)
                .ok()
                .filter(|_| h.len() == n)
                .and_then(char::from_u32)
        };
        match e {
            '\n' => {}
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' | '\'' | '"' => out.push(e),
            'x' => out.push(hex(2, &mut it).unwrap_or('\u{fffd}')),
            'u' => out.push(hex(4, &mut it).unwrap_or('\u{fffd}')),
            'U' => out.push(hex(8, &mut it).unwrap_or('\u{fffd}')),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// Splits an f-string body into literal and `{expr!c:spec}` pieces.
fn split_fstring(body: &str, raw: bool) -> Result<Vec<FPiece>, (&'static str, String)> {
    let chars: Vec<char> = body.chars().collect();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    let flush = |lit: &mut String, pieces: &mut Vec<FPiece>| {
        if !lit.is_empty() {
            let text = std::mem::take(lit);
            pieces.push(FPiece::Lit(if raw { text } else { unescape(&text) }));
        }
    };
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                lit.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                lit.push('}');
                i += 2;
            }
            '}' => return Err(("SyntaxError", "f-string: single '}' is not allowed".into())),
            '{' => {
                flush(&mut lit, &mut pieces);
                let mut depth = 0usize;
                let mut quote: Option<char> = None;
                let mut j = i + 1;
                let mut end = None;
                while j < chars.len() {
                    let c = chars[j];
                    match quote {
                        Some(q) if c == q => quote = None,
                        Some(_) => {}
                        None => match c {
                            '\'' | '"' => quote = Some(c),
                            '(' | '[' | '{' => depth += 1,
                            ')' | ']' | '}' if depth > 0 => depth -= 1,
                            // `!=` is an operator, not a conversion.
                            '!' if chars.get(j + 1) == Some(&'=') => {}
                            '}' | '!' | ':' if depth == 0 => {
                                end = Some(j);
                                break;
                            }
                            _ => {}
                        },
                    }
                    j += 1;
                }
                let Some(end) = end else {
                    return Err(("SyntaxError", "f-string: expecting '}'".into()));
                };
                let src: String = chars[i + 1..end].iter().collect();
                if src.trim().is_empty() {
                    return Err((
                        "SyntaxError",
                        "f-string: empty expression not allowed".into(),
                    ));
                }
                let mut k = end;
                let mut conv = None;
                if chars[k] == '!' {
                    conv = chars.get(k + 1).copied();
                    if !matches!(conv, Some('r' | 's' | 'a')) {
                        return Err((
                            "SyntaxError",
                            "f-string: invalid conversion character: expected 's', 'r', or 'a'"
                                .into(),
                        ));
                    }
                    k += 2;
                }
                let mut spec = String::new();
                if chars.get(k) == Some(&':') {
                    k += 1;
                    while k < chars.len() && chars[k] != '}' {
                        spec.push(chars[k]);
                        k += 1;
                    }
                }
                if chars.get(k) != Some(&'}') {
                    return Err(("SyntaxError", "f-string: expecting '}'".into()));
                }
                pieces.push(FPiece::Expr {
                    src: src.trim().to_string(),
                    conv,
                    spec,
                });
                i = k + 1;
            }
            c => {
                lit.push(c);
                i += 1;
            }
        }
    }
    flush(&mut lit, &mut pieces);
    Ok(pieces)
}

#[cfg(test)]
mod tests;
