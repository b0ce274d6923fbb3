-- Policy files and tables: every knob a distro team turns, and its errors.
local lpeg = require "lpeg"
local C = require "helpers.correlation"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"
local klp = require "klp"

local function write(text)
  local path = os.tmpname() .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

describe("suffix rules", function()
  it("can be added, with any action, and removed", function()
    local p = klp.policy.new {
      add_suffixes = {
        { kind = "klpdup", action = "strip", pattern = lpeg.P".klpdup" },
        { kind = "tmp", action = "exclude", pattern = ".klp_tmp" },
        { kind = "specialize", action = "clone", pattern = lpeg.P".specialize" * (lpeg.P"." * lpeg.R"09"^1)^-1 },
      },
      remove_suffixes = { "isra" },
    }
    local key = p.keyer.key
    assert.are.equal("foo", key("foo.klpdup").key)
    assert.is_true(key("foo.klp_tmp").excluded)
    assert.are.equal("foo.specialize", key("foo.specialize.3").key)
    -- Without its rule, .isra is part of the base; only the counter goes.
    local r = key("foo.isra.0")
    assert.are.same({ "foo.isra", nil }, { r.key, r.base })
  end)

  it("change how fixtures correlate: without the constprop rule, mix.constprop.0 is not mix's clone", function()
    local r = C.fixture("gcc_clones", "gcc")
    assert.are.same({ ["mix@c.c"] = "mix.constprop.0@c.c", ["peek.isra.0@c.c"] = "peek@c.c" }, r.clones)
    r = C.fixture("gcc_clones", "gcc", { remove_suffixes = { "constprop" } })
    assert.are.same({ ["peek.isra.0@c.c"] = "peek@c.c" }, r.clones)
    assert.is_true(r.orig_only["mix@c.c"])
    assert.is_true(r.patched_only["mix.constprop.0@c.c"])
  end)
end)

describe("exclusions", function()
  it("by name, prefix, LPeg pattern, section and predicate, added to the base's", function()
    local o, p = fixtures.pair("added_removed", "gcc")
    local base = C.run(o, p)
    local r = C.run(o, p, {
      exclude = {
        names = { "old_fn" },
        patterns = { lpeg.P"new_" },
        predicate = function(sym) return sym.name == "old_table" end,
      },
    })
    assert.are.same({}, r.orig_only)
    assert.are.same({}, r.patched_only)
    assert.are.equal(base.summary.excluded_orig + 2, r.summary.excluded_orig)
    assert.are.equal(base.summary.excluded_patched + 2, r.summary.excluded_patched)
    r = C.run(o, p, { exclude = { prefixes = { "old_" }, sections = { ".text.new_fn" } } })
    assert.are.same({}, r.orig_only)
    assert.are.same({ ["new_table@a.c"] = true }, r.patched_only)
  end)
end)

describe("explicit pairs", function()
  it("pair a renamed function, and never-pairs are honoured", function()
    local o, p = fixtures.pair("added_removed", "gcc")
    local r = C.run(o, p, { pairs = { { "old_fn", "new_fn" } } })
    assert.are.same({ to = "new_fn", rule = "policy", evidence = "explicit" }, r.pairs["old_fn"])
    o, p = fixtures.pair("two_files_statics", "gcc")
    r = C.run(o, p, { never = { { "helper@a.c", "helper@a.c" } } })
    assert.is_nil(r.pairs["helper@a.c"])
    assert.is_true(r.orig_only["helper@a.c"])
    assert.are.equal("helper@b.c", r.pairs["helper@b.c"].to)
    assert.is_nil(r.ambiguous["orig:helper@a.c"])
  end)

  it("note names that are not there, and reject names that are not unique", function()
    local o, p = fixtures.pair("two_files_statics", "gcc")
    local r = C.run(o, p, { pairs = { { "gone", "helper@a.c" } } })
    assert.are.same({ "pair gone -> helper@a.c: no symbol 'gone' in orig" }, r.result.notes)
    local res, err = klp.correlate(assert(klp.open(o)), assert(klp.open(p)),
      { name = "team", pairs = { { "helper", "helper" } } })
    assert.is_nil(res)
    assert.are.equal("team: 'helper' names 2 symbols in orig; qualify it as name@file", err)
  end)
end)

describe("ties", function()
  it("positional (default), leave and error", function()
    local r = C.fixture("positional_unused", "gcc")
    assert.are.equal(2, r.summary.positional)
    r = C.fixture("positional_unused", "gcc", { ties = "leave" })
    assert.are.equal(0, r.summary.positional)
    assert.are.equal(4, r.summary.ambiguous)
    assert.are.same({}, r.result:failures())
    r = C.fixture("positional_unused", "gcc", { ties = "error" })
    assert.are.same({ "4 ambiguous symbols" }, r.result:failures())
  end)
end)

describe("passes", function()
  it("can be dropped, reordered and written in Lua", function()
    local passes = klp.passes
    local r = C.fixture("promotion", "clang", { passes = { passes.exact, passes.suffix } })
    assert.is_true(r.orig_only["foo@a.c"])
    local calls = 0
    r = C.fixture("promotion", "clang", { passes = {
      { rule = "mine", run = function(c) calls = calls + 1; return 0 end },
      passes.exact, passes.evidence,
    } })
    assert.are.equal(1, calls)
    assert.are.equal("promotion", r.pairs["foo@a.c"].rule)
  end)
end)

describe("what fails a result", function()
  it("fail_on flags and a check function (exit 2)", function()
    local o, p = fixtures.pair("added_removed", "gcc")
    local path = write([[
return {
  name = "no-removals",
  check = function(result)
    local out = {}
    for _, sym in ipairs(result:orig_only()) do
      if sym.type == "func" then out[#out + 1] = "removed function " .. sym.name end
    end
    return out
  end,
}
]])
    local r = cli.run { "--policy", path, o, p }
    assert.are.equal(2, r.status)
    assert.matches("Policy no%-removals rejects this result: removed function old_fn", r.stdout)
    os.remove(path)
  end)
end)

describe("policy errors", function()
  local o, p = fixtures.pair("two_files_statics", "gcc")
  local cases = {
    { "return { ties = 3 }", "policy field 'ties' must be a string, got number" },
    { 'return { ties = "random" }', "bad ties 'random'" },
    { 'return { base = "nosuch" }', "unknown base policy 'nosuch'" },
    { 'return { exclude = { patterns = { "x" } } }', "exclude.patterns%[1%] is not an LPeg pattern" },
    { 'return { add_suffixes = { { kind = "x", action = "keep", pattern = ".x" } } }',
      "add_suffixes%[1%]: action must be tu, clone, strip or exclude, got keep" },
    { 'return { passes = { { rule = "x", keey = "name" } } }', "unknown field 'keey' in passes%[1%]" },
    { 'return { fail_on = { everything = true } }', "unknown field 'everything' in fail_on" },
    { 'return { base = "kpatch", add_suffixes = { { kind = "x", action = "strip", pattern = ".x" } } }',
      "base 'kpatch' has its own key function" },
    { "return 42", "a policy must be a table, got number" },
    { "error('no way')", ":1: no way" },
  }
  for _, case in ipairs(cases) do
    it("reports " .. case[2]:gsub("%%", ""), function()
      local path = write(case[1])
      local r = cli.run { "--policy", path, o, p }
      os.remove(path)
      assert.are.equal(1, r.status)
      assert.are.equal(1, select(2, r.stderr:gsub("\n", "")))
      assert.matches("^klp: " .. path:gsub("%p", "%%%0"), r.stderr)
      assert.matches(case[2], r.stderr)
    end)
  end
end)
