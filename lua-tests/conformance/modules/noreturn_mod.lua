-- A module that returns nothing: require stores true.
noreturn_mod_ran = true
