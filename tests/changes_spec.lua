-- What changed: the lists a live patch is built from (tests/fixtures/CHANGES.md).
local cjson = require "cjson"
local B = require "helpers.build"
local C = require "helpers.correlation"
local cli = require "helpers.cli"
local fixtures = require "helpers.fixtures"

-- {changed_functions = {names}, new_functions = ..., removed_functions = ...,
--  changed_data = ..., line_functions = ..., line_data = ...}, names sorted,
-- and the result.
local function changes(case, tc, policy)
  local r = C.fixture(case, tc, policy)
  local out = {}
  for kind, rows in pairs(r.result:changes()) do
    local names = {}
    for i, row in ipairs(rows) do names[i] = row.name end
    table.sort(names)
    out[kind] = names
  end
  return out, r
end

local function expect(case, want)
  for _, tc in ipairs(fixtures.toolchains(case)) do
    it(("%s (%s)"):format(case, tc), function()
      local got = changes(case, tc)
      local w = type(want) == "function" and want(tc) or want
      assert.are.same({
        changed_functions = w.changed or {}, line_functions = w.line or {}, new_functions = w.new or {},
        removed_functions = w.removed or {}, changed_data = w.data or {}, line_data = w.line_data or {},
      }, got)
    end)
  end
end

describe("the live-patch lists", function()
  expect("chg_function", { changed = { "compute" } })
  -- inner_calc is fully inlined: only its caller changes.
  expect("chg_inlined_callee", { changed = { "outer" } })
  -- user's code is byte-identical; only its call target changed.
  expect("chg_added_removed", { changed = { "user" }, new = { "new_api" }, removed = { "old_api" } })
  -- Only the text of a literal changed: seen through the relocation's target.
  expect("chg_string", { changed = { "greet" } })
  expect("chg_data", { data = { "table" } })
  -- The hot part of f is identical; its .cold child changed, folded into f.
  expect("chg_cold", { changed = { "f" } })
  -- Every .llvm. hash (clang) or static number (gcc) moved; only delta changed.
  expect("chg_churn_only", function(tc)
    return { changed = { tc == "clang" and "delta.llvm.1464096232990084817" or "delta" }, new = { "f_tail" } }
  end)
  -- gcc's limit.0/limit.1 trade owners: content, not names or position, pairs them.
  expect("chg_swapped_statics", {})
  -- The build note and the BTF ids differ on every build; only limits changed.
  expect("chg_build_noise", { data = { "limits" } })
end)

describe("pair status", function()
  it("marks every pair same or changed in JSON", function()
    local o, p = fixtures.pair("chg_function", "gcc")
    local doc = cjson.decode(cli.run({ "--format", "json", o, p }).stdout)
    local status = {}
    for _, pair in ipairs(doc.pairs) do status[pair.orig_name] = pair.status end
    assert.are.equal("changed", status.compute)
    assert.are.equal("same", status.stable)
    assert.are.same({ { orig = doc.changes.changed_functions[1].orig, patched = doc.changes.changed_functions[1].patched,
      name = "compute", sympos = 0 } }, doc.changes.changed_functions)
    assert.are.same({}, doc.changes.new_functions)
    assert.is_true(doc.changes.compared)
  end)

  it("compares linked images without relocations by address, and says so", function()
    local dir = "build/changes"
    local o, p = fixtures.pair("chg_function", "gcc")
    local images = {}
    for side, obj in pairs { orig = o, patched = p } do
      images[side] = B.build(dir, ("%s/%s.elf"):format(dir, side), { obj },
        "ld.lld-19 --unresolved-symbols=ignore-all -e compute -o $OUT " .. obj)
    end
    local r = cli.run { images.orig, images.patched }
    assert.matches("\n  changed  compute  sympos 0\n", r.stdout)
    assert.matches("\n  caveat: read by address %([^\n]*orig%.elf, [^\n]*patched%.elf: a linked image without "
      .. "relocations%)", r.stdout)
    local doc = cjson.decode(cli.run({ "--format", "json", images.orig, images.patched }).stdout)
    assert.is_true(doc.changes.compared)
    assert.matches("^read by address", doc.changes.caveats[1])
    local status = {}
    for _, pair in ipairs(doc.pairs) do status[pair.orig_name] = pair.status end
    assert.are.equal("changed", status.compute)
    assert.are.equal("same", status.stable)
  end)
end)

