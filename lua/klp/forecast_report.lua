-- klp.forecast_report: renders a suffix-reduction forecast (klp.forecast) as
-- text or as the klp-forecast/1 JSON document.  Counts come first.
local forecast = require "klp.forecast"
local report = require "klp.report"

local M = {}

-- What each verdict means, for the counts and the section titles.
local MEANING = {
  clash = "clash with a global or weak definition outside LTO (assembly): the link fails, or a "
    .. "weak one is silently overridden",
  capture = "would capture an undefined reference of the same name (LLVM cannot see it)",
  contested = "share a plain name with another promoted static: one takes it, the others keep "
    .. "the suffix, in LLVM's index order",
  suffixed = "keep the suffix: their plain name is a global of LTO code (a section of its own), "
    .. "which LLVM sees",
  plain = "take their plain name",
}

local TITLE = {
  clash = "Collide with a global definition",
  capture = "Would capture an undefined reference",
  contested = "Share a plain name",
  suffixed = "Keep the suffix",
  plain = "Take their plain name",
}

local function other(row, list, st)
  local out = {}
  for i, b in ipairs(list) do
    out[i] = ("%s %s %s [%d]%s"):format(st("bad", b.name), b.bind, b.type, b.index,
      b.section and (" in " .. b.section) or "")
  end
  return table.concat(out, ", ")
end

-- One line per promoted symbol of a verdict.
local function symbol_line(names_by_index, row, st)
  local head = ("  %s  %s [%d] -> %s"):format(row.type, row.name, row.index, row.plain)
  if #row.same_named_locals > 0 then
    local where, n = {}, #row.same_named_locals
    for i = 1, math.min(n, 3) do
      local l = row.same_named_locals[i]
      where[i] = ("[%d] in %s"):format(l.index, l.file or "no FILE")
    end
    if n > 3 then where[#where + 1] = ("%d more"):format(n - 3) end
    head = head .. (" (local %s %s: %s.<N> where %s is imported)"):format(row.plain, table.concat(where, ", "),
      row.plain, row.plain)
  end
  if row.verdict == "clash" or row.verdict == "suffixed" then return head .. ": " .. other(row, row.collides_with, st) end
  if row.verdict == "capture" then return head .. ": undefined " .. other(row, row.captures, st) end
  if row.verdict == "contested" then
    local names = {}
    local n = #row.contested_with
    for i = 1, math.min(n, 3) do names[i] = names_by_index[row.contested_with[i]] end
    if n > 3 then names[#names + 1] = ("%d more"):format(n - 3) end
    return head .. ": also " .. table.concat(names, ", ")
  end
  return head
end

--- The text report.  opts.colour enables ANSI colour.
function M.text(f, opts)
  local st = report.styler(opts and opts.colour)
  local o, s = f.object, f.summary
  local names = {}
  for _, row in ipairs(f.symbols) do names[row.index] = row.name end
  local out = {
    ("object: %s (%s, %s, ELF%d, %d symbols)"):format(o.path, o.type, o.machine, o.class, o.symbols),
    "forecast: LLVM 23 suffix reduction (--lto-whole-program-visibility -mllvm -always-rename-promoted-locals=false)",
    "",
    st("head", ("%d promoted symbols (.llvm.<hash>)"):format(s.promoted))
      .. (": %d functions, %d data"):format(s.functions, s.data)
      .. (s.other > 0 and (", %d untyped"):format(s.other) or ""),
  }
  for _, v in ipairs(forecast.VERDICTS) do
    local line = ("  %5d %s"):format(s[v], MEANING[v])
    if v == "contested" and s.contested > 0 then
      line = line .. (" (%d %s)"):format(s.contested_names, s.contested_names == 1 and "name" or "names")
    end
    out[#out + 1] = line
  end
  out[#out + 1] = ("  %5d share their plain name with local statics (renamed NAME.<N> where the "
    .. "plain-named symbol is imported)"):format(s.with_same_named_locals)
  for _, v in ipairs(forecast.VERDICTS) do
    if s[v] > 0 then
      out[#out + 1] = ""
      out[#out + 1] = st("head", TITLE[v] .. (" (%d):"):format(s[v]))
      for _, row in ipairs(f.symbols) do
        if row.verdict == v then out[#out + 1] = symbol_line(names, row, st) end
      end
    end
  end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

--- The klp-forecast/1 JSON document.
function M.json(f)
  local o = f.object
  return "{" .. table.concat({
    '"format":' .. report.encode(forecast.FORMAT),
    '"object":' .. report.encode { path = o.path, class = o.class, machine = o.machine, type = o.type,
                                  symbols = o.symbols },
    '"summary":' .. report.encode(f.summary),
    '"symbols":' .. report.encode(f.symbols),
  }, ",\n") .. "}\n"
end

return M
