-- objtool: the correlation of upstream objtool `klp diff` (Linux, May 2026
-- rewrite), so a team can see what the kernel's own tool would do.
--   * demangling of FUNC and OBJECT names only: cut at the first .llvm.;
--     names with a '.' or starting with __UNIQUE_ID_ lose their trailing digits,
--     dots and underscores; everything else keeps its name;
--   * FILE symbols pair in order, and a mismatch fails;
--   * repeated until nothing pairs: a candidate unique at the first level
--     (same demangled name and type, files compatible), else among the same
--     TU-localness, else also strictly the same file, else also the same
--     content (objtool's XXH3 checksum level; klp's digest stands in for it,
--     and like objtool's it is blind to .llvm. churn); then the .llvm. suffix
--     map, where the first pair of a TU wins;
--   * finally position among equal counts of the same TU-localness and
--     .llvm.-ness.
local special = require "klp.special"

local statics = special.static_set("objtool")

-- objtool's demangling, plus its static-local exclusion (var.N, func.var[.N]).
local function key(name, stype)
  local excluded = special.is_static(statics, name, stype)
  if stype ~= "func" and stype ~= "object" then return { excluded = excluded } end
  local cut = name:find(".llvm.", 1, true)
  if cut then return { key = name:sub(1, cut - 1), tu = name:sub(cut + 6), excluded = excluded } end
  if not (name:find(".", 1, true) or name:sub(1, 12) == "__UNIQUE_ID_") then
    return { excluded = excluded }
  end
  local base = name:gsub("[%d%._]+$", "")
  if base == "" then return { excluded = excluded } end
  return { key = base, numbered = base ~= name, excluded = excluded }
end

return {
  name = "objtool",
  description = "upstream objtool klp diff correlation, positional fallback included",
  keyer = { key = key, triggers = { contains = { "." }, prefixes = { "__UNIQUE_ID_" } } },
  exclude = {
    abs = true,
    prefixes = special.with(special.symbol_prefixes),
    sections = special.with(special.sections),
    section_prefixes = special.with(special.section_prefixes),
    section_flags = special.SHF_STRINGS,
    -- Anonymous rodata: what is not an OBJECT in a .rodata section.
    predicate = function(sym)
      return sym.type ~= "object" and (sym.section or ""):sub(1, 7) == ".rodata"
    end,
  },
  children = { "cold", "part" },
  -- klp-build keeps __LINE__ stable (fix-patch-lines) instead: objtool
  -- counts a line-only difference as a change.
  line_changes = "changed",
  files = "in-order",
  tu_map = "first",
  ties = "positional",
  passes = {
    { loop = {
      { rule = "find_twin", key = "key", file = "compatible", refine = { "scope", "file", "digest" },
        cumulative = true },
      { rule = "suffix_map", key = "key", file = "compatible", refine = { "tu" } },
    } },
    { rule = "positional", key = "key", file = "compatible", positional = true,
      positional_match = { "scope", "llvm" } },
  },
  fail_on = { file_mismatch = true },
}