describe("sympos", function()
  it("is the position among same-named symbols in the orig object, 0 when unique", function()
    local got, r = changes("two_files_statics", "gcc")
    assert.are.same({ "helper" }, got.changed_functions)
    local row = r.result:changes().changed_functions[1]
    assert.are.equal("a.c", row.orig.file)
    assert.are.equal(1, row.sympos)
    assert.matches("changed  helper  sympos 1", cli.run({ fixtures.pair("two_files_statics", "gcc") }).stdout)
  end)

  it("follows kallsyms (address) order in the linked image given with --vmlinux", function()
    local o, p = fixtures.pair("two_files_statics", "gcc")
    -- The image links b.c first, so b.c's helper comes first in kallsyms,
    -- while orig.o lists a.c's first.
    local image = B.two_files_image_b_first()
    local r = cli.run { "--vmlinux", image, o, p }
    assert.are.equal(0, r.status, r.stderr)
    assert.matches("sympos from kallsyms order of " .. image:gsub("%p", "%%%0"), r.stdout)
    -- Expected rank: a.c's helper among the image's helpers by address.
    local klp = require "klp"
    local img = assert(klp.open(image))
    local helpers = {}
    for s in img:symbols() do if s.name == "helper" then helpers[#helpers + 1] = s end end
    table.sort(helpers, function(x, y) return x.value < y.value end)
    local rank
    for i, s in ipairs(helpers) do if s.file == "a.c" then rank = i end end
    assert.are.equal(2, #helpers)
    assert.are.equal(2, rank)
    assert.matches("changed  helper  sympos 2", r.stdout)
  end)
end)

describe("correlator:parent", function()
  -- {child name -> parent name or false} for the named symbols of both sides.
  local function parents(case, policy, names)
    local r = C.fixture(case, "gcc", policy).result
    local out = {}
    for _, side in ipairs { "orig", "patched" } do
      local elf = r[side]
      for _, name in ipairs(names) do
        for _, sym in ipairs(r:named(side, name)) do
          if sym.name == name then
            local i = r.correlator:parent(side, sym.index)
            out[side .. ":" .. name] = i and elf:symbol(i).name or false
          end
        end
      end
    end
    return out
  end

  it("gives a .cold child's function, on both sides, with the default policy", function()
    assert.are.same({
      ["orig:f.cold"] = "f", ["orig:g.cold"] = "g", ["orig:f"] = false,
      ["patched:f.cold"] = "f", ["patched:g.cold"] = "g", ["patched:f"] = false,
    }, parents("chg_cold", nil, { "f.cold", "g.cold", "f" }))
    -- lookup is inlined everywhere: its .part clone has no function to belong to.
    assert.are.same({
      ["orig:check.cold"] = "check", ["orig:lookup.part.0"] = false,
      ["patched:check.cold"] = "check", ["patched:lookup.part.0"] = false,
    }, parents("gcc_clones", nil, { "check.cold", "lookup.part.0" }))
  end)

  it("follows the policy's children", function()
    local none = { ["orig:f.cold"] = false, ["patched:f.cold"] = false }
    assert.are.same(none, parents("chg_cold", { children = {} }, { "f.cold" }))
    assert.are.same(none, parents("chg_cold", { children = { "part" } }, { "f.cold" }))
    -- Without the link, f.cold is a changed function of its own and f is the same.
    local got = changes("chg_cold", "gcc", { children = {} })
    assert.are.same({ "f.cold" }, got.changed_functions)
  end)
end)

describe("objects built without -ffunction-sections", function()
  -- first() calls last() across middle(), which grows: with every function in
  -- one .text, the assembler resolves that call without a relocation.
  -- (-fno-ipa-ra: entry's registers must not follow middle's.)
  local function side(extra)
    return ([[
static __attribute__((noinline)) int last(int x) { return x * 7; }
__attribute__((noinline)) int first(int x) { return last(x) + 1; }
__attribute__((noinline)) int middle(int x) { return x %s; }
int entry(int x) { return first(x) + middle(x) + last(x); }
]]):format(extra)
  end
  local function object(name, text)
    local src = B.write("build/caveat/" .. name .. ".c", text)
    return B.build("build/caveat", "build/caveat/" .. name .. ".o", { src },
      "gcc -O2 -fno-ipa-ra -fno-asynchronous-unwind-tables -c " .. cli.quote(src) .. " -o $OUT")
  end

  it("report only the function that changed: a call whose target moved is decoded", function()
    local o, p = object("orig", side("+ 1")), object("patched", side("* x * x + x / 3 - (x >> 2)"))
    local r = cli.run { "--format", "json", o, p }
    assert.are.equal(0, r.status, r.stderr)
    local doc = cjson.decode(r.stdout)
    assert.are.same({}, doc.changes.caveats)
    local changed = {}
    for i, row in ipairs(doc.changes.changed_functions) do changed[i] = row.name end
    assert.are.same({ "middle" }, changed)
    local status = {}
    for _, pair in ipairs(doc.pairs) do status[pair.orig_name] = pair.status end
    -- first's call to last moved with everything after middle: the bytes differ, the code does not.
    assert.are.same({ first = "same", middle = "changed", entry = "same" },
      { first = status.first, middle = status.middle, entry = status.entry })
  end)

  it("are told apart from objects built with it, which carry none", function()
    local r = cli.run { "--format", "json", fixtures.pair("chg_function", "gcc") }
    assert.are.same({}, cjson.decode(r.stdout).changes.caveats)
    assert.is_nil(cli.run({ fixtures.pair("chg_function", "gcc") }).stdout:find("caveat", 1, true))
  end)
end)
