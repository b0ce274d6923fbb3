-- Test helper: what each symbol of an x86-64 relocatable object references,
-- read with binutils (readelf, objdump), not with klp, so that a spec can
-- name a static by the function or table that uses it: the ground truth a
-- pairing is checked against when same-named statics have no FILE symbol.
local cli = require "helpers.cli"

local M = {}

local function run(cmd)
  local f = assert(io.popen(cli.shell(cmd .. " 2>&1")))
  local out = f:read("a")
  assert(f:close(), cmd .. " failed: " .. out)
  return out
end

-- Sections by index and name, and the defined symbols (symtab index ->
-- {value, size, type, shndx, name}).
local function read_tables(path)
  local sections, by_name = {}, {}
  for line in run("readelf -SW " .. cli.quote(path)):gmatch("[^\n]+") do
    local i, name = line:match("^%s*%[%s*(%d+)%]%s+(%S+)")
    if i then
      sections[tonumber(i)] = name
      by_name[name] = tonumber(i)
    end
  end
  local symbols = {}
  for line in run("readelf -sW " .. cli.quote(path)):gmatch("[^\n]+") do
    local i, value, size, stype, ndx, name =
      line:match("^%s*(%d+):%s+(%x+)%s+(%d+)%s+(%S+)%s+%S+%s+%S+%s+(%d+)%s+(%S+)")
    if i then
      symbols[tonumber(i)] = { value = tonumber(value, 16), size = tonumber(size), type = stype,
                               shndx = tonumber(ndx), name = name }
    end
  end
  return sections, by_name, symbols
end

-- The function or object of section shndx that covers offset off.
local function covering(symbols, shndx, off)
  for i, s in pairs(symbols) do
    if s.shndx == shndx and (s.type == "FUNC" or s.type == "OBJECT") and s.value <= off
       and off < s.value + math.max(s.size, 1) then
      return i
    end
  end
end

--- Reads path: returns {symbols = ..., refs = {symtab index -> {index, ...}}}
--- where refs lists, in offset order, what each function or object
--- references: relocation targets (a section symbol plus addend resolved to
--- the symbol there; PC-relative ones 4 bytes on, as for an instruction with
--- no immediate after its displacement) and direct calls and jumps.
function M.read(path)
  local sections, by_name, symbols = read_tables(path)
  local found = {}
  local function add(from, off, to)
    if from and to then found[#found + 1] = { from = from, off = off, to = to } end
  end
  local target_section
  for line in run("readelf -rW " .. cli.quote(path)):gmatch("[^\n]+") do
    local sec = line:match("^Relocation section '%.rela(%S+)'")
    if sec then target_section = by_name[sec] end
    local off, rtype, name, sign, addend =
      line:match("^(%x+)%s+%x+%s+(R_%S+)%s+%x+%s+(%S+)%s*([+-]?)%s*(%x*)")
    if off and target_section then
      off = tonumber(off, 16)
      local a = tonumber(addend ~= "" and addend or "0", 16) * (sign == "-" and -1 or 1)
      if rtype:match("PC32") or rtype:match("PLT32") then a = a + 4 end
      local to
      if by_name[name] then
        to = covering(symbols, by_name[name], a)
      else
        for i, s in pairs(symbols) do
          if s.name == name and s.shndx ~= 0 then to = i end
        end
      end
      add(covering(symbols, target_section, off), off, to)
    end
  end
  local text = by_name[".text"]
  for line in run("objdump -d --no-show-raw-insn -w " .. cli.quote(path)):gmatch("[^\n]+") do
    local off, insn, to = line:match("^%s*(%x+):%s+(%a+)%s+(%x+) <")
    if off and (insn == "call" or insn:match("^j")) then
      off = tonumber(off, 16)
      local callee = covering(symbols, text, tonumber(to, 16))
      local caller = covering(symbols, text, off)
      if callee ~= caller then add(caller, off, callee) end
    end
  end
  table.sort(found, function(x, y) return x.off < y.off end)
  local refs = {}
  for _, f in ipairs(found) do
    refs[f.from] = refs[f.from] or {}
    table.insert(refs[f.from], f.to)
  end
  return { symbols = symbols, refs = refs, sections = sections }
end

--- The symtab index of the one defined symbol called name.
function M.named(o, name)
  local hit
  for i, s in pairs(o.symbols) do
    if s.name == name and s.shndx ~= 0 then
      assert(not hit, name .. " names several symbols")
      hit = i
    end
  end
  return assert(hit, "no symbol " .. name)
end

--- The symbols called target (a name) that symbol `user` (a unique name)
--- references, in order of reference.
function M.used(o, user, target)
  local out = {}
  for _, i in ipairs(o.refs[M.named(o, user)] or {}) do
    if o.symbols[i].name == target then out[#out + 1] = i end
  end
  return out
end

return M
