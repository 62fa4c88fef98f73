-- Class methods change for every existing instance (metatables and __index chains merge
-- in place), including inherited ones; instance data is untouched.
local H = dofile("lib/harness.lua")

local v1 = [[
local Animal = {}
Animal.__index = Animal
function Animal.new(name) return setmetatable({ name = name, calls = 0 }, Animal) end
function Animal:speak() self.calls = self.calls + 1; return self.name .. " makes a sound" end
function Animal:kind() return "animal" end

local Dog = setmetatable({}, { __index = Animal })
Dog.__index = Dog
function Dog.new(name) return setmetatable(Animal.new(name), Dog) end
function Dog:speak() self.calls = self.calls + 1; return self.name .. " barks" end

return { Animal = Animal, Dog = Dog }
]]
H.write("zoo", v1)
local zoo = require("zoo")
local cat = zoo.Animal.new("cat")
local dog = zoo.Dog.new("rex")
assert(cat:speak() == "cat makes a sound" and dog:speak() == "rex barks")
local speak = dog.speak -- a method pulled out of the class

H.write("zoo", (v1:gsub("makes a sound", "meows"):gsub("barks", "woofs"):gsub('return "animal"', 'return "creature"')))
local r = H.reload("zoo")
assert(cat:speak() == "cat meows", "existing instance runs the new method")
assert(dog:speak() == "rex woofs", "subclass method rebound")
assert(dog:kind() == "creature", "inherited method through a two-level __index chain")
assert(speak(dog) == "rex woofs", "a method reference taken before the reload")
assert(cat.calls == 2 and dog.calls == 3, "instance data untouched")
assert(getmetatable(dog) == zoo.Dog and getmetatable(cat) == zoo.Animal, "classes keep their identity")
assert(H.has(r.rebound, "Animal:speak") and H.has(r.rebound, "Dog:speak"))

-- A method added to the class is visible on old instances.
H.write("zoo", v1 .. "")
H.write("zoo", (v1:gsub("return { Animal", "function Animal:rename(n) self.name = n end\nreturn { Animal")))
r = H.reload("zoo")
cat:rename("tom")
assert(cat:speak() == "tom makes a sound")
assert(H.has(r.added, "Animal:rename"))

-- A method deleted from the source is removed from the class.
H.write("zoo", v1)
r = H.reload("zoo")
assert(cat.rename == nil and H.has(r.removed, "zoo.Animal.rename"), "removed: " .. table.concat(r.removed, ","))

H.done("classes")
