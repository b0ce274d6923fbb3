-- klp.policy: what to correlate and how.  A policy is a plain table:
--   name, description   shown in reports and --list-policies
--   suffixes, bases     suffix and base rules (see klp.suffix)
--   exclude             symbols never correlated (see klp.core correlator:exclude)
--   passes              ordered passes; {loop = {...}} repeats its passes until
--                       they pair nothing more; {rule = ..., run = function(c)}
--                       is a pass written in Lua against the correlator
--   fail_on             which findings make the result fail (exit status 2):
--                       ambiguous, positional, file_mismatch, clone_change
local suffix = require "klp.suffix"

local M = {}

local SHF_STRINGS = 0x20

-- Symbols objtool's klp diff and kpatch never correlate either.
local default_exclude = {
  abs = true,
  -- "$": ARM and RISC-V mapping symbols ($x, $d, $a, $t, $xrv64i2p1...).
  prefixes = { "__pfx_", "__cfi_", "__pi___pfx_", "__pi___cfi_", ".L", "$", "__initcall__", "__initstub__" },
  sections = {
    ".altinstructions", ".altinstr_replacement", ".altinstr_aux", ".kcfi_traps", ".smp_locks",
    "__bug_table", "__ex_table", "__jump_table", "__mcount_loc", ".static_call_sites", ".data..once",
  },
  section_prefixes = { ".discard.", ".rodata.cst" },
  section_flags = SHF_STRINGS,
}

-- Evidence passes, repeated until stable: each pair may teach the TU map
-- something that resolves the next one.
local evidence_loop = {
  loop = {
    -- Same key in the same FILE (or both global): suffix churn, renumbering.
    { rule = "suffix", key = "key", file = "same", refine = { "tu", "size" } },
    -- A local that became global (ThinLTO promotion, LLVM 23 plain names) ...
    { rule = "promotion", key = "key", file = "compatible", orig = { file = "yes" }, patched = { file = "no" },
      refine = { "tu", "size" } },
    -- ... and a global that became local again.
    { rule = "demotion", key = "key", file = "compatible", orig = { file = "no" }, patched = { file = "yes" },
      refine = { "tu", "size" } },
  },
}

local default_passes = {
  -- An unchanged name is the strongest evidence; renumbered names only count
  -- where their key has as many symbols on both sides.
  { rule = "exact", key = "name", file = "same", numbered_guard = true, refine = { "size" } },
  evidence_loop,
  -- Only then may position decide, and only between equal counts.
  { rule = "positional", key = "key", file = "same", refine = { "tu", "size" }, positional = true },
  evidence_loop,
}

M.presets = {
  default = {
    name = "default",
    description = "the best correlation klp knows; reports ties, never fails",
    exclude = default_exclude,
    passes = default_passes,
    fail_on = {},
  },
  strict = {
    name = "strict",
    description = "default correlation, but fails (exit 2) on any ambiguity, positional pair, "
      .. "FILE list difference or clone-kind change",
    exclude = default_exclude,
    passes = default_passes,
    fail_on = { ambiguous = true, positional = true, file_mismatch = true, clone_change = true },
  },
}

local known_fields = {
  name = "string", description = "string", base = "string", suffixes = "table", bases = "table",
  exclude = "table", passes = "table", fail_on = "table",
}

-- Checks a policy table's fields; returns the table or nil, message.
local function validate(p, origin)
  if type(p) ~= "table" then
    return nil, ("%s: a policy must be a table, got %s"):format(origin, type(p))
  end
  for k, v in pairs(p) do
    local want = known_fields[k]
    if not want then
      return nil, ("%s: unknown policy field '%s'"):format(origin, tostring(k))
    elseif type(v) ~= want then
      return nil, ("%s: policy field '%s' must be a %s, got %s"):format(origin, k, want, type(v))
    end
  end
  return p
end

-- Fills a policy from its base preset (fields it does not set) and compiles its keyer.
local function complete(p, origin)
  local base = M.presets[p.base or "default"]
  if not base then
    return nil, ("%s: unknown base policy '%s'"):format(origin, p.base)
  end
  local out = {}
  for k, v in pairs(base) do out[k] = v end
  for k, v in pairs(p) do out[k] = v end
  out.name = p.name or origin
  out.base = nil
  local ok, keyer = pcall(suffix.compile, out.suffixes, out.bases)
  if not ok then
    return nil, ("%s: bad suffix rules: %s"):format(origin, keyer)
  end
  out.keyer = keyer
  return out
end

--- Loads a policy file: a Lua file returning a policy table.
function M.load_file(path)
  local chunk, err = loadfile(path, "t", setmetatable({}, { __index = _G }))
  if not chunk then return nil, err end
  local ok, p = pcall(chunk)
  if not ok then return nil, p end
  local valid, verr = validate(p, path)
  if not valid then return nil, verr end
  return complete(valid, path)
end

--- Resolves a policy given as nil (default), a preset name, a policy table or
--- a file path.  Returns the complete policy or nil, message.
function M.resolve(spec)
  if spec == nil then spec = "default" end
  if type(spec) == "table" then
    if spec.keyer then return spec end
    local valid, err = validate(spec, spec.name or "policy")
    if not valid then return nil, err end
    return complete(valid, spec.name or "policy")
  end
  if M.presets[spec] then
    return complete({ base = spec, name = spec }, spec)
  end
  if spec:find("[/.]") then return M.load_file(spec) end
  return nil, ("unknown policy '%s' (presets: %s)"):format(spec, table.concat(M.names(), ", "))
end

--- The preset names, sorted.
function M.names()
  local names = {}
  for name in pairs(M.presets) do names[#names + 1] = name end
  table.sort(names)
  return names
end

-- Runs a list of passes; returns the number of pairs they made.
local function run_passes(c, passes)
  local made = 0
  for _, pass in ipairs(passes) do
    if pass.loop then
      repeat
        local n = run_passes(c, pass.loop)
        made = made + n
      until n == 0
    elseif pass.run then
      made = made + (pass.run(c) or 0)
    else
      made = made + c:run(pass)
    end
  end
  return made
end

--- Correlates with a complete policy: exclusions, keys, FILE alignment, passes.
function M.apply(p, c)
  if p.exclude then c:exclude(p.exclude) end
  c:assign_keys(p.keyer.key, p.keyer.triggers)
  c:align_files()
  run_passes(c, p.passes)
end

--- Why the policy rejects a result: a list of messages (empty: accepted).
function M.verdict(p, summary, files)
  local fail, out = p.fail_on or {}, {}
  if fail.ambiguous and summary.ambiguous > 0 then
    out[#out + 1] = ("%d ambiguous symbols"):format(summary.ambiguous)
  end
  if fail.positional and summary.positional > 0 then
    out[#out + 1] = ("%d pairs decided by position only"):format(summary.positional)
  end
  if fail.file_mismatch and (#files.orig_only > 0 or #files.patched_only > 0) then
    out[#out + 1] = ("FILE lists differ (%d only in orig, %d only in patched)")
      :format(#files.orig_only, #files.patched_only)
  end
  if fail.clone_change and summary.clone_changes > 0 then
    out[#out + 1] = ("%d clone-kind changes"):format(summary.clone_changes)
  end
  return out
end

return M
