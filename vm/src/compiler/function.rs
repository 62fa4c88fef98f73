//! Per-function compiler state: code emission, register and cell-slot allocation, the
//! constant table, jump patching, and the scopes of local variables, blocks and labels.

use std::collections::HashMap;
use std::sync::Arc;

use crate::bytecode::{
    Constant, FunctionProto, Instr, LineInfo, LocalInfo, LocalSlot, UpvalueDesc, MAX_EXTRA_ARG,
    MAX_JUMP,
};
use crate::syntax::ast::{Attrib, Span};
use crate::syntax::SyntaxError;

/// Lua's limit: a function may use registers `0..MAX_REGS`.
const MAX_REGS: usize = 255;
/// Lua's limit on active local variables per function.
const MAX_LOCALS: usize = 200;

/// A local variable that is currently in scope.
#[derive(Clone, Debug)]
pub(super) struct ActiveVar {
    pub name: String,
    /// [`name_key`] of `name`: name resolution compares it first (a chunk's main function
    /// may have 200 locals, and every global name is checked against each of them).
    pub key: u64,
    /// Where reads and writes in the declaring function go.
    pub slot: LocalSlot,
    /// The cell nested functions capture. Equal to `slot` for ordinary captured locals; a
    /// captured `<close>` variable keeps its register (for `Tbc`/`Close`) *and* a cell copy,
    /// which is sound because such variables are read-only.
    pub cell: Option<u8>,
    pub attrib: Option<Attrib>,
    /// Registers in use by locals once this variable is active (Lua's "register level").
    pub reg_end: u8,
    /// Index into the proto's `locals` debug table (`None` for nothing to record).
    pub debug: Option<usize>,
}

/// A cheap fingerprint of a variable name (its length and first and last bytes): equal
/// names have equal keys, and most different names in one scope differ in it.
pub(super) fn name_key(name: &str) -> u64 {
    let b = name.as_bytes();
    let first = b.first().copied().unwrap_or(0) as u64;
    let last = b.last().copied().unwrap_or(0) as u64;
    (b.len() as u64) << 16 | first << 8 | last
}

/// A lexical block being compiled.
#[derive(Clone, Debug)]
pub(super) struct BlockScope {
    pub first_active: usize,
    pub first_label: usize,
    pub first_goto: usize,
    pub cell_level: usize,
    pub is_loop: bool,
    /// For loops whose exit code itself closes the loop's to-be-closed state (generic
    /// `for`): a `break` then needs no `Close` of its own.
    pub exit_closes: bool,
    pub breaks: Vec<usize>,
}

#[derive(Clone, Debug)]
pub(super) struct LabelInfo {
    pub name: String,
    pub pc: usize,
    pub nactive: usize,
    pub line: u32,
}

#[derive(Clone, Debug)]
pub(super) struct PendingGoto {
    pub name: String,
    pub jmp_pc: usize,
    /// Active locals at the goto (lowered as the goto moves out of blocks).
    pub nactive: usize,
    /// The highest active-local index of a `<close>` variable in scope at the goto.
    pub innermost_tbc: Option<usize>,
    pub line: u32,
}

/// The index of a function's constant table, to reuse constants: open addressing over
/// positions in the table itself, so each constant is stored once and an entry costs 4
/// bytes (generated data files have hundreds of thousands of constants).
#[derive(Default)]
struct ConstIndex {
    /// `EMPTY` or a position in the constant table.
    slots: Vec<u32>,
}

impl ConstIndex {
    const EMPTY: u32 = u32::MAX;

