//! What a message template may do, and a bound on how much work rendering it can take.
//!
//! MiniJinja is built here without its `fuel` feature, and a recursion limit stops deep
//! nesting but not loops: `{% for a in link %}{% for b in link %}…` or a chain of
//! `|replace("a", "aa")` filters could keep a worker busy for hours. So templates use a
//! subset of the language, checked on the syntax tree, in which every value's size can be
//! bounded from the sizes of the variables:
//!
//! - text, `{{ … }}`, `{% if %}` and `{% for x in … %}` (not `recursive`), with `loop.*`;
//! - variables, attributes, `[…]`, slices, literals (not dicts), `~ + - / // %`, comparisons,
//!   `and or not`, `… if … else …`, tests (`is defined` …) and a list of filters that do not
//!   build values much larger than their input;
//! - not: `{% set %}`, `{% with %}`, macros, `{% include %}`/`{% extends %}`/`{% import %}`,
//!   filter blocks, function and method calls (`range()`, `loop.cycle()`), `*` and `**`.
//!
//! [`inspect`] walks the tree once with the actual variables and adds up a bound on the bytes
//! produced and examined (loops multiply their body by the number of items they can see); a
//! template above [`MAX_WORK`] is not rendered.

use std::collections::HashMap;

use minijinja::machinery::ast::{BinOpKind, CallArg, Expr, Stmt};
use serde_json::Value as Json;

/// Work units (about a byte produced or examined each) one rendering may take: some
/// milliseconds. A message with a dozen booked items uses a few thousand.
pub(super) const MAX_WORK: u64 = 4_000_000;

/// What [`inspect`] found.
#[derive(Debug, Default)]
pub(super) struct Report {
    /// Constructs outside the subset, with their line.
    pub unsupported: Vec<(String, usize)>,
    /// The bound on the rendering's work.
    pub work: u64,
    /// The first line where each variable not bound by a loop is used.
    pub first_use: HashMap<String, usize>,
}

/// Checks `template` (as parsed by `minijinja::machinery::parse`) against the subset and
/// bounds its work with the variables `vars`.
pub(super) fn inspect(template: &Stmt<'_>, vars: &serde_json::Map<String, Json>) -> Report {
    let mut walker = Walker {
        vars,
        scopes: Vec::new(),
        report: Report::default(),
    };
    walker.report.work = walker.stmt(template);
    walker.report
}

/// A bound on a value: the length of its display (as `{{ value }}` prints it, or as it
/// appears inside a list), how many items iterating it can give and the display length of
/// each of those items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Size {
    len: u64,
    count: u64,
    elem: u64,
}

impl Size {
    /// Numbers, booleans, `none`.
    const SCALAR: Size = Size {
        len: 24,
        count: 0,
        elem: 0,
    };

    /// What is known of a value of display length `len`: it cannot have more items than
    /// bytes, nor an item longer than itself.
    fn any(len: u64) -> Size {
        Size {
            len,
            count: len,
            elem: len,
        }
    }

    fn max(self, other: Size) -> Size {
        Size {
            len: self.len.max(other.len),
            count: self.count.max(other.count),
            elem: self.elem.max(other.elem),
        }
    }

    /// Exactly, for a variable's value.
    fn of_json(v: &Json) -> Size {
        match v {
            Json::String(s) => Size {
                len: len(s),
                count: s.chars().count() as u64,
                elem: 4,
            },
            Json::Array(a) => Size {
                len: nested_len(v),
                count: a.len() as u64,
                elem: a.iter().map(top_len).max().unwrap_or(0),
            },
            Json::Object(o) => Size {
                len: nested_len(v),
                count: o.len() as u64,
                elem: o.keys().map(|k| len(k)).max().unwrap_or(0),
            },
            Json::Number(_) | Json::Bool(_) | Json::Null => Size::SCALAR,
        }
    }
}

fn len(s: &str) -> u64 {
    s.len() as u64
}

/// The display of a value printed on its own: a string as itself.
fn top_len(v: &Json) -> u64 {
    match v {
        Json::String(s) => len(s),
        _ => nested_len(v),
    }
}

/// The display of a value inside a list or map: strings quoted and escaped (at worst
/// `\u{1b}` for one byte).
fn nested_len(v: &Json) -> u64 {
    match v {
        Json::String(s) => 2 + 10 * len(s),
        Json::Array(a) => a
            .iter()
            .fold(2u64, |acc, e| acc.saturating_add(nested_len(e) + 2)),
        Json::Object(o) => o.iter().fold(2u64, |acc, (k, e)| {
            acc.saturating_add(2 + 10 * len(k) + 2 + nested_len(e) + 2)
        }),
        Json::Number(_) | Json::Bool(_) | Json::Null => 24,
    }
}

