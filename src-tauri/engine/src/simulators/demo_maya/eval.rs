//! The evaluator of Demo Maya's tiny Python: statements, expressions, calls (built-ins
//! in eval/builtins.rs, str methods and indexing in access.rs), and the calls into
//! `maya.cmds` and `maya.mel`.

use std::collections::HashMap;

use super::access::{getattr, index, slice, str_method};
use super::interpreter::Ctx;
use super::ops::{binop, compare, format_spec, memory_check, overflow, sized};
use super::parser::{Expr, FPart, Post, Stmt};
use super::value::{Func, PyError, Value};
use super::{cmds, mel};

mod builtins;
use builtins::{BUILTINS, OTHER_BUILTINS};

pub(super) struct Eval<'g, 'c, 'x> {
    pub(super) globals: &'g mut HashMap<String, Value>,
    pub(super) ctx: &'c mut Ctx<'x>,
}

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
}
