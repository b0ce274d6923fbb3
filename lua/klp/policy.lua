-- klp.policy: what to correlate and how (README, "Policies").  A policy is a
-- table that starts from a preset (`base`) and overrides parts of it.  This
-- module checks policies, completes them from their base, loads policy files
-- and runs a policy on a correlator.
local lpeg = require "lpeg"
local suffix = require "klp.suffix"

local M = {}

--- The presets, by name (lua/klp/presets/NAME.lua).
M.preset_names = { "default", "strict", "objtool", "kpatch" }

local presets = {}
for _, name in ipairs(M.preset_names) do presets[name] = require("klp.presets." .. name) end
M.presets = presets

local FIELDS = {
  name = "string", description = "string", base = "string", suffixes = "table", add_suffixes = "table",
  remove_suffixes = "table", bases = "table", keyer = "table", exclude = "table", pairs = "table",
  never = "table", ties = "string", passes = "table", files = "string", tu_map = "string",
  fail_on = "table", check = "function", children = "table",
}
local CHOICES = {
  ties = { positional = true, leave = true, error = true },
  files = { align = true, ["in-order"] = true },
  tu_map = { consistent = true, first = true },
}
local FAIL_ON = { ambiguous = true, positional = true, file_mismatch = true, clone_change = true }
local EXCLUDE = {
  types = "table", abs = "boolean", undefined = "boolean", prefixes = "table", sections = "table",
  section_prefixes = "table", section_flags = "number", names = "table", patterns = "table",
  predicate = "function", replace = "boolean",
}
local PASS = {
  rule = "string", key = "string", file = "string", numbered_guard = "boolean", orig = "table",
  patched = "table", refine = "table", cumulative = "boolean", greedy = "boolean",
  positional = "boolean", positional_match = "table", use = "boolean",
}
local ACTIONS = { tu = true, clone = true, strip = true, exclude = true }

-- A policy error: raised with the policy's origin, caught by M.resolve.
local function bad(origin, fmt, ...)
  error({ klp_policy = origin .. ": " .. fmt:format(...) }, 0)
end

local function check_table(origin, where, t, fields)
  for k, v in pairs(t) do
    local want = fields[k]
    if not want then bad(origin, "unknown field '%s' in %s", tostring(k), where) end
    if type(v) ~= want then bad(origin, "%s field '%s' must be a %s, got %s", where, k, want, type(v)) end
  end
end

local function check_strings(origin, where, list)
  for i, v in ipairs(list) do
    if type(v) ~= "string" then bad(origin, "%s[%d] must be a string, got %s", where, i, type(v)) end
  end
end

-- A suffix rule: {kind = s, action = s, pattern = LPeg pattern or string, trigger = s}.
local function check_suffix(origin, where, rule)
  if type(rule) ~= "table" then bad(origin, "%s must be a table", where) end
  check_table(origin, where, rule, { kind = "string", action = "string", trigger = "string",
    pattern = type(rule.pattern) == "string" and "string" or "userdata" })
  if not rule.kind then bad(origin, "%s needs a kind", where) end
  if not ACTIONS[rule.action] then
    bad(origin, "%s: action must be tu, clone, strip or exclude, got %s", where, tostring(rule.action))
  end
  if lpeg.type(rule.pattern) ~= "pattern" and type(rule.pattern) ~= "string" then
    bad(origin, "%s: pattern must be an LPeg pattern or a string", where)
  end
end

local function check_passes(origin, where, list)
  for i, p in ipairs(list) do
    local here = ("%s[%d]"):format(where, i)
    if type(p) ~= "table" then bad(origin, "%s must be a table", here) end
    if p.loop then
      if next(p, nil) ~= "loop" or next(p, "loop") ~= nil then bad(origin, "%s: a loop has only 'loop'", here) end
      check_passes(origin, here .. ".loop", p.loop)
    elseif p.run ~= nil then
      if type(p.run) ~= "function" then bad(origin, "%s: run must be a function", here) end
      if type(p.rule) ~= "string" then bad(origin, "%s: a Lua pass needs a rule name", here) end
    else
      check_table(origin, here, p, PASS)
      if not p.rule then bad(origin, "%s needs a rule name", here) end
    end
  end
end

