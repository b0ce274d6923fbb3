#!/usr/bin/env lua5.4
-- klp launcher: `lua klp.lua [options] ORIG PATCHED`.  Kept parseable by Lua
-- 5.1-5.3, which hand over to lua5.4 (Debian's /usr/bin/lua is often 5.1).

if _VERSION ~= "Lua 5.4" then
  local function quote(s) return "'" .. string.gsub(s, "'", "'\\''") .. "'" end
  local probe = os.execute("command -v lua5.4 >/dev/null 2>&1")
  if probe == 0 or probe == true then
    local cmd = { "lua5.4", quote(arg[0]) }
    for i = 1, #arg do cmd[#cmd + 1] = quote(arg[i]) end
    local a, _, c = os.execute(table.concat(cmd, " "))
    if type(a) == "number" then os.exit(math.floor(a / 256)) end
    os.exit(c or 1)
  end
  io.stderr:write("klp: needs Lua 5.4 (this is " .. _VERSION .. "); install it: apt-get install lua5.4\n")
  os.exit(1)
end

-- Our own lua/ and build/ come first, and ./?.lua goes: run from a checkout,
-- `require "klp"` would otherwise load this very file.
local dir = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/lua/?.lua;" .. dir .. "/lua/?/init.lua;"
  .. package.path:gsub("%./%?%.lua;", ""):gsub("%./%?/init%.lua;", "")
package.cpath = (os.getenv("KLP_BUILD") or (dir .. "/build")) .. "/?.so;" .. package.cpath

os.exit(require("klp.cli").main(arg), true)