    /// Identity of a constant: floats by bit pattern, so `0.0` and `-0.0` differ.
    fn hash(c: &Constant) -> u64 {
        let mix = |h: u64, x: u64| (h ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
        match c {
            Constant::Nil => mix(1, 0),
            Constant::Boolean(b) => mix(2, *b as u64),
            Constant::Integer(i) => mix(3, *i as u64),
            Constant::Float(f) => mix(4, f.to_bits()),
            Constant::String(s) => s.chunks(8).fold(mix(5, s.len() as u64), |h, chunk| {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                mix(h, u64::from_le_bytes(word))
            }),
        }
    }

    fn same(a: &Constant, b: &Constant) -> bool {
        match (a, b) {
            (Constant::Float(x), Constant::Float(y)) => x.to_bits() == y.to_bits(),
            _ => a == b,
        }
    }

    /// `Ok(position)` of a constant equal to `c`, else `Err(slot)` where it would go.
    fn find(&self, constants: &[Constant], c: &Constant) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut i = Self::hash(c) as usize & mask;
        loop {
            match self.slots[i] {
                Self::EMPTY => return Err(i),
                k if Self::same(&constants[k as usize], c) => return Ok(k as usize),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Makes room for one more constant (at most half the slots in use).
    fn reserve(&mut self, constants: &[Constant]) {
        if (constants.len() + 1) * 2 <= self.slots.len() {
            return;
        }
        let size = (self.slots.len() * 2).max(16);
        self.slots = vec![Self::EMPTY; size];
        for (k, c) in constants.iter().enumerate() {
            if let Err(slot) = self.find(constants, c) {
                self.slots[slot] = k as u32;
            }
        }
    }
}

pub(super) struct FuncState {
    pub source: Arc<str>,
    pub identity: String,
    pub line_defined: u32,
    pub last_line_defined: u32,
    pub num_params: u8,
    pub is_vararg: bool,
    pub code: Vec<Instr>,
    pub lines: Vec<u32>,
    pub constants: Vec<Constant>,
    const_index: ConstIndex,
    pub protos: Vec<Arc<FunctionProto>>,
    pub upvalues: Vec<UpvalueDesc>,
    pub locals: Vec<LocalInfo>,

    pub free_reg: usize,
    pub max_registers: usize,
    pub cells_used: usize,
    pub num_cells: usize,
    pub actives: Vec<ActiveVar>,
    pub blocks: Vec<BlockScope>,
    pub labels: Vec<LabelInfo>,
    pub gotos: Vec<PendingGoto>,
    /// The most recent jump target (`LoadNil` must not merge across it).
    pub last_target: usize,
    /// Line given to emitted instructions.
    pub line: u32,
    /// Where errors raised while emitting (register overflow...) point.
    pub span: Span,
    /// Children's identity names already used, for `#2`, `#3` suffixes.
    pub child_names: HashMap<String, usize>,
    pub anonymous_children: usize,
}

pub(super) type CResult<T> = Result<T, SyntaxError>;

pub(super) fn error(message: impl Into<String>, span: Span) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        span,
        related: None,
    }
}

impl FuncState {
    pub fn new(source: Arc<str>, identity: String, line_defined: u32) -> FuncState {
        FuncState {
            source,
            identity,
            line_defined,
            last_line_defined: 0,
            num_params: 0,
            is_vararg: false,
            code: Vec::new(),
            lines: Vec::new(),
            constants: Vec::new(),
            const_index: ConstIndex::default(),
            protos: Vec::new(),
            upvalues: Vec::new(),
            locals: Vec::new(),
            free_reg: 0,
            // Lua's minimum frame size.
            max_registers: 2,
            cells_used: 0,
            num_cells: 0,
            actives: Vec::new(),
            blocks: Vec::new(),
            labels: Vec::new(),
            gotos: Vec::new(),
            last_target: 0,
            line: line_defined,
            span: Span::default(),
            child_names: HashMap::new(),
            anonymous_children: 0,
        }
    }

    pub fn into_proto(mut self) -> FunctionProto {
        // Prototypes live as long as their closures: no spare capacity from growing.
        self.code.shrink_to_fit();
        self.constants.shrink_to_fit();
        self.protos.shrink_to_fit();
        self.locals.shrink_to_fit();
        FunctionProto {
            source: self.source,
            identity: self.identity,
            line_defined: self.line_defined,
            last_line_defined: self.last_line_defined,
            num_params: self.num_params,
            is_vararg: self.is_vararg,
            max_registers: self.max_registers as u8,
            num_cells: self.num_cells as u8,
            code: self.code,
            lines: LineInfo::from(self.lines),
            constants: self.constants,
            protos: self.protos,
            upvalues: self.upvalues,
            locals: self.locals,
        }
    }

    // ---- code emission -------------------------------------------------------------

    pub fn pc(&self) -> usize {
        self.code.len()
    }

    pub fn emit(&mut self, instr: Instr) -> usize {
        self.code.push(instr);
        self.lines.push(self.line);
        self.code.len() - 1
    }

    /// Marks the current pc as a jump target and returns it.
    pub fn label_here(&mut self) -> usize {
        self.last_target = self.pc();
        self.pc()
    }

