-- The evidence the default policy pairs same-named statics by, one piece at
-- a time: each spec says what the default pairs, checked against what the
-- code itself references (read with binutils), and what goes wrong once the
-- default policy drops that piece, so that none of it can go unnoticed.
local C = require "helpers.correlation"
local fixtures = require "helpers.fixtures"
local klp = require "klp"
local refs = require "helpers.refs"

-- Correlates a built pair; returns a function twin(orig symtab index) ->
-- patched symtab index or nil, and the evidence of each orig index.
local function correlate(o, p, policy)
  local res = assert(klp.correlate(assert(klp.open(o)), assert(klp.open(p)), policy))
  local twin, evidence = {}, {}
  for a, b, _, ev in res:pairs() do
    twin[a.index] = b.index
    evidence[a.index] = ev
  end
  return twin, evidence, res
end

describe("a distribution module's statics (no FILE symbols, no -ffunction-sections, link order reversed)", function()
  local o, p = fixtures.pair("distro_module", "gcc")
  local ro, rp = refs.read(o), refs.read(p)

  -- Every (user, static name, rank) whose orig static must pair with the
  -- patched one the same user references at that rank.
  local USES = {
    { "a_lookup", "jhash", 1, 1 }, { "b_lookup", "jhash", 1, 1 },
    { "a_ops", "wave_read_regs", 1, 1 }, { "b_ops", "wave_read_regs", 1, 1 },
    { "a_ops", "wave_write", 1, 1 }, { "b_ops", "wave_write", 1, 1 },
    -- a_tocks now comes first: gcc's numbers of their statics swapped.
    { "a_ticks", "seen.3", 1, 1, "seen.2" }, { "a_tocks", "seen.2", 1, 1, "seen.3" },
    { "b_ticks", "seen.0", 1, 1 },
    { "a_scan", "slot.0", 1, 2, "slot.1" }, { "a_scan", "slot.1", 1, 1, "slot.0" },
    -- a_tab gains a first literal: each old one moves up a place.
    { "a_tab", "__compound_literal.0", 1, 1, "__compound_literal.1" },
    { "a_tab", "__compound_literal.1", 1, 1, "__compound_literal.2" },
    { "a_tab", "__compound_literal.2", 1, 1, "__compound_literal.3" },
    { "b_tab", "__compound_literal.0", 1, 1 }, { "b_tab", "__compound_literal.1", 1, 1 },
  }

  -- The orig static and the patched static that must be its twin.
  local function expected(use)
    local user, name, rank, prank, pname = use[1], use[2], use[3], use[4], use[5]
    return refs.used(ro, user, name)[rank], refs.used(rp, user, pname or name)[prank]
  end

  -- dump_state is used by nothing: it is told by the count it reads.
  local function dump_state(r, count)
    for i, s in pairs(r.symbols) do
      if s.name == "dump_state" then
        for _, t in ipairs(r.refs[i] or {}) do
          if r.symbols[t].name == count then return i end
        end
      end
    end
  end

  it("pairs each static with the twin its own users use, none by position", function()
    local twin, evidence, res = correlate(o, p)
    for _, use in ipairs(USES) do
      local a, b = expected(use)
      assert.is_not_nil(a, use[1] .. " " .. use[2])
      assert.are.equal(b, twin[a], ("%s's %s"):format(use[1], use[2]))
    end
    for _, count in ipairs { "a_count", "b_count" } do
      assert.are.equal(dump_state(rp, count), twin[dump_state(ro, count)], "dump_state reading " .. count)
      assert.are.equal("layout", evidence[dump_state(ro, count)])
    end
    assert.are.equal(0, res:summary().positional)
    assert.are.equal(0, res:summary().ambiguous)
    -- The renamed helper is gone from both TUs, and its callers changed.
    assert.is_nil(twin[refs.used(ro, "a_len", "clamp_len")[1]])
    assert.is_nil(twin[refs.used(ro, "b_len", "clamp_len")[1]])
  end)

  it("without layout, position pairs the dump_state of one TU with the other's", function()
    local twin, evidence = correlate(o, p, C.without("layout"))
    local a = dump_state(ro, "a_count")
    assert.are.equal(dump_state(rp, "b_count"), twin[a])
    assert.are.equal("positional", evidence[a])
  end)

  it("without use, the renumbered seen of a_ticks pairs with a_tocks's", function()
    local twin = correlate(o, p, C.without("use"))
    local a = refs.used(ro, "a_ticks", "seen.3")[1]
    assert.are.equal(refs.used(rp, "a_tocks", "seen.3")[1], twin[a])
  end)

  it("without size, use pairs a_scan's slots by first use, which swapped", function()
    local twin, evidence = correlate(o, p, C.without("size"))
    local a = refs.used(ro, "a_scan", "slot.0")[1]
    assert.are.equal(refs.used(rp, "a_scan", "slot.0")[1], twin[a])
    assert.are.equal("use", evidence[a])
  end)

  it("without the numbered guard, a literal pairs by name with the new one that took its number", function()
    local twin = correlate(o, p, C.without("numbered_guard"))
    local a = refs.used(ro, "a_tab", "__compound_literal.0")[1]
    assert.are.equal(refs.used(rp, "a_tab", "__compound_literal.0")[1], twin[a])
  end)

  it("without digests, a_tab's literals no longer pair", function()
    local twin = correlate(o, p, C.without("digest"))
    local a = refs.used(ro, "a_tab", "__compound_literal.1")[1]
    assert.are_not.equal(refs.used(rp, "a_tab", "__compound_literal.2")[1], twin[a])
  end)
end)

