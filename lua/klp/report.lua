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

-- Debian's lua-cjson 2.1.0 encodes an empty table as {}: arrays go through here.
local function array(list)
  return #list == 0 and "[]" or cjson.encode(list)
end

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

--- The version-1 JSON document (see README, "JSON output") as a list of
--- strings to write in order: full-kernel objects make documents of tens of
--- megabytes, which are better not copied into one string.  The large lists
--- are rendered by the C core; the rest by lua-cjson.
function M.json_chunks(res)
  local s, f, c = res:summary(), res:files(), res.correlator
  local head = object {
    { "format", cjson.encode(M.FORMAT) },
    { "orig", cjson.encode(side_info(res.orig)) },
    { "patched", cjson.encode(side_info(res.patched)) },
    { "policy", cjson.encode(res.policy.name) },
  }
  local tail = object {
    { "ambiguous", ambiguity_rows(res) },
    { "clone_changes", clone_rows(res) },
    { "files", object {
      { "orig_only", file_names(res.orig, f.orig_only) },
      { "patched_only", file_names(res.patched, f.patched_only) },
    } },
    { "failures", array(res:failures()) },
    { "summary", cjson.encode {
      pairs = s.pairs, orig_only = s.orig_only, patched_only = s.patched_only,
      ambiguous = s.ambiguous, excluded_orig = s.excluded_orig, excluded_patched = s.excluded_patched,
      positional = s.positional, clone_changes = s.clone_changes,
    } },
  }
  return {
    head:sub(1, -2),
    ',"pairs":', c:json_pairs(),
    ',"orig_only":', c:json_unpaired("orig"),
    ',"patched_only":', c:json_unpaired("patched"),
    ",", tail:sub(2), "\n",
  }
end

--- The version-1 JSON document as one string.
function M.json(res)
  return table.concat(M.json_chunks(res))
end

-- ANSI styling, or none.
local function styler(colour)
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

local function add_pairs(out, res, st)
  local by_rule, order = {}, {}
  for o, p, rule, evidence in res:pairs(true) do
    if not by_rule[rule] then
      by_rule[rule] = {}
      order[#order + 1] = rule
    end
    local note = evidence ~= "unique" and ("  [" .. evidence .. "]") or ""
    local list = by_rule[rule]
    list[#list + 1] = ("    %s  ->  %s%s"):format(describe(o), describe(p), note)
  end
  if #order == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", "Pairs whose names or bindings differ, or that position decided, by rule:")
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
  if #f.orig_only == 0 and #f.patched_only == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", "FILE lists differ:")
  for _, i in ipairs(f.orig_only) do out[#out + 1] = "  only in orig:    " .. res.orig:symbol(i).name end
  for _, i in ipairs(f.patched_only) do
    out[#out + 1] = "  only in patched: " .. res.patched:symbol(i).name
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
    out[#out + 1] = ("  %s %s: candidates %s"):format(a.side, st("bad", describe(a.symbol)),
      table.concat(names, ", "))
  end
end

--- The text report.  opts.colour enables ANSI colour.
function M.text(res, opts)
  local st = styler(opts and opts.colour)
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
  add_pairs(out, res, st)
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

return M