    /// `R[from..=from+n-1] = nil`, merged into the previous `LoadNil` when adjacent.
    pub fn emit_nil(&mut self, from: u8, n: usize) {
        let from = from as usize;
        let last = from + n - 1;
        if self.pc() > self.last_target {
            if let Some(Instr::LoadNil { a, n: pn }) = self.code.last().copied() {
                let (pfrom, plast) = (a as usize, a as usize + pn as usize);
                if (pfrom <= from && from <= plast + 1) || (from <= pfrom && pfrom <= last + 1) {
                    let nfrom = pfrom.min(from);
                    let nlast = plast.max(last);
                    if nlast - nfrom <= 255 {
                        let pc = self.pc() - 1;
                        self.code[pc] = Instr::LoadNil {
                            a: nfrom as u8,
                            n: (nlast - nfrom) as u8,
                        };
                        return;
                    }
                }
            }
        }
        self.emit(Instr::LoadNil {
            a: from as u8,
            n: (n - 1) as u8,
        });
    }

    // ---- registers -------------------------------------------------------------------

    /// Registers held by active locals.
    pub fn reg_level(&self) -> usize {
        self.reg_level_at(self.actives.len())
    }

    pub fn reg_level_at(&self, nactive: usize) -> usize {
        if nactive == 0 {
            0
        } else {
            self.actives[nactive - 1].reg_end as usize
        }
    }

    pub fn check_stack(&mut self, n: usize) -> CResult<()> {
        let needed = self.free_reg + n;
        if needed > self.max_registers {
            if needed >= MAX_REGS {
                return Err(error(
                    "function or expression needs too many registers",
                    self.span,
                ));
            }
            self.max_registers = needed;
        }
        Ok(())
    }

    pub fn reserve(&mut self, n: usize) -> CResult<()> {
        self.check_stack(n)?;
        self.free_reg += n;
        Ok(())
    }

    /// Frees `reg` if it is a temporary (temporaries are freed in stack order).
    pub fn free_register(&mut self, reg: u8) {
        if reg as usize >= self.reg_level() {
            self.free_reg -= 1;
            debug_assert_eq!(reg as usize, self.free_reg, "registers freed out of order");
        }
    }

    /// Frees two temporaries, the higher one first.
    pub fn free_registers(&mut self, r1: u8, r2: u8) {
        if r1 > r2 {
            self.free_register(r1);
            self.free_register(r2);
        } else {
            self.free_register(r2);
            self.free_register(r1);
        }
    }

    // ---- cells -------------------------------------------------------------------------

    pub fn alloc_cell(&mut self) -> CResult<u8> {
        let cell = self.cells_used;
        if cell > 255 {
            return Err(error("too many captured local variables", self.span));
        }
        self.cells_used += 1;
        self.num_cells = self.num_cells.max(self.cells_used);
        Ok(cell as u8)
    }

    // ---- constants ---------------------------------------------------------------------

    /// `R[reg] = K[k]`: `LoadK`, or `LoadKX` + `ExtraArg` past `LoadK`'s reach.
    pub fn load_constant(&mut self, reg: u8, k: usize) {
        match u16::try_from(k) {
            Ok(k) => {
                self.emit(Instr::LoadK { a: reg, k });
            }
            Err(_) => {
                self.emit(Instr::LoadKX { a: reg });
                self.emit(Instr::extra_arg(k as u32));
            }
        }
    }

    pub fn add_constant(&mut self, c: Constant) -> CResult<usize> {
        self.const_index.reserve(&self.constants);
        let slot = match self.const_index.find(&self.constants, &c) {
            Ok(i) => return Ok(i),
            Err(slot) => slot,
        };
        let i = self.constants.len();
        if i > MAX_EXTRA_ARG as usize {
            return Err(error("too many constants in function", self.span));
        }
        self.constants.push(c);
        self.const_index.slots[slot] = i as u32;
        Ok(i)
    }

    pub fn string_constant(&mut self, s: &[u8]) -> CResult<usize> {
        self.add_constant(Constant::String(s.into()))
    }

    // ---- jumps -------------------------------------------------------------------------

    /// Emits an unpatched `Jmp` and returns its pc.
    pub fn emit_jump(&mut self) -> usize {
        self.emit(Instr::jmp(0))
    }

    /// Points the `Jmp` at `pc` to `target`.
    pub fn fix_jump(&mut self, pc: usize, target: usize) -> CResult<()> {
        let offset = target as i64 - (pc as i64 + 1);
        if offset.abs() > MAX_JUMP as i64 {
            return Err(error("control structure too long", self.span));
        }
        self.code[pc] = Instr::jmp(offset as i32);
        Ok(())
    }

