-- klp.diff: the instructions of a function in both objects, aligned (--diff).
--
--   local diff = require "klp.diff"
--   local d = assert(diff.compute(result, {"compute"}))
--   io.write(diff.text(d))        -- unified diffs
--   io.write(diff.json(d))        -- the klp-diff/1 document
--
-- The C core decodes (Capstone), resolves every reference to a symbol key and
-- offset, and aligns the two listings; this picks the functions a name means
-- and renders what the core returns.
local cjson = require "cjson"
local report = require "klp.report"

local M = {}

M.FORMAT = "klp-diff/1"

local CONTEXT = 3

-- FUNC symbols of a side whose name or key is `name`, in symtab order.
local function functions_named(res, side, name)
  local c, elf, seen, out = res.correlator, res[side], {}, {}
  for _, how in ipairs { "name", "key" } do
    for _, i in ipairs(c:lookup(side, name, how)) do
      if not seen[i] and elf:symbol(i).type == "func" and elf:symbol(i).defined then
        seen[i] = true
        out[#out + 1] = i
      end
    end
  end
  table.sort(out)
  return out
end

-- What --diff NAME compares: {orig = i | nil, patched = i | nil} for every
-- pair whose orig or patched function is named or keyed NAME, and for every
-- such function without a twin (diffed against nothing).
local function targets(res, name)
  local c, list, seen = res.correlator, {}, {}
  local function add(o, p)
    local k = tostring(o) .. ":" .. tostring(p)
    if not seen[k] then
      seen[k] = true
      list[#list + 1] = { orig = o, patched = p }
    end
  end
  for _, o in ipairs(functions_named(res, "orig", name)) do add(o, c:twin("orig", o)) end
  for _, p in ipairs(functions_named(res, "patched", name)) do add(c:twin("patched", p), p) end
  table.sort(list, function(a, b)
    local x, y = a.orig or math.huge, b.orig or math.huge
    if x ~= y then return x < y end
    return (a.patched or math.huge) < (b.patched or math.huge)
  end)
  return list
end

local function side_info(elf, i, listing)
  if not i then return nil end
  local sym = elf:symbol(i)
  -- The section of the code (a ppc64 ELFv1 symbol's own is the descriptor's, .opd).
  return { index = i, name = sym.name, section = listing.section, size = sym.size,
           instructions = listing.instructions }
end

--- The diffs --diff names mean: {orig = path, patched = path, diffs = {{name, status, orig, patched,
--- changed_lines, truncated, lines}, ...}}, or nil and a message (a name that matches no
--- function, a machine the disassembler does not know, bytes outside their section).
function M.compute(res, names)
  local c = res.correlator
  local out = { orig = res.orig:info().path, patched = res.patched:info().path, diffs = {} }
  for _, name in ipairs(names) do
    local list = targets(res, name)
    if #list == 0 then
      return nil, ("--diff %s: no function of that name or key in %s or %s"):format(name, out.orig, out.patched)
    end
    for _, t in ipairs(list) do
      local d, err = c:diff(t.orig, t.patched)
      if not d then return nil, err end
      local status = not t.orig and "new" or not t.patched and "removed" or c:status(t.orig)
      -- Status line: what differs is the line number each such instruction loads.
      if status == "line" then
        for _, row in ipairs(d.rows) do if row.why == "bytes" then row.why = "line" end end
      end
      out.diffs[#out.diffs + 1] = {
        name = name, status = status,
        orig = side_info(res.orig, t.orig, d.orig), patched = side_info(res.patched, t.patched, d.patched),
        changed_lines = d.changed, truncated = d.truncated, lines = d.rows,
      }
    end
  end
  return out
end

-- "0x1c" or "".
local function hex(n)
  return n and ("0x%x"):format(n) or ""
end

-- One row of a hunk: op, orig and patched offsets, label, text, why.
local function row_line(row, st)
  local line = ("%s%7s %7s %-6s%s"):format(row.op, row.op ~= "+" and hex(row.orig_offset) or "",
    row.op ~= "-" and hex(row.patched_offset) or "", row.label and (row.label .. ":") or "",
    report.printable(row.text))
  -- Removed and added lines say so by their mark; a changed pair says why.
  if row.why == "target" or row.why == "bytes" or row.why == "line" then line = line .. "   ; " .. row.why end
  if row.op == "-" then return st("bad", line) end
  if row.op == "+" then return st("good", line) end
  return line
end

local function header(mark, side, info)
  if not info then return ("%s %s (none: the function is only on the other side)"):format(mark, side) end
  return ("%s %s %s\t%s, %d bytes, %d instructions"):format(mark, side, report.printable(info.name),
    report.printable(info.section or "?"), info.size, info.instructions)
end

-- The hunks of one diff: runs of changed rows with CONTEXT rows around them.
local function hunks(d, st, out)
  local rows, n = d.lines, #d.lines
  -- How many orig / patched lines the rows up to each one hold.
  local ol, pl = { [0] = 0 }, { [0] = 0 }
  for i, r in ipairs(rows) do
    ol[i] = ol[i - 1] + (r.op ~= "+" and 1 or 0)
    pl[i] = pl[i - 1] + (r.op ~= "-" and 1 or 0)
  end
  local i = 1
  while i <= n do
    if rows[i].op == " " then
      i = i + 1
    else
      local first = math.max(1, i - CONTEXT)
      local last = i
      local j = i
      while j <= n do
        if rows[j].op ~= " " then
          last = j
          j = j + 1
        elseif j - last > 2 * CONTEXT then
          break
        else
          j = j + 1
        end
      end
      last = math.min(n, last + CONTEXT)
      -- Unified diff numbering: the first line, or the one before when none.
      local ocount, pcount = ol[last] - ol[first - 1], pl[last] - pl[first - 1]
      local ostart = ol[first - 1] + (ocount > 0 and 1 or 0)
      local pstart = pl[first - 1] + (pcount > 0 and 1 or 0)
      local at = rows[first].orig_offset or rows[first].patched_offset or 0
      local where = (d.orig or d.patched).name
      out[#out + 1] = st("warn", ("@@ -%d,%d +%d,%d @@ %s+0x%x"):format(ostart, ocount, pstart, pcount,
        report.printable(where), at))
      for k = first, last do out[#out + 1] = row_line(rows[k], st) end
      i = last + 1
    end
  end
end

--- The diffs as text: per function a unified diff of the two listings (3 rows of
--- context), or a line saying none differs.  opts.colour enables ANSI colour.
function M.text(doc, opts)
  local st = report.styler(opts and opts.colour)
  local out = {}
  for _, d in ipairs(doc.diffs) do
    out[#out + 1] = st("head", header("---", "orig", d.orig))
    out[#out + 1] = st("head", header("+++", "patched", d.patched))
    if d.changed_lines == 0 then
      out[#out + 1] = ("== no instruction differs (%d instructions; status %s)"):format(#d.lines, d.status)
    else
      hunks(d, st, out)
    end
    if d.truncated then
      out[#out + 1] = ("== more than %d edits: the unaligned middle is shown as one replacement"):format(2000)
    end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

local NULL = cjson.null

local function json_side(info)
  if not info then return NULL end
  return info
end

--- The klp-diff/1 document: {"format", "orig", "patched", "diffs": [{"name", "status", "orig",
--- "patched", "changed_lines", "truncated", "lines": [{"op", "orig_offset", "patched_offset", "text",
--- "why", "label"[, "patched_text"]}]}]} (see the README, "--diff").
function M.json(doc)
  local diffs = {}
  for k, d in ipairs(doc.diffs) do
    local lines = {}
    for i, r in ipairs(d.lines) do
      local row = { op = r.op, orig_offset = r.orig_offset or NULL, patched_offset = r.patched_offset or NULL,
                    text = r.text, why = r.why or NULL, label = r.label or NULL }
      if r.patched_text then row.patched_text = r.patched_text end
      lines[i] = report.encode(row)
    end
    diffs[k] = "{" .. table.concat({
      '"name":' .. report.encode(d.name),
      '"status":' .. report.encode(d.status),
      '"orig":' .. report.encode(json_side(d.orig)),
      '"patched":' .. report.encode(json_side(d.patched)),
      '"changed_lines":' .. report.encode(d.changed_lines),
      '"truncated":' .. report.encode(d.truncated),
      '"lines":[' .. table.concat(lines, ",\n") .. "]",
    }, ",") .. "}"
  end
  return "{" .. table.concat({
    '"format":' .. report.encode(M.FORMAT),
    '"orig":' .. report.encode(doc.orig),
    '"patched":' .. report.encode(doc.patched),
    '"diffs":[' .. table.concat(diffs, ",\n") .. "]",
  }, ",\n") .. "}\n"
end

return M