struct Walker<'v> {
    vars: &'v serde_json::Map<String, Json>,
    /// Names bound by enclosing loops, innermost last.
    scopes: Vec<(String, Size)>,
    report: Report,
}

impl Walker<'_> {
    fn unsupported(&mut self, what: impl Into<String>, line: u16) {
        self.report
            .unsupported
            .push((what.into(), usize::from(line)));
    }

    /// The work of running `stmt`.
    fn stmt(&mut self, stmt: &Stmt<'_>) -> u64 {
        match stmt {
            Stmt::Template(t) => self.stmts(&t.children),
            Stmt::EmitRaw(r) => len(r.raw),
            Stmt::EmitExpr(e) => self.expr(&e.expr).1,
            Stmt::IfCond(c) => {
                let (_, test) = self.expr(&c.expr);
                test.saturating_add(self.stmts(&c.true_body))
                    .saturating_add(self.stmts(&c.false_body))
            }
            Stmt::ForLoop(f) => {
                let line = stmt_line(stmt);
                if f.recursive {
                    self.unsupported("recursive loops are not available", line);
                }
                let (iter, iter_work) = self.expr(&f.iter);
                let depth = self.scopes.len();
                let item = Size::any(iter.elem);
                self.bind_target(&f.target, item, line);
                self.scopes
                    .push(("loop".to_owned(), Size::any(iter.elem.saturating_add(64))));
                let filter = f.filter_expr.as_ref().map_or(0, |e| self.expr(e).1);
                let body = self.stmts(&f.body);
                self.scopes.truncate(depth);
                let otherwise = self.stmts(&f.else_body);
                let each = body.saturating_add(filter).saturating_add(1);
                iter_work
                    .saturating_add(iter.count.saturating_mul(each))
                    .saturating_add(otherwise)
            }
            other => {
                let what = match other {
                    Stmt::Set(_) | Stmt::SetBlock(_) => "`{% set %}` is not available",
                    Stmt::WithBlock(_) => "`{% with %}` is not available",
                    Stmt::AutoEscape(_) => "`{% autoescape %}` is not available",
                    Stmt::FilterBlock(_) => "`{% filter %}` blocks are not available",
                    Stmt::Macro(_) | Stmt::CallBlock(_) => "macros are not available",
                    Stmt::Do(_) => "`{% do %}` is not available",
                    _ => "blocks, includes, imports and template inheritance are not available",
                };
                self.unsupported(what, stmt_line(other));
                0
            }
        }
    }

    fn stmts(&mut self, stmts: &[Stmt<'_>]) -> u64 {
        stmts
            .iter()
            .fold(0u64, |acc, s| acc.saturating_add(self.stmt(s)))
    }

    fn bind_target(&mut self, target: &Expr<'_>, item: Size, line: u16) {
        match target {
            Expr::Var(v) => self.scopes.push((v.id.to_owned(), item)),
            Expr::List(l) => {
                for t in &l.items {
                    self.bind_target(t, item, line);
                }
            }
            _ => self.unsupported("a loop must name its items", line),
        }
    }

    fn lookup(&self, name: &str) -> Option<Size> {
        self.scopes
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, s)| *s)
    }

    /// The variable's value `expr` reads, when it is a plain path into the variables:
    /// `items`, `order.items`, `items[0]`.
    fn resolve(&self, expr: &Expr<'_>) -> Option<&Json> {
        match expr {
            Expr::Var(v) if self.lookup(v.id).is_none() => self.vars.get(v.id),
            Expr::GetAttr(a) => self.resolve(&a.expr)?.get(a.name),
            Expr::GetItem(i) => {
                let base = self.resolve(&i.expr)?;
                let Expr::Const(c) = &i.subscript_expr else {
                    return None;
                };
                if let Some(key) = c.value.as_str() {
                    return base.get(key);
                }
                let index = i64::try_from(c.value.clone()).ok()?;
                let items = base.as_array()?;
                let index = if index < 0 {
                    items
                        .len()
                        .checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
                } else {
                    usize::try_from(index).ok()?
                };
                items.get(index)
            }
            _ => None,
        }
    }

    /// A bound on the value of `expr` and the work of computing it (which counts its size).
    fn expr(&mut self, expr: &Expr<'_>) -> (Size, u64) {
        let line = expr.span().start_line;
        let (size, children) = match expr {
            Expr::Var(v) => {
                let size = match self.lookup(v.id) {
                    Some(s) => s,
                    None => {
                        self.report
                            .first_use
                            .entry(v.id.to_owned())
                            .or_insert(usize::from(line));
                        self.vars.get(v.id).map_or(Size::SCALAR, Size::of_json)
                    }
                };
                (size, 0)
            }
            Expr::Const(c) => {
                let size = match c.value.as_str() {
                    Some(s) => Size {
                        len: len(s),
                        count: s.chars().count() as u64,
                        elem: 4,
                    },
                    None => Size::any(len(&c.value.to_string()).max(24)),
                };
                (size, 0)
            }
            Expr::GetAttr(a) => {
                let (inner, work) = self.expr(&a.expr);
                let size = match self.resolve(expr) {
                    Some(v) => Size::of_json(v),
                    None => Size::any(inner.len),
                };
                (size, work)
            }
            Expr::GetItem(i) => {
                let (inner, work) = self.expr(&i.expr);
                let (_, sub) = self.expr(&i.subscript_expr);
                let size = match self.resolve(expr) {
                    Some(v) => Size::of_json(v),
                    None => Size::any(inner.len),
                };
                (size, work.saturating_add(sub))
            }
            Expr::Slice(s) => {
                let (inner, mut work) = self.expr(&s.expr);
                for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                    work = work.saturating_add(self.expr(part).1);
                }
                (inner, work)
            }
            Expr::UnaryOp(u) => {
                let (_, work) = self.expr(&u.expr);
                (Size::SCALAR, work)
            }
            Expr::BinOp(b) => {
                let (l, lw) = self.expr(&b.left);
                let (r, rw) = self.expr(&b.right);
                let size = match b.op {
                    BinOpKind::Concat | BinOpKind::Add => Size {
                        len: l.len.saturating_add(r.len).saturating_add(2),
                        count: l.count.saturating_add(r.count),
                        elem: l.elem.max(r.elem),
                    },
                    BinOpKind::ScAnd | BinOpKind::ScOr => l.max(r),
                    BinOpKind::Mul | BinOpKind::Pow => {
                        self.unsupported("`*` and `**` are not available", line);
                        Size::SCALAR
                    }
                    _ => Size::SCALAR,
                };
                (size, lw.saturating_add(rw))
            }
            Expr::Compare(c) => {
                let mut work = self.expr(&c.expr).1;
                for op in &c.ops {
                    work = work.saturating_add(self.expr(&op.expr).1);
                }
                (Size::SCALAR, work)
            }
            Expr::IfExpr(i) => {
                let (_, test) = self.expr(&i.test_expr);
                let (t, tw) = self.expr(&i.true_expr);
                let (f, fw) = match &i.false_expr {
                    Some(e) => self.expr(e),
                    None => (Size::SCALAR, 0),
                };
                (t.max(f), test.saturating_add(tw).saturating_add(fw))
            }
            Expr::Test(t) => {
                let (_, mut work) = self.expr(&t.expr);
                work = work.saturating_add(self.args(&t.args, line).1);
                (Size::SCALAR, work)
            }
            Expr::Filter(f) => match &f.expr {
                Some(input) => {
                    let (input, work) = self.expr(input);
                    let (arg, arg_work) = self.args(&f.args, line);
                    let size = self.filter(f.name, input, arg, line);
                    (size, work.saturating_add(arg_work))
                }
                None => {
                    self.unsupported("`{% filter %}` blocks are not available", line);
                    (Size::SCALAR, 0)
                }
            },
            Expr::List(l) => {
                let mut size = Size {
                    len: 2,
                    count: l.items.len() as u64,
                    elem: 0,
                };
                let mut work = 0u64;
                for item in &l.items {
                    let (s, w) = self.expr(item);
                    size.len = size.len.saturating_add(s.len).saturating_add(2);
                    size.elem = size.elem.max(s.len);
                    work = work.saturating_add(w);
                }
                (size, work)
            }
            Expr::Call(c) => {
                // Walked for the names it uses (`range` is then an unknown variable too).
                self.expr(&c.expr);
                self.args(&c.args, line);
                self.unsupported(
                    "function and method calls (`range()`, `loop.cycle()` …) are not available",
                    line,
                );
                (Size::SCALAR, 0)
            }
            _ => {
                self.unsupported("dict literals are not available", line);
                (Size::SCALAR, 0)
            }
        };
        (size, children.saturating_add(size.len))
    }

    /// The largest of the arguments' values, and the work of computing them all.
    fn args(&mut self, args: &[CallArg<'_>], line: u16) -> (Size, u64) {
        let mut largest = Size {
            len: 0,
            count: 0,
            elem: 0,
        };
        let mut work = 0u64;
        for arg in args {
            match arg {
                CallArg::Pos(e) | CallArg::Kwarg(_, e) => {
                    let (s, w) = self.expr(e);
                    largest = largest.max(s);
                    work = work.saturating_add(w);
                }
                CallArg::PosSplat(_) | CallArg::KwargSplat(_) => {
                    self.unsupported("`*args` and `**kwargs` are not available", line)
                }
            }
        }
        (largest, work)
    }

    /// A bound on what filter `name` makes of `input`, its arguments being at most `arg`.
    fn filter(&mut self, name: &str, input: Size, arg: Size, line: u16) -> Size {
        match name {
            // Case mapping can turn one character into three (`ﬃ` → `FFI`).
            "upper" | "lower" | "title" | "capitalize" => Size::any(input.len.saturating_mul(3)),
            "trim" | "string" | "safe" | "attr" => Size::any(input.len),
            "default" | "d" => input.max(arg),
            "length" | "count" | "wordcount" | "int" | "float" | "abs" | "round" | "bool" => {
                Size::SCALAR
            }
            "first" | "last" | "min" | "max" => Size::any(input.elem),
            // The same items as a list; a string becomes a list of quoted characters.
            "list" | "reverse" | "sort" | "unique" | "select" | "reject" | "selectattr"
            | "rejectattr" => Size {
                len: input.len.saturating_mul(12).saturating_add(2),
                count: input.count,
                elem: input.elem,
            },
            "join" => Size::any(
                input
                    .len
                    .saturating_add(input.count.saturating_mul(arg.len)),
            ),
            "replace" => Size::any(
                input
                    .len
                    .saturating_add(1)
                    .saturating_mul(arg.len.saturating_add(1)),
            ),
            "split" | "lines" => Size {
                len: input.len.saturating_mul(16).saturating_add(16),
                count: input.len.saturating_add(1),
                elem: input.len,
            },
            other => {
                self.unsupported(format!("the filter `{other}` is not available"), line);
                Size::SCALAR
            }
        }
    }
}

