-- klp.tree_report: renders a tree comparison (klp.tree.compare) as a text
-- rollup or as the klp-tree/1 JSON document.
local cjson = require "cjson"
local report = require "klp.report"
local tree = require "klp.tree"

local M = {}

local function plural(n, one, many)
  return ("%d %s"):format(n, n == 1 and one or (many or one .. "s"))
end

-- "12 pairs, 1 only in orig, ..." for one compared object.
local function object_counts(obj)
  local s = obj.summary
  local line = ("%s, %d only in orig, %d only in patched, %d ambiguous"):format(
    plural(s.pairs, "pair"), s.orig_only, s.patched_only, s.ambiguous)
  if s.positional > 0 then line = line .. (", %d positional"):format(s.positional) end
  return line
end

local function add_paths(out, title, list, st, kind)
  if #list == 0 then return end
  out[#out + 1] = ""
  out[#out + 1] = st("head", ("%s (%d):"):format(title, #list))
  for _, rel in ipairs(list) do out[#out + 1] = "  " .. st(kind, report.printable(rel)) end
end

--- The text rollup: per compared object its counts and "to patch" list,
--- then the objects that could not be compared, those on one side only, and
--- the totals.  opts.colour enables ANSI colour.
function M.text(t, opts)
  local st = report.styler(opts and opts.colour)
  local out = {
    ("orig:    %s"):format(report.printable(t.orig_root)),
    ("patched: %s"):format(report.printable(t.patched_root)),
    ("policy:  %s"):format(t.policy),
  }
  for _, obj in ipairs(t.objects) do
    out[#out + 1] = ""
    local path = st("head", report.printable(obj.path))
    if obj.status == "error" then
      out[#out + 1] = path .. ": " .. st("bad", "error: " .. report.printable(obj.error))
    else
      out[#out + 1] = path .. ": " .. object_counts(obj)
      if obj.compares_content then
        for _, line in ipairs(report.change_lines(obj.changes, st, "  ")) do out[#out + 1] = line end
      else
        out[#out + 1] = "  to patch: unknown: " .. report.printable(obj.uncompared or "contents not compared")
      end
      if #obj.failures > 0 then
        out[#out + 1] = "  " .. st("bad", ("policy %s rejects it: %s"):format(t.policy, table.concat(obj.failures, "; ")))
      end
    end
  end
  local skipped = {}
  for i, sk in ipairs(t.skipped) do skipped[i] = sk.path .. " (" .. sk.reason .. ")" end
  add_paths(out, "Only in orig (removed objects)", t.orig_only, st, "bad")
  add_paths(out, "Only in patched (new objects)", t.patched_only, st, "good")
  add_paths(out, "Skipped", skipped, st, "dim")
  local s = t.summary
  out[#out + 1] = ""
  out[#out + 1] = st("head", "Totals: ") .. ("%s: %d compared, %d identical, %d only in orig, %d only in patched, "
    .. "%d skipped, %s; %d rejected by the policy"):format(plural(s.objects, "object"), s.compared, s.identical,
    s.orig_only, s.patched_only, s.skipped, plural(s.errors, "error"), s.rejected)
  out[#out + 1] = st("head", "To patch: ") .. ("%d changed functions, %d new, %d removed; %d changed data; %d pairs in all")
    :format(s.changed_functions, s.new_functions, s.removed_functions, s.changed_data, s.pairs)
  if s.caveats > 0 then
    out[#out + 1] = st("warn", ("Caveat: %s carry caveats on their change lists (code compared byte by byte, "
      .. "or read by address); see each object's caveats in JSON"):format(plural(s.caveats, "object")))
  end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

local array = report.encode

--- The klp-tree/1 document as a list of strings to write in order; each
--- compared object's version-1 document is embedded as it came from its
--- worker (t must come from tree.compare with a document function that
--- renders it, as the command line's does).
function M.json_chunks(t)
  local chunks = {
    '{"format":', cjson.encode(tree.FORMAT), ',"orig":', cjson.encode(t.orig_root),
    ',"patched":', cjson.encode(t.patched_root), ',"policy":', cjson.encode(t.policy), ',"objects":[',
  }
  for i, obj in ipairs(t.objects) do
    chunks[#chunks + 1] = (i > 1 and ",\n" or "\n") .. '{"path":' .. cjson.encode(obj.path)
    if obj.status == "error" then
      chunks[#chunks + 1] = ',"error":' .. cjson.encode(obj.error) .. "}"
    else
      chunks[#chunks + 1] = ',"result":'
      chunks[#chunks + 1] = obj.document
      chunks[#chunks + 1] = "}"
    end
  end
  chunks[#chunks + 1] = '],\n"identical":' .. array(t.identical)
    .. ',\n"orig_only":' .. array(t.orig_only)
    .. ',\n"patched_only":' .. array(t.patched_only)
    .. ',\n"skipped":' .. array(t.skipped)
    .. ',\n"summary":' .. report.encode(t.summary) .. "}\n"
  return chunks
end

return M
