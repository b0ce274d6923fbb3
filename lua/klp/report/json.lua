-- klp.report.json: the version-1 JSON document of a result, for pipelines
-- (README, "JSON output").  The large lists are written by the core (through
-- klp.result); the rest by lua-cjson, in a stable order.  It renders what
-- klp.result says and decides nothing.
local cjson = require "cjson"
local result = require "klp.result"

local M = {}

M.FORMAT = "klp-correlation/1"

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

-- An object with its fields in the order given: {{name, json text}, ...}.
local function object(fields)
  local parts = {}
  for i, f in ipairs(fields) do parts[i] = cjson.encode(f[1]) .. ":" .. f[2] end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- Header object for one side of the document.
local function side_info(elf)
  local info = elf:info()
  return {
    path = info.path, class = info.class, machine = info.machine, type = info.type,
    symbols = info.symbols,
  }
end

local function ambiguity_rows(res)
  local rows = {}
  for i, a in ipairs(res:ambiguity_rows()) do
    rows[i] = object {
      { "side", cjson.encode(a.side) }, { "index", tostring(a.index) },
      { "name", cjson.encode(res[a.side]:symbol(a.index).name) }, { "candidates", array(a.candidates) },
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

-- The "changes" object: what a live patch must replace, add or cannot do.
local function changes_object(res)
  local ch, fields = res:change_rows(), {}
  for _, kind in ipairs(result.CHANGE_KINDS) do
    local rows = {}
    for i, row in ipairs(ch[kind]) do rows[i] = change_row(row) end
    fields[#fields + 1] = { kind, "[" .. table.concat(rows, ",") .. "]" }
  end
  fields[#fields + 1] = { "compared", cjson.encode((res:compares_content())) }
  fields[#fields + 1] = { "caveats", array(res:caveats()) }
  fields[#fields + 1] = { "sympos_order", cjson.encode(res.image and ("kallsyms of " .. res.image.patched:info().path)
    or "orig object symtab") }
  return object(fields)
end

--- The version-1 JSON document as a list of strings to write in order:
--- full-kernel objects make documents of tens of megabytes, which are better
--- not copied into one string.  opts.explain: each pair's explain object.
function M.json_chunks(res, opts)
  local s, f = res:summary(), res:files()
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
      { "positional", array(res:positional_files()) },
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
    ',"pairs":', res:json_pairs(opts and opts.explain),
    ',"orig_only":', res:json_unpaired("orig"),
    ',"patched_only":', res:json_unpaired("patched"),
    ",", tail:sub(2), "\n",
  }
end

--- The version-1 JSON document as one string.
function M.json(res, opts)
  return table.concat(M.json_chunks(res, opts))
end

return M