fn stmt_line(stmt: &Stmt<'_>) -> u16 {
    let span = match stmt {
        Stmt::Template(s) => s.span(),
        Stmt::EmitExpr(s) => s.span(),
        Stmt::EmitRaw(s) => s.span(),
        Stmt::ForLoop(s) => s.span(),
        Stmt::IfCond(s) => s.span(),
        Stmt::WithBlock(s) => s.span(),
        Stmt::Set(s) => s.span(),
        Stmt::SetBlock(s) => s.span(),
        Stmt::AutoEscape(s) => s.span(),
        Stmt::FilterBlock(s) => s.span(),
        Stmt::Block(s) => s.span(),
        Stmt::Import(s) => s.span(),
        Stmt::FromImport(s) => s.span(),
        Stmt::Extends(s) => s.span(),
        Stmt::Include(s) => s.span(),
        Stmt::Macro(s) => s.span(),
        Stmt::CallBlock(s) => s.span(),
        Stmt::Do(s) => s.span(),
    };
    span.start_line
}

/// The most tokens one `{{ … }}` or `{% … %}` may hold. Chains (`a|f|g…`, `a ~ b ~ c…`) are
/// parsed without MiniJinja's recursion limit into trees as deep as they are long, and every
/// pass over the tree recurses: a few thousand links overflow the stack and abort the
/// process. A hundred tokens is far more than any message needs.
pub(super) const MAX_TAG_TOKENS: usize = 100;