describe("ThinLTO statics of one name in two TUs, linked in another order", function()
  local o, p = fixtures.pair("thinlto_tu_swapped", "clang")

  -- orig name -> patched name of every pair, and orig name -> evidence.
  local function names(policy)
    local res = assert(klp.correlate(assert(klp.open(o)), assert(klp.open(p)), policy))
    local to, evidence = {}, {}
    for a, b, _, ev in res:pairs() do
      to[a.name] = b.name
      evidence[a.name] = ev
    end
    return to, evidence
  end

  -- For each orig foo.llvm.H: the patched TU suffix its twin has, and the
  -- one the twin of its TU's other static (a_only or c_only.llvm.H) has.
  local function suffixes(to)
    local out = {}
    for name, twin in pairs(to) do
      local tu = name:match("^foo(%.llvm%.%d+)$")
      if tu then
        local other = to["a_only" .. tu] or to["c_only" .. tu]
        out[#out + 1] = { twin:match("%.llvm%.%d+$"), other:match("%.llvm%.%d+$") }
      end
    end
    return out
  end

  it("pairs each foo into the TU its TU's other static pairs into (the TU map)", function()
    local to, evidence = names()
    local pairs_ = suffixes(to)
    assert.are.equal(2, #pairs_)
    for _, s in ipairs(pairs_) do assert.are.equal(s[2], s[1]) end
    for name, ev in pairs(evidence) do
      if name:match("^foo%.") then assert.are.equal("tu", ev) end
    end
  end)

  it("without the TU map, position pairs each foo with the other TU's", function()
    local to, evidence = names(C.without("tu"))
    for _, s in ipairs(suffixes(to)) do assert.are_not.equal(s[2], s[1]) end
    for name, ev in pairs(evidence) do
      if name:match("^foo%.") then assert.are.equal("positional", ev) end
    end
  end)
end)

describe("same-named statics used only through ops tables (one section, no FILE symbols, other link order)", function()
  local o, p = fixtures.pair("ops_tables", "gcc")
  local ro, rp = refs.read(o), refs.read(p)

  it("pair by the tables that point at them, not by position", function()
    local twin, evidence = correlate(o, p)
    for _, table_name in ipairs { "a_ops", "b_ops" } do
      local a = refs.used(ro, table_name, "wave_read_regs")[1]
      assert.are.equal(refs.used(rp, table_name, "wave_read_regs")[1], twin[a], table_name)
      assert.are.equal("use", evidence[a])
    end
  end)

  it("without use, position pairs a's with b's", function()
    local twin = correlate(o, p, C.without("use"))
    local a = refs.used(ro, "a_ops", "wave_read_regs")[1]
    assert.are.equal(refs.used(rp, "b_ops", "wave_read_regs")[1], twin[a])
  end)
end)
