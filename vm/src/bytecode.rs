//! The register bytecode shared by the compiler (producer) and the executor (consumer).
//!
//! A compiled function is a [`FunctionProto`]: plain Rust data with no garbage-collected
//! pointers, so compilation happens outside the GC arena (and, for reload, before a
//! transaction starts). The VM turns it into a GC prototype when the chunk is loaded.
//!
//! ## Conventions
//! - `R[x]` is register `x` of the current frame; `K[x]` is constant `x`; `Up[x]` is upvalue
//!   cell `x` of the running closure; `Cell[x]` is cell slot `x` of the current frame.
//! - **Captured locals live in cells.** A local that some nested function captures is not kept
//!   in a register: the compiler gives it a *cell slot*, creates a fresh cell with `NewCell`
//!   each time its declaration executes (so every loop iteration gets its own variable), and
//!   reads/writes it with `GetCell`/`SetCell`. `Closure` copies cells into the new closure's
//!   upvalue list as described by the child's [`UpvalueDesc`]s. There are no "open upvalues".
//! - After an instruction at index `p` is fetched, `pc = p + 1`. A jump by `offset` sets
//!   `pc = pc + offset`, i.e. offsets are relative to the *next* instruction.
//! - Conditional tests follow Lua 5.4: `if (cond ~= k) then pc += 1`, so the instruction after
//!   a test is normally a `Jmp` that is skipped or taken.
//! - Call counts follow Lua: `b = nargs + 1` (`b = 0`: arguments run up to the top set by the
//!   previous multi-value instruction), `c = nresults + 1` (`c = 0`: keep all results and set
//!   the top).

use std::sync::Arc;

