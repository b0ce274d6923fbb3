-- kpatch: the name comparison of kpatch create-diff-object
-- (kpatch_mangled_strcmp): digit runs after a dot are ignored and one extra
-- .N tail is allowed; names with .str1. compare exactly; __UNIQUE_ID_ names
-- may differ in their first digit run.  Pairs are made greedily: each orig
-- symbol takes the first patched symbol of the same type and mangled name,
-- in symtab order, whatever its FILE.  Its special statics are never
-- correlated.
local special = require "klp.special"

local statics = special.static_set("kpatch")

local function key(name, stype)
  local stem = name:match("^(.-)%.%d+$") or name
  local excluded = special.is_static(statics, name, stype)
  if name:find(".str1.", 1, true) then return { excluded = excluded } end
  if name:sub(1, 12) == "__UNIQUE_ID_" or name:find("__UNIQUE_ID_ddebug", 1, true) then
    local k = stem:gsub("%d+", "#", 1)
    return { key = k, numbered = k ~= name, excluded = excluded }
  end
  local k = stem:gsub("%.%d+", ".#")
  return { key = k ~= name and k or nil, numbered = k ~= name, excluded = excluded }
end

return {
  name = "kpatch",
  description = "kpatch create-diff-object: mangled names, greedy first match, no FILE scoping",
  keyer = { key = key, triggers = { contains = { "." }, prefixes = { "__UNIQUE_ID_" } } },
  exclude = {
    prefixes = { ".L", "$x", "$d" },
    sections = { ".data.once", "__verbose", "__dyndbg" },
    section_prefixes = { ".data..L__unnamed" },
  },
  children = { "cold", "part" },
  -- kpatch reverts a function whose only differences are line immediates
  -- of its known line-taking callees to unchanged.
  line_functions = special.kpatch_line_functions,
  line_changes = "same",
  files = "align",
  tu_map = "consistent",
  ties = "positional",
  passes = { { rule = "kpatch", key = "key", file = "any", greedy = true } },
  fail_on = {},
}
