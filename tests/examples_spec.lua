-- Every script in examples/ runs and does what its header says.
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

describe("examples/twins.lua", function()
  it("prints renamed pairs with rule and evidence, new and removed symbols", function()
    local o, p = fixtures.pair("gcc_clones", "gcc")
    local r = cli.run({ o, p }, { script = "examples/twins.lua" })
    assert.are.equal(0, r.status, r.stderr)
    assert.matches("^15 pairs, 2 only in orig, 2 only in patched, 0 ambiguous\n", r.stdout)
    assert.matches("\nnew:     mix%.constprop%.0 %(c%.c%)\n", r.stdout)
    assert.matches("\nremoved: peek%.isra%.0 %(key peek%.isra%)\n", r.stdout)
    o, p = fixtures.pair("thinlto_hash", "clang")
    r = cli.run({ o, p }, { script = "examples/twins.lua" })
    assert.matches("\n  alpha%.llvm%.%d+ +%-> alpha%.llvm%.%d+ +suffix/unique\n", r.stdout)
  end)

  it("explains its usage", function()
    local r = cli.run({}, { script = "examples/twins.lua" })
    assert.are.equal(1, r.status)
    assert.are.equal("usage: lua5.4 twins.lua ORIG PATCHED\n", r.stderr)
  end)
end)

describe("examples/ci-gate.lua", function()
  it("fails a build with positional pairs and passes a clean one", function()
    local o, p = fixtures.pair("renumbered_statics", "gcc")
    local r = cli.run { "--policy", "examples/ci-gate.lua", o, p }
    assert.are.equal(2, r.status)
    assert.matches("Policy ci%-gate rejects this result: 3 pairs decided by position only", r.stdout)
    o, p = fixtures.pair("file_list", "gcc")
    r = cli.run { "--policy", "examples/ci-gate.lua", o, p }
    assert.are.equal(0, r.status, r.stdout)
  end)
end)
