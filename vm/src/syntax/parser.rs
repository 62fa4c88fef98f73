//! Recursive-descent parser: tokens → [`super::ast::Chunk`].
//!
//! The grammar and the error messages follow Lua 5.4's `lparser.c`. Semantic checks that
//! need scopes (goto/label resolution, `break` outside a loop, assignment to `<const>`) are
//! left to the compiler.

use super::ast::*;
use super::lexer::Lexer;
use super::packed::Packer;
use super::token::{near_text, token_kind_str, Tok, Token};
use super::{LineIndex, SyntaxError};

/// Maximum nesting of statements and sub-expressions (Lua's `LUAI_MAXCCALLS`); keeps deeply
/// nested input from overflowing the Rust stack here and in later passes. Left-leaning
/// chains (`a + b + c ...`, `t.a.b`, `f()()()`) are loops here and in every later pass (see
/// [`Expr::left_operand`]), so they are not nesting and have no limit, as in Lua.
const MAX_NESTING: u32 = 200;
/// What lua5.4 says when nesting is too deep (its parser counts C levels): no position.
pub const TOO_DEEP: &str = "C stack overflow";

/// Stack the parser may use below its entry point. Nesting is also limited by this, because
/// stack frames are much larger in unoptimised builds: there, deeply nested code hits this
/// budget before `MAX_NESTING`.
const STACK_BUDGET: usize = 1 << 20;

const UNARY_PRIORITY: u8 = 12;

pub(super) fn parse_chunk(source: &[u8]) -> Result<Chunk, SyntaxError> {
    parse_chunk_with(source, true)
}

/// `pack_tables: false` keeps every constructor an ordinary list of fields (for tests that
/// check packing changes nothing).
pub(super) fn parse_chunk_with(source: &[u8], pack_tables: bool) -> Result<Chunk, SyntaxError> {
    let mut p = Parser::new(source)?;
    p.pack_tables = pack_tables;
    let block = p.block()?;
    if p.tok.tok != Tok::Eof {
        return Err(p.expected(&Tok::Eof));
    }
    Ok(Chunk {
        block,
        span: Span::new(0, source.len() as u32),
    })
}

struct Parser<'s> {
    lexer: Lexer<'s>,
    /// The current token.
    tok: Token,
    /// One token of lookahead, needed only to tell `{ name = v }` from `{ name }`.
    ahead: Option<Token>,
    /// End of the last consumed token.
    prev_end: u32,
    /// Current nesting of statements and sub-expressions.
    nesting: u32,
    /// For each enclosing function, whether it is vararg.
    vararg: Vec<bool>,
    /// For each enclosing function, its local variables in scope (see [`FuncLocals`]).
    locals: Vec<FuncLocals>,
    /// Address of a local in the parser's entry frame, to measure stack use (see
    /// [`STACK_BUDGET`]).
    stack_base: usize,
    /// Whether all-literal constructors are packed (see [`super::packed`]).
    pack_tables: bool,
}

/// Lua's limit on local variables in scope in one function (`MAXVARS`).
const MAX_LOCALS: usize = 200;

/// Local variables declared and still in scope in one function being parsed. Lua checks
/// its limit while parsing, so a function with too many locals fails with that message
/// even when a syntax error follows.
struct FuncLocals {
    /// Where the function's line is taken from (`None` for the main chunk).
    line_at: Option<u32>,
    /// Declared variables in scope, counting hidden loop state as lua5.4 does.
    count: usize,
}

/// The address of a local variable of the caller's frame (approximately): where the stack is.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

fn binary_op(tok: &Tok) -> Option<BinOp> {
    Some(match tok {
        Tok::Char(b'+') => BinOp::Add,
        Tok::Char(b'-') => BinOp::Sub,
        Tok::Char(b'*') => BinOp::Mul,
        Tok::Char(b'/') => BinOp::Div,
        Tok::Char(b'%') => BinOp::Mod,
        Tok::Char(b'^') => BinOp::Pow,
        Tok::Char(b'&') => BinOp::BAnd,
        Tok::Char(b'|') => BinOp::BOr,
        Tok::Char(b'~') => BinOp::BXor,
        Tok::Char(b'<') => BinOp::Lt,
        Tok::Char(b'>') => BinOp::Gt,
        Tok::IDiv => BinOp::IDiv,
        Tok::Shl => BinOp::Shl,
        Tok::Shr => BinOp::Shr,
        Tok::Concat => BinOp::Concat,
        Tok::Eq => BinOp::Eq,
        Tok::Ne => BinOp::Ne,
        Tok::Le => BinOp::Le,
        Tok::Ge => BinOp::Ge,
        Tok::And => BinOp::And,
        Tok::Or => BinOp::Or,
        _ => return None,
    })
}

/// (left, right) binding priorities, as in Lua; right < left means right associative.
fn priority(op: BinOp) -> (u8, u8) {
    use BinOp::*;
    match op {
        Or => (1, 1),
        And => (2, 2),
        Eq | Ne | Lt | Le | Gt | Ge => (3, 3),
        BOr => (4, 4),
        BXor => (5, 5),
        BAnd => (6, 6),
        Shl | Shr => (7, 7),
        Concat => (9, 8),
        Add | Sub => (10, 10),
        Mul | Div | IDiv | Mod => (11, 11),
        Pow => (14, 13),
    }
}

fn unary_op(tok: &Tok) -> Option<UnOp> {
    match tok {
        Tok::Not => Some(UnOp::Not),
        Tok::Char(b'-') => Some(UnOp::Neg),
        Tok::Char(b'#') => Some(UnOp::Len),
        Tok::Char(b'~') => Some(UnOp::BNot),
        _ => None,
    }
}

fn is_assignable(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Name(_) | ExprKind::Index { .. })
}

