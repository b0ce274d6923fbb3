-- The Lua API: ELF handles, symbols, correlation results, and misuse.
local fixtures = require "helpers.fixtures"
local klp = require "klp"

local orig_path, patched_path = fixtures.pair("two_files_statics", "gcc")

describe("klp.open", function()
  it("describes the file and iterates its sections and symbols", function()
    local elf = assert(klp.open(orig_path))
    local info = elf:info()
    assert.are.same({ orig_path, 64, "x86_64", "rel", "little" },
      { info.path, info.class, info.machine, info.type, info.endian })
    assert.are.equal(info.symbols, #elf)
    local helpers, files = {}, {}
    for sym in elf:symbols() do
      if sym.name == "helper" then helpers[#helpers + 1] = sym end
      if sym.type == "file" then files[#files + 1] = sym.name end
    end
    assert.are.same({ "a.c", "b.c" }, files)
    assert.are.equal(2, #helpers)
    local h = helpers[1]
    assert.are.same({ "func", "local", "default", "a.c" }, { h.type, h.bind, h.visibility, h.file })
    assert.are.equal(elf:symbol(h.file_index).name, "a.c")
    assert.is_true(h.defined)
    assert.is_true(h.size > 0)
    local sec = elf:section(h.shndx)
    assert.are.equal(h.section, sec.name)
    assert.matches("^%.text", sec.name)
    assert.are.equal(elf:symbol(h.index), h)
    assert.are.equal(2, #elf:files())
  end)

  it("returns nil and a message naming the file for missing or non-ELF input", function()
    local e, msg = klp.open("/nonexistent/x.o")
    assert.is_nil(e)
    assert.matches("^/nonexistent/x%.o: No such file or directory$", msg)
    e, msg = klp.open("tests/fixtures/build.sh")
    assert.is_nil(e)
    assert.are.equal("tests/fixtures/build.sh: not an ELF file", msg)
  end)

  it("keeps an ELF alive while a symbol of it lives", function()
    local sym = assert(klp.open(orig_path)):symbol(1)
    collectgarbage()
    collectgarbage()
    assert.is_string(sym.name)
    assert.is_string(sym.elf:info().path)
  end)

  it("fails cleanly on a closed ELF and on bad indices", function()
    local elf = assert(klp.open(orig_path))
    local sym = elf:symbol(1)
    assert.error_matches(function() return elf:symbol(#elf) end, "symbol index out of range")
    assert.has_error(function() return elf:section(-1) end)
    elf:close()
    elf:close()
    assert.error_matches(function() return elf:info() end, "ELF file is closed")
    assert.has_error(function() return sym.name end)
    assert.matches("closed", tostring(elf))
    do
      local scoped <close> = assert(klp.open(orig_path))
      assert.is_string(scoped:info().path)
    end
  end)
end)

describe("klp.correlate", function()
  local orig, patched, res

  before_each(function()
    orig, patched = assert(klp.open(orig_path)), assert(klp.open(patched_path))
    res = assert(klp.correlate(orig, patched))
  end)

  it("finds twins both ways with the rule that made them", function()
    local helper
    for sym in orig:symbols() do
      if sym.name == "helper" and sym.file == "b.c" then helper = sym end
    end
    local twin, rule, evidence = res:twin(helper)
    assert.are.same({ "helper", "b.c", "exact", "unique" }, { twin.name, twin.file, rule, evidence })
    local back = res:twin(twin)
    assert.are.equal(helper, back)
    assert.are.equal("helper", (res:key(helper)))
  end)

  it("walks every pair, and the counts agree with the lists", function()
    local n = 0
    for o, p, rule in res:pairs() do
      n = n + 1
      assert.are.equal(o.name, p.name)
      assert.are.equal("exact", rule)
    end
    local s = res:summary()
    assert.are.equal(s.pairs, n)
    assert.are.equal(s.orig_only, #res:orig_only())
    assert.are.equal(s.patched_only, #res:patched_only())
    assert.are.same({}, res:failures())
  end)

  it("refuses a symbol of another ELF and objects of different machines", function()
    local other = assert(klp.open(orig_path))
    assert.has_error(function() res:twin(other:symbol(1)) end,
      "symbol belongs to neither ELF file of this result")
  end)

  it("fails cleanly once an ELF of the result is closed", function()
    orig:close()
    assert.has_error(function() res:summary() end)
    assert.has_error(function() res.correlator:twin("orig", 1) end)
  end)

  it("runs a custom Lua pass through the correlator's primitives", function()
    local o2, p2 = fixtures.pair("gcc_clones", "gcc")
    local a, b = assert(klp.open(o2)), assert(klp.open(p2))
    -- A team's pass: pair each clone change as one function (foo <-> foo.isra.0).
    local policy = {
      name = "clones-paired",
      passes = {
        { rule = "exact", key = "name", file = "same" },
        { rule = "clone", run = function(c)
            local made = 0
            for _, cc in ipairs(c:clone_changes()) do
              if c:pair(cc.orig, cc.patched, "clone") then made = made + 1 end
            end
            return made
          end },
      },
    }
    local r = assert(klp.correlate(a, b, policy))
    local rules = {}
    for o, p, rule in r:pairs(true) do rules[o.name .. "->" .. p.name] = rule end
    assert.are.same({ ["mix->mix.constprop.0"] = "clone", ["peek.isra.0->peek"] = "clone" }, rules)
    assert.are.equal(0, #r:clone_changes())
  end)

  it("rejects mismatched objects and unknown policies with messages", function()
    local r, err = klp.correlate(orig, patched, "nosuch")
    assert.is_nil(r)
    assert.matches("unknown policy 'nosuch'", err)
    r, err = klp.correlate(orig, patched, { passes = {}, bogus = true })
    assert.is_nil(r)
    assert.matches("unknown field 'bogus' in policy", err)
  end)

  it("raises on misuse of the correlator", function()
    local c = res.correlator
    assert.has_error(function() c:twin("left", 1) end)
    assert.has_error(function() c:twin("orig", 1e9) end)
    assert.has_error(function() c:run { rule = "x", key = "nope" } end)
    assert.has_error(function() c:run { rule = "x", refine = { "colour" } } end)
    assert.has_error(function() c:exclude { types = { "blob" } } end)
    local ok, why = c:pair(1, 1, "x")
    assert.is_nil(ok)
    assert.is_string(why)
  end)
end)
