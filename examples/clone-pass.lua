-- clone-pass.lua: a policy with a pass written in Lua.  klp never pairs a
-- function whose clone kind changed (foo -> foo.isra.0): it reports a clone
-- change.  A team that wants such functions paired, under a rule of their own
-- so reviewers still see them, adds this pass after the default ones.
--
--   lua5.4 klp.lua --policy examples/clone-pass.lua orig.o patched.o
local passes = require "klp.passes"

-- Pairs each unpaired orig symbol with the one unpaired patched symbol of the
-- same base name (foo for foo, foo.isra.0, foo.constprop.1 ...), type and FILE.
local function clone_kinds(c)
  local orig, patched = c:elf("orig"), c:elf("patched")
  local made = 0
  for _, i in ipairs(c:unpaired("orig")) do
    local a = orig:symbol(i)
    local _, base = c:key("orig", i)
    local found, count = nil, 0
    for _, j in ipairs(c:lookup("patched", base, "base")) do
      local b = patched:symbol(j)
      if not c:twin("patched", j) and b.type == a.type and b.file == a.file and b.name ~= a.name then
        found, count = j, count + 1
      end
    end
    -- Two candidates or more: leave it to a human.
    if count == 1 and c:pair(i, found, "clone-kind") then made = made + 1 end
  end
  return made
end

return {
  base = "default",
  name = "clone-pass",
  passes = {
    passes.exact, passes.evidence, passes.positional, passes.evidence,
    { rule = "clone-kind", run = clone_kinds },
  },
}
