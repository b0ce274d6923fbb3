-- klp.report.text: the text report of a result, for people: counts, what to
-- patch, the notable pairs (or every pair, explained), notes, FILE
-- differences, clone changes, leftovers, ambiguities and the verdict.  It
-- renders what klp.result says and decides nothing.
local core = require "klp.core"

local M = {}

--- s with control bytes written as \ooo, for one-line text output (a file
--- name may hold a newline or a terminal escape).
function M.printable(s)
  return (s:gsub("%c", function(c) return ("\\%03o"):format(c:byte()) end))
end

--- ANSI styling, or none: st(kind, s) with kind head, good, bad, warn or dim.
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

-- The --explain sentence of each kind of evidence, from the core.
local SENTENCE = {}
for _, ev in ipairs(core.evidence) do SENTENCE[ev.name] = ev.sentence end

--- Why a pair was made, in words (--explain).
function M.explain(res, o, p, rule, evidence)
  local fill = {
    orig_unit = function() return unit(res, o) end,
    patched_unit = function() return unit(res, p) end,
    size = function() return ("%d"):format(o.size) end,
    rule = function() return rule end,
  }
  local why = (SENTENCE[evidence] or SENTENCE.unique):gsub("{([%w_]+)}", function(k) return fill[k] and fill[k]() end)
  if evidence == "explicit" then return why end
  local key = res:key(o)
  local what = o.name == p.name and "same name" or ("same key '%s'"):format(key)
  if o.bind ~= p.bind then what = what .. (", %s -> %s"):format(o.bind, p.bind) end
  local scope = o.file and p.file and ("same FILE " .. o.file) or (o.file or p.file) and "one side without FILE" or "no FILE"
  return ("%s, %s; %s"):format(what, scope, why)
end

-- Appends a section: a blank line, its heading and its lines; nothing when
-- it has no lines.
local function add_section(out, heading, lines)
  if #lines == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = heading
  for _, line in ipairs(lines) do out[#out + 1] = line end
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
  local lines = {}
  for _, rule in ipairs(order) do
    lines[#lines + 1] = ("  %s (%d)"):format(rule, #by_rule[rule])
    for _, line in ipairs(by_rule[rule]) do lines[#lines + 1] = line end
  end
  add_section(out, st("head", explain and "All pairs, by rule, with the evidence that made them:"
    or "Pairs whose names or bindings differ, or that position decided, by rule:"), lines)
end

local function add_symbols(out, title, syms, st, kind)
  local lines = {}
  for i, s in ipairs(syms) do lines[i] = "  " .. st(kind, describe(s)) end
  add_section(out, st("head", ("%s (%d):"):format(title, #syms)), lines)
end

local function add_files(out, res, st)
  local f, lines = res:files(), {}
  for _, i in ipairs(f.orig_only) do lines[#lines + 1] = "  only in orig:    " .. res.orig:symbol(i).name end
  for _, i in ipairs(f.patched_only) do lines[#lines + 1] = "  only in patched: " .. res.patched:symbol(i).name end
  for _, p in ipairs(res:positional_files()) do
    lines[#lines + 1] = ("  paired by position: %s [%d] -> %s [%d]"):format(p.orig, p.orig_index, p.patched,
      p.patched_index)
  end
  add_section(out, st("head", "FILE lists differ:"), lines)
end

local function add_clones(out, res, st)
  local cc, lines = res:clone_changes(), {}
  for i, c in ipairs(cc) do
    lines[i] = ("  %s  ->  %s"):format(st("warn", describe(c.orig)), st("warn", describe(c.patched)))
  end
  add_section(out, st("head", ("Clone-kind changes, not paired (%d):"):format(#cc)), lines)
end

local function add_ambiguities(out, res, st)
  local amb, lines = res:ambiguities(), {}
  for k, a in ipairs(amb) do
    local names = {}
    for i, c in ipairs(a.candidates) do names[i] = c.name end
    local more = a.ncandidates > #names and (" (%d in all)"):format(a.ncandidates) or ""
    lines[k] = ("  %s %s: candidates %s%s"):format(a.side, st("bad", describe(a.symbol)),
      table.concat(names, ", "), more)
  end
  add_section(out, st("head", ("Ambiguous, left unpaired (%d):"):format(#amb)), lines)
end

--- One plain change row (result:change_rows()) as text: "name" or "orig ->
--- patched", with sympos.
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
  for _, row in ipairs(ch.line_functions or {}) do
    out[#out + 1] = indent .. st("dim", "line     " .. M.change_line(row) .. " (only line numbers changed: not replaced)")
  end
  for _, row in ipairs(ch.changed_data) do
    out[#out + 1] = indent .. st("bad", "changed data: " .. M.change_line(row)
      .. " (a live patch cannot change data in place)")
  end
  for _, row in ipairs(ch.line_data or {}) do
    out[#out + 1] = indent .. st("dim", "line data: " .. M.change_line(row) .. " (only its line number changed)")
  end
  return out
end

-- The "to patch" section: what a live patch must replace, add, and what it
-- cannot do.
local function add_changes(out, res, st)
  out[#out + 1] = ""
  local compared, why = res:compares_content()
  if not compared then
    out[#out + 1] = st("head", "To patch: ") .. ("unknown: %s, so klp cannot tell a changed function "
      .. "from a moved one; compare the relocatable objects (vmlinux.o, the module's .o) instead."):format(why)
    return
  end
  local order = res.image and ("kallsyms order of " .. res.image.patched:info().path)
    or "the orig object's symtab order (give --vmlinux for kallsyms order)"
  out[#out + 1] = st("head", "To patch") .. (" (sympos from %s):"):format(order)
  for _, line in ipairs(M.change_lines(res:change_rows(), st, "  ")) do out[#out + 1] = line end
  for _, caveat in ipairs(res:caveats()) do out[#out + 1] = "  " .. st("warn", "caveat: " .. caveat) end
end

local function add_notes(out, res, st)
  local lines = {}
  for i, n in ipairs(res.notes) do lines[i] = "  " .. n end
  add_section(out, st("head", "Policy notes:"), lines)
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
  add_symbols(out, "Only in orig (removed)", res:orig_only(), st, "bad")
  add_symbols(out, "Only in patched (new)", res:patched_only(), st, "good")
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

return M