/// One VM instruction. Kept at 4 bytes (checked below) so code stays cache-dense.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instr {
    /// `R[a] = R[b]`
    Move {
        a: u8,
        b: u8,
    },
    /// `R[a] = i` (integer)
    LoadI {
        a: u8,
        i: i16,
    },
    /// `R[a] = i as float`
    LoadF {
        a: u8,
        i: i16,
    },
    /// `R[a] = K[k]`
    LoadK {
        a: u8,
        k: u16,
    },
    /// `R[a] = K[k]` for any constant index: `k` is in the next instruction, always an
    /// `ExtraArg` (functions may have millions of constants, `LoadK` reaches 65,536).
    LoadKX {
        a: u8,
    },
    /// `R[a] = false`
    LoadFalse {
        a: u8,
    },
    /// `R[a] = false; pc += 1`
    LoadFalseSkip {
        a: u8,
    },
    /// `R[a] = true`
    LoadTrue {
        a: u8,
    },
    /// `R[a], R[a+1], ..., R[a+n] = nil` (note: `n + 1` registers)
    LoadNil {
        a: u8,
        n: u8,
    },

    /// `R[a] = Up[up]`
    GetUpval {
        a: u8,
        up: u8,
    },
    /// `Up[up] = R[a]`
    SetUpval {
        a: u8,
        up: u8,
    },
    /// `Cell[cell] = new cell holding R[a]` (executes a captured local's declaration)
    NewCell {
        cell: u8,
        a: u8,
    },
    /// `R[a] = Cell[cell]`
    GetCell {
        a: u8,
        cell: u8,
    },
    /// `Cell[cell] = R[a]`
    SetCell {
        cell: u8,
        a: u8,
    },

    /// `R[a] = Up[up][K[k]]` (`K[k]` is a string; used for globals through `_ENV`)
    GetTabUp {
        a: u8,
        up: u8,
        k: u8,
    },
    /// `Up[up][K[k]] = R[b]`
    SetTabUp {
        up: u8,
        k: u8,
        b: u8,
    },
    /// `Up[up][K[k]] = K[kv]`
    SetTabUpK {
        up: u8,
        k: u8,
        kv: u8,
    },
    /// `R[a] = R[b][R[c]]`
    GetTable {
        a: u8,
        b: u8,
        c: u8,
    },
    /// `R[a] = R[b][i]` (integer key)
    GetI {
        a: u8,
        b: u8,
        i: u8,
    },
    /// `R[a] = R[b][K[k]]` (`K[k]` is a string)
    GetField {
        a: u8,
        b: u8,
        k: u8,
    },
    /// `R[a][R[b]] = R[c]`
    SetTable {
        a: u8,
        b: u8,
        c: u8,
    },
    /// `R[a][R[b]] = K[k]`
    SetTableK {
        a: u8,
        b: u8,
        k: u8,
    },
    /// `R[a][i] = R[c]` (integer key)
    SetI {
        a: u8,
        i: u8,
        c: u8,
    },
    /// `R[a][i] = K[k]`
    SetIK {
        a: u8,
        i: u8,
        k: u8,
    },
    /// `R[a][K[k]] = R[c]` (`K[k]` is a string)
    SetField {
        a: u8,
        k: u8,
        c: u8,
    },
    /// `R[a][K[k]] = K[kv]`
    SetFieldK {
        a: u8,
        k: u8,
        kv: u8,
    },
    /// `R[a] = {}` with size hints (saturated at 255)
    NewTable {
        a: u8,
        array: u8,
        hash: u8,
    },
    /// `R[a+1] = R[b]; R[a] = R[b][K[k]]` (method lookup; `K[k]` is a string)
    SelfK {
        a: u8,
        b: u8,
        k: u8,
    },

    /// `R[a] = R[b] + i`
    AddI {
        a: u8,
        b: u8,
        i: i8,
    },
    /// `R[a] = R[b] - i`
    SubI {
        a: u8,
        b: u8,
        i: i8,
    },
    /// `R[a] = i + R[b]`: `AddI` for a constant on the left (`1 + x`), kept apart so a
    /// metamethod receives the operands in source order.
    IAdd {
        a: u8,
        b: u8,
        i: i8,
    },
    /// `R[a] = K[k] op R[b]` (`K[k]` is a number): `AddK`/`MulK` for a constant on the
    /// left (`2.0 * x`), kept apart so a metamethod receives the operands in source order.
    KAdd {
        a: u8,
        b: u8,
        k: u8,
    },
    KMul {
        a: u8,
        b: u8,
        k: u8,
    },
    /// `R[a] = R[b] op K[k]` (`K[k]` is a number)
    AddK {
        a: u8,
        b: u8,
        k: u8,
    },
    SubK {
        a: u8,
        b: u8,
        k: u8,
    },
    MulK {
        a: u8,
        b: u8,
        k: u8,
    },
    ModK {
        a: u8,
        b: u8,
        k: u8,
    },
    PowK {
        a: u8,
        b: u8,
        k: u8,
    },
    DivK {
        a: u8,
        b: u8,
        k: u8,
    },
    IDivK {
        a: u8,
        b: u8,
        k: u8,
    },
    /// `R[a] = R[b] op K[k]` (`K[k]` is an integer)
    BAndK {
        a: u8,
        b: u8,
        k: u8,
    },
    BOrK {
        a: u8,
        b: u8,
        k: u8,
    },
    BXorK {
        a: u8,
        b: u8,
        k: u8,
    },
    /// `R[a] = R[b] >> i`
    ShrI {
        a: u8,
        b: u8,
        i: i8,
    },
    /// `R[a] = i << R[b]`
    ShlI {
        a: u8,
        b: u8,
        i: i8,
    },
    /// `R[a] = R[b] op R[c]`
    Add {
        a: u8,
        b: u8,
        c: u8,
    },
    Sub {
        a: u8,
        b: u8,
        c: u8,
    },
    Mul {
        a: u8,
        b: u8,
        c: u8,
    },
    Mod {
        a: u8,
        b: u8,
        c: u8,
    },
    Pow {
        a: u8,
        b: u8,
        c: u8,
    },
    Div {
        a: u8,
        b: u8,
        c: u8,
    },
    IDiv {
        a: u8,
        b: u8,
        c: u8,
    },
    BAnd {
        a: u8,
        b: u8,
        c: u8,
    },
    BOr {
        a: u8,
        b: u8,
        c: u8,
    },
    BXor {
        a: u8,
        b: u8,
        c: u8,
    },
    Shl {
        a: u8,
        b: u8,
        c: u8,
    },
    Shr {
        a: u8,
        b: u8,
        c: u8,
    },
    /// `R[a] = -R[b]`
    Unm {
        a: u8,
        b: u8,
    },
    /// `R[a] = ~R[b]`
    BNot {
        a: u8,
        b: u8,
    },
    /// `R[a] = not R[b]`
    Not {
        a: u8,
        b: u8,
    },
    /// `R[a] = #R[b]`
    Len {
        a: u8,
        b: u8,
    },
    /// `R[a] = R[a] .. R[a+1] .. ... .. R[a+n-1]`
    Concat {
        a: u8,
        n: u8,
    },

    /// Close every to-be-closed variable in registers `>= a`.
    Close {
        a: u8,
    },
    /// Mark `R[a]` as a to-be-closed variable (error if its value has no `__close` and is
    /// not false/nil).
    Tbc {
        a: u8,
    },
    /// `pc += offset` where offset = `(hi as i32) << 16 | lo` (use [`Instr::jmp`] and
    /// [`Instr::jump_offset`]).
    Jmp {
        hi: i8,
        lo: u16,
    },

    /// `if ((R[a] == R[b]) ~= k) then pc += 1`
    Eq {
        a: u8,
        b: u8,
        k: bool,
    },
    /// `if ((R[a] < R[b]) ~= k) then pc += 1`
    Lt {
        a: u8,
        b: u8,
        k: bool,
    },
    /// `if ((R[a] <= R[b]) ~= k) then pc += 1`
    Le {
        a: u8,
        b: u8,
        k: bool,
    },
    /// `if ((R[a] == K[kc]) ~= k) then pc += 1`
    EqK {
        a: u8,
        kc: u8,
        k: bool,
    },
    /// `if ((R[a] == i) ~= k) then pc += 1`
    EqI {
        a: u8,
        i: i8,
        k: bool,
    },
    /// `if ((R[a] < i) ~= k) then pc += 1`
    LtI {
        a: u8,
        i: i8,
        k: bool,
    },
    /// `if ((R[a] <= i) ~= k) then pc += 1`
    LeI {
        a: u8,
        i: i8,
        k: bool,
    },
    /// `if ((R[a] > i) ~= k) then pc += 1`
    GtI {
        a: u8,
        i: i8,
        k: bool,
    },
    /// `if ((R[a] >= i) ~= k) then pc += 1`
    GeI {
        a: u8,
        i: i8,
        k: bool,
    },
    /// `LtI`/`LeI`/`GtI`/`GeI` for an integral float constant (`x > 4.0`): the comparison
    /// is the same as with the integer `i` (numbers compare by their exact values); only a
    /// metamethod sees the difference, receiving `i as float`.
    LtF {
        a: u8,
        i: i8,
        k: bool,
    },
    LeF {
        a: u8,
        i: i8,
        k: bool,
    },
    GtF {
        a: u8,
        i: i8,
        k: bool,
    },
    GeF {
        a: u8,
        i: i8,
        k: bool,
    },
    /// `if (truthy(R[a]) ~= k) then pc += 1`
    Test {
        a: u8,
        k: bool,
    },
    /// `if (truthy(R[b]) ~= k) then pc += 1 else R[a] = R[b]`
    TestSet {
        a: u8,
        b: u8,
        k: bool,
    },

    /// `R[a], ..., R[a+c-2] = R[a](R[a+1], ..., R[a+b-1])` (see the count conventions above)
    Call {
        a: u8,
        b: u8,
        c: u8,
    },
    /// `return R[a](R[a+1], ..., R[a+b-1])`
    TailCall {
        a: u8,
        b: u8,
    },
    /// `return R[a], ..., R[a+b-2]` (`b = 0`: up to the top)
    Return {
        a: u8,
        b: u8,
    },
    /// `return`
    Return0,
    /// `return R[a]`
    Return1 {
        a: u8,
    },

    /// Numeric `for` set-up over `R[a]` (initial), `R[a+1]` (limit), `R[a+2]` (step); the
    /// visible loop variable is `R[a+3]`. Errors as Lua 5.4 ("'for' initial value must be a
    /// number", "'for' step is zero"). If the loop runs zero times, `pc += skip` (past the
    /// matching `ForLoop`). The executor may rewrite `R[a..a+2]` into its own counter form.
    ForPrep {
        a: u8,
        skip: u16,
    },
    /// Numeric `for` step: if the loop continues, update `R[a+3]` and `pc -= back`
    /// (back to the first body instruction).
    ForLoop {
        a: u8,
        back: u16,
    },
    /// Generic `for` set-up: `R[a]` iterator, `R[a+1]` state, `R[a+2]` control, `R[a+3]`
    /// closing value (made to-be-closed); `pc += skip` (to the `TForCall`).
    TForPrep {
        a: u8,
        skip: u16,
    },
    /// `R[a+4], ..., R[a+3+c] = R[a](R[a+1], R[a+2])`
    TForCall {
        a: u8,
        c: u8,
    },
    /// `if R[a+4] ~= nil then { R[a+2] = R[a+4]; pc -= back }`
    TForLoop {
        a: u8,
        back: u16,
    },

    /// `R[a][start + i] = R[a + i]` for `1 <= i <= n` (`n = 0`: up to the top). The next
    /// instruction is always `ExtraArg` holding `start`.
    SetList {
        a: u8,
        n: u8,
    },
    /// `R[a] = closure(protos[proto])`
    Closure {
        a: u8,
        proto: u16,
    },
    /// `R[a], ..., R[a+c-2] = ...` (`c = 0`: all varargs, and set the top)
    Vararg {
        a: u8,
        c: u8,
    },
    /// A 24-bit operand for the previous instruction (see [`Instr::extra_arg`]).
    ExtraArg {
        hi: u8,
        lo: u16,
    },
}

