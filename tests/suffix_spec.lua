-- LPeg suffix rules: the key each kind of compiler-made name gets.
local suffix = require "klp.suffix"

local keyer = suffix.compile()

-- key, base, tu, numbered, excluded with nil key/base spelled out.
local function key(name)
  local r = keyer.key(name) or {}
  return { r.key or name, r.base or r.key or name, r.tu or false, r.numbered or false, r.excluded or false }
end

describe("default suffix rules", function()
  it("drop .llvm.<hash> and keep what follows", function()
    assert.are.same({ "foo", "foo", "123", false, false }, key "foo.llvm.123")
    assert.are.same({ "foo.cold", "foo", "123", false, false }, key "foo.llvm.123.cold")
    assert.are.same({ "foo", "foo", "77", true, false }, key "foo.5.llvm.77")
  end)

  it("keep clone kinds without their numbers", function()
    assert.are.same({ "foo.isra", "foo", false, true, false }, key "foo.isra.0")
    assert.are.same({ "foo.constprop.isra", "foo", false, true, false }, key "foo.constprop.0.isra.1")
    assert.are.same({ "x.part.cold", "x", false, true, false }, key "x.part.1.cold")
    assert.are.same({ "f.lto_priv", "f", false, true, false }, key "f.lto_priv.0")
    assert.are.same({ "g.localalias", "g", false, false, false }, key "g.localalias")
  end)

  it("strip static counters", function()
    assert.are.same({ "count", "count", false, true, false }, key "count.3")
    assert.are.same({ "f.__msg", "f.__msg", false, true, false }, key "f.__msg.5")
    assert.are.same({ "f.__msg", "f.__msg", false, false, false }, key "f.__msg")
  end)

  it("strip nested __UNIQUE_ID_ counters, with and without _", function()
    assert.are.equal("__UNIQUE_ID_ddebug", key("__UNIQUE_ID_ddebug123")[1])
    assert.are.equal("__UNIQUE_ID_ddebug", key("__UNIQUE_ID_ddebug_123")[1])
    assert.are.equal("__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar",
      key("__UNIQUE_ID_addressable___UNIQUE_ID_pci_invalid_bar_694_695")[1])
    assert.is_true(key("__UNIQUE_ID_modinfo9")[4])
  end)

  it("strip the counter of BTF_ID names", function()
    assert.are.equal("__BTF_ID__struct__sock", key("__BTF_ID__struct__sock__147911609")[1])
    assert.are.equal("__BTF_ID__struct__sock", key("__BTF_ID__struct__sock__147911620")[1])
    assert.are.same({ "__UNIQUE_ID_", "__BTF_ID__" }, keyer.triggers.prefixes)
  end)

  it("exclude compiler-made statics, GCC and clang style, but not plain names", function()
    for _, n in ipairs { "__key.12", "__warned.4", "CSWTCH.55", "descriptor.3", "_rs.1", "f.__key",
                         "f.__already_done.2", "func.__func__", "__PRETTY_FUNCTION__.7" } do
      assert.is_true(key(n)[5], n)
    end
    -- A name that starts like a shorter one of the list (_entry) is still found.
    for _, n in ipairs { "_entry_ptr.3", "f._entry_ptr", "_entry.4" } do
      assert.is_true(key(n)[5], n)
    end
    for _, n in ipairs { "descriptor", "f.count", "count.1", "__keyboard.1" } do
      assert.is_false(key(n)[5], n)
    end
  end)

  it("leave names without suffixes alone and only ask for names that need it", function()
    assert.are.same({ "a.b", "a.b", false, false, false }, key "a.b")
    assert.are.same({ ".123", ".123", false, false, false }, key ".123")
    assert.are.same({ "." }, keyer.triggers.contains)
  end)
end)
