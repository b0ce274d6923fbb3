-- klp.result: a finished correlation, walked from Lua: the public API that
-- klp's reports, tree mode and the examples read everything through (none of
-- them touches result.correlator, which stays for policy authors).  Indices
-- are .symtab indices; methods that return symbols return klp.symbol
-- handles; methods named *_rows return plain data with indices.
local Result = {}
Result.__index = Result

local M = {}

--- The change lists, in report order.
M.CHANGE_KINDS = { "changed_functions", "line_functions", "new_functions", "removed_functions", "changed_data",
  "line_data" }

--- The indices of the symbols on one side of correlator c whose name or key
--- is name: in symtab order, each once (--why: what to watch and to show).
function M.named(c, side, name)
  local list, seen = {}, {}
  for _, how in ipairs { "name", "key" } do
    for _, i in ipairs(c:lookup(side, name, how)) do
      if not seen[i] then
        seen[i] = true
        list[#list + 1] = i
      end
    end
  end
  table.sort(list)
  return list
end

--- Wraps a correlator a policy has run on (klp.engine).  info: {notes =
--- {...}, file_mismatch = message|nil}; verdict(result) returns why the
--- policy rejects it, asked once, here.
function M.new(c, p, info, verdict)
  local self = setmetatable({ correlator = c, policy = p, notes = info.notes or {},
                              file_mismatch = info.file_mismatch, undecoded = info.undecoded }, Result)
  self.orig, self.patched = c:elf("orig"), c:elf("patched")
  self._failures = verdict and verdict(self) or {}
  return self
end

local function side_of(self, sym)
  local elf = sym.elf
  if rawequal(elf, self.orig) then return "orig", "patched", self.patched end
  if rawequal(elf, self.patched) then return "patched", "orig", self.orig end
  error("symbol belongs to neither ELF file of this result", 3)
end

local function symbols(elf, indices)
  local out = {}
  for i, index in ipairs(indices) do out[i] = elf:symbol(index) end
  return out
end

--- Counts: pairs, orig_only, patched_only, ambiguous, excluded_orig,
--- excluded_patched, positional, positional_files, clone_changes.
function Result:summary()
  if not self._summary then self._summary = self.correlator:summary() end
  return self._summary
end

--- FILE alignment: {pairs = {{orig=, patched=, positional=}}, orig_only =
--- {...}, patched_only = {...}} as FILE symbol indices.
function Result:files()
  if not self._files then self._files = self.correlator:files() end
  return self._files
end

--- The FILE pairs that only position decided: {orig = name, patched = name,
--- orig_index = i, patched_index = i}, in orig order.
function Result:positional_files()
  local out = {}
  for _, fp in ipairs(self:files().pairs) do
    if fp.positional then
      out[#out + 1] = { orig = self.orig:symbol(fp.orig).name, patched = self.patched:symbol(fp.patched).name,
                        orig_index = fp.orig, patched_index = fp.patched }
    end
  end
  return out
end

--- The pairs as {orig = i, patched = i, rule = s, evidence = s}, in orig
--- symtab order; with notable = true, only those whose names or bindings
--- differ or that position decided.
function Result:pair_rows(notable)
  return self.correlator:pairs(notable)
end

--- Iterates pairs: for orig_sym, patched_sym, rule, evidence in result:pairs() do.
--- With notable = true, only pairs whose names or bindings differ or that position decided.
function Result:pairs(notable)
  local list, i = self:pair_rows(notable), 0
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

--- Whether a symbol takes part in correlation: not excluded by the policy,
--- not a FILE or SECTION symbol, not the null symbol.
function Result:eligible(sym)
  local side = side_of(self, sym)
  return self.correlator:eligible(side, sym.index)
end

--- The unpaired symbols of the other side that share a symbol's key and type
--- and have a compatible FILE: what it could still pair with.
function Result:candidates(sym)
  local side, _, other = side_of(self, sym)
  return symbols(other, self.correlator:candidates(side, sym.index))
end

--- The symbols of one side ("orig" or "patched") whose name or key is name,
--- in symtab order.
function Result:named(side, name)
  return symbols(self[side], M.named(self.correlator, side, name))
end

--- What the passes saw of the watched symbols (klp.correlate's opts.watch):
--- {rule, side, index, outcome, evidence, twin, ncandidates, candidates =
--- {i, ...}} in pass order; evidence and twin only when it paired.
function Result:trace()
  return self.correlator:trace()
end

--- Symbols only in the original (removed or unmatched), in symtab order.
function Result:orig_only()
  return symbols(self.orig, self.correlator:unpaired("orig"))
end

--- Symbols only in the patched object (new or unmatched), in symtab order.
function Result:patched_only()
  return symbols(self.patched, self.correlator:unpaired("patched"))
end

--- Unpaired symbols that still have candidates, as {side = "orig"|"patched",
--- index = i, candidates = {i, ...} (at most 64), ncandidates = n}.
function Result:ambiguity_rows()
  return self.correlator:ambiguities()
end

--- The same with symbols: {side, symbol = sym, candidates = {sym, ...},
--- ncandidates = n}.
function Result:ambiguities()
  local out = {}
  for i, a in ipairs(self:ambiguity_rows()) do
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

--- The JSON array text of every pair (README, "JSON output"), written by the
--- core: with explain, each with its "explain" object.
function Result:json_pairs(explain)
  return self.correlator:json_pairs(explain)
end

--- The JSON array text of one side's unpaired symbols ("orig_only" or
--- "patched_only" of the document), written by the core.
function Result:json_unpaired(side)
  return self.correlator:json_unpaired(side)
end

--- A pair's status from either symbol: "same", "changed", "line" or
--- "unknown" (contents not compared: see compares_content; only FUNC and
--- OBJECT have digests);
--- nil for an unpaired symbol.
function Result:status(sym)
  local side = side_of(self, sym)
  local orig = side == "orig" and sym.index or self.correlator:twin("patched", sym.index)
  if not orig then return nil end
  return self.correlator:status(orig)
end

--- Whether statuses mean anything: both sides are relocatable objects, or
--- linked images that kept their relocations (--emit-relocs) or whose code
--- the disassembler reads; when not, also why not ("path: reason").
function Result:compares_content()
  return self.correlator:compared()
end

--- Uses the correlation of the orig object with its linked image (vmlinux)
--- for sympos: kallsyms orders same-named symbols by address there.
function Result:set_sympos_image(image_result)
  self.image = image_result
  self._changes = nil
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

--- What a live patch must do: {changed_functions, line_functions,
--- new_functions, removed_functions, changed_data, line_data}, each a list of {orig = sym, patched =
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

--- The change lists as plain rows, for reports that outlive the result (tree
--- mode sends them between processes): per kind of M.CHANGE_KINDS a list of
--- {orig = i, patched = i, name = s, patched_name = s (only when it differs),
--- sympos = n}, fields that do not apply absent.
function Result:change_rows()
  local out, changes = {}, self:changes()
  for _, kind in ipairs(M.CHANGE_KINDS) do
    local rows = {}
    for i, row in ipairs(changes[kind]) do
      rows[i] = {
        orig = row.orig and row.orig.index, patched = row.patched and row.patched.index,
        name = row.name, sympos = row.sympos,
        patched_name = row.orig and row.patched and row.patched.name ~= row.orig.name
          and row.patched.name or nil,
      }
    end
    out[kind] = rows
  end
  return out
end

--- What can make the change lists say more than changed: a list of
--- messages, empty where contents were compared and code decoded (and read
--- through relocations).
function Result:caveats()
  local compared, why = self:compares_content()
  if not compared then return { ("contents not compared: %s"):format(why) } end
  local out = {}
  local by_address = self.correlator:read_by_address()
  if #by_address > 0 then
    out[1] = ("read by address (%s: a linked image without relocations): a reference in code counts by the "
      .. "symbol its address falls in, and so does every aligned pointer-sized word of data that holds an "
      .. "address in the image; a number that happens to equal an address is read as one, and on ppc64 only "
      .. "references from the TOC pointer are followed"):format(table.concat(by_address, ", "))
  end
  if not self.undecoded then return out end
  local o, p = self.orig:info().shared_text_functions, self.patched:info().shared_text_functions
  local shared = o + p == 0 and ""
    or (" %d functions of orig (%d of patched) share a section with other functions, so one placed after "
      .. "a function that changed size can be reported changed"):format(o, p)
  out[#out + 1] = ("code compared byte by byte (%s): a call or jump inside one section carries no relocation, and "
    .. "its bytes change when its target moves.%s"):format(self.undecoded, shared)
  return out
end

--- Why the policy rejects this result: a list of messages, empty when
--- accepted (the engine's verdict: fail_on and the policy's check).
function Result:failures()
  return self._failures
end

return M
