-- The LuaRocks install: `luarocks --lua-version 5.4 make` must give a working
-- `klp` command.  Built from a copy of the sources into a temporary tree, so
-- the checkout stays clean; dependencies come from the system (deps-mode none:
-- Debian's lua-lpeg, lua-cjson and lua-argparse, which LuaRocks cannot see).
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

-- `make test-asan` and `make valgrind` put a lua5.4 wrapper first on PATH
-- and KLP_BUILD in the environment; LuaRocks must find the real interpreter
-- (and its headers), and the installed klp only what it installed.
local path = (os.getenv("PATH") or ""):gsub("[^:]*/build/[^:]*/bin:", "")

local function sh(cmd)
  local p = assert(io.popen(cli.shell("unset KLP_BUILD; PATH=" .. cli.quote(path) .. "; " .. cmd) .. " 2>&1"))
  local out = p:read("a")
  local _, _, status = p:close()
  return status, out
end

describe("the rockspec", function()
  it("lists every C source of src/ and every Lua module of lua/", function()
    local spec = cli.slurp("rockspec/klp-scm-1.rockspec")
    local _, listing = sh("ls src/*.c; find lua -name '*.lua'")
    for path in listing:gmatch("[^\n]+") do
      assert.truthy(spec:find('"' .. path .. '"', 1, true), path .. " missing from the rockspec")
    end
  end)

  it("installs a klp command that reports its version and correlates", function()
    if os.execute("command -v luarocks >/dev/null 2>&1") ~= true then
      pending("luarocks is not installed")
      return
    end
    local _, tmp = sh("mktemp -d")
    tmp = tmp:gsub("%s+$", "")
    finally(function() sh("rm -rf " .. cli.quote(tmp)) end)
    local status, out = sh(("cp -r src lua klp.lua rockspec %s/ && cd %s && "
      .. "luarocks --lua-version 5.4 --tree %s/tree make --deps-mode=none rockspec/klp-scm-1.rockspec")
      :format(cli.quote(tmp), cli.quote(tmp), cli.quote(tmp)))
    assert.are.equal(0, status, out)
    local env = ('eval "$(luarocks --lua-version 5.4 --tree %s/tree path)" && cd / && %s/tree/bin/klp')
      :format(cli.quote(tmp), cli.quote(tmp))
    status, out = sh(env .. " --version")
    assert.are.equal(0, status, out)
    assert.matches("^klp %d+%.%d+%.%d+\n$", out)
    local o, p = fixtures.pair("gcc_clones", "gcc")
    local _, cwd = sh("pwd")
    cwd = cwd:gsub("%s+$", "")
    status, out = sh(("%s --format json %s/%s %s/%s"):format(env, cli.quote(cwd), o, cli.quote(cwd), p))
    assert.are.equal(0, status, out)
    assert.are.equal(15, require("cjson").decode(out).summary.pairs)
  end)
end)