local function check_pairs(origin, where, list)
  for i, pair in ipairs(list) do
    if type(pair) ~= "table" or type(pair[1]) ~= "string" or type(pair[2]) ~= "string" then
      bad(origin, "%s[%d] must be {\"orig name\", \"patched name\"}", where, i)
    end
  end
end

-- Checks the fields of a policy table (not yet completed from its base).
local function validate(p, origin)
  if type(p) ~= "table" then bad(origin, "a policy must be a table, got %s", type(p)) end
  check_table(origin, "policy", p, FIELDS)
  for field, choices in pairs(CHOICES) do
    if p[field] ~= nil and not choices[p[field]] then bad(origin, "bad %s '%s'", field, p[field]) end
  end
  if p.base and not presets[p.base] then
    bad(origin, "unknown base policy '%s' (presets: %s)", p.base, table.concat(M.preset_names, ", "))
  end
  for k, v in pairs(p.fail_on or {}) do
    if not FAIL_ON[k] then bad(origin, "unknown field '%s' in fail_on", tostring(k)) end
    if type(v) ~= "boolean" then bad(origin, "fail_on field '%s' must be a boolean", k) end
  end
  if p.exclude then
    check_table(origin, "exclude", p.exclude, EXCLUDE)
    for _, f in ipairs { "types", "prefixes", "sections", "section_prefixes", "names" } do
      check_strings(origin, "exclude." .. f, p.exclude[f] or {})
    end
    for i, pat in ipairs(p.exclude.patterns or {}) do
      if lpeg.type(pat) ~= "pattern" then bad(origin, "exclude.patterns[%d] is not an LPeg pattern", i) end
    end
  end
  for _, f in ipairs { "suffixes", "add_suffixes" } do
    for i, rule in ipairs(p[f] or {}) do check_suffix(origin, ("%s[%d]"):format(f, i), rule) end
  end
  check_strings(origin, "remove_suffixes", p.remove_suffixes or {})
  check_strings(origin, "children", p.children or {})
  if p.keyer and (type(p.keyer.key) ~= "function" or type(p.keyer.triggers) ~= "table") then
    bad(origin, "keyer must be {key = function(name, type), triggers = {contains = {...}, prefixes = {...}}}")
  end
  if p.passes then check_passes(origin, "passes", p.passes) end
  check_pairs(origin, "pairs", p.pairs or {})
  check_pairs(origin, "never", p.never or {})
  return p
end

