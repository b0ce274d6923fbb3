-- The launcher: `lua klp.lua` from a checkout, whatever /usr/bin/lua is.
local cli = require "helpers.cli"

local function have(cmd)
  return os.execute(cli.shell("command -v " .. cmd .. " >/dev/null 2>&1")) == true
end

describe("klp.lua", function()
  it("hands over to lua5.4 under Lua 5.1, keeping arguments and exit status", function()
    if not have("lua5.1") then
      pending("lua5.1 is not installed")
      return
    end
    local r = cli.run({ "--version" }, { lua = "lua5.1" })
    assert.are.equal(0, r.status)
    assert.matches("^klp %d+%.%d+%.%d+\n$", r.stdout)
    r = cli.run({ "it's missing.o", "x.o" }, { lua = "lua5.1" })
    assert.are.equal(1, r.status)
    assert.are.equal("klp: it's missing.o: No such file or directory\n", r.stderr)
  end)

  it("says what to install when lua5.4 cannot be found", function()
    if not have("lua5.1") then
      pending("lua5.1 is not installed")
      return
    end
    local r = cli.run({ "--version" }, { lua = "env PATH=/nonexistent " .. io.popen("command -v lua5.1"):read("l") })
    assert.are.equal(1, r.status)
    assert.are.equal("klp: needs Lua 5.4 (this is Lua 5.1); install it: apt-get install lua5.4\n", r.stderr)
  end)

  it("works from any directory, and never loads itself as the klp module", function()
    local _, _, status = io.popen(cli.shell("cd / && lua5.4 " .. cli.quote(io.popen("pwd"):read("l") .. "/klp.lua")
      .. " --version >/dev/null 2>&1")):close()
    assert.are.equal(0, status)
    -- From the checkout root ./klp.lua is on the default path: still fine.
    assert.are.equal(0, cli.run({ "--version" }).status)
  end)
end)