    /// Emits a `Jmp` to an earlier `target`.
    pub fn jump_to(&mut self, target: usize) -> CResult<()> {
        let pc = self.emit_jump();
        self.fix_jump(pc, target)
    }

    /// The test instruction controlling the jump at `pc`, if any.
    pub fn jump_control(&self, pc: usize) -> Option<usize> {
        if pc >= 1 && is_test(&self.code[pc - 1]) {
            Some(pc - 1)
        } else {
            None
        }
    }

    /// Rewrites the `TestSet` controlling the jump at `pc` so it stores into `reg`, or
    /// turns it into a plain `Test` when no value is needed. Returns false if the jump is
    /// not controlled by a `TestSet`.
    pub fn patch_test_reg(&mut self, pc: usize, reg: Option<u8>) -> bool {
        let Some(ctl) = self.jump_control(pc) else {
            return false;
        };
        let Instr::TestSet { b, k, .. } = self.code[ctl] else {
            return false;
        };
        self.code[ctl] = match reg {
            Some(r) if r != b => Instr::TestSet { a: r, b, k },
            _ => Instr::Test { a: b, k },
        };
        true
    }

    /// True if some jump in `list` needs a boolean value materialised at its target
    /// (i.e. it is not a `TestSet` that already carries the value).
    pub fn need_value(&self, list: &[usize]) -> bool {
        list.iter().any(|&pc| {
            !matches!(
                self.jump_control(pc).map(|c| self.code[c]),
                Some(Instr::TestSet { .. })
            )
        })
    }

    /// Patches `list`: value-carrying `TestSet` jumps go to `value_target` storing into
    /// `reg`; the others go to `default_target`.
    pub fn patch_list_aux(
        &mut self,
        list: &[usize],
        value_target: usize,
        reg: Option<u8>,
        default_target: usize,
    ) -> CResult<()> {
        for &pc in list {
            if self.patch_test_reg(pc, reg) {
                self.fix_jump(pc, value_target)?;
            } else {
                self.fix_jump(pc, default_target)?;
            }
        }
        Ok(())
    }

    pub fn patch_list(&mut self, list: &[usize], target: usize) -> CResult<()> {
        self.patch_list_aux(list, target, None, target)
    }

    pub fn patch_to_here(&mut self, list: &[usize]) -> CResult<()> {
        let here = self.label_here();
        self.patch_list(list, here)
    }

    /// Values of `TestSet` jumps are useless (e.g. under `not`): make them `Test`s.
    pub fn remove_values(&mut self, list: &[usize]) {
        for &pc in list {
            self.patch_test_reg(pc, None);
        }
    }

    /// Flips the sense of the test controlling the jump at `pc`.
    pub fn negate_condition(&mut self, pc: usize) {
        if let Some(ctl) = self.jump_control(pc) {
            self.code[ctl] = negate(self.code[ctl]);
        }
    }

    // ---- locals and blocks ----------------------------------------------------------

    /// Brings a local into scope. `slot` must already hold its value.
    pub fn activate(
        &mut self,
        name: &str,
        slot: LocalSlot,
        cell: Option<u8>,
        attrib: Option<Attrib>,
        reg_end: usize,
    ) -> CResult<()> {
        if self.actives.len() >= MAX_LOCALS {
            let place = if self.line_defined == 0 {
                "main function".to_string()
            } else {
                format!("function at line {}", self.line_defined)
            };
            return Err(error(
                format!("too many local variables (limit is {MAX_LOCALS}) in {place}"),
                self.span,
            ));
        }
        let debug = self.locals.len();
        self.locals.push(LocalInfo {
            name: name.to_string(),
            slot,
            start_pc: self.pc() as u32,
            end_pc: 0,
        });
        self.actives.push(ActiveVar {
            name: name.to_string(),
            key: name_key(name),
            slot,
            cell,
            attrib,
            reg_end: reg_end as u8,
            debug: Some(debug),
        });
        Ok(())
    }

    /// Index (into `actives`) of the innermost `<close>` variable in scope, if any.
    pub fn innermost_tbc(&self) -> Option<usize> {
        self.actives
            .iter()
            .rposition(|v| v.attrib == Some(Attrib::Close))
    }

    /// Register of the outermost `<close>` variable in scope, if any.
    pub fn first_tbc_reg(&self) -> Option<u8> {
        self.actives.iter().find_map(|v| match (v.attrib, v.slot) {
            (Some(Attrib::Close), LocalSlot::Register(r)) => Some(r),
            _ => None,
        })
    }

