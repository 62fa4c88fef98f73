//! Expression descriptors: an expression that has been compiled only as far as needed, so
//! the consumer can choose the best instruction (constant operands, direct stores into a
//! local's register, jumps instead of booleans), in the manner of Lua's `expdesc`.

use crate::bytecode::{Constant, Instr, LocalSlot};

use super::fold::Num;
use super::function::{error, set_dest, CResult, FuncState};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum ExpKind {
    /// No value (empty expression list).
    Void,
    Nil,
    True,
    False,
    Int(i64),
    Flt(f64),
    Str(Vec<u8>),
    /// The value is in this register (a temporary or a local's register).
    NonReloc(u8),
    /// A local variable kept in a register.
    Local(u8),
    /// A captured local variable (cell slot of the current frame).
    Cell(u8),
    Upval(u8),
    /// `Up[up][K[k]]` (string key).
    IndexUp {
        up: u8,
        k: u8,
    },
    /// `R[t][K[k]]` (string key).
    IndexStr {
        t: u8,
        k: u8,
    },
    /// `R[t][i]`.
    IndexInt {
        t: u8,
        i: u8,
    },
    /// `R[t][R[key]]`.
    Indexed {
        t: u8,
        key: u8,
    },
    /// A comparison; the `Jmp` at this pc is taken when it is true.
    Jmp(usize),
    /// The instruction at this pc computes the value; its destination is still open.
    Reloc(usize),
    /// A call at this pc (results start at its `a`).
    Call(usize),
    /// A `Vararg` at this pc.
    Vararg(usize),
}

/// An expression plus the pending jumps taken when it is true (`t`) or false (`f`).
#[derive(Clone, Debug)]
pub(super) struct ExpDesc {
    pub kind: ExpKind,
    pub t: Vec<usize>,
    pub f: Vec<usize>,
}

impl ExpDesc {
    pub fn new(kind: ExpKind) -> ExpDesc {
        ExpDesc {
            kind,
            t: Vec::new(),
            f: Vec::new(),
        }
    }

    pub fn has_jumps(&self) -> bool {
        !self.t.is_empty() || !self.f.is_empty()
    }

    pub fn is_multi(&self) -> bool {
        matches!(self.kind, ExpKind::Call(_) | ExpKind::Vararg(_))
    }

    /// The numeric constant this expression is, if any (and no jumps are pending).
    pub fn as_number(&self) -> Option<Num> {
        if self.has_jumps() {
            return None;
        }
        match self.kind {
            ExpKind::Int(i) => Some(Num::Int(i)),
            ExpKind::Flt(f) => Some(Num::Flt(f)),
            _ => None,
        }
    }

    /// A small integer constant usable as a signed 8-bit immediate.
    pub fn as_imm8(&self) -> Option<i8> {
        match self.as_number()? {
            Num::Int(i) => i8::try_from(i).ok(),
            Num::Flt(_) => None,
        }
    }

    /// A number constant usable as a signed 8-bit immediate of an order comparison: an
    /// integer, or a float with an integral value (`true` says it was a float).
    pub fn as_order_imm8(&self) -> Option<(i8, bool)> {
        match self.as_number()? {
            Num::Int(i) => Some((i8::try_from(i).ok()?, false)),
            Num::Flt(f) => Some((i8::try_from(super::fold::float_to_int(f)?).ok()?, true)),
        }
    }

    pub fn from_num(n: Num) -> ExpDesc {
        ExpDesc::new(match n {
            Num::Int(i) => ExpKind::Int(i),
            Num::Flt(f) => ExpKind::Flt(f),
        })
    }

    pub fn is_constant(&self) -> bool {
        !self.has_jumps()
            && matches!(
                self.kind,
                ExpKind::Nil
                    | ExpKind::True
                    | ExpKind::False
                    | ExpKind::Int(_)
                    | ExpKind::Flt(_)
                    | ExpKind::Str(_)
            )
    }
}

/// Register (or cell) operations on descriptors.
impl FuncState {
    /// Frees the register of a temporary value.
    pub fn free_exp(&mut self, e: &ExpDesc) {
        if let ExpKind::NonReloc(r) = e.kind {
            self.free_register(r);
        }
    }

