-- klp.passes: the passes the presets are made of, for policies to reuse,
-- reorder or extend.  Each is a plain table the C core runs (fields in the
-- README, "Passes"); copy one before changing it (klp.passes.with).
local M = {}

--- An unchanged name, same FILE.  Renumbered names (count.5) only where their
--- key group holds the same names on both sides.  Ties split by content
--- digest, then by size, then by layout (the paired symbols around them).
M.exact = { rule = "exact", key = "name", file = "same", numbered_guard = true,
            refine = { "digest", "size", "layout" } }

--- Same key within a FILE (or both global): suffix churn and renumbering;
--- ties split by the TU map, then by content digest, size and layout.
M.suffix = { rule = "suffix", key = "key", file = "same", refine = { "tu", "digest", "size", "layout" } }

--- Statics by use and by the call graph: where twin functions or twin data
--- reference same-keyed statics in the same order, those statics are twins
--- (kpatch's way, through calls the assembler resolved too).
M.use = { rule = "use", use = true }

--- A local that became global (ThinLTO promotion, LLVM 23 plain names).
M.promotion = { rule = "promotion", key = "key", file = "compatible", orig = { file = "yes" },
                patched = { file = "no" }, refine = { "tu", "digest", "size" } }

--- A global that became local again.
M.demotion = { rule = "demotion", key = "key", file = "compatible", orig = { file = "no" },
               patched = { file = "yes" }, refine = { "tu", "digest", "size" } }

--- The evidence passes, repeated until they pair nothing more: each pair may
--- teach the TU map what resolves the next.
M.evidence = { loop = { M.suffix, M.use, M.promotion, M.demotion } }

--- What is still tied, by symtab position, only between equal counts: first
--- among equal contents in one gap between paired neighbours, then among
--- equal contents, then in one gap, then among all.
M.positional = { rule = "positional", key = "key", file = "same", refine = { "tu", "digest", "size", "layout" },
                 positional = true, positional_within = { { "layout", "digest" }, { "digest" }, { "layout" } } }

--- A copy of pass p with the fields of t changed.
function M.with(p, t)
  local out = {}
  for k, v in pairs(p) do out[k] = v end
  for k, v in pairs(t) do out[k] = v end
  return out
end

return M
