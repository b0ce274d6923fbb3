-- The presets, pinned on fixtures where they disagree (README, "Presets").
local C = require "helpers.correlation"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

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

describe("objtool's find_twin and positional fallback on a renumbered __flags.N family", function()
  local B = require "helpers.build"
  local OUT = B.ROOT .. "/build/test-presets"

  -- An object with one FILE and the local objects `list` ({name, a, b}: two
  -- words each) in .data, in symtab order.
  local function flags(tag, list)
    local lines = { '.file "f.c"', ".data" }
    for _, e in ipairs(list) do
      lines[#lines + 1] = (".type %s,@object\n%s:\n.long %d, %d\n.size %s, .-%s"):format(e[1], e[1], e[2], e[3], e[1],
        e[1])
    end
    local s = B.write(("%s/%s.s"):format(OUT, tag), table.concat(lines, "\n") .. "\n")
    return B.build(OUT, s:gsub("%.s$", ".o"), { s }, "as --64 -o $OUT " .. cli.quote(s))
  end

  -- orig name -> {patched name, evidence} of every pair the objtool preset makes.
  local function pairs_of(o, p)
    local out = {}
    for a, b, _, ev in C.run(o, p, "objtool").result:pairs() do out[a.name] = { b.name, ev } end
    return out
  end

  local A, Bv, Cv = { 1, 1 }, { 2, 2 }, { 3, 3 }
  local function fam(tag, contents)
    local list = {}
    for i, v in ipairs(contents) do list[i] = { "__flags." .. (i - 1), v[1], v[2] } end
    return flags(tag, list)
  end
  local orig = fam("flags-orig", { A, Bv, Cv })

  it("pairs by checksum whatever the numbers, and leaves a changed one among two unpaired", function()
    -- Patched inserts one (N) before B and changes C: A and B pair by
    -- content (L4), C' and N stay tied 1 against 2, which position refuses.
    local got = pairs_of(orig, fam("flags-inserted", { A, { 9, 9 }, Bv, { 3, 4 } }))
    assert.are.same({ ["__flags.0"] = { "__flags.0", "digest" }, ["__flags.1"] = { "__flags.2", "digest" } }, got)
  end)

  it("pairs the last one left at the first level, by name alone, after the checksums", function()
    -- B removed, D added: A and C pair by content; B and D are then the
    -- only candidates left (objtool pairs them, and fails on changed data).
    local got = pairs_of(orig, fam("flags-replaced", { A, Cv, { 4, 4 } }))
    assert.are.same({ ["__flags.0"] = { "__flags.0", "digest" }, ["__flags.2"] = { "__flags.1", "digest" },
                      ["__flags.1"] = { "__flags.2", "unique" } }, got)
  end)

  it("falls back to position only when nothing else pairs, in symtab order, not by content", function()
    -- All three changed: rank i pairs with rank i.  An identical copy
    -- elsewhere in the family does not pull its twin out of rank (objtool
    -- has no content-first rule).
    local got = pairs_of(orig, fam("flags-changed", { { 1, 2 }, { 2, 3 }, { 3, 4 } }))
    assert.are.same({ ["__flags.0"] = { "__flags.0", "positional" }, ["__flags.1"] = { "__flags.1", "positional" },
                      ["__flags.2"] = { "__flags.2", "positional" } }, got)
    -- Two identical members and one changed: position pairs the second
    -- identical one with the changed one (objtool has no content-first
    -- rule; the default pairs the identical ones with each other).
    local twice = fam("flags-twice", { A, A, Bv })
    got = pairs_of(twice, fam("flags-twice-patched", { A, { 2, 3 }, A }))
    assert.are.same({ ["__flags.0"] = { "__flags.0", "positional" }, ["__flags.1"] = { "__flags.1", "positional" },
                      ["__flags.2"] = { "__flags.2", "positional" } }, got)
  end)
end)
