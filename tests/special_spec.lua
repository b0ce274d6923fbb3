-- The names never correlated, kept once (klp.special), and the sets each
-- preset derives from them: each preset reproduces its tool's own list.
local special = require "klp.special"
local policy = require "klp.policy"

local function sorted(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  table.sort(out)
  return out
end

describe("compiler-made statics", function()
  it("klp excludes every one, objtool and kpatch their own", function()
    assert.are.same({ "__already_done", "__func__", "__FUNCTION__", "__PRETTY_FUNCTION__", "__key", "__warned",
      "_entry", "_entry_ptr", "_rs", "descriptor", "CSWTCH" }, special.statics_of("klp"))
    assert.are.same(sorted { "__already_done", "__func__", "__key", "__warned", "_entry", "_entry_ptr", "_rs",
      "descriptor", "CSWTCH" }, sorted(special.statics_of("objtool")))
    assert.are.same(sorted { "__key", "__warned", "__already_done", "__func__", "__FUNCTION__", "_rs", "CSWTCH",
      "_entry" }, sorted(special.statics_of("kpatch")))
    assert.are.same(special.statics_of("klp"), require("klp.suffix").compiler_statics)
  end)

  it("are named var.N (GCC) or func.var[.N] (clang)", function()
    assert.are.equal("__key", special.static_var("__key.12"))
    assert.are.equal("__key", special.static_var("f.__key"))
    assert.are.equal("__key", special.static_var("f.__key.3"))
    assert.is_nil(special.static_var("__key"))
    assert.is_nil(special.static_var("a.b.c"))
    local set = special.static_set("objtool")
    assert.is_true(special.is_static(set, "descriptor.3", "object"))
    assert.is_false(special.is_static(set, "descriptor.3", "func"))
    assert.is_false(special.is_static(special.static_set("kpatch"), "descriptor.3", "object"))
  end)
end)

describe("special sections and prefixes", function()
  it("default excludes objtool's, .modinfo and build noise; its prefixes are objtool's and $", function()
    local default, objtool = policy.resolve("default").exclude, policy.resolve("objtool").exclude
    assert.are.same(sorted(special.with(objtool.sections, ".modinfo", ".BTF_ids")), sorted(default.sections))
    assert.are.same(sorted(special.with(objtool.prefixes, "$")), sorted(default.prefixes))
    assert.are.same(sorted(special.with(objtool.section_prefixes, ".note")), sorted(default.section_prefixes))
    assert.are.same(sorted(special.sections), sorted(objtool.sections))
    assert.are.same(sorted(special.symbol_prefixes), sorted(objtool.prefixes))
  end)
end)