const _: () = assert!(std::mem::size_of::<Instr>() == 4);

/// The largest jump offset magnitude a `Jmp` can encode.
pub const MAX_JUMP: i32 = (1 << 23) - 1;
/// The largest value an `ExtraArg` can hold.
pub const MAX_EXTRA_ARG: u32 = (1 << 24) - 1;

impl Instr {
    /// A `Jmp` by `offset` (must be within `-MAX_JUMP..=MAX_JUMP`).
    pub fn jmp(offset: i32) -> Instr {
        debug_assert!((-MAX_JUMP..=MAX_JUMP).contains(&offset));
        Instr::Jmp {
            hi: (offset >> 16) as i8,
            lo: offset as u16,
        }
    }

    /// The offset of a `Jmp` built by [`Instr::jmp`].
    pub fn jump_offset(hi: i8, lo: u16) -> i32 {
        ((hi as i32) << 16) | lo as i32
    }

    /// An `ExtraArg` holding `value` (must be `<= MAX_EXTRA_ARG`).
    pub fn extra_arg(value: u32) -> Instr {
        debug_assert!(value <= MAX_EXTRA_ARG);
        Instr::ExtraArg {
            hi: (value >> 16) as u8,
            lo: value as u16,
        }
    }

    /// For instructions whose only register effect is writing `R[a]`, that `a`. Shared by
    /// the compiler (to retarget an instruction) and error messages (to find which
    /// instruction loaded a register). Instructions writing ranges (`LoadNil`, `Call`,
    /// `Vararg`, `TForCall`, `SelfK`) or writing conditionally (`TestSet`) are not included.
    pub fn single_dest_mut(&mut self) -> Option<&mut u8> {
        use Instr::*;
        match self {
            Move { a, .. }
            | LoadI { a, .. }
            | LoadF { a, .. }
            | LoadK { a, .. }
            | LoadKX { a }
            | LoadFalse { a }
            | LoadTrue { a }
            | GetUpval { a, .. }
            | GetCell { a, .. }
            | GetTabUp { a, .. }
            | GetTable { a, .. }
            | GetI { a, .. }
            | GetField { a, .. }
            | NewTable { a, .. }
            | AddI { a, .. }
            | SubI { a, .. }
            | IAdd { a, .. }
            | KAdd { a, .. }
            | KMul { a, .. }
            | AddK { a, .. }
            | SubK { a, .. }
            | MulK { a, .. }
            | ModK { a, .. }
            | PowK { a, .. }
            | DivK { a, .. }
            | IDivK { a, .. }
            | BAndK { a, .. }
            | BOrK { a, .. }
            | BXorK { a, .. }
            | ShrI { a, .. }
            | ShlI { a, .. }
            | Add { a, .. }
            | Sub { a, .. }
            | Mul { a, .. }
            | Mod { a, .. }
            | Pow { a, .. }
            | Div { a, .. }
            | IDiv { a, .. }
            | BAnd { a, .. }
            | BOr { a, .. }
            | BXor { a, .. }
            | Shl { a, .. }
            | Shr { a, .. }
            | Unm { a, .. }
            | BNot { a, .. }
            | Not { a, .. }
            | Len { a, .. }
            | Closure { a, .. } => Some(a),
            _ => None,
        }
    }

