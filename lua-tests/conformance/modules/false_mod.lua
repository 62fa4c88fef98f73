-- A module that returns false: require stores false (5.4 keeps it).
return false
