//! Lua numerals: string → number conversion shared by the lexer, `tonumber` and coercions.