    /// The value of an `ExtraArg` built by [`Instr::extra_arg`].
    pub fn extra_arg_value(hi: u8, lo: u16) -> u32 {
        ((hi as u32) << 16) | lo as u32
    }
}

/// A compile-time constant.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Nil,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    String(Box<[u8]>),
}

/// How a closure obtains one upvalue when it is created by `Closure`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpvalueDesc {
    /// The variable's name (`_ENV` for the main chunk's only upvalue).
    pub name: String,
    /// `true`: the cell in the *creating frame's* cell slot `index` (a captured local of the
    /// enclosing function). `false`: the *creating closure's* upvalue `index`.
    pub from_parent_cell: bool,
    pub index: u8,
}

/// Where a local variable lives while it is in scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalSlot {
    Register(u8),
    Cell(u8),
}

/// Debug information for one local variable: in scope for `start_pc <= pc < end_pc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalInfo {
    pub name: String,
    pub slot: LocalSlot,
    pub start_pc: u32,
    pub end_pc: u32,
}

/// A compiled function (plain data; no GC pointers).
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionProto {
    /// The chunk name as Lua uses it: `@path/to/file.lua`, `=stdin`, or the source string.
    pub source: Arc<str>,
    /// Stable identity path used by reload to match old and new functions, e.g. `M.add`,
    /// `M:draw`, `helper`, `ui.on_click`, `M.add/<anonymous#1>`. Empty for the main chunk.
    pub identity: String,
    /// Line of the `function` keyword (0 for the main chunk).
    pub line_defined: u32,
    /// Line of the closing `end` (0 for the main chunk).
    pub last_line_defined: u32,
    /// Number of fixed parameters (including the implicit `self` of methods).
    pub num_params: u8,
    pub is_vararg: bool,
    /// Registers the function needs (Lua's `maxstacksize`).
    pub max_registers: u8,
    /// Cell slots the function needs for its captured locals.
    pub num_cells: u8,
    pub code: Vec<Instr>,
    /// Source line of each instruction (`lines.len() == code.len()`, or 0 when stripped).
    pub lines: LineInfo,
    pub constants: Vec<Constant>,
    pub protos: Vec<Arc<FunctionProto>>,
    pub upvalues: Vec<UpvalueDesc>,
    pub locals: Vec<LocalInfo>,
}