local function concat(a, b)
  local out = {}
  for _, v in ipairs(a or {}) do out[#out + 1] = v end
  for _, v in ipairs(b or {}) do out[#out + 1] = v end
  return out
end

-- A policy's exclusions add to its base's (lists join, single values
-- override), or replace them with `replace = true`.
local function merge_exclude(base, mine)
  local out = {}
  if not (mine and mine.replace) then
    for k, v in pairs(base or {}) do out[k] = v end
  end
  for k, v in pairs(mine or {}) do
    if type(v) == "table" then out[k] = concat(out[k], v) elseif k ~= "replace" then out[k] = v end
  end
  return out
end

-- The base's suffix rules with this policy's additions (tried first) and removals.
local function edit_suffixes(inherited, add, remove)
  local gone = {}
  for _, kind in ipairs(remove or {}) do gone[kind] = true end
  local out = {}
  for _, rule in ipairs(add or {}) do
    out[#out + 1] = { kind = rule.kind, action = rule.action, trigger = rule.trigger,
                      pattern = type(rule.pattern) == "string" and lpeg.P(rule.pattern) or rule.pattern }
  end
  for _, rule in ipairs(inherited) do
    if not gone[rule.kind] then out[#out + 1] = rule end
  end
  return out
end

-- Turns every positional pass off (ties "leave" and "error").
local function without_position(list)
  local out = {}
  for i, p in ipairs(list) do
    if p.loop then out[i] = { loop = without_position(p.loop) }
    elseif p.positional then
      local copy = {}
      for k, v in pairs(p) do copy[k] = v end
      copy.positional = false
      out[i] = copy
    else out[i] = p end
  end
  return out
end

-- Whether t is one of the presets (a preset without `base` is a root).
local function is_preset(t)
  for _, preset in pairs(presets) do if rawequal(t, preset) then return true end end
  return false
end

-- Completes a checked policy from its base (recursively).  A user policy
-- without `base` starts from the default preset.
local function complete(p, origin)
  local base = {}
  local base_name = p.base or (not is_preset(p) and "default") or nil
  if base_name then base = complete(validate(presets[base_name], base_name), base_name) end
  if base.keyer and base.custom_keyer and (p.suffixes or p.add_suffixes or p.remove_suffixes or p.bases) then
    bad(origin, "base '%s' has its own key function; suffix rules do not apply to it", base_name)
  end
  local out = {}
  for k, v in pairs(base) do out[k] = v end
  for k, v in pairs(p) do out[k] = v end
  out.base = nil
  out.name = p.name or origin
  out.exclude = merge_exclude(base.exclude, p.exclude)
  out.suffixes = edit_suffixes(p.suffixes or base.suffixes or suffix.default_suffixes, p.add_suffixes,
    p.remove_suffixes)
  out.add_suffixes, out.remove_suffixes = nil, nil
  if p.keyer then
    out.custom_keyer = true
  elseif p.suffixes or p.add_suffixes or p.remove_suffixes or p.bases or not base.keyer then
    out.keyer = suffix.compile(out.suffixes, out.bases or suffix.default_bases)
  end
  out.fail_on = {}
  for k, v in pairs(base.fail_on or {}) do out.fail_on[k] = v end
  for k, v in pairs(p.fail_on or {}) do out.fail_on[k] = v end
  if out.ties ~= "positional" then out.passes = without_position(out.passes) end
  if out.ties == "error" then out.fail_on.ambiguous = true end
  out.complete = true
  return out
end

-- Runs f, turning policy errors into nil, message.
local function guarded(f, ...)
  local ok, res = pcall(f, ...)
  if ok then return res end
  if type(res) == "table" and res.klp_policy then return nil, res.klp_policy end
  error(res, 0)
end

--- Builds a complete policy from a table (README, "Policies"); raises an
--- error naming the problem when the table is not a valid policy.
function M.new(t)
  local p, err = guarded(function() return complete(validate(t, t.name or "policy"), t.name or "policy") end)
  if not p then error(err, 2) end
  return p
end

--- Loads a policy file: a Lua file returning a policy table.
function M.load_file(path)
  local chunk, err = loadfile(path, "t", setmetatable({}, { __index = _G }))
  if not chunk then return nil, err end
  local ok, p = pcall(chunk)
  if not ok then return nil, tostring(p) end
  return guarded(function()
    local t = validate(p, path)
    return t.complete and t or complete(t, path)
  end)
end

--- Resolves a policy given as nil (default), a preset name, a policy table or
--- a file path.  Returns the complete policy or nil, message.
function M.resolve(spec)
  if spec == nil then spec = "default" end
  if type(spec) == "table" then
    if spec.complete then return spec end
    return guarded(function() return complete(validate(spec, spec.name or "policy"), spec.name or "policy") end)
  end
  if presets[spec] then
    return guarded(function() return complete(validate(presets[spec], spec), spec) end)
  end
  if spec:find("[/.]") then return M.load_file(spec) end
  return nil, ("unknown policy '%s' (presets: %s)"):format(spec, table.concat(M.preset_names, ", "))
end

--- The preset names.
function M.names()
  return M.preset_names
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

-- The C core's part of an exclusion spec.
local CORE_EXCLUDE = { types = true, abs = true, undefined = true, prefixes = true, sections = true,
                       section_prefixes = true, section_flags = true }

-- Exclusions by exact name, LPeg pattern or predicate: per symbol, in Lua.
local function exclude_in_lua(x, c)
  for _, side in ipairs { "orig", "patched" } do
    for _, name in ipairs(x.names or {}) do
      for _, i in ipairs(c:lookup(side, name)) do c:exclude_symbol(side, i) end
    end
    if x.patterns or x.predicate then
      local elf = c:elf(side)
      for sym in elf:symbols() do
        local hit = x.predicate and x.predicate(sym)
        for _, pat in ipairs(x.patterns or {}) do hit = hit or pat:match(sym.name) ~= nil end
        if hit and not c:twin(side, sym.index) then c:exclude_symbol(side, sym.index) end
      end
    end
  end
end

-- The one symbol "name" or "name@file" names on one side; nil and a note
-- when there is none; raises a policy error when several match.
local function find_one(p, c, side, spec)
  local name, file = spec:match("^(.-)@(.+)$")
  name = name or spec
  local hits = {}
  for _, i in ipairs(c:lookup(side, name)) do
    if not file or c:elf(side):symbol(i).file == file then hits[#hits + 1] = i end
  end
  if #hits > 1 then
    bad(p.name, "'%s' names %d symbols in %s; qualify it as name@file", spec, #hits, side)
  end
  if #hits == 0 then return nil, ("no symbol '%s' in %s"):format(spec, side) end
  return hits[1]
end

-- Explicit pairs and forbidden pairs; returns notes for names not found.
local function apply_pairs(p, c)
  local notes = {}
  for _, pair in ipairs(p.never or {}) do
    local a, na = find_one(p, c, "orig", pair[1])
    local b, nb = find_one(p, c, "patched", pair[2])
    if a and b then c:forbid(a, b) else notes[#notes + 1] = ("never %s -> %s: %s"):format(pair[1], pair[2], na or nb) end
  end
  for _, pair in ipairs(p.pairs or {}) do
    local a, na = find_one(p, c, "orig", pair[1])
    local b, nb = find_one(p, c, "patched", pair[2])
    if a and b then
      local ok, why = c:pair(a, b, "policy")
      if not ok then bad(p.name, "cannot pair %s -> %s: %s", pair[1], pair[2], why) end
    else
      notes[#notes + 1] = ("pair %s -> %s: %s"):format(pair[1], pair[2], na or nb)
    end
  end
  return notes
end

-- Watches every symbol whose name or key is one of names (for --why).
local function watch(c, names)
  for _, side in ipairs { "orig", "patched" } do
    for _, name in ipairs(names) do
      for _, how in ipairs { "name", "key" } do
        for _, i in ipairs(c:lookup(side, name, how)) do c:watch(side, i) end
      end
    end
  end
end

--- Correlates with a complete policy: exclusions, keys, FILE alignment,
--- explicit pairs, passes.  opts.watch: names to trace (--why).  Returns
--- {notes = {...}, file_mismatch = message|nil}, or nil and a message.
function M.apply(p, c, opts)
  return guarded(function()
    local core_x = {}
    for k, v in pairs(p.exclude or {}) do if CORE_EXCLUDE[k] then core_x[k] = v end end
    c:exclude(core_x)
    exclude_in_lua(p.exclude or {}, c)
    c:assign_keys(p.keyer.key, p.keyer.triggers)
    c:set_tu_map(p.tu_map or "consistent")
    local mismatch = c:align_files(p.files or "align")
    c:link_children(p.children or {})
    local ok, err = c:compute_digests()
    if not ok then error({ klp_policy = err }, 0) end
    if opts and opts.watch then watch(c, opts.watch) end
    local notes = apply_pairs(p, c)
    run_passes(c, p.passes)
    return { notes = notes, file_mismatch = mismatch }
  end)
end

--- Why the policy rejects a result: a list of messages (empty: accepted).
function M.verdict(p, result)
  local fail, out = p.fail_on or {}, {}
  local summary, files = result:summary(), result:files()
  if fail.ambiguous and summary.ambiguous > 0 then
    out[#out + 1] = ("%d ambiguous symbols"):format(summary.ambiguous)
  end
  if fail.positional and summary.positional > 0 then
    out[#out + 1] = ("%d pairs decided by position only"):format(summary.positional)
  end
  if fail.positional and summary.positional_files > 0 then
    out[#out + 1] = ("%d FILE pairs decided by position only"):format(summary.positional_files)
  end
  if fail.file_mismatch then
    if result.file_mismatch then
      out[#out + 1] = result.file_mismatch
    elseif #files.orig_only > 0 or #files.patched_only > 0 then
      out[#out + 1] = ("FILE lists differ (%d only in orig, %d only in patched)")
        :format(#files.orig_only, #files.patched_only)
    end
  end
  if fail.clone_change and summary.clone_changes > 0 then
    out[#out + 1] = ("%d clone-kind changes"):format(summary.clone_changes)
  end
  if p.check then
    for _, msg in ipairs(p.check(result) or {}) do out[#out + 1] = tostring(msg) end
  end
  return out
end

return M
