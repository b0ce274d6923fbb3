-- klp.suffix: LPeg rules that turn a symbol name into its correlation key.
--
-- A name is a base followed by a chain of compiler suffixes.  Each suffix rule
-- says what its suffix means:
--   "tu"     a translation-unit suffix (ThinLTO .llvm.<hash>): dropped from the
--            key, remembered as the symbol's TU;
--   "clone"  a compiler clone kind (.isra.N, .constprop.N, .part.N, .cold, ...):
--            kept in the key without its number, so foo and foo.isra.0 differ
--            but foo.isra.0 and foo.isra.3 do not;
--   "strip"  a renumberable counter (name.N): dropped from the key;
--   "exclude" the symbol is never correlated.
-- Base rules then rewrite the base: "counters" strips the trailing counters of
-- generated names (nested __UNIQUE_ID_, __BTF_ID__); "exclude" marks
-- compiler-made statics.
local lpeg = require "lpeg"
local special = require "klp.special"

local P, R, C, Cc = lpeg.P, lpeg.R, lpeg.C, lpeg.Cc

local M = {}

local digits = R"09"^1
local number = P"." * C(digits)

-- A clone suffix `.kind` with an optional `.N`.
local function clone(kind)
  return P("." .. kind) * (number + Cc(false))
end

--- The suffix rules klp uses by default, in the order they are tried.
M.default_suffixes = {
  { kind = "llvm",       action = "tu",    pattern = P".llvm." * C(digits) },
  { kind = "isra",       action = "clone", pattern = clone "isra" },
  { kind = "constprop",  action = "clone", pattern = clone "constprop" },
  { kind = "part",       action = "clone", pattern = clone "part" },
  { kind = "cold",       action = "clone", pattern = clone "cold" },
  { kind = "lto_priv",   action = "clone", pattern = clone "lto_priv" },
  { kind = "localalias", action = "clone", pattern = clone "localalias" },
  { kind = "number",     action = "strip", pattern = number },
}

--- Function-scope statics the compiler makes; never correlated (klp.special).
--- GCC names them var.N, clang func.var[.N].
M.compiler_statics = special.statics_of("klp")

-- Strips the trailing counters of a generated name (`_12_13`, `123`, `__147911609`).
local counters = (P"_"^0 * digits)^1 * -1
local counted_base = C((1 - counters)^1) * counters

--- The base rules klp uses by default.
M.default_bases = {
  -- __UNIQUE_ID_<prefix><counter>, nested: __UNIQUE_ID_addressable___UNIQUE_ID_foo_12_13.
  { kind = "unique_id", action = "counters", prefix = "__UNIQUE_ID_" },
  -- BTF_ID(kind, name): __BTF_ID__<kind>__<name>__<counter><line>.
  { kind = "btf_id", action = "counters", prefix = "__BTF_ID__" },
  { kind = "compiler_static", action = "exclude", names = M.compiler_statics },
}

-- Builds the pattern recognising one of `names` as a whole base, either bare
-- (GCC: needs a counter to be a static) or after `func.` (clang).
local function static_pattern(names)
  -- Each name is anchored on its own: an ordered choice never comes back to
  -- try _entry_ptr once _entry matched and the end of the base did not.
  local any = P(false)
  for _, n in ipairs(names) do any = any + P(n) * -1 end
  return any * Cc(false) + (1 - P".")^1 * P"." * any * Cc(true)
end

--- Compiles suffix and base rules into a keyer:
--- keyer.key(name) -> nil (the name is its own key) or {key =, base =, tu =,
---                    numbered =, excluded =} (nil key: the name; nil base: the key)
--- keyer.triggers  -> {contains = {...}, prefixes = {...}}: names matching none
---                    of these keep their name as key and are never passed to key().
function M.compile(suffixes, bases)
  suffixes = suffixes or M.default_suffixes
  bases = bases or M.default_bases
  local component, contains, seen = P(false), {}, {}
  for _, rule in ipairs(suffixes) do
    -- A literal every name the rule matches contains ("." unless it says).
    local trigger = rule.trigger or "."
    if not seen[trigger] then
      seen[trigger] = true
      contains[#contains + 1] = trigger
    end
    local action, kind = rule.action, rule.kind
    component = component + rule.pattern / function(value)
      return action, kind, value or false
    end
  end
  local tail = component^1 * -1
  local split = C((1 - tail)^1) * tail

  local prefixes, statics = {}, nil
  for _, rule in ipairs(bases) do
    if rule.action == "counters" then
      prefixes[#prefixes + 1] = rule.prefix
    elseif rule.action == "exclude" then
      statics = static_pattern(rule.names)
    end
  end

  -- Applies the base rules to a base; returns the new base, numbered, excluded.
  local function rebase(base, numbered)
    for _, prefix in ipairs(prefixes) do
      if base:sub(1, #prefix) == prefix then
        local stripped = counted_base:match(base)
        if stripped then return stripped, true, false end
      end
    end
    if statics then
      local in_function = statics:match(base)
      if in_function ~= nil and (in_function or numbered) then return base, numbered, true end
    end
    return base, numbered, false
  end

  -- The key table of a name, or nil when the name is its own key.
  local function result(name, key, base, tu, numbered, excluded)
    if key == name and not base and not tu and not numbered and not excluded then return nil end
    return { key = key ~= name and key or nil, base = base, tu = tu, numbered = numbered, excluded = excluded }
  end

  -- Folds the (action, kind, value) triples after the base into a key.
  local function assemble(name, base, ...)
    if not base then
      local b, numbered, excluded = rebase(name, false)
      return result(name, b, nil, nil, numbered, excluded)
    end
    local clones, tu, numbered, dropped = "", nil, false, false
    local n = select("#", ...)
    for i = 1, n, 3 do
      local action, kind, value = select(i, ...)
      if action == "tu" then
        tu = value
      elseif action == "clone" then
        clones = clones .. "." .. kind
        numbered = numbered or value ~= false
      elseif action == "exclude" then
        dropped = true
      else
        numbered = true
      end
    end
    local excluded
    base, numbered, excluded = rebase(base, numbered)
    excluded = excluded or dropped
    return result(name, base .. clones, clones ~= "" and base or nil, tu, numbered, excluded)
  end

  local keyer = {
    triggers = { contains = contains, prefixes = prefixes },
  }
  function keyer.key(name)
    return assemble(name, split:match(name))
  end
  return keyer
end

return M
