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

--- A pair's status from its orig symbol: "same", "changed" or "unknown"
--- (linked images carry no relocations; only FUNC and OBJECT have digests).
function Result:status(sym)
  local side = side_of(self, sym)
  local orig = side == "orig" and sym.index or self.correlator:twin("patched", sym.index)
  if not orig then return nil end
  return self.correlator:status(orig)
end

--- Whether statuses mean anything: both objects are relocatable.
function Result:compares_content()
  return self.orig:info().type == "rel" and self.patched:info().type == "rel"
end

--- Uses the correlation of the orig object with its linked image (vmlinux)
--- for sympos: kallsyms orders same-named symbols by address there.
function Result:set_sympos_image(image_result)
  self.image = image_result
end

--- The sympos a live patch gives an orig symbol: 0 when its name is unique,
--- else its 1-based position among same-named symbols in kallsyms order (the
--- linked image's addresses with set_sympos_image, else the orig object's
--- symtab order).  nil when the linked image has no twin for it.
function Result:sympos(sym)
  if self.image then
    local twin = self.image:twin(sym)
    if not twin then return nil end
    local rank, count = self.image.correlator:same_named("patched", twin.index, "address")
    return count <= 1 and 0 or rank
  end
  local rank, count = self.correlator:same_named("orig", sym.index)
  return count <= 1 and 0 or rank
end

--- What a live patch must do: {changed_functions, new_functions,
--- removed_functions, changed_data}, each a list of {orig = sym, patched =
--- sym, name = s, sympos = n} (fields that do not apply absent); .cold and
--- .part children are folded into their parents.
function Result:changes()
  if self._changes then return self._changes end
  local out = {}
  for kind, list in pairs(self.correlator:changes()) do
    local rows = {}
    for i, ch in ipairs(list) do
      local row = {}
      if ch.orig then
        row.orig = self.orig:symbol(ch.orig)
        row.name = row.orig.name
        row.sympos = self:sympos(row.orig)
      end
      if ch.patched then
        row.patched = self.patched:symbol(ch.patched)
        row.name = row.name or row.patched.name
      end
      rows[i] = row
    end
    out[kind] = rows
  end
  self._changes = out
  return out
end

--- What can make the change lists say more than changed: a list of
--- messages, empty for objects built the way live patches are.
function Result:caveats()
  if not self:compares_content() then return {} end
  local o, p = self.orig:info().shared_text_functions, self.patched:info().shared_text_functions
  if o + p == 0 then return {} end
  return { ("%d functions of orig (%d of patched) share a section with other functions (built without "
    .. "-ffunction-sections): calls between them carry no relocation, so a function placed after one "
    .. "that changed size can be reported changed"):format(o, p) }
end

--- Why the policy rejects this result: a list of messages, empty when accepted.
function Result:failures()
  if not self._failures then self._failures = policy.verdict(self.policy, self) end
  return self._failures
end

return M