    /// Frees the registers of two expressions, the higher register first.
    pub fn free_exps(&mut self, e1: &ExpDesc, e2: &ExpDesc) {
        match (&e1.kind, &e2.kind) {
            (ExpKind::NonReloc(r1), ExpKind::NonReloc(r2)) => self.free_registers(*r1, *r2),
            _ => {
                self.free_exp(e1);
                self.free_exp(e2);
            }
        }
    }

    /// Adds the constant the expression denotes; `None` if it is not a constant.
    pub fn constant_of(&mut self, e: &ExpDesc) -> CResult<Option<usize>> {
        if e.has_jumps() {
            return Ok(None);
        }
        self.constant_of_value(e)
    }

    /// Adds the constant the expression's value denotes, ignoring pending jumps (for
    /// loading that value into a register while the jumps are patched separately).
    fn constant_of_value(&mut self, e: &ExpDesc) -> CResult<Option<usize>> {
        let c = match &e.kind {
            ExpKind::Nil => Constant::Nil,
            ExpKind::True => Constant::Boolean(true),
            ExpKind::False => Constant::Boolean(false),
            ExpKind::Int(i) => Constant::Integer(*i),
            ExpKind::Flt(f) => Constant::Float(*f),
            ExpKind::Str(s) => Constant::String(s.as_slice().into()),
            _ => return Ok(None),
        };
        self.add_constant(c).map(Some)
    }

    /// The constant index of `e` if it is a constant whose index fits an 8-bit operand.
    pub fn constant_k8(&mut self, e: &ExpDesc) -> CResult<Option<u8>> {
        Ok(self.constant_of(e)?.and_then(|k| u8::try_from(k).ok()))
    }

    /// The constant index of a string key usable as an 8-bit operand.
    pub fn string_k8(&mut self, e: &ExpDesc) -> CResult<Option<u8>> {
        match &e.kind {
            ExpKind::Str(s) if !e.has_jumps() => {
                let s = s.clone();
                Ok(u8::try_from(self.string_constant(&s)?).ok())
            }
            _ => Ok(None),
        }
    }

