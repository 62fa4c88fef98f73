//! The Lua 5.4 abstract syntax tree.
//!
//! Every node carries a byte [`Span`] into the source so that diagnostics can point at a line
//! *and* column, and so the compiler can map each instruction to a line.

pub use super::packed::PackedTable;

/// A half-open byte range `start..end` in the chunk's source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// An identifier with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub name: String,
    pub span: Span,
}

/// A whole chunk: the body of the implicit main function (which is always vararg).
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    pub block: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stats: Vec<Stat>,
    /// The optional final `return`.
    pub ret: Option<Return>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Return {
    pub values: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    pub kind: StatKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StatKind {
    /// A function call used as a statement (`ExprKind::Call` or `ExprKind::MethodCall`).
    Call(Expr),
    /// `targets = values`; each target is `ExprKind::Name` or `ExprKind::Index`.
    Assign {
        targets: Vec<Expr>,
        values: Vec<Expr>,
    },
    /// `local a <const>, b = values`
    Local {
        names: Vec<LocalName>,
        values: Vec<Expr>,
    },
    // Blocks and rarer parts are boxed so a statement stays small (data files written as
    // Lua are long lists of assignments).
    Do(Box<Block>),
    While {
        cond: Expr,
        body: Box<Block>,
    },
    /// `repeat body until cond`; `cond` can see the body's locals.
    Repeat {
        body: Box<Block>,
        cond: Expr,
    },
    /// `if c1 then b1 elseif c2 then b2 ... else e end`
    If {
        branches: Vec<(Expr, Block)>,
        else_block: Option<Box<Block>>,
    },
    NumericFor {
        var: Box<Name>,
        start: Box<Expr>,
        limit: Box<Expr>,
        step: Option<Box<Expr>>,
        body: Box<Block>,
    },
    GenericFor {
        vars: Vec<Name>,
        exprs: Vec<Expr>,
        body: Box<Block>,
    },
    /// `function a.b.c:m() ... end`
    Function {
        name: Box<FuncName>,
        func: Box<FunctionBody>,
    },
    /// `local function f() ... end` (`f` is in scope inside its own body)
    LocalFunction {
        name: Name,
        func: Box<FunctionBody>,
    },
    Goto(Name),
    Label(Name),
    Break,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attrib {
    Const,
    Close,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LocalName {
    pub name: Name,
    pub attrib: Option<Attrib>,
}

/// The name in `function a.b.c:m()`: `path` is `[a, b, c]`, `method` is `m`.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncName {
    pub path: Vec<Name>,
    pub method: Option<Name>,
}

/// Parameters and body of a function. For a method (`function t:m()`), the parser does *not*
/// add `self`; the compiler adds it because `FuncName::method` is set.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionBody {
    pub params: Vec<Name>,
    pub is_vararg: bool,
    pub body: Block,
    /// From the `function` keyword to the closing `end` inclusive.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Nil,
    True,
    False,
    /// `...`
    Vararg,
    Integer(i64),
    Float(f64),
    /// A string literal after escape processing (Lua strings are bytes).
    String(Vec<u8>),
    Function(Box<FunctionBody>),
    Table(Vec<TableField>),
    /// A constructor whose fields are all literals, in compact form (see
    /// [`super::packed`]); it stands for the `Table` its fields would make.
    PackedTable(PackedTable),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnOp,
        operand: Box<Expr>,
    },
    /// `(e)`: truncates a multi-value expression to one value.
    Paren(Box<Expr>),
    /// A variable reference; the compiler resolves it as local, upvalue or global.
    Name(String),
    /// `obj[key]`, and `obj.name` (parsed as `obj["name"]`).
    Index {
        obj: Box<Expr>,
        key: Box<Expr>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `obj:method(args)` (`method` boxed to keep every expression small: big data files
    /// are mostly expressions).
    MethodCall {
        obj: Box<Expr>,
        method: Box<Name>,
        args: Vec<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum TableField {
    /// `{ value }`
    Positional(Expr),
    /// `{ name = value }` (one box, so a field is no bigger than an expression)
    Named(Box<(Name, Expr)>),
    /// `{ [key] = value }`
    Keyed(Box<(Expr, Expr)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IDiv,
    Mod,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
    Len,
    BNot,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// The left operand of a link in a left-leaning chain: `a + b` (`a`), `t.k`/`t[k]` (`t`),
    /// `f(x)` (`f`), `o:m(x)` (`o`). Such chains (`a + a + ... + a`, `t.a.a.a`, `f()()()`)
    /// can be a million links deep, so every pass walks them with a loop over this, never by
    /// recursion; every other kind of nesting is bounded by the parser's nesting limit.
    pub fn left_operand(&self) -> Option<&Expr> {
        match &self.kind {
            ExprKind::Binary { lhs, .. } => Some(lhs),
            ExprKind::Index { obj, .. } | ExprKind::MethodCall { obj, .. } => Some(obj),
            ExprKind::Call { func, .. } => Some(func),
            _ => None,
        }
    }

    fn left_operand_mut(&mut self) -> Option<&mut Expr> {
        match &mut self.kind {
            ExprKind::Binary { lhs, .. } => Some(lhs),
            ExprKind::Index { obj, .. } | ExprKind::MethodCall { obj, .. } => Some(obj),
            ExprKind::Call { func, .. } => Some(func),
            _ => None,
        }
    }

    /// True for expressions that can produce several values (calls and `...`).
    pub fn is_multi(&self) -> bool {
        matches!(
            self.kind,
            ExprKind::Call { .. } | ExprKind::MethodCall { .. } | ExprKind::Vararg
        )
    }
}

/// Dropping a left-leaning chain link by link, so a million-link chain does not recurse a
/// million times (see [`Expr::left_operand`]).
impl Drop for Expr {
    fn drop(&mut self) {
        let Some(left) = self.left_operand_mut() else {
            return;
        };
        if left.left_operand().is_none() {
            return;
        }
        let mut next = std::mem::replace(&mut left.kind, ExprKind::Nil);
        loop {
            let mut link = Expr::new(next, Span::default());
            match link.left_operand_mut() {
                Some(left) if left.left_operand().is_some() => {
                    next = std::mem::replace(&mut left.kind, ExprKind::Nil);
                }
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Big data files are mostly expressions and constructor fields: keep them small.
    #[test]
    fn nodes_stay_small() {
        assert!(
            std::mem::size_of::<Expr>() <= 48,
            "{}",
            std::mem::size_of::<Expr>()
        );
        assert!(std::mem::size_of::<TableField>() <= 48);
        assert!(
            std::mem::size_of::<Stat>() <= 72,
            "{}",
            std::mem::size_of::<Stat>()
        );
    }
}
