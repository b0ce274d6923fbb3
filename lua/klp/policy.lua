-- klp.policy: what a policy is (README, "Policies").  A policy is a table
-- that starts from a preset (`base`) and overrides parts of it.  This module
-- knows the schema and the presets, checks policies, completes them from
-- their base and loads policy files; klp.engine runs them.
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
  fail_on = "table", check = "function", children = "table", line_functions = "table",
  add_line_functions = "table", line_changes = "string",
}
local CHOICES = {
  ties = { positional = true, leave = true, error = true },
  files = { align = true, ["in-order"] = true },
  tu_map = { consistent = true, first = true },
  line_changes = { line = true, changed = true, same = true },
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
  positional = "boolean", positional_match = "table", positional_within = "table", use = "boolean",
}
local ACTIONS = { tu = true, clone = true, strip = true, exclude = true }

--- Raises a policy error: a message for the user, which M.catch turns into
--- nil, message (anything else raised stays an error).
function M.raise(msg)
  error({ klp_policy = msg }, 0)
end

--- Raises a policy error naming the policy (origin) it is about.
function M.reject(origin, fmt, ...)
  M.raise(origin .. ": " .. fmt:format(...))
end
local bad = M.reject

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
  check_strings(origin, "line_functions", p.line_functions or {})
  check_strings(origin, "add_line_functions", p.add_line_functions or {})
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
  out.line_functions = concat(p.line_functions or base.line_functions, p.add_line_functions)
  out.add_line_functions = nil
  out.fail_on = {}
  for k, v in pairs(base.fail_on or {}) do out.fail_on[k] = v end
  for k, v in pairs(p.fail_on or {}) do out.fail_on[k] = v end
  if out.ties ~= "positional" then out.passes = without_position(out.passes) end
  if out.ties == "error" then out.fail_on.ambiguous = true end
  out.complete = true
  return out
end

--- Runs f(...), turning policy errors into nil, message.
function M.catch(f, ...)
  local ok, res = pcall(f, ...)
  if ok then return res end
  if type(res) == "table" and res.klp_policy then return nil, res.klp_policy end
  error(res, 0)
end

-- Checks a policy table and completes it from its base.
local function build(t, origin)
  return complete(validate(t, origin), origin)
end

--- Builds a complete policy from a table (README, "Policies"); raises an
--- error naming the problem when the table is not a valid policy.
function M.new(t)
  local p, err = M.catch(build, t, t.name or "policy")
  if not p then error(err, 2) end
  return p
end

--- Loads a policy file: a Lua file returning a policy table.
function M.load_file(path)
  local chunk, err = loadfile(path, "t", setmetatable({}, { __index = _G }))
  if not chunk then return nil, err end
  local ok, p = pcall(chunk)
  if not ok then return nil, tostring(p) end
  return M.catch(function()
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
    return M.catch(build, spec, spec.name or "policy")
  end
  if presets[spec] then return M.catch(build, presets[spec], spec) end
  if spec:find("[/.]") then return M.load_file(spec) end
  return nil, ("unknown policy '%s' (presets: %s)"):format(spec, table.concat(M.preset_names, ", "))
end

--- The preset names.
function M.names()
  return M.preset_names
end

return M
