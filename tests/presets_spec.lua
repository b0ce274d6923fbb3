-- The presets, pinned on fixtures where they disagree (README, "Presets").
local C = require "helpers.correlation"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"
local klp_passes = require("klp").passes

describe("--list-policies", function()
  it("lists every preset with one line", function()
    local r = cli.run { "--list-policies" }
    assert.are.equal(0, r.status)
    for _, name in ipairs { "default", "strict", "objtool", "kpatch" } do
      assert.matches("\n?" .. name .. " +%S[^\n]+\n", r.stdout)
    end
    assert.are.equal(4, select(2, r.stdout:gsub("\n", "")))
  end)
end)

describe("FILE lists that differ (file_list)", function()
  it("default aligns them; strict fails on the difference", function()
    local r = C.fixture("file_list", "gcc")
    assert.are.equal("helper@c.c", r.pairs["helper@c.c"].to)
    assert.are.same({}, r.result:failures())
    r = C.fixture("file_list", "gcc", "strict")
    assert.are.same({ "FILE lists differ (1 only in orig, 1 only in patched)" }, r.result:failures())
  end)

  it("objtool pairs FILE symbols in order and fails at the first mismatch", function()
    local r = C.fixture("file_list", "gcc", "objtool")
    assert.are.same({ "FILE symbol mismatch: b.c != c.c" }, r.result:failures())
    assert.are.equal("helper@a.c", r.pairs["helper@a.c"].to)
    assert.is_nil(r.pairs["helper@c.c"])
    local o, p = fixtures.pair("file_list", "gcc")
    assert.are.equal(2, cli.run({ "--policy", "objtool", o, p }).status)
  end)

  it("kpatch ignores FILE symbols: first match in symtab order crosses files", function()
    local r = C.fixture("file_list", "gcc", "kpatch")
    assert.are.same({ to = "helper@c.c", rule = "kpatch", evidence = "first" }, r.pairs["helper@b.c"])
    assert.are.equal("helper@d.c", r.pairs["helper@c.c"].to)
  end)
end)

describe("promotion (local <-> global)", function()
  it("default and objtool pair every promoted or demoted static; kpatch only unchanged names", function()
    for _, policy in ipairs { "default", "objtool" } do
      local r = C.fixture("promotion", "clang", policy)
      assert.are.equal(0, r.summary.orig_only + r.summary.patched_only, policy)
      assert.matches("^foo%.llvm%.%d+$", r.pairs["foo@a.c"].to)
    end
    -- kpatch compares names whatever the binding, and a .llvm.<hash> that
    -- appears or disappears is more than the one .N tail it allows.
    local r = C.fixture("promotion", "clang", "kpatch")
    assert.are.equal("baz", r.pairs["baz@a.c"].to)
    assert.are.equal("qux@a.c", r.pairs["qux"].to)
    assert.is_true(r.orig_only["foo@a.c"])
    assert.is_true(r.orig_only[C.find(r.orig_only, "^bar%.llvm%.")])
    assert.is_true(r.orig_only[C.find(r.orig_only, "^quux%.llvm%.")])
    assert.are.equal(3, r.summary.orig_only)
  end)
end)

describe("an unchanged name in a grown group (clang_msg_grows)", function()
  it("default pairs f.__msg by name; objtool only at its checksum level; kpatch by first match", function()
    local r = C.fixture("clang_msg_grows", "clang")
    assert.are.equal("exact", r.pairs["f.__msg@m.c"].rule)
    -- objtool has no exact-name level: the grown group waits for checksums.
    r = C.fixture("clang_msg_grows", "clang", "objtool")
    assert.are.same({ to = "f.__msg@m.c", rule = "find_twin", evidence = "digest" }, r.pairs["f.__msg@m.c"])
    assert.are.same({ to = "f.__msg.1@m.c", rule = "find_twin", evidence = "digest" }, r.pairs["f.__msg.1@m.c"])
    assert.are.equal(0, r.summary.ambiguous)
    r = C.fixture("clang_msg_grows", "clang", "kpatch")
    assert.are.same({ to = "f.__msg@m.c", rule = "kpatch", evidence = "first" }, r.pairs["f.__msg@m.c"])
    assert.are.equal("f.__msg.1@m.c", r.pairs["f.__msg.1@m.c"].to)
    assert.is_true(r.patched_only["f.__msg.2@m.c"])
  end)
end)

describe("a real ambiguity (ambiguous_unused)", function()
  it("default reports it, strict fails on it, kpatch pairs by first match", function()
    local r = C.fixture("ambiguous_unused", "gcc")
    assert.are.equal(5, r.summary.ambiguous)
    r = C.fixture("ambiguous_unused", "gcc", "strict")
    assert.are.same({ "5 ambiguous symbols" }, r.result:failures())
    r = C.fixture("ambiguous_unused", "gcc", "kpatch")
    assert.are.equal(0, r.summary.ambiguous)
    assert.are.equal("first", r.pairs["counter.1@r.c"].evidence)
  end)
end)

describe("renumbered statics", function()
  it("default pairs them by use, so strict accepts; objtool pairs them by position", function()
    local r = C.fixture("renumbered_statics", "gcc", "strict")
    assert.are.same({}, r.result:failures())
    r = C.fixture("renumbered_statics", "gcc", { ties = "positional", passes = {
      klp_passes.exact, klp_passes.evidence } })
    r = C.fixture("renumbered_statics", "gcc", "objtool")
    assert.are.same({ to = "count.7@r.c", rule = "positional", evidence = "positional" }, r.pairs["count.5@r.c"])
  end)
end)

describe("objtool's suffix map", function()
  it("pairs same-named promoted statics of two changed TUs", function()
    local r = C.fixture("thinlto_tu_map", "clang", "objtool")
    local rules = {}
    for from, p in pairs(r.pairs) do if from:match("^foo%.llvm") then rules[#rules + 1] = p.rule end end
    assert.are.same({ "suffix_map", "suffix_map" }, rules)
    assert.are.equal(0, r.summary.ambiguous)
  end)
end)

describe("clone changes (gcc_clones)", function()
  it("strict fails on them; default only reports them", function()
    assert.are.same({}, C.fixture("gcc_clones", "gcc").result:failures())
    assert.are.same({ "2 clone-kind changes" }, C.fixture("gcc_clones", "gcc", "strict").result:failures())
  end)
end)
