-- Where things live (README, Layout): reports, tree mode and the examples
-- read a result through klp.result only; a Lua pass uses documented
-- correlator primitives only.
local cli = require "helpers.cli"

-- The method names called on `receiver` in a source text.
local function calls(text, receiver)
  local out = {}
  for name in text:gmatch(receiver .. ":([%w_]+)%(") do out[name] = true end
  return out
end

describe("klp's reports, tree mode and examples", function()
  local files = {
    "lua/klp/report/init.lua", "lua/klp/report/text.lua", "lua/klp/report/json.lua", "lua/klp/report/why.lua",
    "lua/klp/tree.lua", "lua/klp/tree_report.lua", "lua/klp/cli.lua",
    "examples/twins.lua", "examples/unmatched-csv.lua", "examples/markdown-report.lua",
  }

  it("never touch the correlator userdata", function()
    for _, path in ipairs(files) do
      local text = assert(cli.slurp(path), path)
      assert.is_nil(text:find("%.correlator") or text:find("correlator%("), path .. " reaches into the correlator")
    end
  end)

  it("tree mode requires no report", function()
    assert.is_nil(cli.slurp("lua/klp/tree.lua"):find('require "klp.report', 1, true))
  end)
end)

describe("examples/clone-pass.lua", function()
  it("uses documented correlator primitives only", function()
    local documented = {}
    for _, name in ipairs { "elf", "twin", "how", "key", "lookup", "candidates", "unpaired", "pair", "forbid",
                            "exclude_symbol", "run", "pairs", "ambiguities", "clone_changes", "files", "summary",
                            "watch", "trace", "status", "changes", "parent", "eligible" } do
      documented[name] = true
    end
    local used = calls(assert(cli.slurp("examples/clone-pass.lua")), "c")
    assert.is_not_nil(next(used))
    for name in pairs(used) do assert.is_true(documented[name] == true, "c:" .. name .. " is not documented") end
  end)
end)
