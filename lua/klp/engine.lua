-- klp.engine: runs a complete policy (klp.policy) on a correlator, top to
-- bottom in M.run: exclusions, keys, FILE alignment, children, digests,
-- watches, explicit pairs, passes; then the verdict, computed once and kept
-- in the result.  The analysis (ambiguities, clone changes) and the change
-- lists are the core's, made from what the passes left when first asked.
local policy = require "klp.policy"
local result = require "klp.result"

local M = {}

local SIDES = { "orig", "patched" }

-- The C core's part of an exclusion spec.
local CORE_EXCLUDE = { types = true, abs = true, undefined = true, prefixes = true, sections = true,
                       section_prefixes = true, section_flags = true }

-- Exclusions: the core's kinds in C, then by exact name, LPeg pattern or
-- predicate, per symbol, in Lua.
local function exclude(x, c)
  local core_x = {}
  for k, v in pairs(x) do if CORE_EXCLUDE[k] then core_x[k] = v end end
  c:exclude(core_x)
  for _, side in ipairs(SIDES) do
    for _, name in ipairs(x.names or {}) do
      for _, i in ipairs(c:lookup(side, name)) do c:exclude_symbol(side, i) end
    end
    if x.patterns or x.predicate then
      for sym in c:elf(side):symbols() do
        local hit = x.predicate and x.predicate(sym)
        for _, pat in ipairs(x.patterns or {}) do hit = hit or pat:match(sym.name) ~= nil end
        if hit and not c:twin(side, sym.index) then c:exclude_symbol(side, sym.index) end
      end
    end
  end
end

-- The one symbol "name" or "name@file" names on one side; nil and a note
-- when there is none; a policy error when several match.
local function find_one(p, c, side, spec)
  local name, file = spec:match("^(.-)@(.+)$")
  name = name or spec
  local hits = {}
  for _, i in ipairs(c:lookup(side, name)) do
    if not file or c:elf(side):symbol(i).file == file then hits[#hits + 1] = i end
  end
  if #hits > 1 then
    policy.reject(p.name, "'%s' names %d symbols in %s; qualify it as name@file", spec, #hits, side)
  end
  if #hits == 0 then return nil, ("no symbol '%s' in %s"):format(spec, side) end
  return hits[1]
end

-- Calls f(orig_index, patched_index, pair) for each pair of a list whose two
-- names are found, and appends a note to notes for each other one (what:
-- "pair" or "never").
local function each_found(p, c, list, what, f, notes)
  for _, pair in ipairs(list or {}) do
    local a, na = find_one(p, c, "orig", pair[1])
    local b, nb = find_one(p, c, "patched", pair[2])
    if a and b then
      f(a, b, pair)
    else
      notes[#notes + 1] = ("%s %s -> %s: %s"):format(what, pair[1], pair[2], na or nb)
    end
  end
end

-- Forbidden pairs, then explicit pairs; returns notes for names not found.
local function explicit_pairs(p, c)
  local notes = {}
  each_found(p, c, p.never, "never", function(a, b) c:forbid(a, b) end, notes)
  each_found(p, c, p.pairs, "pair", function(a, b, pair)
    local ok, why = c:pair(a, b, "policy")
    if not ok then policy.reject(p.name, "cannot pair %s -> %s: %s", pair[1], pair[2], why) end
  end, notes)
  return notes
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

-- Why the policy rejects a result: a list of messages (empty: accepted).
-- Counts come from the correlator itself, so that the result caches nothing
-- a closed ELF should make fail, and only when a rule needs them.
local function verdict(p, c, mismatch, res)
  local fail, out = p.fail_on or {}, {}
  local summary = (fail.ambiguous or fail.positional or fail.clone_change) and c:summary()
  local files = fail.file_mismatch and not mismatch and c:files()
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
    if mismatch then
      out[#out + 1] = mismatch
    elseif #files.orig_only > 0 or #files.patched_only > 0 then
      out[#out + 1] = ("FILE lists differ (%d only in orig, %d only in patched)")
        :format(#files.orig_only, #files.patched_only)
    end
  end
  if fail.clone_change and summary.clone_changes > 0 then
    out[#out + 1] = ("%d clone-kind changes"):format(summary.clone_changes)
  end
  if p.check then
    for _, msg in ipairs(p.check(res) or {}) do out[#out + 1] = tostring(msg) end
  end
  return out
end

-- Everything up to the passes; returns notes and the FILE mismatch.
local function correlate(p, c, opts)
  exclude(p.exclude or {}, c)
  c:assign_keys(p.keyer.key, p.keyer.triggers)
  c:set_tu_map(p.tu_map or "consistent")
  local mismatch = c:align_files(p.files or "align")
  c:link_children(p.children or {})
  local ok, err = c:compute_digests()
  if not ok then policy.raise(err) end
  c:set_line_functions(p.line_functions or {}, p.line_changes or "line")
  if opts and opts.watch then
    for _, side in ipairs(SIDES) do
      for _, name in ipairs(opts.watch) do
        for _, i in ipairs(result.named(c, side, name)) do c:watch(side, i) end
      end
    end
  end
  local notes = explicit_pairs(p, c)
  run_passes(c, p.passes)
  local undecoded = c:compare_code()
  return { notes = notes, file_mismatch = mismatch, undecoded = undecoded }
end

--- Correlates with a complete policy p on a fresh correlator c.  opts.watch:
--- names or keys whose symbols passes trace (--why).  Returns a result
--- (klp.result), or nil and a message when the policy cannot apply.
function M.run(p, c, opts)
  local info, err = policy.catch(correlate, p, c, opts)
  if not info then return nil, err end
  return result.new(c, p, info, function(res) return verdict(p, c, info.file_mismatch, res) end)
end

return M
