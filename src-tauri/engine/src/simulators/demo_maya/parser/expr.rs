//! Demo Maya's expression parser: precedence climbing from `or` down to atoms, calls,
//! subscripts and attributes as flat postfix chains, and the expressions inside
//! f-strings, with nesting capped.

use super::{keyword_what, syntax, Args, Expr, FPart, Post};
use crate::simulators::demo_maya::lexer::{self, FPiece, Tok};
use crate::simulators::demo_maya::value::{PyError, Value};

/// Parses tokens that must form exactly one (tuple) expression.
pub(super) fn parse_full(toks: &[Tok]) -> Result<Expr, PyError> {
    parse_full_at(toks, 0)
}

fn parse_full_at(toks: &[Tok], depth: usize) -> Result<Expr, PyError> {
    let mut p = Parser {
        t: toks,
        p: 0,
        depth,
    };
    if toks.is_empty() {
        return Err(syntax("invalid syntax"));
    }
    let e = p.tuple_expr()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(p.unexpected(t)),
    }
}

struct Parser<'a> {
    t: &'a [Tok],
    p: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 100;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Tok> {
        self.t.get(self.p)
    }
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == kw)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        let hit = self.peek_op(op);
        if hit {
            self.p += 1;
        }
        hit
    }
    fn expect_op(&mut self, op: &str) -> Result<(), PyError> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(match self.peek() {
                Some(t) => self.unexpected(t),
                None => syntax("invalid syntax"),
            })
        }
    }

    /// The error for a token that cannot come here: a keyword of unsupported
    /// syntax is a limitation, anything else a syntax error.
    fn unexpected(&self, t: &Tok) -> PyError {
        match t {
            Tok::Name(k)
                if lexer::is_keyword(k) && !matches!(k.as_str(), "True" | "False" | "None") =>
            {
                PyError::limitation(keyword_what(k))
            }
            Tok::Op("{" | "}") => PyError::limitation("dicts and sets"),
            Tok::Op(":") => PyError::limitation(
                "this use of ':' (annotations, dict literals, slices with steps)",
            ),
            Tok::Op("@" | "&" | "|" | "^" | "~" | "<<" | ">>") => {
                PyError::limitation("bitwise and matrix operators")
            }
            Tok::Op("*" | "**") => PyError::limitation("starred arguments and unpacking"),
            _ => syntax("invalid syntax"),
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, PyError>) -> Result<T, PyError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax("too many nested parentheses"));
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn starts_expr(&self) -> bool {
        match self.peek() {
            None => false,
            Some(Tok::Op(o)) => matches!(*o, "(" | "[" | "{" | "-" | "+" | "~"),
            Some(Tok::Name(n)) => {
                !lexer::is_keyword(n)
                    || matches!(n.as_str(), "True" | "False" | "None" | "not" | "lambda")
            }
            Some(_) => true,
        }
    }

    /// `a` or `a, b, …` (a tuple).
    fn tuple_expr(&mut self) -> Result<Expr, PyError> {
        let first = self.expr()?;
        if !self.peek_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if !self.starts_expr() {
                break;
            }
            items.push(self.expr()?);
        }
        Ok(Expr::Tuple(items))
    }

    fn expr(&mut self) -> Result<Expr, PyError> {
        self.nested(|p| {
            if p.peek_kw("lambda") {
                return Err(PyError::limitation(keyword_what("lambda")));
            }
            let e = p.or_test()?;
            if p.peek_kw("if") {
                return Err(PyError::limitation(keyword_what("if")));
            }
            Ok(e)
        })
    }

    fn or_test(&mut self) -> Result<Expr, PyError> {
        let first = self.and_test()?;
        if !self.peek_kw("or") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_kw("or") {
            self.p += 1;
            items.push(self.and_test()?);
        }
        Ok(Expr::Or(items))
    }

    fn and_test(&mut self) -> Result<Expr, PyError> {
        let first = self.not_test()?;
        if !self.peek_kw("and") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_kw("and") {
            self.p += 1;
            items.push(self.not_test()?);
        }
        Ok(Expr::And(items))
    }

    fn not_test(&mut self) -> Result<Expr, PyError> {
        if self.peek_kw("not") {
            self.p += 1;
            return self
                .nested(|p| p.not_test())
                .map(|e| Expr::Not(Box::new(e)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, PyError> {
        let first = self.arith()?;
        let mut rest = Vec::new();
        loop {
            let op: &'static str = match self.peek() {
                Some(Tok::Op(o)) if matches!(*o, "==" | "!=" | "<" | ">" | "<=" | ">=") => o,
                Some(Tok::Name(n)) if n == "in" => "in",
                Some(Tok::Name(n)) if n == "is" => {
                    if matches!(self.t.get(self.p + 1), Some(Tok::Name(x)) if x == "not") {
                        self.p += 1;
                        "is not"
                    } else {
                        "is"
                    }
                }
                Some(Tok::Name(n))
                    if n == "not"
                        && matches!(self.t.get(self.p + 1), Some(Tok::Name(x)) if x == "in") =>
                {
                    self.p += 1;
                    "not in"
                }
                _ => break,
            };
            self.p += 1;
            rest.push((op, self.arith()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Compare(Box::new(first), rest)
        })
    }

    fn arith(&mut self) -> Result<Expr, PyError> {
        let first = self.term()?;
        let mut rest = Vec::new();
        while let Some(Tok::Op(o @ ("+" | "-"))) = self.peek() {
            self.p += 1;
            rest.push((*o, self.term()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Chain(Box::new(first), rest)
        })
    }

    fn term(&mut self) -> Result<Expr, PyError> {
        let first = self.factor()?;
        let mut rest = Vec::new();
        while let Some(Tok::Op(o @ ("*" | "/" | "//" | "%"))) = self.peek() {
            self.p += 1;
            rest.push((*o, self.factor()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Chain(Box::new(first), rest)
        })
    }

    fn factor(&mut self) -> Result<Expr, PyError> {
        match self.peek() {
            Some(Tok::Op("-")) => {
                self.p += 1;
                self.nested(|p| p.factor()).map(|e| Expr::Neg(Box::new(e)))
            }
            Some(Tok::Op("+")) => {
                self.p += 1;
                self.nested(|p| p.factor()).map(|e| Expr::Pos(Box::new(e)))
            }
            Some(Tok::Op("~")) => Err(PyError::limitation("bitwise and matrix operators")),
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, PyError> {
        let base = self.postfix()?;
        if self.eat_op("**") {
            let exp = self.nested(|p| p.factor())?;
            return Ok(Expr::Power(Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<Expr, PyError> {
        let base = self.atom()?;
        let mut posts = Vec::new();
        loop {
            if self.eat_op(".") {
                match self.peek() {
                    Some(Tok::Name(n)) if !lexer::is_keyword(n) => {
                        self.p += 1;
                        posts.push(Post::Attr(n.clone()));
                    }
                    _ => return Err(syntax("invalid syntax")),
                }
            } else if self.eat_op("(") {
                let (args, kwargs) = self.nested(|p| p.call_args())?;
                posts.push(Post::Call(args, kwargs));
            } else if self.eat_op("[") {
                let post = self.nested(|p| p.subscript())?;
                posts.push(post);
            } else {
                break;
            }
        }
        Ok(if posts.is_empty() {
            base
        } else {
            Expr::Postfix(Box::new(base), posts)
        })
    }

    fn call_args(&mut self) -> Result<Args, PyError> {
        let (mut args, mut kwargs) = (Vec::new(), Vec::<(String, Expr)>::new());
        while !self.eat_op(")") {
            if self.peek_op("*") || self.peek_op("**") {
                return Err(PyError::limitation("starred arguments and unpacking"));
            }
            let is_kw = matches!((self.peek(), self.t.get(self.p + 1)), (Some(Tok::Name(n)), Some(Tok::Op("="))) if !lexer::is_keyword(n));
            if is_kw {
                let Some(Tok::Name(n)) = self.peek() else {
                    unreachable!()
                };
                self.p += 2;
                if kwargs.iter().any(|(k, _)| k == n) {
                    return Err(syntax(&format!("keyword argument repeated: {n}")));
                }
                kwargs.push((n.clone(), self.expr()?));
            } else {
                if !kwargs.is_empty() {
                    return Err(syntax("positional argument follows keyword argument"));
                }
                args.push(self.expr()?);
            }
            if self.peek_kw("for") {
                return Err(PyError::limitation(keyword_what("for")));
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok((args, kwargs))
    }

    fn subscript(&mut self) -> Result<Post, PyError> {
        let start = if self.peek_op(":") {
            None
        } else {
            Some(self.expr()?)
        };
        if self.eat_op(":") {
            let stop = if self.peek_op("]") || self.peek_op(":") {
                None
            } else {
                Some(self.expr()?)
            };
            if self.peek_op(":") {
                return Err(PyError::limitation("slices with a step"));
            }
            self.expect_op("]")?;
            return Ok(Post::Slice(start, stop));
        }
        if self.peek_op(",") {
            return Err(PyError::limitation("tuple subscripts"));
        }
        self.expect_op("]")?;
        Ok(Post::Index(start.ok_or_else(|| syntax("invalid syntax"))?))
    }

    fn atom(&mut self) -> Result<Expr, PyError> {
        let Some(t) = self.peek() else {
            return Err(syntax("invalid syntax"));
        };
        self.p += 1;
        Ok(match t {
            Tok::Int(i) => Expr::Const(Value::Int(*i)),
            Tok::Float(f) => Expr::Const(Value::Float(*f)),
            Tok::Str(_) | Tok::FStr(_) => {
                // Adjacent literals concatenate: "a" "b" f"{c}".
                let mut parts: Vec<FPart> = Vec::new();
                let mut cur = Some(t);
                while let Some(t) = cur {
                    match t {
                        Tok::Str(s) => parts.push(FPart::Lit(s.clone())),
                        Tok::FStr(pieces) => {
                            for piece in pieces {
                                parts.push(match piece {
                                    FPiece::Lit(s) => FPart::Lit(s.clone()),
                                    FPiece::Expr { src, conv, spec } => {
                                        FPart::Expr(self.fstring_expr(src)?, *conv, spec.clone())
                                    }
                                });
                            }
                        }
                        _ => break,
                    }
                    cur = match self.peek() {
                        Some(n @ (Tok::Str(_) | Tok::FStr(_))) => {
                            self.p += 1;
                            Some(n)
                        }
                        _ => None,
                    };
                }
                if parts.iter().all(|p| matches!(p, FPart::Lit(_))) {
                    let s: String = parts
                        .iter()
                        .map(|p| {
                            if let FPart::Lit(s) = p {
                                s.as_str()
                            } else {
                                ""
                            }
                        })
                        .collect();
                    Expr::Const(Value::Str(s))
                } else {
                    Expr::FStr(parts)
                }
            }
            Tok::Name(n) => match n.as_str() {
                "True" => Expr::Const(Value::Bool(true)),
                "False" => Expr::Const(Value::Bool(false)),
                "None" => Expr::Const(Value::None),
                k if lexer::is_keyword(k) => return Err(self.unexpected(t)),
                _ => Expr::Name(n.clone()),
            },
            Tok::Op("(") => {
                if self.eat_op(")") {
                    return Ok(Expr::Tuple(Vec::new()));
                }
                let e = self.nested(|p| p.tuple_expr())?;
                if self.peek_kw("for") {
                    return Err(PyError::limitation(keyword_what("for")));
                }
                self.expect_op(")")?;
                e
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                while !self.eat_op("]") {
                    items.push(self.nested(|p| p.expr())?);
                    if self.peek_kw("for") {
                        return Err(PyError::limitation(keyword_what("for")));
                    }
                    if !self.eat_op(",") {
                        self.expect_op("]")?;
                        break;
                    }
                }
                Expr::List(items)
            }
            other => return Err(self.unexpected(other)),
        })
    }

    fn fstring_expr(&mut self, src: &str) -> Result<Expr, PyError> {
        let lines = lexer::tokenize(src)
            .map_err(|e| PyError::new(e.kind, format!("f-string: {}", e.message)))?;
        match lines.as_slice() {
            [line] => self.nested(|p| parse_full_at(&line.toks, p.depth)),
            _ => Err(syntax("f-string: invalid syntax")),
        }
    }
}