/// The first tag of `source` longer than [`MAX_TAG_TOKENS`]: a message and its line. A
/// source that does not tokenize passes (compiling it reports the syntax error).
pub(super) fn overlong_tag(source: &str) -> Option<(String, usize)> {
    use minijinja::machinery::Token;
    let tokens = minijinja::machinery::tokenize(
        source,
        false,
        minijinja::syntax::SyntaxConfig,
        minijinja::machinery::WhitespaceConfig::default(),
    );
    let mut count = 0usize;
    for token in tokens {
        let Ok((token, span)) = token else {
            return None;
        };
        match token {
            Token::VariableStart | Token::BlockStart => count = 0,
            Token::VariableEnd | Token::BlockEnd | Token::TemplateData(_) => {}
            _ => {
                count += 1;
                if count > MAX_TAG_TOKENS {
                    return Some((
                        format!("an expression of more than {MAX_TAG_TOKENS} parts: split it up"),
                        usize::from(span.start_line),
                    ));
                }
            }
        }
    }
    None
}

/// Parses `source` as MiniJinja does (the whitespace options only change the text kept).
pub(super) fn parse<'s>(source: &'s str, name: &'s str) -> Result<Stmt<'s>, minijinja::Error> {
    minijinja::machinery::parse(
        source,
        name,
        minijinja::syntax::SyntaxConfig,
        minijinja::machinery::WhitespaceConfig::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(source: &str, vars: serde_json::Value) -> Report {
        let ast = parse(source, "t").expect("parses");
        let vars = vars.as_object().cloned().unwrap_or_default();
        inspect(&ast, &vars)
    }

    fn vars() -> serde_json::Value {
        serde_json::json!({
            "brand": "Wayfare",
            "link": "https://wayfare.example/bookings/0190a6f2",
            "items": ["PEK → JFK (X7KQ2M)", "The Langham, New York (LH88123)"],
        })
    }

    #[test]
    fn ordinary_templates_are_cheap() {
        let r = report(
            "{{ brand|upper }}: {% for i in items %}{{ loop.index }}. {{ i }}{% if not loop.last %}, {% endif %}{% endfor %}\n{{ link }} {{ items|join(', ') }} {{ items[0] }} {{ items|first }} {{ brand if brand is defined else 'x' }}",
            vars(),
        );
        assert!(r.unsupported.is_empty(), "{:?}", r.unsupported);
        assert!(r.work < 5_000, "{}", r.work);
        assert_eq!(r.first_use.get("brand"), Some(&1));
        assert_eq!(r.first_use.get("link"), Some(&2));
        assert!(!r.first_use.contains_key("i"));
        assert!(!r.first_use.contains_key("loop"));
    }

    #[test]
    fn loops_multiply_by_the_items_they_can_see() {
        let one = report("{% for i in items %}{{ i }}{% endfor %}", vars()).work;
        let many = report(
            "{% for i in items %}{{ i }}{% endfor %}",
            serde_json::json!({"items": vec!["PEK → JFK (X7KQ2M)"; 100]}),
        )
        .work;
        assert!(many > one * 20, "{one} {many}");
        assert!(many < MAX_WORK / 100);
    }

    #[test]
    fn runaway_templates_are_over_budget() {
        let nested = "{% for a in link %}{% for b in link %}{% for c in link %}{% for d in link %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
        assert!(report(nested, vars()).work > MAX_WORK);
        let doubling = format!("{{{{ link{} }}}}", "|replace('a', 'aa')".repeat(40));
        assert!(report(&doubling, vars()).work > MAX_WORK);
        let joined = format!("{{{{ link{} }}}}", "|join(link)".repeat(10));
        assert!(report(&joined, vars()).work > MAX_WORK);
        let listed = format!("{{{{ link{} }}}}", "|list|string".repeat(12));
        assert!(report(&listed, vars()).work > MAX_WORK);
    }

    #[test]
    fn constructs_outside_the_subset_are_named_with_their_line() {
        for (source, needle, line) in [
            ("a\n{% set x = 1 %}", "set", 2),
            ("{% for i in range(10) %}{% endfor %}", "calls", 1),
            ("\n\n{{ 'a' * 1000000 }}", "`*`", 3),
            ("{% macro m() %}{% endmacro %}", "macros", 1),
            ("{{ {'a': 1} }}", "dict", 1),
            ("{{ link|indent(4) }}", "indent", 1),
            ("{% include 'x' %}", "includes", 1),
            ("{% for i in items recursive %}{% endfor %}", "recursive", 1),
            ("{{ loop.cycle('a', 'b') }}", "calls", 1),
        ] {
            let r = report(source, vars());
            assert!(
                r.unsupported
                    .iter()
                    .any(|(what, l)| what.contains(needle) && *l == line),
                "{source}: {:?}",
                r.unsupported
            );
        }
    }
}
