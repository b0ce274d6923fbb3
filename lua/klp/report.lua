-- klp.report: renders a result as text (for people) or JSON (for pipelines).
local cjson = require "cjson"

local M = {}

M.FORMAT = "klp-correlation/1"

-- Header object for one side of the JSON document.
local function side_info(elf)
  local info = elf:info()
  return {
    path = info.path, class = info.class, machine = info.machine, type = info.type,
    symbols = info.symbols,
  }
end

--- s with control bytes written as \ooo, for one-line text output (a file
--- name may hold a newline or a terminal escape).
function M.printable(s)
  return (s:gsub("%c", function(c) return ("\\%03o"):format(c:byte()) end))
end

--- JSON for a Lua value, the same on every run: object keys in sorted order
--- (lua-cjson follows table order, which changes from process to process),
--- an empty table as [] (Debian's lua-cjson 2.1.0 writes {}).
function M.encode(v)
  if type(v) ~= "table" then return cjson.encode(v) end
  local parts = {}
  if next(v) == nil or v[1] ~= nil then
    for i, x in ipairs(v) do parts[i] = M.encode(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  for i, k in ipairs(keys) do parts[i] = cjson.encode(k) .. ":" .. M.encode(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

local array = M.encode

local function object(fields)
  local parts = {}
  for i, f in ipairs(fields) do parts[i] = cjson.encode(f[1]) .. ":" .. f[2] end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function ambiguity_rows(res)
  local rows = {}
  for i, a in ipairs(res.correlator:ambiguities()) do
    local elf = a.side == "orig" and res.orig or res.patched
    rows[i] = object {
      { "side", cjson.encode(a.side) }, { "index", tostring(a.index) },
      { "name", cjson.encode(elf:symbol(a.index).name) }, { "candidates", array(a.candidates) },
      { "ncandidates", tostring(a.ncandidates) },
    }
  end
  return "[" .. table.concat(rows, ",\n") .. "]"
end

local function clone_rows(res)
  local rows = {}
  for i, cc in ipairs(res:clone_changes()) do
    rows[i] = { orig = cc.orig.index, patched = cc.patched.index,
                orig_name = cc.orig.name, patched_name = cc.patched.name }
  end
  return array(rows)
end

local function file_names(elf, list)
  local out = {}
  for i, index in ipairs(list) do out[i] = elf:symbol(index).name end
  return array(out)
end

-- One change row as JSON: {"orig", "patched", "name", "patched_name", "sympos"},
-- fields that do not apply left out.
local function change_row(row)
  local fields = {}
  if row.orig then fields[#fields + 1] = { "orig", tostring(row.orig) } end
  if row.patched then fields[#fields + 1] = { "patched", tostring(row.patched) } end
  fields[#fields + 1] = { "name", cjson.encode(row.name) }
  if row.patched_name then fields[#fields + 1] = { "patched_name", cjson.encode(row.patched_name) } end
  if row.sympos then fields[#fields + 1] = { "sympos", tostring(row.sympos) } end
  return object(fields)
end

M.CHANGE_KINDS = { "changed_functions", "new_functions", "removed_functions", "changed_data" }

--- The change lists as plain rows, for reports that outlive the result (tree
--- mode sends them between processes): per kind a list of {orig = index,
--- patched = index, name = s, patched_name = s (only when it differs),
--- sympos = n}, fields that do not apply absent.
function M.change_rows(res)
  local out = {}
  for _, kind in ipairs(M.CHANGE_KINDS) do
    local rows = {}
    for i, row in ipairs(res:changes()[kind]) do
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

-- The "changes" object: what a live patch must replace, add or cannot do.
local function changes_object(res)
  local ch, fields = M.change_rows(res), {}
  for _, kind in ipairs(M.CHANGE_KINDS) do
    local rows = {}
    for i, row in ipairs(ch[kind]) do rows[i] = change_row(row) end
    fields[#fields + 1] = { kind, "[" .. table.concat(rows, ",") .. "]" }
  end
  fields[#fields + 1] = { "compared", cjson.encode(res:compares_content()) }
  fields[#fields + 1] = { "caveats", array(res:caveats()) }
  fields[#fields + 1] = { "sympos_order", cjson.encode(res.image and ("kallsyms of " .. res.image.patched:info().path)
    or "orig object symtab") }
  return object(fields)
end

-- The FILE pairs that position decided, as {orig = name, patched = name}.
local function positional_files(res)
  local out = {}
  for _, fp in ipairs(res:files().pairs) do
    if fp.positional then
      out[#out + 1] = { orig = res.orig:symbol(fp.orig).name, patched = res.patched:symbol(fp.patched).name,
                        orig_index = fp.orig, patched_index = fp.patched }
    end
  end
  return out
end

--- The version-1 JSON document (see README, "JSON output") as a list of
--- strings to write in order: full-kernel objects make documents of tens of
--- megabytes, which are better not copied into one string.  The large lists
--- are rendered by the C core; the rest by lua-cjson.
function M.json_chunks(res, opts)
  local s, f, c = res:summary(), res:files(), res.correlator
  local head = object {
    { "format", cjson.encode(M.FORMAT) },
    { "orig", M.encode(side_info(res.orig)) },
    { "patched", M.encode(side_info(res.patched)) },
    { "policy", cjson.encode(res.policy.name) },
  }
  local tail = object {
    { "ambiguous", ambiguity_rows(res) },
    { "clone_changes", clone_rows(res) },
    { "files", object {
      { "orig_only", file_names(res.orig, f.orig_only) },
      { "patched_only", file_names(res.patched, f.patched_only) },
      { "positional", array(positional_files(res)) },
    } },
    { "failures", array(res:failures()) },
    { "notes", array(res.notes) },
    { "changes", changes_object(res) },
    { "summary", M.encode {
      pairs = s.pairs, orig_only = s.orig_only, patched_only = s.patched_only,
      ambiguous = s.ambiguous, excluded_orig = s.excluded_orig, excluded_patched = s.excluded_patched,
      positional = s.positional, positional_files = s.positional_files, clone_changes = s.clone_changes,
    } },
  }
  return {
    head:sub(1, -2),
    ',"pairs":', c:json_pairs(opts and opts.explain),
    ',"orig_only":', c:json_unpaired("orig"),
    ',"patched_only":', c:json_unpaired("patched"),
    ",", tail:sub(2), "\n",
  }
end

--- The version-1 JSON document as one string.
function M.json(res, opts)
  return table.concat(M.json_chunks(res, opts))
end

-- ANSI styling, or none.
function M.styler(colour)
  local codes = { head = "1", good = "32", bad = "31", warn = "33", dim = "2" }
  return function(kind, s)
    if not colour then return s end
    return ("\27[%sm%s\27[0m"):format(codes[kind], s)
  end
end

-- "name (local func, kernel/a.c)"
local function describe(sym)
  local where = sym.file and (", " .. sym.file) or ""
  local undef = sym.defined and "" or " undefined"
  return ("%s (%s %s%s%s)"):format(sym.name, sym.bind, sym.type, undef, where)
end

-- Where a symbol's translation unit is known from: its .llvm. suffix or FILE.
local function unit(res, sym)
  local _, _, tu = res:key(sym)
  if tu then return "TU " .. tu end
  return sym.file and ("FILE " .. sym.file) or "no FILE"
end

local EVIDENCE = {
  tu = function(res, o, p) return ("the TU map (%s -> %s) singled it out"):format(unit(res, o), unit(res, p)) end,
  size = function(_, o) return ("the only candidate of size %d"):format(o.size) end,
  bind = function() return "the only candidate of the same binding" end,
  scope = function() return "the only candidate of the same TU-localness" end,
  file = function() return "the only candidate in the same file" end,
  llvm = function() return "the only candidate of the same .llvm.-ness" end,
  digest = function() return "the only candidate with the same contents (bytes and relocation targets)" end,
  use = function() return "the twins of the functions using it use it at the same place" end,
  positional = function() return "tie broken by position among equal counts" end,
  first = function() return "the first candidate in symtab order" end,
}

--- Why a pair was made, in words (--explain).
function M.explain(res, o, p, rule, evidence)
  if evidence == "explicit" then return ("paired explicitly (%s)"):format(rule) end
  local key = res:key(o)
  local what = o.name == p.name and "same name" or ("same key '%s'"):format(key)
  if o.bind ~= p.bind then what = what .. (", %s -> %s"):format(o.bind, p.bind) end
  local scope = o.file and p.file and ("same FILE " .. o.file) or (o.file or p.file) and "one side without FILE" or "no FILE"
  local why = EVIDENCE[evidence] and EVIDENCE[evidence](res, o, p) or "the only candidate"
  return ("%s, %s; %s"):format(what, scope, why)
end

local function add_pairs(out, res, st, explain)
  local by_rule, order = {}, {}
  for o, p, rule, evidence in res:pairs(not explain) do
    if not by_rule[rule] then
      by_rule[rule] = {}
      order[#order + 1] = rule
    end
    local note = evidence ~= "unique" and ("  [" .. evidence .. "]") or ""
    if explain then note = "\n        " .. st("dim", M.explain(res, o, p, rule, evidence)) end
    local list = by_rule[rule]
    list[#list + 1] = ("    %s  ->  %s%s"):format(describe(o), describe(p), note)
  end
  if #order == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", explain and "All pairs, by rule, with the evidence that made them:"
    or "Pairs whose names or bindings differ, or that position decided, by rule:")
  for _, rule in ipairs(order) do
    out[#out + 1] = ("  %s (%d)"):format(rule, #by_rule[rule])
    for _, line in ipairs(by_rule[rule]) do out[#out + 1] = line end
  end
end

local function add_list(out, title, syms, st, kind)
  if #syms == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", ("%s (%d):"):format(title, #syms))
  for _, s in ipairs(syms) do out[#out + 1] = "  " .. st(kind, describe(s)) end
end

local function add_files(out, res, st)
  local f = res:files()
  local positional = positional_files(res)
  if #f.orig_only == 0 and #f.patched_only == 0 and #positional == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", "FILE lists differ:")
  for _, i in ipairs(f.orig_only) do out[#out + 1] = "  only in orig:    " .. res.orig:symbol(i).name end
  for _, i in ipairs(f.patched_only) do
    out[#out + 1] = "  only in patched: " .. res.patched:symbol(i).name
  end
  for _, p in ipairs(positional) do
    out[#out + 1] = ("  paired by position: %s [%d] -> %s [%d]"):format(p.orig, p.orig_index, p.patched, p.patched_index)
  end
end

local function add_clones(out, res, st)
  local cc = res:clone_changes()
  if #cc == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", ("Clone-kind changes, not paired (%d):"):format(#cc))
  for _, c in ipairs(cc) do
    out[#out + 1] = ("  %s  ->  %s"):format(st("warn", describe(c.orig)), st("warn", describe(c.patched)))
  end
end

local function add_ambiguities(out, res, st)
  local amb = res:ambiguities()
  if #amb == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", ("Ambiguous, left unpaired (%d):"):format(#amb))
  for _, a in ipairs(amb) do
    local names = {}
    for i, c in ipairs(a.candidates) do names[i] = c.name end
    local more = a.ncandidates > #names and (" (%d in all)"):format(a.ncandidates) or ""
    out[#out + 1] = ("  %s %s: candidates %s%s"):format(a.side, st("bad", describe(a.symbol)),
      table.concat(names, ", "), more)
  end
end

--- One plain change row as text: "name" or "orig -> patched", with sympos.
function M.change_line(row)
  local name = row.patched_name and (row.name .. " -> " .. row.patched_name) or row.name
  local pos = row.sympos and ("  sympos " .. row.sympos) or (row.orig and "  sympos unknown" or "")
  return name .. pos
end

--- The "to patch" lines of plain change rows, each after `indent`.
function M.change_lines(ch, st, indent)
  local out = {}
  if #ch.changed_functions + #ch.new_functions == 0 then out[#out + 1] = indent .. "nothing: no function changed" end
  for _, row in ipairs(ch.changed_functions) do out[#out + 1] = indent .. "changed  " .. st("warn", M.change_line(row)) end
  for _, row in ipairs(ch.new_functions) do out[#out + 1] = indent .. "new      " .. st("good", M.change_line(row)) end
  for _, row in ipairs(ch.removed_functions) do out[#out + 1] = indent .. "removed  " .. M.change_line(row) end
  for _, row in ipairs(ch.changed_data) do
    out[#out + 1] = indent .. st("bad", "changed data: " .. M.change_line(row)
      .. " (a live patch cannot change data in place)")
  end
  return out
end

--- The "to patch" section: what a live patch must replace, add, and what it
--- cannot do.
local function add_changes(out, res, st)
  out[#out + 1] = ""
  if not res:compares_content() then
    out[#out + 1] = st("head", "To patch: ") .. "unknown: a linked image carries no relocations, so klp "
      .. "cannot tell a changed function from a relocated one; compare the relocatable objects"
      .. " (vmlinux.o, the module's .o) instead."
    return
  end
  local order = res.image and ("kallsyms order of " .. res.image.patched:info().path)
    or "the orig object's symtab order (give --vmlinux for kallsyms order)"
  out[#out + 1] = st("head", "To patch") .. (" (sympos from %s):"):format(order)
  for _, line in ipairs(M.change_lines(M.change_rows(res), st, "  ")) do out[#out + 1] = line end
  for _, caveat in ipairs(res:caveats()) do out[#out + 1] = "  " .. st("warn", "caveat: " .. caveat) end
end

local function add_notes(out, res, st)
  if #res.notes == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", "Policy notes:")
  for _, n in ipairs(res.notes) do out[#out + 1] = "  " .. n end
end

--- The text report.  opts.colour enables ANSI colour; opts.explain lists
--- every pair with the evidence that made it.
function M.text(res, opts)
  local st = M.styler(opts and opts.colour)
  local s = res:summary()
  local oi, pi = res.orig:info(), res.patched:info()
  local out = {
    ("orig:    %s (%s, %s, ELF%d, %d symbols)"):format(oi.path, oi.type, oi.machine, oi.class, oi.symbols),
    ("patched: %s (%s, %s, ELF%d, %d symbols)"):format(pi.path, pi.type, pi.machine, pi.class, pi.symbols),
    ("policy:  %s"):format(res.policy.name),
    "",
    st("head", "Summary: ") .. ("%d pairs (%d positional), %d only in orig, %d only in patched, "
      .. "%d ambiguous, %d clone changes; excluded %d orig, %d patched")
      :format(s.pairs, s.positional, s.orig_only, s.patched_only, s.ambiguous, s.clone_changes,
        s.excluded_orig, s.excluded_patched),
  }
  add_changes(out, res, st)
  add_pairs(out, res, st, opts and opts.explain)
  add_notes(out, res, st)
  add_files(out, res, st)
  add_clones(out, res, st)
  add_list(out, "Only in orig (removed)", res:orig_only(), st, "bad")
  add_list(out, "Only in patched (new)", res:patched_only(), st, "good")
  add_ambiguities(out, res, st)
  local failures = res:failures()
  if #failures > 0 then
    out[#out + 1] = ""
    out[#out + 1] = st("bad", ("Policy %s rejects this result: %s"):format(res.policy.name,
      table.concat(failures, "; ")))
  end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

-- "name [index] (bind type, FILE)"
local function ident(sym)
  return ("%s [%d] (%s %s%s)"):format(sym.name, sym.index, sym.bind, sym.type,
    sym.file and (", " .. sym.file) or "")
end

--- What klp did with every symbol named (or keyed) as one of `names`, pass
--- by pass (--why).  The result must come from klp.correlate(..., {watch = names}).
function M.why(res, names)
  local c, out = res.correlator, {}
  local events = {}
  for _, e in ipairs(c:trace()) do
    local k = e.side .. e.index
    events[k] = events[k] or {}
    table.insert(events[k], e)
  end
  for _, name in ipairs(names) do
    local seen = {}
    for _, side in ipairs { "orig", "patched" } do
      local elf, other = res[side], side == "orig" and res.patched or res.orig
      local list = {}
      for _, how in ipairs { "name", "key" } do
        for _, i in ipairs(c:lookup(side, name, how)) do
          if not seen[side .. i] then
            seen[side .. i] = true
            list[#list + 1] = i
          end
        end
      end
      table.sort(list)
      for _, i in ipairs(list) do
        local sym = elf:symbol(i)
        local key, base, tu, numbered, excluded = c:key(side, i)
        out[#out + 1] = ("%s %s"):format(side, ident(sym))
        out[#out + 1] = ("  key %s%s%s%s"):format(key, base ~= key and (", base " .. base) or "",
          tu and (", TU " .. tu) or "", numbered and ", renumbered" or "")
        if excluded or sym.type == "file" or sym.type == "section" then
          out[#out + 1] = "  excluded: never correlated under this policy"
        end
        for _, e in ipairs(events[side .. i] or {}) do
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
          out[#out + 1] = line
        end
        local twin, rule, evidence = res:twin(sym)
        if twin then
          out[#out + 1] = ("  => paired with %s by %s (%s)"):format(ident(twin), rule, evidence)
        elseif not excluded then
          local cands = c:candidates(side, i)
          out[#out + 1] = #cands > 0 and ("  => unpaired: ambiguous among %d candidates"):format(#cands)
            or "  => unpaired: no candidate on the other side"
        end
      end
    end
    if not next(seen) then out[#out + 1] = ("no symbol named or keyed '%s' on either side"):format(name) end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

return M