    /// A multi-value expression keeps `n` results (`None`: all of them).
    pub fn set_returns(&mut self, e: &ExpDesc, n: Option<usize>) -> CResult<()> {
        let c = match n {
            Some(n) => u8::try_from(n + 1)
                .map_err(|_| super::function::error("too many results", self.span))?,
            None => 0,
        };
        match e.kind {
            ExpKind::Call(pc) => {
                if let Instr::Call { c: cc, .. } = &mut self.code[pc] {
                    *cc = c;
                }
            }
            ExpKind::Vararg(pc) => {
                let a = self.free_reg as u8;
                self.code[pc] = Instr::Vararg { a, c };
                self.reserve(1)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A multi-value expression is truncated to one value.
    pub fn set_one_ret(&mut self, e: &mut ExpDesc) {
        match e.kind {
            ExpKind::Call(pc) => {
                if let Instr::Call { a, .. } = self.code[pc] {
                    e.kind = ExpKind::NonReloc(a);
                }
            }
            ExpKind::Vararg(pc) => {
                self.code[pc] = Instr::Vararg { a: 0, c: 2 };
                e.kind = ExpKind::Reloc(pc);
            }
            _ => {}
        }
    }

    /// Turns a variable into a value (emitting the load if it is not in a register).
    pub fn discharge_vars(&mut self, e: &mut ExpDesc) {
        match e.kind {
            ExpKind::Local(r) => e.kind = ExpKind::NonReloc(r),
            ExpKind::Cell(cell) => {
                e.kind = ExpKind::Reloc(self.emit(Instr::GetCell { a: 0, cell }));
            }
            ExpKind::Upval(up) => {
                e.kind = ExpKind::Reloc(self.emit(Instr::GetUpval { a: 0, up }));
            }
            ExpKind::IndexUp { up, k } => {
                e.kind = ExpKind::Reloc(self.emit(Instr::GetTabUp { a: 0, up, k }));
            }
            ExpKind::IndexStr { t, k } => {
                self.free_register(t);
                e.kind = ExpKind::Reloc(self.emit(Instr::GetField { a: 0, b: t, k }));
            }
            ExpKind::IndexInt { t, i } => {
                self.free_register(t);
                e.kind = ExpKind::Reloc(self.emit(Instr::GetI { a: 0, b: t, i }));
            }
            ExpKind::Indexed { t, key } => {
                self.free_registers(t, key);
                e.kind = ExpKind::Reloc(self.emit(Instr::GetTable { a: 0, b: t, c: key }));
            }
            ExpKind::Call(_) | ExpKind::Vararg(_) => self.set_one_ret(e),
            _ => {}
        }
    }

    /// Puts the value (not the pending jumps) of `e` into `reg`.
    fn discharge_to_reg(&mut self, e: &mut ExpDesc, reg: u8) -> CResult<()> {
        self.discharge_vars(e);
        match e.kind.clone() {
            ExpKind::Nil => self.emit_nil(reg, 1),
            ExpKind::False => {
                self.emit(Instr::LoadFalse { a: reg });
            }
            ExpKind::True => {
                self.emit(Instr::LoadTrue { a: reg });
            }
            ExpKind::Str(_) | ExpKind::Int(_) | ExpKind::Flt(_) => self.load_number_or_k(e, reg)?,
            ExpKind::Reloc(pc) => set_dest(&mut self.code[pc], reg),
            ExpKind::NonReloc(r) => {
                if r != reg {
                    self.emit(Instr::Move { a: reg, b: r });
                }
            }
            ExpKind::Jmp(_) | ExpKind::Void => return Ok(()),
            other => {
                return Err(super::function::error(
                    format!("internal compiler error: cannot discharge {other:?}"),
                    self.span,
                ))
            }
        }
        e.kind = ExpKind::NonReloc(reg);
        Ok(())
    }

    fn load_number_or_k(&mut self, e: &ExpDesc, reg: u8) -> CResult<()> {
        match e.kind {
            ExpKind::Int(i) if i16::try_from(i).is_ok() => {
                self.emit(Instr::LoadI {
                    a: reg,
                    i: i as i16,
                });
            }
            ExpKind::Flt(f)
                if f.fract() == 0.0
                    && (-32768.0..=32767.0).contains(&f)
                    && !(f == 0.0 && f.is_sign_negative()) =>
            {
                self.emit(Instr::LoadF {
                    a: reg,
                    i: f as i16,
                });
            }
            _ => {
                let Some(k) = self.constant_of_value(e)? else {
                    return Err(error("internal error: constant expected", self.span));
                };
                self.load_constant(reg, k);
            }
        }
        Ok(())
    }

    pub fn discharge_to_any_reg(&mut self, e: &mut ExpDesc) -> CResult<()> {
        if !matches!(e.kind, ExpKind::NonReloc(_)) {
            self.reserve(1)?;
            let reg = (self.free_reg - 1) as u8;
            self.discharge_to_reg(e, reg)?;
        }
        Ok(())
    }

    /// Puts the complete value of `e` (including `and`/`or`/comparison jumps) into `reg`.
    pub fn exp_to_reg(&mut self, e: &mut ExpDesc, reg: u8) -> CResult<()> {
        self.discharge_to_reg(e, reg)?;
        if let ExpKind::Jmp(pc) = e.kind {
            e.t.push(pc);
        }
        if e.has_jumps() {
            let mut load_false = None;
            let mut load_true = None;
            let t = std::mem::take(&mut e.t);
            let f = std::mem::take(&mut e.f);
            if self.need_value(&t) || self.need_value(&f) {
                let skip = if matches!(e.kind, ExpKind::Jmp(_)) {
                    None
                } else {
                    Some(self.emit_jump())
                };
                self.label_here();
                load_false = Some(self.emit(Instr::LoadFalseSkip { a: reg }));
                self.label_here();
                load_true = Some(self.emit(Instr::LoadTrue { a: reg }));
                if let Some(j) = skip {
                    self.patch_to_here(&[j])?;
                }
            }
            let end = self.label_here();
            self.patch_list_aux(&f, end, Some(reg), load_false.unwrap_or(end))?;
            self.patch_list_aux(&t, end, Some(reg), load_true.unwrap_or(end))?;
        }
        e.kind = ExpKind::NonReloc(reg);
        Ok(())
    }

    /// Puts `e` into the next free register.
    pub fn exp_to_next_reg(&mut self, e: &mut ExpDesc) -> CResult<u8> {
        self.discharge_vars(e);
        self.free_exp(e);
        self.reserve(1)?;
        let reg = (self.free_reg - 1) as u8;
        self.exp_to_reg(e, reg)?;
        Ok(reg)
    }

    /// Puts `e` in some register (a local's own register if possible).
    pub fn exp_to_any_reg(&mut self, e: &mut ExpDesc) -> CResult<u8> {
        self.discharge_vars(e);
        if let ExpKind::NonReloc(r) = e.kind {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r as usize >= self.reg_level() {
                self.exp_to_reg(e, r)?;
                return Ok(r);
            }
        }
        self.exp_to_next_reg(e)
    }

    /// Like [`Self::exp_to_any_reg`] but leaves upvalues alone (for `Up[x][k]` forms).
    pub fn exp_to_any_reg_up(&mut self, e: &mut ExpDesc) -> CResult<()> {
        if !matches!(e.kind, ExpKind::Upval(_)) || e.has_jumps() {
            self.exp_to_any_reg(e)?;
        }
        Ok(())
    }

    /// Makes `e` a value: a register, or a constant if it has no jumps.
    pub fn exp_to_val(&mut self, e: &mut ExpDesc) -> CResult<()> {
        if e.has_jumps() {
            self.exp_to_any_reg(e)?;
        } else {
            self.discharge_vars(e);
        }
        Ok(())
    }

    /// Stores `value` into the variable described by `var`.
    pub fn store_var(&mut self, var: &ExpDesc, mut value: ExpDesc) -> CResult<()> {
        match var.kind {
            ExpKind::Local(reg) => {
                self.free_exp(&value);
                self.exp_to_reg(&mut value, reg)?;
            }
            ExpKind::Cell(cell) => {
                let a = self.exp_to_any_reg(&mut value)?;
                self.emit(Instr::SetCell { cell, a });
                self.free_exp(&value);
            }
            ExpKind::Upval(up) => {
                let a = self.exp_to_any_reg(&mut value)?;
                self.emit(Instr::SetUpval { a, up });
                self.free_exp(&value);
            }
            ExpKind::IndexUp { up, k } => {
                if let Some(kv) = self.constant_k8(&value)? {
                    self.emit(Instr::SetTabUpK { up, k, kv });
                } else {
                    let b = self.exp_to_any_reg(&mut value)?;
                    self.emit(Instr::SetTabUp { up, k, b });
                    self.free_exp(&value);
                }
            }
            ExpKind::IndexStr { t, k } => {
                if let Some(kv) = self.constant_k8(&value)? {
                    self.emit(Instr::SetFieldK { a: t, k, kv });
                } else {
                    let c = self.exp_to_any_reg(&mut value)?;
                    self.emit(Instr::SetField { a: t, k, c });
                    self.free_exp(&value);
                }
            }
            ExpKind::IndexInt { t, i } => {
                if let Some(k) = self.constant_k8(&value)? {
                    self.emit(Instr::SetIK { a: t, i, k });
                } else {
                    let c = self.exp_to_any_reg(&mut value)?;
                    self.emit(Instr::SetI { a: t, i, c });
                    self.free_exp(&value);
                }
            }
            ExpKind::Indexed { t, key } => {
                if let Some(k) = self.constant_k8(&value)? {
                    self.emit(Instr::SetTableK { a: t, b: key, k });
                } else {
                    let c = self.exp_to_any_reg(&mut value)?;
                    self.emit(Instr::SetTable { a: t, b: key, c });
                    self.free_exp(&value);
                }
            }
            ref other => {
                return Err(super::function::error(
                    format!("internal compiler error: cannot assign to {other:?}"),
                    self.span,
                ))
            }
        }
        // An indexed target's table/key temporaries are released by the caller (at the
        // end of the statement), as they may sit below other pending values.
        Ok(())
    }

    /// `t[key]` where `t` is in a register or an upvalue.
    pub fn indexed(&mut self, t: &mut ExpDesc, key: &mut ExpDesc) -> CResult<ExpDesc> {
        let kstr = self.string_k8(key)?;
        if matches!(t.kind, ExpKind::Upval(_)) && kstr.is_none() {
            self.exp_to_any_reg(t)?;
        }
        if let ExpKind::Upval(up) = t.kind {
            if let Some(k) = kstr {
                return Ok(ExpDesc::new(ExpKind::IndexUp { up, k }));
            }
        }
        let treg = match t.kind {
            ExpKind::Local(r) | ExpKind::NonReloc(r) => r,
            _ => self.exp_to_any_reg(t)?,
        };
        if let Some(k) = kstr {
            return Ok(ExpDesc::new(ExpKind::IndexStr { t: treg, k }));
        }
        if let (ExpKind::Int(i), false) = (&key.kind, key.has_jumps()) {
            if let Ok(i) = u8::try_from(*i) {
                return Ok(ExpDesc::new(ExpKind::IndexInt { t: treg, i }));
            }
        }
        let kreg = self.exp_to_any_reg(key)?;
        Ok(ExpDesc::new(ExpKind::Indexed { t: treg, key: kreg }))
    }

    // ---- conditions --------------------------------------------------------------------

    /// Emits `Test`/`TestSet` + `Jmp` that jumps when `e`'s truthiness equals `cond`.
    fn jump_on_cond(&mut self, e: &mut ExpDesc, cond: bool) -> CResult<usize> {
        if let ExpKind::Reloc(pc) = e.kind {
            let is_last = pc + 1 == self.pc() && pc > self.last_target;
            if let (Instr::Not { b, .. }, true) = (self.code[pc], is_last) {
                // `not x` as a condition: drop the `Not` and test `x` the other way.
                self.code.pop();
                self.lines.pop();
                self.emit(Instr::Test { a: b, k: !cond });
                return Ok(self.emit_jump());
            }
        }
        self.discharge_to_any_reg(e)?;
        self.free_exp(e);
        let ExpKind::NonReloc(b) = e.kind else {
            return Err(super::function::error(
                "internal compiler error: condition not in a register",
                self.span,
            ));
        };
        // `a` is a placeholder until the jump list is patched.
        self.emit(Instr::TestSet { a: 255, b, k: cond });
        Ok(self.emit_jump())
    }

    /// Falls through when `e` is true; jumps (added to `e.f`) when false.
    pub fn go_if_true(&mut self, e: &mut ExpDesc) -> CResult<()> {
        self.discharge_vars(e);
        let jump = match e.kind {
            ExpKind::Jmp(pc) => {
                self.negate_condition(pc);
                Some(pc)
            }
            ExpKind::True | ExpKind::Int(_) | ExpKind::Flt(_) | ExpKind::Str(_) => None,
            _ => Some(self.jump_on_cond(e, false)?),
        };
        if let Some(j) = jump {
            e.f.push(j);
        }
        let t = std::mem::take(&mut e.t);
        self.patch_to_here(&t)?;
        Ok(())
    }

    /// Falls through when `e` is false; jumps (added to `e.t`) when true.
    pub fn go_if_false(&mut self, e: &mut ExpDesc) -> CResult<()> {
        self.discharge_vars(e);
        let jump = match e.kind {
            ExpKind::Jmp(pc) => Some(pc),
            ExpKind::Nil | ExpKind::False => None,
            _ => Some(self.jump_on_cond(e, true)?),
        };
        if let Some(j) = jump {
            e.t.push(j);
        }
        let f = std::mem::take(&mut e.f);
        self.patch_to_here(&f)?;
        Ok(())
    }

    /// Emits a test instruction followed by its `Jmp`; returns the `Jmp`'s pc.
    pub fn cond_jump(&mut self, test: Instr) -> usize {
        self.emit(test);
        self.emit_jump()
    }
}

/// Which register a descriptor names for reading, if it is a plain register value.
pub(super) fn local_reg(slot: LocalSlot) -> ExpKind {
    match slot {
        LocalSlot::Register(r) => ExpKind::Local(r),
        LocalSlot::Cell(c) => ExpKind::Cell(c),
    }
}
