//! Capture analysis: a pre-pass over the whole chunk that finds which local declarations
//! are referenced from a nested function. Those locals live in cells; the others stay in
//! registers.
//!
//! A declaration is identified by a [`DeclKey`], the byte offset of its name (for the
//! implicit `self` of a method, the offset of the `function` keyword). If two
//! declarations ever shared a key, both would be treated as captured: slower, never wrong.

use crate::syntax::ast::{Block, Chunk, Expr, ExprKind, FunctionBody, StatKind, TableField};

pub(super) type DeclKey = u32;

/// Key of the implicit `self` parameter of the method whose body is `func`.
pub(super) fn self_key(func: &FunctionBody) -> DeclKey {
    func.span.start
}

pub(super) fn find_captures(chunk: &Chunk) -> Captures {
    let mut walker = Walker {
        decls: Vec::new(),
        depth: 0,
        captured: Vec::new(),
    };
    walker.block(&chunk.block);
    let mut keys = walker.captured;
    keys.sort_unstable();
    keys.dedup();
    Captures(keys)
}

/// The keys of the captured declarations, sorted: found by binary search (a `HashSet`'s
/// SipHash was 1% of compiling a big chunk).
pub(super) struct Captures(Vec<DeclKey>);

impl Captures {
    pub(super) fn contains(&self, key: DeclKey) -> bool {
        self.0.binary_search(&key).is_ok()
    }
}

/// A declaration in scope: its name, the name's `function::name_key` (compared first: every
/// global name is looked up through all the declarations in scope, and `_ENV` after it),
/// its key, and the depth of the function declaring it.
struct Decl {
    name: String,
    name_key: u64,
    key: DeclKey,
    depth: usize,
}

struct Walker {
    /// Declarations in scope, innermost last.
    decls: Vec<Decl>,
    depth: usize,
    /// Keys of captured declarations, once per capturing reference (sorted at the end).
    captured: Vec<DeclKey>,
}

impl Walker {
    fn declare(&mut self, name: &str, key: DeclKey) {
        self.decls.push(Decl {
            name: name.to_string(),
            name_key: super::function::name_key(name),
            key,
            depth: self.depth,
        });
    }

    /// Resolves a name use; returns false if it is free (a global).
    fn reference(&mut self, name: &str) -> bool {
        let name_key = super::function::name_key(name);
        match self
            .decls
            .iter()
            .rev()
            .find(|d| d.name_key == name_key && d.name == name)
        {
            Some(d) => {
                if d.depth < self.depth && self.captured.last() != Some(&d.key) {
                    self.captured.push(d.key);
                }
                true
            }
            None => false,
        }
    }

    fn name_use(&mut self, name: &str) {
        if !self.reference(name) {
            // Globals go through `_ENV`, which may be a captured local.
            self.reference("_ENV");
        }
    }

    fn block(&mut self, block: &Block) {
        let saved = self.decls.len();
        self.stats_and_return(block);
        self.decls.truncate(saved);
    }

    fn stats_and_return(&mut self, block: &Block) {
        for stat in &block.stats {
            self.stat(&stat.kind);
        }
        if let Some(ret) = &block.ret {
            self.exprs(&ret.values);
        }
    }

    fn stat(&mut self, stat: &StatKind) {
        match stat {
            StatKind::Call(e) => self.expr(e),
            StatKind::Assign { targets, values } => {
                self.exprs(targets);
                self.exprs(values);
            }
            StatKind::Local { names, values } => {
                self.exprs(values);
                for n in names {
                    self.declare(&n.name.name, n.name.span.start);
                }
            }
            StatKind::Do(b) => self.block(b),
            StatKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            StatKind::Repeat { body, cond } => {
                let saved = self.decls.len();
                self.stats_and_return(body);
                self.expr(cond);
                self.decls.truncate(saved);
            }
            StatKind::If {
                branches,
                else_block,
            } => {
                for (cond, body) in branches {
                    self.expr(cond);
                    self.block(body);
                }
                if let Some(b) = else_block {
                    self.block(b);
                }
            }
            StatKind::NumericFor {
                var,
                start,
                limit,
                step,
                body,
            } => {
                self.expr(start);
                self.expr(limit);
                if let Some(s) = step {
                    self.expr(s);
                }
                let saved = self.decls.len();
                self.declare(&var.name, var.span.start);
                self.block(body);
                self.decls.truncate(saved);
            }
            StatKind::GenericFor { vars, exprs, body } => {
                self.exprs(exprs);
                let saved = self.decls.len();
                for v in vars {
                    self.declare(&v.name, v.span.start);
                }
                self.block(body);
                self.decls.truncate(saved);
            }
            StatKind::Function { name, func } => {
                if let Some(first) = name.path.first() {
                    self.name_use(&first.name);
                }
                self.function(func, name.method.is_some());
            }
            StatKind::LocalFunction { name, func } => {
                self.declare(&name.name, name.span.start);
                self.function(func, false);
            }
            StatKind::Goto(_) | StatKind::Label(_) | StatKind::Break => {}
        }
    }

    fn function(&mut self, func: &FunctionBody, is_method: bool) {
        let saved = self.decls.len();
        self.depth += 1;
        if is_method {
            self.declare("self", self_key(func));
        }
        for p in &func.params {
            self.declare(&p.name, p.span.start);
        }
        self.block(&func.body);
        self.depth -= 1;
        self.decls.truncate(saved);
    }

    fn exprs(&mut self, exprs: &[Expr]) {
        for e in exprs {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        // Left-leaning chains with a loop (see `Expr::left_operand`): the innermost operand
        // first, then the other parts of each link outwards, in source order.
        let mut links = Vec::new();
        let mut cur = e;
        while let Some(left) = cur.left_operand() {
            links.push(cur);
            cur = left;
        }
        self.expr_parts(cur);
        for link in links.into_iter().rev() {
            self.expr_parts(link);
        }
    }

    /// The sub-expressions of `e` except a chain link's left operand.
    fn expr_parts(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Nil
            | ExprKind::True
            | ExprKind::False
            | ExprKind::Vararg
            | ExprKind::Integer(_)
            | ExprKind::Float(_)
            | ExprKind::String(_)
            // Literals only: no names, no functions.
            | ExprKind::PackedTable(_) => {}
            ExprKind::Function(f) => self.function(f, false),
            ExprKind::Table(fields) => {
                for field in fields {
                    match field {
                        TableField::Positional(v) => self.expr(v),
                        TableField::Named(field) => self.expr(&field.1),
                        TableField::Keyed(field) => {
                            let (key, value) = &**field;
                            self.expr(key);
                            self.expr(value);
                        }
                    }
                }
            }
            ExprKind::Binary { rhs, .. } => self.expr(rhs),
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Name(n) => self.name_use(n),
            ExprKind::Index { key, .. } => self.expr(key),
            ExprKind::Call { args, .. } => self.exprs(args),
            ExprKind::MethodCall { args, .. } => {
                self.exprs(args);
            }
        }
    }
}