/// The source line of each instruction of a function, compactly: one byte per instruction,
/// the difference from the previous instruction's line, with the absolute line of every
/// [`LineInfo::STRIDE`]th instruction kept aside so a lookup decodes at most that many bytes
/// (as lua5.4's `lineinfo`/`abslineinfo`). A difference outside `-127..=127` is stored as
/// [`LineInfo::FAR`] and the line itself in `far`. A data file's main function has millions
/// of instructions: this is 1 byte each instead of 4.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineInfo {
    deltas: Box<[i8]>,
    /// The line of instruction `k * STRIDE`.
    checkpoints: Box<[u32]>,
    /// `(pc, line)` of the instructions whose delta is [`LineInfo::FAR`], by pc.
    far: Box<[(u32, u32)]>,
}

impl LineInfo {
    const STRIDE: usize = 64;
    const FAR: i8 = i8::MIN;

    /// Number of instructions described (0 for a stripped function).
    pub fn len(&self) -> usize {
        self.deltas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.deltas.is_empty()
    }

    /// The line of instruction `pc`.
    pub fn get(&self, pc: usize) -> Option<u32> {
        if pc >= self.deltas.len() {
            return None;
        }
        let base = pc / Self::STRIDE * Self::STRIDE;
        let mut line = self.checkpoints[pc / Self::STRIDE];
        for i in base + 1..=pc {
            line = self.step(i, line);
        }
        Some(line)
    }

