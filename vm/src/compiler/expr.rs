//! Code generation for expressions.

use crate::bytecode::Instr;
use crate::syntax::ast::{BinOp, Expr, ExprKind, TableField, UnOp};

use super::expdesc::{ExpDesc, ExpKind};
use super::fold::{fold_binary, fold_unary, Num};
use super::function::{error, CResult};
use super::identity;
use super::Compiler;

/// Positional items a `SetList` stores at most (Lua's `LFIELDS_PER_FLUSH`).
const FIELDS_PER_FLUSH: usize = 50;

impl Compiler<'_> {
    pub(super) fn expr(&mut self, e: &Expr) -> CResult<ExpDesc> {
        self.expr_hint(e, None)
    }

    /// Compiles `e`; `hint` names a function (or prefixes a constructor's fields) for
    /// identity paths.
    pub(super) fn expr_hint(&mut self, e: &Expr, hint: Option<&str>) -> CResult<ExpDesc> {
        self.at(e.span);
        Ok(match &e.kind {
            ExprKind::Nil => ExpDesc::new(ExpKind::Nil),
            ExprKind::True => ExpDesc::new(ExpKind::True),
            ExprKind::False => ExpDesc::new(ExpKind::False),
            ExprKind::Integer(i) => ExpDesc::new(ExpKind::Int(*i)),
            ExprKind::Float(f) => ExpDesc::new(ExpKind::Flt(*f)),
            ExprKind::String(s) => ExpDesc::new(ExpKind::Str(s.clone())),
            ExprKind::Vararg => {
                if !self.fs().is_vararg {
                    return Err(error(
                        "cannot use '...' outside a vararg function near '...'",
                        e.span,
                    ));
                }
                let pc = self.fs().emit(Instr::Vararg { a: 0, c: 2 });
                ExpDesc::new(ExpKind::Vararg(pc))
            }
            ExprKind::Function(f) => {
                // An empty hint only prefixes constructor fields (`return { f = ... }`).
                let name = hint.filter(|h| !h.is_empty()).map(str::to_string);
                self.function_body(f, false, name)?
            }
            ExprKind::Table(fields) => self.table(fields.iter(), hint)?,
            ExprKind::PackedTable(packed) => {
                self.table(packed.fields(self.source, e.span.start), hint)?
            }
            ExprKind::Unary { op, operand } => self.unary(*op, operand)?,
            ExprKind::Paren(inner) => {
                let mut d = self.expr(inner)?;
                self.fs().discharge_vars(&mut d);
                d
            }
            ExprKind::Name(n) => self.single_var(n)?,
            ExprKind::Binary { .. }
            | ExprKind::Index { .. }
            | ExprKind::Call { .. }
            | ExprKind::MethodCall { .. } => self.chain(e)?,
        })
    }

    /// A left-leaning chain (`a + b + c`, `t.a.b`, `f()()`, see [`Expr::left_operand`]),
    /// compiled with a loop: its innermost left operand first, then each link outwards.
    fn chain(&mut self, e: &Expr) -> CResult<ExpDesc> {
        let mut links = Vec::new();
        let mut cur = e;
        while let Some(left) = cur.left_operand() {
            self.at(cur.span);
            links.push(cur);
            cur = left;
        }
        let mut d = self.expr(cur)?;
        for link in links.into_iter().rev() {
            d = self.chain_link(link, d)?;
        }
        Ok(d)
    }

    /// One link of a chain whose left operand is already compiled to `left`.
    fn chain_link(&mut self, e: &Expr, left: ExpDesc) -> CResult<ExpDesc> {
        Ok(match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, left, rhs)?,
            ExprKind::Index { key, .. } => {
                let mut t = left;
                self.fs().exp_to_any_reg_up(&mut t)?;
                let mut k = self.expr(key)?;
                self.fs().exp_to_val(&mut k)?;
                self.at(key.span);
                self.fs().indexed(&mut t, &mut k)?
            }
            ExprKind::Call { args, .. } => {
                let mut f = left;
                let base = self.fs().exp_to_next_reg(&mut f)?;
                // Like lua5.4, a call is on the line where its prefix expression starts.
                self.call_args(base, args, e.span.start)?
            }
            ExprKind::MethodCall { method, args, .. } => {
                let mut o = left;
                let obj_reg = self.fs().exp_to_any_reg(&mut o)?;
                self.fs().free_exp(&o);
                self.at(method.span);
                let fs = self.fs();
                let base = fs.free_reg as u8;
                fs.reserve(2)?;
                let k = fs.string_constant(method.name.as_bytes())?;
                if let Ok(k) = u8::try_from(k) {
                    fs.emit(Instr::SelfK {
                        a: base,
                        b: obj_reg,
                        k,
                    });
                } else {
                    // Constant index too large for `SelfK`: do its two steps by hand.
                    fs.emit(Instr::Move {
                        a: base + 1,
                        b: obj_reg,
                    });
                    fs.reserve(1)?;
                    fs.load_constant(base + 2, k);
                    fs.emit(Instr::GetTable {
                        a: base,
                        b: obj_reg,
                        c: base + 2,
                    });
                    fs.free_register(base + 2);
                }
                self.call_args(base, args, e.span.start)?
            }
            _ => unreachable!("not a chain link"),
        })
    }

    /// Evaluates `exprs` into consecutive registers, except the last, which is returned
    /// undischarged (`Void` if the list is empty). Returns the count too.
    pub(super) fn explist(
        &mut self,
        exprs: &[Expr],
        hints: &[Option<String>],
    ) -> CResult<(usize, ExpDesc)> {
        let mut last = ExpDesc::new(ExpKind::Void);
        for (i, e) in exprs.iter().enumerate() {
            if i > 0 {
                self.fs().exp_to_next_reg(&mut last)?;
            }
            let hint = hints.get(i).and_then(|h| h.as_deref());
            last = self.expr_hint(e, hint)?;
        }
        Ok((exprs.len(), last))
    }

    /// Arguments and the `Call` for a function already in register `base`.
    fn call_args(&mut self, base: u8, args: &[Expr], call_at: u32) -> CResult<ExpDesc> {
        let (_, mut last) = self.explist(args, &[])?;
        let fs = self.fs();
        let multi = last.is_multi();
        if multi {
            fs.set_returns(&last, None)?;
        } else if last.kind != ExpKind::Void {
            fs.exp_to_next_reg(&mut last)?;
        }
        let b = if multi {
            0
        } else {
            (fs.free_reg - base as usize) as u8
        };
        let line = self.line_of(call_at);
        let fs = self.fs();
        fs.line = line;
        let pc = fs.emit(Instr::Call { a: base, b, c: 2 });
        fs.free_reg = base as usize + 1;
        Ok(ExpDesc::new(ExpKind::Call(pc)))
    }

    // ---- table constructors -----------------------------------------------------------

    /// A constructor; `fields` are its fields in order (from the AST's list or decoded one
    /// at a time from a packed constructor: the same fields give the same code).
    fn table<F: std::borrow::Borrow<TableField>>(
        &mut self,
        fields: impl ExactSizeIterator<Item = F>,
        prefix: Option<&str>,
    ) -> CResult<ExpDesc> {
        let fs = self.fs();
        let pc = fs.emit(Instr::NewTable {
            a: 0,
            array: 0,
            hash: 0,
        });
        let mut t = ExpDesc::new(ExpKind::Reloc(pc));
        let treg = fs.exp_to_next_reg(&mut t)?;
        let mut pending = 0usize; // positional values waiting in registers
        let mut stored = 0usize; // positional values already stored
        let mut array = 0usize;
        let mut hash = 0usize;
        let count = fields.len();
        for (i, field) in fields.enumerate() {
            let is_last = i + 1 == count;
            match field.borrow() {
                TableField::Positional(value) => {
                    let mut v = self.expr(value)?;
                    if is_last && v.is_multi() {
                        self.fs().set_returns(&v, None)?;
                        self.flush_list(treg, stored, None)?;
                        pending = 0;
                        break;
                    }
                    self.fs().exp_to_next_reg(&mut v)?;
                    pending += 1;
                    array += 1;
                    if pending == FIELDS_PER_FLUSH {
                        self.flush_list(treg, stored, Some(pending))?;
                        stored += pending;
                        pending = 0;
                    }
                }
                TableField::Named(field) => {
                    let (name, value) = &**field;
                    hash += 1;
                    let hint = prefix.map(|p| identity::join(p, &name.name));
                    let level = self.fs().free_reg;
                    let key = ExpDesc::new(ExpKind::Str(name.name.as_bytes().to_vec()));
                    self.at(name.span);
                    self.table_store(treg, key, value, hint)?;
                    self.fs().free_reg = level;
                }
                TableField::Keyed(field) => {
                    let (key, value) = &**field;
                    hash += 1;
                    let hint = match (prefix, identity::identifier_key(key)) {
                        (Some(p), Some(k)) => Some(identity::join(p, k)),
                        _ => None,
                    };
                    let level = self.fs().free_reg;
                    let mut k = self.expr(key)?;
                    self.fs().exp_to_val(&mut k)?;
                    self.table_store(treg, k, value, hint)?;
                    self.fs().free_reg = level;
                }
            }
        }
        if pending > 0 {
            self.flush_list(treg, stored, Some(pending))?;
        }
        let sat = |n: usize| n.min(255) as u8;
        self.fs().code[pc] = Instr::NewTable {
            a: treg,
            array: sat(array),
            hash: sat(hash),
        };
        Ok(t)
    }

    /// `t[key] = value` inside a constructor.
    fn table_store(
        &mut self,
        treg: u8,
        mut key: ExpDesc,
        value: &Expr,
        hint: Option<String>,
    ) -> CResult<()> {
        let mut t = ExpDesc::new(ExpKind::NonReloc(treg));
        let var = self.fs().indexed(&mut t, &mut key)?;
        let v = self.expr_hint(value, hint.as_deref())?;
        self.fs().store_var(&var, v)
    }

    /// `SetList` of `n` pending values (`None`: up to the top) after `stored` ones.
    fn flush_list(&mut self, treg: u8, stored: usize, n: Option<usize>) -> CResult<()> {
        let fs = self.fs();
        if stored > crate::bytecode::MAX_EXTRA_ARG as usize {
            return Err(error("table constructor too long", fs.span));
        }
        fs.emit(Instr::SetList {
            a: treg,
            n: n.unwrap_or(0) as u8,
        });
        fs.emit(Instr::extra_arg(stored as u32));
        fs.free_reg = treg as usize + 1;
        Ok(())
    }

    // ---- operators ----------------------------------------------------------------------

    /// Line of the last token of `e`.
    pub(super) fn end_line(&self, e: &Expr) -> u32 {
        self.line_of(e.span.end.saturating_sub(1).max(e.span.start))
    }

    /// Line of the operator between `lhs` and the right operand.
    fn operator_line(&self, lhs: &Expr) -> u32 {
        self.line_of(self.next_token(lhs.span.end as usize) as u32)
    }

    /// `lhs op rhs` where `lhs` is already compiled to `l`.
    fn binary(&mut self, op: BinOp, lhs: &Expr, mut l: ExpDesc, rhs: &Expr) -> CResult<ExpDesc> {
        let op_line = self.operator_line(lhs);
        match op {
            BinOp::And | BinOp::Or => {
                self.fs().line = op_line;
                if op == BinOp::And {
                    self.fs().go_if_true(&mut l)?;
                } else {
                    self.fs().go_if_false(&mut l)?;
                }
                let mut r = self.expr(rhs)?;
                self.fs().discharge_vars(&mut r);
                // The left operand's pending jumps first; appending to them (not
                // prepending) keeps a long `a and b and c ...` chain linear.
                let (mine, theirs) = if op == BinOp::And {
                    (&mut r.f, l.f)
                } else {
                    (&mut r.t, l.t)
                };
                let mut jumps = theirs;
                jumps.append(mine);
                *mine = jumps;
                Ok(r)
            }
            BinOp::Concat => {
                self.fs().line = op_line;
                let lreg = self.fs().exp_to_next_reg(&mut l)?;
                let mut r = self.expr(rhs)?;
                self.fs().line = self.end_line(rhs);
                self.fs().exp_to_next_reg(&mut r)?;
                let fs = self.fs();
                fs.line = op_line;
                let last = fs.pc().checked_sub(1);
                let merge = match last.map(|p| fs.code[p]) {
                    Some(Instr::Concat { a, n }) if a == lreg + 1 && fs.pc() > fs.last_target => {
                        Some(n)
                    }
                    _ => None,
                };
                fs.free_exp(&r);
                match (merge, last) {
                    (Some(n), Some(p)) => {
                        fs.code[p] = Instr::Concat { a: lreg, n: n + 1 };
                        fs.lines[p] = op_line;
                    }
                    _ => {
                        fs.emit(Instr::Concat { a: lreg, n: 2 });
                    }
                }
                Ok(ExpDesc::new(ExpKind::NonReloc(lreg)))
            }
            // Lines as lua5.4 gives them (what line hooks see): the left operand is
            // discharged at the operator's line, the right one at its last token, which
            // comparisons keep; arithmetic is at the operator's line.
            BinOp::Eq | BinOp::Ne => {
                self.fs().line = op_line;
                if !l.is_constant() {
                    self.fs().exp_to_any_reg(&mut l)?;
                }
                let r = self.expr(rhs)?;
                self.fs().line = self.end_line(rhs);
                self.equality(op == BinOp::Eq, l, r)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.fs().line = op_line;
                if l.as_order_imm8().is_none() {
                    self.fs().exp_to_any_reg(&mut l)?;
                }
                let r = self.expr(rhs)?;
                self.fs().line = self.end_line(rhs);
                self.order(op, l, r)
            }
            _ => {
                self.fs().line = op_line;
                if l.as_number().is_none() {
                    self.fs().exp_to_any_reg(&mut l)?;
                }
                let r = self.expr(rhs)?;
                self.fs().line = self.end_line(rhs);
                self.arith(op, l, r, op_line)
            }
        }
    }

    fn arith(
        &mut self,
        op: BinOp,
        mut l: ExpDesc,
        mut r: ExpDesc,
        op_line: u32,
    ) -> CResult<ExpDesc> {
        if let (Some(a), Some(b)) = (l.as_number(), r.as_number()) {
            if let Some(n) = fold_binary(op, a, b) {
                return Ok(ExpDesc::from_num(n));
            }
        }
        let fs = self.fs();
        // A constant on the left of `+`/`*` (`2.0 * x`) gets instructions of its own
        // (`IAdd`, `KAdd`, `KMul`) rather than swapping the operands: a metamethod receives
        // them in source order.
        if matches!(op, BinOp::Add | BinOp::Mul) && r.as_number().is_none() {
            let imm = match (op, l.as_imm8()) {
                (BinOp::Add, Some(i)) => Some(Instr::IAdd { a: 0, b: 0, i }),
                _ => None,
            };
            let instr = match imm {
                Some(instr) => Some(instr),
                None if l.as_number().is_some() => fs.constant_k8(&l)?.map(|k| {
                    if op == BinOp::Add {
                        Instr::KAdd { a: 0, b: 0, k }
                    } else {
                        Instr::KMul { a: 0, b: 0, k }
                    }
                }),
                None => None,
            };
            if let Some(mut instr) = instr {
                let reg = fs.exp_to_any_reg(&mut r)?;
                fs.free_exp(&r);
                fs.line = op_line;
                if let Instr::IAdd { b, .. } | Instr::KAdd { b, .. } | Instr::KMul { b, .. } =
                    &mut instr
                {
                    *b = reg;
                }
                return Ok(ExpDesc::new(ExpKind::Reloc(fs.emit(instr))));
            }
        }
        if let (BinOp::Add | BinOp::Sub | BinOp::Shr, Some(i)) = (op, r.as_imm8()) {
            let b = fs.exp_to_any_reg(&mut l)?;
            fs.free_exp(&l);
            fs.line = op_line;
            let instr = match op {
                BinOp::Add => Instr::AddI { a: 0, b, i },
                BinOp::Sub => Instr::SubI { a: 0, b, i },
                _ => Instr::ShrI { a: 0, b, i },
            };
            return Ok(ExpDesc::new(ExpKind::Reloc(fs.emit(instr))));
        }
        if let (BinOp::Shl, Some(i)) = (op, l.as_imm8()) {
            let b = fs.exp_to_any_reg(&mut r)?;
            fs.free_exp(&r);
            fs.line = op_line;
            let pc = fs.emit(Instr::ShlI { a: 0, b, i });
            return Ok(ExpDesc::new(ExpKind::Reloc(pc)));
        }
        let k_form = matches!(
            (op, r.as_number()),
            (BinOp::BAnd | BinOp::BOr | BinOp::BXor, Some(Num::Int(_)))
                | (
                    BinOp::Add
                        | BinOp::Sub
                        | BinOp::Mul
                        | BinOp::Mod
                        | BinOp::Pow
                        | BinOp::Div
                        | BinOp::IDiv,
                    Some(_),
                )
        );
        if k_form {
            if let Some(k) = fs.constant_k8(&r)? {
                let b = fs.exp_to_any_reg(&mut l)?;
                fs.free_exp(&l);
                fs.line = op_line;
                let instr = match op {
                    BinOp::Add => Instr::AddK { a: 0, b, k },
                    BinOp::Sub => Instr::SubK { a: 0, b, k },
                    BinOp::Mul => Instr::MulK { a: 0, b, k },
                    BinOp::Mod => Instr::ModK { a: 0, b, k },
                    BinOp::Pow => Instr::PowK { a: 0, b, k },
                    BinOp::Div => Instr::DivK { a: 0, b, k },
                    BinOp::IDiv => Instr::IDivK { a: 0, b, k },
                    BinOp::BAnd => Instr::BAndK { a: 0, b, k },
                    BinOp::BOr => Instr::BOrK { a: 0, b, k },
                    _ => Instr::BXorK { a: 0, b, k },
                };
                return Ok(ExpDesc::new(ExpKind::Reloc(fs.emit(instr))));
            }
        }
        let c = fs.exp_to_any_reg(&mut r)?;
        let b = fs.exp_to_any_reg(&mut l)?;
        fs.free_exps(&l, &r);
        fs.line = op_line;
        let instr = match op {
            BinOp::Add => Instr::Add { a: 0, b, c },
            BinOp::Sub => Instr::Sub { a: 0, b, c },
            BinOp::Mul => Instr::Mul { a: 0, b, c },
            BinOp::Div => Instr::Div { a: 0, b, c },
            BinOp::IDiv => Instr::IDiv { a: 0, b, c },
            BinOp::Mod => Instr::Mod { a: 0, b, c },
            BinOp::Pow => Instr::Pow { a: 0, b, c },
            BinOp::BAnd => Instr::BAnd { a: 0, b, c },
            BinOp::BOr => Instr::BOr { a: 0, b, c },
            BinOp::BXor => Instr::BXor { a: 0, b, c },
            BinOp::Shl => Instr::Shl { a: 0, b, c },
            BinOp::Shr => Instr::Shr { a: 0, b, c },
            other => {
                return Err(error(
                    format!("internal compiler error: {other:?} is not arithmetic"),
                    fs.span,
                ))
            }
        };
        Ok(ExpDesc::new(ExpKind::Reloc(fs.emit(instr))))
    }

    fn equality(&mut self, is_eq: bool, mut l: ExpDesc, mut r: ExpDesc) -> CResult<ExpDesc> {
        let fs = self.fs();
        if !matches!(l.kind, ExpKind::NonReloc(_)) {
            // The left side is a constant: compare the other way round (`==` is symmetric
            // and never reaches `__eq` with a constant operand).
            std::mem::swap(&mut l, &mut r);
        }
        let a = fs.exp_to_any_reg(&mut l)?;
        let imm = match r.as_number() {
            Some(Num::Int(i)) => i8::try_from(i).ok(),
            Some(Num::Flt(f)) => super::fold::float_to_int(f).and_then(|i| i8::try_from(i).ok()),
            None => None,
        };
        let test = if let Some(i) = imm {
            Instr::EqI { a, i, k: is_eq }
        } else if let Some(kc) = fs.constant_k8(&r)? {
            Instr::EqK { a, kc, k: is_eq }
        } else {
            let b = fs.exp_to_any_reg(&mut r)?;
            Instr::Eq { a, b, k: is_eq }
        };
        fs.free_exps(&l, &r);
        Ok(ExpDesc::new(ExpKind::Jmp(fs.cond_jump(test))))
    }

    fn order(&mut self, op: BinOp, mut l: ExpDesc, mut r: ExpDesc) -> CResult<ExpDesc> {
        // `a > b` is `b < a` and `a >= b` is `b <= a`.
        let less = match op {
            BinOp::Lt => true,
            BinOp::Le => false,
            BinOp::Gt => {
                std::mem::swap(&mut l, &mut r);
                true
            }
            _ => {
                std::mem::swap(&mut l, &mut r);
                false
            }
        };
        let fs = self.fs();
        let test = if let Some((i, float)) = r.as_order_imm8() {
            let a = fs.exp_to_any_reg(&mut l)?;
            match (less, float) {
                (true, false) => Instr::LtI { a, i, k: true },
                (false, false) => Instr::LeI { a, i, k: true },
                (true, true) => Instr::LtF { a, i, k: true },
                (false, true) => Instr::LeF { a, i, k: true },
            }
        } else if let Some((i, float)) = l.as_order_imm8() {
            // `i < x` is `x > i`.
            let a = fs.exp_to_any_reg(&mut r)?;
            match (less, float) {
                (true, false) => Instr::GtI { a, i, k: true },
                (false, false) => Instr::GeI { a, i, k: true },
                (true, true) => Instr::GtF { a, i, k: true },
                (false, true) => Instr::GeF { a, i, k: true },
            }
        } else {
            let a = fs.exp_to_any_reg(&mut l)?;
            let b = fs.exp_to_any_reg(&mut r)?;
            if less {
                Instr::Lt { a, b, k: true }
            } else {
                Instr::Le { a, b, k: true }
            }
        };
        fs.free_exps(&l, &r);
        Ok(ExpDesc::new(ExpKind::Jmp(fs.cond_jump(test))))
    }

    fn unary(&mut self, op: UnOp, operand: &Expr) -> CResult<ExpDesc> {
        let line = self.fs().line;
        let mut e = self.expr(operand)?;
        let fs = self.fs();
        fs.line = line;
        if op == UnOp::Not {
            fs.discharge_vars(&mut e);
            match e.kind {
                ExpKind::Nil | ExpKind::False => e.kind = ExpKind::True,
                ExpKind::True | ExpKind::Int(_) | ExpKind::Flt(_) | ExpKind::Str(_) => {
                    e.kind = ExpKind::False
                }
                ExpKind::Jmp(pc) => fs.negate_condition(pc),
                _ => {
                    fs.discharge_to_any_reg(&mut e)?;
                    fs.free_exp(&e);
                    let ExpKind::NonReloc(b) = e.kind else {
                        return Err(error("internal compiler error: `not` operand", fs.span));
                    };
                    e.kind = ExpKind::Reloc(fs.emit(Instr::Not { a: 0, b }));
                }
            }
            std::mem::swap(&mut e.t, &mut e.f);
            fs.remove_values(&e.f);
            fs.remove_values(&e.t);
            return Ok(e);
        }
        if let Some(n) = e.as_number() {
            if let Some(folded) = fold_unary(op, n) {
                return Ok(ExpDesc::from_num(folded));
            }
        }
        let b = fs.exp_to_any_reg(&mut e)?;
        fs.free_exp(&e);
        let instr = match op {
            UnOp::Neg => Instr::Unm { a: 0, b },
            UnOp::BNot => Instr::BNot { a: 0, b },
            _ => Instr::Len { a: 0, b },
        };
        Ok(ExpDesc::new(ExpKind::Reloc(fs.emit(instr))))
    }
}
