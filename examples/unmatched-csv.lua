-- unmatched-csv.lua: the symbols of both sides that klp could not pair, as
-- CSV (side,index,name,type,bind,file,key,candidates) for a spreadsheet or a
-- ticket.  Writes to standard output, or to the file given third.
--
--   lua5.4 examples/unmatched-csv.lua ORIG PATCHED [OUT.csv]
local root = (arg[0]:match("^(.*)/examples/[^/]*$") or (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/..")
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/?.so;" .. package.cpath

local klp = require "klp"

if #arg < 2 or #arg > 3 then
  io.stderr:write("usage: lua5.4 unmatched-csv.lua ORIG PATCHED [OUT.csv]\n")
  os.exit(1)
end

local function open(path)
  local elf, err = klp.open(path)
  if not elf then
    io.stderr:write(err, "\n")
    os.exit(1)
  end
  return elf
end

local result = assert(klp.correlate(open(arg[1]), open(arg[2])))

-- RFC 4180 quoting.
local function field(v)
  v = tostring(v == nil and "" or v)
  if v:find('[",\n]') then v = '"' .. v:gsub('"', '""') .. '"' end
  return v
end

local rows = { "side,index,name,type,bind,file,key,candidates" }
for _, side in ipairs { "orig", "patched" } do
  local list = side == "orig" and result:orig_only() or result:patched_only()
  for _, sym in ipairs(list) do
    local names = {}
    for k, c in ipairs(result:candidates(sym)) do names[k] = c.name end
    rows[#rows + 1] = table.concat({ field(side), field(sym.index), field(sym.name), field(sym.type),
      field(sym.bind), field(sym.file), field((result:key(sym))), field(table.concat(names, " ")) }, ",")
  end
end

local out = io.stdout
if arg[3] then out = assert(io.open(arg[3], "w")) end
out:write(table.concat(rows, "\n"), "\n")
if arg[3] then out:close() end
