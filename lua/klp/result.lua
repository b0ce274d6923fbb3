-- klp.result: a finished correlation, walked from Lua.  Indices are .symtab
-- indices; methods that return symbols return klp.symbol handles.
local policy = require "klp.policy"

local Result = {}
Result.__index = Result

local M = {}

--- Wraps a correlator that a policy has run on (info: what policy.apply said).
function M.new(c, p, info)
  local self = setmetatable({ correlator = c, policy = p, notes = info.notes or {},
                              file_mismatch = info.file_mismatch }, Result)
  self.orig, self.patched = c:elf("orig"), c:elf("patched")
  return self
end

local function side_of(self, sym)
  local elf = sym.elf
  if rawequal(elf, self.orig) then return "orig", "patched", self.patched end
  if rawequal(elf, self.patched) then return "patched", "orig", self.orig end
  error("symbol belongs to neither ELF file of this result", 3)
end

--- Counts: pairs, orig_only, patched_only, ambiguous, excluded_orig,
--- excluded_patched, positional, clone_changes.
function Result:summary()
  if not self._summary then self._summary = self.correlator:summary() end
  return self._summary
end

--- FILE alignment: {pairs = {{orig=, patched=}}, orig_only = {...}, patched_only = {...}}
--- as FILE symbol indices.
function Result:files()
  if not self._files then self._files = self.correlator:files() end
  return self._files
end

--- Iterates pairs: for orig_sym, patched_sym, rule, evidence in result:pairs() do.
--- With notable = true, only pairs whose names or bindings differ or that position decided.
function Result:pairs(notable)
  local list, i = self.correlator:pairs(notable), 0
  return function()
    i = i + 1
    local p = list[i]
    if p then
      return self.orig:symbol(p.orig), self.patched:symbol(p.patched), p.rule, p.evidence
    end
  end
end

--- The twin of a symbol of either side, with the rule and evidence, or nil.
function Result:twin(sym)
  local side, _, other = side_of(self, sym)
  local t = self.correlator:twin(side, sym.index)
  if not t then return nil end
  return other:symbol(t), self.correlator:how(side, sym.index)
end

--- The key klp gave a symbol: key, base, tu, numbered, excluded.
function Result:key(sym)
  local side = side_of(self, sym)
  return self.correlator:key(side, sym.index)
end

local function symbols(elf, indices)
  local out = {}
  for i, index in ipairs(indices) do out[i] = elf:symbol(index) end
  return out
end

--- Symbols only in the original (removed or unmatched), in symtab order.
function Result:orig_only()
  return symbols(self.orig, self.correlator:unpaired("orig"))
end

--- Symbols only in the patched object (new or unmatched), in symtab order.
function Result:patched_only()
  return symbols(self.patched, self.correlator:unpaired("patched"))
end

--- Unpaired symbols that still have candidates: {side = "orig"|"patched",
--- symbol = sym, candidates = {sym, ...} (at most 64), ncandidates = n}.
function Result:ambiguities()
  local out = {}
  for i, a in ipairs(self.correlator:ambiguities()) do
    local mine, theirs = self.orig, self.patched
    if a.side == "patched" then mine, theirs = theirs, mine end
    out[i] = { side = a.side, symbol = mine:symbol(a.index), candidates = symbols(theirs, a.candidates),
               ncandidates = a.ncandidates }
  end
  return out
end

--- Functions or objects whose clone kind changed (foo -> foo.isra.0): never
--- paired, listed as {orig = sym, patched = sym}.
function Result:clone_changes()
  local out = {}
  for i, cc in ipairs(self.correlator:clone_changes()) do
    out[i] = { orig = self.orig:symbol(cc.orig), patched = self.patched:symbol(cc.patched) }
  end
  return out
end

--- Why the policy rejects this result: a list of messages, empty when accepted.
function Result:failures()
  if not self._failures then self._failures = policy.verdict(self.policy, self) end
  return self._failures
end

return M
