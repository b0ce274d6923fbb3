-- klp.report.why: what klp did with the symbols of a name or key, pass by
-- pass (--why): each symbol's key, FILE and TU, what every pass saw of it and
-- how it ended.  It renders what klp.result says and decides nothing.
local M = {}

-- "name [index] (bind type, FILE)"
local function ident(sym)
  return ("%s [%d] (%s %s%s)"):format(sym.name, sym.index, sym.bind, sym.type,
    sym.file and (", " .. sym.file) or "")
end

-- The trace events of a result by side and index: {["orig3"] = {event, ...}}.
local function events_by_symbol(res)
  local events = {}
  for _, e in ipairs(res:trace()) do
    local k = e.side .. e.index
    events[k] = events[k] or {}
    table.insert(events[k], e)
  end
  return events
end

-- One pass's line: its outcome, the twin it found, the candidates it saw.
local function event_line(e, other)
  local cands = {}
  for k, j in ipairs(e.candidates) do cands[k] = ("%s [%d]"):format(other:symbol(j).name, j) end
  if e.ncandidates > #e.candidates then cands[#cands + 1] = ("... %d in all"):format(e.ncandidates) end
  local line = ("  pass %-12s %s"):format(e.rule .. ":", e.outcome)
  if e.outcome == "paired" then
    line = line .. (" with %s [%d] (%s)"):format(other:symbol(e.twin).name, e.twin, e.evidence)
    if e.ncandidates > 1 then line = line .. " among " .. table.concat(cands, ", ") end
  elseif #cands > 0 then
    line = line .. ": candidates " .. table.concat(cands, ", ")
  end
  return line
end

-- The lines of one symbol.
local function add_symbol(out, res, side, sym, events)
  local other = side == "orig" and res.patched or res.orig
  local key, base, tu, numbered, excluded = res:key(sym)
  out[#out + 1] = ("%s %s"):format(side, ident(sym))
  out[#out + 1] = ("  key %s%s%s%s"):format(key, base ~= key and (", base " .. base) or "",
    tu and (", TU " .. tu) or "", numbered and ", renumbered" or "")
  if not res:eligible(sym) then out[#out + 1] = "  excluded: never correlated under this policy" end
  for _, e in ipairs(events[side .. sym.index] or {}) do out[#out + 1] = event_line(e, other) end
  local twin, rule, evidence = res:twin(sym)
  if twin then
    out[#out + 1] = ("  => paired with %s by %s (%s)"):format(ident(twin), rule, evidence)
  elseif not excluded then
    local n = #res:candidates(sym)
    out[#out + 1] = n > 0 and ("  => unpaired: ambiguous among %d candidates"):format(n)
      or "  => unpaired: no candidate on the other side"
  end
end

--- What klp did with every symbol named (or keyed) as one of `names`, pass
--- by pass (--why).  The result must come from klp.correlate(..., {watch = names}).
function M.why(res, names)
  local out, events = {}, events_by_symbol(res)
  for _, name in ipairs(names) do
    local found = false
    for _, side in ipairs { "orig", "patched" } do
      for _, sym in ipairs(res:named(side, name)) do
        found = true
        add_symbol(out, res, side, sym, events)
      end
    end
    if not found then out[#out + 1] = ("no symbol named or keyed '%s' on either side"):format(name) end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

return M
