-- The default policy on real compiler output: one block per correlation rule.
-- Every expectation here is the correct twin as established from the fixture
-- sources (tests/fixtures/CASES.md), not whatever klp happened to print.
local C = require "helpers.correlation"
local fixtures = require "helpers.fixtures"

local function twin(r, from)
  local p = r.pairs[from]
  return p and p.to, p and p.rule, p and p.evidence
end

describe("FILE symbols scope statics to their translation unit", function()
  for _, tc in ipairs(fixtures.toolchains("two_files_statics")) do
    it("pairs a.c's helper with a.c's and b.c's with b.c's (" .. tc .. ")", function()
      local r = C.fixture("two_files_statics", tc)
      assert.are.equal("helper@a.c", (twin(r, "helper@a.c")))
      assert.are.equal("helper@b.c", (twin(r, "helper@b.c")))
      assert.are.equal("state@a.c", (twin(r, "state@a.c")))
      assert.are.equal("state@b.c", (twin(r, "state@b.c")))
      assert.are.equal(0, r.summary.orig_only + r.summary.patched_only + r.summary.ambiguous)
    end)
  end

  for _, tc in ipairs(fixtures.toolchains("file_list")) do
    it("aligns FILE lists that differ and reports the difference (" .. tc .. ")", function()
      local r = C.fixture("file_list", tc)
      local files = r.result:files()
      assert.are.equal(1, #files.orig_only)
      assert.are.equal("b.c", r.result.orig:symbol(files.orig_only[1]).name)
      assert.are.equal(1, #files.patched_only)
      assert.are.equal("d.c", r.result.patched:symbol(files.patched_only[1]).name)
      assert.are.equal("helper@a.c", (twin(r, "helper@a.c")))
      assert.are.equal("helper@c.c", (twin(r, "helper@c.c")))
      assert.is_true(r.orig_only["helper@b.c"])
      assert.is_true(r.patched_only["helper@d.c"])
      assert.is_true(r.orig_only["b_entry"])
      assert.is_true(r.patched_only["d_entry"])
    end)
  end

  it("correlates an object without any FILE symbol", function()
    local r = C.fixture("no_file_symbols", "gcc")
    assert.are.equal(0, #r.result.orig:files())
    assert.are.equal(8, r.summary.pairs)
    assert.are.equal(0, r.summary.orig_only + r.summary.patched_only + r.summary.ambiguous)
  end)
end)

describe("ThinLTO promoted statics", function()
  it("pair across a TU hash change, and an unchanged TU keeps its exact names", function()
    local r = C.fixture("thinlto_hash", "clang")
    for _, name in ipairs { "alpha", "beta", "a_state" } do
      local from = C.find(r.pairs, "^" .. name .. "%.llvm%.%d+$")
      local to, rule = twin(r, from)
      assert.matches("^" .. name .. "%.llvm%.%d+$", to)
      assert.are_not.equal(from, to)
      assert.are.equal("suffix", rule)
    end
    -- c.c did not change: its foo keeps its hash and pairs by exact name,
    -- leaving a.c's foo to pair with a.c's new foo.
    local exact = 0
    for from, p in pairs(r.pairs) do
      if from:match("^foo%.llvm%.") then
        if p.rule == "exact" then exact = exact + 1; assert.are.equal(from, p.to)
        else assert.are_not.equal(from, p.to) end
      end
    end
    assert.are.equal(1, exact)
    assert.are.equal(0, r.summary.orig_only + r.summary.patched_only + r.summary.ambiguous)
  end)

  it("tell same-named promoted statics of two changed TUs apart by the TU hash map", function()
    local r = C.fixture("thinlto_tu_map", "clang")
    local a_from = C.find(r.pairs, "^a_only%.llvm%.%d+$")
    local a_to = twin(r, a_from)
    local a_hash_orig, a_hash_patched = a_from:match("(%d+)$"), a_to:match("(%d+)$")
    local seen = 0
    for from, p in pairs(r.pairs) do
      if from:match("^foo%.llvm%.") then
        seen = seen + 1
        assert.are.equal("tu", p.evidence)
        -- a.c's foo goes to a.c's new hash, c.c's foo to c.c's.
        assert.are.equal(from:match("(%d+)$") == a_hash_orig, p.to:match("(%d+)$") == a_hash_patched)
      end
    end
    assert.are.equal(2, seen)
    assert.are.equal(0, r.summary.ambiguous)
  end)

  it("pair local <-> global in both directions, with and without suffix (LLVM 23)", function()
    local r = C.fixture("promotion", "clang")
    local to, rule = twin(r, "foo@a.c")
    assert.matches("^foo%.llvm%.%d+$", to)
    assert.are.equal("promotion", rule)
    to, rule = twin(r, "baz@a.c")
    assert.are.same({ "baz", "promotion" }, { to, rule })
    to, rule = twin(r, "qux")
    assert.are.same({ "qux@a.c", "demotion" }, { to, rule })
    to, rule = twin(r, C.find(r.pairs, "^quux%.llvm%.%d+$"))
    assert.are.same({ "quux@a.c", "demotion" }, { to, rule })
    to, rule = twin(r, C.find(r.pairs, "^bar%.llvm%.%d+$"))
    assert.are.same({ "bar", "suffix" }, { to, rule })
    assert.are.equal(0, r.summary.orig_only + r.summary.patched_only + r.summary.ambiguous)
  end)
end)

describe("renumbered statics", function()
  it("pair by use when GCC's per-TU counter shifted every number", function()
    local r = C.fixture("renumbered_statics", "gcc")
    -- count.5 exists on both sides but names different variables.
    -- Each function's count pairs through the function that uses it.
    assert.are.same({ "count.7@r.c", "use", "use" }, { twin(r, "count.5@r.c") })
    assert.are.same({ "count.5@r.c", "use", "use" }, { twin(r, "count.3@r.c") })
    assert.are.same({ "count.2@r.c", "use", "use" }, { twin(r, "count.0@r.c") })
    for _, new in ipairs { "seen.9@r.c", "calls.10@r.c", "last.1@r.c", "prev.0@r.c", "f_new", "f_tail" } do
      assert.is_true(r.patched_only[new], new)
    end
    assert.are.equal(0, r.summary.orig_only + r.summary.ambiguous)
  end)

  it("keep clang's func.var names exact", function()
    local r = C.fixture("renumbered_statics", "clang")
    for _, name in ipairs { "f_one.count@r.c", "f_two.count@r.c", "f_three.count@r.c" } do
      local to, rule = twin(r, name)
      assert.are.same({ name, "exact" }, { to, rule })
    end
  end)

  for _, tc in ipairs(fixtures.toolchains("unique_id")) do
    it("pair nested __UNIQUE_ID_ names whose counters all moved (" .. tc .. ")", function()
      local r = C.fixture("unique_id", tc)
      local expect = {
        ["__UNIQUE_ID_ddebug_10@u.c"] = "__UNIQUE_ID_ddebug_11@u.c",
        ["__UNIQUE_ID_ddebug_13@u.c"] = "__UNIQUE_ID_ddebug_14@u.c",
        ["__UNIQUE_ID_foo_11@u.c"] = "__UNIQUE_ID_foo_12@u.c",
        ["__UNIQUE_ID_addressable___UNIQUE_ID_foo_11_12@u.c"] = "__UNIQUE_ID_addressable___UNIQUE_ID_foo_12_13@u.c",
      }
      for from, to in pairs(expect) do assert.are.equal(to, (twin(r, from)), from) end
      assert.is_true(r.patched_only["__UNIQUE_ID_quirk_8@u.c"])
      assert.are.equal(1, r.summary.patched_only)
      assert.are.equal(0, r.summary.orig_only + r.summary.ambiguous)
      -- .modinfo entries are excluded by default.
      assert.is_nil(r.pairs["__UNIQUE_ID_modinfo8@u.c"])
      assert.is_nil(r.orig_only["__UNIQUE_ID_modinfo8@u.c"])
    end)

    it("tell renumbered .modinfo entries apart by content when a policy keeps them (" .. tc .. ")", function()
      -- modinfo9 is on both sides but is "author=klp" in orig, "license=GPL" in patched.
      local r = C.fixture("unique_id", tc, { exclude = { replace = true, abs = true } })
      assert.are.same({ to = "__UNIQUE_ID_modinfo9@u.c", rule = "suffix", evidence = "digest" },
        r.pairs["__UNIQUE_ID_modinfo8@u.c"])
      assert.are.same({ to = "__UNIQUE_ID_modinfo10@u.c", rule = "suffix", evidence = "digest" },
        r.pairs["__UNIQUE_ID_modinfo9@u.c"])
    end)
  end

  it("pair an unchanged name exactly before any key matching (f.__msg vs f.__msg.N)", function()
    local r = C.fixture("clang_msg_grows", "clang")
    local to, rule = twin(r, "f.__msg@m.c")
    assert.are.same({ "f.__msg@m.c", "exact" }, { to, rule })
    -- f.__msg.1's group grew (2 -> 3); its text ("f: bbb") tells it apart.
    assert.are.same({ "f.__msg.1@m.c", "suffix", "digest" }, { twin(r, "f.__msg.1@m.c") })
    assert.are.same({ ["f.__msg.2@m.c"] = true }, r.patched_only)
  end)
end)

describe("GCC clones", function()
  it("pair clones by kind and report a clone kind that appears or disappears", function()
    local r = C.fixture("gcc_clones", "gcc")
    for _, name in ipairs { "sum_b.isra.0@c.c", "scale.constprop.0@c.c", "scale.constprop.1@c.c",
                            "lookup.part.0@c.c", "check.cold@c.c" } do
      assert.are.equal(name, (twin(r, name)), name)
    end
    assert.are.same({ ["mix@c.c"] = "mix.constprop.0@c.c", ["peek.isra.0@c.c"] = "peek@c.c" }, r.clones)
    assert.is_nil(r.pairs["mix@c.c"])
    assert.is_nil(r.pairs["peek.isra.0@c.c"])
    assert.is_true(r.orig_only["mix@c.c"])
    assert.is_true(r.patched_only["mix.constprop.0@c.c"])
  end)
end)

describe("added and removed", function()
  for _, tc in ipairs(fixtures.toolchains("added_removed")) do
    it("lists exactly the removed and the added symbols (" .. tc .. ")", function()
      local r = C.fixture("added_removed", tc)
      assert.are.same({ ["old_fn"] = true, ["old_table@a.c"] = true }, r.orig_only)
      assert.are.same({ ["new_fn"] = true, ["new_table@a.c"] = true }, r.patched_only)
    end)
  end
end)

describe("statics by use", function()
  it("pair each function's static through the function, in a 2-vs-3 group", function()
    local r = C.fixture("ambiguous", "gcc")
    -- gcc numbers in reverse: fa's counter is counter.1 in orig, counter.2 in patched.
    assert.are.same({ "counter.2@r.c", "use", "use" }, { twin(r, "counter.1@r.c") })
    assert.are.same({ "counter.1@r.c", "use", "use" }, { twin(r, "counter.0@r.c") })
    assert.are.same({ ["counter.0@r.c"] = true, fc = true }, r.patched_only)
    assert.are.equal(0, r.summary.ambiguous)
  end)
end)

describe("ambiguity", function()
  it("leaves a 2-vs-3 group unpaired and lists every candidate", function()
    local r = C.fixture("ambiguous_unused", "gcc")
    local all = { "counter.0@r.c", "counter.1@r.c", "counter.2@r.c" }
    assert.are.same(all, r.ambiguous["orig:counter.0@r.c"])
    assert.are.same(all, r.ambiguous["orig:counter.1@r.c"])
    assert.are.same({ "counter.0@r.c", "counter.1@r.c" }, r.ambiguous["patched:counter.2@r.c"])
    assert.are.equal(5, r.summary.ambiguous)
    for from in pairs(r.pairs) do assert.is_nil(from:match("^counter")) end
  end)
end)

describe("never correlated", function()
  it("excludes compiler-made statics, .L labels and prefix symbols, counting them", function()
    local r = C.fixture("renumbered_statics", "gcc")
    for label in pairs(r.pairs) do
      assert.is_nil(label:match("^__warned") or label:match("^__key") or label:match("^%.L"), label)
    end
    for label in pairs(r.patched_only) do assert.is_nil(label:match("^__warned") or label:match("^__key")) end
    local s = r.summary
    -- FILE, SECTION, __warned.N, __key.N and .LCn are all in the counts.
    local function excluded(elf)
      local n = 0
      for sym in elf:symbols() do
        if sym.type == "file" or sym.type == "section" or sym.name:match("^__warned%.")
          or sym.name:match("^__key%.") or sym.name:match("^%.L") then n = n + 1 end
      end
      return n
    end
    assert.are.equal(excluded(r.result.orig), s.excluded_orig)
    assert.are.equal(excluded(r.result.patched), s.excluded_patched)
  end)
end)
