//! AST → [`crate::bytecode::FunctionProto`].
//!
//! - [`scope`]: a pre-pass finding which locals are captured (those live in cells).
//! - [`function`]: per-function state: emission, registers, constants, jumps, scopes.
//! - [`expdesc`]: expression descriptors and the register/jump machinery on them.
//! - [`expr`] / [`stat`]: code generation for expressions and statements.
//! - [`fold`]: constant folding; [`identity`]: reload identity paths.
//! - [`disasm`]: a readable listing for tests and debugging.

mod disasm;
mod dump;
mod expdesc;
mod expr;
mod fold;
mod function;
mod identity;
mod scope;
mod stat;
#[cfg(test)]
mod tests;
mod validate;

use std::sync::Arc;

use crate::bytecode::{FunctionProto, Instr, LocalSlot, UpvalueDesc};
use crate::syntax::ast::{self, Span};
use crate::syntax::{LineIndex, SyntaxError};

pub use disasm::disassemble;
pub use dump::{dump, undump, SIGNATURE};

use expdesc::{ExpDesc, ExpKind};
use function::{error, CResult, FuncState};
use scope::DeclKey;

/// Compiles a parsed chunk into its main function: vararg, no parameters, and one upvalue
/// `_ENV` (which the loader fills in).
///
/// The chunk is consumed: each top-level statement's tree is dropped once compiled.
pub fn compile(
    chunk: ast::Chunk,
    source: &[u8],
    chunk_name: &str,
) -> Result<FunctionProto, SyntaxError> {
    let mut compiler = Compiler {
        source,
        lines: LineIndex::new(source),
        chunk_name: Arc::from(chunk_name),
        captured: scope::find_captures(&chunk),
        funcs: Vec::new(),
    };
    compiler.main_function(chunk)
}

/// How a name resolves in the function being compiled.
#[derive(Clone, Copy, Debug)]
enum Resolved {
    /// Index into the current function's active locals.
    Local(usize),
    Upval(u8),
    Global,
}

pub(super) struct Compiler<'a> {
    source: &'a [u8],
    lines: LineIndex,
    chunk_name: Arc<str>,
    captured: scope::Captures,
    /// The function being compiled is last; its enclosing functions precede it.
    funcs: Vec<FuncState>,
}

