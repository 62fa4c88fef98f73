-- A dotted module name maps to a subdirectory.
return {dotted = true, name = (...)}
