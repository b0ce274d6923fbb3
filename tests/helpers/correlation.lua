-- Test helper: correlates a fixture pair through the Lua API and flattens the
-- result into plain tables that assertions can name directly.
local fixtures = require "helpers.fixtures"
local klp = require "klp"
local klp_passes = require "klp.passes"
local default = require "klp.presets.default"

local M = {}

-- "name" or "name@file" for locals, so same-named statics stay distinct.
local function label(sym)
  return sym.file and (sym.name .. "@" .. sym.file) or sym.name
end
M.label = label

--- Correlates orig and patched paths (or a fixture case and toolchain) with a
--- policy and returns {result =, pairs = {label -> {to =, rule =, evidence =}},
--- orig_only = {label -> true}, patched_only = {...}, ambiguous = {label -> {cands}},
--- clones = {label -> label}, summary = {...}}.
function M.run(orig_path, patched_path, policy)
  local orig = assert(klp.open(orig_path))
  local patched = assert(klp.open(patched_path))
  local res = assert(klp.correlate(orig, patched, policy))
  local out = { result = res, pairs = {}, orig_only = {}, patched_only = {}, ambiguous = {}, clones = {},
                summary = res:summary() }
  for o, p, rule, evidence in res:pairs() do
    out.pairs[label(o)] = { to = label(p), rule = rule, evidence = evidence }
  end
  for _, s in ipairs(res:orig_only()) do out.orig_only[label(s)] = true end
  for _, s in ipairs(res:patched_only()) do out.patched_only[label(s)] = true end
  for _, a in ipairs(res:ambiguities()) do
    local cands = {}
    for i, c in ipairs(a.candidates) do cands[i] = label(c) end
    table.sort(cands)
    out.ambiguous[a.side .. ":" .. label(a.symbol)] = cands
  end
  for _, cc in ipairs(res:clone_changes()) do out.clones[label(cc.orig)] = label(cc.patched) end
  return out
end

--- The same for a fixture case built with a toolchain.
function M.fixture(case, toolchain, policy)
  local o, p = fixtures.pair(case, toolchain)
  return M.run(o, p, policy)
end

--- The one label in a set (or pair table) matching a Lua pattern; errors
--- unless exactly one matches (for names with ThinLTO hashes).
function M.find(set, pattern)
  local hit
  for k in pairs(set) do
    if k:match(pattern) then
      assert(not hit, ("pattern %s matches %s and %s"):format(pattern, hit, k))
      hit = k
    end
  end
  return assert(hit, "nothing matches " .. pattern)
end

--- Number of entries in a table.
function M.count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

--- The default policy with one piece of evidence taken out: a refinement
--- ("digest", "size", "tu", "layout") from every pass, the use pass ("use"),
--- or the numbered guard ("numbered_guard").
function M.without(what)
  local function keep(list)
    local out = {}
    for _, r in ipairs(list) do if r ~= what then out[#out + 1] = r end end
    return out
  end
  local function strip(p)
    if p.loop then
      local loop = {}
      for _, q in ipairs(p.loop) do
        local kept = strip(q)
        if kept then loop[#loop + 1] = kept end
      end
      return { loop = loop }
    end
    if what == "use" and p.use then return nil end
    local q = klp_passes.with(p, {})
    if what == "numbered_guard" then q.numbered_guard = false end
    if q.refine then q.refine = keep(q.refine) end
    if q.positional_within then
      local within = {}
      for _, class in ipairs(q.positional_within) do
        local k = keep(class)
        if #k > 0 then within[#within + 1] = k end
      end
      q.positional_within = within
    end
    return q
  end
  local passes = {}
  for i, p in ipairs(default.passes) do passes[i] = strip(p) end
  return { passes = passes }
end

return M
