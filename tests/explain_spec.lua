-- --explain and --why: why klp paired, or did not pair, a symbol.
local cjson = require "cjson"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

describe("--explain", function()
  it("lists every pair with the evidence in words (text)", function()
    local o, p = fixtures.pair("thinlto_tu_map", "clang")
    local r = cli.run { "--explain", o, p }
    assert.are.equal(0, r.status)
    assert.matches("All pairs, by rule, with the evidence that made them:", r.stdout)
    assert.matches("\n    a_glue %(global func%)  %->  a_glue %(global func%)\n        same name, no FILE; the only candidate\n", r.stdout)
    assert.matches("same key 'foo', no FILE; the TU map %(TU %d+ %-> TU %d+%) singled it out", r.stdout)
    o, p = fixtures.pair("promotion", "clang")
    r = cli.run { "--explain", o, p }
    assert.matches("same name, local %-> global, one side without FILE; the only candidate", r.stdout)
  end)

  it("adds an explain object to every JSON pair", function()
    local o, p = fixtures.pair("two_files_statics", "gcc")
    local doc = cjson.decode(cli.run({ "--format", "json", "--explain", o, p }).stdout)
    for _, pair in ipairs(doc.pairs) do
      assert.are.equal(pair.orig_name, pair.explain.key)
      assert.is_true(pair.explain.file == cjson.null or pair.explain.file == pair.explain.patched_file)
    end
    local helper
    for _, pair in ipairs(doc.pairs) do if pair.orig_name == "helper" then helper = helper or pair end end
    assert.are.same({ key = "helper", patched_key = "helper", file = "a.c", patched_file = "a.c",
                      tu = cjson.null, patched_tu = cjson.null }, helper.explain)
    doc = cjson.decode(cli.run({ "--format", "json", o, p }).stdout)
    assert.is_nil(doc.pairs[1].explain)
  end)
end)

describe("--why", function()
  it("shows each pass's view of a symbol that paired by use", function()
    local o, p = fixtures.pair("renumbered_statics", "gcc")
    local r = cli.run { "--why", "count", o, p }
    assert.are.equal(0, r.status)
    assert.matches("orig count%.5 %[19%] %(local object, r%.c%)\n  key count, renumbered\n  pass exact: +guarded\n"
      .. "  pass suffix: +tied: candidates count%.7 %[27%], count%.5 %[31%], count%.2 %[33%]\n"
      .. "  pass use: +paired with count%.7 %[27%] %(use%)\n", r.stdout)
    assert.matches("  => paired with count%.7 %[27%] %(local object, r%.c%) by use %(use%)", r.stdout)
    -- Every symbol of that key, on both sides.
    assert.are.equal(6, select(2, r.stdout:gsub("\n  => ", "")))
  end)

  it("says why an ambiguous or excluded symbol stayed unpaired", function()
    local o, p = fixtures.pair("ambiguous_unused", "gcc")
    local r = cli.run { "--why", "counter.0", o, p }
    assert.matches("orig counter%.0 %[11%]", r.stdout)
    assert.matches("=> unpaired: ambiguous among 3 candidates", r.stdout)
    o, p = fixtures.pair("renumbered_statics", "gcc")
    r = cli.run { "--why", "__key", o, p }
    assert.matches("excluded: never correlated under this policy", r.stdout)
    r = cli.run { "--why", "nosuch", "--why", "f_new", o, p }
    assert.matches("no symbol named or keyed 'nosuch' on either side", r.stdout)
    assert.matches("patched f_new %[%d+%] %(global func%)\n  key f_new\n", r.stdout)
    assert.matches("=> unpaired: no candidate on the other side", r.stdout)
  end)
end)
