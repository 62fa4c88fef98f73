-- Found through the ?/init.lua template.
return {init = true}