impl<'s> Parser<'s> {
    fn new(source: &'s [u8]) -> Result<Parser<'s>, SyntaxError> {
        let mut lexer = Lexer::new(source);
        let tok = lexer.next_token()?;
        Ok(Parser {
            lexer,
            tok,
            ahead: None,
            prev_end: 0,
            nesting: 0,
            vararg: vec![true],
            locals: vec![FuncLocals {
                line_at: None,
                count: 0,
            }],
            stack_base: stack_position(),
            pack_tables: true,
        })
    }

    // ---- token handling -------------------------------------------------------------

    fn advance(&mut self) -> Result<(), SyntaxError> {
        let next = match self.ahead.take() {
            Some(t) => t,
            None => self.lexer.next_token()?,
        };
        self.prev_end = self.tok.span.end;
        self.tok = next;
        Ok(())
    }

    fn peek(&mut self) -> Result<&Tok, SyntaxError> {
        if self.ahead.is_none() {
            self.ahead = Some(self.lexer.next_token()?);
        }
        Ok(self.ahead.as_ref().map_or(&Tok::Eof, |t| &t.tok))
    }

    fn is(&self, tok: &Tok) -> bool {
        &self.tok.tok == tok
    }

    fn is_char(&self, c: u8) -> bool {
        self.tok.tok == Tok::Char(c)
    }

    /// Consumes the current token if it is `tok`.
    fn accept(&mut self, tok: &Tok) -> Result<bool, SyntaxError> {
        if self.is(tok) {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Consumes `tok` or fails with "'tok' expected".
    fn expect(&mut self, tok: &Tok) -> Result<(), SyntaxError> {
        if self.accept(tok)? {
            Ok(())
        } else {
            Err(self.expected(tok))
        }
    }

    fn expect_name(&mut self) -> Result<Name, SyntaxError> {
        if let Tok::Name(name) = &self.tok.tok {
            let name = Name {
                name: name.clone(),
                span: self.tok.span,
            };
            self.advance()?;
            Ok(name)
        } else {
            Err(self.expected(&Tok::Name(String::new())))
        }
    }

    /// Consumes the token closing a construct opened by `opener` (at `open_span`, and on the
    /// line of `open_line_at`, which is where Lua takes the line from).
    fn expect_closing(
        &mut self,
        closer: &Tok,
        opener: &Tok,
        open_span: Span,
        open_line_at: u32,
    ) -> Result<(), SyntaxError> {
        if self.accept(closer)? {
            return Ok(());
        }
        let lines = LineIndex::new(self.lexer.source());
        let open_line = lines.line_of(open_line_at);
        if open_line == lines.line_of(self.current_line_offset()) {
            return Err(self.expected(closer));
        }
        let opener = token_kind_str(opener);
        let mut err = self.error_near(&format!(
            "{} expected (to close {opener} at line {open_line})",
            token_kind_str(closer)
        ));
        err.related = Some((open_span, format!("unclosed {opener} starts here")));
        Err(err)
    }

    /// An offset on the line Lua considers current: where the current token ends.
    fn current_line_offset(&self) -> u32 {
        let span = self.tok.span;
        span.start.max(span.end.saturating_sub(1))
    }

    // ---- errors -----------------------------------------------------------------------

    fn error_near(&self, msg: &str) -> SyntaxError {
        // Lua reports the line where the token ends; for a token spanning lines (a long
        // string) point at its last line so the span's line matches Lua's.
        let lines = LineIndex::new(self.lexer.source());
        let last_line_start = lines.line_start(lines.line_of(self.current_line_offset()));
        let span = Span::new(self.tok.span.start.max(last_line_start), self.tok.span.end);
        SyntaxError {
            message: format!("{msg} near {}", near_text(&self.tok, self.lexer.source())),
            span,
            related: None,
        }
    }

    fn expected(&self, tok: &Tok) -> SyntaxError {
        self.error_near(&format!("{} expected", token_kind_str(tok)))
    }

    /// An error without the "near" part (Lua's `luaK_semerror`).
    fn plain_error(msg: String, span: Span) -> SyntaxError {
        SyntaxError {
            message: msg,
            span,
            related: None,
        }
    }

    /// Declares `n` local variables in the current function, at the current token.
    fn declare_locals(&mut self, n: usize) -> Result<(), SyntaxError> {
        let Some(func) = self.locals.last_mut() else {
            return Ok(());
        };
        func.count += n;
        if func.count <= MAX_LOCALS {
            return Ok(());
        }
        let place = match func.line_at {
            None => "main function".to_string(),
            Some(at) => {
                let line = LineIndex::new(self.lexer.source()).line_of(at);
                format!("function at line {line}")
            }
        };
        Err(self.error_near(&format!(
            "too many local variables (limit is {MAX_LOCALS}) in {place}"
        )))
    }

    /// How many locals are in scope now, to restore when a scope ends.
    fn locals_mark(&self) -> usize {
        self.locals.last().map_or(0, |f| f.count)
    }

    fn end_locals_scope(&mut self, mark: usize) {
        if let Some(func) = self.locals.last_mut() {
            func.count = mark;
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.nesting += 1;
        let stack_used = self.stack_base.abs_diff(stack_position());
        if self.nesting > MAX_NESTING || stack_used > STACK_BUDGET {
            return Err(Self::plain_error(TOO_DEEP.into(), self.tok.span));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    // ---- blocks and statements --------------------------------------------------------

    fn block_follows(&self, with_until: bool) -> bool {
        match self.tok.tok {
            Tok::Else | Tok::Elseif | Tok::End | Tok::Eof => true,
            Tok::Until => with_until,
            _ => false,
        }
    }

    fn block(&mut self) -> Result<Block, SyntaxError> {
        let mark = self.locals_mark();
        let block = self.block_statements();
        self.end_locals_scope(mark);
        block
    }

    fn block_statements(&mut self) -> Result<Block, SyntaxError> {
        let start = self.tok.span.start;
        let mut stats = Vec::new();
        let mut ret = None;
        while !self.block_follows(true) {
            if self.is(&Tok::Return) {
                ret = Some(self.return_stat()?);
                break;
            }
            if let Some(stat) = self.statement()? {
                stats.push(stat);
            }
        }
        let end = if self.prev_end > start {
            self.prev_end
        } else {
            start
        };
        Ok(Block {
            stats,
            ret,
            span: Span::new(start, end),
        })
    }

    fn return_stat(&mut self) -> Result<Return, SyntaxError> {
        let start = self.tok.span.start;
        self.advance()?;
        let values = if self.block_follows(true) || self.is_char(b';') {
            Vec::new()
        } else {
            self.expr_list()?
        };
        self.accept(&Tok::Char(b';'))?;
        Ok(Return {
            values,
            span: Span::new(start, self.prev_end),
        })
    }

    /// One statement; `None` for an empty statement (`;`).
    fn statement(&mut self) -> Result<Option<Stat>, SyntaxError> {
        if self.is_char(b';') {
            self.advance()?;
            return Ok(None);
        }
        self.enter()?;
        let start = self.tok.span.start;
        let kind = self.statement_kind()?;
        self.leave();
        Ok(Some(Stat {
            kind,
            span: Span::new(start, self.prev_end),
        }))
    }

    // Each statement form has its own function, and the dispatch below only makes tail
    // calls: statements nest through here, and (in debug builds especially) a single big
    // function would give every nesting level the stack frame of all forms together.
    fn statement_kind(&mut self) -> Result<StatKind, SyntaxError> {
        let kw = self.tok.span;
        match self.tok.tok {
            Tok::If => self.if_stat(kw),
            Tok::While => self.while_stat(kw),
            Tok::Do => self.do_stat(kw),
            Tok::For => self.for_stat(kw),
            Tok::Repeat => self.repeat_stat(kw),
            Tok::Function => self.function_stat(kw),
            Tok::Local => self.local_stat(),
            Tok::DbColon => self.label_stat(),
            Tok::Break => {
                self.advance()?;
                Ok(StatKind::Break)
            }
            Tok::Goto => {
                self.advance()?;
                Ok(StatKind::Goto(self.expect_name()?))
            }
            _ => self.expr_stat(),
        }
    }

    fn while_stat(&mut self, kw: Span) -> Result<StatKind, SyntaxError> {
        self.advance()?;
        let cond = self.expr()?;
        self.expect(&Tok::Do)?;
        let body = self.block()?;
        self.expect_closing(&Tok::End, &Tok::While, kw, kw.start)?;
        Ok(StatKind::While {
            cond,
            body: Box::new(body),
        })
    }

    fn do_stat(&mut self, kw: Span) -> Result<StatKind, SyntaxError> {
        self.advance()?;
        let body = self.block()?;
        self.expect_closing(&Tok::End, &Tok::Do, kw, kw.start)?;
        Ok(StatKind::Do(Box::new(body)))
    }

    fn repeat_stat(&mut self, kw: Span) -> Result<StatKind, SyntaxError> {
        self.advance()?;
        let body = self.block()?;
        self.expect_closing(&Tok::Until, &Tok::Repeat, kw, kw.start)?;
        let cond = self.expr()?;
        Ok(StatKind::Repeat {
            body: Box::new(body),
            cond,
        })
    }

    fn function_stat(&mut self, kw: Span) -> Result<StatKind, SyntaxError> {
        self.advance()?;
        let name = self.func_name()?;
        let has_self = name.method.is_some();
        let func = Box::new(self.function_body(kw, kw.start, has_self)?);
        Ok(StatKind::Function {
            name: Box::new(name),
            func,
        })
    }

    fn label_stat(&mut self) -> Result<StatKind, SyntaxError> {
        self.advance()?;
        let name = self.expect_name()?;
        self.expect(&Tok::DbColon)?;
        Ok(StatKind::Label(name))
    }

    /// `local function f` or `local names [= values]`, at `local`.
    fn local_stat(&mut self) -> Result<StatKind, SyntaxError> {
        self.advance()?;
        let fn_kw = self.tok.span;
        if !self.accept(&Tok::Function)? {
            return self.local_vars();
        }
        let name = self.expect_name()?;
        self.declare_locals(1)?;
        // Lua reports an unclosed body at the line of the token after the name.
        let line_at = self.tok.span.start;
        let func = Box::new(self.function_body(fn_kw, line_at, false)?);
        Ok(StatKind::LocalFunction { name, func })
    }

    fn if_stat(&mut self, kw: Span) -> Result<StatKind, SyntaxError> {
        let mut branches = Vec::new();
        loop {
            // At `if` or `elseif`.
            self.advance()?;
            let cond = self.expr()?;
            self.expect(&Tok::Then)?;
            let body = self.block()?;
            branches.push((cond, body));
            if !self.is(&Tok::Elseif) {
                break;
            }
        }
        let else_block = if self.accept(&Tok::Else)? {
            Some(self.block()?)
        } else {
            None
        };
        self.expect_closing(&Tok::End, &Tok::If, kw, kw.start)?;
        Ok(StatKind::If {
            branches,
            else_block: else_block.map(Box::new),
        })
    }

    fn for_stat(&mut self, kw: Span) -> Result<StatKind, SyntaxError> {
        self.advance()?;
        let first = self.expect_name()?;
        let mark = self.locals_mark();
        let kind = match self.tok.tok {
            Tok::Char(b'=') => {
                // Three hidden control variables and the loop variable.
                self.declare_locals(4)?;
                self.advance()?;
                let start = self.expr()?;
                self.expect(&Tok::Char(b','))?;
                let limit = self.expr()?;
                let step = if self.accept(&Tok::Char(b','))? {
                    Some(self.expr()?)
                } else {
                    None
                };
                self.expect(&Tok::Do)?;
                let body = self.block()?;
                StatKind::NumericFor {
                    var: Box::new(first),
                    start: Box::new(start),
                    limit: Box::new(limit),
                    step: step.map(Box::new),
                    body: Box::new(body),
                }
            }
            Tok::Char(b',') | Tok::In => {
                // Four hidden control variables and the first loop variable.
                self.declare_locals(5)?;
                let mut vars = vec![first];
                while self.accept(&Tok::Char(b','))? {
                    vars.push(self.expect_name()?);
                    self.declare_locals(1)?;
                }
                self.expect(&Tok::In)?;
                let exprs = self.expr_list()?;
                self.expect(&Tok::Do)?;
                let body = self.block()?;
                StatKind::GenericFor {
                    vars,
                    exprs,
                    body: Box::new(body),
                }
            }
            _ => return Err(self.error_near("'=' or 'in' expected")),
        };
        self.end_locals_scope(mark);
        self.expect_closing(&Tok::End, &Tok::For, kw, kw.start)?;
        Ok(kind)
    }

    /// `a.b.c:m` after `function`.
    fn func_name(&mut self) -> Result<FuncName, SyntaxError> {
        let mut path = vec![self.expect_name()?];
        while self.accept(&Tok::Char(b'.'))? {
            path.push(self.expect_name()?);
        }
        let method = if self.accept(&Tok::Char(b':'))? {
            Some(self.expect_name()?)
        } else {
            None
        };
        Ok(FuncName { path, method })
    }

    fn local_vars(&mut self) -> Result<StatKind, SyntaxError> {
        let mut names = Vec::new();
        let mut has_close = false;
        loop {
            let name = self.expect_name()?;
            self.declare_locals(1)?;
            let attrib = self.local_attrib()?;
            if let Some((Attrib::Close, span)) = attrib {
                if has_close {
                    return Err(Self::plain_error(
                        "multiple to-be-closed variables in local list".into(),
                        span,
                    ));
                }
                has_close = true;
            }
            names.push(LocalName {
                name,
                attrib: attrib.map(|(a, _)| a),
            });
            if !self.accept(&Tok::Char(b','))? {
                break;
            }
        }
        let values = if self.accept(&Tok::Char(b'='))? {
            self.expr_list()?
        } else {
            Vec::new()
        };
        Ok(StatKind::Local { names, values })
    }

    /// An optional `<const>` / `<close>`, with the attribute name's span.
    fn local_attrib(&mut self) -> Result<Option<(Attrib, Span)>, SyntaxError> {
        if !self.accept(&Tok::Char(b'<'))? {
            return Ok(None);
        }
        let name = self.expect_name()?;
        self.expect(&Tok::Char(b'>'))?;
        match name.name.as_str() {
            "const" => Ok(Some((Attrib::Const, name.span))),
            "close" => Ok(Some((Attrib::Close, name.span))),
            other => Err(Self::plain_error(
                format!("unknown attribute '{other}'"),
                name.span,
            )),
        }
    }

    /// A call statement or an assignment.
    fn expr_stat(&mut self) -> Result<StatKind, SyntaxError> {
        let first = self.suffixed_expr()?;
        if !(self.is_char(b'=') || self.is_char(b',')) {
            if matches!(
                first.kind,
                ExprKind::Call { .. } | ExprKind::MethodCall { .. }
            ) {
                return Ok(StatKind::Call(first));
            }
            return Err(self.error_near("syntax error"));
        }
        let mut targets = vec![first];
        // Lua recurses once per extra target, so they count as nesting levels.
        let saved = self.nesting;
        loop {
            if targets.last().is_some_and(|t| !is_assignable(t)) {
                return Err(self.error_near("syntax error"));
            }
            if !self.accept(&Tok::Char(b','))? {
                break;
            }
            self.enter()?;
            targets.push(self.suffixed_expr()?);
        }
        self.nesting = saved;
        self.expect(&Tok::Char(b'='))?;
        let values = self.expr_list()?;
        Ok(StatKind::Assign { targets, values })
    }

    /// `(params) body end`, the `function` keyword (at `kw`) already consumed.
    /// `has_self`: a method, whose implicit `self` parameter counts as a local.
    fn function_body(
        &mut self,
        kw: Span,
        open_line_at: u32,
        has_self: bool,
    ) -> Result<FunctionBody, SyntaxError> {
        self.locals.push(FuncLocals {
            line_at: Some(open_line_at),
            count: 0,
        });
        let body = self.function_body_in_scope(kw, open_line_at, has_self);
        self.locals.pop();
        body
    }

    fn function_body_in_scope(
        &mut self,
        kw: Span,
        open_line_at: u32,
        has_self: bool,
    ) -> Result<FunctionBody, SyntaxError> {
        if has_self {
            self.declare_locals(1)?;
        }
        self.expect(&Tok::Char(b'('))?;
        let mut params = Vec::new();
        let mut is_vararg = false;
        if !self.is_char(b')') {
            loop {
                match self.tok.tok {
                    Tok::Name(_) => {
                        params.push(self.expect_name()?);
                        self.declare_locals(1)?;
                    }
                    Tok::Dots => {
                        self.advance()?;
                        is_vararg = true;
                    }
                    _ => return Err(self.error_near("<name> or '...' expected")),
                }
                if is_vararg || !self.accept(&Tok::Char(b','))? {
                    break;
                }
            }
        }
        self.expect(&Tok::Char(b')'))?;
        self.vararg.push(is_vararg);
        let body = self.block()?;
        self.vararg.pop();
        self.expect_closing(&Tok::End, &Tok::Function, kw, open_line_at)?;
        Ok(FunctionBody {
            params,
            is_vararg,
            body,
            span: Span::new(kw.start, self.prev_end),
        })
    }

    // ---- expressions ------------------------------------------------------------------

    fn expr_list(&mut self) -> Result<Vec<Expr>, SyntaxError> {
        let mut list = vec![self.expr()?];
        while self.accept(&Tok::Char(b','))? {
            list.push(self.expr()?);
        }
        Ok(list)
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.sub_expr(0)
    }

    /// An expression whose binary operators all bind tighter than `limit` (Lua's `subexpr`).
    fn sub_expr(&mut self, limit: u8) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let mut lhs = match unary_op(&self.tok.tok) {
            Some(op) => self.unary_expr(op)?,
            None => self.simple_expr()?,
        };
        while let Some(op) = binary_op(&self.tok.tok) {
            if priority(op).0 <= limit {
                break;
            }
            lhs = self.binary_rhs(lhs, op)?;
        }
        self.leave();
        Ok(lhs)
    }

    /// At a unary operator.
    fn unary_expr(&mut self, op: UnOp) -> Result<Expr, SyntaxError> {
        let start = self.tok.span.start;
        self.advance()?;
        let operand = Box::new(self.sub_expr(UNARY_PRIORITY)?);
        let span = Span::new(start, operand.span.end);
        Ok(Expr::new(ExprKind::Unary { op, operand }, span))
    }

    /// At binary operator `op`, whose left operand is `lhs`.
    fn binary_rhs(&mut self, lhs: Expr, op: BinOp) -> Result<Expr, SyntaxError> {
        self.advance()?;
        let rhs = Box::new(self.sub_expr(priority(op).1)?);
        let span = lhs.span.to(rhs.span);
        let lhs = Box::new(lhs);
        Ok(Expr::new(ExprKind::Binary { op, lhs, rhs }, span))
    }

    fn simple_expr(&mut self) -> Result<Expr, SyntaxError> {
        let span = self.tok.span;
        let kind = match &self.tok.tok {
            Tok::Float(f) => ExprKind::Float(*f),
            Tok::Int(i) => ExprKind::Integer(*i),
            Tok::String(s) => ExprKind::String(s.clone()),
            Tok::Nil => ExprKind::Nil,
            Tok::True => ExprKind::True,
            Tok::False => ExprKind::False,
            Tok::Dots => {
                if self.vararg.last() != Some(&true) {
                    return Err(self.error_near("cannot use '...' outside a vararg function"));
                }
                ExprKind::Vararg
            }
            Tok::Char(b'{') => return self.table(),
            Tok::Function => {
                self.advance()?;
                let line_at = self.tok.span.start;
                let func = self.function_body(span, line_at, false)?;
                let span = func.span;
                return Ok(Expr::new(ExprKind::Function(Box::new(func)), span));
            }
            _ => return self.suffixed_expr(),
        };
        self.advance()?;
        Ok(Expr::new(kind, span))
    }

    /// A name or parenthesised expression.
    fn primary_expr(&mut self) -> Result<Expr, SyntaxError> {
        let span = self.tok.span;
        match &self.tok.tok {
            Tok::Name(name) => {
                let kind = ExprKind::Name(name.clone());
                self.advance()?;
                Ok(Expr::new(kind, span))
            }
            Tok::Char(b'(') => {
                self.advance()?;
                let inner = self.expr()?;
                self.expect_closing(&Tok::Char(b')'), &Tok::Char(b'('), span, span.start)?;
                Ok(Expr::new(
                    ExprKind::Paren(Box::new(inner)),
                    Span::new(span.start, self.prev_end),
                ))
            }
            _ => Err(self.error_near("unexpected symbol")),
        }
    }

    /// A primary expression followed by field accesses, indexing and calls.
    fn suffixed_expr(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.tok.span.start;
        let mut e = self.primary_expr()?;
        while matches!(
            self.tok.tok,
            Tok::Char(b'.' | b'[' | b':' | b'(' | b'{') | Tok::String(_)
        ) {
            e = self.suffix(e, start)?;
        }
        Ok(e)
    }

    /// Applies one suffix to `obj` (which started at `start`).
    fn suffix(&mut self, obj: Expr, start: u32) -> Result<Expr, SyntaxError> {
        let obj = Box::new(obj);
        let kind = match self.tok.tok {
            Tok::Char(b'.') => {
                self.advance()?;
                let name = self.expect_name()?;
                let key = Box::new(Expr::new(
                    ExprKind::String(name.name.into_bytes()),
                    name.span,
                ));
                ExprKind::Index { obj, key }
            }
            Tok::Char(b'[') => {
                self.advance()?;
                let key = Box::new(self.expr()?);
                self.expect(&Tok::Char(b']'))?;
                ExprKind::Index { obj, key }
            }
            Tok::Char(b':') => {
                self.advance()?;
                let method = Box::new(self.expect_name()?);
                let args = self.call_args(start)?;
                ExprKind::MethodCall { obj, method, args }
            }
            _ => {
                let args = self.call_args(start)?;
                ExprKind::Call { func: obj, args }
            }
        };
        Ok(Expr::new(kind, Span::new(start, self.prev_end)))
    }

    /// `(args)`, `{table}` or `"string"`; `line_at` is where the called expression starts.
    fn call_args(&mut self, line_at: u32) -> Result<Vec<Expr>, SyntaxError> {
        let span = self.tok.span;
        match &self.tok.tok {
            Tok::Char(b'(') => {
                self.advance()?;
                let args = if self.is_char(b')') {
                    Vec::new()
                } else {
                    self.expr_list()?
                };
                self.expect_closing(&Tok::Char(b')'), &Tok::Char(b'('), span, line_at)?;
                Ok(args)
            }
            Tok::Char(b'{') => Ok(vec![self.table()?]),
            Tok::String(s) => {
                let arg = Expr::new(ExprKind::String(s.clone()), span);
                self.advance()?;
                Ok(vec![arg])
            }
            _ => Err(self.error_near("function arguments expected")),
        }
    }

    /// A table constructor, at `{`.
    fn table(&mut self) -> Result<Expr, SyntaxError> {
        let open = self.tok.span;
        self.advance()?;
        // Fields are packed as they come while they are all literals (data files); the
        // first other field unpacks them into an ordinary list.
        let mut packer = self.pack_tables.then(|| Packer::new(open.start));
        let mut fields = Vec::new();
        while !self.is_char(b'}') {
            let field = self.table_field()?;
            match &mut packer {
                Some(p) => {
                    if let Err(field) = p.push(field, self.lexer.source()) {
                        let p = packer.take().expect("packer present");
                        fields = p.unpack(self.lexer.source());
                        fields.push(field);
                    }
                }
                None => fields.push(field),
            }
            if !(self.accept(&Tok::Char(b','))? || self.accept(&Tok::Char(b';'))?) {
                break;
            }
        }
        self.expect_closing(&Tok::Char(b'}'), &Tok::Char(b'{'), open, open.start)?;
        let kind = match packer {
            Some(p) => ExprKind::PackedTable(p.finish()),
            None => {
                // Data files are mostly constructors: no spare capacity.
                fields.shrink_to_fit();
                ExprKind::Table(fields)
            }
        };
        Ok(Expr::new(kind, Span::new(open.start, self.prev_end)))
    }

    fn table_field(&mut self) -> Result<TableField, SyntaxError> {
        let named = matches!(self.tok.tok, Tok::Name(_)) && self.peek()? == &Tok::Char(b'=');
        match self.tok.tok {
            Tok::Name(_) if named => self.named_field(),
            Tok::Char(b'[') => self.keyed_field(),
            _ => Ok(TableField::Positional(self.expr()?)),
        }
    }

    /// `name = value`
    fn named_field(&mut self) -> Result<TableField, SyntaxError> {
        let name = self.expect_name()?;
        self.advance()?;
        let value = self.expr()?;
        Ok(TableField::Named(Box::new((name, value))))
    }

    /// `[key] = value`
    fn keyed_field(&mut self) -> Result<TableField, SyntaxError> {
        self.advance()?;
        let key = self.expr()?;
        self.expect(&Tok::Char(b']'))?;
        self.expect(&Tok::Char(b'='))?;
        let value = self.expr()?;
        Ok(TableField::Keyed(Box::new((key, value))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, LineIndex};
    use super::*;

    /// Parses `src` and returns `"LINE: message"` of the error, as Lua would report it.
    fn err(src: &[u8]) -> String {
        let e = parse(src).expect_err("expected a syntax error");
        format!(
            "{}: {}",
            LineIndex::new(src).line_of(e.span.start),
            e.message
        )
    }

    /// Expected outputs were produced by running each source through lua5.4's `load`.
    const LUA_ERRORS: &[(&[u8], &str)] = &[
        (b"x = 'abc", "1: unfinished string near <eof>"),
        (b"x = \"abc\x0ay\"", "1: unfinished string near '\"abc'"),
        (b"x = '\\q'", "1: invalid escape sequence near ''\\q'"),
        (
            b"x = [==[abc\x0a\x0a",
            "3: unfinished long string (starting at line 1) near <eof>",
        ),
        (
            b"--[[ abc",
            "1: unfinished long comment (starting at line 1) near <eof>",
        ),
        (b"x = [=x", "1: invalid long string delimiter near '[='"),
        (b"x = 3..2", "1: malformed number near '3..2'"),
        (b"x = 0xg", "1: malformed number near '0xg'"),
        (b"x = @", "1: unexpected symbol near '@'"),
        (b"x = 1 +", "1: unexpected symbol near <eof>"),
        (b"local x <foo> = 1", "1: unknown attribute 'foo'"),
        (b"f(\x0a\x0a", "3: unexpected symbol near <eof>"),
        (b"function f()\x0a\x0ax", "3: syntax error near <eof>"),
        (b"function f() x", "1: syntax error near <eof>"),
        (b"x y", "1: syntax error near 'y'"),
        (b"x", "1: syntax error near <eof>"),
        (b"f() = 1", "1: syntax error near '='"),
        (b"a, f() = 1", "1: syntax error near '='"),
        (b"(a) = 1", "1: syntax error near '='"),
        (b"x, y", "1: '=' expected near <eof>"),
        (b"local 1", "1: <name> expected near '1'"),
        (b"return 1 x", "1: <eof> expected near 'x'"),
        (b"for x y", "1: '=' or 'in' expected near 'y'"),
        (b"for x = 1 do end", "1: ',' expected near 'do'"),
        (
            b"f(1,\x0a2",
            "2: ')' expected (to close '(' at line 1) near <eof>",
        ),
        (b"t = {1, 2", "1: '}' expected near <eof>"),
        (
            b"t = {\x0a1, 2 x",
            "2: '}' expected (to close '{' at line 1) near 'x'",
        ),
        (b"t = {[1 = 2}", "1: ']' expected near '='"),
        (b"function f(1) end", "1: <name> or '...' expected near '1'"),
        (b"::a", "1: '::' expected near <eof>"),
        (b"goto 1", "1: <name> expected near '1'"),
        (b"if x then", "1: 'end' expected near <eof>"),
        (b"if x y", "1: 'then' expected near 'y'"),
        (b"while x y", "1: 'do' expected near 'y'"),
        (b"repeat x()", "1: 'until' expected near <eof>"),
        (
            b"repeat\x0a x()\x0a",
            "3: 'until' expected (to close 'repeat' at line 1) near <eof>",
        ),
        (
            b"function f() return ... end",
            "1: cannot use '...' outside a vararg function near '...'",
        ),
        (
            b"local a <close>, b <close> = 1",
            "1: multiple to-be-closed variables in local list",
        ),
        (b"x = \x01", "1: unexpected symbol near '<\\1>'"),
        (b"x = \xc8", "1: unexpected symbol near '<\\200>'"),
        (
            b"f\x0a(\x0a1",
            "3: ')' expected (to close '(' at line 1) near <eof>",
        ),
        (b"a.b:c = 1", "1: function arguments expected near '='"),
        (
            b"x = function\x0a(\x0a",
            "3: <name> or '...' expected near <eof>",
        ),
        (
            b"local function f\x0a(\x0a",
            "3: <name> or '...' expected near <eof>",
        ),
        (
            b"function f\x0a(\x0a)\x0a",
            "4: 'end' expected (to close 'function' at line 1) near <eof>",
        ),
        (
            b"x = function\x0a()\x0a",
            "3: 'end' expected (to close 'function' at line 2) near <eof>",
        ),
        (
            b"local function f\x0a()\x0a",
            "3: 'end' expected (to close 'function' at line 2) near <eof>",
        ),
        (b"do end end", "1: <eof> expected near 'end'"),
        (b"local x <const", "1: '>' expected near <eof>"),
        (b"a.b.c", "1: syntax error near <eof>"),
        (b"a:b", "1: function arguments expected near <eof>"),
        (b"a:b.c()", "1: function arguments expected near '.'"),
        (b"x = {a = }", "1: unexpected symbol near '}'"),
        (b"return return", "1: unexpected symbol near 'return'"),
        (b"break = 1", "1: unexpected symbol near '='"),
        (b"x = not", "1: unexpected symbol near <eof>"),
        (b"x = #", "1: unexpected symbol near <eof>"),
        (b"x = a[1", "1: ']' expected near <eof>"),
        (b"x = (1", "1: ')' expected near <eof>"),
        (
            b"x = (\x0a1",
            "2: ')' expected (to close '(' at line 1) near <eof>",
        ),
        (b"local \"a\\tb\"", "1: <name> expected near '\"a\x09b\"'"),
        (
            b"local [==[\x0aab\x0acd]==]",
            "3: <name> expected near '[==[ab\x0acd]==]'",
        ),
        (b"local 'a\\0b'", "1: <name> expected near ''a'"),
        (b"local 0x10", "1: <name> expected near '0x10'"),
        (b"local 1e5", "1: <name> expected near '1e5'"),
        (b"local x <close> <const>", "1: unexpected symbol near '<'"),
        (b"local function 1", "1: <name> expected near '1'"),
        (b"function a.1() end", "1: '(' expected near '.1'"),
        (b"function a:b.c() end", "1: '(' expected near '.'"),
        (b"x = function(..., a) end", "1: ')' expected near ','"),
        (b"x = f:m", "1: function arguments expected near <eof>"),
        (b"x = 1 = 2", "1: unexpected symbol near '='"),
        (b"for a, b = 1, 2 do end", "1: 'in' expected near '='"),
        (b"for a in x", "1: 'do' expected near <eof>"),
        (b"for a in x do", "1: 'end' expected near <eof>"),
        (b"for a in x do\x0aend x", "2: syntax error near <eof>"),
        (
            b"if x then else elseif y then end",
            "1: 'end' expected near 'elseif'",
        ),
        (b"x = {,}", "1: unexpected symbol near ','"),
        (b"x = {1,,2}", "1: unexpected symbol near ','"),
        (b"local x = ", "1: unexpected symbol near <eof>"),
        (b"local x, = 1", "1: <name> expected near '='"),
        (b"x = a.", "1: <name> expected near <eof>"),
        (b"x = a.1", "1: unexpected symbol near '.1'"),
        (b"return 1,", "1: unexpected symbol near <eof>"),
        (b"return 1;;", "1: <eof> expected near ';'"),
        (b"goto", "1: <name> expected near <eof>"),
        (b"local <const> x", "1: <name> expected near '<'"),
        (
            b"while true do\x0a\x0aend\x0aend",
            "4: <eof> expected near 'end'",
        ),
        (
            b"if a then\x0aelseif b then\x0a",
            "3: 'end' expected (to close 'if' at line 1) near <eof>",
        ),
        (
            b"for i = 1, 2 do\x0a",
            "2: 'end' expected (to close 'for' at line 1) near <eof>",
        ),
        (
            b"for k in pairs(t) do\x0a",
            "2: 'end' expected (to close 'for' at line 1) near <eof>",
        ),
        (
            b"do\x0a",
            "2: 'end' expected (to close 'do' at line 1) near <eof>",
        ),
        (b"f(function()\x0a)", "2: unexpected symbol near ')'"),
        (
            b"local t = {\x0a[1] = 2,\x0ax = 3\x0a",
            "4: '}' expected (to close '{' at line 1) near <eof>",
        ),
        (
            b"x = a.b:c\x0a",
            "2: function arguments expected near <eof>",
        ),
        (
            b"a.b.c = function() end end",
            "1: <eof> expected near 'end'",
        ),
        (b"f(x y)", "1: ')' expected near 'y'"),
        (b"a, b += 1", "1: '=' expected near '+'"),
        (b"x = 1 ..", "1: unexpected symbol near <eof>"),
        (b"x = (1)(2", "1: ')' expected near <eof>"),
        (
            b"local function f() ... end",
            "1: unexpected symbol near '...'",
        ),
        (
            b"function f(a) local g = function(...) return ... end return ... end",
            "1: cannot use '...' outside a vararg function near '...'",
        ),
        (b"x = -", "1: unexpected symbol near <eof>"),
        (b"x = ~", "1: unexpected symbol near <eof>"),
        (b"if x then elseif y", "1: 'then' expected near <eof>"),
        (
            b"x = [[\x0a",
            "2: unfinished long string (starting at line 1) near <eof>",
        ),
        (
            b"x = [=[ ]] ]==]",
            "1: unfinished long string (starting at line 1) near <eof>",
        ),
        (b"-- ok\x0ax =\x0a\x0a", "4: unexpected symbol near <eof>"),
    ];

    #[test]
    fn error_messages_match_lua() {
        let mut failures = Vec::new();
        for (src, want) in LUA_ERRORS {
            let got = err(src);
            if got != *want {
                failures.push(format!(
                    "{:?}\n   got:  {got}\n   want: {want}",
                    String::from_utf8_lossy(src)
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    /// `n` comma-separated names `a1, a2, ...`.
    fn names(n: usize) -> String {
        (1..=n)
            .map(|i| format!("a{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    #[test]
    fn local_variable_limit_is_checked_while_parsing() {
        // Found before the missing `end` (messages from lua5.4).
        let src = format!("\nfunction foo ()\n  local {}\n", names(300));
        assert_eq!(
            err(src.as_bytes()),
            "3: too many local variables (limit is 200) in function at line 2 near ','"
        );
        let src = format!("local {} for i = 1, 2 do end", names(197));
        assert_eq!(
            err(src.as_bytes()),
            "1: too many local variables (limit is 200) in main function near '='"
        );
        // Scopes give their locals back: 199 in a block, then 199 more is fine.
        let src = format!("do local {} end local {}", names(199), names(199));
        assert!(parse(src.as_bytes()).is_ok());
        let src = format!("local {}", names(200));
        assert!(parse(src.as_bytes()).is_ok());
    }

    thread_local! {
        /// The source last parsed by [`chunk`], to decode packed constructors in [`sx`].
        static SOURCE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }

    fn chunk(src: &str) -> Chunk {
        SOURCE.with(|s| *s.borrow_mut() = src.as_bytes().to_vec());
        match parse(src.as_bytes()) {
            Ok(c) => c,
            Err(e) => panic!("{src:?}: {}", e.message),
        }
    }

    fn stats(src: &str) -> Vec<StatKind> {
        chunk(src).block.stats.into_iter().map(|s| s.kind).collect()
    }

    /// The expression `e` in `return e`.
    fn expr(src: &str) -> Expr {
        let c = chunk(&format!("return {src}"));
        c.block.ret.expect("return").values.remove(0)
    }

    fn op_str(op: BinOp) -> &'static str {
        use BinOp::*;
        match op {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            IDiv => "//",
            Mod => "%",
            Pow => "^",
            Concat => "..",
            Eq => "==",
            Ne => "~=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "and",
            Or => "or",
            BAnd => "&",
            BOr => "|",
            BXor => "~",
            Shl => "<<",
            Shr => ">>",
        }
    }

    /// A compact prefix rendering of an expression, to state tree shapes readably.
    fn sx(e: &Expr) -> String {
        let list = |v: &[Expr]| v.iter().map(sx).collect::<Vec<_>>().join(" ");
        match &e.kind {
            ExprKind::Nil => "nil".into(),
            ExprKind::True => "true".into(),
            ExprKind::False => "false".into(),
            ExprKind::Vararg => "...".into(),
            ExprKind::Integer(i) => i.to_string(),
            ExprKind::Float(f) => format!("{f:?}"),
            ExprKind::String(s) => format!("{:?}", String::from_utf8_lossy(s)),
            ExprKind::Function(f) => format!(
                "(fn [{}{}] {})",
                f.params
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                if f.is_vararg { " ..." } else { "" },
                f.body.stats.len()
            ),
            ExprKind::PackedTable(t) => {
                let fields: Vec<TableField> =
                    SOURCE.with(|s| t.fields(&s.borrow(), e.span.start).collect());
                sx(&Expr::new(ExprKind::Table(fields), e.span))
            }
            ExprKind::Table(fields) => {
                let fs: Vec<String> = fields
                    .iter()
                    .map(|f| match f {
                        TableField::Positional(v) => sx(v),
                        TableField::Named(f) => format!("{}={}", f.0.name, sx(&f.1)),
                        TableField::Keyed(f) => format!("[{}]={}", sx(&f.0), sx(&f.1)),
                    })
                    .collect();
                format!("{{{}}}", fs.join(" "))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                format!("({} {} {})", op_str(*op), sx(lhs), sx(rhs))
            }
            ExprKind::Unary { op, operand } => {
                let o = match op {
                    UnOp::Neg => "neg",
                    UnOp::Not => "not",
                    UnOp::Len => "#",
                    UnOp::BNot => "bnot",
                };
                format!("({o} {})", sx(operand))
            }
            ExprKind::Paren(inner) => format!("(paren {})", sx(inner)),
            ExprKind::Name(n) => n.clone(),
            ExprKind::Index { obj, key } => format!("(index {} {})", sx(obj), sx(key)),
            ExprKind::Call { func, args } => format!("(call {} [{}])", sx(func), list(args)),
            ExprKind::MethodCall { obj, method, args } => {
                format!("(method {} {} [{}])", sx(obj), method.name, list(args))
            }
        }
    }

    #[test]
    fn precedence_and_associativity() {
        let cases = [
            ("1 + 2 * 3", "(+ 1 (* 2 3))"),
            ("1 * 2 + 3", "(+ (* 1 2) 3)"),
            ("1 - 2 - 3", "(- (- 1 2) 3)"),
            ("2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"),
            ("-x ^ 2", "(neg (^ x 2))"),
            ("2 ^ -3", "(^ 2 (neg 3))"),
            ("not a == b", "(== (not a) b)"),
            ("a .. b .. c", "(.. a (.. b c))"),
            ("a + b .. c", "(.. (+ a b) c)"),
            ("a .. b + c", "(.. a (+ b c))"),
            ("a << 1 .. b", "(<< a (.. 1 b))"),
            ("a & b << c", "(& a (<< b c))"),
            ("a ~ b & c", "(~ a (& b c))"),
            ("a | b ~ c", "(| a (~ b c))"),
            ("a < b | c", "(< a (| b c))"),
            ("a and b < c", "(and a (< b c))"),
            ("a or b and c", "(or a (and b c))"),
            ("a or b or c", "(or (or a b) c)"),
            ("a // b % c / d * e", "(* (/ (% (// a b) c) d) e)"),
            (
                "a >= b ~= c <= d > e == f < g",
                "(< (== (> (<= (~= (>= a b) c) d) e) f) g)",
            ),
            ("~a ~ ~b", "(~ (bnot a) (bnot b))"),
            ("#t + 1", "(+ (# t) 1)"),
            ("- - 1", "(neg (neg 1))"),
            ("not not x", "(not (not x))"),
            ("-2 ^ -2 ^ 2", "(neg (^ 2 (neg (^ 2 2))))"),
            ("(a + b) * c", "(* (paren (+ a b)) c)"),
            ("a >> b >> c", "(>> (>> a b) c)"),
        ];
        for (src, want) in cases {
            assert_eq!(sx(&expr(src)), want, "{src}");
        }
    }

    #[test]
    fn simple_expressions() {
        let cases = [
            ("nil", "nil"),
            ("true", "true"),
            ("false", "false"),
            ("...", "..."),
            ("42", "42"),
            ("0x10", "16"),
            ("1.5", "1.5"),
            ("9223372036854775807", "9223372036854775807"),
            ("-9223372036854775808", "(neg 9.223372036854776e18)"),
            ("'a\\tb'", "\"a\\tb\""),
            ("[[x]]", "\"x\""),
            ("function(a, b, ...) end", "(fn [a b ...] 0)"),
            ("function() local x end", "(fn [] 1)"),
        ];
        for (src, want) in cases {
            assert_eq!(sx(&expr(src)), want, "{src}");
        }
    }

    #[test]
    fn suffixes_and_calls() {
        let cases = [
            ("a.b", "(index a \"b\")"),
            ("a.b.c", "(index (index a \"b\") \"c\")"),
            ("a[1][k]", "(index (index a 1) k)"),
            ("f()", "(call f [])"),
            ("f(1, 2)", "(call f [1 2])"),
            ("f 'x'", "(call f [\"x\"])"),
            ("f [[x]]", "(call f [\"x\"])"),
            ("f {1}", "(call f [{1}])"),
            ("f'x''y'", "(call (call f [\"x\"]) [\"y\"])"),
            ("o:m(1)", "(method o m [1])"),
            ("o:m'x'", "(method o m [\"x\"])"),
            ("o:m{}", "(method o m [{}])"),
            ("a.b:c(d).e", "(index (method (index a \"b\") c [d]) \"e\")"),
            ("(f())", "(paren (call f []))"),
            ("(f)()", "(call (paren f) [])"),
            ("f\n(g)", "(call f [g])"),
        ];
        for (src, want) in cases {
            assert_eq!(sx(&expr(src)), want, "{src}");
        }
    }

    #[test]
    fn table_constructors() {
        let cases = [
            ("{}", "{}"),
            ("{1, 2; 3,}", "{1 2 3}"),
            ("{x = 1, [k] = 2, y}", "{x=1 [k]=2 y}"),
            ("{x == 1}", "{(== x 1)}"),
            ("{f()}", "{(call f [])}"),
            ("{[1] = {a = {}};}", "{[1]={a={}}}"),
        ];
        for (src, want) in cases {
            assert_eq!(sx(&expr(src)), want, "{src}");
        }
    }

    #[test]
    fn statements() {
        let s = stats("local a <const>, b <close>, c = 1, 2");
        let StatKind::Local { names, values } = &s[0] else {
            panic!("{s:?}")
        };
        let shape: Vec<_> = names
            .iter()
            .map(|n| (n.name.name.as_str(), n.attrib))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("a", Some(Attrib::Const)),
                ("b", Some(Attrib::Close)),
                ("c", None)
            ]
        );
        assert_eq!(values.len(), 2);

        let s = stats("a, b.c, d[1] = 1, 2, 3");
        let StatKind::Assign { targets, values } = &s[0] else {
            panic!("{s:?}")
        };
        let t: Vec<String> = targets.iter().map(sx).collect();
        assert_eq!(t, vec!["a", "(index b \"c\")", "(index d 1)"]);
        assert_eq!(values.len(), 3);

        let s = stats("f(1) o:m() ; ; do end while x do end repeat local y until y");
        assert!(matches!(&s[0], StatKind::Call(e) if sx(e) == "(call f [1])"));
        assert!(matches!(&s[1], StatKind::Call(e) if sx(e) == "(method o m [])"));
        assert!(matches!(&s[2], StatKind::Do(b) if b.stats.is_empty()));
        assert!(matches!(&s[3], StatKind::While { cond, .. } if sx(cond) == "x"));
        assert!(
            matches!(&s[4], StatKind::Repeat { body, cond } if body.stats.len() == 1 && sx(cond) == "y")
        );
        assert_eq!(s.len(), 5);

        let s = stats("if a then elseif b then x() elseif c then else y() end if d then end");
        let StatKind::If {
            branches,
            else_block,
        } = &s[0]
        else {
            panic!()
        };
        let conds: Vec<String> = branches.iter().map(|(c, _)| sx(c)).collect();
        assert_eq!(conds, vec!["a", "b", "c"]);
        assert_eq!(branches[1].1.stats.len(), 1);
        assert_eq!(else_block.as_ref().map(|b| b.stats.len()), Some(1));
        assert!(matches!(
            &s[1],
            StatKind::If {
                else_block: None,
                ..
            }
        ));

        let s = stats(
            "for i = 1, 10 do end for j = 1, 10, 2 do x() end for k, v in pairs(t), 1 do end",
        );
        assert!(matches!(&s[0], StatKind::NumericFor { var, step: None, .. } if var.name == "i"));
        assert!(
            matches!(&s[1], StatKind::NumericFor { step: Some(st), body, .. } if sx(st) == "2" && body.stats.len() == 1)
        );
        let StatKind::GenericFor { vars, exprs, .. } = &s[2] else {
            panic!()
        };
        assert_eq!(
            vars.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            ["k", "v"]
        );
        assert_eq!(exprs.len(), 2);

        let s = stats("function a.b.c:m(x) end function f(...) end local function g() end");
        let StatKind::Function { name, func } = &s[0] else {
            panic!()
        };
        let path: Vec<_> = name.path.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(path, ["a", "b", "c"]);
        assert_eq!(name.method.as_ref().map(|m| m.name.as_str()), Some("m"));
        assert_eq!(func.params.len(), 1, "self is the compiler's job");
        assert!(
            matches!(&s[1], StatKind::Function { name, func } if name.method.is_none() && func.is_vararg)
        );
        assert!(matches!(&s[2], StatKind::LocalFunction { name, .. } if name.name == "g"));

        let s = stats("::top:: goto top break");
        assert!(matches!(&s[0], StatKind::Label(n) if n.name == "top"));
        assert!(matches!(&s[1], StatKind::Goto(n) if n.name == "top"));
        assert!(matches!(&s[2], StatKind::Break));
    }

    #[test]
    fn returns() {
        let c = chunk("return");
        assert_eq!(c.block.ret.map(|r| r.values.len()), Some(0));
        let c = chunk("return 1, 2;");
        assert_eq!(
            c.block.ret.map(|r| (r.values.len(), r.span)),
            Some((2, Span::new(0, 12)))
        );
        let c = chunk("do return end x()");
        assert!(matches!(&c.block.stats[0].kind, StatKind::Do(b) if b.ret.is_some()));
        assert!(chunk("return;").block.ret.is_some());
        // Semantic checks are the compiler's: these parse.
        chunk("break goto nowhere local x <const> = 1 x = 2");
        // A shebang line is the file loader's business, not the parser's.
        assert!(parse(b"#!/usr/bin/env lua\nreturn 1").is_err());
    }

    fn text(src: &str, span: Span) -> &str {
        &src[span.start as usize..span.end as usize]
    }

    #[test]
    fn spans_cover_exactly_their_text() {
        let src = "local x = a.b:c(1, 2) + (d) * -e\nfunction t.f(p) return p end  ";
        let c = chunk(src);
        assert_eq!(c.span, Span::new(0, src.len() as u32));
        assert_eq!(text(src, c.block.span), src.trim_end());
        let s0 = &c.block.stats[0];
        assert_eq!(text(src, s0.span), "local x = a.b:c(1, 2) + (d) * -e");
        let StatKind::Local { names, values } = &s0.kind else {
            panic!()
        };
        assert_eq!(text(src, names[0].name.span), "x");
        let e = &values[0];
        assert_eq!(text(src, e.span), "a.b:c(1, 2) + (d) * -e");
        let ExprKind::Binary { lhs, rhs, .. } = &e.kind else {
            panic!()
        };
        assert_eq!(text(src, lhs.span), "a.b:c(1, 2)");
        assert_eq!(text(src, rhs.span), "(d) * -e");
        let ExprKind::MethodCall { obj, method, args } = &lhs.kind else {
            panic!()
        };
        assert_eq!(text(src, obj.span), "a.b");
        assert_eq!(text(src, method.span), "c");
        assert_eq!(text(src, args[1].span), "2");
        let ExprKind::Index { key, .. } = &obj.kind else {
            panic!()
        };
        assert_eq!(text(src, key.span), "b");
        let ExprKind::Binary {
            lhs: paren,
            rhs: neg,
            ..
        } = &rhs.kind
        else {
            panic!()
        };
        assert_eq!(text(src, paren.span), "(d)");
        assert_eq!(text(src, neg.span), "-e");
        let s1 = &c.block.stats[1];
        assert_eq!(text(src, s1.span), "function t.f(p) return p end");
        let StatKind::Function { func, .. } = &s1.kind else {
            panic!()
        };
        assert_eq!(text(src, func.span), "function t.f(p) return p end");
        assert_eq!(text(src, func.body.span), "return p");

        let src = "x = { [1] = 'a', y = {} }  f 'str' local function g() end";
        let c = chunk(src);
        let StatKind::Assign { values, .. } = &c.block.stats[0].kind else {
            panic!()
        };
        assert_eq!(text(src, values[0].span), "{ [1] = 'a', y = {} }");
        assert_eq!(text(src, c.block.stats[1].span), "f 'str'");
        let StatKind::LocalFunction { func, .. } = &c.block.stats[2].kind else {
            panic!()
        };
        assert_eq!(text(src, c.block.stats[2].span), "local function g() end");
        assert_eq!(text(src, func.span), "function g() end");
        assert_eq!(
            func.body.span,
            Span::new(func.span.end - 3, func.span.end - 3)
        );
    }

    #[test]
    fn error_spans_and_related() {
        let src = b"function f()\n  x = 1\n";
        let e = parse(src).unwrap_err();
        assert_eq!(e.span, Span::new(src.len() as u32, src.len() as u32));
        assert_eq!(
            e.related,
            Some((Span::new(0, 8), "unclosed 'function' starts here".into()))
        );
        let e = parse(b"x = 1 + @").unwrap_err();
        assert_eq!(e.span, Span::new(8, 9));
        let e = parse(b"local x <foo> = 1").unwrap_err();
        assert_eq!(e.span, Span::new(9, 12));
        let lines = LineIndex::new(src);
        assert_eq!(
            e.lua_message("[string \"x\"]", &lines),
            "[string \"x\"]:1: unknown attribute 'foo'"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = |prefix: &str, open: &str, n: usize| {
            let src = format!("{prefix}{}", open.repeat(n));
            parse(src.as_bytes()).unwrap_err().message
        };
        let too_deep = TOO_DEEP;
        assert_eq!(deep("x = ", "(", 100_000), too_deep);
        assert_eq!(deep("x = ", "{", 100_000), too_deep);
        assert_eq!(deep("", "do ", 100_000), too_deep);
        assert_eq!(deep("x = ", "- ", 100_000), too_deep);
        assert_eq!(deep("x = ", "function() return ", 100_000), too_deep);
        assert_eq!(deep("x = ", "a .. ", 100_000), too_deep);
        assert_eq!(deep("x = ", "2 ^ ", 100_000), too_deep);
        // Left-leaning chains are not nesting: no limit (and dropping them does not recurse).
        assert!(parse(format!("x = f{}", "()".repeat(1_000_000)).as_bytes()).is_ok());
        let sum = format!("x = 1{}", " + 1".repeat(1_000_000));
        assert!(parse(sum.as_bytes()).is_ok());
        let fields = format!("x = t{}", ".a[1]:m()".repeat(300_000));
        assert!(parse(fields.as_bytes()).is_ok());
        let targets = format!("{}a = 1", "a, ".repeat(100_000));
        assert_eq!(parse(targets.as_bytes()).unwrap_err().message, too_deep);
        // Moderate depth is fine (unoptimised builds, with their big stack frames, allow
        // less than Lua's 200 levels; see STACK_BUDGET).
        let ok = format!("x = {}1{}", "(".repeat(60), ")".repeat(60));
        assert!(parse(ok.as_bytes()).is_ok());
        let ok = format!("x = {}{}", "{".repeat(60), "}".repeat(60));
        assert!(parse(ok.as_bytes()).is_ok());
        let ok = format!("x = 1{}", " + 1".repeat(500));
        assert!(parse(ok.as_bytes()).is_ok());
        let ok = format!("{}{}", "do ".repeat(60), "end ".repeat(60));
        assert!(parse(ok.as_bytes()).is_ok());
    }

    /// Parses every `.lua` file under the usual system directories (and under
    /// `$WAYFINDER_LUA_SMOKE_DIR`), if there are any.
    #[test]
    fn smoke_parse_system_lua_files() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "lua") {
                    out.push(path);
                }
            }
        }
        let mut dirs: Vec<std::path::PathBuf> = [
            "/usr/share/lua",
            "/usr/local/share/lua",
            "/usr/lib/x86_64-linux-gnu/lua",
        ]
        .iter()
        .map(Into::into)
        .collect();
        if let Some(extra) = std::env::var_os("WAYFINDER_LUA_SMOKE_DIR") {
            dirs.push(extra.into());
        }
        let mut files = Vec::new();
        for d in &dirs {
            walk(d, &mut files);
        }
        let mut failures = Vec::new();
        for f in &files {
            let Ok(src) = std::fs::read(f) else { continue };
            let src = crate::runtime::load::file_source(src);
            if let Err(e) = parse(&src) {
                let lines = LineIndex::new(&src);
                failures.push(e.lua_message(&f.display().to_string(), &lines));
            }
        }
        eprintln!("smoke-parsed {} files", files.len());
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
