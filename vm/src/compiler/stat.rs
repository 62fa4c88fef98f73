//! Code generation for statements, blocks, loops, `goto`/labels and `return`.

use crate::bytecode::{Instr, LocalSlot};
use crate::syntax::ast::{
    Attrib, Block, Expr, ExprKind, FuncName, FunctionBody, LocalName, Name, Return, Span, Stat,
    StatKind,
};

use super::expdesc::{ExpDesc, ExpKind};
use super::function::{error, CResult, LabelInfo, PendingGoto};
use super::identity;
use super::Compiler;

impl Compiler<'_> {
    /// Compiles a block's statements and return in the current scope.
    pub(super) fn block_body(&mut self, block: &Block) -> CResult<()> {
        self.statements(block, true)
    }

    /// `labels_can_end_block`: false for a `repeat` body, whose `until` condition can
    /// still see the body's locals (so a label before `until` is not "at the end").
    fn statements(&mut self, block: &Block, labels_can_end_block: bool) -> CResult<()> {
        let stats = &block.stats;
        let mut i = 0;
        while i < stats.len() {
            if let StatKind::Label(_) = stats[i].kind {
                let mut end = i;
                while end < stats.len() && matches!(stats[end].kind, StatKind::Label(_)) {
                    end += 1;
                }
                let at_end = end == stats.len() && block.ret.is_none() && labels_can_end_block;
                self.label_run(&stats[i..end], at_end)?;
                i = end;
                continue;
            }
            self.statement(&stats[i])?;
            i += 1;
        }
        if let Some(ret) = &block.ret {
            self.final_return(ret)?;
        }
        Ok(())
    }

    /// The main function's block, as [`Self::statements`] does, dropping each statement's
    /// tree once it is compiled: the main function's statements hold every nested function,
    /// and their prototypes can then reuse the memory.
    pub(super) fn main_statements(&mut self, block: Block) -> CResult<()> {
        let Block { stats, ret, .. } = block;
        let mut stats = stats.into_iter().peekable();
        let mut labels = Vec::new();
        while let Some(stat) = stats.next() {
            if let StatKind::Label(_) = stat.kind {
                labels.push(stat);
                if matches!(stats.peek(), Some(next) if matches!(next.kind, StatKind::Label(_))) {
                    continue;
                }
                let at_end = stats.peek().is_none() && ret.is_none();
                self.label_run(&labels, at_end)?;
                labels.clear();
                continue;
            }
            self.statement(&stat)?;
        }
        if let Some(ret) = &ret {
            self.final_return(ret)?;
        }
        Ok(())
    }

    /// One statement, then the registers it used are free again.
    fn statement(&mut self, stat: &Stat) -> CResult<()> {
        self.stat(stat)?;
        let fs = self.fs();
        debug_assert!(fs.free_reg >= fs.reg_level());
        fs.free_reg = fs.reg_level();
        Ok(())
    }

    /// A run of consecutive labels (`at_end`: nothing but the block's end follows).
    fn label_run(&mut self, run: &[Stat], at_end: bool) -> CResult<()> {
        // Lua reports label errors where its lexer stands: after the run.
        let after = self.next_token(run[run.len() - 1].span.end as usize) as u32;
        // Lua creates a run of consecutive labels last-to-first.
        for stat in run.iter().rev() {
            if let StatKind::Label(name) = &stat.kind {
                self.at(stat.span);
                self.label(name, at_end, Span::new(after, after))?;
            }
        }
        Ok(())
    }

    fn final_return(&mut self, ret: &Return) -> CResult<()> {
        self.return_stat(ret)?;
        let fs = self.fs();
        fs.free_reg = fs.reg_level();
        Ok(())
    }

    /// A block with its own scope (closing its `<close>` variables at the end).
    fn scoped_block(&mut self, block: &Block) -> CResult<()> {
        self.fs().enter_block(false);
        self.block_body(block)?;
        self.at_end_of(block.span);
        self.fs().leave_block(true)?;
        Ok(())
    }

    /// Sets the line to the last line of `span` (an `end` keyword).
    fn at_end_of(&mut self, span: Span) {
        let line = self.line_of(span.end.saturating_sub(1).max(span.start));
        self.fs().line = line;
    }

    fn stat(&mut self, stat: &Stat) -> CResult<()> {
        self.at(stat.span);
        match &stat.kind {
            StatKind::Call(e) => {
                let d = self.expr(e)?;
                if let ExpKind::Call(pc) = d.kind {
                    if let Instr::Call { c, .. } = &mut self.fs().code[pc] {
                        *c = 1;
                    }
                }
                Ok(())
            }
            StatKind::Assign { targets, values } => self.assign(targets, values),
            StatKind::Local { names, values } => self.local(names, values),
            StatKind::Do(block) => self.scoped_block(block),
            StatKind::While { cond, body } => self.while_stat(cond, body, stat.span),
            StatKind::Repeat { body, cond } => self.repeat_stat(body, cond),
            StatKind::If {
                branches,
                else_block,
            } => self.if_stat(branches, else_block.as_deref()),
            StatKind::NumericFor {
                var,
                start,
                limit,
                step,
                body,
            } => self.numeric_for(var, start, limit, step.as_deref(), body, stat.span),
            StatKind::GenericFor { vars, exprs, body } => {
                self.generic_for(vars, exprs, body, stat.span)
            }
            StatKind::Function { name, func } => self.function_stat(name, func, stat.span),
            StatKind::LocalFunction { name, func } => self.local_function(name, func),
            StatKind::Goto(name) => self.goto(name, stat.span),
            StatKind::Label(name) => self.label(name, false, stat.span),
            StatKind::Break => self.break_stat(stat.span),
        }
    }

    // ---- assignment ---------------------------------------------------------------------

    /// Errors if `name` is a `<const>` or `<close>` variable.
    fn check_writable(&self, name: &str, span: Span) -> CResult<()> {
        for fs in self.funcs.iter().rev() {
            if let Some(var) = fs.actives.iter().rev().find(|v| v.name == name) {
                if var.attrib.is_some() {
                    return Err(error(
                        format!("attempt to assign to const variable '{name}'"),
                        span,
                    ));
                }
                return Ok(());
            }
        }
        Ok(())
    }

    /// The variable an assignment target denotes (its table and key evaluated).
    fn target(&mut self, target: &Expr, error_span: Span) -> CResult<ExpDesc> {
        self.at(target.span);
        match &target.kind {
            ExprKind::Name(n) => {
                self.check_writable(n, error_span)?;
                self.single_var(n)
            }
            ExprKind::Index { obj, key } => {
                let mut t = self.expr(obj)?;
                self.fs().exp_to_any_reg_up(&mut t)?;
                let mut k = self.expr(key)?;
                self.fs().exp_to_val(&mut k)?;
                self.fs().indexed(&mut t, &mut k)
            }
            _ => Err(error("syntax error", target.span)),
        }
    }

    fn assign(&mut self, targets: &[Expr], values: &[Expr]) -> CResult<()> {
        let error_span = values.first().map_or(Span::default(), |v| v.span);
        let mut vars: Vec<ExpDesc> = Vec::new();
        for t in targets {
            let var = self.target(t, error_span)?;
            self.check_conflict(&mut vars, &var)?;
            vars.push(var);
        }
        let hints: Vec<Option<String>> = targets.iter().map(identity::target_path).collect();
        let (n, mut last) = self.explist(values, &hints)?;
        // The stores have the line of the last value's last token, as in lua5.4.
        if let Some(v) = values.last() {
            self.fs().line = self.end_line(v);
        }
        let mut pending = vars.len();
        if n == vars.len() {
            self.fs().set_one_ret(&mut last);
            pending -= 1;
            self.fs().store_var(&vars[pending], last)?;
        } else {
            self.adjust_assign(vars.len(), n, last)?;
        }
        // The remaining values are in consecutive registers; store them last to first.
        for var in vars[..pending].iter().rev() {
            let fs = self.fs();
            let value = ExpDesc::new(ExpKind::NonReloc((fs.free_reg - 1) as u8));
            fs.store_var(var, value)?;
        }
        Ok(())
    }

    /// In `a[i], i = ...` the stores run right to left, so an earlier target whose table
    /// or key is a variable assigned later must use a copy of its current value.
    fn check_conflict(&mut self, previous: &mut [ExpDesc], var: &ExpDesc) -> CResult<()> {
        let fs = self.fs();
        let extra = fs.free_reg as u8;
        let mut conflict = false;
        for prev in previous.iter_mut() {
            match (&mut prev.kind, &var.kind) {
                (ExpKind::IndexUp { up, k }, ExpKind::Upval(u)) if *up == *u => {
                    conflict = true;
                    prev.kind = ExpKind::IndexStr { t: extra, k: *k };
                }
                (ExpKind::IndexStr { t, .. } | ExpKind::IndexInt { t, .. }, ExpKind::Local(r))
                    if *t == *r =>
                {
                    conflict = true;
                    *t = extra;
                }
                (ExpKind::Indexed { t, key }, ExpKind::Local(r)) => {
                    if *t == *r {
                        conflict = true;
                        *t = extra;
                    }
                    if *key == *r {
                        conflict = true;
                        *key = extra;
                    }
                }
                _ => {}
            }
        }
        if conflict {
            match var.kind {
                ExpKind::Local(r) => fs.emit(Instr::Move { a: extra, b: r }),
                ExpKind::Upval(up) => fs.emit(Instr::GetUpval { a: extra, up }),
                _ => 0,
            };
            fs.reserve(1)?;
        }
        Ok(())
    }

    /// Makes an expression list provide exactly `nvars` values in consecutive registers.
    pub(super) fn adjust_assign(
        &mut self,
        nvars: usize,
        nexps: usize,
        mut last: ExpDesc,
    ) -> CResult<()> {
        let fs = self.fs();
        let needed = nvars as isize - nexps as isize;
        if last.is_multi() {
            let extra = (needed + 1).max(0) as usize;
            fs.set_returns(&last, Some(extra))?;
        } else {
            if last.kind != ExpKind::Void {
                fs.exp_to_next_reg(&mut last)?;
            }
            if needed > 0 {
                fs.check_stack(needed as usize)?;
                let from = fs.free_reg as u8;
                fs.emit_nil(from, needed as usize);
            }
        }
        if needed > 0 {
            fs.reserve(needed as usize)?;
        } else {
            fs.free_reg -= (-needed) as usize;
        }
        Ok(())
    }

    // ---- local declarations ---------------------------------------------------------

    fn local(&mut self, names: &[LocalName], values: &[Expr]) -> CResult<()> {
        let mut seen_close = false;
        for n in names {
            if n.attrib == Some(Attrib::Close) {
                if seen_close {
                    return Err(error(
                        "multiple to-be-closed variables in local list",
                        n.name.span,
                    ));
                }
                seen_close = true;
            }
        }
        let hints: Vec<Option<String>> = names.iter().map(|n| Some(n.name.name.clone())).collect();
        let base = self.fs().free_reg;
        let (n, last) = self.explist(values, &hints)?;
        self.adjust_assign(names.len(), n, last)?;

        // Values are in base..base+len. Captured locals move into cells; the others are
        // packed down into consecutive registers.
        let mut next_reg = base;
        let mut slots = Vec::with_capacity(names.len());
        let mut tbc_reg = None;
        for (i, ln) in names.iter().enumerate() {
            let src = (base + i) as u8;
            let captured = self.is_captured(ln.name.span.start);
            let fs = self.fs();
            if captured && ln.attrib != Some(Attrib::Close) {
                let cell = fs.alloc_cell()?;
                fs.emit(Instr::NewCell { cell, a: src });
                slots.push((LocalSlot::Cell(cell), Some(cell), next_reg));
                continue;
            }
            let reg = next_reg as u8;
            if reg != src {
                fs.emit(Instr::Move { a: reg, b: src });
            }
            let mut cell = None;
            if captured {
                // A captured `<close>` variable: read-only, so a cell copy stays in sync.
                let c = fs.alloc_cell()?;
                fs.emit(Instr::NewCell { cell: c, a: reg });
                cell = Some(c);
            }
            if ln.attrib == Some(Attrib::Close) {
                tbc_reg = Some(reg);
            }
            next_reg += 1;
            slots.push((LocalSlot::Register(reg), cell, next_reg));
        }
        for (ln, (slot, cell, reg_end)) in names.iter().zip(slots) {
            self.fs()
                .activate(&ln.name.name, slot, cell, ln.attrib, reg_end)?;
        }
        let fs = self.fs();
        fs.free_reg = next_reg;
        if let Some(a) = tbc_reg {
            fs.emit(Instr::Tbc { a });
        }
        Ok(())
    }

    fn local_function(&mut self, name: &Name, func: &FunctionBody) -> CResult<()> {
        let fs = self.fs();
        let reg = fs.free_reg as u8;
        fs.reserve(1)?;
        if self.is_captured(name.span.start) {
            // The cell must exist before the closure is made, so the body can see itself.
            // lua5.4 has only the closure, on the line of the body's `end`: so are these
            // (a line hook sees one line, as there).
            self.at_end_of(func.span);
            let fs = self.fs();
            let cell = fs.alloc_cell()?;
            fs.emit_nil(reg, 1);
            fs.emit(Instr::NewCell { cell, a: reg });
            let level = fs.reg_level();
            fs.activate(&name.name, LocalSlot::Cell(cell), Some(cell), None, level)?;
            let mut closure = self.function_body(func, false, Some(name.name.clone()))?;
            let fs = self.fs();
            fs.exp_to_reg(&mut closure, reg)?;
            fs.emit(Instr::SetCell { cell, a: reg });
        } else {
            self.fs().activate(
                &name.name,
                LocalSlot::Register(reg),
                None,
                None,
                reg as usize + 1,
            )?;
            let mut closure = self.function_body(func, false, Some(name.name.clone()))?;
            self.fs().exp_to_reg(&mut closure, reg)?;
        }
        // Like Lua, the variable's debug range starts once it holds the closure.
        let fs = self.fs();
        let pc = fs.pc() as u32;
        if let Some(d) = fs.actives.last().and_then(|v| v.debug) {
            fs.locals[d].start_pc = pc;
        }
        Ok(())
    }

    fn function_stat(&mut self, name: &FuncName, func: &FunctionBody, span: Span) -> CResult<()> {
        let Some(first) = name.path.first() else {
            return Err(error("syntax error", span));
        };
        self.at(first.span);
        let has_fields = name.path.len() > 1 || name.method.is_some();
        if !has_fields {
            self.check_writable(&first.name, first.span)?;
        }
        let mut var = self.single_var(&first.name)?;
        // `function M.f()` / `function M:m()` on a captured local `M`: lua5.4 has `M` in a
        // register, so the first instruction is the closure, on the line of the body's
        // `end`; reading the cell on that line too keeps line hooks as there.
        let one_field = name.path.len() + usize::from(name.method.is_some()) == 2;
        let cell_first = one_field && matches!(var.kind, ExpKind::Cell(_));
        let fields = name.path[1..].iter().chain(name.method.iter());
        for field in fields {
            if cell_first {
                self.at_end_of(func.span);
            } else {
                self.at(field.span);
            }
            self.fs().exp_to_any_reg_up(&mut var)?;
            let mut key = ExpDesc::new(ExpKind::Str(field.name.as_bytes().to_vec()));
            var = self.fs().indexed(&mut var, &mut key)?;
        }
        let closure = self.function_body(
            func,
            name.method.is_some(),
            Some(identity::func_name_path(name)),
        )?;
        // The definition "happens" on the line of `function`.
        let line = self.line_of(span.start);
        let fs = self.fs();
        fs.line = line;
        fs.store_var(&var, closure)
    }

    // ---- control flow -----------------------------------------------------------------

    /// Compiles a condition; returns the jumps taken when it is false.
    /// The false exits of condition `e`. Its test gets the line lua5.4 gives it (which line
    /// hooks report): that of the condition's last token, or `test_line` when given (the
    /// `then` of an `if`).
    fn cond(&mut self, e: &Expr, test_line: Option<u32>) -> CResult<Vec<usize>> {
        let mut d = self.expr(e)?;
        if d.kind == ExpKind::Nil {
            d.kind = ExpKind::False;
        }
        let line = test_line.unwrap_or_else(|| self.line_of(e.span.end.saturating_sub(1)));
        self.fs().line = line;
        self.fs().go_if_true(&mut d)?;
        Ok(d.f)
    }

    /// The loop a block consisting only of `break` leaves, when that break needs no `Close`
    /// (its jump can then be the condition's own jump, as lua5.4's `test_then_block`).
    fn plain_break_loop(&mut self, body: &Block) -> Option<usize> {
        if body.ret.is_some()
            || body.stats.len() != 1
            || !matches!(body.stats[0].kind, StatKind::Break)
        {
            return None;
        }
        let fs = self.fs();
        let index = fs.blocks.iter().rposition(|b| b.is_loop)?;
        let block = &fs.blocks[index];
        if !block.exit_closes && fs.has_tbc_from(block.first_active) {
            return None;
        }
        Some(index)
    }

    fn if_stat(&mut self, branches: &[(Expr, Block)], else_block: Option<&Block>) -> CResult<()> {
        let mut escapes = Vec::new();
        for (i, (cond, body)) in branches.iter().enumerate() {
            self.at(cond.span);
            let then = self.next_token(cond.span.end as usize) as u32;
            if let Some(index) = self.plain_break_loop(body) {
                // `if c then break end`: jump out of the loop when `c` holds, fall through
                // to the next branch otherwise (one instruction fewer on the way out).
                let mut d = self.expr(cond)?;
                if d.kind == ExpKind::Nil {
                    d.kind = ExpKind::False;
                }
                let line = self.line_of(then);
                let fs = self.fs();
                fs.line = line;
                fs.go_if_false(&mut d)?;
                fs.remove_values(&d.t);
                fs.blocks[index].breaks.extend(d.t);
                continue;
            }
            let false_jumps = self.cond(cond, Some(self.line_of(then)))?;
            self.scoped_block(body)?;
            if i + 1 < branches.len() || else_block.is_some() {
                escapes.push(self.fs().emit_jump());
            }
            self.fs().patch_to_here(&false_jumps)?;
        }
        if let Some(body) = else_block {
            self.scoped_block(body)?;
        }
        self.fs().patch_to_here(&escapes)
    }

    fn while_stat(&mut self, cond: &Expr, body: &Block, span: Span) -> CResult<()> {
        let start = self.fs().label_here();
        let exits = self.cond(cond, None)?;
        self.fs().enter_block(true);
        self.block_body(body)?;
        // The jump back has the line of the body's last token, as in lua5.4 (the `do` when
        // the body is empty).
        if body.stats.is_empty() && body.ret.is_none() {
            let line = self.line_of(self.next_token(cond.span.end as usize) as u32);
            self.fs().line = line;
        } else {
            self.at_end_of(body.span);
        }
        let _ = span;
        let block = self.fs().leave_block(true)?;
        let fs = self.fs();
        fs.jump_to(start)?;
        fs.patch_to_here(&exits)?;
        fs.patch_to_here(&block.breaks)
    }

    fn repeat_stat(&mut self, body: &Block, cond: &Expr) -> CResult<()> {
        let start = self.fs().label_here();
        self.fs().enter_block(true);
        self.statements(body, false)?;
        self.at(cond.span);
        let repeat_jumps = self.cond(cond, None)?;
        let fs = self.fs();
        let first_active = fs.blocks.last().map_or(0, |b| b.first_active);
        if fs.has_tbc_from(first_active) {
            // Both the exit and the repetition must close the body's variables.
            let level = fs.reg_level_at(first_active) as u8;
            fs.emit(Instr::Close { a: level });
            let exit = fs.emit_jump();
            fs.patch_to_here(&repeat_jumps)?;
            fs.emit(Instr::Close { a: level });
            fs.jump_to(start)?;
            let block = fs.leave_block(false)?;
            fs.patch_to_here(&[exit])?;
            fs.patch_to_here(&block.breaks)
        } else {
            fs.patch_list(&repeat_jumps, start)?;
            let block = fs.leave_block(false)?;
            fs.patch_to_here(&block.breaks)
        }
    }

    fn numeric_for(
        &mut self,
        var: &Name,
        start: &Expr,
        limit: &Expr,
        step: Option<&Expr>,
        body: &Block,
        span: Span,
    ) -> CResult<()> {
        let line = self.line_of(span.start);
        self.fs().enter_block(true);
        let base = self.fs().free_reg as u8;
        for e in [Some(start), Some(limit), step].into_iter().flatten() {
            let mut d = self.expr(e)?;
            self.fs().exp_to_next_reg(&mut d)?;
        }
        if step.is_none() {
            let mut one = ExpDesc::new(ExpKind::Int(1));
            self.fs().exp_to_next_reg(&mut one)?;
        }
        for i in 0..3 {
            self.fs().activate_hidden(base + i, None)?;
        }
        self.fs().line = line;
        let prep = self.fs().emit(Instr::ForPrep { a: base, skip: 0 });

        self.fs().enter_block(false);
        self.loop_vars(&[var], base + 3)?;
        self.block_body(body)?;
        self.at_end_of(span);
        self.fs().leave_block(true)?;

        let fs = self.fs();
        fs.line = line;
        let loop_pc = fs.emit(Instr::ForLoop { a: base, back: 0 });
        let dist = loop_distance(fs.span, loop_pc - prep)?;
        fs.code[prep] = Instr::ForPrep {
            a: base,
            skip: dist,
        };
        fs.code[loop_pc] = Instr::ForLoop {
            a: base,
            back: dist,
        };
        let block = fs.leave_block(false)?;
        fs.patch_to_here(&block.breaks)
    }

    fn generic_for(
        &mut self,
        vars: &[Name],
        exprs: &[Expr],
        body: &Block,
        span: Span,
    ) -> CResult<()> {
        // Like lua5.4, the iterator call is on the line of the first token after `in`.
        let line = exprs
            .first()
            .map_or_else(|| self.line_of(span.start), |e| self.line_of(e.span.start));
        self.fs().enter_block(true);
        if let Some(b) = self.fs().blocks.last_mut() {
            b.exit_closes = true;
        }
        let base = self.fs().free_reg as u8;
        let (n, last) = self.explist(exprs, &[])?;
        self.adjust_assign(4, n, last)?;
        let fs = self.fs();
        for i in 0..4 {
            let attrib = (i == 3).then_some(Attrib::Close);
            fs.activate_hidden(base + i, attrib)?;
        }
        // Room for the executor to call the iterator above the control variables.
        fs.check_stack(3)?;
        fs.line = line;
        let prep = fs.emit(Instr::TForPrep { a: base, skip: 0 });

        self.fs().enter_block(false);
        let names: Vec<&Name> = vars.iter().collect();
        self.loop_vars(&names, base + 4)?;
        self.block_body(body)?;
        self.at_end_of(span);
        self.fs().leave_block(true)?;

        let fs = self.fs();
        fs.line = line;
        let call = fs.emit(Instr::TForCall {
            a: base,
            c: vars.len() as u8,
        });
        let skip = loop_distance(fs.span, call - prep - 1)?;
        fs.code[prep] = Instr::TForPrep { a: base, skip };
        let loop_pc = fs.emit(Instr::TForLoop { a: base, back: 0 });
        let back = loop_distance(fs.span, loop_pc - prep)?;
        fs.code[loop_pc] = Instr::TForLoop { a: base, back };
        // Breaks land on the `Close` that ends the loop (emitted by `leave_block`).
        let breaks = fs
            .blocks
            .last_mut()
            .map(|b| std::mem::take(&mut b.breaks))
            .unwrap_or_default();
        fs.patch_to_here(&breaks)?;
        // The `Close` that ends the loop is on the line of its `end`, as in lua5.4 (a line
        // hook reports that line when the loop finishes).
        self.at_end_of(span);
        self.fs().leave_block(true)?;
        Ok(())
    }

    /// Declares loop variables held in registers `first..`; captured ones get a fresh cell
    /// at the start of every iteration.
    fn loop_vars(&mut self, names: &[&Name], first: u8) -> CResult<()> {
        self.fs().reserve(names.len())?;
        for (i, name) in names.iter().enumerate() {
            let reg = first + i as u8;
            if self.is_captured(name.span.start) {
                let fs = self.fs();
                let cell = fs.alloc_cell()?;
                fs.emit(Instr::NewCell { cell, a: reg });
                fs.activate(
                    &name.name,
                    LocalSlot::Cell(cell),
                    Some(cell),
                    None,
                    reg as usize + 1,
                )?;
            } else {
                self.fs().activate(
                    &name.name,
                    LocalSlot::Register(reg),
                    None,
                    None,
                    reg as usize + 1,
                )?;
            }
        }
        Ok(())
    }

    // ---- goto, labels, break ----------------------------------------------------------

    fn goto(&mut self, name: &Name, span: Span) -> CResult<()> {
        let line = self.line_of(span.start);
        let fs = self.fs();
        if let Some(label) = fs.labels.iter().find(|l| l.name == name.name).cloned() {
            // Backward jump: close what it leaves behind.
            if fs.has_tbc_from(label.nactive) {
                let a = fs.reg_level_at(label.nactive) as u8;
                fs.emit(Instr::Close { a });
            }
            fs.jump_to(label.pc)?;
        } else {
            let jmp_pc = fs.emit_jump();
            let goto = PendingGoto {
                name: name.name.clone(),
                jmp_pc,
                nactive: fs.actives.len(),
                innermost_tbc: fs.innermost_tbc(),
                line,
            };
            fs.gotos.push(goto);
        }
        Ok(())
    }

    /// `at_end`: the label is followed only by the end of its block, so it does not count
    /// as being inside the scope of the block's locals.
    fn label(&mut self, name: &Name, at_end: bool, error_span: Span) -> CResult<()> {
        let line = self.line_of(name.span.start);
        let fs = self.fs();
        if let Some(prev) = fs.labels.iter().find(|l| l.name == name.name) {
            return Err(error(
                format!(
                    "label '{}' already defined on line {}",
                    name.name, prev.line
                ),
                error_span,
            ));
        }
        let block_start = fs.blocks.last().map_or(0, |b| b.first_active);
        let first_goto = fs.blocks.last().map_or(0, |b| b.first_goto);
        let nactive = if at_end {
            block_start
        } else {
            fs.actives.len()
        };
        let pc = fs.label_here();
        fs.labels.push(LabelInfo {
            name: name.name.clone(),
            pc,
            nactive,
            line,
        });
        let mut needs_close = false;
        let mut i = first_goto;
        while i < fs.gotos.len() {
            if fs.gotos[i].name != name.name {
                i += 1;
                continue;
            }
            let goto = fs.gotos.remove(i);
            if goto.nactive < nactive {
                let var = fs.actives[goto.nactive].name.clone();
                return Err(error(
                    format!(
                        "<goto {}> at line {} jumps into the scope of local '{}'",
                        goto.name, goto.line, var
                    ),
                    error_span,
                ));
            }
            needs_close |= goto.innermost_tbc.is_some_and(|t| t >= nactive);
            fs.fix_jump(goto.jmp_pc, pc)?;
        }
        if needs_close {
            let a = fs.reg_level() as u8;
            fs.emit(Instr::Close { a });
        }
        Ok(())
    }

    fn break_stat(&mut self, span: Span) -> CResult<()> {
        let line = self.line_of(span.start);
        let fs = self.fs();
        let Some(index) = fs.blocks.iter().rposition(|b| b.is_loop) else {
            // Reported at the end of the function, like an unresolved goto.
            let jmp_pc = fs.emit_jump();
            fs.gotos.push(PendingGoto {
                name: "break".to_string(),
                jmp_pc,
                nactive: fs.actives.len(),
                innermost_tbc: None,
                line,
            });
            return Ok(());
        };
        let block = &fs.blocks[index];
        let (first_active, exit_closes) = (block.first_active, block.exit_closes);
        if !exit_closes && fs.has_tbc_from(first_active) {
            let a = fs.reg_level_at(first_active) as u8;
            fs.emit(Instr::Close { a });
        }
        let j = fs.emit_jump();
        fs.blocks[index].breaks.push(j);
        Ok(())
    }

    // ---- return -------------------------------------------------------------------------

    fn return_stat(&mut self, ret: &Return) -> CResult<()> {
        self.at(ret.span);
        let tbc = self.fs().first_tbc_reg();
        let first = self.fs().free_reg as u8;
        if ret.values.is_empty() {
            let fs = self.fs();
            if let Some(a) = tbc {
                fs.emit(Instr::Close { a });
            }
            fs.emit(Instr::Return0);
            return Ok(());
        }
        // `return { f = function ... }` names the function `f`.
        let hints = vec![Some(String::new()); ret.values.len()];
        let (n, mut last) = self.explist(&ret.values, &hints)?;
        // What follows the values is on the line of their last token, as in lua5.4 (where
        // the code is generated after the parser has read them).
        if let Some(v) = ret.values.last() {
            self.at_end_of(v.span);
        }
        let fs = self.fs();
        let b = if last.is_multi() {
            fs.set_returns(&last, None)?;
            if let (ExpKind::Call(pc), 1, None) = (&last.kind, n, tbc) {
                if let Instr::Call { a, b, .. } = fs.code[*pc] {
                    fs.code[*pc] = Instr::TailCall { a, b };
                    fs.emit(Instr::Return { a, b: 0 });
                    return Ok(());
                }
            }
            0
        } else if n == 1 && tbc.is_none() {
            let a = fs.exp_to_any_reg(&mut last)?;
            fs.emit(Instr::Return1 { a });
            return Ok(());
        } else {
            // With `<close>` variables pending, values go above them so closing them
            // cannot disturb the results.
            fs.exp_to_next_reg(&mut last)?;
            (n + 1) as u8
        };
        if let Some(a) = tbc {
            fs.emit(Instr::Close { a });
        }
        if b == 2 {
            fs.emit(Instr::Return1 { a: first });
        } else {
            fs.emit(Instr::Return { a: first, b });
        }
        Ok(())
    }
}

/// A loop-instruction distance, checked against its 16-bit operand.
fn loop_distance(span: Span, distance: usize) -> CResult<u16> {
    u16::try_from(distance).map_err(|_| error("control structure too long", span))
}