    /// True if a `<close>` variable with active index `>= from` is in scope.
    pub fn has_tbc_from(&self, from: usize) -> bool {
        self.innermost_tbc().is_some_and(|i| i >= from)
    }

    pub fn enter_block(&mut self, is_loop: bool) {
        self.blocks.push(BlockScope {
            first_active: self.actives.len(),
            first_label: self.labels.len(),
            first_goto: self.gotos.len(),
            cell_level: self.cells_used,
            is_loop,
            exit_closes: false,
            breaks: Vec::new(),
        });
    }

    /// Ends the innermost block: closes its `<close>` variables (if `close`), ends its
    /// locals' scopes, frees their registers and cells, and moves its pending gotos out.
    /// Returns the block (its `breaks` still need patching by the caller).
    pub fn leave_block(&mut self, close: bool) -> CResult<BlockScope> {
        let Some(block) = self.blocks.pop() else {
            return Err(error("internal compiler error: block underflow", self.span));
        };
        let level = self.reg_level_at(block.first_active);
        if close && self.has_tbc_from(block.first_active) {
            self.emit(Instr::Close { a: level as u8 });
        }
        self.remove_actives(block.first_active);
        self.cells_used = block.cell_level;
        self.free_reg = level;
        self.labels.truncate(block.first_label);
        for goto in &mut self.gotos[block.first_goto..] {
            goto.nactive = goto.nactive.min(block.first_active);
        }
        Ok(block)
    }

    /// Ends the scope of every active local from index `from` on.
    pub fn remove_actives(&mut self, from: usize) {
        let pc = self.pc() as u32;
        for var in self.actives.drain(from..) {
            if let Some(d) = var.debug {
                self.locals[d].end_pc = pc;
            }
        }
    }

    /// Debug-info entries for hidden locals (Lua's "(for state)").
    pub fn activate_hidden(&mut self, reg: u8, attrib: Option<Attrib>) -> CResult<()> {
        self.activate(
            "(for state)",
            LocalSlot::Register(reg),
            None,
            attrib,
            reg as usize + 1,
        )
    }
}

/// True for instructions that skip the next instruction conditionally.
pub(super) fn is_test(i: &Instr) -> bool {
    matches!(
        i,
        Instr::Eq { .. }
            | Instr::Lt { .. }
            | Instr::Le { .. }
            | Instr::EqK { .. }
            | Instr::EqI { .. }
            | Instr::LtI { .. }
            | Instr::LeI { .. }
            | Instr::GtI { .. }
            | Instr::GeI { .. }
            | Instr::LtF { .. }
            | Instr::LeF { .. }
            | Instr::GtF { .. }
            | Instr::GeF { .. }
            | Instr::Test { .. }
            | Instr::TestSet { .. }
    )
}

fn negate(i: Instr) -> Instr {
    match i {
        Instr::Eq { a, b, k } => Instr::Eq { a, b, k: !k },
        Instr::Lt { a, b, k } => Instr::Lt { a, b, k: !k },
        Instr::Le { a, b, k } => Instr::Le { a, b, k: !k },
        Instr::EqK { a, kc, k } => Instr::EqK { a, kc, k: !k },
        Instr::EqI { a, i, k } => Instr::EqI { a, i, k: !k },
        Instr::LtI { a, i, k } => Instr::LtI { a, i, k: !k },
        Instr::LeI { a, i, k } => Instr::LeI { a, i, k: !k },
        Instr::GtI { a, i, k } => Instr::GtI { a, i, k: !k },
        Instr::GeI { a, i, k } => Instr::GeI { a, i, k: !k },
        Instr::LtF { a, i, k } => Instr::LtF { a, i, k: !k },
        Instr::LeF { a, i, k } => Instr::LeF { a, i, k: !k },
        Instr::GtF { a, i, k } => Instr::GtF { a, i, k: !k },
        Instr::GeF { a, i, k } => Instr::GeF { a, i, k: !k },
        Instr::Test { a, k } => Instr::Test { a, k: !k },
        Instr::TestSet { a, b, k } => Instr::TestSet { a, b, k: !k },
        other => other,
    }
}

/// Sets the destination register of an instruction emitted with a placeholder `a`.
pub(super) fn set_dest(i: &mut Instr, reg: u8) {
    if let Instr::Vararg { a, .. } = i {
        *a = reg;
    } else if let Some(a) = i.single_dest_mut() {
        *a = reg;
    } else {
        debug_assert!(false, "set_dest on {i:?}");
    }
}