impl Compiler<'_> {
    fn fs(&mut self) -> &mut FuncState {
        self.funcs.last_mut().expect("no function being compiled")
    }

    fn fs_ref(&self) -> &FuncState {
        self.funcs.last().expect("no function being compiled")
    }

    fn line_of(&self, offset: u32) -> u32 {
        self.lines.line_of(offset)
    }

    /// Sets the line (and error location) for the instructions emitted next.
    fn at(&mut self, span: Span) {
        let line = self.line_of(span.start);
        let fs = self.fs();
        fs.line = line;
        fs.span = span;
    }

    /// Offset of the first token at or after `offset` (skipping spaces and comments).
    fn next_token(&self, mut offset: usize) -> usize {
        let s = self.source;
        loop {
            while offset < s.len() && s[offset].is_ascii_whitespace() {
                offset += 1;
            }
            if !s[offset.min(s.len())..].starts_with(b"--") {
                return offset.min(s.len());
            }
            offset += 2;
            if let Some(level) = long_bracket_level(&s[offset..]) {
                let close: Vec<u8> = std::iter::once(b']')
                    .chain(std::iter::repeat_n(b'=', level))
                    .chain(std::iter::once(b']'))
                    .collect();
                match s[offset..].windows(close.len()).position(|w| w == close) {
                    Some(p) => offset += p + close.len(),
                    None => return s.len(),
                }
            } else {
                while offset < s.len() && s[offset] != b'\n' && s[offset] != b'\r' {
                    offset += 1;
                }
            }
        }
    }

    fn is_captured(&self, key: DeclKey) -> bool {
        self.captured.contains(key)
    }

    // ---- name resolution --------------------------------------------------------------

    fn resolve(&mut self, name: &str) -> CResult<Resolved> {
        let depth = self.funcs.len() - 1;
        self.resolve_in(depth, name)
    }

    fn resolve_in(&mut self, depth: usize, name: &str) -> CResult<Resolved> {
        let fs = &self.funcs[depth];
        let key = function::name_key(name);
        if let Some(i) = fs
            .actives
            .iter()
            .rposition(|v| v.key == key && v.name == name)
        {
            return Ok(Resolved::Local(i));
        }
        if let Some(i) = fs.upvalues.iter().position(|u| u.name == name) {
            return Ok(Resolved::Upval(i as u8));
        }
        if depth == 0 {
            return Ok(Resolved::Global);
        }
        let desc = match self.resolve_in(depth - 1, name)? {
            Resolved::Global => return Ok(Resolved::Global),
            Resolved::Local(i) => match self.funcs[depth - 1].actives[i].cell {
                Some(cell) => UpvalueDesc {
                    name: name.to_string(),
                    from_parent_cell: true,
                    index: cell,
                },
                None => {
                    return Err(error(
                        format!(
                            "internal compiler error: local '{name}' captured but not in a cell"
                        ),
                        self.funcs[depth].span,
                    ))
                }
            },
            Resolved::Upval(u) => UpvalueDesc {
                name: name.to_string(),
                from_parent_cell: false,
                index: u,
            },
        };
        let fs = &mut self.funcs[depth];
        if fs.upvalues.len() >= 255 {
            let place = format!("function at line {}", fs.line_defined);
            return Err(error(
                format!("too many upvalues (limit is 255) in {place}"),
                fs.span,
            ));
        }
        fs.upvalues.push(desc);
        Ok(Resolved::Upval((fs.upvalues.len() - 1) as u8))
    }

    /// The descriptor for reading or writing variable `name`.
    fn single_var(&mut self, name: &str) -> CResult<ExpDesc> {
        match self.resolve(name)? {
            Resolved::Local(i) => Ok(ExpDesc::new(expdesc::local_reg(self.fs().actives[i].slot))),
            Resolved::Upval(u) => Ok(ExpDesc::new(ExpKind::Upval(u))),
            Resolved::Global => {
                let mut env = match self.resolve("_ENV")? {
                    Resolved::Local(i) => {
                        ExpDesc::new(expdesc::local_reg(self.fs().actives[i].slot))
                    }
                    Resolved::Upval(u) => ExpDesc::new(ExpKind::Upval(u)),
                    Resolved::Global => {
                        return Err(error("internal compiler error: no _ENV", self.fs().span))
                    }
                };
                self.fs().exp_to_any_reg_up(&mut env)?;
                let mut key = ExpDesc::new(ExpKind::Str(name.as_bytes().to_vec()));
                self.fs().indexed(&mut env, &mut key)
            }
        }
    }

    // ---- functions --------------------------------------------------------------------

    fn main_function(&mut self, chunk: ast::Chunk) -> CResult<FunctionProto> {
        let mut fs = FuncState::new(self.chunk_name.clone(), String::new(), 0);
        fs.is_vararg = true;
        fs.upvalues.push(UpvalueDesc {
            name: "_ENV".to_string(),
            from_parent_cell: false,
            index: 0,
        });
        self.funcs.push(fs);
        self.fs().enter_block(false);
        let end = Span::new(chunk.span.end, chunk.span.end);
        // The final return has the line of the last token, as in lua5.4.
        let block = &chunk.block;
        let last_token = if block.stats.is_empty() && block.ret.is_none() {
            0
        } else {
            block.span.end.saturating_sub(1)
        };
        self.main_statements(chunk.block)?;
        self.finish_function(end, self.line_of(last_token))?;
        let fs = self.funcs.pop().expect("main function state");
        Ok(fs.into_proto())
    }

    /// Closes the outermost block, checks pending gotos and emits the final return.
    fn finish_function(&mut self, end: Span, last_line: u32) -> CResult<()> {
        self.fs().line = last_line;
        self.fs().span = end;
        self.fs().leave_block(true)?;
        if let Some(goto) = self.fs_ref().gotos.first() {
            let message = if goto.name == "break" {
                format!("break outside loop at line {}", goto.line)
            } else {
                format!(
                    "no visible label '{}' for <goto> at line {}",
                    goto.name, goto.line
                )
            };
            return Err(error(message, end));
        }
        self.fs().emit(Instr::Return0);
        Ok(())
    }

    /// Compiles a function body into a child prototype and returns a `Closure` descriptor.
    fn function_body(
        &mut self,
        func: &ast::FunctionBody,
        is_method: bool,
        name: Option<String>,
    ) -> CResult<ExpDesc> {
        let identity = self.child_identity(name);
        let line_defined = self.line_of(func.span.start);
        let end_offset = func.span.end.saturating_sub(1);
        let last_line = self.line_of(end_offset);
        let mut fs = FuncState::new(self.chunk_name.clone(), identity, line_defined);
        fs.last_line_defined = last_line;
        fs.is_vararg = func.is_vararg;
        fs.span = func.span;
        self.funcs.push(fs);
        self.fs().enter_block(false);

        let mut params: Vec<(&str, DeclKey)> = Vec::new();
        if is_method {
            params.push(("self", scope::self_key(func)));
        }
        params.extend(func.params.iter().map(|p| (p.name.as_str(), p.span.start)));
        let nparams = params.len();
        if nparams > 200 {
            return Err(error(
                format!(
                    "too many local variables (limit is 200) in function at line {line_defined}"
                ),
                func.span,
            ));
        }
        self.fs().num_params = nparams as u8;
        self.fs().reserve(nparams)?;
        for (i, (name, key)) in params.into_iter().enumerate() {
            let reg = i as u8;
            if self.is_captured(key) {
                let cell = self.fs().alloc_cell()?;
                self.fs().emit(Instr::NewCell { cell, a: reg });
                self.fs()
                    .activate(name, LocalSlot::Cell(cell), Some(cell), None, i + 1)?;
            } else {
                self.fs()
                    .activate(name, LocalSlot::Register(reg), None, None, i + 1)?;
            }
        }
        // Parameters are in scope from the function's start.
        for info in &mut self.fs().locals {
            info.start_pc = 0;
        }

        self.block_body(&func.body)?;
        // Lua reports unresolved gotos where the lexer stands: the token after `end`.
        let after = self.next_token(func.span.end as usize) as u32;
        self.finish_function(Span::new(after, after), last_line)?;
        let fs = self.funcs.pop().expect("child function state");
        let proto = fs.into_proto();
        let parent = self.fs();
        let index = parent.protos.len();
        if index > u16::MAX as usize {
            return Err(error("too many functions in one function", func.span));
        }
        parent.protos.push(Arc::new(proto));
        parent.line = last_line;
        let pc = parent.emit(Instr::Closure {
            a: 0,
            proto: index as u16,
        });
        Ok(ExpDesc::new(ExpKind::Reloc(pc)))
    }
}

/// If `s` starts with a long bracket `[==[`, its level.
fn long_bracket_level(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let level = s[1..].iter().take_while(|&&c| c == b'=').count();
    (s.get(1 + level) == Some(&b'[')).then_some(level)
}
