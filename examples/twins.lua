-- twins.lua: the Lua API in one page.  Prints, for two builds of an object,
-- every symbol whose twin has another name or binding, then the leftovers.
--
--   lua5.4 examples/twins.lua ORIG PATCHED      (from a checkout, after make)
--   lua5.4 twins.lua ORIG PATCHED               (with klp installed by LuaRocks)

-- From a checkout, find klp beside this script (an installed klp needs nothing).
local root = (arg[0]:match("^(.*)/examples/[^/]*$") or (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/..")
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/?.so;" .. package.cpath

local klp = require "klp"

if #arg ~= 2 then
  io.stderr:write("usage: lua5.4 twins.lua ORIG PATCHED\n")
  os.exit(1)
end

-- klp.open returns nil and "path: problem" for files that are not usable ELF.
local orig = assert(klp.open(arg[1]))
local patched = assert(klp.open(arg[2]))

-- The default policy; a preset name, a policy table or a file path also do.
local result = assert(klp.correlate(orig, patched))

local s = result:summary()
print(("%d pairs, %d only in orig, %d only in patched, %d ambiguous"):format(
  s.pairs, s.orig_only, s.patched_only, s.ambiguous))

-- Pairs whose names or bindings differ (or that position decided).
for o, p, rule, evidence in result:pairs(true) do
  print(("  %-40s -> %-40s %s/%s"):format(o.name, p.name, rule, evidence))
end

-- Twin lookup works both ways and says how the pair was made.
for _, sym in ipairs(result:patched_only()) do
  print("new:     " .. sym.name .. (sym.file and (" (" .. sym.file .. ")") or ""))
end
for _, sym in ipairs(result:orig_only()) do
  local key = result:key(sym)
  print("removed: " .. sym.name .. " (key " .. key .. ")")
end
for _, a in ipairs(result:ambiguities()) do
  local names = {}
  for i, c in ipairs(a.candidates) do names[i] = c.name end
  print(("ambiguous %s %s: %s"):format(a.side, a.symbol.name, table.concat(names, ", ")))
end