    fn step(&self, pc: usize, prev: u32) -> u32 {
        match self.deltas[pc] {
            Self::FAR => {
                let i = self.far.partition_point(|&(p, _)| (p as usize) < pc);
                self.far[i].1
            }
            d => prev.wrapping_add_signed(i32::from(d)),
        }
    }

    /// The lines in instruction order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let mut line = 0;
        (0..self.deltas.len()).map(move |pc| {
            line = if pc % Self::STRIDE == 0 {
                self.checkpoints[pc / Self::STRIDE]
            } else {
                self.step(pc, line)
            };
            line
        })
    }

    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }
}

impl From<&[u32]> for LineInfo {
    fn from(lines: &[u32]) -> LineInfo {
        let mut deltas = Vec::with_capacity(lines.len());
        let mut checkpoints = Vec::with_capacity(lines.len().div_ceil(Self::STRIDE));
        let mut far = Vec::new();
        let mut prev = 0u32;
        for (pc, &line) in lines.iter().enumerate() {
            if pc % Self::STRIDE == 0 {
                checkpoints.push(line);
                deltas.push(0);
            } else {
                let d = i64::from(line) - i64::from(prev);
                if (-127..=127).contains(&d) {
                    deltas.push(d as i8);
                } else {
                    deltas.push(Self::FAR);
                    far.push((pc as u32, line));
                }
            }
            prev = line;
        }
        LineInfo {
            deltas: deltas.into_boxed_slice(),
            checkpoints: checkpoints.into_boxed_slice(),
            far: far.into_boxed_slice(),
        }
    }
}

impl From<Vec<u32>> for LineInfo {
    fn from(lines: Vec<u32>) -> LineInfo {
        LineInfo::from(&lines[..])
    }
}

#[cfg(test)]
mod line_info_tests {
    use super::LineInfo;

    #[test]
    fn line_info_gives_back_every_line() {
        let mut lines = Vec::new();
        let mut x: u32 = 7;
        for i in 0..5000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let line = match i % 7 {
                0 => x % 1_000_000,                          // far jumps both ways
                1 | 2 => lines.last().copied().unwrap_or(0), // same line
                3 => lines.last().copied().unwrap_or(0) + 127,
                4 => lines.last().copied().unwrap_or(200).saturating_sub(128),
                _ => i,
            };
            lines.push(line);
        }
        let info = LineInfo::from(&lines[..]);
        assert_eq!(info.len(), lines.len());
        assert_eq!(info.to_vec(), lines);
        for (pc, &line) in lines.iter().enumerate() {
            assert_eq!(info.get(pc), Some(line), "pc {pc}");
        }
        assert_eq!(info.get(lines.len()), None);
        assert!(LineInfo::from(&[][..]).is_empty());
    }
}
